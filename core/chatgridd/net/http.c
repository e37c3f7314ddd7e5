/*
 * http.c: just enough HTTP/1.1 for a web client: GET and HEAD of static
 * files, a few exact-path routes, and the WebSocket upgrade on /ws. Heads
 * are parsed whole once they are complete, under fixed size limits. Some
 * routes (the WebSocket, the session endpoints, media_proxy.php) are also
 * served under each prefix listed in web_base_paths, for web clients built
 * to live under a base path.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "cfg.h"
#include "client.h"
#include "http.h"
#include "log.h"
#include "upgrade.h"
#include "xmalloc.h"

struct route {
	const char *path;
	int where;		/* HTTP_AT_* */
	http_handler fn;
};

static struct route *routes;
static int nroutes;
/* The WebSocket endpoint, at the root and under every web base path. */
static const struct route ws_route = { "/ws", HTTP_AT_ROOT | HTTP_AT_BASES, upgrade_websocket };

const char *
http_status_text(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "ogg", "audio/ogg" },
	{ "oga", "audio/ogg" },
	{ "opus", "audio/ogg" },
	{ "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" },
	{ "flac", "audio/flac" },
	{ "webm", "audio/webm" },
	{ "woff2", "font/woff2" },
	{ "wasm", "application/wasm" },
	{ "webmanifest", "application/manifest+json" },
};

const char *
http_mime_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
		if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
			return mime_types[i].type;
	return "application/octet-stream";
}

long
http_head_length(struct evbuffer *in)
{
	struct evbuffer_ptr p, nl;
	size_t len = evbuffer_get_length(in), start, linelen;
	int first = 1;
	char c;

	/*
	 * Walk line by line: leading empty lines are skipped (RFC 9112 2.2), and
	 * the head ends at the first empty line, CRLF or bare LF alike.
	 */
	evbuffer_ptr_set(in, &p, 0, EVBUFFER_PTR_SET);
	for (;;) {
		start = (size_t)p.pos;
		nl = evbuffer_search(in, "\n", 1, &p);
		if (nl.pos < 0) {
			if (first && len - start > HTTP_MAX_LINE)
				return -414;
			if (len > HTTP_MAX_LINE + HTTP_MAX_HEAD)
				return -431;
			return 0;
		}
		linelen = (size_t)nl.pos - start;
		if (linelen == 1) {
			evbuffer_copyout_from(in, &p, &c, 1);
			if (c == '\r')
				linelen = 0;
		}
		if (linelen == 0 && !first)
			return (long)nl.pos + 1;
		if (linelen > 0) {
			if (first && linelen > HTTP_MAX_LINE)
				return -414;
			first = 0;
		}
		if ((size_t)nl.pos + 1 > HTTP_MAX_LINE + HTTP_MAX_HEAD)
			return -431;
		evbuffer_ptr_set(in, &p, (size_t)nl.pos + 1, EVBUFFER_PTR_SET);
	}
}

static int
is_tchar(int c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

char *
http_decode_path(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		hi = isxdigit((unsigned char)s[i + 1]) ? s[i + 1] : -1;
		lo = isxdigit((unsigned char)s[i + 2]) ? s[i + 2] : -1;
		if (hi < 0 || lo < 0)
			goto bad;
		hi = isdigit(hi) ? hi - '0' : (tolower(hi) - 'a' + 10);
		lo = isdigit(lo) ? lo - '0' : (tolower(lo) - 'a' + 10);
		if (hi == 0 && lo == 0)
			goto bad;
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/*
 * Request framing we refuse outright (RFC 9112 6.1, 6.3): more than one
 * Content-Length field (or a list in one), a value that is not digits, and
 * Transfer-Encoding together with Content-Length, the classic request
 * smuggling shapes. Transfer-Encoding alone is answered later (501).
 */
static int
framing_bad(const struct http_req *r)
{
	int i, ncl = 0, nte = 0;
	const char *v;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, "Transfer-Encoding") == 0)
			nte++;
		if (strcasecmp(r->h[i].name, "Content-Length") != 0)
			continue;
		ncl++;
		v = r->h[i].value;
		if (*v == '\0' || strspn(v, "0123456789") != strlen(v))
			return 1;
	}
	return ncl > 1 || (ncl > 0 && nte > 0);
}

int
http_parse(const char *src, size_t len, struct http_req *r)
{
	char *s, *line, *next, *sp1, *sp2, *colon, *v, *e, *q;
	size_t headers_len;

	memset(r, 0, sizeof *r);
	if (len == 0 || memchr(src, '\0', len) != NULL)
		return 400;
	r->buf = s = xmalloc(len + 1);
	memcpy(s, src, len);
	s[len] = '\0';

	/* Tolerate empty lines before the request line (RFC 9112 2.2). */
	while (*s == '\r' || *s == '\n')
		s++;
	line = s;
	if ((next = strchr(line, '\n')) == NULL)
		return 400;
	if ((size_t)(next - line) > HTTP_MAX_LINE)
		return 414;
	*next++ = '\0';
	if (next - 2 >= line && next[-2] == '\r')
		next[-2] = '\0';

	/* method SP target SP HTTP/1.x */
	if ((sp1 = strchr(line, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return 400;
	*sp1 = '\0';
	*sp2 = '\0';
	r->method = line;
	r->target = sp1 + 1;
	if (*r->method == '\0' || *r->target == '\0' || strchr(sp2 + 1, ' ') != NULL)
		return 400;
	for (e = line; *e != '\0'; e++)
		if (!is_tchar((unsigned char)*e))
			return 400;
	for (e = sp1 + 1; *e != '\0'; e++)
		if ((unsigned char)*e <= 0x20 || (unsigned char)*e == 0x7f)
			return 400;
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)sp2[8]) || sp2[9] != '\0') {
		if (strncmp(sp2 + 1, "HTTP/", 5) == 0)
			return 505;
		return 400;
	}
	r->minor = sp2[8] - '0';
	if (r->target[0] != '/')
		return 400;	/* no absolute-form or asterisk-form here */

	headers_len = len - (size_t)(next - r->buf);
	if (headers_len > HTTP_MAX_HEAD)
		return 431;
	for (line = next; *line != '\0' && *line != '\n' && strncmp(line, "\r\n", 2) != 0; line = next) {
		if (*line == '\r')
			return 400;	/* a bare CR is not a line end */
		if ((next = strchr(line, '\n')) == NULL)
			return 400;
		*next++ = '\0';
		if (next - 2 >= line && next[-2] == '\r')
			next[-2] = '\0';
		if (*line == ' ' || *line == '\t')
			return 400;	/* obsolete line folding */
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			return 400;
		*colon = '\0';
		for (e = line; *e != '\0'; e++)
			if (!is_tchar((unsigned char)*e))
				return 400;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		for (e = v; *e != '\0'; e++)
			if (((unsigned char)*e < 0x20 && *e != '\t') || *e == 0x7f)
				return 400;
		if (r->nh == HTTP_MAX_HEADERS)
			return 431;
		r->h[r->nh].name = line;
		r->h[r->nh].value = v;
		r->nh++;
	}

	if ((q = strchr(r->target, '?')) != NULL) {
		r->query = q + 1;
		r->path = http_decode_path(r->target, (size_t)(q - r->target));
	} else {
		r->query = "";
		r->path = http_decode_path(r->target, strlen(r->target));
	}
	if (r->path == NULL)
		return 400;
	if (framing_bad(r))
		return 400;
	if (r->minor >= 1)
		r->keep_alive = !http_header_has_token(r, "Connection", "close");
	else
		r->keep_alive = http_header_has_token(r, "Connection", "keep-alive");
	if (r->minor >= 1 && http_header(r, "Host") == NULL)
		return 400;
	return 0;
}

void
http_req_free(struct http_req *r)
{
	free(r->buf);
	free(r->path);
	memset(r, 0, sizeof *r);
}

const char *
http_header(const struct http_req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

int
http_header_has_token(const struct http_req *r, const char *name, const char *token)
{
	size_t tl = strlen(token);
	const char *v, *p;
	int i;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, name) != 0)
			continue;
		for (v = r->h[i].value; *v != '\0'; v = p) {
			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			for (p = v; *p != '\0' && *p != ','; p++)
				;
			while (p > v && (p[-1] == ' ' || p[-1] == '\t'))
				p--;
			if ((size_t)(p - v) == tl && strncasecmp(v, token, tl) == 0)
				return 1;
			while (*p != '\0' && *p != ',')
				p++;
		}
	}
	return 0;
}

void
http_route_at(const char *path, int where, http_handler fn)
{
	routes = xreallocarray(routes, (size_t)nroutes + 1, sizeof *routes);
	routes[nroutes].path = path;
	routes[nroutes].where = where;
	routes[nroutes].fn = fn;
	nroutes++;
}

void
http_route(const char *path, http_handler fn)
{
	http_route_at(path, HTTP_AT_ROOT, fn);
}

static const struct route *
route_match(const char *path, int where)
{
	int i;

	if ((ws_route.where & where) && strcmp(ws_route.path, path) == 0)
		return &ws_route;
	for (i = 0; i < nroutes; i++)
		if ((routes[i].where & where) && strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

/*
 * The route serving a decoded path: one registered at the root, or one
 * registered for base paths under a prefix listed in web_base_paths (so
 * "/chgrid/ws" is the WebSocket when "/chgrid/" is listed). NULL if none.
 */
static const struct route *
route_find(const char *path)
{
	const struct route *rt;
	size_t bl;
	int i;

	if ((rt = route_match(path, HTTP_AT_ROOT)) != NULL)
		return rt;
	for (i = 0; i < cfg->nweb_base_paths; i++) {
		bl = strlen(cfg->web_base_paths[i]);
		/* Every base ends in '/': what follows it, with that slash, names the route. */
		if (bl > 0 && strncmp(path, cfg->web_base_paths[i], bl) == 0 &&
		    (rt = route_match(path + bl - 1, HTTP_AT_BASES)) != NULL)
			return rt;
	}
	return NULL;
}

static const char *
http_date(time_t t, char buf[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

void
http_respond(struct client *c, const struct http_req *r, int status,
    const char *content_type, const char *extra, const void *body, size_t len)
{
	struct evbuffer *out = client_output(c);
	int keep = r != NULL && r->keep_alive;	/* callers clear it for malformed requests */
	char date[64];

	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\n"
	    "Server: chatgrid/" PACKAGE_VERSION "\r\n"
	    "Date: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: %s\r\n",
	    status, http_status_text(status), http_date(time(NULL), date), len,
	    keep ? "keep-alive" : "close");
	if (content_type != NULL)
		evbuffer_add_printf(out, "Content-Type: %s\r\n", content_type);
	if (extra != NULL)
		evbuffer_add(out, extra, strlen(extra));
	evbuffer_add(out, "\r\n", 2);
	if (len > 0 && (r == NULL || r->method == NULL || strcmp(r->method, "HEAD") != 0))
		evbuffer_add(out, body, len);
	log_trace(TRACE_HTTP, "%s %s %s -> %d", c->addr, r != NULL ? r->method : "-",
	    r != NULL ? r->target : "-", status);
	if (!keep)
		client_close(c, 0, NULL);
}

void
http_error(struct client *c, const struct http_req *r, int status, const char *text)
{
	char body[256];
	int n;

	n = snprintf(body, sizeof body, "%s\n", text != NULL ? text : http_status_text(status));
	if (status >= 500)
		log_warn("%s: %d %s", c->addr, status, text != NULL ? text : "");
	else
		log_info("%s: %s %s -> %d", c->addr, r != NULL && r->method != NULL ? r->method : "-",
		    r != NULL && r->target != NULL ? r->target : "-", status);
	http_respond(c, r, status, "text/plain; charset=utf-8",
	    status == 405 ? "Allow: GET, HEAD\r\n" : NULL, body, (size_t)n);
}

int
http_origin_allowed(const struct http_req *r)
{
	const char *origin = http_header(r, "Origin"), *host, *auth;
	size_t n;
	int i;

	if (origin == NULL)
		return 1;
	n = strlen(origin);
	while (n > 0 && origin[n - 1] == '/')
		n--;
	if (cfg->nallowed_origins > 0) {
		for (i = 0; i < cfg->nallowed_origins; i++) {
			const char *a = cfg->allowed_origins[i];
			size_t an = strlen(a);

			while (an > 0 && a[an - 1] == '/')
				an--;
			if (an == n && strncasecmp(a, origin, n) == 0)
				return 1;
		}
		return 0;
	}
	if ((host = http_header(r, "Host")) == NULL || (auth = strstr(origin, "://")) == NULL)
		return 0;
	auth += 3;
	return strlen(host) == n - (size_t)(auth - origin) &&
	    strncasecmp(host, auth, strlen(host)) == 0;
}

/* Reject any path segment that is empty-dot, dot-dot or hidden. */
static int
path_safe(const char *p)
{
	const char *s;

	if (p[0] != '/' || strchr(p, '\\') != NULL)
		return 0;
	for (s = p; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	for (s = p; (s = strchr(s, '/')) != NULL; s++)
		if (s[1] == '.')
			return 0;
	return 1;
}

/* Collapse runs of '/' in place: "//a///b" is "/a/b", as the file system reads it. */
static void
path_squeeze(char *p)
{
	char *start = p, *w = p;

	for (; *p != '\0'; p++)
		if (*p != '/' || w == start || w[-1] != '/')
			*w++ = *p;
	*w = '\0';
}

/*
 * The Location of the redirect from a directory to its index: the
 * normalised path (never "//host", which a browser would read as another
 * server) percent-encoded again, a slash, and the query as it came.
 */
static char *
dir_location(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(path) * 3 + strlen(query) + 32), *o = out;
	const unsigned char *p;

	o += sprintf(o, "Location: ");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("/-._~!$&'()*+,;=:@", *p) != NULL)
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	sprintf(o, "/%s%s\r\n", *query != '\0' ? "?" : "", query);
	return out;
}

static void
http_static(struct client *c, struct http_req *r)
{
	char *full = NULL, *real = NULL, *loc;
	char root[PATH_MAX], etag[80], lm[64], hdr[512];
	const char *inm, *ims;
	struct stat st;
	size_t rootlen;
	int fd = -1;
	struct evbuffer *out;

	path_squeeze(r->path);
	if (!path_safe(r->path)) {
		http_error(c, r, 404, "not found");
		return;
	}
	if (realpath(cfg->www_root, root) == NULL) {
		http_error(c, r, 500, "web root missing");
		return;
	}
	rootlen = strlen(root);
	xasprintf(&full, "%s%s", root, r->path);
	if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (r->path[strlen(r->path) - 1] != '/') {
			loc = dir_location(r->path, r->query);
			http_respond(c, r, 301, "text/plain; charset=utf-8", loc, "moved\n", 6);
			free(loc);
			free(full);
			return;
		}
		free(full);
		xasprintf(&full, "%s%sindex.html", root, r->path);
	}
	if ((real = realpath(full, NULL)) == NULL ||
	    strncmp(real, root, rootlen) != 0 || real[rootlen] != '/' ||
	    (fd = open(real, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		free(real);
		free(full);
		http_error(c, r, 404, "not found");
		return;
	}

	snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	http_date(st.st_mtime, lm);
	snprintf(hdr, sizeof hdr, "ETag: %s\r\nLast-Modified: %s\r\n"
	    "Cache-Control: no-cache\r\nReferrer-Policy: same-origin\r\n", etag, lm);
	inm = http_header(r, "If-None-Match");
	ims = http_header(r, "If-Modified-Since");
	if ((inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) ||
	    (inm == NULL && ims != NULL && strcmp(ims, lm) == 0)) {
		close(fd);
		http_respond(c, r, 304, NULL, hdr, NULL, 0);
		free(real);
		free(full);
		return;
	}
	out = client_output(c);
	/* Headers first with the real length, then the file itself (sendfile or mmap). */
	{
		char date[64];

		evbuffer_add_printf(out,
		    "HTTP/1.1 200 OK\r\nServer: chatgrid/" PACKAGE_VERSION "\r\n"
		    "Date: %s\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
		    "X-Content-Type-Options: nosniff\r\nConnection: %s\r\n%s\r\n",
		    http_date(time(NULL), date), http_mime_type(real), (long long)st.st_size,
		    r->keep_alive ? "keep-alive" : "close", hdr);
	}
	if (strcmp(r->method, "HEAD") != 0 && st.st_size > 0) {
		if (evbuffer_add_file(out, fd, 0, st.st_size) != 0) {
			close(fd);
			log_warn("%s: cannot queue %s", c->addr, real);
			client_teardown(c, "static file error");
			free(real);
			free(full);
			return;
		}
	} else
		close(fd);
	log_trace(TRACE_HTTP, "%s %s %s -> 200", c->addr, r->method, r->target);
	if (!r->keep_alive)
		client_close(c, 0, NULL);
	free(real);
	free(full);
}

void
http_dispatch(struct client *c, struct http_req *r)
{
	const char *cl = http_header(r, "Content-Length");
	const struct route *rt;

	if (http_header(r, "Transfer-Encoding") != NULL) {
		r->keep_alive = 0;
		http_error(c, r, 501, "request bodies are not accepted");
		return;
	}
	if (cl != NULL && strspn(cl, "0") != strlen(cl)) {
		r->keep_alive = 0;
		http_error(c, r, 413, "request bodies are not accepted");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		r->keep_alive = 0;
		http_error(c, r, 405, "method not allowed");
		return;
	}
	rt = route_find(r->path);
	if (rt == &ws_route) {
		upgrade_websocket(c, r);
		return;
	}
	if (http_header_has_token(r, "Upgrade", "websocket")) {
		http_error(c, r, 404, "no WebSocket here; use /ws");
		return;
	}
	if (rt != NULL) {
		rt->fn(c, r);
		return;
	}
	http_static(c, r);
}
