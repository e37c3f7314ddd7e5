/*
 * test_foundation_ws.c: the WebSocket endpoint: handshake and origin checks,
 * the foundation messages (ping, errors) and RFC 6455 frame rules.
 *
 * ping is a gameplay message: the daemon answers it with a pong only after
 * login (issue 3; docs/protocol.md §3). Tests that need a pong to prove a
 * message was handled, or in which order, run against the program's private
 * PostgreSQL cluster (ag_main, ag_start) and log in first as a new user;
 * tests of the handshake and of frames that fail the connection need only
 * some reply, or none, and run without a database (it_start, it_ws_probe).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tauth.h"

/* ---- helpers ---- */

static void
send_frame(struct tc_conn *c, int fin, int opcode, int rsv, int masked, const void *p,
    size_t n)
{
	int r = tc_ws_send_frame_ex(c, fin, opcode, rsv, masked, p, n);

	ck_assert_msg(r == TC_OK, "sending a %s frame: %s", tc_ws_opcode_name(opcode),
	    tc_error(c));
}

static void
send_text(struct tc_conn *c, const char *s)
{
	send_frame(c, 1, TC_WS_TEXT, 0, 1, s, strlen(s));
}

/* The next pong must echo v. */
static void
expect_pong(struct tc_conn *c, int64_t v)
{
	json_object *o = tc_ws_expect(c, "pong", td_ms(5000));
	int64_t got;

	ck_assert_msg(o != NULL, "no pong for clientSentAt %" PRId64 ": %s%s", v, tc_error(c),
	    td_health());
	ck_assert_msg(tc_json_int(o, "clientSentAt", &got) == 0 && got == v,
	    "pong %s, want clientSentAt %" PRId64, json_object_to_json_string(o), v);
	json_object_put(o);
}

/* The server must fail the connection with code, then end TCP. */
static void
expect_fail(struct tc_conn *c, int code)
{
	ta_ws_close(c, code);
	ck_assert_msg(tc_peer_closed(c, td_ms(2000)),
	    "TCP still open 2 s after the close frame (code %d)", code);
}

/* Wait for the error reply to the message sent, with that code; caller puts it. */
static json_object *
expect_error_for(struct tc_conn *c, const char *sent, const char *code)
{
	json_object *o = tc_ws_expect(c, "error", td_ms(5000));
	const char *got;

	ck_assert_msg(o != NULL, "sent '%s': no error (want %s): %s%s", sent, code, tc_error(c),
	    td_health());
	got = tc_json_str(o, "code");
	ck_assert_msg(got != NULL && strcmp(got, code) == 0, "sent '%s': error code %s, want %s: %s",
	    sent, got != NULL ? got : "(none)", code, json_object_to_json_string(o));
	ck_assert_msg(tc_json_str(o, "message") != NULL, "sent '%s': error without a message: %s",
	    sent, json_object_to_json_string(o));
	return o;
}

/*
 * Fail if anything but control frames (the server's keep-alive pings,
 * answered) arrives within ms; after says what was sent last.
 */
static void
expect_quiet(struct tc_conn *c, int ms, const char *after)
{
	int64_t end = tc_now_ms() + ms;
	struct tc_ws_msg m;
	int r;

	for (;;) {
		r = tc_ws_recv(c, &m, (int)(end - tc_now_ms()));
		if (r == TC_TIMEOUT)
			return;
		ck_assert_msg(r == TC_OK, "after %s: connection ended (%s): %s%s", after,
		    tc_strerror(r), tc_error(c), td_health());
		ck_assert_msg(m.opcode == TC_WS_PING || m.opcode == TC_WS_PONG,
		    "after %s: unexpected %s frame: %s", after, tc_ws_opcode_name(m.opcode),
		    m.opcode == TC_WS_CLOSE ? m.close_reason : m.data);
		tc_ws_msg_free(&m);
	}
}

/* A handshake with extra headers; returns the status (101 only if the accept was right). */
static int
handshake_status(struct td *d, const char *extra)
{
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	int st, rc;

	rc = tc_ws_handshake(c, "/ws", extra, &r, td_ms(5000));
	ck_assert_msg(rc == TC_OK || rc == TC_ERR, "handshake with \"%s\": %s", extra ? extra : "",
	    tc_error(c));
	st = r.status;
	if (rc == TC_OK)
		it_ws_probe(c, 42);	/* an accepted socket really works */
	tc_http_resp_free(&r);
	tc_close(c);
	return st;
}

/* {"type":"ping","clientSentAt":v,"pad":"xxx..."} of exactly total bytes. */
static char *
padded_ping(int64_t v, size_t total)
{
	char prefix[96], *s;
	size_t pl;

	pl = (size_t)snprintf(prefix, sizeof prefix,
	    "{\"type\":\"ping\",\"clientSentAt\":%" PRId64 ",\"pad\":\"", v);
	ck_assert(total >= pl + 2);
	s = malloc(total + 1);
	ck_assert(s != NULL);
	memcpy(s, prefix, pl);
	memset(s + pl, 'x', total - pl - 2);
	memcpy(s + total - 2, "\"}", 3);
	return s;
}

/* ---- handshake ---- */

START_TEST(test_handshake_ok)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	int rc;

	rc = tc_ws_handshake(c, "/ws", NULL, &r, td_ms(5000));
	ck_assert_msg(rc == TC_OK, "handshake: %s", tc_error(c));
	ck_assert_int_eq(r.status, 101);
	tc_http_resp_free(&r);
	it_ws_probe(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_handshake_no_key)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	char req[512];

	snprintf(req, sizeof req, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", tc_host_header(c));
	ta_http_raw(c, req, &r);
	ta_status(&r, 400);
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_handshake_version)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	char req[512];

	snprintf(req, sizeof req, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 8\r\n\r\n", tc_host_header(c));
	ta_http_raw(c, req, &r);
	ta_status(&r, 426);
	ta_header_eq(&r, "Sec-WebSocket-Version", "13");
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_handshake_wrong_path)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;
	int rc;

	rc = tc_ws_handshake(c, "/not-ws", NULL, &r, td_ms(5000));
	ck_assert_msg(rc == TC_ERR, "upgrade on /not-ws: %s (%s)", tc_strerror(rc), tc_error(c));
	ta_status(&r, 404);
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_origin_allowed_list)
{
	struct td *d = it_start("allowed_origins http://good.example\n", 0);
	int st;

	st = handshake_status(d, "Origin: http://good.example\r\n");
	ck_assert_msg(st == 101, "listed Origin: status %d, want 101", st);
	st = handshake_status(d, "Origin: http://evil.example\r\n");
	ck_assert_msg(st == 403, "unlisted Origin: status %d, want 403", st);
	st = handshake_status(d, NULL);
	ck_assert_msg(st == 101, "no Origin: status %d, want 101", st);
	it_stop(d);
}
END_TEST

START_TEST(test_origin_same_host)
{
	struct td *d = it_start(NULL, 0);
	char hdr[128];
	int st;

	/* The client's Host header is 127.0.0.1:PORT. */
	snprintf(hdr, sizeof hdr, "Origin: http://127.0.0.1:%d\r\n", td_port(d));
	st = handshake_status(d, hdr);
	ck_assert_msg(st == 101, "%s: status %d, want 101", hdr, st);
	st = handshake_status(d, "Origin: http://evil.example\r\n");
	ck_assert_msg(st == 403, "foreign Origin: status %d, want 403", st);
	snprintf(hdr, sizeof hdr, "Origin: http://127.0.0.1:%d\r\n", td_port(d) + 1);
	st = handshake_status(d, hdr);
	ck_assert_msg(st == 403, "%s: status %d, want 403", hdr, st);
	st = handshake_status(d, NULL);
	ck_assert_msg(st == 101, "no Origin: status %d, want 101", st);
	it_stop(d);
}
END_TEST

/* ---- messages ---- */

START_TEST(test_ping_pong)
{
	static const int64_t values[] = { 123, -5, 0, 1732560000000LL, -1732560000000LL };
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws_registered(d, "pingpong");
	size_t i;

	for (i = 0; i < sizeof values / sizeof values[0]; i++)
		ta_ws_ping(c, values[i]);
	/* Unknown extra members do not matter. */
	send_text(c, "{\"type\":\"ping\",\"clientSentAt\":9,\"extra\":{\"a\":[1,2]}}");
	expect_pong(c, 9);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* Fails unless o is exactly the gate's refusal: those three members, nothing more. */
static void
expect_gate(json_object *o, int64_t sent)
{
	json_object *v;

	ck_assert_msg(tc_json_str(o, "type") != NULL &&
	    strcmp(tc_json_str(o, "type"), "auth_result") == 0,
	    "ping %" PRId64 " before login: %s, want the gate's auth_result", sent,
	    json_object_to_json_string(o));
	ck_assert_msg(json_object_object_get_ex(o, "ok", &v) &&
	    json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v),
	    "ping %" PRId64 " before login: ok is not false: %s", sent,
	    json_object_to_json_string(o));
	ck_assert_msg(tc_json_str(o, "message") != NULL &&
	    strcmp(tc_json_str(o, "message"), AG_MSG_GATE) == 0,
	    "ping %" PRId64 " before login: message is not \"" AG_MSG_GATE "\": %s", sent,
	    json_object_to_json_string(o));
	ck_assert_msg(json_object_object_length(o) == 3,
	    "ping %" PRId64 " before login: members beyond type, ok and message: %s", sent,
	    json_object_to_json_string(o));
}

/*
 * Issue 3: auth_required is the first message on a new WebSocket, and until
 * login a ping, whatever its clientSentAt, is answered with exactly
 * {"type":"auth_result","ok":false,"message":"Authenticate before sending
 * gameplay actions."} and nothing else: no pong (then or later), no error,
 * no close, and it is not a bad message (max_bad_messages 3, four refusals).
 * Login then makes the same connection's pings work.
 */
START_TEST(test_ping_before_login)
{
	static const int64_t values[] = { 1, -1, 0, -1732560000000LL };
	struct td *d = ag_start("max_bad_messages 3\n", 0);
	struct tc_conn *c;
	char sent[64];
	json_object *o;
	size_t i;

	/* ag_ws fails unless the first message is auth_required with its authPolicy. */
	c = ag_ws(d);
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		ck_assert(tc_ws_sendf(c, "{\"type\":\"ping\",\"clientSentAt\":%" PRId64 "}",
		    values[i]) == TC_OK);
		/* The very next message, not merely some later one. */
		o = ag_next(c);
		expect_gate(o, values[i]);
		json_object_put(o);
		snprintf(sent, sizeof sent, "ping %" PRId64 " before login", values[i]);
		expect_quiet(c, 300, sent);
	}
	ag_register_new(c, "gate");
	/* ta_ws_ping takes the first pong: a late one for a refused ping would fail it. */
	ta_ws_ping(c, 2);
	ta_ws_ping(c, -2);
	tc_close(c);

	/* A ping sent before reading anything: the greeting still comes first. */
	c = ag_ws_raw(d, NULL);
	ck_assert(tc_ws_sendf(c, "{\"type\":\"ping\",\"clientSentAt\":7}") == TC_OK);
	o = ag_next(c);
	ck_assert_msg(tc_json_str(o, "type") != NULL &&
	    strcmp(tc_json_str(o, "type"), "auth_required") == 0 &&
	    tc_json_str(o, "message") != NULL &&
	    strcmp(tc_json_str(o, "message"), AG_MSG_REQUIRED) == 0,
	    "first message on a new WebSocket: %s, want auth_required",
	    json_object_to_json_string(o));
	json_object_put(o);
	o = ag_next(c);
	expect_gate(o, 7);
	json_object_put(o);
	expect_quiet(c, 300, "ping 7 before login");
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * The validation errors come before the gate (docs/protocol.md §2.1), so
 * they are the same before and after login; after them the connection
 * still logs in and answers pings.
 */
START_TEST(test_bad_json)
{
	static const char *const msgs[] = { "{not json", "", "{\"type\":\"ping\"",
	    "{\"type\":\"ping\",}", "{\"type\":\"ping\"} trailing" };
	struct td *d = ag_start("max_bad_messages 100\n", 0);
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
			send_text(c, msgs[i]);
			o = expect_error_for(c, msgs[i], "bad_json");
			json_object_put(o);
		}
		if (pass == 0)
			ag_register_new(c, "badjson");
	}
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_bad_message)
{
	static const char *const msgs[] = { "[1,2]", "\"ping\"", "42", "null", "{}",
	    "{\"type\":5}", "{\"type\":null}", "{\"type\":[\"ping\"]}" };
	struct td *d = ag_start("max_bad_messages 100\n", 0);
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
			send_text(c, msgs[i]);
			o = expect_error_for(c, msgs[i], "bad_message");
			json_object_put(o);
		}
		if (pass == 0)
			ag_register_new(c, "badmsg");
	}
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_unknown_type)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	const char *m;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		send_text(c, "{\"type\":\"frobnicate\"}");
		o = ta_ws_error(c, "unknown_type");
		m = tc_json_str(o, "message");
		ck_assert_msg(strstr(m, "frobnicate") != NULL, "message does not name the type: %s", m);
		json_object_put(o);
		if (pass == 0)
			ag_register_new(c, "unknown");
	}
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * A NUL in the type must not dispatch the part before it (issue 13): with
 * "ping\u0000" the old daemon answered a pong. Now an error, and the next
 * message on the connection still works.
 */
START_TEST(test_type_nul)
{
	static const char *const msgs[] = {
		"{\"type\":\"ping\\u0000\",\"clientSentAt\":41}",
		"{\"type\":\"ping\\u0000x\",\"clientSentAt\":42}",
		"{\"type\":\"\\u0000\",\"clientSentAt\":43}",
	};
	struct td *d = ag_start("max_bad_messages 100\n", 0);
	struct tc_conn *c = ag_ws_registered(d, "typenul");
	json_object *o;
	const char *m;
	size_t i;

	o = tc_ws_expect(c, "welcome", td_ms(5000));
	ck_assert_msg(o != NULL, "no welcome: %s", tc_error(c));
	json_object_put(o);
	expect_quiet(c, 200, "login");
	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		send_text(c, msgs[i]);
		/* The very next message is the refusal, not a pong. */
		o = ag_next(c);
		ck_assert_msg(strcmp(tc_json_str(o, "type"), "error") == 0 &&
		    strcmp(tc_json_str(o, "code"), "bad_message") == 0,
		    "sent %s: got %s", msgs[i], json_object_to_json_string(o));
		m = tc_json_str(o, "message");
		ck_assert_msg(m != NULL && strstr(m, "NUL") != NULL, "message does not say NUL: %s", m);
		json_object_put(o);
		expect_quiet(c, 200, msgs[i]);
	}
	ta_ws_ping(c, 44);
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * Log injection (issue 13): text a client chooses, logged with a newline
 * in it, must not start a line of its own. Two ways in without logging in:
 * an unknown message type, and a username once rate limited.
 */
#define FORGED_TYPE "FORGED1 notice req_succeed: c1 (127.0.0.1): authenticated as root (admin)"
#define FORGED_USER "forged2 notice req_succeed: c2 (127.0.0.1): authenticated as root (admin)"
START_TEST(test_log_injection)
{
	struct td *d = ag_start("max_bad_messages 100\nauth_fail_identity_limit 1\n", 0);
	struct tc_conn *c = ag_ws(d);
	json_object *msg;
	int i;

	send_text(c, "{\"type\":\"x\\n" FORGED_TYPE "\"}");
	json_object_put(ta_ws_error(c, "unknown_type"));
	send_text(c, "{\"type\":\"y\\r\\nFORGED1\\u2028\\u0085z\"}");
	json_object_put(ta_ws_error(c, "unknown_type"));
	for (i = 0; i < 2; i++) {
		msg = ag_msg("auth_login", "username", "nobody\n" FORGED_USER, "password",
		    "wrong password", NULL);
		ag_send(c, msg);
		json_object_put(ag_result(c));
	}
	ck_assert_msg(td_wait_log(d, "authentication rate limited for nobody", td_ms(5000)),
	    "the rate-limited login was not logged");
	ck_assert_msg(td_log_contains(d, "unknown message type 'x\\nFORGED1"),
	    "the type is not logged escaped");
	ck_assert_msg(td_log_contains(d, "unknown message type 'y\\r\\nFORGED1\\u2028\\u0085z'"),
	    "the CR LF type is not logged escaped");
	ck_assert_msg(td_log_contains(d, "rate limited for nobody\\nforged2"),
	    "the username is not logged escaped");
	ck_assert_msg(!td_log_contains(d, "\nFORGED1") && !td_log_contains(d, "\rFORGED1"),
	    "a forged line from the message type is in the log");
	ck_assert_msg(!td_log_contains(d, "\nforged2"), "a forged line from the username is in the log");
	ck_assert_msg(!td_log_contains(d, "\xe2\x80\xa8") && !td_log_contains(d, "\xc2\x85"),
	    "a Unicode line break reached the log");
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_bad_field)
{
	static const char *const msgs[] = { "{\"type\":\"ping\"}",
	    "{\"type\":\"ping\",\"clientSentAt\":\"123\"}" };
	struct td *d = ag_start("max_bad_messages 100\n", 0);
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	const char *m;
	size_t i;
	int pass;

	/* Before login too: a malformed ping is a bad_field, not the gate's refusal. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
			send_text(c, msgs[i]);
			o = expect_error_for(c, msgs[i], "bad_field");
			m = tc_json_str(o, "message");
			ck_assert_msg(strstr(m, "clientSentAt") != NULL,
			    "%s: message does not name clientSentAt: %s", msgs[i], m);
			json_object_put(o);
		}
		if (pass == 0)
			ag_register_new(c, "badfield");
	}
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* max_bad_messages 3: the third bad message ends the connection with 1008. */
START_TEST(test_max_bad_messages)
{
	struct td *d = it_start("max_bad_messages 3\n", 0);
	struct tc_conn *c = td_ws(d);
	struct tc_ws_msg m;
	json_object *o;
	int r;

	send_text(c, "{not json");
	o = ta_ws_error(c, "bad_json");
	json_object_put(o);
	send_text(c, "{\"type\":\"frobnicate\"}");
	o = ta_ws_error(c, "unknown_type");
	json_object_put(o);
	/* Two are tolerated: nothing more arrives, in particular no close. */
	r = tc_ws_recv(c, &m, 300);
	ck_assert_msg(r == TC_TIMEOUT, "after 2 bad messages: %s (opcode %d, code %d): %s",
	    tc_strerror(r), m.opcode, m.close_code, tc_error(c));
	send_text(c, "[]");
	expect_fail(c, 1008);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_json_depth)
{
	struct td *d = ag_start("json_max_depth 8\nmax_bad_messages 100\n"
	    "max_message_bytes 100000\n", 0);
	struct tc_conn *c = ag_ws_registered(d, "depth");
	json_object *o;
	char *s;
	size_t i, n;

	/* Depth 3 is within the limit. */
	send_text(c, "{\"type\":\"ping\",\"clientSentAt\":3,\"x\":[[1]]}");
	expect_pong(c, 3);

	/* Depth 21, then depth 20001: an error, not a crash. */
	for (n = 20; n <= 20000; n += 19980) {
		s = malloc(2 * n + 64);
		ck_assert(s != NULL);
		i = (size_t)sprintf(s, "{\"type\":\"ping\",\"clientSentAt\":1,\"x\":");
		memset(s + i, '[', n);
		memset(s + i + n, ']', n);
		strcpy(s + i + 2 * n, "}");
		send_text(c, s);
		free(s);
		o = ta_ws_error(c, "bad_json");
		json_object_put(o);
	}
	ta_ws_ping(c, 2);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- frames ---- */

/* A control ping between the fragments of a (logged-in) ping message. */
START_TEST(test_fragments_with_ping)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws_registered(d, "fragping");
	int64_t deadline, v;
	struct tc_ws_msg m;
	json_object *o;
	int got_pong = 0, got_msg = 0, r;

	send_frame(c, 0, TC_WS_TEXT, 0, 1, "{\"type\":\"pi", 11);
	send_frame(c, 1, TC_WS_PING, 0, 1, "mid", 3);
	send_frame(c, 0, TC_WS_CONT, 0, 1, "ng\",\"clientS", 12);
	send_frame(c, 1, TC_WS_CONT, 0, 1, "entAt\":7}", 9);
	deadline = tc_now_ms() + td_ms(5000);
	while (!(got_pong && got_msg)) {
		r = tc_ws_recv(c, &m, (int)(deadline - tc_now_ms()));
		ck_assert_msg(r == TC_OK, "pong %d, message %d: %s", got_pong, got_msg, tc_error(c));
		if (m.opcode == TC_WS_PONG) {
			ck_assert_msg(m.len == 3 && memcmp(m.data, "mid", 3) == 0,
			    "pong payload \"%s\"", m.data);
			got_pong = 1;
		} else if (m.opcode == TC_WS_TEXT) {
			o = json_tokener_parse(m.data);
			ck_assert_msg(o != NULL, "bad JSON from the server: %s", m.data);
			/* Other messages (a greeting, say) may come first. */
			if (tc_json_str(o, "type") != NULL && strcmp(tc_json_str(o, "type"), "pong") == 0) {
				ck_assert_msg(tc_json_int(o, "clientSentAt", &v) == 0 && v == 7,
				    "reply to the fragmented ping: %s", m.data);
				got_msg = 1;
			}
			json_object_put(o);
		} else
			ck_abort_msg("unexpected %s frame", tc_ws_opcode_name(m.opcode));
		tc_ws_msg_free(&m);
	}
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_client_ping)
{
	char longest[TC_WS_MAX_CONTROL + 1];
	const char *const payloads[] = { "hello", "", longest };
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);
	struct tc_ws_msg m;
	size_t i, n;
	int r;

	/* The largest payload a control frame may carry. */
	memset(longest, 'z', TC_WS_MAX_CONTROL);
	longest[TC_WS_MAX_CONTROL] = '\0';

	for (i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
		n = strlen(payloads[i]);
		ck_assert(n <= 125);
		send_frame(c, 1, TC_WS_PING, 0, 1, payloads[i], n);
		/* Skip data messages (a greeting, say): the pong is a control frame. */
		while ((r = tc_ws_recv(c, &m, td_ms(5000))) == TC_OK && m.opcode == TC_WS_TEXT)
			tc_ws_msg_free(&m);
		ck_assert_msg(r == TC_OK, "no pong for a %zu-byte ping: %s", n, tc_error(c));
		ck_assert_msg(m.opcode == TC_WS_PONG, "%s frame instead of a pong",
		    tc_ws_opcode_name(m.opcode));
		ck_assert_msg(m.len == n && memcmp(m.data, payloads[i], n) == 0,
		    "pong payload \"%s\", want \"%s\"", m.data, payloads[i]);
		tc_ws_msg_free(&m);
	}
	/* An unsolicited pong is ignored: the next message is still handled. */
	send_frame(c, 1, TC_WS_PONG, 0, 1, "x", 1);
	it_ws_probe(c, 5);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_unmasked)
{
	static const char msg[] = "{\"type\":\"ping\",\"clientSentAt\":1}";
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);

	send_frame(c, 1, TC_WS_TEXT, 0, 0, msg, sizeof msg - 1);
	expect_fail(c, 1002);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_reserved_opcodes)
{
	static const int ops[] = { 3, 7, 0xb, 0xf };
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c;
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		c = td_ws(d);
		send_frame(c, 1, ops[i], 0, 1, "x", 1);
		expect_fail(c, 1002);
		tc_close(c);
	}
	it_stop(d);
}
END_TEST

START_TEST(test_rsv_bits)
{
	static const int rsv[] = { TC_WS_RSV1, TC_WS_RSV2, TC_WS_RSV3 };
	static const char msg[] = "{\"type\":\"ping\",\"clientSentAt\":1}";
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c;
	size_t i;

	for (i = 0; i < sizeof rsv / sizeof rsv[0]; i++) {
		c = td_ws(d);
		send_frame(c, 1, TC_WS_TEXT, rsv[i], 1, msg, sizeof msg - 1);
		expect_fail(c, 1002);
		tc_close(c);
	}
	it_stop(d);
}
END_TEST

START_TEST(test_control_too_long)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);
	char p[126];

	memset(p, 'p', sizeof p);
	send_frame(c, 1, TC_WS_PING, 0, 1, p, sizeof p);
	expect_fail(c, 1002);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_fragmented_control)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);

	send_frame(c, 0, TC_WS_PING, 0, 1, "ab", 2);
	expect_fail(c, 1002);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* Continuation frames out of order (RFC 6455 5.4). */
START_TEST(test_continuation_order)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c;

	c = td_ws(d);
	send_frame(c, 1, TC_WS_CONT, 0, 1, "{}", 2);
	expect_fail(c, 1002);
	tc_close(c);

	c = td_ws(d);
	send_frame(c, 0, TC_WS_TEXT, 0, 1, "{\"type\":", 8);
	send_frame(c, 1, TC_WS_TEXT, 0, 1, "{}", 2);
	expect_fail(c, 1002);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const char *const bad[] = {
		"\xff",			/* never valid */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong '/' in three bytes */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",	/* above U+10FFFF */
	};
	static const char pre[] = "{\"type\":\"ping\",\"clientSentAt\":1,\"x\":\"";
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c;
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = td_ws(d);
		snprintf(msg, sizeof msg, "%s%s\"}", pre, bad[i]);
		send_text(c, msg);
		expect_fail(c, 1007);
		tc_close(c);
	}

	/* Invalid across a fragment boundary: E2 82 | 28. */
	c = td_ws(d);
	snprintf(msg, sizeof msg, "%s\xe2\x82", pre);
	send_frame(c, 0, TC_WS_TEXT, 0, 1, msg, strlen(msg));
	send_frame(c, 1, TC_WS_CONT, 0, 1, "\x28\"}", 3);
	expect_fail(c, 1007);
	tc_close(c);

	/* A message that ends inside a sequence. */
	c = td_ws(d);
	send_frame(c, 0, TC_WS_TEXT, 0, 1, pre, strlen(pre));
	send_frame(c, 1, TC_WS_CONT, 0, 1, "\"}\xe2\x82", 4);
	expect_fail(c, 1007);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* Valid characters split across fragments are fine (é € 😀). */
START_TEST(test_utf8_split_valid)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws_registered(d, "utf8split");
	static const char f1[] = "{\"type\":\"ping\",\"clientSentAt\":11,\"x\":\"\xc3";

	send_frame(c, 0, TC_WS_TEXT, 0, 1, f1, sizeof f1 - 1);
	send_frame(c, 0, TC_WS_CONT, 0, 1, "\xa9\xe2\x82", 3);
	send_frame(c, 1, TC_WS_CONT, 0, 1, "\xac\xf0\x9f\x98\x80\"}", 7);
	expect_pong(c, 11);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_binary)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);

	send_frame(c, 1, TC_WS_BINARY, 0, 1, "\x01\x02\x03", 3);
	expect_fail(c, 1003);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_too_big)
{
	/* The brief said 1000; chatgridd's minimum is 1024, which tests the same. */
	struct td *d = ag_start("max_message_bytes 1024\n", 0);
	struct tc_conn *c;
	char *s;
	int r;

	/* Under the limit: fine (answered, so logged in). */
	c = ag_ws_registered(d, "toobig");
	s = padded_ping(1, 900);
	send_text(c, s);
	free(s);
	expect_pong(c, 1);
	tc_close(c);

	/* One frame over the limit. */
	c = td_ws(d);
	s = padded_ping(3, 1500);
	send_text(c, s);
	free(s);
	expect_fail(c, 1009);
	tc_close(c);

	/* Three fragments of 600: each under the limit, the message over it. */
	c = td_ws(d);
	s = padded_ping(4, 1800);
	send_frame(c, 0, TC_WS_TEXT, 0, 1, s, 600);
	send_frame(c, 0, TC_WS_CONT, 0, 1, s + 600, 600);
	/* The server may fail the connection before this one arrives. */
	r = tc_ws_send_frame_ex(c, 1, TC_WS_CONT, 0, 1, s + 1200, 600);
	ck_assert_msg(r == TC_OK || r == TC_CLOSED, "third fragment: %s", tc_error(c));
	free(s);
	expect_fail(c, 1009);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_client_close)
{
	struct td *d = it_start(NULL, 0);
	struct tc_conn *c = td_ws(d);
	int code = 0, r;

	ck_assert(tc_ws_send_close(c, 1000, "bye") == TC_OK);
	r = tc_ws_expect_close(c, td_ms(5000), &code);
	ck_assert_msg(r == TC_OK, "no close frame in reply (%s): %s", tc_strerror(r), tc_error(c));
	ck_assert_msg(tc_peer_closed(c, td_ms(2000)), "TCP still open after the close handshake");
	tc_close(c);
	it_stop(d);
}
END_TEST

/* 7-, 16- and 64-bit payload lengths are all read. */
START_TEST(test_frame_lengths)
{
	static const size_t lens[] = { 100, 300, 70000 };
	struct td *d = ag_start("max_message_bytes 100000\n", 0);
	struct tc_conn *c = ag_ws_registered(d, "lengths");
	size_t i;
	char *s;

	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		s = padded_ping((int64_t)lens[i], lens[i]);
		ck_assert_uint_eq(strlen(s), lens[i]);
		send_text(c, s);
		free(s);
		expect_pong(c, (int64_t)lens[i]);
	}
	tc_close(c);
	it_stop(d);
}
END_TEST

static Suite *
ws_suite(void)
{
	Suite *s = suite_create("foundation-ws");
	TCase *tc = tcase_create("handshake");

	tcase_add_test(tc, test_handshake_ok);
	tcase_add_test(tc, test_handshake_no_key);
	tcase_add_test(tc, test_handshake_version);
	tcase_add_test(tc, test_handshake_wrong_path);
	tcase_add_test(tc, test_origin_allowed_list);
	tcase_add_test(tc, test_origin_same_host);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_test(tc, test_ping_pong);
	tcase_add_test(tc, test_ping_before_login);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_bad_message);
	tcase_add_test(tc, test_unknown_type);
	tcase_add_test(tc, test_type_nul);
	tcase_add_test(tc, test_log_injection);
	tcase_add_test(tc, test_bad_field);
	tcase_add_test(tc, test_max_bad_messages);
	tcase_add_test(tc, test_json_depth);
	suite_add_tcase(s, tc);

	tc = tcase_create("frames");
	tcase_add_test(tc, test_fragments_with_ping);
	tcase_add_test(tc, test_client_ping);
	tcase_add_test(tc, test_unmasked);
	tcase_add_test(tc, test_reserved_opcodes);
	tcase_add_test(tc, test_rsv_bits);
	tcase_add_test(tc, test_control_too_long);
	tcase_add_test(tc, test_fragmented_control);
	tcase_add_test(tc, test_continuation_order);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_utf8_split_valid);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_client_close);
	tcase_add_test(tc, test_frame_lengths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* One private PostgreSQL cluster for the tests that log in. */
	return ag_main(ws_suite());
}
