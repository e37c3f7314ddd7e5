/*
 * test_auth_http.c: the session cookie helpers on the HTTP port (reference
 * §3.8 and §9 items 6 and 8): GET /auth/session/set, /clear and /check,
 * the client header, bearer tokens, cookie attributes, Secure behind a
 * trusted proxy and over TLS, origin refusal, and expiry extension.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tauth.h"

#define CLIENT_HDR "X-Chgrid-Auth-Client: 1\r\n"

/* The Set-Cookie attributes, split on ';' and trimmed. */
struct cookie {
	char name[64];
	char value[600];
	char attr[16][64];
	int nattr;
};

static void
parse_set_cookie(const struct tc_http_resp *r, struct cookie *ck)
{
	const char *h = tc_http_header(r, "Set-Cookie");
	char buf[1024], *seg, *save, *s, *e, *eq;
	int first = 1;

	memset(ck, 0, sizeof *ck);
	ck_assert_msg(h != NULL, "no Set-Cookie (status %d)", r->status);
	snprintf(buf, sizeof buf, "%s", h);
	for (seg = strtok_r(buf, ";", &save); seg != NULL; seg = strtok_r(NULL, ";", &save)) {
		for (s = seg; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (first) {
			eq = strchr(s, '=');
			ck_assert_msg(eq != NULL, "Set-Cookie without name=value: %s", h);
			*eq = '\0';
			snprintf(ck->name, sizeof ck->name, "%s", s);
			snprintf(ck->value, sizeof ck->value, "%s", eq + 1);
			first = 0;
		} else if (ck->nattr < 16)
			snprintf(ck->attr[ck->nattr++], sizeof ck->attr[0], "%s", s);
	}
}

/* 1 if the cookie has the attribute (exactly, ignoring case). */
static int
has_attr(const struct cookie *ck, const char *a)
{
	int i;

	for (i = 0; i < ck->nattr; i++)
		if (strcasecmp(ck->attr[i], a) == 0)
			return 1;
	return 0;
}

static void
check_plain_headers(const struct tc_http_resp *r)
{
	ta_header_eq(r, "Content-Type", "text/plain; charset=utf-8");
	ta_header_eq(r, "Cache-Control", "no-store");
}

/* GET /auth/session/set with the client header, the bearer token and more headers. */
static void
session_set(struct td *d, const char *token, const char *more, struct tc_http_resp *r)
{
	char *h;

	ck_assert(asprintf(&h, CLIENT_HDR "Authorization: Bearer %s\r\n%s", token,
	    more != NULL ? more : "") > 0);
	ag_get(d, "/auth/session/set", h, r);
	free(h);
}

/* The cookie of a successful set, checked; secure says whether Secure must be there. */
static void
expect_cookie_set(const struct tc_http_resp *r, const char *token, int max_age, int secure)
{
	struct cookie ck;
	char ma[32];

	ta_status(r, 200);
	ag_body_is(r, "ok");
	check_plain_headers(r);
	parse_set_cookie(r, &ck);
	ck_assert_str_eq(ck.name, "chgrid_session_token");
	ck_assert_str_eq(ck.value, token);
	ck_assert_msg(has_attr(&ck, "HttpOnly"), "no HttpOnly: %s", tc_http_header(r, "Set-Cookie"));
	ck_assert_msg(has_attr(&ck, "SameSite=Lax"), "no SameSite=Lax: %s",
	    tc_http_header(r, "Set-Cookie"));
	ck_assert_msg(has_attr(&ck, "Path=/"), "no Path=/: %s", tc_http_header(r, "Set-Cookie"));
	snprintf(ma, sizeof ma, "Max-Age=%d", max_age);
	ck_assert_msg(has_attr(&ck, ma), "no %s: %s", ma, tc_http_header(r, "Set-Cookie"));
	ck_assert_msg(has_attr(&ck, "Secure") == secure, "Secure %s: %s",
	    secure ? "missing" : "present on plain http", tc_http_header(r, "Set-Cookie"));
}

static void
session_check(struct td *d, const char *token, struct tc_http_resp *r)
{
	char *h;

	if (token != NULL)
		ck_assert(asprintf(&h, CLIENT_HDR "Cookie: theme=dark; chgrid_session_token=%s\r\n",
		    token) > 0);
	else
		h = strdup(CLIENT_HDR);
	ag_get(d, "/auth/session/check", h, r);
	free(h);
}

/* ---- /auth/session/set ---- */

START_TEST(test_set_client_header)
{
	static const char *const bad[] = {
		"", "X-Chgrid-Auth-Client: 0\r\n", "X-Chgrid-Auth-Client: 11\r\n",
		"X-Chgrid-Auth-Client: 1 1\r\n", "X-Chgrid-Auth-Client: yes\r\n",
		"X-Chgrid-Auth-Client:\r\n",
	};
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char user[33], *tok, *h;
	size_t i;

	ag_uname(user, "hdr");
	tok = ag_new_account(d, user);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert(asprintf(&h, "%sAuthorization: Bearer %s\r\n", bad[i], tok) > 0);
		ag_get(d, "/auth/session/set", h, &r);
		free(h);
		ta_status(&r, 400);
		ag_body_is(&r, "missing client header");
		check_plain_headers(&r);
		ck_assert_msg(tc_http_header(&r, "Set-Cookie") == NULL, "cookie set without the header");
		tc_http_resp_free(&r);
	}
	/* The value is trimmed; the header name is case-insensitive. */
	ck_assert(asprintf(&h, "x-chgrid-auth-client:   1  \r\nAuthorization: Bearer %s\r\n",
	    tok) > 0);
	ag_get(d, "/auth/session/set", h, &r);
	free(h);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_set_bearer)
{
	static const char *const bad[] = {
		"", "Authorization: Basic dXNlcjpwYXNz\r\n", "Authorization: Bearer\r\n",
		"Authorization: Bearer    \r\n", "Authorization: Token abc\r\n",
	};
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char user[33], *tok, *h, rnd[65];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert(asprintf(&h, CLIENT_HDR "%s", bad[i]) > 0);
		ag_get(d, "/auth/session/set", h, &r);
		free(h);
		ta_status(&r, 400);
		ag_body_is(&r, "missing bearer token");
		check_plain_headers(&r);
		tc_http_resp_free(&r);
	}
	/* A token nobody issued. */
	ag_random_token(rnd);
	session_set(d, rnd, NULL, &r);
	ta_status(&r, 401);
	ag_body_is(&r, "invalid session");
	ck_assert_msg(tc_http_header(&r, "Set-Cookie") == NULL, "cookie set for a bad token");
	tc_http_resp_free(&r);

	/* A good one; the scheme word is case-insensitive and the token trimmed. */
	ag_uname(user, "bearer");
	tok = ag_new_account(d, user);
	session_set(d, tok, NULL, &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	ck_assert(asprintf(&h, CLIENT_HDR "Authorization: bEaReR   %s  \r\n", tok) > 0);
	ag_get(d, "/auth/session/set", h, &r);
	free(h);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	/* A query string does not change the route. */
	ck_assert(asprintf(&h, CLIENT_HDR "Authorization: Bearer %s\r\n", tok) > 0);
	ag_get(d, "/auth/session/set?from=client", h, &r);
	free(h);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

/* The cookie the endpoint sets is the one the WebSocket then accepts. */
START_TEST(test_set_cookie_round_trip)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	struct cookie ck;
	struct tc_conn *c;
	char user[33], hdr[700], *tok;
	json_object *o;

	ag_uname(user, "trip");
	tok = ag_new_account(d, user);
	session_set(d, tok, NULL, &r);
	ta_status(&r, 200);
	parse_set_cookie(&r, &ck);
	tc_http_resp_free(&r);
	snprintf(hdr, sizeof hdr, "Cookie: %s=%s\r\n", ck.name, ck.value);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ag_expect_cookie_ok(o, user);
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_set_invalid_states)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char u1[33], u2[33], u3[33], *t1, *t2, *t3;
	struct tc_conn *c;
	json_object *o;

	ag_uname(u1, "setrev");
	ag_uname(u2, "setexp");
	ag_uname(u3, "setban");
	/* Revoked by logout. */
	c = ag_ws(d);
	o = ag_register(c, u1, AG_PASSWORD, NULL);
	t1 = ag_expect_ok(o, u1);
	json_object_put(o);
	ag_send(c, ag_msg("auth_logout", NULL));
	json_object_put(ag_result(c));
	tc_close(c);
	session_set(d, t1, NULL, &r);
	ta_status(&r, 401);
	ag_body_is(&r, "invalid session");
	tc_http_resp_free(&r);
	/* Expired. */
	t2 = ag_new_account(d, u2);
	ag_sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", u2);
	session_set(d, t2, NULL, &r);
	ta_status(&r, 401);
	tc_http_resp_free(&r);
	/* Disabled account. */
	t3 = ag_new_account(d, u3);
	ag_sql("UPDATE accounts SET status = 'disabled' WHERE username = '%s'", u3);
	session_set(d, t3, NULL, &r);
	ta_status(&r, 401);
	tc_http_resp_free(&r);
	free(t1);
	free(t2);
	free(t3);
	it_stop(d);
}
END_TEST

/* /set runs the resume logic, so it extends the session (rolling expiry). */
START_TEST(test_set_extends_expiry)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char user[33], *tok, *v;

	ag_uname(user, "extend");
	tok = ag_new_account(d, user);
	ag_sql("UPDATE sessions SET expires_at = now() + interval '1 hour' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", user);
	session_set(d, tok, NULL, &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	v = ag_sql_value("SELECT s.expires_at > now() + interval '13 days 23 hours' FROM sessions s "
	    "JOIN accounts a ON a.id = s.account_id WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, "t") == 0,
	    "/auth/session/set did not extend expires_at to now + 14 days");
	free(v);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- Secure ---- */

START_TEST(test_secure_trusted_proxy)
{
	struct td *d = ag_start("trusted_proxies 127.0.0.1\n", 0);
	struct tc_http_resp r;
	char user[33], *tok;
	struct cookie ck;

	ag_uname(user, "proxy");
	tok = ag_new_account(d, user);
	session_set(d, tok, "X-Forwarded-Proto: https\r\n", &r);
	expect_cookie_set(&r, tok, 1209600, 1);
	tc_http_resp_free(&r);
	/* The first comma-separated value, trimmed, any case. */
	session_set(d, tok, "X-Forwarded-Proto:  HTTPS , http\r\n", &r);
	expect_cookie_set(&r, tok, 1209600, 1);
	tc_http_resp_free(&r);
	session_set(d, tok, "X-Forwarded-Proto: http, https\r\n", &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	session_set(d, tok, NULL, &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	/* Clearing behind the proxy is Secure too. */
	ag_get(d, "/auth/session/clear", CLIENT_HDR "X-Forwarded-Proto: https\r\n", &r);
	ta_status(&r, 200);
	parse_set_cookie(&r, &ck);
	ck_assert_msg(has_attr(&ck, "Secure"), "clear behind https proxy: %s",
	    tc_http_header(&r, "Set-Cookie"));
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_secure_untrusted_ignored)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char user[33], *tok;

	ag_uname(user, "noproxy");
	tok = ag_new_account(d, user);
	session_set(d, tok, "X-Forwarded-Proto: https\r\n", &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);

	/* A trusted proxy list that does not hold our address: still ignored. */
	d = ag_start("trusted_proxies 10.9.8.7\n", 0);
	ag_uname(user, "noproxy");
	tok = ag_new_account(d, user);
	session_set(d, tok, "X-Forwarded-Proto: https\r\n", &r);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_secure_tls)
{
	struct td *d = ag_start(NULL, 1);
	struct tc_http_resp r;
	char user[33], *tok;
	struct cookie ck;

	ag_uname(user, "tls");
	tok = ag_new_account(d, user);
	session_set(d, tok, NULL, &r);
	expect_cookie_set(&r, tok, 1209600, 1);
	tc_http_resp_free(&r);
	ag_get(d, "/auth/session/clear", CLIENT_HDR, &r);
	ta_status(&r, 200);
	parse_set_cookie(&r, &ck);
	ck_assert_msg(has_attr(&ck, "Secure"), "clear over TLS: %s", tc_http_header(&r, "Set-Cookie"));
	tc_http_resp_free(&r);
	/* And the cookie check works over TLS. */
	session_check(d, tok, &r);
	ta_status(&r, 204);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- /auth/session/clear ---- */

START_TEST(test_clear)
{
	struct td *d = ag_start("session_lifetime_s 3600\n", 0);
	struct tc_http_resp r;
	struct cookie ck;
	char user[33], *tok;

	ag_get(d, "/auth/session/clear", CLIENT_HDR, &r);
	ta_status(&r, 200);
	ag_body_is(&r, "cleared");
	check_plain_headers(&r);
	parse_set_cookie(&r, &ck);
	ck_assert_str_eq(ck.name, "chgrid_session_token");
	ck_assert_str_eq(ck.value, "");
	ck_assert_msg(has_attr(&ck, "Max-Age=0"), "no Max-Age=0: %s", tc_http_header(&r, "Set-Cookie"));
	ck_assert_msg(has_attr(&ck, "Path=/") && has_attr(&ck, "HttpOnly") &&
	    has_attr(&ck, "SameSite=Lax") && !has_attr(&ck, "Secure"), "clear cookie attributes: %s",
	    tc_http_header(&r, "Set-Cookie"));
	tc_http_resp_free(&r);
	/* It needs the client header too. */
	ag_get(d, "/auth/session/clear", NULL, &r);
	ta_status(&r, 400);
	ag_body_is(&r, "missing client header");
	tc_http_resp_free(&r);
	/* Max-Age of /set follows session_lifetime_s. */
	ag_uname(user, "clear");
	tok = ag_new_account(d, user);
	session_set(d, tok, NULL, &r);
	expect_cookie_set(&r, tok, 3600, 0);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- /auth/session/check ---- */

START_TEST(test_check)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	struct tc_conn *c;
	char user[33], rnd[65], *tok;
	json_object *o;

	ag_uname(user, "check");
	c = ag_ws(d);
	o = ag_register(c, user, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	json_object_put(o);

	session_check(d, tok, &r);
	ta_status(&r, 204);
	ck_assert_msg(r.body == NULL || r.body_len == 0, "204 with a body");
	/*
	 * The cookie is set again with a fresh Max-Age: a cookie resume no
	 * longer returns the token the page used to renew it with (issue 13).
	 */
	{
		struct cookie ck;

		parse_set_cookie(&r, &ck);
		ck_assert_str_eq(ck.name, "chgrid_session_token");
		ck_assert_str_eq(ck.value, tok);
		ck_assert_msg(has_attr(&ck, "HttpOnly") && has_attr(&ck, "Max-Age=1209600") &&
		    has_attr(&ck, "Path=/") && has_attr(&ck, "SameSite=Lax"),
		    "check's cookie: %s", tc_http_header(&r, "Set-Cookie"));
	}
	tc_http_resp_free(&r);
	session_check(d, NULL, &r);
	ta_status(&r, 401);
	tc_http_resp_free(&r);
	ag_random_token(rnd);
	session_check(d, rnd, &r);
	ta_status(&r, 401);
	tc_http_resp_free(&r);
	/* Without the client header. */
	{
		char *h;

		ck_assert(asprintf(&h, "Cookie: chgrid_session_token=%s\r\n", tok) > 0);
		ag_get(d, "/auth/session/check", h, &r);
		free(h);
		ta_status(&r, 400);
		tc_http_resp_free(&r);
	}
	/* Revoked by logout. */
	ag_send(c, ag_msg("auth_logout", NULL));
	json_object_put(ag_result(c));
	tc_close(c);
	session_check(d, tok, &r);
	ta_status(&r, 401);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- origins ---- */

START_TEST(test_origin_refused)
{
	static const char *const paths[] = {
		"/auth/session/set", "/auth/session/clear", "/auth/session/check",
	};
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	char user[33], *tok, *h;
	struct tc_conn *c;
	size_t i;

	ag_uname(user, "origin");
	tok = ag_new_account(d, user);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ck_assert(asprintf(&h, CLIENT_HDR "Origin: http://evil.example\r\n"
		    "Authorization: Bearer %s\r\nCookie: chgrid_session_token=%s\r\n", tok, tok) > 0);
		ag_get(d, paths[i], h, &r);
		free(h);
		ta_status(&r, 403);
		ck_assert_msg(tc_http_header(&r, "Set-Cookie") == NULL, "%s set a cookie for a "
		    "foreign origin", paths[i]);
		tc_http_resp_free(&r);
	}
	/* The server's own origin is fine. */
	c = td_connect(d);
	ck_assert(asprintf(&h, CLIENT_HDR "Origin: http://%s\r\nAuthorization: Bearer %s\r\n",
	    tc_host_header(c), tok) > 0);
	ta_http(c, "GET", "/auth/session/set", h, &r);
	free(h);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);

	/* With allowed_origins, only those. */
	d = ag_start("allowed_origins https://chat.example\n", 0);
	ck_assert(asprintf(&h, CLIENT_HDR "Origin: https://chat.example\r\n"
	    "Authorization: Bearer %s\r\n", tok) > 0);
	ag_get(d, "/auth/session/set", h, &r);
	free(h);
	expect_cookie_set(&r, tok, 1209600, 0);
	tc_http_resp_free(&r);
	ck_assert(asprintf(&h, CLIENT_HDR "Origin: https://chat.example.evil\r\n"
	    "Authorization: Bearer %s\r\n", tok) > 0);
	ag_get(d, "/auth/session/set", h, &r);
	free(h);
	ta_status(&r, 403);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("auth-http");
	TCase *tc = tcase_create("set");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_set_client_header);
	tcase_add_test(tc, test_set_bearer);
	tcase_add_test(tc, test_set_cookie_round_trip);
	tcase_add_test(tc, test_set_invalid_states);
	tcase_add_test(tc, test_set_extends_expiry);
	suite_add_tcase(s, tc);

	tc = tcase_create("secure");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_secure_trusted_proxy);
	tcase_add_test(tc, test_secure_untrusted_ignored);
	tcase_add_test(tc, test_secure_tls);
	suite_add_tcase(s, tc);

	tc = tcase_create("clear-check");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_origin_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(http_suite());
}
