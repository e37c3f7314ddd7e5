/*
 * test_foundation_ops.c: limits and timeouts, TLS, signals, and hostile bytes.
 *
 * ping is answered only after login (issue 3). Tests that count or compare
 * pongs run against the program's private PostgreSQL cluster (ag_main,
 * ag_start) and log in first as a new user; tests that only need to see a
 * connection still served use a reply that needs no login (it_ws_probe)
 * and run without a database.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tauth.h"

/* A quick check that the daemon still serves: GET /healthz on a new connection. */
static void
assert_serving(struct td *d)
{
	struct tc_conn *c;
	struct tc_http_resp r;

	ck_assert_msg(td_alive(d), "chatgridd died:%s", td_health());
	c = td_connect(d);
	ta_http(c, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	tc_close(c);
}

/*
 * With a database, /healthz answers 503 ("database":"connecting") until the
 * daemon's pool has a connection up, which may be just after td_start
 * returns (docs/protocol.md §1.1). Wait (5 s) for its 200 before a test
 * whose assert_serving would otherwise race the pool.
 */
static void
wait_healthy(struct td *d)
{
	int64_t deadline = tc_now_ms() + td_ms(5000);
	struct tc_http_resp r;
	struct tc_conn *c;
	int st;

	for (;;) {
		c = td_connect(d);
		ta_http(c, "GET", "/healthz", NULL, &r);
		st = r.status;
		if (st == 200 || tc_now_ms() >= deadline) {
			ck_assert_msg(st == 200, "/healthz still %d 5 s after start: %s", st,
			    r.body != NULL ? r.body : "");
			tc_http_resp_free(&r);
			tc_close(c);
			return;
		}
		tc_http_resp_free(&r);
		tc_close(c);
		tc_sleep_ms(20);
	}
}

/* ---- limits ---- */

START_TEST(test_rate_limit)
{
	struct td *d = ag_start("msg_rate 5\nmsg_burst 5\n", 0);
	/* The registration takes one of the burst's tokens; the bucket refills meanwhile. */
	struct tc_conn *c = ag_ws_registered(d, "ratelimit");
	uint8_t *buf, key[4] = { 1, 2, 3, 4 };
	char msg[64];
	size_t len = 0, n;
	int64_t deadline;
	json_object *o;
	const char *code;
	int i, limited = 0, pongs = 0;

	/* Twenty pings in one write, so they arrive together. */
	buf = malloc(20 * (sizeof msg + TC_WS_MAX_HEADER));
	ck_assert(buf != NULL);
	for (i = 0; i < 20; i++) {
		n = (size_t)snprintf(msg, sizeof msg, "{\"type\":\"ping\",\"clientSentAt\":%d}", i);
		len += tc_ws_frame_encode(buf + len, sizeof msg + TC_WS_MAX_HEADER, 1, TC_WS_TEXT, 0,
		    1, key, msg, n);
	}
	ck_assert(tc_write_raw(c, buf, len) == TC_OK);
	free(buf);
	deadline = tc_now_ms() + td_ms(3000);
	while (!limited && (o = tc_ws_recv_json(c, (int)(deadline - tc_now_ms()))) != NULL) {
		code = tc_json_str(o, "code");
		if (code != NULL && strcmp(code, "rate_limited") == 0) {
			ck_assert_msg(tc_json_str(o, "type") != NULL &&
			    strcmp(tc_json_str(o, "type"), "error") == 0, "rate_limited in %s",
			    json_object_to_json_string(o));
			limited = 1;
		} else if (tc_json_str(o, "type") != NULL && strcmp(tc_json_str(o, "type"), "pong") == 0)
			pongs++;
		json_object_put(o);
	}
	ck_assert_msg(limited, "20 pings at msg_rate 5/msg_burst 5: %d pongs, no rate_limited "
	    "error (%s)", pongs, tc_error(c));
	ck_assert_msg(pongs >= 1, "no ping answered at all before rate_limited");
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_max_connections)
{
	struct td *d = it_start("max_connections 2\n", 0);
	struct tc_conn *c1, *c2, *c3;
	struct tc_http_resp r;
	int rc;

	/* Let the daemon forget td_start's readiness probe. */
	tc_sleep_ms(200);
	c1 = td_connect(d);
	c2 = td_connect(d);
	ta_http(c1, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	ta_http(c2, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);

	c3 = td_connect(d);
	/* The 503 may come at once or only after a request: allow both. */
	rc = tc_http_read_response(c3, 0, &r, td_ms(1000));
	if (rc == TC_TIMEOUT) {
		tc_http_resp_free(&r);
		rc = tc_http_request(c3, "GET", "/healthz", NULL, &r, td_ms(2000));
	}
	ck_assert_msg(rc == TC_OK, "third connection: no response (%s): %s", tc_strerror(rc),
	    tc_error(c3));
	ta_status(&r, 503);
	tc_http_resp_free(&r);
	ck_assert_msg(tc_peer_closed(c3, td_ms(2000)), "third connection not closed after 503");
	tc_close(c3);

	ta_http(c1, "GET", "/index.html", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	ta_http(c2, "GET", "/index.html", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);

	/* A slot freed is a slot available again. */
	tc_close(c1);
	tc_sleep_ms(200);
	c1 = td_connect(d);
	ta_http(c1, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	tc_close(c1);
	tc_close(c2);
	it_stop(d);
}
END_TEST

START_TEST(test_handshake_timeout)
{
	struct td *d = it_start("handshake_timeout_ms 500\n", 0);
	struct tc_conn *c = td_connect(d);
	int64_t t0 = tc_now_ms(), el;

	ck_assert_msg(tc_peer_closed(c, td_ms(3000)), "silent connection still open after 3 s");
	el = tc_now_ms() - t0;
	ck_assert_msg(el >= 300, "closed after %lld ms, before handshake_timeout_ms 500",
	    (long long)el);
	tc_close(c);

	/* A half-sent request line is no better. */
	c = td_connect(d);
	ck_assert(tc_write_raw(c, "GET / HT", 8) == TC_OK);
	ck_assert_msg(tc_peer_closed(c, td_ms(3000)), "half a request still open after 3 s");
	tc_close(c);

	/* A finished WebSocket handshake is not subject to it, even before login. */
	c = td_ws(d);
	tc_sleep_ms(1000);
	it_ws_probe(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* A client that never answers the server's pings is dropped. */
START_TEST(test_pong_timeout)
{
	struct td *d = it_start("ws_ping_interval_ms 300\nws_pong_timeout_ms 300\n", 0);
	struct tc_conn *c = td_ws(d);
	int64_t deadline = tc_now_ms() + td_ms(3000);
	struct tc_ws_msg m;
	int pings = 0, r;

	tc_ws_set_auto_pong(c, 0);
	for (;;) {
		r = tc_ws_recv(c, &m, (int)(deadline - tc_now_ms()));
		ck_assert_msg(r != TC_TIMEOUT, "still connected after 3 s without answering %d pings",
		    pings);
		if (r != TC_OK) {
			ck_assert_msg(r == TC_CLOSED, "%s: %s", tc_strerror(r), tc_error(c));
			break;	/* dropped without a close frame */
		}
		if (m.opcode == TC_WS_PING)
			pings++;
		if (m.opcode == TC_WS_CLOSE) {
			tc_ws_msg_free(&m);
			break;
		}
		tc_ws_msg_free(&m);
	}
	ck_assert_msg(pings >= 1, "disconnected without being pinged");
	tc_close(c);
	it_stop(d);
}
END_TEST

/* A client that answers stays connected. */
START_TEST(test_pong_answered)
{
	struct td *d = it_start("ws_ping_interval_ms 300\nws_pong_timeout_ms 300\n", 0);
	struct tc_conn *c = td_ws(d);
	int64_t end = tc_now_ms() + 1600;
	struct tc_ws_msg m;
	int pings = 0, r;

	while (tc_now_ms() < end) {
		r = tc_ws_recv(c, &m, (int)(end - tc_now_ms()));
		if (r == TC_TIMEOUT)
			break;
		ck_assert_msg(r == TC_OK, "dropped after %d answered pings: %s", pings, tc_error(c));
		ck_assert_msg(m.opcode != TC_WS_CLOSE, "closed with %d after %d answered pings",
		    m.close_code, pings);
		if (m.opcode == TC_WS_PING)
			pings++;
		tc_ws_msg_free(&m);
	}
	ck_assert_msg(pings >= 2, "%d pings in 1.6 s at ws_ping_interval_ms 300", pings);
	it_ws_probe(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- TLS ---- */

START_TEST(test_tls_http)
{
	struct td *d = it_start(NULL, 1);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;

	ck_assert(tc_is_tls(c));
	ta_http(c, "GET", "/", NULL, &r);
	ta_status(&r, 200);
	ck_assert_str_eq(r.body, IT_INDEX_HTML);
	tc_http_resp_free(&r);
	ta_http(c, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_tls_ws)
{
	struct td *d = ag_start(NULL, 1);
	struct tc_conn *c = ag_ws_registered(d, "tlsws");

	ta_ws_ping(c, 77);
	ta_ws_ping(c, -77);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_tls_port_plain_request)
{
	struct td *d = it_start(NULL, 1);
	struct tc_conn *c = tc_connect("127.0.0.1", td_port(d), 0, td_ms(5000));
	struct tc_http_resp r;
	int rc;

	ck_assert(c != NULL);
	rc = tc_http_request(c, "GET", "/", NULL, &r, td_ms(3000));
	ck_assert_msg(rc != TC_OK || r.status != 200, "plain HTTP on the TLS port got 200");
	tc_http_resp_free(&r);
	tc_close(c);
	assert_serving(d);
	it_stop(d);
}
END_TEST

/*
 * A TLS handshake with the daemon offering only ciphers (at most TLS 1.2
 * when tls12, else the default versions). Returns 1 if it completed, with
 * the negotiated suite in got; 0 if the server refused.
 */
static int
tls_try(struct td *d, int tls12, const char *ciphers, char *got, size_t gotlen)
{
	struct tc_conn *tcp = tc_connect("127.0.0.1", td_port(d), 0, td_ms(5000));
	struct timeval tv = { 10, 0 };
	SSL_CTX *ctx;
	SSL *ssl;
	int ok;

	ck_assert(tcp != NULL);
	/* A blocking handshake, bounded by the receive timeout. */
	fcntl(tc_fd(tcp), F_SETFL, fcntl(tc_fd(tcp), F_GETFL) & ~O_NONBLOCK);
	setsockopt(tc_fd(tcp), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ck_assert((ctx = SSL_CTX_new(TLS_client_method())) != NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (tls12) {
		ck_assert_int_eq(SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION), 1);
		/* Level 0: this client must be able to offer the weak suites at all. */
		ck_assert_msg(SSL_CTX_set_cipher_list(ctx, ciphers) == 1, "the client cannot offer %s", ciphers);
		SSL_CTX_set_security_level(ctx, 0);
	}
	ck_assert((ssl = SSL_new(ctx)) != NULL);
	SSL_set_fd(ssl, tc_fd(tcp));
	ok = SSL_connect(ssl) == 1;
	snprintf(got, gotlen, "%s", ok ? SSL_get_cipher_name(ssl) : "");
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	tc_close(tcp);
	return ok;
}

/* TLS 1.2 offers only ECDHE with AEAD (issue 19 item 8); tls_ciphers changes it. */
START_TEST(test_tls_ciphers)
{
	static const char *const ec_refused[] = { "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384" };
	static const char *const rsa_refused[] = {
		"AES128-SHA", "AES256-SHA256", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "DHE-RSA-AES128-GCM-SHA256",
	};
	char got[64], conf[1024], *dir;
	struct td *d;
	size_t i;

	/* The default certificate has an EC key. */
	d = it_start(NULL, 1);
	for (i = 0; i < sizeof ec_refused / sizeof ec_refused[0]; i++)
		ck_assert_msg(!tls_try(d, 1, ec_refused[i], got, sizeof got), "TLS 1.2 with %s was accepted", ec_refused[i]);
	ck_assert_msg(tls_try(d, 1, "ECDHE-ECDSA-AES128-GCM-SHA256", got, sizeof got), "ECDHE-ECDSA-AES128-GCM-SHA256 refused");
	ck_assert_str_eq(got, "ECDHE-ECDSA-AES128-GCM-SHA256");
	ck_assert_msg(tls_try(d, 1, "ECDHE-ECDSA-CHACHA20-POLY1305", got, sizeof got), "CHACHA20 refused");
	ck_assert_msg(tls_try(d, 0, NULL, got, sizeof got), "a TLS 1.3 client was refused");
	ck_assert_msg(strncmp(got, "TLS_", 4) == 0, "the default handshake negotiated %s", got);
	assert_serving(d);
	it_stop(d);

	/* Static RSA key exchange needs an RSA key: a certificate with one. */
	dir = td_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(td_make_rsa_cert(dir), 0);
	snprintf(conf, sizeof conf, "tls_cert %s/cert.pem\ntls_key %s/key.pem\n", dir, dir);
	d = it_start(conf, 1);
	for (i = 0; i < sizeof rsa_refused / sizeof rsa_refused[0]; i++)
		ck_assert_msg(!tls_try(d, 1, rsa_refused[i], got, sizeof got), "TLS 1.2 with %s was accepted", rsa_refused[i]);
	ck_assert_msg(tls_try(d, 1, "ECDHE-RSA-AES256-GCM-SHA384", got, sizeof got), "ECDHE-RSA-AES256-GCM-SHA384 refused");
	ck_assert_str_eq(got, "ECDHE-RSA-AES256-GCM-SHA384");
	it_stop(d);

	/* The list is the operator's: one naming AES128-SHA gets it. */
	snprintf(conf, sizeof conf, "tls_cert %s/cert.pem\ntls_key %s/key.pem\ntls_ciphers AES128-SHA\n", dir, dir);
	d = it_start(conf, 1);
	ck_assert_msg(tls_try(d, 1, "AES128-SHA", got, sizeof got), "tls_ciphers AES128-SHA, yet AES128-SHA refused");
	ck_assert_msg(!tls_try(d, 1, "ECDHE-RSA-AES256-GCM-SHA384", got, sizeof got), "a suite not in tls_ciphers was accepted");
	it_stop(d);
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* A tls_ciphers list that matches nothing stops the daemon from starting, with a clear line. */
START_TEST(test_tls_ciphers_invalid)
{
	char conf[2048], *dir, *out = NULL;
	const char *args[] = { "-f", "-c", NULL, NULL };
	int st;

	dir = td_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(td_make_cert(dir), 0);
	snprintf(conf, sizeof conf, "listen 127.0.0.1:1\nwww_root %s/www\ntls_cert %s/cert.pem\ntls_key %s/key.pem\n"
	    "tls_ciphers NO-SUCH-CIPHER\n", td_srcdir(), dir, dir);
	ck_assert_int_eq(td_write_text(dir, "c.conf", conf), 0);
	snprintf(conf, sizeof conf, "%s/c.conf", dir);
	args[2] = conf;
	st = td_run(args, &out);
	ck_assert_msg(st != 0 && st != -1, "chatgridd started with tls_ciphers NO-SUCH-CIPHER (status %d): %s", st, out);
	ck_assert_msg(strstr(out, "tls_ciphers: no usable cipher in 'NO-SUCH-CIPHER'") != NULL, "output: %s", out);
	free(out);
	td_rmtree(dir);
	free(dir);
}
END_TEST

/* ---- signals ---- */

/* Every WebSocket, logged in (a) or not yet (b), is closed with 1001. */
START_TEST(test_sigterm)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *a = ag_ws_registered(d, "sigterm"), *b = ag_ws(d);
	int st;

	ta_ws_ping(a, 1);
	it_ws_probe(b, 2);
	ck_assert(td_signal(d, SIGTERM) == 0);
	ta_ws_close(a, 1001);
	ta_ws_close(b, 1001);
	st = td_wait(d, td_ms(10000));
	ck_assert_msg(st == 0, "exit status %d after SIGTERM, want 0", st);
	tc_close(a);
	tc_close(b);
	td_free(d);
}
END_TEST

START_TEST(test_sighup)
{
	struct td *d = ag_start("log_level info\n", 0);
	struct tc_conn *c = ag_ws_registered(d, "sighup");
	char extra[4096];

	ta_ws_ping(c, 1);
	/* The same database and auth settings; only log_level changes. */
	snprintf(extra, sizeof extra, "www_root %s\n%slog_level debug\n", it_www(),
	    ag_base_config());
	ck_assert(td_rewrite_config(d, extra) == 0);
	ck_assert(td_signal(d, SIGHUP) == 0);
	ck_assert_msg(td_wait_log(d, "reloaded configuration", td_ms(5000)),
	    "no \"reloaded configuration\" in the log 5 s after SIGHUP");
	/* The existing connection and new ones (login included) keep working. */
	ta_ws_ping(c, 2);
	assert_serving(d);
	tc_close(c);
	c = ag_ws_registered(d, "sighup");
	ta_ws_ping(c, 3);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- hostile bytes ---- */

/* Fixed-seed noise, so a failure can be replayed. */
static void
noise(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

static void
blast(struct td *d, int ws, uint64_t seed)
{
	static uint8_t buf[64 * 1024];
	struct tc_conn *c = ws ? td_ws(d) : td_connect(d);
	int r;

	noise(buf, sizeof buf, seed);
	/* The server may hang up part way: that is one of the right answers. */
	r = tc_write_raw(c, buf, sizeof buf);
	ck_assert_msg(r == TC_OK || r == TC_CLOSED, "writing noise: %s", tc_error(c));
	(void)tc_peer_closed(c, td_ms(1000));
	tc_close(c);
	assert_serving(d);
}

START_TEST(test_noise_http)
{
	struct td *d = it_start(NULL, 0);
	uint64_t seed;

	for (seed = 1; seed <= 4; seed++)
		blast(d, 0, seed);
	it_stop(d);
}
END_TEST

START_TEST(test_noise_ws)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c;
	uint64_t seed;

	wait_healthy(d);
	for (seed = 1; seed <= 4; seed++)
		blast(d, 1, seed);
	/* A new WebSocket still gets the greeting, logs in and is answered. */
	c = ag_ws_registered(d, "noisews");
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_noise_tls)
{
	struct td *d = it_start(NULL, 1);
	uint64_t seed;

	/* Noise inside TLS, and noise instead of a TLS handshake. */
	for (seed = 1; seed <= 2; seed++)
		blast(d, 1, seed);
	{
		static uint8_t buf[64 * 1024];
		struct tc_conn *c = tc_connect("127.0.0.1", td_port(d), 0, td_ms(5000));
		int r;

		ck_assert(c != NULL);
		noise(buf, sizeof buf, 99);
		r = tc_write_raw(c, buf, sizeof buf);
		ck_assert_msg(r == TC_OK || r == TC_CLOSED, "writing noise: %s", tc_error(c));
		(void)tc_peer_closed(c, td_ms(1000));
		tc_close(c);
	}
	assert_serving(d);
	it_stop(d);
}
END_TEST

static Suite *
ops_suite(void)
{
	Suite *s = suite_create("foundation-ops");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_max_connections);
	tcase_add_test(tc, test_handshake_timeout);
	tcase_add_test(tc, test_pong_timeout);
	tcase_add_test(tc, test_pong_answered);
	suite_add_tcase(s, tc);

	tc = tcase_create("tls");
	tcase_add_test(tc, test_tls_http);
	tcase_add_test(tc, test_tls_ws);
	tcase_add_test(tc, test_tls_port_plain_request);
	tcase_add_test(tc, test_tls_ciphers);
	tcase_add_test(tc, test_tls_ciphers_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("signals");
	tcase_add_test(tc, test_sigterm);
	tcase_add_test(tc, test_sighup);
	suite_add_tcase(s, tc);

	tc = tcase_create("noise");
	tcase_add_test(tc, test_noise_http);
	tcase_add_test(tc, test_noise_ws);
	tcase_add_test(tc, test_noise_tls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* One private PostgreSQL cluster for the tests that log in. */
	return ag_main(ops_suite());
}
