/* tauth.c: accounts, sessions and SQL for the integration tests (ag_*). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "tauth.h"

struct pgtest *ag_pg;

const char *
ag_base_config(void)
{
	static char *base;

	if (base == NULL && asprintf(&base,
	    "db_conninfo %s\n"
	    "argon2_memory_kib 1024\n"
	    "argon2_time_cost 1\n"
	    "auth_fail_ip_limit 100000\n"
	    "auth_fail_identity_limit 100000\n", pgtest_conninfo(ag_pg)) < 0)
		ck_abort_msg("out of memory");
	return base;
}

struct td *
ag_start(const char *extra, int tls)
{
	char *cfgtext;
	struct td *td;

	if (asprintf(&cfgtext, "%s%s", ag_base_config(), extra != NULL ? extra : "") < 0)
		ck_abort_msg("out of memory");
	td = it_start(cfgtext, tls);
	free(cfgtext);
	return td;
}

struct td *
ag_start_plain(const char *extra, int tls)
{
	char *cfgtext;
	struct td *td;

	if (asprintf(&cfgtext, "db_conninfo %s\n%s", pgtest_conninfo(ag_pg),
	    extra != NULL ? extra : "") < 0)
		ck_abort_msg("out of memory");
	td = it_start(cfgtext, tls);
	free(cfgtext);
	return td;
}

void
ag_uname(char out[33], const char *tag)
{
	static int counter;

	snprintf(out, 33, "%.14s_%d_%d", tag, (int)getpid(), ++counter);
}

void
ag_upper(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < cap; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
}

struct tc_conn *
ag_ws_raw(struct td *td, const char *extra_headers)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp resp;
	int r;

	r = tc_ws_handshake(c, "/ws", extra_headers, &resp, td_ms(5000));
	ck_assert_msg(r == TC_OK, "WebSocket handshake (headers \"%s\") failed (%s): %s; status %d",
	    extra_headers != NULL ? extra_headers : "", tc_strerror(r), tc_error(c), resp.status);
	tc_http_resp_free(&resp);
	return c;
}

struct tc_conn *
ag_ws(struct td *td)
{
	struct tc_conn *c = ag_ws_raw(td, NULL);
	json_object *o = ag_next(c);
	json_object *pol, *v;
	const char *keys[] = { "usernameMinLength", "usernameMaxLength", "passwordMinLength",
	    "passwordMaxLength" };
	size_t i;

	ck_assert_msg(strcmp(tc_json_str(o, "type") ? tc_json_str(o, "type") : "", "auth_required") == 0,
	    "first message is not auth_required: %s", json_object_to_json_string(o));
	ck_assert_msg(tc_json_str(o, "message") != NULL &&
	    strcmp(tc_json_str(o, "message"), AG_MSG_REQUIRED) == 0,
	    "auth_required message: %s", json_object_to_json_string(o));
	ck_assert_msg(json_object_object_get_ex(o, "authPolicy", &pol) &&
	    json_object_is_type(pol, json_type_object), "auth_required without authPolicy: %s",
	    json_object_to_json_string(o));
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(json_object_object_get_ex(pol, keys[i], &v) &&
		    json_object_is_type(v, json_type_int), "authPolicy.%s missing or not an integer: %s",
		    keys[i], json_object_to_json_string(o));
	json_object_put(o);
	return c;
}

struct tc_conn *
ag_ws_from(struct td *td, const char *xff)
{
	char hdr[128];
	struct tc_conn *c;
	json_object *o;

	if (xff == NULL)
		return ag_ws(td);
	snprintf(hdr, sizeof hdr, "X-Forwarded-For: %s\r\n", xff);
	c = ag_ws_raw(td, hdr);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	json_object_put(o);
	return c;
}

void
ag_send(struct tc_conn *c, json_object *o)
{
	int r = tc_ws_send_text(c, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	ck_assert_msg(r == TC_OK, "sending %s: %s", json_object_to_json_string(o), tc_error(c));
	json_object_put(o);
}

json_object *
ag_msg(const char *type, ...)
{
	json_object *o = json_object_new_object();
	const char *k, *v;
	va_list ap;

	json_object_object_add(o, "type", json_object_new_string(type));
	va_start(ap, type);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v != NULL)
			json_object_object_add(o, k, json_object_new_string(v));
	}
	va_end(ap);
	return o;
}

json_object *
ag_next(struct tc_conn *c)
{
	json_object *o = tc_ws_recv_json(c, td_ms(5000));

	ck_assert_msg(o != NULL, "no message: %s%s", tc_error(c), td_health());
	return o;
}

json_object *
ag_result(struct tc_conn *c)
{
	json_object *o = tc_ws_expect(c, "auth_result", td_ms(5000));

	ck_assert_msg(o != NULL, "no auth_result: %s%s", tc_error(c), td_health());
	return o;
}

json_object *
ag_register(struct tc_conn *c, const char *user, const char *password, const char *email)
{
	ag_send(c, ag_msg("auth_register", "username", user, "password", password,
	    "email", email, NULL));
	return ag_result(c);
}

json_object *
ag_login(struct tc_conn *c, const char *user, const char *password)
{
	ag_send(c, ag_msg("auth_login", "username", user, "password", password, NULL));
	return ag_result(c);
}

json_object *
ag_resume(struct tc_conn *c, const char *token)
{
	ag_send(c, ag_msg("auth_resume", "sessionToken", token, NULL));
	return ag_result(c);
}

void
ag_expect(json_object *o, int ok, const char *message)
{
	json_object *v;
	const char *m = tc_json_str(o, "message");

	ck_assert_msg(json_object_object_get_ex(o, "ok", &v) && json_object_is_type(v, json_type_boolean),
	    "auth_result without a boolean ok: %s", json_object_to_json_string(o));
	ck_assert_msg(json_object_get_boolean(v) == ok && m != NULL && strcmp(m, message) == 0,
	    "want auth_result ok:%s \"%s\", got %s", ok ? "true" : "false", message,
	    json_object_to_json_string(o));
}

void
ag_expect_fail(json_object *o, const char *message)
{
	ag_expect(o, 0, message);
	json_object_put(o);
}

/* The success fields every auth_result with ok carries, token aside. */
static void
expect_ok_fields(json_object *o, const char *username)
{
	const char *u;
	json_object *v;

	ag_expect(o, 1, AG_MSG_AUTHED);
	u = tc_json_str(o, "username");
	ck_assert_msg(u != NULL && (username == NULL || strcmp(u, username) == 0),
	    "username %s, want %s: %s", u != NULL ? u : "(none)", username,
	    json_object_to_json_string(o));
	ck_assert_msg(tc_json_str(o, "role") != NULL, "no role: %s", json_object_to_json_string(o));
	ck_assert_msg(json_object_object_get_ex(o, "permissions", &v) &&
	    json_object_is_type(v, json_type_array), "no permissions array: %s",
	    json_object_to_json_string(o));
	ck_assert_msg(json_object_object_get_ex(o, "adminMenuActions", &v) &&
	    json_object_is_type(v, json_type_array), "no adminMenuActions array: %s",
	    json_object_to_json_string(o));
	ck_assert_msg(tc_json_str(o, "nickname") != NULL, "no nickname: %s",
	    json_object_to_json_string(o));
	ck_assert_msg(json_object_object_get_ex(o, "authPolicy", &v) &&
	    json_object_is_type(v, json_type_object), "no authPolicy: %s",
	    json_object_to_json_string(o));
}

char *
ag_expect_ok(json_object *o, const char *username)
{
	const char *tok, *p;
	char *copy;

	expect_ok_fields(o, username);
	tok = tc_json_str(o, "sessionToken");
	ck_assert_msg(tok != NULL && strlen(tok) == 64, "sessionToken is not 64 characters: %s",
	    json_object_to_json_string(o));
	for (p = tok; *p != '\0'; p++)
		ck_assert_msg(isalnum((unsigned char)*p) || *p == '-' || *p == '_',
		    "sessionToken is not base64url: %s", tok);
	copy = strdup(tok);
	ck_assert_ptr_nonnull(copy);
	return copy;
}

void
ag_expect_cookie_ok(json_object *o, const char *username)
{
	expect_ok_fields(o, username);
	ck_assert_msg(!json_object_object_get_ex(o, "sessionToken", NULL),
	    "a cookie resume returned the session token: %s", json_object_to_json_string(o));
}

void
ag_register_new(struct tc_conn *c, const char *tag)
{
	char user[33];
	json_object *o;

	ag_uname(user, tag);
	o = ag_register(c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
}

struct tc_conn *
ag_ws_registered(struct td *td, const char *tag)
{
	struct tc_conn *c = ag_ws(td);

	ag_register_new(c, tag);
	return c;
}

char *
ag_new_account(struct td *td, const char *user)
{
	struct tc_conn *c = ag_ws(td);
	json_object *o = ag_register(c, user, AG_PASSWORD, NULL);
	char *tok = ag_expect_ok(o, user);

	json_object_put(o);
	tc_close(c);
	return tok;
}

void
ag_random_token(char out[65])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[64];
	int i;

	ck_assert_int_eq(RAND_bytes(raw, sizeof raw), 1);
	for (i = 0; i < 64; i++)
		out[i] = abc[raw[i] & 63];
	out[64] = '\0';
}

void
ag_assert_has_word(const char *s, const char *word)
{
	ck_assert_msg(s != NULL && strcasestr(s, word) != NULL, "\"%s\" does not contain \"%s\"",
	    s != NULL ? s : "(null)", word);
}

/* ---- SQL ---- */

static PGconn *
ag_pq(const char *conninfo)
{
	PGconn *db = PQconnectdb(conninfo);

	ck_assert_msg(db != NULL && PQstatus(db) == CONNECTION_OK, "cannot connect to %s: %s",
	    conninfo, db != NULL ? PQerrorMessage(db) : "out of memory");
	return db;
}

static char *
ag_vsql(const char *conninfo, int want_value, const char *fmt, va_list ap)
{
	PGconn *db;
	PGresult *r;
	char *sql, *val = NULL;
	ExecStatusType st;

	ck_assert_msg(vasprintf(&sql, fmt, ap) >= 0, "out of memory");
	db = ag_pq(conninfo);
	r = PQexec(db, sql);
	st = PQresultStatus(r);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "SQL %s: %s", sql,
	    PQerrorMessage(db));
	if (want_value && st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0 &&
	    !PQgetisnull(r, 0, 0))
		val = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(db);
	free(sql);
	return val;
}

void
ag_sql(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(ag_vsql(pgtest_conninfo(ag_pg), 0, fmt, ap));
	va_end(ap);
}

char *
ag_sql_value(const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = ag_vsql(pgtest_conninfo(ag_pg), 1, fmt, ap);
	va_end(ap);
	return v;
}

char *
ag_sql_wait(const char *want, const char *fmt, ...)
{
	int64_t end = tc_now_ms() + td_ms(5000);
	struct timespec ts = { 0, 50 * 1000000L };
	char *q, *v;
	va_list ap;

	va_start(ap, fmt);
	ck_assert_msg(vasprintf(&q, fmt, ap) >= 0, "out of memory");
	va_end(ap);
	for (;;) {
		v = ag_sql_value("%s", q);
		if ((v != NULL && (want == NULL || strcmp(v, want) == 0)) || tc_now_ms() > end)
			break;
		free(v);
		nanosleep(&ts, NULL);
	}
	free(q);
	return v;
}

char *
ag_sql_value_on(const char *conninfo, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = ag_vsql(conninfo, 1, fmt, ap);
	va_end(ap);
	return v;
}

/* ---- HTTP ---- */

void
ag_get(struct td *td, const char *path, const char *extra_headers, struct tc_http_resp *out)
{
	struct tc_conn *c = td_connect(td);

	ta_http(c, "GET", path, extra_headers, out);
	tc_close(c);
}

void
ag_body_is(const struct tc_http_resp *r, const char *text)
{
	size_t n = r->body != NULL ? r->body_len : 0, tl = strlen(text);

	if (n > 0 && r->body[n - 1] == '\n')
		n--;
	ck_assert_msg(r->body != NULL && n == tl && memcmp(r->body, text, tl) == 0,
	    "status %d body \"%s\", want \"%s\"", r->status, r->body != NULL ? r->body : "(none)",
	    text);
}

int
ag_main_skips(Suite *s, int nskip, const char *const *skipped, const char *reason)
{
	char *dir, path[4096], line[8192];
	SRunner *sr;
	FILE *f;
	int nf, n = 0, i;

	if (nskip == 0)
		return ag_main(s);
	/*
	 * Check runs the rest with its TAP written to a file; this copies it
	 * out with one skip line per case left out and the plan counting them.
	 */
	dir = td_mkdtemp();
	snprintf(path, sizeof path, "%s/tap", dir);
	setenv("CK_TAP_LOG_FILE_NAME", path, 1);
	if (ag_pg == NULL && (ag_pg = pgtest_start()) == NULL) {
		printf("Bail out! cannot start a private PostgreSQL cluster\n");
		return 99;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgtest_free(ag_pg);
	ag_pg = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		printf("Bail out! no TAP output from Check\n");
		return 99;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "1..", 3) == 0)
			continue;
		if (strncmp(line, "ok ", 3) == 0 || strncmp(line, "not ok ", 7) == 0)
			n++;
		fputs(line, stdout);
	}
	fclose(f);
	for (i = 0; i < nskip; i++)
		printf("ok %d - %s # SKIP %s\n", n + i + 1, skipped[i], reason);
	printf("1..%d\n", n + nskip);
	fflush(stdout);
	td_rmtree(dir);
	free(dir);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
ag_main(Suite *s)
{
	SRunner *sr;
	int nf;

	if (ag_pg == NULL && (ag_pg = pgtest_start()) == NULL) {
		printf("Bail out! cannot start a private PostgreSQL cluster\n");
		return 99;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgtest_free(ag_pg);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
