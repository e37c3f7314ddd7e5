/*
 * fuzz_ws.c: the WebSocket frame parser (core/chatgridd/net/ws.c) on arbitrary bytes.
 *
 * Input: two bytes of max_message (big-endian), one byte seeding the chunk
 * sizes, one spare byte, then the client's byte stream. The stream is fed
 * once whole and once in pseudo-random chunks; both runs must end the same
 * way and deliver the same complete messages and control frames, and the
 * callbacks check the parser's promises on the way.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws.h"

#define FUZZ_ASSERT(x) do { if (!(x)) { \
	fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
	abort(); } } while (0)

struct log {
	uint64_t max;
	uint8_t *msg;		/* the message being reassembled */
	size_t msg_len;
	uint8_t *events;	/* complete messages and control frames, in order */
	size_t ev_len, ev_cap;
};

static void
log_add(struct log *l, const void *p, size_t n)
{
	if (l->ev_len + n > l->ev_cap) {
		l->ev_cap = (l->ev_len + n) * 2 + 64;
		l->events = realloc(l->events, l->ev_cap);
		FUZZ_ASSERT(l->events != NULL);
	}
	if (n > 0)
		memcpy(l->events + l->ev_len, p, n);
	l->ev_len += n;
}

static int
on_data(void *arg, const uint8_t *buf, size_t len)
{
	struct log *l = arg;

	FUZZ_ASSERT(len > 0);
	/* Never more than max_message bytes per message. */
	FUZZ_ASSERT(l->msg_len + len <= l->max);
	l->msg = realloc(l->msg, l->msg_len + len);
	FUZZ_ASSERT(l->msg != NULL);
	memcpy(l->msg + l->msg_len, buf, len);
	l->msg_len += len;
	return 0;
}

static int
on_end(void *arg)
{
	struct log *l = arg;
	uint64_t n = l->msg_len;

	/* A complete text message is valid UTF-8. */
	FUZZ_ASSERT(ws_utf8_valid(l->msg, l->msg_len));
	log_add(l, "M", 1);
	log_add(l, &n, sizeof n);
	log_add(l, l->msg, l->msg_len);
	l->msg_len = 0;
	return 0;
}

static int
on_control(void *arg, int opcode, const uint8_t *buf, size_t len)
{
	struct log *l = arg;
	uint8_t op = (uint8_t)opcode;

	FUZZ_ASSERT(len <= 125);
	FUZZ_ASSERT(opcode == WS_OP_CLOSE || opcode == WS_OP_PING || opcode == WS_OP_PONG);
	if (opcode == WS_OP_CLOSE && len > 0) {
		FUZZ_ASSERT(len >= 2);
		FUZZ_ASSERT(ws_close_code_valid(buf[0] << 8 | buf[1]));
		FUZZ_ASSERT(ws_utf8_valid(buf + 2, len - 2));
	}
	log_add(l, "C", 1);
	log_add(l, &op, 1);
	log_add(l, &len, sizeof len);
	log_add(l, buf, len);
	return 0;
}

static const struct ws_callbacks cbs = { on_data, on_end, on_control };

/* Feed a copy of buf; step_seed 0 means all at once. Returns the parser's answer. */
static int
run(const uint8_t *buf, size_t len, uint64_t max, unsigned step_seed, struct log *l)
{
	struct ws_parser p;
	uint8_t *copy = malloc(len + 1);
	uint32_t x = step_seed * 2654435761u + 1;
	size_t at = 0, n;
	int rc = 0;

	FUZZ_ASSERT(copy != NULL);
	if (len > 0)
		memcpy(copy, buf, len);
	memset(&p, 0, sizeof p);
	p.max_message = max;
	memset(l, 0, sizeof *l);
	l->max = max;
	while (at < len && rc == 0) {
		if (step_seed == 0)
			n = len - at;
		else {
			/* Mostly small chunks (headers split anywhere), now and then big. */
			x = x * 1103515245u + 12345u;
			n = (x >> 16) % 8 == 0 ? (x >> 8) % 4096 + 1 : (x >> 16) % 5 + 1;
			if (n > len - at)
				n = len - at;
		}
		rc = ws_parser_feed(&p, copy + at, n, &cbs, l);
		at += n;
	}
	if (rc != 0) {
		/* Only protocol close codes: the callbacks never refuse. */
		FUZZ_ASSERT(rc == WS_CLOSE_PROTOCOL || rc == WS_CLOSE_UNSUPPORTED ||
		    rc == WS_CLOSE_BAD_DATA || rc == WS_CLOSE_TOO_BIG);
		FUZZ_ASSERT(p.error != NULL);
	}
	free(copy);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log whole, chunked;
	uint64_t max;
	int rc1, rc2;

	if (size < 4)
		return 0;
	max = (uint64_t)data[0] << 8 | data[1];
	if (max == 0xffff)
		max = UINT64_MAX;	/* no cap at all */
	rc1 = run(data + 4, size - 4, max, 0, &whole);
	rc2 = run(data + 4, size - 4, max, data[2] + 1u, &chunked);
	/* Chunking changes nothing that completed. */
	FUZZ_ASSERT(rc1 == rc2);
	FUZZ_ASSERT(whole.ev_len == chunked.ev_len);
	FUZZ_ASSERT(whole.ev_len == 0 || memcmp(whole.events, chunked.events, whole.ev_len) == 0);
	free(whole.msg);
	free(whole.events);
	free(chunked.msg);
	free(chunked.events);
	return 0;
}
