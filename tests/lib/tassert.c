/* tassert.c: Check assertions over the test client. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <string.h>

#include <check.h>

#include "tassert.h"
#include "tdaemon.h"

/* ck_assert_msg with the caller's location first and the daemons' health last. */
#define TA_CHECK(cond, fmt, ...) \
	ck_assert_msg((cond), "%s:%d: " fmt "%s", file, line, __VA_ARGS__, td_health())

void
ta_http_at(const char *file, int line, struct tc_conn *c, const char *method, const char *path,
    const char *extra_headers, struct tc_http_resp *out)
{
	int r = tc_http_request(c, method, path, extra_headers, out, td_ms(5000));

	TA_CHECK(r == TC_OK, "%s %.80s: no response (%s): %s", method, path, tc_strerror(r),
	    tc_error(c));
}

void
ta_http_raw_at(const char *file, int line, struct tc_conn *c, const char *req,
    struct tc_http_resp *out)
{
	size_t n = strcspn(req, "\r\n");
	int r;

	r = tc_http_request_raw(c, req, strlen(req), strncmp(req, "HEAD ", 5) == 0, out,
	    td_ms(5000));
	TA_CHECK(r == TC_OK, "request \"%.*s\": no response (%s): %s", (int)(n > 60 ? 60 : n),
	    req, tc_strerror(r), tc_error(c));
}

void
ta_status_at(const char *file, int line, const struct tc_http_resp *r, int status)
{
	TA_CHECK(r->status == status, "status %d %s, want %d; body: %.200s", r->status,
	    r->reason != NULL ? r->reason : "", status, r->body != NULL ? r->body : "");
}

void
ta_header_eq_at(const char *file, int line, const struct tc_http_resp *r, const char *name,
    const char *value)
{
	const char *v = tc_http_header(r, name);

	TA_CHECK(v != NULL, "no %s header (status %d)", name, r->status);
	TA_CHECK(strcmp(v, value) == 0, "%s is \"%s\", want \"%s\"", name, v, value);
}

void
ta_ws_ping_at(const char *file, int line, struct tc_conn *c, int64_t v)
{
	json_object *o;
	int64_t got;
	int r;

	r = tc_ws_sendf(c, "{\"type\":\"ping\",\"clientSentAt\":%" PRId64 "}", v);
	TA_CHECK(r == TC_OK, "sending ping: %s", tc_error(c));
	o = tc_ws_expect(c, "pong", td_ms(5000));
	TA_CHECK(o != NULL, "no pong for clientSentAt %" PRId64 ": %s", v, tc_error(c));
	TA_CHECK(tc_json_int(o, "clientSentAt", &got) == 0,
	    "pong without an integer clientSentAt: %s", json_object_to_json_string(o));
	TA_CHECK(got == v, "pong clientSentAt %" PRId64 ", want %" PRId64, got, v);
	json_object_put(o);
}

json_object *
ta_ws_error_at(const char *file, int line, struct tc_conn *c, const char *code)
{
	json_object *o = tc_ws_expect(c, "error", td_ms(5000));
	const char *got;

	TA_CHECK(o != NULL, "no error message (want code %s): %s", code, tc_error(c));
	got = tc_json_str(o, "code");
	TA_CHECK(got != NULL && strcmp(got, code) == 0, "error code %s, want %s: %s",
	    got != NULL ? got : "(none)", code, json_object_to_json_string(o));
	TA_CHECK(tc_json_str(o, "message") != NULL, "error without a string message: %s",
	    json_object_to_json_string(o));
	return o;
}

void
ta_ws_close_at(const char *file, int line, struct tc_conn *c, int code)
{
	int got = 0, r;

	r = tc_ws_expect_close(c, td_ms(5000), &got);
	TA_CHECK(r == TC_OK, "no close frame (want %d; %s): %s", code, tc_strerror(r),
	    tc_error(c));
	TA_CHECK(got == code, "close code %d, want %d", got, code);
}

void
ta_ws_gone_at(const char *file, int line, struct tc_conn *c, int timeout_ms)
{
	int code, r = tc_ws_expect_close(c, timeout_ms, &code);

	TA_CHECK(r == TC_OK || r == TC_CLOSED || r == TC_ERR,
	    "connection still open after %d ms (%s): %s", timeout_ms, tc_strerror(r),
	    tc_error(c));
}
