/*
 * test_base_paths.c: a web client built for a base path (issue 21). With
 * "/chgrid/" in web_base_paths, /chgrid/ws is the WebSocket (a user logs
 * in and plays there with one on /ws) and /chgrid/auth/session/set, clear
 * and check are the session endpoints, both with the same origin checks as
 * at the root; a prefix that is not listed gets 404, the root endpoints
 * stay, the list is checked when the file is read and reloaded on SIGHUP.
 * (<base>media_proxy.php is in test_media.c.)
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tworld.h"

#define CLIENT_HDR "X-Chgrid-Auth-Client: 1\r\n"

/* A WebSocket handshake at path with extra headers; the status it got (101 on success). */
static int
handshake_status(struct td *d, const char *path, const char *extra, struct tc_conn **out)
{
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	int rc, st;

	rc = tc_ws_handshake(c, path, extra, &r, td_ms(5000));
	st = rc == TC_OK ? 101 : r.status;
	tc_http_resp_free(&r);
	if (rc == TC_OK && out != NULL)
		*out = c;
	else
		tc_close(c);
	return st;
}

/* Origin headers a browser on the daemon's own origin, and one elsewhere, send. */
static void
origins(struct td *d, char *own, char *evil, size_t len)
{
	snprintf(own, len, "Origin: http://127.0.0.1:%d\r\n", td_port(d));
	snprintf(evil, len, "Origin: http://evil.example:%d\r\n", td_port(d));
}

/* Register user on an open WebSocket (auth_required first) and read the welcome. */
static void
join(struct tc_conn *c, const char *user)
{
	json_object *o;

	json_object_put(tc_ws_expect(c, "auth_required", td_ms(5000)));
	o = ag_register(c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	o = tc_ws_expect(c, "welcome", td_ms(5000));
	ck_assert_msg(o != NULL, "no welcome for %s: %s", user, tc_error(c));
	json_object_put(o);
}

START_TEST(test_ws_under_base)
{
	struct td *d = ag_start("web_base_paths / /chgrid/\n", 0);
	struct tc_conn *a = NULL, *b = NULL;
	char own[128], evil[128], ua[33], ub[33];

	origins(d, own, evil, sizeof own);
	ag_uname(ua, "based");
	ag_uname(ub, "rooted");
	ck_assert_int_eq(handshake_status(d, "/chgrid/ws", own, &a), 101);
	join(a, ua);
	ck_assert_int_eq(handshake_status(d, "/ws", own, &b), 101);
	join(b, ub);
	/* The two play together: a chat line from the base path reaches /ws and back. */
	ck_assert_int_eq(tc_ws_sendf(a, "{\"type\":\"chat_message\",\"message\":\"hello from /chgrid/ws\"}"), TC_OK);
	tw_see(b, "chat_message", "message", "hello from /chgrid/ws");
	tw_see(a, "chat_message", "message", "hello from /chgrid/ws");
	ck_assert_int_eq(tc_ws_sendf(b, "{\"type\":\"chat_message\",\"message\":\"hello from /ws\"}"), TC_OK);
	tw_see(a, "chat_message", "message", "hello from /ws");
	ta_ws_ping(a, 21);
	tc_close(a);
	tc_close(b);
	/* The same origin rule: another site's page is refused at both. */
	ck_assert_int_eq(handshake_status(d, "/chgrid/ws", evil, NULL), 403);
	ck_assert_int_eq(handshake_status(d, "/ws", evil, NULL), 403);
	ck_assert(td_log_contains(d, "WebSocket from origin http://evil.example"));
	it_stop(d);
}
END_TEST

START_TEST(test_session_endpoints_under_base)
{
	struct td *d = ag_start("web_base_paths / /chgrid/\n", 0);
	struct tc_http_resp r;
	char user[33], hdr[1024], own[128], evil[128], *tok;
	const char *sc;

	origins(d, own, evil, sizeof own);
	ag_uname(user, "basesess");
	tok = ag_new_account(d, user);
	snprintf(hdr, sizeof hdr, CLIENT_HDR "%sAuthorization: Bearer %s\r\n", own, tok);
	ag_get(d, "/chgrid/auth/session/set", hdr, &r);
	ck_assert_int_eq(r.status, 200);
	sc = tc_http_header(&r, "Set-Cookie");
	ck_assert_msg(sc != NULL && strncmp(sc, "chgrid_session_token=", 21) == 0 && strstr(sc, "Path=/;") != NULL,
	    "Set-Cookie %s", sc != NULL ? sc : "(none)");
	tc_http_resp_free(&r);
	snprintf(hdr, sizeof hdr, CLIENT_HDR "%sCookie: chgrid_session_token=%s\r\n", own, tok);
	ag_get(d, "/chgrid/auth/session/check", hdr, &r);
	ck_assert_int_eq(r.status, 204);
	tc_http_resp_free(&r);
	ag_get(d, "/chgrid/auth/session/clear", CLIENT_HDR, &r);
	ck_assert_int_eq(r.status, 200);
	ag_body_is(&r, "cleared");
	tc_http_resp_free(&r);
	/* The same refusals as at the root. */
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok);
	ag_get(d, "/chgrid/auth/session/check", hdr, &r);
	ck_assert_int_eq(r.status, 400);
	ag_body_is(&r, "missing client header");
	tc_http_resp_free(&r);
	snprintf(hdr, sizeof hdr, CLIENT_HDR "%sCookie: chgrid_session_token=%s\r\n", evil, tok);
	ag_get(d, "/chgrid/auth/session/check", hdr, &r);
	ck_assert_int_eq(r.status, 403);
	ag_body_is(&r, "origin not allowed");
	tc_http_resp_free(&r);
	ag_get(d, "/auth/session/check", hdr, &r);
	ck_assert_int_eq(r.status, 403);
	tc_http_resp_free(&r);
	free(tok);
	it_stop(d);
}
END_TEST

/* Not configured: 404 under the prefix; the root endpoints always answer. */
START_TEST(test_unlisted_base_refused)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_http_resp r;
	struct tc_conn *c = NULL;
	char own[128], evil[128];

	origins(d, own, evil, sizeof own);
	ck_assert_int_eq(handshake_status(d, "/chgrid/ws", own, NULL), 404);
	ag_get(d, "/chgrid/auth/session/clear", CLIENT_HDR, &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	ck_assert_int_eq(handshake_status(d, "/ws", own, &c), 101);
	tc_close(c);
	it_stop(d);

	/* Only /chgrid/ listed: /other/ws is still 404, /ws still the WebSocket. */
	d = ag_start("web_base_paths /chgrid/\n", 0);
	origins(d, own, evil, sizeof own);
	ck_assert_int_eq(handshake_status(d, "/other/ws", own, NULL), 404);
	ck_assert_int_eq(handshake_status(d, "/chgrid/x/ws", own, NULL), 404);
	ck_assert_int_eq(handshake_status(d, "/chgrid/ws", own, &c), 101);
	tc_close(c);
	ck_assert_int_eq(handshake_status(d, "/ws", own, &c), 101);
	tc_close(c);
	ag_get(d, "/auth/session/clear", CLIENT_HDR, &r);
	ck_assert_int_eq(r.status, 200);
	tc_http_resp_free(&r);
	it_stop(d);
}
END_TEST

/* The list is reloaded on SIGHUP. */
START_TEST(test_base_paths_reload)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = NULL;
	char own[128], evil[128], extra[4096];

	origins(d, own, evil, sizeof own);
	ck_assert_int_eq(handshake_status(d, "/late/ws", own, NULL), 404);
	snprintf(extra, sizeof extra, "www_root %s\n%sweb_base_paths / /late/\n", it_www(), ag_base_config());
	ck_assert(td_rewrite_config(d, extra) == 0);
	ck_assert(td_signal(d, SIGHUP) == 0);
	ck_assert(td_wait_log(d, "reloaded configuration", td_ms(5000)));
	ck_assert_int_eq(handshake_status(d, "/late/ws", own, &c), 101);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* Entries are checked when the file is read. */
START_TEST(test_base_paths_checked)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "chgrid/", "must start and end with /" },
		{ "/chgrid", "must start and end with /" },
		{ "/a//b/", "may not hold an empty segment" },
		{ "/a/../", "may not hold an empty segment or one starting with a dot" },
		{ "/.git/", "starting with a dot" },
		{ "/a b/", NULL },	/* two entries, both wrong */
		{ "/a?b/", "may hold only" },
	};
	char text[4096], *out;
	size_t i;
	int st;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "listen 127.0.0.1:1\nallow_insecure yes\nwww_root %s/www\n"
		    "web_base_paths %s\n", td_srcdir(), bad[i].value);
		out = NULL;
		st = td_run_check(text, &out);
		ck_assert_msg(st == 1, "web_base_paths %s: chatgridd -n exited %d: %s", bad[i].value, st, out);
		ck_assert_msg(strstr(out, "web_base_paths entry") != NULL &&
		    (bad[i].why == NULL || strstr(out, bad[i].why) != NULL), "web_base_paths %s: %s", bad[i].value, out);
		free(out);
	}
	snprintf(text, sizeof text, "listen 127.0.0.1:1\nallow_insecure yes\nwww_root %s/www\n"
	    "web_base_paths / /chgrid/ /a/b-c_d.e~f/\n", td_srcdir());
	out = NULL;
	st = td_run_check(text, &out);
	ck_assert_msg(st == 0, "valid web_base_paths refused: %s", out);
	free(out);
}
END_TEST

static Suite *
base_paths_suite(void)
{
	Suite *s = suite_create("base-paths");
	TCase *tc = tcase_create("base-paths");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ws_under_base);
	tcase_add_test(tc, test_session_endpoints_under_base);
	tcase_add_test(tc, test_unlisted_base_refused);
	tcase_add_test(tc, test_base_paths_reload);
	tcase_add_test(tc, test_base_paths_checked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(base_paths_suite());
}
