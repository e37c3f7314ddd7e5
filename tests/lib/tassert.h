/*
 * tassert.h: Check assertions over the test client, shared by integration
 * tests. Each one fails the running test with the caller's file and line, the
 * client's error text and, if a daemon died meanwhile, how (td_health). They
 * are macros so the location is the test's, not this file's.
 */
#ifndef TA_TASSERT_H
#define TA_TASSERT_H

#include <stdint.h>

#include "tclient.h"

/* Send a request and read the response; fails unless that worked (any status). */
#define ta_http(c, method, path, hdrs, out) \
	ta_http_at(__FILE__, __LINE__, (c), (method), (path), (hdrs), (out))
/* Send raw bytes as a request; fails unless a response was read. */
#define ta_http_raw(c, req, out) ta_http_raw_at(__FILE__, __LINE__, (c), (req), (out))
/* Fails unless the response status is status (shows the body on failure). */
#define ta_status(r, status) ta_status_at(__FILE__, __LINE__, (r), (status))
/* Fails unless header name is present and equals value (case-sensitive). */
#define ta_header_eq(r, name, value) ta_header_eq_at(__FILE__, __LINE__, (r), (name), (value))
/* Send {"type":"ping","clientSentAt":v} and fail unless the pong echoes v. */
#define ta_ws_ping(c, v) ta_ws_ping_at(__FILE__, __LINE__, (c), (v))
/*
 * Wait for {"type":"error","code":code,...} (other messages are skipped) and
 * return it (caller json_object_put); fails unless it has a string message.
 */
#define ta_ws_error(c, code) ta_ws_error_at(__FILE__, __LINE__, (c), (code))
/* Fails unless a close frame with that code arrives (it is answered). */
#define ta_ws_close(c, code) ta_ws_close_at(__FILE__, __LINE__, (c), (code))
/* Fails unless the connection ends (close frame or EOF) within timeout_ms. */
#define ta_ws_gone(c, timeout_ms) ta_ws_gone_at(__FILE__, __LINE__, (c), (timeout_ms))

void ta_http_at(const char *, int, struct tc_conn *, const char *method, const char *path,
    const char *extra_headers, struct tc_http_resp *out);
void ta_http_raw_at(const char *, int, struct tc_conn *, const char *req,
    struct tc_http_resp *out);
void ta_status_at(const char *, int, const struct tc_http_resp *, int status);
void ta_header_eq_at(const char *, int, const struct tc_http_resp *, const char *name,
    const char *value);
void ta_ws_ping_at(const char *, int, struct tc_conn *, int64_t v);
json_object *ta_ws_error_at(const char *, int, struct tc_conn *, const char *code);
void ta_ws_close_at(const char *, int, struct tc_conn *, int code);
void ta_ws_gone_at(const char *, int, struct tc_conn *, int timeout_ms);

#endif
