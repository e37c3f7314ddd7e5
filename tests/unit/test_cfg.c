/*
 * test_cfg.c: the configuration file (core/lib/cfg.c): every key type, the
 * defaults, comments and quoting, include, every error with the file and
 * line it is reported at, the cross-key checks, repeatable keys, reload
 * rules, and the sample file and man page generated from the key table.
 * Each test works in its own temporary directory.
 */
#include "config.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "cfg.h"
#include "log.h"

/*
 * The keys of the first table, checked by name. Keys added since are
 * covered by test_write_sample, which takes its list from the sample.
 */
static const char *const all_keys[] = {
	"listen", "tls_cert", "tls_key", "allow_insecure", "allowed_origins", "www_root",
	"max_message_bytes", "max_connections", "max_output_bytes", "log_level",
	"log_destination", "trace", "pid_file", "tick_ms", "handshake_timeout_ms",
	"idle_timeout_ms", "ws_ping_interval_ms", "ws_pong_timeout_ms", "json_max_depth",
	"msg_rate", "msg_burst", "max_bad_messages", "db_conninfo", "db_pool_size",
	"db_statement_timeout_ms", "db_connect_timeout_ms",
};
#define NALL_KEYS (sizeof all_keys / sizeof all_keys[0])

static char tmp[256];		/* this test's directory */
static char mainconf[300];	/* tmp/main.conf */

/* Errors reported by the last load. */
#define MAX_ERRS 32
static struct {
	char file[512];
	int line;
	char msg[1024];
} errs[MAX_ERRS];
static int nerrs;

static void
on_error(const char *file, int line, const char *msg, void *arg)
{
	(void)arg;
	if (nerrs < MAX_ERRS) {
		snprintf(errs[nerrs].file, sizeof errs[nerrs].file, "%s", file != NULL ? file : "(null)");
		errs[nerrs].line = line;
		snprintf(errs[nerrs].msg, sizeof errs[nerrs].msg, "%s", msg);
	}
	nerrs++;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof tmp, "%s/cgcfg.XXXXXX", t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(mainconf, sizeof mainconf, "%s/main.conf", tmp);
	nerrs = 0;
}

static void
teardown(void)
{
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write a file under the test directory (name may hold one subdirectory). */
static const char *
put_file(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
put_file(const char *name, const char *fmt, ...)
{
	static char path[4][600];
	static int slot;
	char *p = path[slot++ % 4], *slash;
	va_list ap;
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", tmp, name);
	if ((slash = strrchr(p, '/')) != NULL && slash > p + strlen(tmp)) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

/* Load main.conf holding text after the two lines that satisfy cfg_check. */
static struct config *
load(const char *text)
{
	nerrs = 0;
	put_file("main.conf", "allow_insecure yes\nwww_root %s\n%s", tmp, text);
	return cfg_load(mainconf, on_error, NULL);
}

/* Load exactly text as main.conf. */
static struct config *
load_raw(const char *text)
{
	nerrs = 0;
	put_file("main.conf", "%s", text);
	return cfg_load(mainconf, on_error, NULL);
}

/* Fails unless the last load gave exactly one error at file:line holding part. */
static void
one_error(const char *file, int line, const char *part)
{
	ck_assert_msg(nerrs == 1, "%d errors, wanted 1 (%s); first: %s:%d: %s", nerrs, part,
	    errs[0].file, errs[0].line, nerrs > 0 ? errs[0].msg : "");
	ck_assert_str_eq(errs[0].file, file);
	ck_assert_msg(errs[0].line == line, "reported at line %d, not %d: %s", errs[0].line,
	    line, errs[0].msg);
	ck_assert_msg(strstr(errs[0].msg, part) != NULL, "'%s' does not say '%s'",
	    errs[0].msg, part);
}

START_TEST(test_defaults)
{
	struct config *c = cfg_defaults();

	ck_assert_ptr_null(c->path);
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_str_eq(c->listen[0].host, "127.0.0.1");
	ck_assert_int_eq(c->listen[0].port, 8765);
	ck_assert_str_eq(c->tls_cert, "");
	ck_assert_str_eq(c->tls_key, "");
	ck_assert_int_eq(c->allow_insecure, 0);
	ck_assert_int_eq(c->nallowed_origins, 0);
	ck_assert_str_eq(c->www_root, DATADIR "/chatgrid/www");
	ck_assert_int_eq(c->max_message_bytes, 2000000);
	ck_assert_int_eq(c->max_connections, 10000);
	ck_assert_int_eq(c->max_output_bytes, 1048576);
	ck_assert_int_eq(c->log_level, LOG_LVL_NOTICE);
	ck_assert_int_eq(c->log_syslog, 0);
	ck_assert_uint_eq(c->trace, 0);
	ck_assert_str_eq(c->pid_file, "");
	ck_assert_int_eq(c->tick_ms, 50);
	ck_assert_int_eq(c->handshake_timeout_ms, 10000);
	ck_assert_int_eq(c->idle_timeout_ms, 60000);
	ck_assert_int_eq(c->ws_ping_interval_ms, 20000);
	ck_assert_int_eq(c->ws_pong_timeout_ms, 20000);
	ck_assert_int_eq(c->json_max_depth, 16);
	ck_assert_int_eq(c->msg_rate, 40);
	ck_assert_int_eq(c->msg_burst, 80);
	ck_assert_int_eq(c->max_bad_messages, 20);
	ck_assert_str_eq(c->db_conninfo, "");
	ck_assert_int_eq(c->db_pool_size, 4);
	ck_assert_int_eq(c->db_statement_timeout_ms, 5000);
	ck_assert_int_eq(c->db_connect_timeout_ms, 5000);
	/* The defaults alone refuse to run without TLS. */
	nerrs = 0;
	ck_assert_int_ge(cfg_check(c, on_error, NULL), 1);
	ck_assert_str_eq(errs[0].file, "default");
	ck_assert_int_eq(errs[0].line, 0);
	ck_assert_ptr_nonnull(strstr(errs[0].msg, "no TLS certificate"));
	cfg_free(c);
}
END_TEST

START_TEST(test_every_key)
{
	const char *cert = put_file("cert.pem", "cert\n");
	const char *key = put_file("key.pem", "key\n");
	char text[4096];
	struct config *c;

	snprintf(text, sizeof text,
	    "listen 0.0.0.0:80\n"
	    "listen [::1]:8080\n"
	    "listen :9000\n"
	    "tls_cert %s\n"
	    "tls_key %s\n"
	    "allowed_origins https://a.example http://b.example:8080\n"
	    "max_message_bytes 4096\n"
	    "max_connections 5\n"
	    "max_output_bytes 65536\n"
	    "log_level debug\n"
	    "log_destination syslog\n"
	    "trace ws,http\n"
	    "pid_file /run/chatgrid/x.pid\n"
	    "tick_ms 10\n"
	    "handshake_timeout_ms 100\n"
	    "idle_timeout_ms 3600000\n"
	    "ws_ping_interval_ms 1234\n"
	    "ws_pong_timeout_ms 4321\n"
	    "json_max_depth 64\n"
	    "msg_rate 1\n"
	    "msg_burst 1000000\n"
	    "max_bad_messages 3\n"
	    "db_conninfo host=/run/postgresql dbname=chatgrid\n"
	    "db_pool_size 64\n"
	    "db_statement_timeout_ms 600000\n"
	    "db_connect_timeout_ms 100\n", cert, key);
	c = load(text);
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_int_eq(nerrs, 0);
	ck_assert_str_eq(c->path, mainconf);
	ck_assert_int_eq(c->nlisten, 3);
	ck_assert_str_eq(c->listen[0].host, "0.0.0.0");
	ck_assert_int_eq(c->listen[0].port, 80);
	ck_assert_str_eq(c->listen[1].host, "::1");
	ck_assert_int_eq(c->listen[1].port, 8080);
	ck_assert_str_eq(c->listen[2].host, "");
	ck_assert_int_eq(c->listen[2].port, 9000);
	ck_assert_str_eq(c->tls_cert, cert);
	ck_assert_str_eq(c->tls_key, key);
	ck_assert_int_eq(c->allow_insecure, 1);
	ck_assert_int_eq(c->nallowed_origins, 2);
	ck_assert_str_eq(c->allowed_origins[0], "https://a.example");
	ck_assert_str_eq(c->allowed_origins[1], "http://b.example:8080");
	ck_assert_str_eq(c->www_root, tmp);
	ck_assert_int_eq(c->max_message_bytes, 4096);
	ck_assert_int_eq(c->max_connections, 5);
	ck_assert_int_eq(c->max_output_bytes, 65536);
	ck_assert_int_eq(c->log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(c->log_syslog, 1);
	ck_assert_uint_eq(c->trace, TRACE_WS | TRACE_HTTP);
	ck_assert_str_eq(c->pid_file, "/run/chatgrid/x.pid");
	ck_assert_int_eq(c->tick_ms, 10);
	ck_assert_int_eq(c->handshake_timeout_ms, 100);
	ck_assert_int_eq(c->idle_timeout_ms, 3600000);
	ck_assert_int_eq(c->ws_ping_interval_ms, 1234);
	ck_assert_int_eq(c->ws_pong_timeout_ms, 4321);
	ck_assert_int_eq(c->json_max_depth, 64);
	ck_assert_int_eq(c->msg_rate, 1);
	ck_assert_int_eq(c->msg_burst, 1000000);
	ck_assert_int_eq(c->max_bad_messages, 3);
	ck_assert_str_eq(c->db_conninfo, "host=/run/postgresql dbname=chatgrid");
	ck_assert_int_eq(c->db_pool_size, 64);
	ck_assert_int_eq(c->db_statement_timeout_ms, 600000);
	ck_assert_int_eq(c->db_connect_timeout_ms, 100);
	cfg_free(c);
}
END_TEST

START_TEST(test_value_forms)
{
	static const struct {
		const char *v;
		int b;
	} bools[] = {
		{ "yes", 1 }, { "true", 1 }, { "on", 1 }, { "1", 1 }, { "YES", 1 }, { "True", 1 },
		{ "no", 0 }, { "false", 0 }, { "off", 0 }, { "0", 0 }, { "NO", 0 }, { "Off", 0 },
	};
	static const struct {
		const char *v;
		int level;
	} levels[] = {
		{ "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN }, { "warning", LOG_LVL_WARN },
		{ "notice", LOG_LVL_NOTICE }, { "info", LOG_LVL_INFO }, { "DEBUG", LOG_LVL_DEBUG },
	};
	char text[256];
	struct config *c;
	size_t i;

	for (i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		/* allow_insecure is read last, so it decides. */
		snprintf(text, sizeof text, "tls_cert %s\ntls_key %s\nallow_insecure %s\n",
		    put_file("c.pem", "c\n"), put_file("k.pem", "k\n"), bools[i].v);
		c = load(text);
		ck_assert_msg(c != NULL, "allow_insecure %s", bools[i].v);
		ck_assert_int_eq(c->allow_insecure, bools[i].b);
		cfg_free(c);
	}
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		snprintf(text, sizeof text, "log_level %s\n", levels[i].v);
		c = load(text);
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(c->log_level, levels[i].level);
		cfg_free(c);
	}
	c = load("trace all\nlog_destination STDERR\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->trace, ~0u);
	ck_assert_int_eq(c->log_syslog, 0);
	cfg_free(c);
	c = load("trace db, plugin,tick,proto\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->trace, TRACE_DB | TRACE_PLUGIN | TRACE_TICK | TRACE_PROTO);
	cfg_free(c);
	c = load("trace ws\ntrace\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->trace, 0);
	cfg_free(c);
	/* Range edges of a 64-bit key. */
	c = load("max_message_bytes 67108864\nmax_output_bytes 1073741824\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->max_message_bytes, 64LL * 1024 * 1024);
	ck_assert_int_eq(c->max_output_bytes, 1LL << 30);
	cfg_free(c);
	c = load("max_message_bytes 1024\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->max_message_bytes, 1024);
	cfg_free(c);
	/* A string key may be given empty. */
	c = load("pid_file /x\npid_file\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->pid_file, "");
	cfg_free(c);
	/* The last of a repeated single-value key wins. */
	c = load("tick_ms 20\ntick_ms 30\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->tick_ms, 30);
	cfg_free(c);
}
END_TEST

START_TEST(test_comments)
{
	struct config *c;

	c = load("# a comment line\n"
	    "   # an indented one\n"
	    "\t#\n"
	    "\n"
	    "   \t \n"
	    "tick_ms 20 # after the value\n"
	    "msg_rate 7\t# after a tab\n"
	    "  max_bad_messages   9   \n"
	    "allowed_origins https://a.example/#frag http://b.example # two\n"
	    "db_conninfo host=x#y\n"
	    "pid_file /tmp/run#1.pid\n"
	    "json_max_depth 8\r\n");
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_int_eq(c->tick_ms, 20);
	ck_assert_int_eq(c->msg_rate, 7);
	ck_assert_int_eq(c->max_bad_messages, 9);
	ck_assert_int_eq(c->nallowed_origins, 2);
	ck_assert_str_eq(c->allowed_origins[0], "https://a.example/#frag");
	ck_assert_str_eq(c->allowed_origins[1], "http://b.example");
	ck_assert_str_eq(c->db_conninfo, "host=x#y");
	ck_assert_str_eq(c->pid_file, "/tmp/run#1.pid");
	ck_assert_int_eq(c->json_max_depth, 8);
	cfg_free(c);
	/* A file of comments only, without a final newline. */
	c = load("# nothing\n# at all");
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
}
END_TEST

START_TEST(test_quoted)
{
	struct config *c;

	c = load("pid_file \"/tmp/with space.pid\"\n"
	    "db_conninfo \"\"\n"
	    "log_level \"info\"\n"
	    "tick_ms \"25\"\n"
	    "allowed_origins \"https://q.example\"\n");
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_str_eq(c->pid_file, "/tmp/with space.pid");
	ck_assert_str_eq(c->db_conninfo, "");
	ck_assert_int_eq(c->log_level, LOG_LVL_INFO);
	ck_assert_int_eq(c->tick_ms, 25);
	ck_assert_int_eq(c->nallowed_origins, 1);
	ck_assert_str_eq(c->allowed_origins[0], "https://q.example");
	cfg_free(c);
	/* Only a matching pair is stripped. */
	c = load("pid_file \"/tmp/half\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->pid_file, "\"/tmp/half");
	cfg_free(c);
}
END_TEST

START_TEST(test_include)
{
	char text[512];
	struct config *c;

	/* Relative names resolve against the including file's directory. */
	put_file("sub/a.conf", "tick_ms 11\ninclude b.conf\n");
	put_file("sub/b.conf", "msg_rate 12\n");
	put_file("abs.conf", "msg_burst 13\n");
	snprintf(text, sizeof text, "include sub/a.conf\ninclude %s/abs.conf\nmax_bad_messages 14\n", tmp);
	c = load(text);
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_int_eq(c->tick_ms, 11);
	ck_assert_int_eq(c->msg_rate, 12);
	ck_assert_int_eq(c->msg_burst, 13);
	ck_assert_int_eq(c->max_bad_messages, 14);
	cfg_free(c);
	/* Later lines override included ones and the other way round. */
	put_file("sub/a.conf", "tick_ms 11\n");
	c = load("tick_ms 99\ninclude sub/a.conf\nmsg_rate 5\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->tick_ms, 11);
	cfg_free(c);
	/* An error in an included file names that file and its line. */
	put_file("sub/b.conf", "# first\nbogus 1\n");
	c = load("include sub/a.conf\n");
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
	put_file("sub/a.conf", "tick_ms 11\ninclude b.conf\n");
	c = load("include sub/a.conf\n");
	ck_assert_ptr_null(c);
	snprintf(text, sizeof text, "%s/sub/b.conf", tmp);
	one_error(text, 2, "unknown keyword 'bogus'");
}
END_TEST

START_TEST(test_include_depth)
{
	char name[32], text[512];
	struct config *c;
	int i;

	/* main.conf plus inc1..inc7: eight files deep is the most. */
	for (i = 1; i <= 8; i++) {
		snprintf(name, sizeof name, "inc%d.conf", i);
		put_file(name, "# level %d\ninclude inc%d.conf\n", i, i + 1);
	}
	put_file("inc8.conf", "tick_ms 88\n");
	put_file("inc7.conf", "# level 7\ntick_ms 77\n");
	c = load("include inc1.conf\n");
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_int_eq(c->tick_ms, 77);
	cfg_free(c);
	/* A ninth is refused at the include line of the eighth. */
	put_file("inc7.conf", "# level 7\ninclude inc8.conf\n");
	c = load("include inc1.conf\n");
	ck_assert_ptr_null(c);
	snprintf(text, sizeof text, "%s/inc7.conf", tmp);
	one_error(text, 2, "nested too deeply");
	/* A file including itself stops there too, with one error. */
	c = load("include main.conf\n");
	ck_assert_ptr_null(c);
	one_error(mainconf, 3, "nested too deeply");
}
END_TEST

START_TEST(test_include_missing)
{
	char want[512];
	struct config *c;

	c = load("tick_ms 20\ninclude nothere.conf\n");
	ck_assert_ptr_null(c);
	one_error(mainconf, 4, "cannot open");
	snprintf(want, sizeof want, "'%s/nothere.conf'", tmp);
	ck_assert_ptr_nonnull(strstr(errs[0].msg, want));
	/* The top-level file itself. */
	nerrs = 0;
	snprintf(want, sizeof want, "%s/absent.conf", tmp);
	c = cfg_load(want, on_error, NULL);
	ck_assert_ptr_null(c);
	ck_assert_int_ge(nerrs, 1);
	ck_assert_str_eq(errs[0].file, want);
	ck_assert_int_eq(errs[0].line, 0);
	ck_assert_ptr_nonnull(strstr(errs[0].msg, "cannot open"));
}
END_TEST

/* One bad line at line 3 of main.conf, and what its error must say. */
static const struct {
	const char *line;
	const char *msg;
} bad_lines[] = {
	{ "bogus_key 1", "unknown keyword 'bogus_key'" },
	{ "Tick_ms 20", "unknown keyword 'Tick_ms'" },
	{ "tick_ms", "tick_ms needs a value" },
	{ "tick_ms   ", "tick_ms needs a value" },
	{ "listen", "listen needs a value" },
	{ "allow_insecure", "allow_insecure needs a value" },
	{ "log_level # none", "log_level needs a value" },
	{ "include", "include needs a file name" },
	{ "allow_insecure maybe", "allow_insecure must be yes or no, not 'maybe'" },
	{ "allow_insecure yes please", "must be yes or no" },
	{ "tick_ms fast", "tick_ms must be a number, not 'fast'" },
	{ "metrics_listen 9464", "metrics_listen" },
	{ "metrics_allow 10.0.0.0/8", "is not an IP address" },
	{ "tick_ms 20ms", "tick_ms must be a number" },
	{ "tick_ms 0x20", "tick_ms must be a number" },
	{ "tick_ms 2.5", "tick_ms must be a number" },
	{ "max_message_bytes 99999999999999999999", "max_message_bytes must be a number" },
	{ "tick_ms 9", "tick_ms must be between 10 and 1000" },
	{ "tick_ms 1001", "tick_ms must be between 10 and 1000" },
	{ "tick_ms -50", "tick_ms must be between 10 and 1000" },
	{ "max_message_bytes 1023", "max_message_bytes must be between 1024 and 67108864" },
	{ "max_message_bytes 67108865", "max_message_bytes must be between" },
	{ "max_connections 0", "max_connections must be between 1 and 1000000" },
	{ "db_pool_size 65", "db_pool_size must be between 1 and 64" },
	{ "listen localhost", "listen needs address:port" },
	{ "listen ::1:8765", "listen needs address:port, [ipv6]:port or :port, not '::1:8765'" },
	{ "listen fe80::1", "listen needs address:port" },
	{ "listen [::1]8765", "listen needs address:port" },
	{ "listen [::1]", "listen needs address:port" },
	{ "listen [::1:8765", "listen needs address:port" },
	{ "listen 127.0.0.1:", "listen needs address:port" },
	{ "listen 127.0.0.1:65536", "listen needs address:port" },
	{ "listen 127.0.0.1:99999999999999999999", "listen needs address:port" },
	{ "listen 127.0.0.1:-1", "listen needs address:port" },
	{ "listen 127.0.0.1:http", "listen needs address:port" },
	{ "listen 127.0.0.1:80x", "listen needs address:port" },
	{ "log_level loud", "log_level must be error, warn, notice, info or debug, not 'loud'" },
	{ "log_destination file", "log_destination must be stderr or syslog, not 'file'" },
	{ "trace ws,bogus", "trace takes ws, http, db, plugin, tick, proto or all, not 'ws,bogus'" },
	{ "trace verbose", "trace takes" },
};

START_TEST(test_error_lines)
{
	char text[256];
	struct config *c;

	/* A good listen after it, or a bad one leaves none (a second error). */
	snprintf(text, sizeof text, "%s\nlisten :1\n", bad_lines[_i].line);
	c = load(text);
	ck_assert_msg(c == NULL, "'%s' was accepted", bad_lines[_i].line);
	one_error(mainconf, 3, bad_lines[_i].msg);
}
END_TEST

START_TEST(test_errors_all_reported)
{
	struct config *c;

	c = load("tick_ms 1\nmsg_rate 5\nnope\n\nlog_level x\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 3);
	ck_assert_int_eq(errs[0].line, 3);
	ck_assert_int_eq(errs[1].line, 5);
	ck_assert_int_eq(errs[2].line, 7);
	ck_assert_ptr_nonnull(strstr(errs[1].msg, "unknown keyword 'nope'"));
}
END_TEST

START_TEST(test_nul_byte)
{
	FILE *f;
	struct config *c;

	f = fopen(mainconf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "allow_insecure yes\nwww_root %s\n", tmp);
	fwrite("tick_ms 20\0junk\n", 1, 16, f);
	fclose(f);
	nerrs = 0;
	c = cfg_load(mainconf, on_error, NULL);
	ck_assert_ptr_null(c);
	one_error(mainconf, 3, "NUL byte");
}
END_TEST

START_TEST(test_allowed_origins_scheme)
{
	struct config *c;

	/* The entry is named and the file too (see test_known_bugs.c for the line). */
	c = load("allowed_origins https://ok.example chat.example.org\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	ck_assert_str_eq(errs[0].file, mainconf);
	ck_assert_ptr_nonnull(strstr(errs[0].msg,
	    "allowed_origins entry 'chat.example.org' must start with http:// or https://"));
	c = load("allowed_origins ftp://x.example\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	c = load("allowed_origins http://x.example https://y.example:8443\n");
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
}
END_TEST

/* The SFU voice keys: the mode is one of three words, and an SFU needs a Janus. */
START_TEST(test_voice_keys)
{
	struct config *c;

	c = load("");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->voice_mode, "mesh");
	ck_assert_int_eq(c->njanus_urls, 0);
	ck_assert_int_eq(c->voice_sfu_threshold, 8);
	ck_assert_int_eq(c->janus_room_base, 1000);
	cfg_free(c);

	c = load("voice_mode crowd\n");
	ck_assert_ptr_null(c);
	one_error(mainconf, 3, "voice_mode 'crowd' must be mesh, sfu or auto");

	c = load("voice_mode sfu\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	ck_assert_ptr_nonnull(strstr(errs[0].msg, "voice_mode sfu needs at least one janus_url"));

	/* The bad entry is named at its line; without it auto has no janus_url either. */
	c = load("voice_mode auto\njanus_url ws://j.example:8188\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 2);
	ck_assert_int_eq(errs[0].line, 4);
	ck_assert_ptr_nonnull(strstr(errs[0].msg, "janus_url entry 'ws://j.example:8188' must be an http:// URL"));
	ck_assert_ptr_nonnull(strstr(errs[1].msg, "voice_mode auto needs at least one janus_url"));

	c = load("voice_mode auto\nvoice_sfu_threshold 3\nvoice_sfu_area 64\n"
	    "janus_url http://10.0.0.11:8088/janus http://10.0.0.12:8088/janus\n"
	    "janus_api_secret s3cret\njanus_admin_key k\njanus_room_base 5000\njanus_timeout_ms 2000\n");
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	ck_assert_str_eq(c->voice_mode, "auto");
	ck_assert_int_eq(c->voice_sfu_threshold, 3);
	ck_assert_int_eq(c->voice_sfu_area, 64);
	ck_assert_int_eq(c->njanus_urls, 2);
	ck_assert_str_eq(c->janus_urls[1], "http://10.0.0.12:8088/janus");
	ck_assert_str_eq(c->janus_api_secret, "s3cret");
	ck_assert_str_eq(c->janus_admin_key, "k");
	ck_assert_int_eq(c->janus_room_base, 5000);
	ck_assert_int_eq(c->janus_timeout_ms, 2000);
	cfg_free(c);
}
END_TEST

START_TEST(test_listen_limit)
{
	char text[2048], *p = text;
	struct config *c;
	int i;

	for (i = 0; i < CFG_MAX_LISTEN; i++)
		p += sprintf(p, "listen 127.0.0.1:%d\n", 9000 + i);
	c = load(text);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nlisten, CFG_MAX_LISTEN);
	ck_assert_int_eq(c->listen[CFG_MAX_LISTEN - 1].port, 9000 + CFG_MAX_LISTEN - 1);
	cfg_free(c);
	sprintf(p, "listen 127.0.0.1:1\n");
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 3 + CFG_MAX_LISTEN, "at most 16 listen addresses");
}
END_TEST

START_TEST(test_origins_limit)
{
	char text[8192], *p = text;
	struct config *c;
	int i;

	p += sprintf(p, "allowed_origins");
	for (i = 0; i < CFG_MAX_LIST; i++)
		p += sprintf(p, " https://o%d.example", i);
	p += sprintf(p, "\n");
	c = load(text);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nallowed_origins, CFG_MAX_LIST);
	cfg_free(c);
	sprintf(p, "allowed_origins https://one-more.example\n");
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 4, "allowed_origins holds at most 64 entries");
}
END_TEST

START_TEST(test_cross_checks)
{
	const char *cert = put_file("cert.pem", "c\n");
	const char *key = put_file("key.pem", "k\n");
	const char *file = put_file("plain.txt", "not a dir\n");
	char text[1024];
	struct config *c;

	/* TLS or allow_insecure. */
	snprintf(text, sizeof text, "www_root %s\n", tmp);
	c = load_raw(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "no TLS certificate");
	snprintf(text, sizeof text, "www_root %s\ntls_cert %s\ntls_key %s\n", tmp, cert, key);
	c = load_raw(text);
	ck_assert_msg(c != NULL, "%s", errs[0].msg);
	ck_assert_int_eq(c->allow_insecure, 0);
	cfg_free(c);
	/* A certificate without its key, and the other way round. */
	snprintf(text, sizeof text, "tls_cert %s\n", cert);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "tls_cert and tls_key must be given together");
	snprintf(text, sizeof text, "tls_key %s\n", key);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "tls_cert and tls_key must be given together");
	/* Unreadable files (missing: root reads any file that exists). */
	snprintf(text, sizeof text, "tls_cert %s/missing.pem\ntls_key %s\n", tmp, key);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "tls_cert '");
	ck_assert_ptr_nonnull(strstr(errs[0].msg, "missing.pem' cannot be read"));
	snprintf(text, sizeof text, "tls_cert %s\ntls_key %s/missing.pem\n", cert, tmp);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "tls_key '");
	/* www_root must be a directory. */
	snprintf(text, sizeof text, "www_root %s\n", file);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "is not a directory");
	ck_assert_ptr_nonnull(strstr(errs[0].msg, file));
	snprintf(text, sizeof text, "www_root %s/nowhere\n", tmp);
	c = load(text);
	ck_assert_ptr_null(c);
	one_error(mainconf, 0, "is not a directory");
}
END_TEST

START_TEST(test_repeatable)
{
	struct config *c;

	/* The first listen replaces the default... */
	c = load("listen :9000\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_str_eq(c->listen[0].host, "");
	ck_assert_int_eq(c->listen[0].port, 9000);
	cfg_free(c);
	/* ...later ones add to it, across includes too. */
	put_file("more.conf", "listen [::]:9002\nallowed_origins https://c.example\n");
	c = load("listen 127.0.0.1:9000\n"
	    "allowed_origins https://a.example\n"
	    "listen 10.0.0.1:9001\n"
	    "allowed_origins https://b.example,http://d.example\n"
	    "include more.conf\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nlisten, 3);
	ck_assert_str_eq(c->listen[0].host, "127.0.0.1");
	ck_assert_str_eq(c->listen[1].host, "10.0.0.1");
	ck_assert_int_eq(c->listen[1].port, 9001);
	ck_assert_str_eq(c->listen[2].host, "::");
	ck_assert_int_eq(c->nallowed_origins, 4);
	ck_assert_str_eq(c->allowed_origins[0], "https://a.example");
	ck_assert_str_eq(c->allowed_origins[1], "https://b.example");
	ck_assert_str_eq(c->allowed_origins[2], "http://d.example");
	ck_assert_str_eq(c->allowed_origins[3], "https://c.example");
	cfg_free(c);
	/* Without a listen line the default stays. */
	c = load("tick_ms 20\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_int_eq(c->listen[0].port, 8765);
	cfg_free(c);
}
END_TEST

START_TEST(test_parse_listen)
{
	static const struct {
		const char *in;
		const char *host;	/* NULL: refused */
		int port;
	} cases[] = {
		{ "127.0.0.1:8765", "127.0.0.1", 8765 },
		{ "localhost:1", "localhost", 1 },
		{ ":8765", "", 8765 },
		{ "[::1]:80", "::1", 80 },
		{ "[::]:65535", "::", 65535 },
		{ "[fe80::1%eth0]:443", "fe80::1%eth0", 443 },
		{ "host:0", "host", 0 },
		{ "host:65536", NULL, 0 },
		{ "host:-1", NULL, 0 },
		{ "host:", NULL, 0 },
		{ "host", NULL, 0 },
		{ "", NULL, 0 },
		{ ":", NULL, 0 },
		{ "::1", NULL, 0 },
		{ "::1:80", NULL, 0 },
		{ "[::1]", NULL, 0 },
		{ "[::1]:", NULL, 0 },
		{ "[::1]80", NULL, 0 },
		{ "[::1:80", NULL, 0 },
		{ "host:8o", NULL, 0 },
	};
	struct cfg_listen l;
	char big[300];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&l, 0, sizeof l);
		if (cases[i].host == NULL) {
			ck_assert_msg(cfg_parse_listen(cases[i].in, &l) != 0, "'%s' accepted", cases[i].in);
			continue;
		}
		ck_assert_msg(cfg_parse_listen(cases[i].in, &l) == 0, "'%s' refused", cases[i].in);
		ck_assert_str_eq(l.host, cases[i].host);
		ck_assert_int_eq(l.port, cases[i].port);
	}
	/* The host must fit its 256 bytes with the NUL. */
	memset(big, 'h', sizeof big);
	strcpy(big + 255, ":80");
	ck_assert_int_eq(cfg_parse_listen(big, &l), 0);
	ck_assert_uint_eq(strlen(l.host), 255);
	strcpy(big + 256, ":80");
	ck_assert_int_ne(cfg_parse_listen(big, &l), 0);
}
END_TEST

/* Keys noted by cfg_keep_restart_keys. */
static char noted[16][64];
static int nnoted;

static void
note(const char *key)
{
	if (nnoted < 16)
		snprintf(noted[nnoted], sizeof noted[0], "%s", key);
	nnoted++;
}

START_TEST(test_keep_restart_keys)
{
	struct config *o, *n;

	o = load("listen :1000\ntick_ms 20\nlog_level info\npid_file /a.pid\n"
	    "db_conninfo dbname=a\nmax_connections 5\n");
	ck_assert_ptr_nonnull(o);
	n = load("listen :2000\nlisten :2001\ntick_ms 30\nlog_level debug\npid_file /b.pid\n"
	    "db_conninfo dbname=a\nmax_connections 7\n");
	ck_assert_ptr_nonnull(n);
	nnoted = 0;
	cfg_keep_restart_keys(n, o, note);
	/* Restart-only keys are put back and named... */
	ck_assert_int_eq(n->nlisten, 1);
	ck_assert_int_eq(n->listen[0].port, 1000);
	ck_assert_int_eq(n->tick_ms, 20);
	ck_assert_str_eq(n->pid_file, "/a.pid");
	ck_assert_str_eq(n->db_conninfo, "dbname=a");
	ck_assert_int_eq(nnoted, 3);
	ck_assert_str_eq(noted[0], "listen");
	ck_assert_str_eq(noted[1], "pid_file");
	ck_assert_str_eq(noted[2], "tick_ms");
	/* ...reloadable ones keep their new value. */
	ck_assert_int_eq(n->log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(n->max_connections, 7);
	/* Nothing left to note the second time. */
	nnoted = 0;
	cfg_keep_restart_keys(n, o, note);
	ck_assert_int_eq(nnoted, 0);
	cfg_free(n);

	/* log_destination and the db keys need a restart too. */
	n = load("listen :1000\ntick_ms 20\nlog_level info\npid_file /a.pid\n"
	    "db_conninfo dbname=b\nallow_insecure yes\nlog_destination syslog\ndb_pool_size 9\n");
	ck_assert_ptr_nonnull(n);
	nnoted = 0;
	cfg_keep_restart_keys(n, o, note);
	ck_assert_int_eq(nnoted, 3);
	ck_assert_str_eq(noted[0], "log_destination");
	ck_assert_str_eq(noted[1], "db_conninfo");
	ck_assert_str_eq(noted[2], "db_pool_size");
	ck_assert_int_eq(n->log_syslog, 0);
	ck_assert_str_eq(n->db_conninfo, "dbname=a");
	ck_assert_int_eq(n->db_pool_size, 4);
	cfg_free(n);
	cfg_free(o);
}
END_TEST

/* Output of a cfg_write_* function, NUL-terminated; caller frees. */
static char *
capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(test_write_man)
{
	char *man = capture(cfg_write_man), want[128];
	size_t i;

	ck_assert_int_eq(strncmp(man, ".Bl -tag -width Ds\n", 19), 0);
	ck_assert_str_eq(man + strlen(man) - 4, ".El\n");
	for (i = 0; i < NALL_KEYS; i++) {
		snprintf(want, sizeof want, "\n.It Ic %s Ar ", all_keys[i]);
		ck_assert_msg(strstr(man, want) != NULL, "man page misses %s", all_keys[i]);
	}
	ck_assert_ptr_nonnull(strstr(man, "Range 10 to 1000."));
	ck_assert_ptr_nonnull(strstr(man, ".Ql 127.0.0.1:8765 ."));
	/* A help text starting with "..." is text, not a request (groff: macro '..' not defined). */
	ck_assert_ptr_null(strstr(man, "\n.."));
	ck_assert_ptr_nonnull(strstr(man, "\n\\&... or at the latest"));
	/* The cipher list may break after each colon, or groff cannot fit the line. */
	ck_assert_ptr_nonnull(strstr(man, ".Ql ECDHE-ECDSA-AES128-GCM-SHA256:\\:ECDHE-RSA-AES128-GCM-SHA256:\\:"));
	free(man);
}
END_TEST

START_TEST(test_write_sample)
{
	char *sample = capture(cfg_write_sample), *man = capture(cfg_write_man);
	char *line, *save = NULL, *copy, want[128], *text, *p;
	size_t i, nkeys = 0;
	struct config *c, *d;

	/* Every key has a "#key default" line, right after its help. */
	for (i = 0; i < NALL_KEYS; i++) {
		snprintf(want, sizeof want, "\n#%s ", all_keys[i]);
		ck_assert_msg(strstr(sample, want) != NULL, "sample misses %s", all_keys[i]);
	}
	/* Uncomment every "#key value" line: the result must load as the defaults. */
	text = malloc(strlen(sample) + 1024);
	ck_assert_ptr_nonnull(text);
	p = text;
	copy = strdup(sample);
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#' || line[1] < 'a' || line[1] > 'z')
			continue;
		p += sprintf(p, "%s\n", line + 1);
		nkeys++;
		/* Each key in the sample is in the man page too. */
		snprintf(want, sizeof want, "\n.It Ic %.*s Ar ", (int)strcspn(line + 1, " "), line + 1);
		ck_assert_msg(strstr(man, want) != NULL, "man page misses %s", line + 1);
	}
	ck_assert_uint_ge(nkeys, NALL_KEYS);
	/* Except the TLS rule, and the installed web root may not exist here. */
	sprintf(p, "allow_insecure yes\nwww_root %s\n", tmp);
	c = load_raw(text);
	ck_assert_msg(c != NULL, "%s:%d: %s", errs[0].file, errs[0].line, errs[0].msg);
	d = cfg_defaults();
	ck_assert_int_eq(c->nlisten, d->nlisten);
	ck_assert_str_eq(c->listen[0].host, d->listen[0].host);
	ck_assert_int_eq(c->listen[0].port, d->listen[0].port);
	ck_assert_int_eq(c->nallowed_origins, d->nallowed_origins);
	ck_assert_str_eq(c->tls_cert, d->tls_cert);
	ck_assert_int_eq(c->max_message_bytes, d->max_message_bytes);
	ck_assert_int_eq(c->max_output_bytes, d->max_output_bytes);
	ck_assert_int_eq(c->max_connections, d->max_connections);
	ck_assert_int_eq(c->log_level, d->log_level);
	ck_assert_int_eq(c->log_syslog, d->log_syslog);
	ck_assert_uint_eq(c->trace, d->trace);
	ck_assert_str_eq(c->pid_file, d->pid_file);
	ck_assert_int_eq(c->tick_ms, d->tick_ms);
	ck_assert_int_eq(c->handshake_timeout_ms, d->handshake_timeout_ms);
	ck_assert_int_eq(c->idle_timeout_ms, d->idle_timeout_ms);
	ck_assert_int_eq(c->ws_ping_interval_ms, d->ws_ping_interval_ms);
	ck_assert_int_eq(c->ws_pong_timeout_ms, d->ws_pong_timeout_ms);
	ck_assert_int_eq(c->json_max_depth, d->json_max_depth);
	ck_assert_int_eq(c->msg_rate, d->msg_rate);
	ck_assert_int_eq(c->msg_burst, d->msg_burst);
	ck_assert_int_eq(c->max_bad_messages, d->max_bad_messages);
	ck_assert_str_eq(c->db_conninfo, d->db_conninfo);
	ck_assert_int_eq(c->db_pool_size, d->db_pool_size);
	ck_assert_int_eq(c->db_statement_timeout_ms, d->db_statement_timeout_ms);
	ck_assert_int_eq(c->db_connect_timeout_ms, d->db_connect_timeout_ms);
	/* The sample as written (all commented out) loads as well. */
	cfg_free(c);
	nerrs = 0;
	put_file("main.conf", "%sallow_insecure yes\nwww_root %s\n", sample, tmp);
	c = cfg_load(mainconf, on_error, NULL);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
	cfg_free(d);
	free(copy);
	free(text);
	free(man);
	free(sample);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_value_forms);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_quoted);
	tcase_add_test(tc, test_repeatable);
	tcase_add_test(tc, test_parse_listen);
	suite_add_tcase(s, tc);

	tc = tcase_create("include");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_include_depth);
	tcase_add_test(tc, test_include_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_error_lines, 0, (int)(sizeof bad_lines / sizeof bad_lines[0]));
	tcase_add_test(tc, test_errors_all_reported);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_allowed_origins_scheme);
	tcase_add_test(tc, test_voice_keys);
	tcase_add_test(tc, test_listen_limit);
	tcase_add_test(tc, test_origins_limit);
	tcase_add_test(tc, test_cross_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keep_restart_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("docs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_man);
	tcase_add_test(tc, test_write_sample);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
