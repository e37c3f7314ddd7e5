/*
 * ws.c: RFC 6455 framing. The parser never buffers a whole frame: payload
 * bytes go to the caller as they arrive, so a large message costs only the
 * caller's reassembly buffer, which the size cap bounds before any payload
 * is read.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "ws.h"

static void
u8_reset(struct ws_parser *p)
{
	p->u8_need = 0;
	p->u8_lo = 0x80;
	p->u8_hi = 0xbf;
}

/* Advance the UTF-8 state over buf; returns -1 on an invalid sequence. */
static int
u8_step(struct ws_parser *p, const uint8_t *buf, size_t len)
{
	size_t i;
	uint8_t b;

	for (i = 0; i < len; i++) {
		b = buf[i];
		if (p->u8_need > 0) {
			if (b < p->u8_lo || b > p->u8_hi)
				return -1;
			p->u8_lo = 0x80;
			p->u8_hi = 0xbf;
			p->u8_need--;
			continue;
		}
		if (b < 0x80)
			continue;
		if (b >= 0xc2 && b <= 0xdf)
			p->u8_need = 1;
		else if (b == 0xe0) {
			p->u8_need = 2;
			p->u8_lo = 0xa0;	/* no overlong 3-byte forms */
		} else if (b == 0xed) {
			p->u8_need = 2;
			p->u8_hi = 0x9f;	/* no UTF-16 surrogates */
		} else if (b >= 0xe1 && b <= 0xef)
			p->u8_need = 2;
		else if (b == 0xf0) {
			p->u8_need = 3;
			p->u8_lo = 0x90;	/* no overlong 4-byte forms */
		} else if (b >= 0xf1 && b <= 0xf3)
			p->u8_need = 3;
		else if (b == 0xf4) {
			p->u8_need = 3;
			p->u8_hi = 0x8f;	/* nothing above U+10FFFF */
		} else
			return -1;
	}
	return 0;
}

int
ws_utf8_valid(const uint8_t *buf, size_t len)
{
	struct ws_parser p;

	u8_reset(&p);
	return u8_step(&p, buf, len) == 0 && p.u8_need == 0;
}

int
ws_close_code_valid(int code)
{
	if (code >= 3000 && code <= 4999)
		return 1;
	switch (code) {
	case 1000: case 1001: case 1002: case 1003:
	case 1007: case 1008: case 1009: case 1010: case 1011:
	case 1012: case 1013: case 1014:
		return 1;
	}
	return 0;
}

static int
fail(struct ws_parser *p, int code, const char *why)
{
	p->error = why;
	return code;
}

/* The header is complete in p->hdr: check it and start the frame. */
static int
frame_begin(struct ws_parser *p)
{
	uint8_t b0 = p->hdr[0], b1 = p->hdr[1];
	uint64_t len = b1 & 0x7f;
	int i;

	p->fin = (b0 & 0x80) != 0;
	p->opcode = b0 & 0x0f;
	if (b0 & 0x70)
		return fail(p, WS_CLOSE_PROTOCOL, "reserved bits set without an extension");
	if (!(b1 & 0x80))
		return fail(p, WS_CLOSE_PROTOCOL, "client frame not masked");
	if (len == 126)
		len = (uint64_t)p->hdr[2] << 8 | p->hdr[3];
	else if (len == 127) {
		if (p->hdr[2] & 0x80)
			return fail(p, WS_CLOSE_PROTOCOL, "64-bit length with the top bit set");
		len = 0;
		for (i = 2; i < 10; i++)
			len = len << 8 | p->hdr[i];
	}
	memcpy(p->mask, p->hdr + p->hlen - 4, 4);
	p->plen = len;
	p->pdone = 0;

	switch (p->opcode) {
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!p->fin)
			return fail(p, WS_CLOSE_PROTOCOL, "fragmented control frame");
		if (len > 125)
			return fail(p, WS_CLOSE_PROTOCOL, "control frame longer than 125 bytes");
		break;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (p->in_message)
			return fail(p, WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
		if (p->opcode == WS_OP_BINARY)
			return fail(p, WS_CLOSE_UNSUPPORTED, "binary messages are not accepted");
		p->in_message = 1;
		p->msg_len = 0;
		u8_reset(p);
		break;
	case WS_OP_CONT:
		if (!p->in_message)
			return fail(p, WS_CLOSE_PROTOCOL, "continuation without a message");
		break;
	default:
		return fail(p, WS_CLOSE_PROTOCOL, "reserved opcode");
	}
	if (p->opcode <= WS_OP_BINARY) {
		if (len > p->max_message || p->msg_len > p->max_message - len)
			return fail(p, WS_CLOSE_TOO_BIG, "message larger than max_message_bytes");
		p->msg_len += len;
	}
	p->in_frame = 1;
	return 0;
}

/* The frame's payload is all in; finish it. */
static int
frame_end(struct ws_parser *p, const struct ws_callbacks *cb, void *arg)
{
	int code, rc;

	p->in_frame = 0;
	p->hlen = 0;
	if (p->opcode >= WS_OP_CLOSE) {
		if (p->opcode == WS_OP_CLOSE && p->plen > 0) {
			if (p->plen == 1)
				return fail(p, WS_CLOSE_PROTOCOL, "close payload of one byte");
			code = p->ctrl[0] << 8 | p->ctrl[1];
			if (!ws_close_code_valid(code))
				return fail(p, WS_CLOSE_PROTOCOL, "invalid close code");
			if (!ws_utf8_valid(p->ctrl + 2, (size_t)p->plen - 2))
				return fail(p, WS_CLOSE_BAD_DATA, "close reason is not UTF-8");
		}
		return cb->control(arg, p->opcode, p->ctrl, (size_t)p->plen);
	}
	if (!p->fin)
		return 0;
	if (p->u8_need != 0)
		return fail(p, WS_CLOSE_BAD_DATA, "text message ends inside a UTF-8 sequence");
	p->in_message = 0;
	rc = cb->message_end(arg);
	return rc;
}

static size_t
header_need(const struct ws_parser *p)
{
	size_t n = 2;

	if (p->hlen < 2)
		return 2;
	if ((p->hdr[1] & 0x7f) == 126)
		n += 2;
	else if ((p->hdr[1] & 0x7f) == 127)
		n += 8;
	if (p->hdr[1] & 0x80)
		n += 4;
	return n;
}

int
ws_parser_feed(struct ws_parser *p, uint8_t *buf, size_t len,
    const struct ws_callbacks *cb, void *arg)
{
	size_t n, i, need;
	uint64_t left;
	int rc;

	while (len > 0) {
		if (!p->in_frame) {
			/* Collect the header, which may arrive one byte at a time. */
			need = header_need(p);
			while (p->hlen < need && len > 0) {
				p->hdr[p->hlen++] = *buf++;
				len--;
				need = header_need(p);
			}
			if (p->hlen < need)
				return 0;
			if ((rc = frame_begin(p)) != 0)
				return rc;
			if (p->plen == 0 && (rc = frame_end(p, cb, arg)) != 0)
				return rc;
			continue;
		}
		left = p->plen - p->pdone;
		n = left < len ? (size_t)left : len;
		for (i = 0; i < n; i++)
			buf[i] ^= p->mask[(p->pdone + i) & 3];
		if (p->opcode >= WS_OP_CLOSE)
			memcpy(p->ctrl + p->pdone, buf, n);
		else {
			if (u8_step(p, buf, n) != 0)
				return fail(p, WS_CLOSE_BAD_DATA, "text message is not UTF-8");
			if (n > 0 && (rc = cb->data(arg, buf, n)) != 0)
				return rc;
		}
		p->pdone += n;
		buf += n;
		len -= n;
		if (p->pdone == p->plen && (rc = frame_end(p, cb, arg)) != 0)
			return rc;
	}
	return 0;
}

size_t
ws_frame_header(uint8_t out[10], int opcode, uint64_t len)
{
	int i;

	out[0] = 0x80 | (uint8_t)opcode;
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

size_t
ws_close_payload(uint8_t out[125], int code, const char *reason)
{
	size_t n = reason != NULL ? strlen(reason) : 0;

	if (n > 123)
		n = 123;
	/* Never cut inside a UTF-8 sequence. */
	while (n > 0 && reason[n] != '\0' && ((uint8_t)reason[n] & 0xc0) == 0x80)
		n--;
	out[0] = (uint8_t)(code >> 8);
	out[1] = (uint8_t)code;
	if (n > 0)
		memcpy(out + 2, reason, n);
	return 2 + n;
}

int
ws_key_valid(const char *key)
{
	uint8_t raw[32];
	size_t n = strlen(key);
	int len;

	if (n != 24 || key[22] != '=' || key[23] != '=')
		return 0;
	/* The decoder takes '=' anywhere as a zero digit: check the alphabet first. */
	if (strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != 22)
		return 0;
	len = EVP_DecodeBlock(raw, (const uint8_t *)key, 24);
	return len == 18;	/* 16 bytes plus the two padding bytes EVP counts */
}

void
ws_accept_key(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, key, strlen(key)) != 1 ||
	    EVP_DigestUpdate(ctx, guid, sizeof guid - 1) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 20) {
		out[0] = '\0';
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((uint8_t *)out, md, 20);
}
