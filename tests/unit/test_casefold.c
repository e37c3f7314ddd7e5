/*
 * test_casefold.c: the Unicode tables behind nickname checks (core/lib/casefold.c,
 * core/lib/casefold-table.c, core/lib/confusable-table.c): hidden code points
 * (Default_Ignorable_Code_Point, Bidi_Control), UTS #39 confusable
 * skeletons and the name key that nicknames are compared by (issue 13).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "casefold.h"

static void
key_of(const char *s, char *out)
{
	name_key(s, out, NAME_KEY_MAX);
}

/* The generated tables are what the lookups assume: sorted, in bounds. */
START_TEST(test_tables_well_formed)
{
	size_t pool = 0;
	unsigned i;

	ck_assert_uint_gt(hidden_range_count, 10);
	for (i = 0; i < hidden_range_count; i++) {
		ck_assert_uint_le(hidden_ranges[i].lo, hidden_ranges[i].hi);
		if (i > 0)
			ck_assert_uint_gt(hidden_ranges[i].lo, hidden_ranges[i - 1].hi + 1);
	}
	ck_assert_uint_gt(confusable_count, 1000);
	for (i = 0; i < confusable_count; i++) {
		if (i > 0)
			ck_assert_uint_gt(confusable_table[i].cp, confusable_table[i - 1].cp);
		ck_assert_uint_gt(confusable_table[i].len, 0);
		ck_assert(!unicode_hidden(confusable_table[i].cp));
		if ((size_t)confusable_table[i].off + confusable_table[i].len > pool)
			pool = (size_t)confusable_table[i].off + confusable_table[i].len;
	}
	/* Every entry lies inside the pool (its last byte ends the literal). */
	ck_assert_uint_eq(pool, strlen(confusable_pool));
}
END_TEST

START_TEST(test_hidden)
{
	static const uint32_t yes[] = {
		0xad, 0x34f, 0x61c, 0x115f, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f,
		0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0x3164, 0xfe00, 0xfe0f, 0xfeff,
		0x1d173, 0xe0001, 0xe0fff,
	};
	static const uint32_t no[] = {
		'a', ' ', 0xa0, 0xac, 0xae, 0x430, 0x2010, 0x2028, 0x2030, 0x3000, 0xfe10,
		0x1f600, 0xe1000, 0x10ffff,
	};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(unicode_hidden(yes[i]), "U+%04X is not hidden", (unsigned)yes[i]);
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!unicode_hidden(no[i]), "U+%04X is hidden", (unsigned)no[i]);
	ck_assert(utf8_has_hidden("pad\xc2\xad" "min"));
	ck_assert(utf8_has_hidden("\xe2\x80\xae" "x"));
	ck_assert(utf8_has_hidden("x\xf3\xa0\x80\x81"));
	ck_assert(!utf8_has_hidden("p\xd0\xb0" "dmin \xc3\xa9"));
	ck_assert(!utf8_has_hidden(""));
}
END_TEST

START_TEST(test_skeleton)
{
	char out[64];

	confusable_skeleton("\xd1\x80\xd0\xb0" "dmin", out, sizeof out);
	ck_assert_str_eq(out, "padrnin");
	confusable_skeleton("padmin", out, sizeof out);
	ck_assert_str_eq(out, "padrnin");
	confusable_skeleton("", out, sizeof out);
	ck_assert_str_eq(out, "");
	/* Cut at a character, never inside one, and always terminated. */
	confusable_skeleton("\xc3\xa9\xc3\xa9", out, 4);	/* e + U+0301 each: one fits */
	ck_assert_str_eq(out, "e\xcc\x81");
	confusable_skeleton("abc", out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_name_key)
{
	static const char *const same[] = {
		"padmin", "PADMIN", "Padmin", "\xd1\x80\xd0\xb0" "dmin", "\xd0\xa0\xd0\x90" "DMIN",
		"p\xce\xb1" "dmin", "\xef\xbd\x90" "admin", "padrnin", "p\xd0\xb0" "dm\xd1\x96" "n",
	};
	static const char *const other[] = { "padmon", "padmi", "admin", "padmin2" };
	char k0[NAME_KEY_MAX], k[NAME_KEY_MAX];
	size_t i;

	key_of(same[0], k0);
	for (i = 1; i < sizeof same / sizeof same[0]; i++) {
		key_of(same[i], k);
		ck_assert_msg(strcmp(k, k0) == 0, "%s: key %s, want %s", same[i], k, k0);
	}
	for (i = 0; i < sizeof other / sizeof other[0]; i++) {
		key_of(other[i], k);
		ck_assert_msg(strcmp(k, k0) != 0, "%s has the key of padmin", other[i]);
	}
	/* Case folding still counts: the fi ligature and ß. */
	key_of("FISH", k0);
	key_of("\xef\xac\x81sh", k);
	ck_assert_str_eq(k, k0);
	key_of("stra\xc3\x9f" "e", k0);
	key_of("STRASSE", k);
	ck_assert_str_eq(k, k0);
}
END_TEST

/* The longest skeletons, 32 of them: the key is cut, never overrun. */
START_TEST(test_name_key_long)
{
	char in[32 * 3 + 1], k[NAME_KEY_MAX], small[16];
	int i;

	for (i = 0; i < 32; i++)
		memcpy(in + 3 * i, "\xef\xb7\xba", 3);	/* U+FDFA, a 30-byte skeleton */
	in[32 * 3] = '\0';
	name_key(in, k, sizeof k);
	ck_assert_uint_gt(strlen(k), 32 * 3);
	ck_assert_uint_lt(strlen(k), sizeof k);
	name_key(in, small, sizeof small);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("casefold");
	TCase *tc = tcase_create("names");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_tables_well_formed);
	tcase_add_test(tc, test_hidden);
	tcase_add_test(tc, test_skeleton);
	tcase_add_test(tc, test_name_key);
	tcase_add_test(tc, test_name_key_long);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
