/*
 * test_auth_limits.c: failure rate limits (reference §3.4, with the
 * configurable window and limits and the proxy-aware address of §9 item 9),
 * the failure jitter, and a login storm at the default Argon2id costs that
 * must not stall the event loop.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tauth.h"

/* Rate-limit tests: generous address limit unless the test sets one, fast jitter. */
#define LIMIT_BASE "auth_jitter_min_ms 0\nauth_jitter_max_ms 5\n"

static void
login_ok(struct td *d, const char *user)
{
	struct tc_conn *c = ag_ws(d);
	json_object *o = ag_login(c, user, AG_PASSWORD);

	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
}

/* ---- rate limits ---- */

START_TEST(test_identity_limit)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_identity_limit 3\nauth_fail_window_s 2\n", 0);
	char user[33], other[33];
	struct tc_conn *c;
	json_object *o;
	int i;

	ag_uname(user, "ident");
	ag_uname(other, "ident");
	free(ag_new_account(d, user));
	free(ag_new_account(d, other));
	c = ag_ws(d);
	for (i = 0; i < 3; i++)
		ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	/* Blocked even with the right password; the check is not run. */
	o = ag_login(c, user, AG_PASSWORD);
	ag_expect(o, 0, AG_MSG_TOO_MANY);
	ck_assert_msg(json_object_object_get(o, "authPolicy") != NULL, "no authPolicy: %s",
	    json_object_to_json_string(o));
	json_object_put(o);
	/* The identity is the normalised username. */
	{
		char upper[33], sent[40];

		ag_upper(upper, sizeof upper, user);
		snprintf(sent, sizeof sent, "  %s ", upper);
		ag_expect_fail(ag_login(c, sent, AG_PASSWORD), AG_MSG_TOO_MANY);
	}
	/* Another username from the same address is not affected. */
	tc_close(c);
	login_ok(d, other);
	/* After the window the right password works. */
	tc_sleep_ms(2200);
	login_ok(d, user);
	it_stop(d);
}
END_TEST

/* Rejections while limited are not failures: the window is not prolonged. */
START_TEST(test_identity_limit_not_prolonged)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_identity_limit 2\nauth_fail_window_s 2\n", 0);
	char user[33];
	struct tc_conn *c;
	int64_t t0;

	ag_uname(user, "prolong");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	t0 = tc_now_ms();
	/* Keep hammering for 1.5 s: every answer is the limit. */
	while (tc_now_ms() - t0 < 1500) {
		ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_TOO_MANY);
		tc_sleep_ms(100);
	}
	tc_close(c);
	/* 2.2 s after the last real failure the limit is gone. */
	tc_sleep_ms(2200 - (int)(tc_now_ms() - t0));
	login_ok(d, user);
	it_stop(d);
}
END_TEST

START_TEST(test_success_clears_identity)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_identity_limit 3\nauth_fail_window_s 30\n", 0);
	char user[33];
	struct tc_conn *c;
	int round;

	ag_uname(user, "clears");
	free(ag_new_account(d, user));
	/* 2 failures, a success, 2 failures, a success...: never 3 in the bucket. */
	for (round = 0; round < 3; round++) {
		c = ag_ws(d);
		ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
		ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
		tc_close(c);
		login_ok(d, user);
	}
	/* Without a success in between the third failure blocks. */
	c = ag_ws(d);
	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(c, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_ip_limit)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_ip_limit 3\nauth_fail_identity_limit 100\n"
	    "auth_fail_window_s 2\n", 0);
	char user[33], n[3][33], fresh[33];
	struct tc_conn *c;
	int i;

	ag_uname(user, "ipreal");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	for (i = 0; i < 3; i++) {
		ag_uname(n[i], "ipghost");
		ag_expect_fail(ag_login(c, n[i], "wrong password"), AG_MSG_INVALID_LOGIN);
	}
	tc_close(c);
	/* Every identity from this address is blocked now, on any connection and flow. */
	c = ag_ws(d);
	ag_expect_fail(ag_login(c, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	ag_uname(fresh, "ipfresh");
	ag_expect_fail(ag_register(c, fresh, AG_PASSWORD, NULL), AG_MSG_TOO_MANY);
	ag_expect_fail(ag_resume(c, "whatever"), AG_MSG_TOO_MANY);
	tc_close(c);
	{
		char *v = ag_sql_value("SELECT count(*) FROM accounts WHERE username = '%s'", fresh);

		ck_assert_str_eq(v, "0");
		free(v);
	}
	tc_sleep_ms(2200);
	login_ok(d, user);
	it_stop(d);
}
END_TEST

/* Every failing flow counts: register policy errors and bad resumes too. */
START_TEST(test_all_failures_count)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_ip_limit 4\nauth_fail_identity_limit 100\n"
	    "auth_fail_window_s 30\n", 0);
	char user[33];
	struct tc_conn *c;

	ag_uname(user, "counts");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	ag_expect_fail(ag_register(c, "x", AG_PASSWORD, NULL), AG_MSG_USER_LEN);
	ag_expect_fail(ag_register(c, user, AG_PASSWORD, NULL), AG_MSG_TAKEN);
	ag_expect_fail(ag_resume(c, "   "), AG_MSG_MISSING_TOKEN);
	ag_expect_fail(ag_resume(c, "no-such-token"), AG_MSG_INVALID_SESSION);
	ag_expect_fail(ag_login(c, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* Cookie resumes at the handshake count as "resume" failures and are limited too. */
START_TEST(test_cookie_resume_limited)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_identity_limit 3\nauth_fail_window_s 30\n", 0);
	char user[33], hdr[160], rnd[65], *tok;
	struct tc_conn *c;
	json_object *o;
	int i;

	ag_uname(user, "cookielim");
	tok = ag_new_account(d, user);
	for (i = 0; i < 3; i++) {
		ag_random_token(rnd);
		snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", rnd);
		c = ag_ws_raw(d, hdr);
		ag_expect_fail(ag_next(c), AG_MSG_INVALID_SESSION);
		o = ag_next(c);
		ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
		json_object_put(o);
		tc_close(c);
	}
	/* Now even the good cookie is refused, then auth_required follows. */
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok);
	c = ag_ws_raw(d, hdr);
	ag_expect_fail(ag_next(c), AG_MSG_TOO_MANY);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	json_object_put(o);
	/* A password login (another identity) still works on that connection. */
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_forwarded_for)
{
	struct td *d = ag_start(LIMIT_BASE "trusted_proxies 127.0.0.1\nauth_fail_ip_limit 2\n"
	    "auth_fail_identity_limit 100\nauth_fail_window_s 30\n", 0);
	char user[33], ghost[33];
	struct tc_conn *a, *b, *c;

	ag_uname(user, "xff");
	ag_uname(ghost, "xffghost");
	free(ag_new_account(d, user));
	a = ag_ws_from(d, "203.0.113.7");
	ag_expect_fail(ag_login(a, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(a, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(a, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	/* The same forwarded address on another connection is the same client. */
	b = ag_ws_from(d, "203.0.113.7");
	ag_expect_fail(ag_login(b, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(b);
	/* The right-most address that is not a trusted proxy counts. */
	b = ag_ws_from(d, "198.51.100.1, 203.0.113.7, 127.0.0.1");
	ag_expect_fail(ag_login(b, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(b);
	/* Another forwarded address is not limited. */
	c = ag_ws_from(d, "203.0.113.8");
	ag_expect_fail(ag_login(c, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	{
		json_object *o = ag_login(c, user, AG_PASSWORD);

		free(ag_expect_ok(o, user));
		json_object_put(o);
	}
	tc_close(c);
	/* Nor is the proxy itself (no header). */
	login_ok(d, user);
	/* A spoofed left-hand entry does not escape the limit. */
	b = ag_ws_from(d, "192.0.2.55, 203.0.113.7");
	ag_expect_fail(ag_login(b, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(b);
	tc_close(a);
	it_stop(d);
}
END_TEST

/* Without trusted_proxies the header is ignored: everyone is 127.0.0.1. */
START_TEST(test_forwarded_for_untrusted)
{
	struct td *d = ag_start(LIMIT_BASE "auth_fail_ip_limit 2\nauth_fail_identity_limit 100\n"
	    "auth_fail_window_s 30\n", 0);
	char user[33], ghost[33];
	struct tc_conn *a, *b;

	ag_uname(user, "xffno");
	ag_uname(ghost, "xffnoghost");
	free(ag_new_account(d, user));
	a = ag_ws_from(d, "203.0.113.7");
	ag_expect_fail(ag_login(a, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(a, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	b = ag_ws_from(d, "203.0.113.8");
	ag_expect_fail(ag_login(b, user, AG_PASSWORD), AG_MSG_TOO_MANY);
	tc_close(a);
	tc_close(b);
	it_stop(d);
}
END_TEST

/*
 * Limits above 64 must hold as configured. ratelimit.c keeps the last 64
 * failure times per key (RING) and caps every limit at 64, so a configured
 * auth_fail_ip_limit of 100 blocks at the 65th failure.
 */
START_TEST(test_limit_above_64)
{
	struct td *d = ag_start("auth_jitter_min_ms 0\nauth_jitter_max_ms 0\n"
	    "auth_fail_ip_limit 100\nauth_fail_identity_limit 100000\nauth_fail_window_s 300\n"
	    "msg_rate 1000\nmsg_burst 1000\n", 0);
	struct tc_conn *c = ag_ws(d);
	char ghost[33];
	json_object *o;
	int i;

	for (i = 1; i <= 99; i++) {
		ag_uname(ghost, "ghost");
		o = ag_login(c, ghost, "wrong password");
		ck_assert_msg(strcmp(tc_json_str(o, "message"), AG_MSG_INVALID_LOGIN) == 0,
		    "failure %d of an address limit of 100 answered \"%s\"", i,
		    tc_json_str(o, "message"));
		json_object_put(o);
	}
	ag_uname(ghost, "ghost");
	ag_expect_fail(ag_login(c, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
	/* The 101st attempt is the first refused. */
	ag_uname(ghost, "ghost");
	ag_expect_fail(ag_login(c, ghost, "wrong password"), AG_MSG_TOO_MANY);
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * More logins than the hashing queue holds: the overflow is refused at
 * once as busy, with when to try again (not a server error, not a
 * credential verdict), the rest succeed, and nothing hangs.
 */
START_TEST(test_hash_queue_full)
{
	struct td *d = ag_start("argon2_memory_kib 16384\nargon2_time_cost 2\nauth_workers 1\n"
	    "auth_queue 1\n", 0);
	static const char busy_prefix[] = "Server busy. Try again in ";
	struct tc_conn *c[10];
	char users[10][33];
	int i, ok = 0, busy = 0;
	int64_t retry;
	json_object *o;
	const char *m;

	for (i = 0; i < 10; i++) {
		ag_uname(users[i], "queue");
		free(ag_new_account(d, users[i]));
	}
	for (i = 0; i < 10; i++)
		c[i] = ag_ws(d);
	for (i = 0; i < 10; i++)
		ag_send(c[i], ag_msg("auth_login", "username", users[i], "password", AG_PASSWORD,
		    NULL));
	for (i = 0; i < 10; i++) {
		o = ag_result(c[i]);
		if (json_object_get_boolean(json_object_object_get(o, "ok"))) {
			free(ag_expect_ok(o, users[i]));
			ok++;
		} else {
			m = tc_json_str(o, "message");
			ck_assert_msg(m != NULL && strncmp(m, busy_prefix, sizeof busy_prefix - 1) == 0 &&
			    tc_json_int(o, "retryAfterS", &retry) == 0 && retry >= 1,
			    "want a busy answer with retryAfterS, got %s", json_object_to_json_string(o));
			busy++;
		}
		json_object_put(o);
	}
	/*
	 * One worker and a queue of one: at least one login gets through and some
	 * are refused. How many get through depends on when each account lookup
	 * returns (under a sanitizer, often one at a time), so no more is asked.
	 */
	ck_assert_msg(ok >= 1 && busy >= 1, "%d logins succeeded, %d refused as busy", ok, busy);
	/* Refusals were not failures of the users: they log in right after. */
	for (i = 0; i < 10; i++)
		tc_close(c[i]);
	login_ok(d, users[9]);
	it_stop(d);
}
END_TEST

/*
 * Reference §3.2: an unknown username is verified against a dummy hash, so
 * it costs about what a wrong password for a real account costs.
 */
START_TEST(test_unknown_user_timing)
{
	struct td *d = ag_start("argon2_memory_kib 32768\nargon2_time_cost 2\n"
	    "auth_jitter_min_ms 0\nauth_jitter_max_ms 0\n", 0);
	int64_t known = INT64_MAX, unknown = INT64_MAX, t;
	char user[33], ghost[33];
	struct tc_conn *c;
	int i;

	ag_uname(user, "timing");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	/* Interleaved, the smallest of five each: a busy spell slows both kinds alike. */
	for (i = 0; i < 5; i++) {
		t = tc_now_ms();
		ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
		t = tc_now_ms() - t;
		known = t < known ? t : known;
		ag_uname(ghost, "timingghost");
		t = tc_now_ms();
		ag_expect_fail(ag_login(c, ghost, "wrong password"), AG_MSG_INVALID_LOGIN);
		t = tc_now_ms() - t;
		unknown = t < unknown ? t : unknown;
	}
	fprintf(stderr, "# wrong password %" PRId64 " ms, unknown user %" PRId64 " ms\n", known,
	    unknown);
	ck_assert_msg(known >= 20, "a 32 MiB verify took only %" PRId64 " ms", known);
	/* Without the dummy an unknown user costs no hash at all: well under a third. */
	ck_assert_msg(unknown * 3 >= known, "unknown user answered in %" PRId64 " ms, a wrong "
	    "password in %" PRId64 " ms: the user's existence shows", unknown, known);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- jitter ---- */

/* Milliseconds from sending m to its auth_result, which must be a failure with message. */
static int64_t
timed_fail(struct tc_conn *c, json_object *m, const char *message)
{
	int64_t t0 = tc_now_ms();

	ag_send(c, m);
	ag_expect_fail(ag_result(c), message);
	return tc_now_ms() - t0;
}

START_TEST(test_jitter)
{
	struct td *d = ag_start("auth_jitter_min_ms 100\nauth_jitter_max_ms 150\n"
	    "auth_fail_identity_limit 4\nauth_fail_window_s 60\n", 0);
	char user[33], ghost[33], rnd[65];
	struct tc_conn *c;
	int64_t ms, t0;
	json_object *o;
	int i;

	ag_uname(user, "jitter");
	ag_uname(ghost, "jitterghost");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	ag_random_token(rnd);
	struct {
		json_object *m;
		const char *want;
	} cases[] = {
		{ ag_msg("auth_login", "username", user, "password", "wrong password", NULL),
		    AG_MSG_INVALID_LOGIN },
		{ ag_msg("auth_login", "username", ghost, "password", "wrong password", NULL),
		    AG_MSG_INVALID_LOGIN },
		{ ag_msg("auth_register", "username", "x", "password", AG_PASSWORD, NULL),
		    AG_MSG_USER_LEN },
		{ ag_msg("auth_register", "username", user, "password", AG_PASSWORD, NULL),
		    AG_MSG_TAKEN },
		{ ag_msg("auth_resume", "sessionToken", "   ", NULL), AG_MSG_MISSING_TOKEN },
		{ ag_msg("auth_resume", "sessionToken", rnd, NULL), AG_MSG_INVALID_SESSION },
	};
	for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
		ms = timed_fail(c, cases[i].m, cases[i].want);
		ck_assert_msg(ms >= 90, "\"%s\" answered after %" PRId64 " ms, want >= 90",
		    cases[i].want, ms);
		ck_assert_msg(ms < 2000, "\"%s\" answered after %" PRId64 " ms", cases[i].want, ms);
	}
	/* The rate-limit answer is delayed too: "user" has 2 failures, the limit is 4. */
	for (i = 0; i < 2; i++)
		(void)timed_fail(c, ag_msg("auth_login", "username", user, "password", "nope nope",
		    NULL), AG_MSG_INVALID_LOGIN);
	ms = timed_fail(c, ag_msg("auth_login", "username", user, "password", AG_PASSWORD, NULL),
	    AG_MSG_TOO_MANY);
	ck_assert_msg(ms >= 90, "the rate-limit answer came after %" PRId64 " ms, want >= 90", ms);
	tc_close(c);
	/* A success is not delayed by the jitter. */
	c = ag_ws(d);
	ag_uname(user, "jitterok");
	t0 = tc_now_ms();
	o = ag_register(c, user, AG_PASSWORD, NULL);
	ms = tc_now_ms() - t0;
	free(ag_expect_ok(o, user));
	json_object_put(o);
	ck_assert_msg(ms < 2000, "registration took %" PRId64 " ms", ms);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- login storm ---- */

#define STORM_N 50
#define STORM_PING_EVERY_MS 50
#define STORM_PING_MAX_MS 500
/*
 * How long the storm may go without a single login being answered, in
 * multiples of one full-cost hash as measured on this machine just before
 * the storm (with two workers, logins finish about two per hash time), and
 * at least this many milliseconds. A busy machine makes every hash slower,
 * the measured one included, so the bound follows the machine; a login that
 * is lost stalls the storm for good and is caught.
 */
#define STORM_STALL_HASHES 20
#define STORM_STALL_MIN_MS 10000

/*
 * Log in users[i] on conns[i] all at once while pinger (logged in as
 * another account) pings every 50 ms. Every ping must be answered within
 * 500 ms (stretched by td_ms on a busy machine), some of them while logins are still pending, and every login must
 * succeed, with no stall longer than STORM_STALL_HASHES times hash_ms, the
 * measured cost of one login at these hash costs.
 */
static void
storm(struct td *d, struct tc_conn *pinger, char users[][33], int64_t hash_ms)
{
	struct tc_conn *conns[STORM_N];
	int done[STORM_N], ok = 0, pending = STORM_N, i, npings = 0, ping_max_ms;
	int64_t t_start, t_send, rtt, max_rtt = 0, first_pong = 0, last_login = 0, seq = 0, v,
	    next_ping, last_progress, stall_ms;
	json_object *o;

	/* The loop answers at once unless the machine itself is busy elsewhere. */
	ping_max_ms = td_ms(STORM_PING_MAX_MS);
	stall_ms = hash_ms * STORM_STALL_HASHES;
	if (stall_ms < STORM_STALL_MIN_MS)
		stall_ms = STORM_STALL_MIN_MS;
	for (i = 0; i < STORM_N; i++) {
		conns[i] = ag_ws(d);
		done[i] = 0;
	}
	t_start = last_progress = tc_now_ms();
	for (i = 0; i < STORM_N; i++)
		ag_send(conns[i], ag_msg("auth_login", "username", users[i], "password",
		    AG_PASSWORD, NULL));
	next_ping = tc_now_ms();
	while (pending > 0) {
		ck_assert_msg(tc_now_ms() - last_progress < stall_ms,
		    "%d of %d logins still pending, none answered for %" PRId64 " ms (one login "
		    "took %" PRId64 " ms before the storm)%s", pending, STORM_N, stall_ms, hash_ms,
		    td_health());
		if (tc_now_ms() >= next_ping) {
			t_send = tc_now_ms();
			ck_assert_int_eq(tc_ws_sendf(pinger, "{\"type\":\"ping\",\"clientSentAt\":%"
			    PRId64 "}", ++seq), TC_OK);
			o = tc_ws_expect(pinger, "pong", ping_max_ms + 1000);
			rtt = tc_now_ms() - t_send;
			ck_assert_msg(o != NULL, "ping %" PRId64 " unanswered after %" PRId64
			    " ms with %d logins pending: %s%s", seq, rtt, pending, tc_error(pinger),
			    td_health());
			ck_assert(tc_json_int(o, "clientSentAt", &v) == 0 && v == seq);
			json_object_put(o);
			ck_assert_msg(rtt <= ping_max_ms, "ping %" PRId64 " answered after %"
			    PRId64 " ms with %d logins pending (bound %d ms)", seq, rtt, pending,
			    ping_max_ms);
			if (rtt > max_rtt)
				max_rtt = rtt;
			npings++;
			if (first_pong == 0)
				first_pong = tc_now_ms();
			next_ping = t_send + STORM_PING_EVERY_MS;
		}
		for (i = 0; i < STORM_N; i++) {
			struct tc_ws_msg m;
			const char *t;
			int r;

			if (done[i])
				continue;
			/* Pings are answered as they come; a login waiting for its hash is alive. */
			r = tc_ws_recv(conns[i], &m, 0);
			if (r == TC_TIMEOUT)
				continue;
			ck_assert_msg(r == TC_OK, "login connection %d ended before its auth_result, "
			    "%" PRId64 " ms into the storm: %s%s", i, tc_now_ms() - t_start,
			    tc_error(conns[i]), td_health());
			ck_assert_msg(m.opcode != TC_WS_CLOSE, "login connection %d closed (%d %s) "
			    "before its auth_result, %" PRId64 " ms into the storm%s", i, m.close_code,
			    m.close_reason != NULL ? m.close_reason : "", tc_now_ms() - t_start,
			    td_health());
			o = m.opcode == TC_WS_TEXT ? json_tokener_parse(m.data) : NULL;
			tc_ws_msg_free(&m);
			if (o == NULL)
				continue;
			t = tc_json_str(o, "type");
			if (t != NULL && strcmp(t, "auth_result") == 0) {
				ag_expect(o, 1, AG_MSG_AUTHED);
				done[i] = 1;
				ok++;
				pending--;
				last_login = last_progress = tc_now_ms();
			}
			json_object_put(o);
		}
		if (tc_now_ms() < next_ping)
			tc_sleep_ms(2);
	}
	fprintf(stderr, "# storm: %d logins in %" PRId64 " ms (one took %" PRId64 " ms before); "
	    "%d pings, max %" PRId64 " ms\n", ok, last_login - t_start, hash_ms, npings, max_rtt);
	ck_assert_int_eq(ok, STORM_N);
	/* The loop answered pings while hashing went on: the logins did not finish first. */
	ck_assert_msg(npings >= 3 && last_login > first_pong,
	    "only %d pings answered while logins were pending (last login at +%" PRId64 " ms)",
	    npings, last_login - t_start);
	/* The daemon is still fine afterwards. */
	ta_ws_ping(pinger, -2);
	ck_assert_msg(td_alive(d), "chatgridd died after the storm%s", td_health());
	for (i = 0; i < STORM_N; i++)
		tc_close(conns[i]);
}

/*
 * A client that stays logged in (its own account) and pings. Its
 * registration, one hash at the daemon's costs, is timed into *hash_ms.
 */
static struct tc_conn *
storm_pinger(struct td *d, int64_t *hash_ms)
{
	struct tc_conn *c = ag_ws(d);
	char user[33];
	json_object *o;
	int64_t t0;

	ag_uname(user, "pinger");
	t0 = tc_now_ms();
	o = ag_register(c, user, AG_PASSWORD, NULL);
	*hash_ms = tc_now_ms() - t0;
	free(ag_expect_ok(o, user));
	json_object_put(o);
	ta_ws_ping(c, -1);
	return c;
}

/*
 * The daemon's default Argon2id costs, stated explicitly; pings every
 * second, so a login that waits for its hash longer than two seconds must
 * answer them (issue 13: waiting logins were dropped as half-open).
 */
/*
 * The storm's daemon: the default Argon2id costs on two workers, and a ping
 * to every connection silent for a second, so that a login waiting for its
 * hash is kept alive by its pongs. The pong timeout outlasts the longest the
 * test's loop may wait for the pinger's pong (ping_max_ms and a second more,
 * stretched on a busy machine) without reading the other connections: a
 * pong that is late then is the test's, not a dead connection's.
 */
static const char *
storm_config(void)
{
	static char buf[256];

	snprintf(buf, sizeof buf, "argon2_memory_kib 65536\nargon2_time_cost 3\nauth_workers 2\n"
	    "ws_ping_interval_ms 1000\nws_pong_timeout_ms %d\n", 2 * td_ms(STORM_PING_MAX_MS) + 3000);
	return buf;
}

/* The brief's storm: one account, 50 simultaneous logins. */
START_TEST(test_login_storm)
{
	struct td *d = ag_start_plain(storm_config(), 0);
	char users[STORM_N][33];
	struct tc_conn *pinger;
	int64_t hash_ms;
	int i;

	ag_uname(users[0], "storm");
	free(ag_new_account(d, users[0]));
	for (i = 1; i < STORM_N; i++)
		memcpy(users[i], users[0], sizeof users[0]);
	pinger = storm_pinger(d, &hash_ms);
	storm(d, pinger, users, hash_ms);
	tc_close(pinger);
	it_stop(d);
}
END_TEST

/*
 * The same load with 50 accounts, so that no login displaces another
 * connection of its account. They are registered with cheap hashes, so
 * each login verifies cheaply and then re-hashes at the default costs
 * (reference §3.2): one full-cost Argon2id per login.
 */
START_TEST(test_login_storm_distinct)
{
	char users[STORM_N][33], *v;
	struct tc_conn *pinger;
	int64_t hash_ms;
	struct td *d;
	int i;

	d = ag_start(NULL, 0);
	for (i = 0; i < STORM_N; i++) {
		ag_uname(users[i], "stormd");
		free(ag_new_account(d, users[i]));
	}
	it_stop(d);
	d = ag_start_plain(storm_config(), 0);
	pinger = storm_pinger(d, &hash_ms);
	storm(d, pinger, users, hash_ms);
	tc_close(pinger);
	it_stop(d);
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username LIKE 'stormd\\_%d\\_%%' "
	    "AND password_hash LIKE '$argon2id$v=19$m=65536,t=3,p=1$%%'", (int)getpid());
	ck_assert_msg(v != NULL && atoi(v) == STORM_N,
	    "%s of %d password hashes upgraded to the default costs", v ? v : "(null)", STORM_N);
	free(v);
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite *s = suite_create("auth-limits");
	TCase *tc = tcase_create("ratelimit");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_identity_limit);
	tcase_add_test(tc, test_identity_limit_not_prolonged);
	tcase_add_test(tc, test_success_clears_identity);
	tcase_add_test(tc, test_ip_limit);
	tcase_add_test(tc, test_all_failures_count);
	tcase_add_test(tc, test_cookie_resume_limited);
	tcase_add_test(tc, test_forwarded_for);
	tcase_add_test(tc, test_forwarded_for_untrusted);
	tcase_add_test(tc, test_limit_above_64);
	suite_add_tcase(s, tc);

	tc = tcase_create("timing");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jitter);
	tcase_add_test(tc, test_unknown_user_timing);
	tcase_add_test(tc, test_hash_queue_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("storm");
	/* Only a backstop against a hang: the storm bounds itself by its measured cost. */
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_login_storm);
	tcase_add_test(tc, test_login_storm_distinct);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(limits_suite());
}
