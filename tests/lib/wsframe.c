/* wsframe.c: RFC 6455 frame encoding and decoding, UTF-8 validation; no I/O. */
#include "wsframe.h"

#include <limits.h>
#include <string.h>

size_t
tc_ws_frame_header_len(uint64_t len, int masked)
{
	size_t n = 2;

	if (len > 0xffff)
		n += 8;
	else if (len > 125)
		n += 2;
	return n + (masked ? 4 : 0);
}

size_t
tc_ws_frame_encode_header(uint8_t *out, size_t cap, int fin, int opcode, int rsv,
    int masked, const uint8_t key[4], uint64_t len)
{
	static const uint8_t zero[4];
	size_t n = tc_ws_frame_header_len(len, masked), p = 2;
	int i;

	if (cap < n)
		return 0;
	out[0] = (uint8_t)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f));
	out[1] = masked ? 0x80 : 0;
	if (len > 0xffff) {
		out[1] |= 127;
		for (i = 7; i >= 0; i--)
			out[p++] = (uint8_t)(len >> (8 * i));
	} else if (len > 125) {
		out[1] |= 126;
		out[p++] = (uint8_t)(len >> 8);
		out[p++] = (uint8_t)len;
	} else
		out[1] |= (uint8_t)len;
	if (masked) {
		memcpy(out + p, key != NULL ? key : zero, 4);
		p += 4;
	}
	return p;
}

size_t
tc_ws_frame_encode(uint8_t *out, size_t cap, int fin, int opcode, int rsv, int masked,
    const uint8_t key[4], const void *payload, size_t len)
{
	size_t h;

	h = tc_ws_frame_encode_header(out, cap, fin, opcode, rsv, masked, key, len);
	if (h == 0 || cap - h < len)
		return 0;
	if (len == 0)
		return h;
	if (masked)
		tc_ws_mask(out + h, payload, len, out + h - 4, 0);
	else
		memcpy(out + h, payload, len);
	return h + len;
}

ssize_t
tc_ws_frame_decode(const uint8_t *buf, size_t len, struct tc_frame *f)
{
	size_t p = 2;
	uint64_t plen;
	int i;

	memset(f, 0, sizeof *f);
	if (len < 2)
		return 0;
	f->fin = (buf[0] & 0x80) != 0;
	f->rsv = (buf[0] >> 4) & 7;
	f->opcode = buf[0] & 0x0f;
	f->masked = (buf[1] & 0x80) != 0;
	plen = buf[1] & 0x7f;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		p = 4;
		if (plen < 126)
			return -1;	/* not the shortest form */
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		p = 10;
		if (plen >> 63)
			return -1;	/* RFC 6455 5.2: the top bit must be 0 */
		if (plen <= 0xffff)
			return -1;
	}
	if (f->masked) {
		if (len < p + 4)
			return 0;
		memcpy(f->key, buf + p, 4);
		p += 4;
	}
	f->len = plen;
	f->header_len = p;
	/* A length that cannot fit in memory can never complete: call it malformed. */
	if (plen > (uint64_t)SSIZE_MAX - p)
		return -1;
	if (len - p < plen)
		return 0;
	f->payload = buf + p;
	return (ssize_t)(p + plen);
}

void
tc_ws_mask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4],
    uint64_t offset)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[i] ^ key[(offset + i) & 3];
}

int
tc_ws_is_control(int opcode)
{
	return (opcode & 0x08) != 0;
}

int
tc_ws_opcode_known(int opcode)
{
	switch (opcode) {
	case TC_WS_CONT:
	case TC_WS_TEXT:
	case TC_WS_BINARY:
	case TC_WS_CLOSE:
	case TC_WS_PING:
	case TC_WS_PONG:
		return 1;
	default:
		return 0;
	}
}

const char *
tc_ws_opcode_name(int opcode)
{
	switch (opcode) {
	case TC_WS_CONT: return "continuation";
	case TC_WS_TEXT: return "text";
	case TC_WS_BINARY: return "binary";
	case TC_WS_CLOSE: return "close";
	case TC_WS_PING: return "ping";
	case TC_WS_PONG: return "pong";
	default: return "reserved";
	}
}

void
tc_utf8_init(struct tc_utf8 *u)
{
	memset(u, 0, sizeof *u);
}

int
tc_utf8_feed(struct tc_utf8 *u, const void *s, size_t n)
{
	const uint8_t *b = s;
	size_t i;

	if (u->bad)
		return -1;
	for (i = 0; i < n; i++) {
		uint8_t c = b[i];

		if (u->need > 0) {
			if (c < u->lo || c > u->hi) {
				u->bad = 1;
				return -1;
			}
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
			continue;
		}
		if (c < 0x80)
			continue;
		/* The second byte's range is what excludes overlongs and surrogates. */
		u->lo = 0x80;
		u->hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			u->need = 1;
		else if (c == 0xe0) {
			u->need = 2;
			u->lo = 0xa0;
		} else if (c == 0xed) {
			u->need = 2;
			u->hi = 0x9f;
		} else if (c >= 0xe1 && c <= 0xef)
			u->need = 2;
		else if (c == 0xf0) {
			u->need = 3;
			u->lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			u->need = 3;
		else if (c == 0xf4) {
			u->need = 3;
			u->hi = 0x8f;
		} else {
			u->bad = 1;
			return -1;
		}
	}
	return 0;
}

int
tc_utf8_complete(const struct tc_utf8 *u)
{
	return !u->bad && u->need == 0;
}

int
tc_utf8_valid(const void *s, size_t n)
{
	struct tc_utf8 u;

	tc_utf8_init(&u);
	return tc_utf8_feed(&u, s, n) == 0 && tc_utf8_complete(&u);
}
