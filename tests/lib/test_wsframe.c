/* test_wsframe.c: the test client's own codec against RFC 6455's examples. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "tclient.h"
#include "wsframe.h"

static const uint8_t rfc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

START_TEST(test_rfc_examples)
{
	static const uint8_t unmasked[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f,
	    0x4d, 0x51, 0x58 };
	static const uint8_t frag1[] = { 0x01, 0x03, 'H', 'e', 'l' };
	static const uint8_t frag2[] = { 0x80, 0x02, 'l', 'o' };
	uint8_t out[64], plain[8];
	struct tc_frame f;

	ck_assert_uint_eq(tc_ws_frame_encode(out, sizeof out, 1, TC_WS_TEXT, 0, 0, NULL,
	    "Hello", 5), sizeof unmasked);
	ck_assert_mem_eq(out, unmasked, sizeof unmasked);
	ck_assert_uint_eq(tc_ws_frame_encode(out, sizeof out, 1, TC_WS_TEXT, 0, 1, rfc_key,
	    "Hello", 5), sizeof masked);
	ck_assert_mem_eq(out, masked, sizeof masked);
	ck_assert_uint_eq(tc_ws_frame_encode(out, sizeof out, 0, TC_WS_TEXT, 0, 0, NULL,
	    "Hel", 3), sizeof frag1);
	ck_assert_mem_eq(out, frag1, sizeof frag1);
	ck_assert_uint_eq(tc_ws_frame_encode(out, sizeof out, 1, TC_WS_CONT, 0, 0, NULL,
	    "lo", 2), sizeof frag2);
	ck_assert_mem_eq(out, frag2, sizeof frag2);

	ck_assert_int_eq(tc_ws_frame_decode(masked, sizeof masked, &f), (ssize_t)sizeof masked);
	ck_assert(f.fin && f.masked && f.opcode == TC_WS_TEXT && f.rsv == 0);
	ck_assert_uint_eq(f.len, 5);
	ck_assert_uint_eq(f.header_len, 6);
	tc_ws_mask(plain, f.payload, 5, f.key, 0);
	ck_assert_mem_eq(plain, "Hello", 5);
	ck_assert_int_eq(tc_ws_frame_decode(frag1, sizeof frag1, &f), (ssize_t)sizeof frag1);
	ck_assert(!f.fin && f.opcode == TC_WS_TEXT && !f.masked);
}
END_TEST

START_TEST(test_lengths)
{
	static const size_t lens[] = { 0, 125, 126, 256, 65535, 65536, 70000 };
	static const size_t hdr[] = { 2, 2, 4, 4, 4, 10, 10 };
	size_t i, n;
	uint8_t *buf, *payload;
	struct tc_frame f;

	payload = malloc(70000);
	buf = malloc(70000 + TC_WS_MAX_HEADER);
	ck_assert(payload != NULL && buf != NULL);
	for (i = 0; i < 70000; i++)
		payload[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		n = tc_ws_frame_encode(buf, 70000 + TC_WS_MAX_HEADER, 1, TC_WS_BINARY, 0, 1,
		    rfc_key, payload, lens[i]);
		ck_assert_uint_eq(n, hdr[i] + 4 + lens[i]);
		ck_assert_uint_eq(tc_ws_frame_header_len(lens[i], 1), hdr[i] + 4);
		/* Every proper prefix asks for more bytes. */
		ck_assert_int_eq(tc_ws_frame_decode(buf, n - 1, &f), 0);
		ck_assert_int_eq(tc_ws_frame_decode(buf, n, &f), (ssize_t)n);
		ck_assert_uint_eq(f.len, lens[i]);
		tc_ws_mask(buf, f.payload, lens[i], f.key, 0);
		ck_assert(lens[i] == 0 || memcmp(buf, payload, lens[i]) == 0);
		/* Too small a buffer is refused, not overrun. */
		ck_assert_uint_eq(tc_ws_frame_encode(buf, n - 1, 1, TC_WS_BINARY, 0, 1, rfc_key,
		    payload, lens[i]), 0);
	}
	/* RFC 6455 5.7: 256 bytes and 64 KiB unmasked binary headers. */
	n = tc_ws_frame_encode_header(buf, 16, 1, TC_WS_BINARY, 0, 0, NULL, 256);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(buf, "\x82\x7e\x01\x00", 4);
	n = tc_ws_frame_encode_header(buf, 16, 1, TC_WS_BINARY, 0, 0, NULL, 65536);
	ck_assert_uint_eq(n, 10);
	ck_assert_mem_eq(buf, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	/* A complete header with an incomplete payload reports the size it needs. */
	ck_assert_int_eq(tc_ws_frame_decode(buf, 10, &f), 0);
	ck_assert_uint_eq(f.header_len, 10);
	ck_assert_uint_eq(f.len, 65536);
	free(payload);
	free(buf);
}
END_TEST

START_TEST(test_malformed)
{
	static const uint8_t short16[] = { 0x81, 0x7e, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e' };
	static const uint8_t short64[] = { 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x00 };
	static const uint8_t top64[] = { 0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	struct tc_frame f;
	uint8_t out[16];

	ck_assert_int_eq(tc_ws_frame_decode(short16, sizeof short16, &f), -1);
	ck_assert_int_eq(tc_ws_frame_decode(short64, sizeof short64, &f), -1);
	ck_assert_int_eq(tc_ws_frame_decode(top64, sizeof top64, &f), -1);
	ck_assert_int_eq(tc_ws_frame_decode(top64, 1, &f), 0);
	/* RSV bits and reserved opcodes go out and come back as given. */
	ck_assert_uint_eq(tc_ws_frame_encode(out, sizeof out, 1, 3, TC_WS_RSV1, 0, NULL, "x", 1), 3);
	ck_assert_int_eq(out[0], 0x80 | 0x40 | 3);
	ck_assert_int_eq(tc_ws_frame_decode(out, 3, &f), 3);
	ck_assert_int_eq(f.rsv, TC_WS_RSV1);
	ck_assert_int_eq(f.opcode, 3);
	ck_assert(!tc_ws_opcode_known(3) && tc_ws_opcode_known(TC_WS_PONG));
	ck_assert(tc_ws_is_control(TC_WS_PING) && !tc_ws_is_control(TC_WS_TEXT));
}
END_TEST

START_TEST(test_mask_pieces)
{
	uint8_t whole[10], a[10];

	tc_ws_mask(whole, (const uint8_t *)"0123456789", 10, rfc_key, 0);
	tc_ws_mask(a, (const uint8_t *)"0123456789", 3, rfc_key, 0);
	tc_ws_mask(a + 3, (const uint8_t *)"3456789", 7, rfc_key, 3);
	ck_assert_mem_eq(whole, a, 10);
}
END_TEST

START_TEST(test_utf8)
{
	static const char *const good[] = { "", "plain", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf" };
	static const char *const bad[] = { "\xff", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
	    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\x80",
	    "\xe2\x82\x28", "\xf5\x80\x80\x80" };
	struct tc_utf8 u;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(tc_utf8_valid(good[i], strlen(good[i])), "good[%zu]", i);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!tc_utf8_valid(bad[i], strlen(bad[i])), "bad[%zu]", i);
	/* A truncated sequence is invalid as a whole but fine as a prefix. */
	ck_assert(!tc_utf8_valid("\xe2\x82", 2));
	tc_utf8_init(&u);
	ck_assert_int_eq(tc_utf8_feed(&u, "a\xf0\x9f", 3), 0);
	ck_assert(!tc_utf8_complete(&u));
	ck_assert_int_eq(tc_utf8_feed(&u, "\x98\x80", 2), 0);
	ck_assert(tc_utf8_complete(&u));
	ck_assert_int_eq(tc_utf8_feed(&u, "\xe2\x82", 2), 0);
	ck_assert_int_eq(tc_utf8_feed(&u, "\x28", 1), -1);
	ck_assert(!tc_utf8_complete(&u));
}
END_TEST

START_TEST(test_accept)
{
	char out[29];

	/* RFC 6455 1.3. */
	tc_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wsframe");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_rfc_examples);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_mask_pieces);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_accept);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
