/*
 * tclient.h: a blocking HTTP/1.1 + WebSocket client over TCP or TLS for tests.
 *
 * Every read takes a timeout in milliseconds (a negative one counts as 0), so
 * a test never hangs on a silent server. TLS does no certificate checks: the
 * tests use throwaway self-signed certificates. Functions that can fail
 * return one of the TC_* codes below (negative) and leave a description in
 * tc_error(conn) for the test's failure message.
 */
#ifndef TC_TCLIENT_H
#define TC_TCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "wsframe.h"

enum {
	TC_OK = 0,
	TC_ERR = -1,		/* local or I/O error, or a malformed response */
	TC_TIMEOUT = -2,	/* nothing (complete) arrived in time */
	TC_CLOSED = -3,		/* the peer closed or reset the connection */
	TC_PROTO = -4,		/* the server broke RFC 6455 (see tc_error) */
};

/* Bounds on what the client accepts from a server. */
#define TC_HTTP_MAX_HEAD (64 * 1024)
#define TC_WS_MAX_MESSAGE (16 * 1024 * 1024)
/* How long a write may wait for the peer to drain its window. */
#define TC_WRITE_TIMEOUT_MS 5000

struct tc_conn;

/* A name for a TC_* code, for messages. */
const char *tc_strerror(int code);

/*
 * Connect to host:port (a name or a literal address), with a TLS handshake if
 * tls is set, all within timeout_ms. Returns NULL on failure (the reason goes
 * to stderr). SIGPIPE is ignored from then on, so writing to a closed peer is
 * an error return rather than death.
 */
struct tc_conn *tc_connect(const char *host, int port, int tls, int timeout_ms);
void tc_close(struct tc_conn *);
/* The socket, e.g. for shutdown(2); owned by the connection. */
int tc_fd(const struct tc_conn *);
int tc_is_tls(const struct tc_conn *);
/* The last error's description; never NULL. */
const char *tc_error(const struct tc_conn *);

/* Write all len bytes. Returns TC_OK, TC_CLOSED, TC_TIMEOUT or TC_ERR. */
int tc_write_raw(struct tc_conn *, const void *data, size_t len);
/*
 * Read what is available (waiting up to timeout_ms for the first byte).
 * Returns the number of bytes (> 0), TC_CLOSED at EOF or reset, TC_TIMEOUT or
 * TC_ERR.
 */
ssize_t tc_read_raw(struct tc_conn *, void *buf, size_t cap, int timeout_ms);
/*
 * 1 if the peer closes (EOF, reset or a fatal TLS error) within timeout_ms,
 * else 0. Bytes arriving meanwhile (a close frame, an error response) are
 * read and thrown away.
 */
int tc_peer_closed(struct tc_conn *, int timeout_ms);

/* ---- HTTP/1.1 ---- */

struct tc_http_header {
	char *name;
	char *value;		/* surrounding white space removed */
};

/* A response; every pointer is owned by it (tc_http_resp_free). */
struct tc_http_resp {
	int status;		/* 0 if no status line was read */
	char *reason;
	int minor_version;	/* HTTP/1.x */
	struct tc_http_header *headers;
	int nheaders;
	char *body;		/* NUL-terminated (the NUL is not counted); NULL if none */
	size_t body_len;
	int has_body;		/* a body was framed (even an empty one) */
};

/*
 * Send "METHOD path HTTP/1.1", a Host header (unless extra_headers has one)
 * and extra_headers ("Name: value\r\n" lines; a missing final CRLF is added;
 * may be NULL), then read the response into out. Returns TC_OK or an error;
 * out is always initialised and must be freed.
 */
int tc_http_request(struct tc_conn *, const char *method, const char *path,
    const char *extra_headers, struct tc_http_resp *out, int timeout_ms);
/*
 * Send len bytes the caller built and read the response. head says the
 * response has no body whatever its headers say (a HEAD request).
 */
int tc_http_request_raw(struct tc_conn *, const void *req, size_t len, int head,
    struct tc_http_resp *out, int timeout_ms);
/*
 * Read one response: status line, headers, then a body framed by
 * Content-Length or chunked encoding, or running to EOF; none for head,
 * 1xx, 204 and 304. Bytes after it stay buffered for the next read.
 */
int tc_http_read_response(struct tc_conn *, int head, struct tc_http_resp *out,
    int timeout_ms);
/* The first header of that name (case-insensitive), or NULL. */
const char *tc_http_header(const struct tc_http_resp *, const char *name);
/* 1 if a comma-separated header of that name has token (case-insensitive). */
int tc_http_header_has_token(const struct tc_http_resp *, const char *name,
    const char *token);
void tc_http_resp_free(struct tc_http_resp *);
/* "Host" value this connection sends: "host:port". */
const char *tc_host_header(const struct tc_conn *);

/* ---- WebSocket ---- */

/*
 * Upgrade with a GET of path: a random Sec-WebSocket-Key, version 13, plus
 * extra_headers (as for tc_http_request). Returns TC_OK on a 101 whose
 * Sec-WebSocket-Accept, Upgrade and Connection headers are right; TC_PROTO if
 * the 101 is wrong; TC_ERR for any other status; or an I/O error. The response
 * goes to out_opt if it is not NULL (the caller frees it).
 */
int tc_ws_handshake(struct tc_conn *, const char *path, const char *extra_headers,
    struct tc_http_resp *out_opt, int timeout_ms);
/* The accept value a server must answer to key (base64 of SHA-1); 29 bytes. */
void tc_ws_accept_for(const char *key, char out[29]);

/*
 * Send one frame. masked frames get a fresh random key, as a browser's do.
 * rsv is TC_WS_RSV* bits. Returns TC_OK or a write error.
 */
int tc_ws_send_frame_ex(struct tc_conn *, int fin, int opcode, int rsv, int masked,
    const void *payload, size_t len);
int tc_ws_send_frame(struct tc_conn *, int fin, int opcode, const void *payload,
    size_t len, int masked);
/* One masked, final text frame. */
int tc_ws_send_text(struct tc_conn *, const char *text);
int tc_ws_sendf(struct tc_conn *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A close frame; code 0 sends none (and no reason). */
int tc_ws_send_close(struct tc_conn *, int code, const char *reason);

/* A received message or control frame; owned by the caller (tc_ws_msg_free). */
struct tc_ws_msg {
	int opcode;		/* TC_WS_TEXT, _BINARY, _CLOSE, _PING or _PONG */
	char *data;		/* payload, NUL-terminated (NUL not counted) */
	size_t len;
	int close_code;		/* close: the code, 1005 if the frame had none */
	char *close_reason;	/* close: the reason ("" if none) */
};

/*
 * Receive the next data message (reassembling fragments and checking that a
 * text message is UTF-8) or control frame. When auto-pong is on (the default)
 * a ping is answered before it is returned. A close frame is returned as a
 * message; the caller answers it (tc_ws_expect_close does). Returns TC_OK,
 * TC_TIMEOUT (a partial message stays buffered), TC_CLOSED, TC_PROTO or TC_ERR.
 */
int tc_ws_recv(struct tc_conn *, struct tc_ws_msg *out, int timeout_ms);
void tc_ws_msg_free(struct tc_ws_msg *);
void tc_ws_set_auto_pong(struct tc_conn *, int on);
/*
 * The next text message parsed as JSON, skipping pings and pongs. NULL on
 * timeout, close (see tc_ws_close_code), a binary message or bad JSON; the
 * reason is in tc_error. The caller owns the object (json_object_put).
 */
json_object *tc_ws_recv_json(struct tc_conn *, int timeout_ms);
/*
 * Skip messages until one whose "type" is type arrives; NULL on timeout or
 * close. Skipped messages are discarded.
 */
json_object *tc_ws_expect(struct tc_conn *, const char *type, int timeout_ms);
/*
 * Skip everything until a close frame; store its code (1005 if none, 1006 if
 * the connection ended without one) in *code when code is not NULL, and
 * answer it with a close frame if none was sent yet. Returns TC_OK when a
 * close frame arrived, otherwise TC_CLOSED, TC_TIMEOUT, TC_PROTO or TC_ERR.
 */
int tc_ws_expect_close(struct tc_conn *, int timeout_ms, int *code);
/* The code of the close frame received, or 0 if none yet. */
int tc_ws_close_code(const struct tc_conn *);

/* ---- JSON helpers ---- */

/* The string member key of o, or NULL if absent or not a string. */
const char *tc_json_str(json_object *o, const char *key);
/* Store the integer member key of o in *out; 0 on success, -1 if absent or not an int. */
int tc_json_int(json_object *o, const char *key, int64_t *out);

/* Milliseconds on the monotonic clock. */
int64_t tc_now_ms(void);
/* Sleep for ms milliseconds, resumed after a signal. */
void tc_sleep_ms(int ms);

#endif
