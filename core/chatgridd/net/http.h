/* http.h: HTTP/1.1 request heads, responses, routes and static files. */
#ifndef CG_HTTP_H
#define CG_HTTP_H

#include <stddef.h>

struct client;
struct evbuffer;

#define HTTP_MAX_LINE 8192	/* request line; longer is 414 */
#define HTTP_MAX_HEAD 16384	/* header fields together; more is 431 */
#define HTTP_MAX_HEADERS 64

struct http_header {
	const char *name;
	const char *value;
};

/* A parsed request head. Every pointer points into buf, which it owns. */
struct http_req {
	char *buf;
	const char *method;
	const char *target;	/* as sent: path and query */
	char *path;		/* percent-decoded path, owned, NUL-free */
	const char *query;	/* after '?', or "" */
	int minor;		/* HTTP/1.<minor> */
	int keep_alive;
	struct http_header h[HTTP_MAX_HEADERS];
	int nh;
};

/*
 * Find a complete request head at the start of the buffer. Returns its
 * length, 0 if more bytes are needed, or -status (414, 431) when it can
 * never fit.
 */
long http_head_length(struct evbuffer *);
/*
 * Parse a head of len bytes (buf is modified, need not be NUL-terminated
 * but must have room for one more byte). Returns 0, or the status to
 * answer with (400, 414, 431, 501, 505). On success r owns a copy.
 */
int http_parse(const char *buf, size_t len, struct http_req *r);
void http_req_free(struct http_req *);
const char *http_header(const struct http_req *, const char *name);
/* Does a comma-separated header hold this token (case-insensitive)? */
int http_header_has_token(const struct http_req *, const char *name, const char *token);
/* Percent-decode a path; returns a new string or NULL if malformed or holding NUL. */
char *http_decode_path(const char *path, size_t len);
const char *http_status_text(int status);
const char *http_mime_type(const char *path);

/* Route handler: answers the request on the client. */
typedef void (*http_handler)(struct client *, struct http_req *);
/* Where a route is served. */
#define HTTP_AT_ROOT 0x1	/* at its own path */
#define HTTP_AT_BASES 0x2	/* at <base><path without its slash> for each of web_base_paths */
/*
 * Exact-path routes, registered by modules at start-up; path is not
 * copied. http_route serves it at the root only.
 */
void http_route(const char *path, http_handler);
void http_route_at(const char *path, int where, http_handler);
/* Handle one parsed request on a client in the HTTP state. */
void http_dispatch(struct client *, struct http_req *);
/*
 * Write a response. extra is NULL or header lines each ending in CRLF.
 * The body is not sent for HEAD. Closes after it unless keep-alive.
 */
void http_respond(struct client *, const struct http_req *, int status,
    const char *content_type, const char *extra, const void *body, size_t len);
/*
 * May a page from the request's Origin talk to us? Yes without an Origin
 * (not a browser), when it is listed in allowed_origins, or, with an empty
 * list, when its host:port equals the Host header.
 */
int http_origin_allowed(const struct http_req *);
/* An error answer with a short text body, closing the connection. */
void http_error(struct client *, const struct http_req *, int status, const char *text);

#endif
