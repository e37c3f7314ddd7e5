/*
 * test_foundation_config.c: chatgridd's flags and configuration file, checked
 * through -v and -n (no daemon keeps running in these tests).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

/* A valid configuration of three lines; a test's own lines start at line 4. */
static char *
base_conf(void)
{
	static char buf[PATH_MAX + 128];

	snprintf(buf, sizeof buf, "listen 127.0.0.1:18080\nallow_insecure yes\nwww_root %s/www\n",
	    td_srcdir());
	return buf;
}

/*
 * 1 if output has "<file>:<line>: <non-empty message>" where file ends in
 * file_suffix (error lines name the file as given on the command line or in
 * the include, so the tests only rely on its last part).
 */
static int
has_error_at(const char *output, const char *file_suffix, int line)
{
	char pat[PATH_MAX + 32];
	const char *p;
	size_t pl;

	snprintf(pat, sizeof pat, "%s:%d: ", file_suffix, line);
	pl = strlen(pat);
	for (p = output; (p = strstr(p, pat)) != NULL; p += pl)
		if (p[pl] != '\0' && p[pl] != '\n')
			return 1;
	return 0;
}

/* Run -n on text; fail unless the exit status and "configuration OK" match ok. */
static void
check_conf(const char *text, int ok)
{
	char *out = NULL;
	int st = td_run_check(text, &out);

	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	if (ok) {
		ck_assert_msg(st == 0, "chatgridd -n exited %d for a valid file:\n%s\n--- output:\n%s",
		    st, text, out);
		ck_assert_msg(strstr(out, "configuration OK") != NULL,
		    "no \"configuration OK\" for a valid file:\n%s\n--- output:\n%s", text, out);
	} else {
		ck_assert_msg(st == 1, "chatgridd -n exited %d for an invalid file (want 1):\n%s\n"
		    "--- output:\n%s", st, text, out);
		ck_assert_msg(strstr(out, "configuration OK") == NULL,
		    "\"configuration OK\" for an invalid file:\n%s", text);
	}
	free(out);
}

/* A base config plus one line (line 4); fail unless -n accepts it or reports line 4. */
static void
check_line(const char *line, int ok)
{
	char text[PATH_MAX + 1024], *out = NULL;
	int st;

	snprintf(text, sizeof text, "%s%s\n", base_conf(), line);
	if (ok) {
		check_conf(text, 1);
		return;
	}
	st = td_run_check(text, &out);
	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	ck_assert_msg(st == 1, "\"%s\": chatgridd -n exited %d, want 1; output:\n%s", line, st, out);
	ck_assert_msg(has_error_at(out, "/chatgridd.conf", 4),
	    "\"%s\": no \"chatgridd.conf:4: message\" line in:\n%s", line, out);
	free(out);
}

START_TEST(test_version)
{
	const char *args[] = { "-v", NULL };
	char *out = NULL, want[64];
	int st = td_run(args, &out);

	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	ck_assert_msg(st == 0, "chatgridd -v exited %d: %s", st, out);
#ifdef PACKAGE_VERSION
	snprintf(want, sizeof want, "chatgridd %s\n", PACKAGE_VERSION);
#else
	snprintf(want, sizeof want, "chatgridd ");
#endif
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "chatgridd -v printed \"%s\", want \"%s\"",
	    out, want);
	free(out);
}
END_TEST

START_TEST(test_check_minimal)
{
	check_conf(base_conf(), 1);
}
END_TEST

START_TEST(test_check_all_keys)
{
	char *dir = td_mkdtemp(), path[PATH_MAX], text[8192], *out = NULL;
	const char *args[] = { "-n", "-c", path, NULL };
	int st;

	ck_assert(dir != NULL);
	ck_assert_msg(td_make_cert(dir) == 0, "cannot make a certificate");
	snprintf(text, sizeof text,
	    "listen 127.0.0.1:18080\n"
	    "listen [::1]:18081\n"
	    "tls_cert %s/cert.pem\n"
	    "tls_key %s/key.pem\n"
	    "allow_insecure no\n"
	    "allowed_origins http://a.example https://b.example:8443\n"
	    "allowed_origins http://c.example\n"
	    "www_root %s/www\n"
	    "max_message_bytes 65536\n"
	    "max_connections 100\n"
	    "max_output_bytes 1048576\n"
	    "log_level info\n"
	    "log_destination stderr\n"
	    "trace ws,http,db,plugin,tick,proto\n"
	    "pid_file %s/chatgridd.pid\n"
	    "tick_ms 50\n"
	    "handshake_timeout_ms 5000\n"
	    "idle_timeout_ms 60000\n"
	    "ws_ping_interval_ms 20000\n"
	    "ws_pong_timeout_ms 20000\n"
	    "json_max_depth 16\n"
	    "msg_rate 20\n"
	    "msg_burst 40\n"
	    "max_bad_messages 10\n",
	    dir, dir, td_srcdir(), dir);
	ck_assert(td_write_text(dir, "chatgridd.conf", text) == 0);
	snprintf(path, sizeof path, "%s/chatgridd.conf", dir);
	st = td_run(args, &out);
	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	ck_assert_msg(st == 0 && strstr(out, "configuration OK") != NULL,
	    "every key once: exit %d, output:\n%s", st, out);
	free(out);
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* Values every key must accept (each on top of the base file). */
START_TEST(test_check_good_values)
{
	static const char *const lines[] = {
		"allow_insecure yes", "allow_insecure true", "allow_insecure on",
		"listen 0.0.0.0:8080", "listen [::1]:8080", "listen [::]:8080",
		"listen 127.0.0.1:1\nlisten 127.0.0.1:65535",
		"log_level error", "log_level warn", "log_level notice", "log_level info",
		"log_level debug", "log_destination stderr", "log_destination syslog",
		"trace ws", "trace http,db", "trace ws,http,db,plugin,tick,proto",
		"allowed_origins http://one.example",
		"allowed_origins http://one.example http://two.example:8080",
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		check_line(lines[i], 1);
}
END_TEST

/* Booleans that say no still need TLS; yes/no/true/false/on/off all parse. */
START_TEST(test_check_booleans)
{
	static const char *const words[] = { "yes", "no", "true", "false", "on", "off" };
	char *dir = td_mkdtemp(), text[PATH_MAX * 4];
	size_t i;

	ck_assert(dir != NULL);
	ck_assert_msg(td_make_cert(dir) == 0, "cannot make a certificate");
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		snprintf(text, sizeof text, "listen 127.0.0.1:18080\nwww_root %s/www\n"
		    "tls_cert %s/cert.pem\ntls_key %s/key.pem\nallow_insecure %s\n",
		    td_srcdir(), dir, dir, words[i]);
		check_conf(text, 1);
	}
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* Every bad value is reported as FILE:LINE: message and the check exits 1. */
START_TEST(test_check_bad_values)
{
	static const char *const lines[] = {
		"frobnicate 1",				/* unknown key */
		"max_connections 12abc",		/* bad integer */
		"max_connections",			/* missing value */
		"max_message_bytes 99999999999999999999999",	/* does not fit */
		"max_connections -1",			/* out of range */
		"handshake_timeout_ms -5",
		"msg_rate -1",
		"listen 127.0.0.1",			/* bad listen addresses */
		"listen 127.0.0.1:70000",
		"listen 127.0.0.1:port",
		"listen [::1:8080",
		"allow_insecure maybe",
		"log_level loud",
		"log_destination file",
		"trace ws,bogus",
		"include does-not-exist.conf",
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		check_line(lines[i], 0);
}
END_TEST

/* One file with five errors: all five are reported, not just the first. */
START_TEST(test_check_every_error)
{
	char *dir = td_mkdtemp(), path[PATH_MAX], text[PATH_MAX + 512], *out = NULL;
	const char *args[] = { "-n", "-c", path, NULL };
	static const int err_lines[] = { 2, 4, 5, 7, 8 };
	size_t i;
	int st;

	ck_assert(dir != NULL);
	snprintf(text, sizeof text,
	    "listen 127.0.0.1:18080\n"		/* 1 */
	    "frobnicate yes\n"			/* 2: unknown key */
	    "allow_insecure yes\n"		/* 3 */
	    "max_connections ten\n"		/* 4: bad integer */
	    "max_connections -7\n"		/* 5: out of range */
	    "www_root %s/www\n"			/* 6 */
	    "listen nowhere\n"			/* 7: bad listen */
	    "include missing.conf\n",		/* 8: missing include */
	    td_srcdir());
	ck_assert(td_write_text(dir, "main.conf", text) == 0);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	st = td_run(args, &out);
	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	ck_assert_msg(st == 1, "exit %d, want 1; output:\n%s", st, out);
	for (i = 0; i < sizeof err_lines / sizeof err_lines[0]; i++)
		ck_assert_msg(has_error_at(out, path, err_lines[i]),
		    "no \"%s:%d: message\" line; output:\n%s", path, err_lines[i], out);
	ck_assert_msg(strstr(out, "configuration OK") == NULL, "configuration OK printed");
	free(out);
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* include is relative to the including file, at every level. */
START_TEST(test_include)
{
	char *dir = td_mkdtemp(), path[PATH_MAX], text[PATH_MAX + 256], *out = NULL;
	const char *args[] = { "-n", "-c", path, NULL };
	int st;

	ck_assert(dir != NULL);
	ck_assert(td_mkdir(dir, "conf.d") == 0);
	snprintf(text, sizeof text, "www_root %s/www\ninclude conf.d/net.conf\n", td_srcdir());
	ck_assert(td_write_text(dir, "main.conf", text) == 0);
	/* Relative to conf.d/, not to main.conf's directory nor the cwd. */
	ck_assert(td_write_text(dir, "conf.d/net.conf",
	    "listen 127.0.0.1:18080\ninclude insecure.conf\n") == 0);
	ck_assert(td_write_text(dir, "conf.d/insecure.conf", "allow_insecure yes\n") == 0);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	st = td_run(args, &out);
	ck_assert_msg(out != NULL, "could not run %s", td_daemon_path());
	ck_assert_msg(st == 0 && strstr(out, "configuration OK") != NULL,
	    "nested relative includes: exit %d, output:\n%s", st, out);
	free(out);

	/* Without the innermost include the file is invalid: it was really read. */
	ck_assert(td_write_text(dir, "conf.d/insecure.conf", "allow_insecure no\n") == 0);
	st = td_run(args, &out);
	ck_assert_msg(st == 1, "included allow_insecure no ignored: exit %d, output:\n%s", st, out);
	free(out);

	/* An error inside an included file names that file and its line. */
	ck_assert(td_write_text(dir, "conf.d/insecure.conf",
	    "allow_insecure yes\nfrobnicate 2\n") == 0);
	st = td_run(args, &out);
	ck_assert_msg(st == 1 && has_error_at(out, "insecure.conf", 2),
	    "error in an included file: exit %d, want 1 and \"insecure.conf:2: ...\"; output:\n%s",
	    st, out);
	free(out);
	td_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_comments_blank_lines)
{
	char text[PATH_MAX + 256];

	snprintf(text, sizeof text,
	    "# chatgridd.conf for a test\n"
	    "\n"
	    "listen 127.0.0.1:18080\n"
	    "#listen nonsense\n"
	    "   \t\n"
	    "# frobnicate is not a key, but this is a comment\n"
	    "allow_insecure yes\n"
	    "\n"
	    "www_root %s/www\n"
	    "\n",
	    td_srcdir());
	check_conf(text, 1);
}
END_TEST

/* Plain ws:// needs allow_insecure; TLS alone is enough. */
START_TEST(test_tls_or_insecure)
{
	char text[PATH_MAX * 4], *dir;

	snprintf(text, sizeof text, "listen 127.0.0.1:18080\nwww_root %s/www\n", td_srcdir());
	check_conf(text, 0);
	snprintf(text, sizeof text, "listen 127.0.0.1:18080\nwww_root %s/www\nallow_insecure no\n",
	    td_srcdir());
	check_conf(text, 0);

	ck_assert((dir = td_mkdtemp()) != NULL);
	ck_assert_msg(td_make_cert(dir) == 0, "cannot make a certificate");
	snprintf(text, sizeof text, "listen 127.0.0.1:18080\nwww_root %s/www\n"
	    "tls_cert %s/cert.pem\ntls_key %s/key.pem\n", td_srcdir(), dir, dir);
	check_conf(text, 1);
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* A later scalar key overrides an earlier one (td_start relies on it). */
START_TEST(test_later_key_wins)
{
	char text[PATH_MAX + 256];

	snprintf(text, sizeof text, "%sallow_insecure no\nallow_insecure yes\n", base_conf());
	check_conf(text, 1);
	snprintf(text, sizeof text, "listen 127.0.0.1:18080\nwww_root %s/www\n"
	    "allow_insecure yes\nallow_insecure no\n", td_srcdir());
	check_conf(text, 0);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("foundation-config");
	TCase *tc = tcase_create("flags");

	tcase_add_test(tc, test_version);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, test_check_minimal);
	tcase_add_test(tc, test_check_all_keys);
	tcase_add_test(tc, test_check_good_values);
	tcase_add_test(tc, test_check_booleans);
	tcase_add_test(tc, test_check_bad_values);
	tcase_add_test(tc, test_check_every_error);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_comments_blank_lines);
	tcase_add_test(tc, test_tls_or_insecure);
	tcase_add_test(tc, test_later_key_wins);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return it_run(config_suite());
}
