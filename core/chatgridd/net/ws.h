/*
 * ws.h: RFC 6455 WebSocket framing for a server: an incremental parser of
 * client frames (masking required, fragmentation, control frames, UTF-8
 * validation of text, a message size cap) and builders of server frames.
 * Pure code: no I/O, so it is unit tested and fuzzed on its own.
 */
#ifndef CG_WS_H
#define CG_WS_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005,
	WS_CLOSE_BAD_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
	WS_CLOSE_RESTART = 1012,
};

struct ws_callbacks {
	/* A chunk of the current data message's payload (already unmasked). */
	int (*data)(void *arg, const uint8_t *buf, size_t len);
	/* The current data message is complete (and valid UTF-8 if text). */
	int (*message_end)(void *arg);
	/* A whole control frame: ping, pong or close (payload <= 125 bytes). */
	int (*control)(void *arg, int opcode, const uint8_t *buf, size_t len);
};

/* Parser state for one connection. Zero it, then set max_message. */
struct ws_parser {
	uint64_t max_message;	/* cap on a reassembled data message */

	uint8_t hdr[14];
	size_t hlen;		/* header bytes collected */
	int fin, opcode;
	uint8_t mask[4];
	uint64_t plen;		/* payload length of the current frame */
	uint64_t pdone;		/* payload bytes consumed */
	int in_frame;		/* header complete, payload pending */

	int in_message;		/* a fragmented data message is open */
	uint64_t msg_len;
	uint8_t ctrl[125];	/* control frame payload being collected */

	/* Incremental UTF-8 check of the open text message. */
	int u8_need;
	uint8_t u8_lo, u8_hi;

	const char *error;	/* why the last failure happened, for the log */
};

/*
 * Consume len bytes of buf (unmasked in place). Returns 0 when all bytes
 * were used, a WebSocket close code (1002, 1003, 1007, 1009) when the
 * peer broke the protocol, or a callback's non-zero return value.
 */
int ws_parser_feed(struct ws_parser *, uint8_t *buf, size_t len,
    const struct ws_callbacks *, void *arg);

/* Write an unmasked, final frame header for len bytes; returns its size (2..10). */
size_t ws_frame_header(uint8_t out[10], int opcode, uint64_t len);
/* A close frame payload: code plus a reason cut to fit 123 bytes; returns its size. */
size_t ws_close_payload(uint8_t out[125], int code, const char *reason);
/* Is this a close code a peer may send? */
int ws_close_code_valid(int code);
/* Validate a whole buffer as UTF-8 (no surrogates, no overlongs). */
int ws_utf8_valid(const uint8_t *, size_t);
/* Sec-WebSocket-Accept for a key: 28 characters plus NUL. */
void ws_accept_key(const char *key, char out[29]);
/* Is a Sec-WebSocket-Key well formed (base64 of 16 bytes)? */
int ws_key_valid(const char *key);

#endif
