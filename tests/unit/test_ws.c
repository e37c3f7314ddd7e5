/*
 * test_ws.c: the RFC 6455 client-frame parser and the frame builders in
 * core/chatgridd/net/ws.c. Every frame is built here by hand (masked unless a test says
 * otherwise) and fed both whole and one byte at a time, since the parser
 * must give the same answer however the bytes arrive.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "net/ws.h"

static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };	/* RFC 6455 5.7 */

/* Length encodings a test may force; FORM_MIN picks the shortest. */
enum { FORM_MIN, FORM_16, FORM_64 };

/*
 * Append one frame to a growing buffer. rsv is the three RSV bits as 0..7;
 * masked frames use the RFC's example key. Returns the new size.
 */
static size_t
frame(uint8_t **buf, size_t at, int fin, int rsv, int opcode, int masked,
    const void *payload, size_t len, int form)
{
	const uint8_t *pl = payload;
	uint8_t *p;
	size_t i, h = 2;

	if (form == FORM_64 || (form == FORM_MIN && len > 0xffff))
		h += 8;
	else if (form == FORM_16 || len > 125)
		h += 2;
	if (masked)
		h += 4;
	*buf = realloc(*buf, at + h + len);
	ck_assert_ptr_nonnull(*buf);
	p = *buf + at;
	p[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0x0f));
	p[1] = masked ? 0x80 : 0;
	if (h - (masked ? 4 : 0) == 10) {
		p[1] |= 127;
		for (i = 0; i < 8; i++)
			p[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	} else if (h - (masked ? 4 : 0) == 4) {
		p[1] |= 126;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
	} else
		p[1] |= (uint8_t)len;
	if (masked)
		memcpy(p + h - 4, key, 4);
	for (i = 0; i < len; i++)
		p[h + i] = masked ? pl[i] ^ key[i & 3] : pl[i];
	return at + h + len;
}

/* What the callbacks saw. */
struct rec {
	uint8_t *data;		/* payload of every data message, concatenated */
	size_t len;
	size_t cur;		/* bytes of the message in progress */
	size_t max_seen;	/* largest message delivered */
	int data_calls;
	int messages;
	int controls;
	int ctrl_op[8];
	uint8_t ctrl[8][125];
	size_t ctrl_len[8];
	char order[64];		/* 'd' data, 'm' message end, 'c' control */
	size_t norder;
	int data_rc, end_rc, ctrl_rc;	/* what the callbacks return */
};

static void
rec_note(struct rec *r, char c)
{
	if (r->norder < sizeof r->order - 1 && (r->norder == 0 || c != 'd' ||
	    r->order[r->norder - 1] != 'd'))
		r->order[r->norder++] = c;
}

static int
on_data(void *arg, const uint8_t *buf, size_t len)
{
	struct rec *r = arg;

	ck_assert_uint_gt(len, 0);
	r->data = realloc(r->data, r->len + len + 1);
	ck_assert_ptr_nonnull(r->data);
	memcpy(r->data + r->len, buf, len);
	r->len += len;
	r->data[r->len] = '\0';
	r->cur += len;
	r->data_calls++;
	rec_note(r, 'd');
	return r->data_rc;
}

static int
on_end(void *arg)
{
	struct rec *r = arg;

	if (r->cur > r->max_seen)
		r->max_seen = r->cur;
	r->cur = 0;
	r->messages++;
	rec_note(r, 'm');
	return r->end_rc;
}

static int
on_control(void *arg, int opcode, const uint8_t *buf, size_t len)
{
	struct rec *r = arg;

	ck_assert_uint_le(len, 125);
	if (r->controls < 8) {
		r->ctrl_op[r->controls] = opcode;
		memcpy(r->ctrl[r->controls], buf, len);
		r->ctrl_len[r->controls] = len;
	}
	r->controls++;
	rec_note(r, 'c');
	return r->ctrl_rc;
}

static const struct ws_callbacks cbs = { on_data, on_end, on_control };

static void
rec_free(struct rec *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}

/* Feed a copy of buf in chunks of at most step bytes (0: all at once). */
static int
feed(struct ws_parser *p, const uint8_t *buf, size_t len, size_t step, struct rec *r)
{
	uint8_t *copy = malloc(len + 1);
	size_t at, n;
	int rc = 0;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	if (step == 0)
		step = len;
	for (at = 0; at < len && rc == 0; at += n) {
		n = len - at < step ? len - at : step;
		rc = ws_parser_feed(p, copy + at, n, &cbs, r);
	}
	if (len == 0)
		rc = ws_parser_feed(p, copy, 0, &cbs, r);
	free(copy);
	return rc;
}

/*
 * Run buf through a fresh parser whole, byte by byte and in 7-byte chunks;
 * every run must give rc. The record of the whole run stays in *out.
 */
static void
run(const uint8_t *buf, size_t len, uint64_t max, int rc, struct rec *out)
{
	static const size_t steps[] = { 0, 1, 7 };
	struct ws_parser p;
	struct rec r;
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		memset(&p, 0, sizeof p);
		p.max_message = max;
		memset(&r, 0, sizeof r);
		ck_assert_msg(feed(&p, buf, len, steps[i], &r) == rc,
		    "chunks of %zu: expected %d (%s)", steps[i], rc,
		    p.error != NULL ? p.error : "no error");
		if (rc != 0 && rc >= 1000)
			ck_assert_ptr_nonnull(p.error);
		if (i == 0 && out != NULL)
			*out = r;
		else {
			if (out != NULL && rc == 0) {
				/*
				 * Same callbacks whatever the chunking. (After an
				 * error, smaller chunks may have delivered more of a
				 * valid prefix first.)
				 */
				ck_assert_int_eq(r.messages, out->messages);
				ck_assert_int_eq(r.controls, out->controls);
				ck_assert_uint_eq(r.len, out->len);
				if (r.len > 0)
					ck_assert_mem_eq(r.data, out->data, r.len);
			}
			rec_free(&r);
		}
	}
}

/* One masked text message of len bytes of 'a'..'z', checked on the way out. */
static void
check_text_len(size_t len, int form)
{
	uint8_t *pl = malloc(len + 1), *buf = NULL;
	size_t i, n;
	struct rec r;

	ck_assert_ptr_nonnull(pl);
	for (i = 0; i < len; i++)
		pl[i] = (uint8_t)('a' + i % 26);
	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, pl, len, form);
	ck_assert_uint_eq(n, len + (form == FORM_64 || len > 0xffff ? 14 :
	    form == FORM_16 || len > 125 ? 8 : 6));
	run(buf, n, 1 << 20, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	ck_assert_uint_eq(r.len, len);
	if (len > 0)
		ck_assert_mem_eq(r.data, pl, len);
	rec_free(&r);
	free(buf);
	free(pl);
}

START_TEST(test_len7)
{
	check_text_len(0, FORM_MIN);
	check_text_len(1, FORM_MIN);
	check_text_len(5, FORM_MIN);
	check_text_len(125, FORM_MIN);
}
END_TEST

START_TEST(test_len16)
{
	check_text_len(126, FORM_MIN);
	check_text_len(1000, FORM_MIN);
	check_text_len(65535, FORM_MIN);
	/* A longer form than needed is legal for a client. */
	check_text_len(5, FORM_16);
}
END_TEST

START_TEST(test_len64)
{
	check_text_len(65536, FORM_MIN);
	check_text_len(70000, FORM_MIN);
	check_text_len(5, FORM_64);
}
END_TEST

START_TEST(test_len64_top_bit)
{
	uint8_t buf[14] = { 0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4 };

	run(buf, sizeof buf, 1 << 20, WS_CLOSE_PROTOCOL, NULL);
}
END_TEST

START_TEST(test_rfc_masked_hello)
{
	/* RFC 6455 5.7: a single-frame masked text message "Hello". */
	static const uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
	    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	struct rec r;

	run(hello, sizeof hello, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	ck_assert_uint_eq(r.len, 5);
	ck_assert_mem_eq(r.data, "Hello", 5);
	rec_free(&r);
}
END_TEST

START_TEST(test_mask_phase)
{
	/* A new key per frame, and the key phase kept across chunks. */
	static const uint8_t f[] = { 0x81, 0x87, 0x01, 0x02, 0x03, 0x04,
	    'a' ^ 1, 'b' ^ 2, 'c' ^ 3, 'd' ^ 4, 'e' ^ 1, 'f' ^ 2, 'g' ^ 3,
	    0x81, 0x82, 0xf0, 0x0f, 0xff, 0x00, 'h' ^ 0xf0, 'i' ^ 0x0f };
	struct rec r;

	run(f, sizeof f, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 2);
	ck_assert_str_eq((char *)r.data, "abcdefghi");
	rec_free(&r);
}
END_TEST

START_TEST(test_unmasked)
{
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 0, "Hello", 5, FORM_MIN);
	struct rec r;

	run(buf, n, 1024, WS_CLOSE_PROTOCOL, &r);
	ck_assert_int_eq(r.data_calls, 0);
	rec_free(&r);
	/* An unmasked ping is refused too. */
	n = frame(&buf, 0, 1, 0, WS_OP_PING, 0, "x", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_fragmented_with_ping)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	struct rec r;

	n = frame(&buf, n, 0, 0, WS_OP_TEXT, 1, "Hel", 3, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_PING, 1, "pi", 2, FORM_MIN);
	n = frame(&buf, n, 0, 0, WS_OP_CONT, 1, "lo, ", 4, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_PONG, 1, "", 0, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, "world", 5, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	ck_assert_str_eq((char *)r.data, "Hello, world");
	ck_assert_int_eq(r.controls, 2);
	ck_assert_int_eq(r.ctrl_op[0], WS_OP_PING);
	ck_assert_uint_eq(r.ctrl_len[0], 2);
	ck_assert_mem_eq(r.ctrl[0], "pi", 2);
	ck_assert_int_eq(r.ctrl_op[1], WS_OP_PONG);
	ck_assert_uint_eq(r.ctrl_len[1], 0);
	ck_assert_str_eq(r.order, "dcdcdm");
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_empty_fragments)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	struct rec r;

	n = frame(&buf, n, 0, 0, WS_OP_TEXT, 1, "", 0, FORM_MIN);
	n = frame(&buf, n, 0, 0, WS_OP_CONT, 1, "ab", 2, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, "", 0, FORM_MIN);
	/* Then a second message: the parser is ready for a new one. */
	n = frame(&buf, n, 1, 0, WS_OP_TEXT, 1, "c", 1, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 2);
	ck_assert_str_eq((char *)r.data, "abc");
	ck_assert_str_eq(r.order, "dmdm");
	rec_free(&r);
	free(buf);
}
END_TEST

/* Opcodes 3-7 and 0xb-0xf, as loop indexes 0..9. */
START_TEST(test_reserved_opcodes)
{
	int op = _i < 5 ? 3 + _i : 0xb + (_i - 5);
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, op, 1, "x", 1, FORM_MIN);
	struct rec r;

	run(buf, n, 1024, WS_CLOSE_PROTOCOL, &r);
	ck_assert_int_eq(r.data_calls + r.controls + r.messages, 0);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_rsv_bits)
{
	int rsv = 1 << _i;	/* RSV3, RSV2, RSV1 */
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, rsv, WS_OP_TEXT, 1, "x", 1, FORM_MIN);

	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	n = frame(&buf, 0, 1, rsv, WS_OP_PING, 1, "x", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_control_too_long)
{
	uint8_t pl[126], *buf = NULL;
	size_t n;
	struct rec r;

	memset(pl, 'p', sizeof pl);
	/* 125 is the most a control frame may carry... */
	n = frame(&buf, 0, 1, 0, WS_OP_PING, 1, pl, 125, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.controls, 1);
	ck_assert_uint_eq(r.ctrl_len[0], 125);
	ck_assert_mem_eq(r.ctrl[0], pl, 125);
	rec_free(&r);
	/* ...and 125 in the 16-bit form is still fine. */
	n = frame(&buf, 0, 1, 0, WS_OP_PONG, 1, pl, 125, FORM_16);
	run(buf, n, 1024, 0, NULL);
	/* 126 is refused before any payload. */
	n = frame(&buf, 0, 1, 0, WS_OP_PING, 1, pl, 126, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, &r);
	ck_assert_int_eq(r.controls, 0);
	rec_free(&r);
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, pl, 126, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_control_fragmented)
{
	static const int ops[] = { WS_OP_PING, WS_OP_PONG, WS_OP_CLOSE };
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 0, 0, ops[_i], 1, "ab", 2, FORM_MIN);

	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_continuation_without_message)
{
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_CONT, 1, "x", 1, FORM_MIN);

	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	/* Also after a complete message. */
	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, "a", 1, FORM_MIN);
	n = frame(&buf, n, 0, 0, WS_OP_CONT, 1, "b", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_message_inside_message)
{
	uint8_t *buf = NULL;
	size_t n;

	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "a", 1, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_TEXT, 1, "b", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "a", 1, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_BINARY, 1, "b", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	free(buf);
}
END_TEST

START_TEST(test_binary)
{
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_BINARY, 1, "\x01\x02", 2, FORM_MIN);
	struct rec r;

	run(buf, n, 1024, WS_CLOSE_UNSUPPORTED, &r);
	ck_assert_int_eq(r.data_calls, 0);
	rec_free(&r);
	n = frame(&buf, 0, 0, 0, WS_OP_BINARY, 1, "", 0, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_UNSUPPORTED, NULL);
	free(buf);
}
END_TEST

static const struct {
	const char *name;
	const char *bytes;
} bad_utf8[] = {
	{ "invalid byte 0xff", "a\xff" },
	{ "invalid byte 0xfe", "\xfe" },
	{ "lead 0xf5", "\xf5\x80\x80\x80" },
	{ "lone continuation", "a\x80z" },
	{ "overlong 2-byte 0xc0", "\xc0\xaf" },
	{ "overlong 2-byte 0xc1", "\xc1\xbf" },
	{ "overlong 3-byte", "\xe0\x80\xaf" },
	{ "overlong 3-byte U+07FF", "\xe0\x9f\xbf" },
	{ "overlong 4-byte", "\xf0\x80\x80\xaf" },
	{ "overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf" },
	{ "surrogate U+D800", "\xed\xa0\x80" },
	{ "surrogate U+DFFF", "\xed\xbf\xbf" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80" },
	{ "lead 0xf7", "\xf7\xbf\xbf\xbf" },
	{ "missing continuation", "\xe2\x82" "a" },
	{ "truncated at end", "ab\xe2\x82" },
	{ "truncated 4-byte at end", "\xf0\x9f\x98" },
	{ "lead at end", "\xc3" },
};

START_TEST(test_bad_utf8)
{
	const char *s = bad_utf8[_i].bytes;
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, s, strlen(s), FORM_MIN);
	struct rec r;

	ck_assert_msg(!ws_utf8_valid((const uint8_t *)s, strlen(s)), "%s", bad_utf8[_i].name);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, &r);
	ck_assert_int_eq(r.messages, 0);
	rec_free(&r);
	/* The same bytes as the last fragment of a message. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "ok", 2, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, s, strlen(s), FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, &r);
	ck_assert_int_eq(r.messages, 0);
	rec_free(&r);
	free(buf);
}
END_TEST

static const char *const good_utf8[] = {
	"",
	"plain ascii \x01\x7f",
	"\xc2\x80",		/* U+0080 */
	"\xdf\xbf",		/* U+07FF */
	"\xe0\xa0\x80",		/* U+0800 */
	"\xed\x9f\xbf",		/* U+D7FF */
	"\xee\x80\x80",		/* U+E000 */
	"\xef\xbf\xbf",		/* U+FFFF */
	"\xf0\x90\x80\x80",	/* U+10000 */
	"\xf4\x8f\xbf\xbf",	/* U+10FFFF */
	"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",	/* Greek "kosme" */
};

START_TEST(test_good_utf8)
{
	const char *s = good_utf8[_i];
	uint8_t *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, s, strlen(s), FORM_MIN);
	struct rec r;

	ck_assert(ws_utf8_valid((const uint8_t *)s, strlen(s)));
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	ck_assert_uint_eq(r.len, strlen(s));
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_utf8_split_across_frames)
{
	/* U+1F600 (f0 9f 98 80) cut after each of its first three bytes. */
	static const char smile[] = "\xf0\x9f\x98\x80";
	uint8_t *buf = NULL;
	size_t n, cut;
	struct rec r;

	for (cut = 1; cut < 4; cut++) {
		n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, smile, cut, FORM_MIN);
		n = frame(&buf, n, 1, 0, WS_OP_PING, 1, "", 0, FORM_MIN);
		n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, smile + cut, 4 - cut, FORM_MIN);
		run(buf, n, 1024, 0, &r);
		ck_assert_int_eq(r.messages, 1);
		ck_assert_mem_eq(r.data, smile, 4);
		rec_free(&r);
	}
	/* The euro sign split over three frames. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "\xe2", 1, FORM_MIN);
	n = frame(&buf, n, 0, 0, WS_OP_CONT, 1, "\x82", 1, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, "\xac", 1, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	rec_free(&r);
	/* A surrogate split across frames is still caught. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "\xed", 1, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, "\xa0\x80", 2, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, NULL);
	free(buf);
}
END_TEST

START_TEST(test_utf8_state_reset)
{
	/* A message may not leave UTF-8 state behind for the next one. */
	uint8_t *buf = NULL;
	size_t n;

	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, "\xe2\x82\xac", 3, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_TEXT, 1, "\x80", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, NULL);
	free(buf);
}
END_TEST

START_TEST(test_max_message)
{
	uint8_t pl[64], *buf = NULL;
	size_t n;
	struct rec r;

	memset(pl, 'm', sizeof pl);
	/* Exactly the limit, twice: the count starts again per message. */
	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, pl, 10, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_TEXT, 1, pl, 10, FORM_MIN);
	run(buf, n, 10, 0, &r);
	ck_assert_int_eq(r.messages, 2);
	ck_assert_uint_eq(r.max_seen, 10);
	rec_free(&r);
	/* One over: refused on the header, before any payload is delivered. */
	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, pl, 11, FORM_MIN);
	run(buf, n, 10, WS_CLOSE_TOO_BIG, &r);
	ck_assert_int_eq(r.data_calls, 0);
	rec_free(&r);
	/* Across fragments: 4 + 6 fits, 4 + 6 + 1 does not. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, pl, 4, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, pl, 6, FORM_MIN);
	run(buf, n, 10, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	rec_free(&r);
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, pl, 4, FORM_MIN);
	n = frame(&buf, n, 0, 0, WS_OP_CONT, 1, pl, 6, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, pl, 1, FORM_MIN);
	run(buf, n, 10, WS_CLOSE_TOO_BIG, &r);
	ck_assert_uint_eq(r.len, 10);
	ck_assert_int_eq(r.messages, 0);
	rec_free(&r);
	/* Control frames do not count against the limit. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, pl, 10, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_PING, 1, pl, 64, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CONT, 1, pl, 0, FORM_MIN);
	run(buf, n, 10, 0, &r);
	ck_assert_int_eq(r.messages, 1);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_max_message_huge_length)
{
	/* A 2^62-byte frame is refused on its header. */
	static const uint8_t huge[] = { 0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };
	/* A continuation of 2^63 - 1 bytes after 60 must not wrap the count. */
	static const uint8_t cont[] = { 0x80, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 1, 2, 3, 4 };
	uint8_t pl[60], *buf = NULL;
	size_t n;

	run(huge, sizeof huge, 2000000, WS_CLOSE_TOO_BIG, NULL);
	memset(pl, 'x', sizeof pl);
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, pl, sizeof pl, FORM_MIN);
	buf = realloc(buf, n + sizeof cont);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf + n, cont, sizeof cont);
	run(buf, n + sizeof cont, 100, WS_CLOSE_TOO_BIG, NULL);
	free(buf);
}
END_TEST

static const int valid_codes[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
	1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
static const int invalid_codes[] = { 0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100,
	2000, 2999, 5000, 65535 };

START_TEST(test_close_valid)
{
	int code = valid_codes[_i];
	uint8_t pl[8] = { (uint8_t)(code >> 8), (uint8_t)code, 'b', 'y', 'e' }, *buf = NULL;
	size_t n;
	struct rec r;

	ck_assert(ws_close_code_valid(code));
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, pl, 5, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.controls, 1);
	ck_assert_int_eq(r.ctrl_op[0], WS_OP_CLOSE);
	ck_assert_uint_eq(r.ctrl_len[0], 5);
	ck_assert_mem_eq(r.ctrl[0], pl, 5);
	rec_free(&r);
	/* Code alone, no reason. */
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, pl, 2, FORM_MIN);
	run(buf, n, 1024, 0, NULL);
	free(buf);
}
END_TEST

START_TEST(test_close_invalid_code)
{
	int code = invalid_codes[_i];
	uint8_t pl[2] = { (uint8_t)(code >> 8), (uint8_t)code }, *buf = NULL;
	size_t n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, pl, 2, FORM_MIN);
	struct rec r;

	ck_assert(!ws_close_code_valid(code));
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, &r);
	ck_assert_int_eq(r.controls, 0);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_close_payloads)
{
	uint8_t *buf = NULL;
	size_t n;
	struct rec r;

	/* Empty: allowed, no code. */
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, "", 0, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.controls, 1);
	ck_assert_uint_eq(r.ctrl_len[0], 0);
	rec_free(&r);
	/* One byte cannot hold a code. */
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, "\x03", 1, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_PROTOCOL, NULL);
	/* A reason that is not UTF-8. */
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, "\x03\xe8" "bad\xff", 6, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, NULL);
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, "\x03\xe8" "\xed\xa0\x80", 5, FORM_MIN);
	run(buf, n, 1024, WS_CLOSE_BAD_DATA, NULL);
	/* A multi-byte reason. */
	n = frame(&buf, 0, 1, 0, WS_OP_CLOSE, 1, "\x03\xe8" "\xe2\x82\xac", 5, FORM_MIN);
	run(buf, n, 1024, 0, NULL);
	/* A close in the middle of a fragmented message is still a control frame. */
	n = frame(&buf, 0, 0, 0, WS_OP_TEXT, 1, "a", 1, FORM_MIN);
	n = frame(&buf, n, 1, 0, WS_OP_CLOSE, 1, "\x03\xe8", 2, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.controls, 1);
	ck_assert_int_eq(r.messages, 0);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_callback_rc)
{
	struct ws_parser p;
	struct rec r;
	uint8_t *buf = NULL;
	size_t n;

	n = frame(&buf, 0, 1, 0, WS_OP_TEXT, 1, "abc", 3, FORM_MIN);
	memset(&p, 0, sizeof p);
	p.max_message = 1024;
	memset(&r, 0, sizeof r);
	r.data_rc = 42;
	ck_assert_int_eq(feed(&p, buf, n, 0, &r), 42);
	ck_assert_int_eq(r.messages, 0);
	rec_free(&r);

	memset(&p, 0, sizeof p);
	p.max_message = 1024;
	r.end_rc = 7;
	ck_assert_int_eq(feed(&p, buf, n, 1, &r), 7);
	rec_free(&r);

	n = frame(&buf, 0, 1, 0, WS_OP_PING, 1, "", 0, FORM_MIN);
	memset(&p, 0, sizeof p);
	p.max_message = 1024;
	r.ctrl_rc = 5;
	ck_assert_int_eq(feed(&p, buf, n, 0, &r), 5);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_many_in_one_buffer)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int i;
	struct rec r;

	for (i = 0; i < 50; i++)
		n = frame(&buf, n, 1, 0, i % 5 == 4 ? WS_OP_PING : WS_OP_TEXT, 1, "xy", 2, FORM_MIN);
	run(buf, n, 1024, 0, &r);
	ck_assert_int_eq(r.messages, 40);
	ck_assert_int_eq(r.controls, 10);
	ck_assert_uint_eq(r.len, 80);
	rec_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_frame_header)
{
	uint8_t h[10];

	ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 0), 2);
	ck_assert_mem_eq(h, "\x81\x00", 2);
	ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 125), 2);
	ck_assert_mem_eq(h, "\x81\x7d", 2);
	ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 126), 4);
	ck_assert_mem_eq(h, "\x81\x7e\x00\x7e", 4);
	ck_assert_uint_eq(ws_frame_header(h, WS_OP_CLOSE, 65535), 4);
	ck_assert_mem_eq(h, "\x88\x7e\xff\xff", 4);
	ck_assert_uint_eq(ws_frame_header(h, WS_OP_PING, 65536), 10);
	ck_assert_mem_eq(h, "\x89\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 0x0102030405060708ULL), 10);
	ck_assert_mem_eq(h, "\x81\x7f\x01\x02\x03\x04\x05\x06\x07\x08", 10);
}
END_TEST

START_TEST(test_close_payload)
{
	uint8_t out[125];
	char reason[300];
	size_t n;

	ck_assert_uint_eq(ws_close_payload(out, 1000, NULL), 2);
	ck_assert_mem_eq(out, "\x03\xe8", 2);
	ck_assert_uint_eq(ws_close_payload(out, 1009, ""), 2);
	ck_assert_mem_eq(out, "\x03\xf1", 2);
	ck_assert_uint_eq(ws_close_payload(out, 4000, "bye"), 5);
	ck_assert_mem_eq(out, "\x0f\xa0" "bye", 5);

	/* 123 bytes fit exactly; more are cut to 123. */
	memset(reason, 'a', sizeof reason);
	reason[123] = '\0';
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 125);
	reason[123] = 'a';
	reason[200] = '\0';
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 125);
	ck_assert_mem_eq(out + 2, reason, 123);

	/* A 3-byte character ending exactly at 123 is kept... */
	memset(reason, 'a', sizeof reason);
	memcpy(reason + 120, "\xe2\x82\xac", 3);
	reason[123] = '\0';
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 125);
	/* ...and kept when more follows it. */
	strcpy(reason + 123, "tail");
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 125);
	ck_assert(ws_utf8_valid(out + 2, 123));
	/* One that straddles the limit is dropped whole, wherever it is cut. */
	for (n = 121; n <= 122; n++) {
		memset(reason, 'a', sizeof reason);
		memcpy(reason + n, "\xe2\x82\xac", 3);
		strcpy(reason + n + 3, "tail");
		ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 2 + n);
		ck_assert(ws_utf8_valid(out + 2, n));
	}
	/* A 4-byte character over the limit. */
	memset(reason, 'a', sizeof reason);
	memcpy(reason + 121, "\xf0\x9f\x98\x80", 4);
	reason[125] = '\0';
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 2 + 121);
	/* All multi-byte: 61 two-byte characters are 122 bytes. */
	for (n = 0; n < 70; n++)
		memcpy(reason + 2 * n, "\xc3\xa9", 2);
	reason[140] = '\0';
	ck_assert_uint_eq(ws_close_payload(out, 1000, reason), 2 + 122);
	ck_assert(ws_utf8_valid(out + 2, 122));
}
END_TEST

START_TEST(test_accept_key)
{
	char out[29];

	/* RFC 6455 1.3. */
	memset(out, 'x', sizeof out);
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_uint_eq(strlen(out), 28);
}
END_TEST

START_TEST(test_key_valid)
{
	ck_assert(ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=="));
	ck_assert(ws_key_valid("AAAAAAAAAAAAAAAAAAAAAA=="));
	ck_assert(ws_key_valid("+/+/+/+/+/+/+/+/+/+/+w=="));
	ck_assert(!ws_key_valid(""));
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ="));
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==="));
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQAA"));	/* 18 bytes */
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQA="));	/* 17 bytes */
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25j!Q=="));
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25j Q=="));
	ck_assert(!ws_key_valid(" GhlIHNhbXBsZSBub25jZQ=="));
	ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZ\n=="));
	/* '=' inside the key: see test_known_bugs.c. */
}
END_TEST

static Suite *
ws_suite(void)
{
	Suite *s = suite_create("ws");
	TCase *tc;

	tc = tcase_create("lengths");
	tcase_add_test(tc, test_len7);
	tcase_add_test(tc, test_len16);
	tcase_add_test(tc, test_len64);
	tcase_add_test(tc, test_len64_top_bit);
	tcase_add_test(tc, test_rfc_masked_hello);
	tcase_add_test(tc, test_mask_phase);
	tcase_add_test(tc, test_many_in_one_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("protocol");
	tcase_add_test(tc, test_unmasked);
	tcase_add_test(tc, test_fragmented_with_ping);
	tcase_add_test(tc, test_empty_fragments);
	tcase_add_loop_test(tc, test_reserved_opcodes, 0, 10);
	tcase_add_loop_test(tc, test_rsv_bits, 0, 3);
	tcase_add_test(tc, test_control_too_long);
	tcase_add_loop_test(tc, test_control_fragmented, 0, 3);
	tcase_add_test(tc, test_continuation_without_message);
	tcase_add_test(tc, test_message_inside_message);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_callback_rc);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_bad_utf8, 0, (int)(sizeof bad_utf8 / sizeof bad_utf8[0]));
	tcase_add_loop_test(tc, test_good_utf8, 0, (int)(sizeof good_utf8 / sizeof good_utf8[0]));
	tcase_add_test(tc, test_utf8_split_across_frames);
	tcase_add_test(tc, test_utf8_state_reset);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_max_message);
	tcase_add_test(tc, test_max_message_huge_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_add_loop_test(tc, test_close_valid, 0, (int)(sizeof valid_codes / sizeof valid_codes[0]));
	tcase_add_loop_test(tc, test_close_invalid_code, 0,
	    (int)(sizeof invalid_codes / sizeof invalid_codes[0]));
	tcase_add_test(tc, test_close_payloads);
	suite_add_tcase(s, tc);

	tc = tcase_create("builders");
	tcase_add_test(tc, test_frame_header);
	tcase_add_test(tc, test_close_payload);
	tcase_add_test(tc, test_accept_key);
	tcase_add_test(tc, test_key_valid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ws_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
