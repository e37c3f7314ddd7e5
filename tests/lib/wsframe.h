/*
 * wsframe.h: a pure RFC 6455 frame codec and an incremental UTF-8 checker.
 *
 * No I/O and no allocation, so the blocking test client and the (future)
 * event-driven load generator share it. The encoder never refuses a frame
 * the RFC forbids (oversized control frames, reserved opcodes, RSV bits):
 * tests need to send exactly those.
 */
#ifndef TC_WSFRAME_H
#define TC_WSFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tc_ws_opcode {
	TC_WS_CONT = 0x0,
	TC_WS_TEXT = 0x1,
	TC_WS_BINARY = 0x2,
	TC_WS_CLOSE = 0x8,
	TC_WS_PING = 0x9,
	TC_WS_PONG = 0xa,
};

/* The rsv argument and field hold the three RSV bits as one value 0..7. */
#define TC_WS_RSV1 4
#define TC_WS_RSV2 2
#define TC_WS_RSV3 1

/* Largest header: 2 bytes + 8 bytes of length + 4 bytes of mask key. */
#define TC_WS_MAX_HEADER 14

/* Largest payload a control frame may carry (RFC 6455 5.5). */
#define TC_WS_MAX_CONTROL 125

/* One decoded frame header; payload points into the decoded buffer. */
struct tc_frame {
	int fin;
	int rsv;		/* TC_WS_RSV* bits */
	int opcode;
	int masked;
	uint8_t key[4];		/* valid when masked */
	uint64_t len;		/* payload length */
	size_t header_len;	/* bytes before the payload */
	const uint8_t *payload;	/* still masked when masked; NULL until complete */
};

/* Bytes of header a frame with this payload length needs. */
size_t tc_ws_frame_header_len(uint64_t len, int masked);

/*
 * Write only the header of a frame whose payload (len bytes) the caller sends
 * separately, already masked with key (tc_ws_mask). Returns the header length,
 * or 0 if cap is too small. key may be NULL for an all-zero key.
 */
size_t tc_ws_frame_encode_header(uint8_t *out, size_t cap, int fin, int opcode,
    int rsv, int masked, const uint8_t key[4], uint64_t len);

/*
 * Write a whole frame (header, then the payload masked with key when masked).
 * Returns the number of bytes written, or 0 if cap is too small.
 */
size_t tc_ws_frame_encode(uint8_t *out, size_t cap, int fin, int opcode, int rsv,
    int masked, const uint8_t key[4], const void *payload, size_t len);

/*
 * Decode the frame at the start of buf. Returns the bytes the whole frame
 * takes (header + payload); 0 when more bytes are needed; -1 when the header
 * is malformed (a 64-bit length with the top bit set, or a length not in its
 * shortest form). When 0 is returned with f->header_len != 0 the header is
 * complete and the frame needs f->header_len + f->len bytes in all. The
 * payload is left masked: unmask it with tc_ws_mask(dst, f->payload, ...).
 */
ssize_t tc_ws_frame_decode(const uint8_t *buf, size_t len, struct tc_frame *f);

/*
 * XOR len bytes of src with key into dst (dst may equal src). offset is the
 * position of src[0] in the payload, so a payload can be (un)masked in pieces.
 */
void tc_ws_mask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4],
    uint64_t offset);

/* 1 for close, ping, pong and the reserved control opcodes 0xb..0xf. */
int tc_ws_is_control(int opcode);
/* 1 for the six opcodes RFC 6455 defines. */
int tc_ws_opcode_known(int opcode);
/* "text", "close", ... or "reserved". */
const char *tc_ws_opcode_name(int opcode);

/*
 * Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF), so a text message can be checked fragment by fragment.
 * Zero-initialise, or call tc_utf8_init.
 */
struct tc_utf8 {
	int need;		/* continuation bytes still expected */
	uint8_t lo, hi;		/* allowed range of the next continuation byte */
	int bad;		/* set once an invalid byte was seen */
};

void tc_utf8_init(struct tc_utf8 *);
/* Feed n bytes; returns 0 while the text is valid so far, -1 once it is not. */
int tc_utf8_feed(struct tc_utf8 *, const void *s, size_t n);
/* 1 if everything fed is valid and does not end inside a sequence. */
int tc_utf8_complete(const struct tc_utf8 *);
/* One-shot: 1 if s[0..n) is valid UTF-8. */
int tc_utf8_valid(const void *s, size_t n);

#endif
