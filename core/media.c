/*
 * media.c: the media proxy. A browser that must feed a cross-origin stream
 * into Web Audio asks GET /media?url=<http(s) URL>; we check its session
 * cookie, resolve the host and refuse non-public addresses (unless
 * media_allow_private), connect to the vetted address, follow redirects
 * (each checked again), and relay the response body as it comes. The
 * browser's output buffer is the only buffer: past media_buffer_bytes we
 * stop reading from the source until the browser catches up, so a slow
 * reader costs a bounded amount of memory and the source feels the
 * backpressure. Upstream ICY metadata is not requested unless the browser
 * asks with icy=1, so the audio it gets is clean.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "auth.h"
#include "cfg.h"
#include "client.h"
#include "db.h"
#include "http.h"
#include "httpresp.h"
#include "log.h"
#include "media.h"
#include "netaddr.h"
#include "tick.h"
#include "xmalloc.h"

#define HEAD_MAX 16384

enum stream_state {
	MS_AUTH,		/* checking the cookie */
	MS_RESOLVE,
	MS_CONNECT,		/* connecting, sending, waiting for the head */
	MS_RELAY,		/* body flowing to the browser */
	MS_DONE,
};

struct stream {
	struct client *c;		/* the browser; referenced */
	enum stream_state state;
	struct url url;
	char range[128];
	int icy;
	int64_t account;
	int redirects;
	int db_pending;			/* the session query still holds s */
	int busy;			/* inside a call that may end s */
	int ended;			/* ended while busy: free when it returns */
	struct evdns_getaddrinfo_request *dns;
	struct bufferevent *up;		/* to the source; owned */
	uint64_t deadline_ms;		/* connect deadline or idle deadline */
	uint64_t bytes;
	uint64_t started_ms;
	char method[8];
	int keep_alive;
	LIST_ENTRY(stream) entry;
};

static LIST_HEAD(, stream) streams = LIST_HEAD_INITIALIZER(streams);
static int nstreams;
static struct evdns_base *dns;
static struct event_base *base;
static SSL_CTX *client_tls;

int
media_streams(void)
{
	return nstreams;
}

static int
account_streams(int64_t account)
{
	struct stream *s;
	int n = 0;

	LIST_FOREACH(s, &streams, entry)
		if (s->account == account && s->state != MS_AUTH)
			n++;
	return n;
}

/* Finish: answer with an error if nothing was sent yet, release everything. */
static void
stream_end(struct stream *s, int status, const char *why)
{
	struct client *c = s->c;
	struct http_req r;

	if (s->state == MS_DONE)
		return;
	if (s->dns != NULL) {
		evdns_getaddrinfo_cancel(s->dns);
		s->dns = NULL;
	}
	if (s->up != NULL) {
		bufferevent_free(s->up);
		s->up = NULL;
	}
	if (s->state == MS_RELAY)
		log_info("media: %s: %s %s:%d%s ended after %llu bytes, %llu ms: %s", c->addr,
		    s->url.tls ? "https" : "http", s->url.host, s->url.port, s->url.path,
		    (unsigned long long)s->bytes, (unsigned long long)(tick_mono_ms() - s->started_ms), why);
	else if (status != 0)
		log_notice("media: %s: %s:%d refused: %d %s", c->addr, s->url.host, s->url.port, status, why);
	c->stream_drained = NULL;
	c->stream_closed = NULL;
	c->stream_arg = NULL;
	if (c->state == CS_HTTP) {
		if (s->state != MS_RELAY && status != 0) {
			memset(&r, 0, sizeof r);
			r.method = s->method;
			r.keep_alive = 0;
			http_respond(c, &r, status, "text/plain; charset=utf-8",
			    "Cache-Control: no-store\r\n", why, strlen(why));
		} else
			client_close(c, 0, NULL);
	}
	s->state = MS_DONE;
	LIST_REMOVE(s, entry);
	nstreams--;
	client_resume(c);
	client_unref(c);
	if (s->busy)
		s->ended = 1;
	else if (!s->db_pending)
		free(s);
}

/* The browser went away: stop at once. */
static void
browser_closed(struct client *c, void *arg)
{
	struct stream *s = arg;

	s->c->stream_closed = NULL;
	stream_end(s, 0, "browser closed");
}

/* The browser took some bytes: read from the source again. */
static void
browser_drained(struct client *c, void *arg)
{
	struct stream *s = arg;

	if (s->up != NULL && s->state == MS_RELAY)
		bufferevent_enable(s->up, EV_READ);
}

static void stream_resolve(struct stream *);

/* The source's response head is complete: forward it or follow a redirect. */
static void
stream_head(struct stream *s, const char *head)
{
	char v[2100], hdr[4096], type[256], status_text[64];
	struct url next;
	const char *err;
	int status;
	size_t n = 0;
	static const char *const pass[] = {
		"Content-Length", "Content-Range", "Accept-Ranges", "Transfer-Encoding",
		"icy-name", "icy-genre", "icy-br", "icy-metaint", "icy-description", "icy-url",
	};
	size_t i;

	if ((status = httpresp_status(head)) < 0) {
		stream_end(s, 502, "bad answer from the stream server");
		return;
	}
	if (status >= 300 && status < 400 && status != 304) {
		if (httpresp_header(head, "Location", v, sizeof v) == NULL) {
			stream_end(s, 502, "redirect without a location");
			return;
		}
		if (++s->redirects > cfg->media_max_redirects) {
			stream_end(s, 502, "too many redirects");
			return;
		}
		if ((err = url_resolve(&s->url, v, &next)) != NULL) {
			stream_end(s, 502, err);
			return;
		}
		log_debug("media: %s: redirected to %s:%d%s", s->c->addr, next.host, next.port, next.path);
		bufferevent_free(s->up);
		s->up = NULL;
		s->url = next;
		stream_resolve(s);
		return;
	}
	if (status != 200 && status != 206 && status != 416) {
		snprintf(v, sizeof v, "the stream server answered %d", status);
		stream_end(s, 502, v);
		return;
	}
	if (httpresp_header(head, "Content-Type", type, sizeof type) == NULL)
		snprintf(type, sizeof type, "application/octet-stream");
	n += (size_t)snprintf(hdr + n, sizeof hdr - n, "Cache-Control: no-store\r\n");
	for (i = 0; i < sizeof pass / sizeof pass[0]; i++) {
		if (!s->icy && strncmp(pass[i], "icy-", 4) == 0)
			continue;
		if (httpresp_header(head, pass[i], v, sizeof v) != NULL && n < sizeof hdr - 300)
			n += (size_t)snprintf(hdr + n, sizeof hdr - n, "%s: %.200s\r\n", pass[i], v);
	}
	snprintf(status_text, sizeof status_text, "%s", http_status_text(status));
	/* Close-delimited: the body runs until the source ends. */
	evbuffer_add_printf(client_output(s->c),
	    "HTTP/1.1 %d %s\r\nServer: chatgrid/" PACKAGE_VERSION "\r\n"
	    "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n%s\r\n",
	    status, status_text, type, hdr);
	s->state = MS_RELAY;
	s->started_ms = tick_mono_ms();
	s->deadline_ms = s->started_ms + (uint64_t)cfg->media_idle_timeout_ms;
	log_info("media: %s (account %lld): relaying %s://%s:%d%s (%d %s)", s->c->addr,
	    (long long)s->account, s->url.tls ? "https" : "http", s->url.host, s->url.port,
	    s->url.path, status, type);
	if (strcmp(s->method, "HEAD") == 0)
		stream_end(s, 0, "head only");
}

static void
up_read(struct bufferevent *bev, void *arg)
{
	struct stream *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev), *out;
	struct evbuffer_ptr p;
	char *head;
	size_t len;

	if (s->state == MS_CONNECT) {
		p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		len = p.pos >= 0 ? (size_t)p.pos + 4 : 0;
		if (len == 0) {
			p = evbuffer_search(in, "\n\n", 2, NULL);
			len = p.pos >= 0 ? (size_t)p.pos + 2 : 0;
		}
		if (len == 0) {
			if (evbuffer_get_length(in) > HEAD_MAX)
				stream_end(s, 502, "response head too large");
			return;
		}
		head = xmalloc(len + 1);
		evbuffer_remove(in, head, len);
		head[len] = '\0';
		stream_head(s, head);
		free(head);
		if (s->state != MS_RELAY)
			return;
	}
	if (s->state != MS_RELAY)
		return;
	out = client_output(s->c);
	len = evbuffer_get_length(in);
	s->bytes += len;
	s->deadline_ms = tick_mono_ms() + (uint64_t)cfg->media_idle_timeout_ms;
	/* Move, do not copy: the chunks change owner. */
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= (size_t)cfg->media_buffer_bytes)
		bufferevent_disable(bev, EV_READ);
}

static void
up_event(struct bufferevent *bev, short what, void *arg)
{
	struct stream *s = arg;
	struct evbuffer *out;

	if (what & BEV_EVENT_CONNECTED) {
		out = bufferevent_get_output(bev);
		evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s%s%s", s->method, s->url.path,
		    strchr(s->url.host, ':') != NULL ? "[" : "", s->url.host,
		    strchr(s->url.host, ':') != NULL ? "]" : "");
		if ((s->url.tls && s->url.port != 443) || (!s->url.tls && s->url.port != 80))
			evbuffer_add_printf(out, ":%d", s->url.port);
		evbuffer_add_printf(out, "\r\nUser-Agent: chatgrid/" PACKAGE_VERSION
		    "\r\nAccept: */*\r\nConnection: close\r\n%s%s%s%s\r\n",
		    s->range[0] != '\0' ? "Range: " : "", s->range, s->range[0] != '\0' ? "\r\n" : "",
		    s->icy ? "Icy-MetaData: 1\r\n" : "");
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (s->state == MS_RELAY) {
			/* Whatever the source sent last is already in the browser's buffer. */
			up_read(bev, s);
			stream_end(s, 0, what & BEV_EVENT_EOF ? "source ended" : "source error");
		} else
			stream_end(s, 502, "cannot reach the stream server");
	}
}

static void
stream_connect(struct stream *s, const struct evutil_addrinfo *ai)
{
	SSL *ssl;

	if (s->url.tls) {
		if ((ssl = SSL_new(client_tls)) == NULL) {
			stream_end(s, 500, "TLS unavailable");
			return;
		}
		SSL_set_tlsext_host_name(ssl, s->url.host);
		SSL_set1_host(ssl, s->url.host);
		s->up = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE);
	} else
		s->up = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (s->up == NULL) {
		stream_end(s, 500, "cannot create a connection");
		return;
	}
	bufferevent_setcb(s->up, up_read, NULL, up_event, s);
	bufferevent_enable(s->up, EV_READ | EV_WRITE);
	s->state = MS_CONNECT;
	if (bufferevent_socket_connect(s->up, ai->ai_addr, (int)ai->ai_addrlen) != 0)
		stream_end(s, 502, "cannot connect to the stream server");
}

static void
resolved(int err, struct evutil_addrinfo *res, void *arg)
{
	struct stream *s = arg;
	struct evutil_addrinfo *ai, *ok = NULL;

	s->dns = NULL;
	if (err == EVUTIL_EAI_CANCEL)
		return;
	if (err != 0) {
		stream_end(s, 502, "cannot resolve the stream server's name");
		return;
	}
	/* Every address the name has must be allowed: a name must not reach inside. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!cfg->media_allow_private && !netaddr_public(ai->ai_addr)) {
			evutil_freeaddrinfo(res);
			stream_end(s, 403, "address not allowed");
			return;
		}
		if (ok == NULL)
			ok = ai;
	}
	if (ok == NULL) {
		evutil_freeaddrinfo(res);
		stream_end(s, 502, "the stream server's name has no address");
		return;
	}
	stream_connect(s, ok);
	evutil_freeaddrinfo(res);
}

static int
literal_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void
stream_resolve(struct stream *s)
{
	struct evutil_addrinfo hints;
	char port[8];

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* Literal addresses need no resolver (and must not depend on one). */
	hints.ai_flags = literal_address(s->url.host) ? EVUTIL_AI_NUMERICHOST : EVUTIL_AI_ADDRCONFIG;
	snprintf(port, sizeof port, "%d", s->url.port);
	struct evdns_getaddrinfo_request *req;

	s->state = MS_RESOLVE;
	s->deadline_ms = tick_mono_ms() + (uint64_t)cfg->media_connect_timeout_ms;
	/* The callback may run (and end the stream) before this returns. */
	s->busy++;
	req = evdns_getaddrinfo(dns, s->url.host, port, &hints, resolved, s);
	s->busy--;
	if (s->ended) {
		if (!s->db_pending)
			free(s);
		return;
	}
	if (s->state == MS_RESOLVE)
		s->dns = req;
}

static void
session_checked(const PGresult *res, const char *error, void *arg)
{
	struct stream *s = arg;

	s->db_pending = 0;
	if (s->state == MS_DONE) {
		free(s);
		return;
	}
	if (error != NULL) {
		stream_end(s, 503, db_error_unavailable() ? DB_USER_MESSAGE : "server error");
		return;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "f") != 0 ||
	    strcmp(PQgetvalue(res, 0, 2), "f") != 0 || strcmp(PQgetvalue(res, 0, 4), "active") != 0) {
		stream_end(s, 401, "invalid session");
		return;
	}
	s->account = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (account_streams(s->account) >= cfg->media_max_streams_per_account) {
		stream_end(s, 429, "too many streams for this account");
		return;
	}
	stream_resolve(s);
}

/* The value of a query parameter, percent-decoded ('+' is a space); NULL if absent. */
static char *
query_param(const char *q, const char *name)
{
	size_t nl = strlen(name), n;
	const char *p, *e;
	char *raw, *dec, *w;

	for (p = q; *p != '\0'; p = *e == '&' ? e + 1 : e) {
		e = p + strcspn(p, "&");
		if ((size_t)(e - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			n = (size_t)(e - p - nl - 1);
			raw = xstrndup(p + nl + 1, n);
			for (w = raw; *w != '\0'; w++)
				if (*w == '+')
					*w = ' ';
			dec = http_decode_path(raw, strlen(raw));
			free(raw);
			return dec;
		}
	}
	return NULL;
}

static void
media_get(struct client *c, struct http_req *r)
{
	struct stream *s;
	char token[600], hash[65], life[16];
	const char *v[2], *err, *range;
	char *url, *icy;

	if (!cfg->media_proxy) {
		http_error(c, r, 404, "not found");
		return;
	}
	if (auth_cookie(r, AUTH_COOKIE, token, sizeof token) == NULL || token[0] == '\0') {
		http_error(c, r, 401, "missing session");
		return;
	}
	if ((url = query_param(r->query, "url")) == NULL) {
		http_error(c, r, 400, "missing url");
		return;
	}
	s = xcalloc(1, sizeof *s);
	err = strlen(url) > 2048 ? "URL too long" : url_parse(url, &s->url);
	free(url);
	if (err != NULL) {
		free(s);
		http_error(c, r, 400, err);
		return;
	}
	if (nstreams >= cfg->media_max_streams) {
		free(s);
		log_notice("media: %s: refused: media_max_streams (%d) reached", c->addr, cfg->media_max_streams);
		http_error(c, r, 503, "too many streams");
		return;
	}
	if ((range = http_header(r, "Range")) != NULL && strncasecmp(range, "bytes=", 6) == 0)
		snprintf(s->range, sizeof s->range, "%.120s", range);
	if ((icy = query_param(r->query, "icy")) != NULL) {
		s->icy = strcmp(icy, "1") == 0;
		free(icy);
	}
	snprintf(s->method, sizeof s->method, "%s", r->method);
	s->c = c;
	s->state = MS_AUTH;
	s->account = -1;
	s->deadline_ms = tick_mono_ms() + (uint64_t)cfg->media_connect_timeout_ms;
	LIST_INSERT_HEAD(&streams, s, entry);
	nstreams++;
	client_ref(c);
	client_pause(c);
	c->deadline_ms = 0;	/* our own deadlines apply now */
	c->stream_drained = browser_drained;
	c->stream_closed = browser_closed;
	c->stream_arg = s;
	/* Wake the drain callback once the browser's buffer is half empty. */
	bufferevent_setwatermark(c->bev, EV_WRITE, (size_t)cfg->media_buffer_bytes / 2, 0);
	auth_token_hash(token, hash);
	OPENSSL_cleanse(token, sizeof token);
	snprintf(life, sizeof life, "%d", cfg->session_lifetime_s);
	v[0] = hash;
	v[1] = life;
	s->db_pending = 1;
	db_query("auth_resume", 2, v, session_checked, s);
}

static void
media_tick(uint64_t now, void *arg)
{
	struct stream *s, *next;

	for (s = LIST_FIRST(&streams); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		if (s->deadline_ms == 0 || now < s->deadline_ms || s->state == MS_AUTH)
			continue;
		if (s->state == MS_RELAY)
			stream_end(s, 0, "idle timeout");
		else
			stream_end(s, 504, "the stream server did not answer in time");
	}
}

void
media_init(struct event_base *b)
{
	base = b;
	http_route("/media", media_get);
	tick_add("media proxy deadlines", 250, media_tick, NULL);
	if ((dns = evdns_base_new(b, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dns = evdns_base_new(b, 0)) == NULL)
		fatalx("cannot start the DNS resolver");
	if ((client_tls = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("cannot create the TLS client context");
	SSL_CTX_set_min_proto_version(client_tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(client_tls, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(client_tls) != 1)
		log_warn("media: no system CA certificates; https streams will fail");
}
