/*
 * test_proto.c: generic message validation (core/chatgridd/proto/proto.c) against a local
 * table entry holding every field type, the real "ping" entry found with
 * proto_find, code-point lengths and the field accessors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "proto/proto.h"

static const char *const colors[] = { "red", "green", "blue", NULL };

static const struct proto_field every_field[] = {
	{ "s", FT_STRING, FF_REQUIRED, 1, 3, NULL },
	{ "i", FT_INT, 0, -5, 10, NULL },
	{ "b", FT_BOOL, 0, 0, 0, NULL },
	{ "o", FT_OBJECT, 0, 0, 0, NULL },
	{ "a", FT_ARRAY, 0, 0, 2, NULL },
	{ "e", FT_ENUM, 0, 0, 0, colors },
	{ "n", FT_NUMBER, FF_NULL, -1, 1, NULL },
	{ "text", FT_STRING, 0, 0, 0, NULL },	/* max 0: no upper limit */
	{ "list", FT_ARRAY, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_msg every_msg = { "every", every_field, PERM_NONE, 0, NULL, NULL };

static char err[256];

/* Validate a JSON text against def; fails if the text is not JSON. */
static int
check_def(const struct proto_msg *def, const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	int rc;

	ck_assert_msg(o != NULL, "not JSON: %s", text);
	err[0] = '\0';
	rc = proto_validate(def, o, err, sizeof err);
	json_object_put(o);
	if (rc == 0)
		ck_assert_str_eq(err, "");
	return rc;
}

static void
accepts(const char *text)
{
	ck_assert_msg(check_def(&every_msg, text) == 0, "%s refused: %s", text, err);
}

/* Fails unless text is refused with an error holding want. */
static void
refuses(const char *text, const char *want)
{
	ck_assert_msg(check_def(&every_msg, text) == -1, "%s accepted", text);
	ck_assert_msg(strstr(err, want) != NULL, "%s: error '%s' does not say '%s'", text, err, want);
	ck_assert_msg(strncmp(err, "every: field ", 13) == 0, "error '%s' does not name the field", err);
}

START_TEST(test_required_and_null)
{
	accepts("{\"s\":\"abc\"}");
	accepts("{\"type\":\"every\",\"s\":\"a\",\"unknown\":[1,2,3]}");
	refuses("{}", "every: field s is required");
	refuses("{\"i\":1}", "field s is required");
	refuses("{\"s\":null}", "field s is required");
	/* An optional field may be absent but not null... */
	refuses("{\"s\":\"a\",\"i\":null}", "field i must not be null");
	refuses("{\"s\":\"a\",\"e\":null}", "field e must not be null");
	refuses("{\"s\":\"a\",\"o\":null}", "field o must not be null");
	/* ...unless it is FF_NULL. */
	accepts("{\"s\":\"a\",\"n\":null}");
	accepts("{\"s\":\"a\",\"n\":0.5}");
}
END_TEST

START_TEST(test_wrong_types)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
		{ "{\"s\":1}", "field s must be a string" },
		{ "{\"s\":true}", "field s must be a string" },
		{ "{\"s\":{}}", "field s must be a string" },
		{ "{\"s\":[\"a\"]}", "field s must be a string" },
		{ "{\"s\":\"a\",\"i\":\"5\"}", "field i must be an integer" },
		{ "{\"s\":\"a\",\"i\":true}", "field i must be an integer" },
		{ "{\"s\":\"a\",\"i\":false}", "field i must be an integer" },
		{ "{\"s\":\"a\",\"i\":[5]}", "field i must be an integer" },
		{ "{\"s\":\"a\",\"i\":{}}", "field i must be an integer" },
		{ "{\"s\":\"a\",\"b\":1}", "field b must be a boolean" },
		{ "{\"s\":\"a\",\"b\":\"true\"}", "field b must be a boolean" },
		{ "{\"s\":\"a\",\"o\":[]}", "field o must be an object" },
		{ "{\"s\":\"a\",\"o\":\"{}\"}", "field o must be an object" },
		{ "{\"s\":\"a\",\"o\":1}", "field o must be an object" },
		{ "{\"s\":\"a\",\"a\":{}}", "field a must be an array" },
		{ "{\"s\":\"a\",\"a\":\"[]\"}", "field a must be an array" },
		{ "{\"s\":\"a\",\"e\":1}", "field e must be a string" },
		{ "{\"s\":\"a\",\"e\":[\"red\"]}", "field e must be a string" },
		{ "{\"s\":\"a\",\"n\":\"0\"}", "field n must be a number" },
		{ "{\"s\":\"a\",\"n\":true}", "field n must be a number" },
		{ "{\"s\":\"a\",\"n\":{}}", "field n must be a number" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		refuses(cases[i].json, cases[i].want);
	accepts("{\"s\":\"a\",\"b\":true,\"o\":{\"x\":[1]},\"a\":[{}],\"e\":\"red\",\"n\":1}");
	accepts("{\"s\":\"a\",\"b\":false,\"o\":{},\"a\":[]}");
}
END_TEST

START_TEST(test_string_length)
{
	accepts("{\"s\":\"a\"}");
	accepts("{\"s\":\"abc\"}");
	refuses("{\"s\":\"\"}", "field s must be 1 to 3 characters long");
	refuses("{\"s\":\"abcd\"}", "field s must be 1 to 3 characters long");
	/* Code points, not bytes: 2 + 3 + 4 bytes are 3 characters. */
	accepts("{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
	accepts("{\"s\":\"\\u00e9\\u20ac\\ud83d\\ude00\"}");
	refuses("{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x\"}", "characters long");
	/* No maximum when max is 0. */
	accepts("{\"s\":\"a\",\"text\":\"\"}");
	accepts("{\"s\":\"a\",\"text\":\"a very long text without any limit at all......\"}");
}
END_TEST

START_TEST(test_string_nul)
{
	/* A \u0000 would cut the string short in C: refused, not measured short. */
	refuses("{\"s\":\"a\\u0000b\"}", "field s must not contain NUL characters");
	refuses("{\"s\":\"ab\\u0000cdefghij\"}", "field s must not contain NUL characters");
	refuses("{\"s\":\"a\",\"text\":\"\\u0000\"}", "field text must not contain NUL characters");
	accepts("{\"s\":\"a\",\"text\":\"\\u0001\"}");
}
END_TEST

START_TEST(test_int)
{
	accepts("{\"s\":\"a\",\"i\":-5}");
	accepts("{\"s\":\"a\",\"i\":10}");
	accepts("{\"s\":\"a\",\"i\":0}");
	refuses("{\"s\":\"a\",\"i\":-6}", "field i must be between -5 and 10");
	refuses("{\"s\":\"a\",\"i\":11}", "field i must be between -5 and 10");
	/* Integral floats are integers; others are not. */
	accepts("{\"s\":\"a\",\"i\":5.0}");
	accepts("{\"s\":\"a\",\"i\":1e1}");
	accepts("{\"s\":\"a\",\"i\":-0.0}");
	refuses("{\"s\":\"a\",\"i\":5.5}", "field i must be an integer");
	refuses("{\"s\":\"a\",\"i\":10.000001}", "field i must be an integer");
	refuses("{\"s\":\"a\",\"i\":11.0}", "field i must be between -5 and 10");
	refuses("{\"s\":\"a\",\"i\":1e300}", "field i must be an integer");
	/* Beyond 64 bits. */
	refuses("{\"s\":\"a\",\"i\":9223372036854775807}", "must be between");
	refuses("{\"s\":\"a\",\"i\":18446744073709551615}", "must be between");
	refuses("{\"s\":\"a\",\"i\":-9223372036854775808}", "must be between");
	/* json-c reads these outside strict mode; they are not integers. */
	refuses("{\"s\":\"a\",\"i\":NaN}", "field i must be an integer");
	refuses("{\"s\":\"a\",\"i\":Infinity}", "field i must be an integer");
}
END_TEST

START_TEST(test_enum)
{
	accepts("{\"s\":\"a\",\"e\":\"red\"}");
	accepts("{\"s\":\"a\",\"e\":\"blue\"}");
	refuses("{\"s\":\"a\",\"e\":\"Red\"}", "field e has an unknown value");
	refuses("{\"s\":\"a\",\"e\":\"\"}", "field e has an unknown value");
	refuses("{\"s\":\"a\",\"e\":\"redd\"}", "field e has an unknown value");
	refuses("{\"s\":\"a\",\"e\":\"re\"}", "field e has an unknown value");
}
END_TEST

START_TEST(test_array)
{
	accepts("{\"s\":\"a\",\"a\":[]}");
	accepts("{\"s\":\"a\",\"a\":[1,\"x\"]}");
	refuses("{\"s\":\"a\",\"a\":[1,2,3]}", "field a holds at most 2 entries");
	/* max 0: any length. */
	accepts("{\"s\":\"a\",\"list\":[1,2,3,4,5,6,7,8,9,10,11,12]}");
}
END_TEST

START_TEST(test_number)
{
	accepts("{\"s\":\"a\",\"n\":-1}");
	accepts("{\"s\":\"a\",\"n\":1}");
	accepts("{\"s\":\"a\",\"n\":0}");
	accepts("{\"s\":\"a\",\"n\":-0.999}");
	accepts("{\"s\":\"a\",\"n\":1.0}");
	accepts("{\"s\":\"a\",\"n\":1e-300}");
	refuses("{\"s\":\"a\",\"n\":1.0001}", "field n must be between -1 and 1");
	refuses("{\"s\":\"a\",\"n\":-2}", "field n must be between -1 and 1");
	refuses("{\"s\":\"a\",\"n\":1e300}", "field n must be between -1 and 1");
	refuses("{\"s\":\"a\",\"n\":NaN}", "field n must be between");
	refuses("{\"s\":\"a\",\"n\":-Infinity}", "field n must be between");
}
END_TEST

START_TEST(test_first_error_wins)
{
	/* Fields are checked in table order; the message names the first bad one. */
	refuses("{\"s\":\"a\",\"n\":5,\"i\":50}", "field i must be between");
	refuses("{\"s\":1,\"i\":\"x\"}", "field s must be a string");
}
END_TEST

START_TEST(test_not_an_object)
{
	/* A message that is not an object has none of its fields. */
	struct json_object *a = json_tokener_parse("[1]");

	ck_assert_int_eq(proto_validate(&every_msg, a, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "field s is required"));
	json_object_put(a);
}
END_TEST

START_TEST(test_small_err_buffer)
{
	struct json_object *o = json_tokener_parse("{}");
	char small[8];

	memset(small, 'x', sizeof small);
	ck_assert_int_eq(proto_validate(&every_msg, o, small, sizeof small), -1);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	json_object_put(o);
}
END_TEST

START_TEST(test_find)
{
	const struct proto_msg *ping;

	proto_init();
	ping = proto_find("ping");
	ck_assert_ptr_nonnull(ping);
	ck_assert_str_eq(ping->type, "ping");
	ck_assert_ptr_nonnull(ping->handle);
	ck_assert_ptr_null(proto_find("nope"));
	ck_assert_ptr_null(proto_find(""));
	ck_assert_ptr_null(proto_find("PING"));
	ck_assert_ptr_null(proto_find("pin"));
	ck_assert_ptr_null(proto_find("pingx"));
	/* Again after a second init (a reload rebuilds the index). */
	proto_init();
	ck_assert_ptr_eq(proto_find("ping"), ping);
}
END_TEST

START_TEST(test_ping_fields)
{
	const struct proto_msg *ping;

	proto_init();
	ping = proto_find("ping");
	ck_assert_ptr_nonnull(ping);
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":1700000000000}"), 0);
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":-42}"), 0);
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":9007199254740991}"), 0);
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":-9007199254740991}"), 0);
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":9007199254740992}"), -1);
	ck_assert_str_eq(err, "ping: field clientSentAt must be between "
	    "-9007199254740991 and 9007199254740991");
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\"}"), -1);
	ck_assert_str_eq(err, "ping: field clientSentAt is required");
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":\"1\"}"), -1);
	ck_assert_str_eq(err, "ping: field clientSentAt must be an integer");
	ck_assert_int_eq(check_def(ping, "{\"type\":\"ping\",\"clientSentAt\":1.5}"), -1);
}
END_TEST

START_TEST(test_utf8_len)
{
	ck_assert_uint_eq(proto_utf8_len(""), 0);
	ck_assert_uint_eq(proto_utf8_len("abc"), 3);
	ck_assert_uint_eq(proto_utf8_len("\xc3\xa9"), 1);
	ck_assert_uint_eq(proto_utf8_len("\xe2\x82\xac"), 1);
	ck_assert_uint_eq(proto_utf8_len("\xf0\x9f\x98\x80"), 1);
	ck_assert_uint_eq(proto_utf8_len("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5);
}
END_TEST

START_TEST(test_accessors)
{
	struct json_object *o = json_tokener_parse(
	    "{\"s\":\"str\",\"i\":7,\"f\":5.0,\"h\":5.5,\"q\":\"5\",\"z\":null}");

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(proto_str(o, "s"), "str");
	ck_assert_ptr_null(proto_str(o, "i"));
	ck_assert_ptr_null(proto_str(o, "missing"));
	ck_assert_int_eq(proto_int(o, "i", -1), 7);
	ck_assert_int_eq(proto_int(o, "f", -1), 5);
	ck_assert_int_eq(proto_int(o, "h", -1), -1);
	ck_assert_int_eq(proto_int(o, "q", -1), -1);
	ck_assert_int_eq(proto_int(o, "missing", 3), 3);
	ck_assert(proto_has(o, "s"));
	ck_assert(!proto_has(o, "z"));
	ck_assert(!proto_has(o, "missing"));
	json_object_put(o);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc;

	tc = tcase_create("validate");
	tcase_add_test(tc, test_required_and_null);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_string_length);
	tcase_add_test(tc, test_string_nul);
	tcase_add_test(tc, test_int);
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_array);
	tcase_add_test(tc, test_number);
	tcase_add_test(tc, test_first_error_wins);
	tcase_add_test(tc, test_not_an_object);
	tcase_add_test(tc, test_small_err_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_ping_fields);
	tcase_add_test(tc, test_utf8_len);
	tcase_add_test(tc, test_accessors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
