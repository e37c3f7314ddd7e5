/*
 * test_auth_flood.c: admission to password hashing (issue 13 item 3, issue
 * 19 items 1 and 5): registrations per address, hash jobs in line per
 * address, a registration flood while a real user logs in, work for
 * clients that have gone, "busy" answers, auth_queued and pings while a
 * connection waits for its hash, and the dummy hash after a reload.
 *
 * Time bounds are multiples of one hash as measured by the test on this
 * machine just before, never fixed wall-clock budgets.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tauth.h"

#define MSG_REGISTER_LIMIT "Too many registrations from your address. Try again later."
#define MSG_ADDRESS_BUSY "Too many sign-ins in progress from your address. Try again in "
#define MSG_BUSY "Server busy. Try again in "

/* The daemon's default Argon2id costs, stated explicitly. */
#define FULL_COST "argon2_memory_kib 65536\nargon2_time_cost 3\n"

/* Register user from xff; the auth_result (caller frees). */
static json_object *
register_from(struct td *d, const char *xff, const char *user)
{
	struct tc_conn *c = ag_ws_from(d, xff);
	json_object *o = ag_register(c, user, AG_PASSWORD, NULL);

	tc_close(c);
	return o;
}

/* Does s start with prefix, followed by a number of seconds and " s."? */
static int
is_retry_message(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long v;

	if (s == NULL || strncmp(s, prefix, n) != 0)
		return 0;
	v = strtol(s + n, &end, 10);
	return v >= 1 && strcmp(end, " s.") == 0;
}

/* A busy refusal: the message, and retryAfterS equal to its number of seconds. */
static void
expect_busy(json_object *o, const char *prefix)
{
	const char *m = tc_json_str(o, "message");
	int64_t retry = 0;

	ck_assert_msg(!json_object_get_boolean(json_object_object_get(o, "ok")) &&
	    is_retry_message(m, prefix), "want \"%sN s.\", got %s", prefix,
	    json_object_to_json_string(o));
	ck_assert_msg(tc_json_int(o, "retryAfterS", &retry) == 0 && retry == strtol(m + strlen(prefix),
	    NULL, 10), "retryAfterS does not match the message: %s", json_object_to_json_string(o));
}

/*
 * Milliseconds one registration takes now (one hash and two queries): the
 * smaller of two, since the first pays for warming the daemon up. user is
 * registered; a second account is made from its name.
 */
static int64_t
measure_hash(struct td *d, const char *user)
{
	char other[40];
	int64_t t0 = tc_now_ms(), a, b;

	free(ag_new_account(d, user));
	a = tc_now_ms() - t0;
	snprintf(other, sizeof other, "%.30s_m", user);
	t0 = tc_now_ms();
	free(ag_new_account(d, other));
	b = tc_now_ms() - t0;
	return a < b ? a : b;
}

/* /healthz "passwordHashes": jobs in the hashing line. */
static int64_t
hashes_in_line(struct td *d)
{
	struct tc_http_resp r;
	json_object *o;
	int64_t v = -1;

	ag_get(d, "/healthz", NULL, &r);
	o = r.body != NULL ? json_tokener_parse(r.body) : NULL;
	ck_assert_msg(o != NULL && tc_json_int(o, "passwordHashes", &v) == 0,
	    "/healthz without passwordHashes: %s", r.body != NULL ? r.body : "(none)");
	json_object_put(o);
	tc_http_resp_free(&r);
	return v;
}

/* ---- registrations per address ---- */

/* Successful registrations count: the fourth from one address is refused, unhashed. */
START_TEST(test_register_limit)
{
	struct td *d = ag_start("trusted_proxies 127.0.0.1\nauth_register_ip_limit 3\n"
	    "auth_register_window_s 2\n", 0);
	char users[5][33];
	struct tc_conn *c;
	json_object *o;
	char *v;
	int i;

	for (i = 0; i < 5; i++)
		ag_uname(users[i], "reglim");
	for (i = 0; i < 3; i++) {
		o = register_from(d, "203.0.113.7", users[i]);
		free(ag_expect_ok(o, users[i]));
		json_object_put(o);
	}
	ag_expect_fail(register_from(d, "203.0.113.7", users[3]), MSG_REGISTER_LIMIT);
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username = '%s'", users[3]);
	ck_assert_str_eq(v, "0");
	free(v);
	ck_assert_msg(td_log_contains(d, "registrations from this address"),
	    "no log line for the refused registration");
	/* Another address is not affected, and logins from the limited one still work. */
	o = register_from(d, "203.0.113.8", users[4]);
	free(ag_expect_ok(o, users[4]));
	json_object_put(o);
	c = ag_ws_from(d, "203.0.113.7");
	o = ag_login(c, users[0], AG_PASSWORD);
	free(ag_expect_ok(o, users[0]));
	json_object_put(o);
	tc_close(c);
	/* Not a failure either: the address's failure window is untouched. */
	c = ag_ws_from(d, "203.0.113.7");
	ag_expect_fail(ag_login(c, users[1], "wrong password"), AG_MSG_INVALID_LOGIN);
	tc_close(c);
	/* After the window the address may register again. */
	tc_sleep_ms(2300);
	o = register_from(d, "203.0.113.7", users[3]);
	free(ag_expect_ok(o, users[3]));
	json_object_put(o);
	it_stop(d);
}
END_TEST

/* An IPv6 address is limited by its /64: one machine can use every address in it. */
START_TEST(test_register_limit_ipv6)
{
	struct td *d = ag_start("trusted_proxies 127.0.0.1\nauth_register_ip_limit 3\n"
	    "auth_register_window_s 600\n", 0);
	static const char *same[] = { "2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3" };
	char user[33];
	json_object *o;
	int i;

	for (i = 0; i < 3; i++) {
		ag_uname(user, "reg6");
		o = register_from(d, same[i], user);
		free(ag_expect_ok(o, user));
		json_object_put(o);
	}
	ag_uname(user, "reg6");
	ag_expect_fail(register_from(d, "2001:db8:1:2:abcd::9", user), MSG_REGISTER_LIMIT);
	/* The next /64, and an IPv4 address, are others. */
	o = register_from(d, "2001:db8:1:3::1", user);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	ag_uname(user, "reg6");
	o = register_from(d, "203.0.113.9", user);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	it_stop(d);
}
END_TEST

/* ---- the flood ---- */

#define FLOOD_N 300
#define FLOOD_IP_HASHES 4
#define FLOOD_REGISTRATIONS 10
/*
 * The real user's login waits for at most FLOOD_IP_HASHES flood hashes
 * (two at a time) and its own: three hash times. The bound allows four
 * times that, for a machine the flood itself makes busier.
 */
#define FLOOD_LOGIN_HASHES 12

/*
 * Issue 13 item 3: 300 connections from one address send auth_register at
 * once; a real user's login right after succeeds within a few hash times;
 * no flooder is told "server error"; at most auth_hash_ip_limit of the
 * flood is hashed at a time and at most auth_register_ip_limit accounts
 * come of it, successful registrations counted.
 */
START_TEST(test_register_flood)
{
	struct td *d = ag_start("trusted_proxies 127.0.0.1\n" FULL_COST "auth_workers 2\n"
	    "auth_hash_ip_limit 4\nauth_register_ip_limit 10\nauth_register_window_s 3600\n"
	    "msg_rate 1000\nmsg_burst 1000\n", 0);
	static struct tc_conn *flood[FLOOD_N];
	static int answered[FLOOD_N];
	char user[33], name[64], prefix[40], *v;
	int64_t hash_ms, t0, login_ms, bound, deadline;
	int i, pending, ok = 0, busy = 0, limited = 0, more;
	struct tc_conn *c;
	json_object *o;

	ag_uname(user, "floodreal");
	hash_ms = measure_hash(d, user);
	snprintf(prefix, sizeof prefix, "fl%d_", (int)getpid());
	for (i = 0; i < FLOOD_N; i++) {
		flood[i] = ag_ws_from(d, "203.0.113.7");
		answered[i] = 0;
	}
	for (i = 0; i < FLOOD_N; i++) {
		snprintf(name, sizeof name, "%s%d", prefix, i);
		ag_send(flood[i], ag_msg("auth_register", "username", name, "password",
		    AG_PASSWORD, NULL));
	}

	/* The real user, from the proxy's own address, while the flood is in line. */
	bound = hash_ms * FLOOD_LOGIN_HASHES + td_ms(1000);
	c = ag_ws(d);
	t0 = tc_now_ms();
	ag_send(c, ag_msg("auth_login", "username", user, "password", AG_PASSWORD, NULL));
	o = tc_ws_expect(c, "auth_result", (int)bound + td_ms(5000));
	login_ms = tc_now_ms() - t0;
	ck_assert_msg(o != NULL, "no auth_result for the real user: %s%s", tc_error(c), td_health());
	free(ag_expect_ok(o, user));
	json_object_put(o);
	fprintf(stderr, "# flood: one hash %" PRId64 " ms; the real login took %" PRId64
	    " ms (bound %" PRId64 ")\n", hash_ms, login_ms, bound);
	ck_assert_msg(login_ms <= bound, "the real user's login took %" PRId64 " ms during the "
	    "flood; one hash takes %" PRId64 " ms (bound %" PRId64 " ms)", login_ms, hash_ms,
	    bound);
	tc_close(c);

	/* Every flooder is answered, and never with a server error. */
	pending = FLOOD_N;
	deadline = tc_now_ms() + hash_ms * (FLOOD_IP_HASHES + FLOOD_REGISTRATIONS) + td_ms(10000);
	while (pending > 0) {
		ck_assert_msg(tc_now_ms() < deadline, "%d of %d flood registrations unanswered%s",
		    pending, FLOOD_N, td_health());
		more = 0;
		for (i = 0; i < FLOOD_N; i++) {
			if (answered[i])
				continue;
			o = tc_ws_expect(flood[i], "auth_result", 0);
			if (o == NULL)
				continue;
			more = 1;
			answered[i] = 1;
			pending--;
			if (json_object_get_boolean(json_object_object_get(o, "ok")))
				ok++;
			else if (strcmp(tc_json_str(o, "message"), MSG_REGISTER_LIMIT) == 0)
				limited++;
			else {
				expect_busy(o, MSG_ADDRESS_BUSY);
				busy++;
			}
			json_object_put(o);
		}
		if (!more)
			tc_sleep_ms(5);
	}
	fprintf(stderr, "# flood: %d registered, %d refused as busy, %d over the registration "
	    "limit\n", ok, busy, limited);
	ck_assert_msg(ok >= 1 && ok <= FLOOD_REGISTRATIONS, "%d flood registrations succeeded", ok);
	/* Sent at once, most find the address's places taken (the rest, its registrations spent). */
	ck_assert_msg(busy >= 1, "no flood registration was refused as busy (%d over the "
	    "registration limit)", limited);
	for (i = 0; i < FLOOD_N; i++)
		tc_close(flood[i]);

	/* One at a time, the flooder gets exactly up to the limit: successes counted. */
	for (i = 0; ok + i < FLOOD_REGISTRATIONS + 1; i++) {
		snprintf(name, sizeof name, "%sx%d", prefix, i);
		o = register_from(d, "203.0.113.7", name);
		if (ok + i < FLOOD_REGISTRATIONS)
			free(ag_expect_ok(o, name));
		else
			ag_expect(o, 0, MSG_REGISTER_LIMIT);
		json_object_put(o);
	}
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username LIKE '%s%%'", prefix);
	ck_assert_msg(v != NULL && atoi(v) == FLOOD_REGISTRATIONS,
	    "%s accounts made by the flooder, want %d", v != NULL ? v : "(null)",
	    FLOOD_REGISTRATIONS);
	free(v);
	ck_assert_msg(!td_log_contains(d, "server error"), "a \"server error\" was logged");
	it_stop(d);
}
END_TEST

/* ---- clients that have gone ---- */

#define GONE_N 30

/*
 * The answer to a registration that may have to wait: 1 when the client is
 * told it is in line, 0 when its auth_result comes first (it was hashed at
 * once), -1 for neither.
 */
static int
queued_or_result(struct tc_conn *c, int64_t hash_ms)
{
	int64_t end = tc_now_ms() + 2 * hash_ms + td_ms(5000);
	json_object *o;
	const char *type;
	int r = -1;

	while (r < 0 && tc_now_ms() < end) {
		o = tc_ws_recv_json(c, (int)(end - tc_now_ms()));
		if (o == NULL)
			break;
		type = json_object_get_string(json_object_object_get(o, "type"));
		if (type != NULL && strcmp(type, "auth_queued") == 0)
			r = 1;
		else if (type != NULL && strcmp(type, "auth_result") == 0)
			r = 0;
		json_object_put(o);
	}
	return r;
}
/* The real login waits for the hash running when the flooders left, then its own. */
#define GONE_LOGIN_HASHES 6

START_TEST(test_gone_clients_dropped)
{
	struct td *d = ag_start(FULL_COST "auth_workers 1\n", 0);
	struct tc_conn *c[GONE_N], *real;
	char user[33], name[40];
	int64_t hash_ms, t0, ms, bound, n;
	json_object *o;
	int i;

	ag_uname(user, "gonereal");
	hash_ms = measure_hash(d, user);
	for (i = 0; i < GONE_N; i++)
		c[i] = ag_ws(d);
	for (i = 0; i < GONE_N; i++) {
		snprintf(name, sizeof name, "gone%d_%d", (int)getpid(), i);
		ag_send(c[i], ag_msg("auth_register", "username", name, "password", AG_PASSWORD,
		    NULL));
	}
	/*
	 * Every registration is answered, in line (auth_queued) or already
	 * hashed: the server reads the thirty connections in no fixed order, so
	 * any of them, the last included, may be the one hashed first.
	 */
	for (i = 0, n = 0; i < GONE_N; i++) {
		int queued = queued_or_result(c[i], hash_ms);

		ck_assert_msg(queued >= 0, "registration %d of %d: neither auth_queued nor "
		    "auth_result: %s", i, GONE_N, tc_error(c[i]));
		n += queued;
	}
	ck_assert_msg(n >= GONE_N / 2, "only %" PRId64 " of %d registrations were told they "
	    "wait in line", n, GONE_N);
	/* Most still wait (one thread, each a full hash), however slowly the loop went. */
	n = hashes_in_line(d);
	ck_assert_msg(n >= GONE_N / 2, "only %" PRId64 " of %d hashes in line", n, GONE_N);
	for (i = 0; i < GONE_N; i++)
		tc_close(c[i]);

	/* Their hashes are dropped: a real login waits for about one, not thirty. */
	bound = hash_ms * GONE_LOGIN_HASHES + td_ms(1000);
	real = ag_ws(d);
	t0 = tc_now_ms();
	ag_send(real, ag_msg("auth_login", "username", user, "password", AG_PASSWORD, NULL));
	o = tc_ws_expect(real, "auth_result", (int)(hash_ms * (GONE_N + 5)) + td_ms(5000));
	ms = tc_now_ms() - t0;
	ck_assert_msg(o != NULL, "no auth_result: %s%s", tc_error(real), td_health());
	free(ag_expect_ok(o, user));
	json_object_put(o);
	fprintf(stderr, "# gone: one hash %" PRId64 " ms; the login after %d clients left took %"
	    PRId64 " ms (bound %" PRId64 ")\n", hash_ms, GONE_N, ms, bound);
	ck_assert_msg(ms <= bound, "a login took %" PRId64 " ms after %d waiting clients left; one "
	    "hash takes %" PRId64 " ms: their hashes ran anyway", ms, GONE_N, hash_ms);
	tc_close(real);
	n = hashes_in_line(d);
	ck_assert_msg(n == 0, "%" PRId64 " hashes still in line after everyone left", n);
	{
		char *v = ag_sql_value("SELECT count(*) FROM accounts WHERE username LIKE "
		    "'gone%d\\_%%'", (int)getpid());

		ck_assert_msg(v != NULL && atoi(v) <= 2, "%s accounts of gone clients were made",
		    v != NULL ? v : "(null)");
		free(v);
	}
	it_stop(d);
}
END_TEST

/* ---- busy ---- */

/*
 * The whole queue full (one worker, a queue of two; the per-address limit
 * lifted): the overflow is told "Server busy. Try again in N s." with
 * retryAfterS, never a server error; the accepted ones succeed; a refusal
 * is nobody's failure, so the address is not locked out afterwards.
 */
START_TEST(test_queue_full_busy)
{
	struct td *d = ag_start("trusted_proxies 127.0.0.1\nargon2_memory_kib 16384\n"
	    "argon2_time_cost 2\nauth_workers 1\nauth_queue 2\nauth_fail_ip_limit 2\n", 0);
	struct tc_conn *c[12];
	char name[40];
	int i, ok = 0, busy = 0;
	json_object *o;

	for (i = 0; i < 12; i++)
		c[i] = ag_ws_from(d, "198.51.100.1");
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "busy%d_%d", (int)getpid(), i);
		ag_send(c[i], ag_msg("auth_register", "username", name, "password", AG_PASSWORD,
		    NULL));
	}
	for (i = 0; i < 12; i++) {
		o = tc_ws_expect(c[i], "auth_result", td_ms(30000));
		ck_assert_msg(o != NULL, "no auth_result: %s", tc_error(c[i]));
		if (json_object_get_boolean(json_object_object_get(o, "ok")))
			ok++;
		else {
			expect_busy(o, MSG_BUSY);
			busy++;
		}
		json_object_put(o);
	}
	ck_assert_msg(ok >= 1 && busy >= 1, "%d registrations succeeded, %d refused as busy", ok,
	    busy);
	/* Counted as failures, the refusals would lock the address out (auth_fail_ip_limit 2). */
	for (i = 0; i < 12; i++)
		tc_close(c[i]);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "busyagain%d_%d", (int)getpid(), i);
		o = register_from(d, "198.51.100.1", name);
		free(ag_expect_ok(o, name));
		json_object_put(o);
	}
	it_stop(d);
}
END_TEST

/* ---- waiting ---- */

/*
 * Connections whose hashes wait longer than a ping interval and its pong
 * timeout are pinged, answer, and are not dropped; they are told their
 * place with auth_queued; a message sent while waiting is handled after
 * the auth_result, in order.
 */
START_TEST(test_pings_while_queued)
{
	struct td *d = ag_start(FULL_COST "auth_workers 1\nws_ping_interval_ms 300\n"
	    "ws_pong_timeout_ms 300\n", 0);
	struct tc_conn *c[40];
	int done[40], queued[40], pings[40];
	char user[33], name[40];
	int64_t hash_ms, deadline, pos, eta, v;
	int i, n, pending, waited = 0, pinged = 0;
	json_object *o;

	ag_uname(user, "waitprobe");
	hash_ms = measure_hash(d, user);
	/* Enough that the last waits over three ping rounds (1.8 s). */
	n = (int)(1800 / (hash_ms > 0 ? hash_ms : 1)) + 3;
	if (n > 40)
		n = 40;
	for (i = 0; i < n; i++) {
		c[i] = ag_ws(d);
		done[i] = queued[i] = pings[i] = 0;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "wait%d_%d", (int)getpid(), i);
		ag_send(c[i], ag_msg("auth_register", "username", name, "password", AG_PASSWORD,
		    NULL));
		/* Waits behind the registration; answered once authenticated. */
		ck_assert_int_eq(tc_ws_sendf(c[i], "{\"type\":\"ping\",\"clientSentAt\":%d}", i + 1),
		    TC_OK);
	}
	pending = n;
	deadline = tc_now_ms() + hash_ms * (n + 2) * 3 + td_ms(10000);
	while (pending > 0) {
		ck_assert_msg(tc_now_ms() < deadline, "%d of %d registrations unanswered%s", pending,
		    n, td_health());
		for (i = 0; i < n; i++) {
			struct tc_ws_msg m;
			const char *t;
			int r;

			if (done[i])
				continue;
			r = tc_ws_recv(c[i], &m, 0);
			if (r == TC_TIMEOUT)
				continue;
			ck_assert_msg(r == TC_OK, "connection %d of %d ended while waiting for its "
			    "hash: %s%s", i, n, tc_error(c[i]), td_health());
			ck_assert_msg(m.opcode != TC_WS_CLOSE, "connection %d of %d closed (%d %s) while "
			    "waiting for its hash%s", i, n, m.close_code,
			    m.close_reason != NULL ? m.close_reason : "", td_health());
			if (m.opcode == TC_WS_PING) {
				pings[i]++;
				tc_ws_msg_free(&m);
				continue;
			}
			o = m.opcode == TC_WS_TEXT ? json_tokener_parse(m.data) : NULL;
			tc_ws_msg_free(&m);
			if (o == NULL)
				continue;
			t = tc_json_str(o, "type");
			ck_assert_msg(t != NULL && strcmp(t, "pong") != 0, "connection %d answered a "
			    "message sent while its registration waited before the registration", i);
			if (strcmp(t, "auth_queued") == 0) {
				ck_assert_msg(tc_json_int(o, "position", &pos) == 0 && pos >= 1 &&
				    tc_json_int(o, "etaSeconds", &eta) == 0 && eta >= 1,
				    "bad auth_queued: %s", json_object_to_json_string(o));
				queued[i]++;
			} else if (strcmp(t, "auth_result") == 0) {
				free(ag_expect_ok(o, NULL));
				done[i] = 1;
				pending--;
			}
			json_object_put(o);
		}
		tc_sleep_ms(2);
	}
	for (i = 0; i < n; i++) {
		/* The message that waited is answered now, after the auth_result. */
		o = tc_ws_expect(c[i], "pong", td_ms(5000));
		ck_assert_msg(o != NULL && tc_json_int(o, "clientSentAt", &v) == 0 && v == i + 1,
		    "connection %d: no pong for the ping sent while waiting: %s", i, tc_error(c[i]));
		json_object_put(o);
		waited += queued[i] > 0;
		pinged += pings[i] > 0;
		tc_close(c[i]);
	}
	fprintf(stderr, "# waiting: one hash %" PRId64 " ms, %d registrations, %d told auth_queued, "
	    "%d pinged while waiting\n", hash_ms, n, waited, pinged);
	ck_assert_msg(waited >= n - 2, "only %d of %d waiting registrations got auth_queued",
	    waited, n);
	ck_assert_msg(pinged >= 1, "no connection was pinged while it waited");
	it_stop(d);
}
END_TEST

/* ---- the dummy hash after a reload ---- */

#define DUMMY_LINE "dummy password hash for unknown usernames: argon2id "

/* Milliseconds until a failed login for user is answered. */
static int64_t
fail_ms(struct tc_conn *c, const char *user)
{
	int64_t t = tc_now_ms();

	ag_expect_fail(ag_login(c, user, "wrong password"), AG_MSG_INVALID_LOGIN);
	return tc_now_ms() - t;
}

START_TEST(test_dummy_after_reload)
{
	struct td *d = ag_start("auth_jitter_min_ms 0\nauth_jitter_max_ms 0\n", 0);
	char *cfgtext, user[33], ghost[33];
	int64_t known, unknown, t;
	struct tc_conn *c;
	int i;

	ck_assert_msg(td_wait_log(d, DUMMY_LINE "m=1024,t=1,p=1", td_ms(5000)),
	    "no log line with the start-up dummy's parameters");
	/* Signals are handled once the loop runs. */
	ck_assert(td_wait_log(d, "started (instance", td_ms(5000)));
	if (asprintf(&cfgtext, "www_root %s\n%s" "auth_jitter_min_ms 0\nauth_jitter_max_ms 0\n"
	    "argon2_memory_kib 32768\nargon2_time_cost 3\n", it_www(), ag_base_config()) < 0)
		ck_abort_msg("out of memory");
	ck_assert_int_eq(td_rewrite_config(d, cfgtext), 0);
	free(cfgtext);
	ck_assert_int_eq(td_signal(d, SIGHUP), 0);
	if (!td_wait_log(d, DUMMY_LINE "m=32768,t=3,p=1", td_ms(10000))) {
		char *tail = td_log_tail(d, 800);

		ck_abort_msg("the dummy hash was not recomputed at the reloaded costs; log: %s",
		    tail != NULL ? tail : "(none)");
	}
	/* So an unknown username costs what a wrong password for a new account costs. */
	ag_uname(user, "dummyreal");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	/* Interleaved, the smallest of each: a busy spell slows both alike. */
	known = unknown = INT64_MAX;
	for (i = 0; i < 5; i++) {
		t = fail_ms(c, user);
		known = t < known ? t : known;
		ag_uname(ghost, "dummyghost");
		t = fail_ms(c, ghost);
		unknown = t < unknown ? t : unknown;
	}
	fprintf(stderr, "# after the reload: wrong password %" PRId64 " ms, unknown user %" PRId64
	    " ms\n", known, unknown);
	ck_assert_msg(unknown * 6 >= known, "an unknown user is answered in %" PRId64 " ms, a wrong "
	    "password in %" PRId64 " ms: the dummy kept the old costs", unknown, known);
	tc_close(c);
	it_stop(d);
}
END_TEST

static Suite *
flood_suite(void)
{
	Suite *s = suite_create("auth-flood");
	TCase *tc;

	/* Timeouts are only a backstop: each test bounds itself by its measured hash cost. */
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_register_limit);
	tcase_add_test(tc, test_register_limit_ipv6);
	tcase_add_test(tc, test_queue_full_busy);
	suite_add_tcase(s, tc);

	tc = tcase_create("flood");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_register_flood);
	suite_add_tcase(s, tc);

	tc = tcase_create("waiting");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_gone_clients_dropped);
	tcase_add_test(tc, test_pings_while_queued);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_dummy_after_reload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(flood_suite());
}
