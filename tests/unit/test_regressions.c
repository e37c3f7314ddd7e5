/*
 * test_regressions.c: core bugs that the unit tests once found, one test
 * each, stating the behaviour that fixed them, so that they stay fixed.
 * They are ordinary tests: a failure here is a regression.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <json-c/json.h>

#include "cfg.h"
#include "log.h"
#include "net/http.h"
#include "net/ws.h"
#include "proto/proto.h"

/* ws.c ws_key_valid: EVP_DecodeBlock takes '=' anywhere as a zero digit. */
START_TEST(test_ws_key_valid_padding_inside)
{
	ck_assert(!ws_key_valid("========================"));
	ck_assert(!ws_key_valid("AAAA=AAAAAAAAAAAAAAAAA=="));
	ck_assert(!ws_key_valid("AAAAAAAAAAAAAAAAAAAAA==="));
}
END_TEST

static long
head_length(const char *s)
{
	struct evbuffer *b = evbuffer_new();
	long n;

	ck_assert_ptr_nonnull(b);
	evbuffer_add(b, s, strlen(s));
	n = http_head_length(b);
	evbuffer_free(b);
	return n;
}

/*
 * http.c http_head_length searches the whole buffer for CRLFCRLF before
 * LFLF: an LF-only head followed by a pipelined CRLF head is taken as one
 * head of both, and the second request is silently lost.
 */
START_TEST(test_head_length_first_end_wins)
{
	ck_assert_int_eq(head_length("GET /1 HTTP/1.1\nHost: a\n\n"
	    "GET /2 HTTP/1.1\r\nHost: b\r\n\r\n"), 25);
}
END_TEST

/*
 * http.c http_head_length: http_parse skips empty lines before the request
 * line, but two leading CRLFs look like a complete 4-byte head (400).
 */
START_TEST(test_head_length_leading_empty_lines)
{
	static const char req[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";

	ck_assert_int_eq(head_length(req), (long)strlen(req));
}
END_TEST

/* http.c http_head_length: a head ending in LF CRLF is never found. */
START_TEST(test_head_length_lf_crlf_end)
{
	static const char req[] = "GET / HTTP/1.1\nHost: a\n\r\n";

	ck_assert_int_eq(head_length(req), (long)strlen(req));
}
END_TEST

/*
 * http.c http_parse: a header line starting with a bare CR ends the header
 * block, and every header after it is dropped without an error.
 */
START_TEST(test_parse_bare_cr_line)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\rX-After: y\r\n\r\n";
	struct http_req r;
	int st = http_parse(req, strlen(req), &r);

	http_req_free(&r);
	ck_assert_int_eq(st, 400);
}
END_TEST

static char tmp[256];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int err_line;
static char err_msg[1024];

static void
on_error(const char *file, int line, const char *msg, void *arg)
{
	(void)file;
	(void)arg;
	err_line = line;
	snprintf(err_msg, sizeof err_msg, "%s", msg);
}

/* Load "allow_insecure yes", "www_root <tmp>", then text, from tmp/main.conf. */
static struct config *
load(const char *text)
{
	char path[300];
	FILE *f;
	struct config *c;

	snprintf(tmp, sizeof tmp, "/tmp/cgbug.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(path, sizeof path, "%s/main.conf", tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "allow_insecure yes\nwww_root %s\n%s", tmp, text);
	fclose(f);
	err_line = -1;
	err_msg[0] = '\0';
	c = cfg_load(path, on_error, NULL);
	nftw(tmp, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
	return c;
}

/*
 * cfg.c cfg_check: an allowed_origins entry without http(s):// is reported
 * at line 0 of the top file, not at the line that holds it.
 */
START_TEST(test_cfg_origin_error_line)
{
	struct config *c = load("tick_ms 20\nallowed_origins chat.example.org\n");

	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err_msg, "must start with http://"));
	ck_assert_int_eq(err_line, 4);
}
END_TEST

/*
 * cfg.c cfg_line: comments are cut before quotes are looked at, so a " #"
 * inside a quoted value (a libpq password, a file name) truncates it and
 * leaves the opening quote in the value.
 */
START_TEST(test_cfg_hash_in_quotes)
{
	struct config *c = load("db_conninfo \"dbname=x password=a #b\"\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->db_conninfo, "dbname=x password=a #b");
	cfg_free(c);
}
END_TEST

static const char *const colors[] = { "red", "green", NULL };
static const struct proto_field fields[] = {
	{ "color", FT_ENUM, 0, 0, 0, colors },
	{ "note", FT_STRING, 0, 1, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_msg msg = { "t", fields, PERM_NONE, 0, NULL, NULL };

static int
validate(const char *text, char *err, size_t errlen)
{
	struct json_object *o = json_tokener_parse(text);
	int rc;

	ck_assert_ptr_nonnull(o);
	err[0] = '\0';
	rc = proto_validate(&msg, o, err, errlen);
	json_object_put(o);
	return rc;
}

/*
 * proto.c proto_validate: FT_STRING refuses a \u0000 now, but FT_ENUM
 * compares the C string, so "red\u0000junk" passes as "red" while the
 * whole value stays in the JSON object a handler may store or forward.
 */
START_TEST(test_proto_nul_in_enum)
{
	char err[256];

	ck_assert_int_eq(validate("{\"color\":\"red\\u0000junk\"}", err, sizeof err), -1);
}
END_TEST

/*
 * proto.c proto_validate: with no maximum (max 0) the length error reads
 * "must be 1 to 0 characters long".
 */
START_TEST(test_proto_min_only_message)
{
	char err[256];

	ck_assert_int_eq(validate("{\"note\":\"\"}", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "1 to 0") == NULL, "%s", err);
}
END_TEST

/*
 * log.c log_vemit: text from clients went to the log as it was, so a
 * newline in it forged a line of its own (issue 13). The logger escapes,
 * caps the length and never splits a character when it cuts.
 */
START_TEST(test_log_one_line)
{
	char path[] = "/tmp/cg-log-XXXXXX", line[8192], big[6001];
	int fd = mkstemp(path), saved = dup(2), lines = 0, i;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, 2), 0);
	for (i = 0; i < 3000; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);		/* e acute, 3000 times */
	big[6000] = '\0';
	log_set_level(LOG_LVL_NOTICE);
	log_emit(LOG_LVL_NOTICE, "t", "type 'x\nFORGED notice req_succeed: root\r\\ \x1b[31m'");
	log_emit(LOG_LVL_NOTICE, "t", "x%s", big);	/* odd: a cut at 2048 bytes falls inside one */
	log_emit(LOG_LVL_NOTICE, "t", "bidi \xe2\x80\xae here \xc2\x85 \xe2\x80\xa8 end");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	ck_assert_ptr_nonnull(f);
	rewind(f);
	while (fgets(line, sizeof line, f) != NULL) {
		lines++;
		ck_assert_msg(strncmp(line, "FORGED", 6) != 0, "forged line: %s", line);
		if (lines == 1)
			ck_assert_msg(strstr(line, "type 'x\\nFORGED notice req_succeed: root\\r\\\\ "
			    "\\x1b[31m'\n") != NULL, "escaped: %s", line);
		if (lines == 2) {
			ck_assert_msg(strlen(line) < LOG_MSG_MAX + 100, "not capped: %zu bytes", strlen(line));
			ck_assert_msg(strstr(line, "\xc3\xa9... [") != NULL, "cut inside a character "
			    "or not said: ...%s", line + strlen(line) - 40);
			ck_assert_msg(strstr(line, " bytes cut]\n") != NULL, "%s", line + strlen(line) - 40);
		}
		if (lines == 3)
			ck_assert_msg(strstr(line, "bidi \\u202e here \\u0085 \\u2028 end\n") != NULL,
			    "%s", line);
	}
	fclose(f);
	unlink(path);
	ck_assert_int_eq(lines, 3);
}
END_TEST

static Suite *
bugs_suite(void)
{
	Suite *s = suite_create("regressions");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ws_key_valid_padding_inside);
	tcase_add_test(tc, test_head_length_first_end_wins);
	tcase_add_test(tc, test_head_length_leading_empty_lines);
	tcase_add_test(tc, test_head_length_lf_crlf_end);
	tcase_add_test(tc, test_parse_bare_cr_line);
	tcase_add_test(tc, test_cfg_origin_error_line);
	tcase_add_test(tc, test_cfg_hash_in_quotes);
	tcase_add_test(tc, test_proto_nul_in_enum);
	tcase_add_test(tc, test_proto_min_only_message);
	tcase_add_test(tc, test_log_one_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(bugs_suite());
	int failed;

	/* Ordinary tests: a failure is a regression, in the TAP lines and the exit status. */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
