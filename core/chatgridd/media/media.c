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
 *
 * What comes back is served on our origin, so it must never be a page:
 * only audio and stream playlists are relayed (an unlabelled body must
 * look like one in its first bytes), everything else is 415, and every
 * answer carries headers that stop a browser from rendering or sniffing it.
 *
 * A stream is reference counted: its own life (until stream_end) and each
 * callback that may still arrive for it (the session query, the name
 * lookup, whose cancellation is reported later) hold one reference. The
 * browser's connection keeps being read while its stream runs, so a
 * browser that hangs up ends the stream at once, whatever it is waiting for.
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

#include "auth/auth.h"
#include "cfg.h"
#include "db/db.h"
#include "log.h"
#include "media.h"
#include "net/client.h"
#include "net/http.h"
#include "net/httpresp.h"
#include "netaddr.h"
#include "tick.h"
#include "xmalloc.h"

#define HEAD_MAX 16384
#define SNIFF_BYTES 12		/* enough for every signature in sniffs[] */

/* On every answer of the proxy: never render it, never guess its type. */
#define MEDIA_GUARD_HEADERS \
	"Content-Security-Policy: sandbox; default-src 'none'\r\n" \
	"Content-Disposition: inline; filename=\"stream\"\r\n"

enum stream_state {
	MS_AUTH,		/* checking the cookie */
	MS_RESOLVE,
	MS_CONNECT,		/* connecting, sending, waiting for the head */
	MS_SNIFF,		/* head read; an unlabelled body's first bytes decide */
	MS_RELAY,		/* body flowing to the browser */
	MS_DONE,
};

static const char *const state_names[] = {
	"checking the session", "resolving", "connecting", "reading the first bytes",
	"relaying", "done",
};

struct stream {
	int refs;			/* see the comment at the top */
	struct client *c;		/* the browser; referenced */
	enum stream_state state;
	struct url url;
	char range[128];
	int icy;
	int64_t account;
	int redirects;
	struct evdns_getaddrinfo_request *dns;	/* pending lookup; it holds a reference */
	struct bufferevent *up;		/* to the source; owned */
	int status;			/* the source's status, once its head came */
	int chunked;			/* the source's body is chunked (relayed as is) */
	char *head_extra;		/* our header lines for the browser; owned */
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

/*
 * Types relayed as they are labelled: every audio/ type (but XML ones) and
 * these, the containers and playlists radios use.
 */
static const char *const media_types[] = {
	"application/ogg",
	"application/vnd.apple.mpegurl",
	"application/x-mpegurl",
	"application/mpegurl",
};

/* Labels that say nothing: the body's first bytes decide (sniffs[]). */
static const char *const unlabelled[] = {
	"application/octet-stream",
	"binary/octet-stream",
	"application/binary",
};

/* Signatures of audio files and playlists: m1 at off1 and, if set, m2 at off2. */
static const struct sniff {
	const char *type;
	size_t off1;
	const char *m1;
	size_t off2;
	const char *m2;
} sniffs[] = {
	{ "audio/mpeg", 0, "ID3", 0, NULL },
	{ "audio/ogg", 0, "OggS", 0, NULL },
	{ "audio/flac", 0, "fLaC", 0, NULL },
	{ "audio/wav", 0, "RIFF", 8, "WAVE" },
	{ "audio/aiff", 0, "FORM", 8, "AIFF" },
	{ "audio/aiff", 0, "FORM", 8, "AIFC" },
	{ "audio/mp4", 4, "ftyp", 0, NULL },
	{ "audio/webm", 0, "\x1a\x45\xdf\xa3", 0, NULL },
	{ "audio/x-mpegurl", 0, "#EXTM3U", 0, NULL },
	{ "audio/x-scpls", 0, "[playlist]", 0, NULL },
};

enum type_verdict { TYPE_REFUSE, TYPE_RELAY, TYPE_SNIFF };

int
media_streams(void)
{
	return nstreams;
}

static void
stream_hold(struct stream *s)
{
	s->refs++;
}

static void
stream_release(struct stream *s)
{
	if (--s->refs > 0)
		return;
	free(s->head_extra);
	free(s);
}

/* What to do with a body labelled ct (the Content-Type value, or NULL). */
static enum type_verdict
type_verdict(const char *ct)
{
	char t[128];
	size_t n, i;

	if (ct == NULL)
		return TYPE_SNIFF;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 0)
		return TYPE_SNIFF;
	if (n >= sizeof t)
		return TYPE_REFUSE;
	for (i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)ct[i]);
	t[n] = '\0';
	if (strncmp(t, "audio/", 6) == 0 && t[6] != '\0' && strspn(t + 6, "abcdefghijklmnopqrstuvwxyz0123456789.+-_") == n - 6 &&
	    (n < 10 || strcmp(t + n - 4, "+xml") != 0))
		return TYPE_RELAY;
	for (i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
		if (strcmp(t, media_types[i]) == 0)
			return TYPE_RELAY;
	for (i = 0; i < sizeof unlabelled / sizeof unlabelled[0]; i++)
		if (strcmp(t, unlabelled[i]) == 0)
			return TYPE_SNIFF;
	return TYPE_REFUSE;
}

/* The audio type that the first n bytes of a body show, or NULL. */
static const char *
sniff_type(const unsigned char *b, size_t n)
{
	const struct sniff *f;
	size_t i, l1, l2;

	for (i = 0; i < sizeof sniffs / sizeof sniffs[0]; i++) {
		f = &sniffs[i];
		l1 = strlen(f->m1);
		l2 = f->m2 != NULL ? strlen(f->m2) : 0;
		if (n >= f->off1 + l1 && memcmp(b + f->off1, f->m1, l1) == 0 &&
		    (f->m2 == NULL || (n >= f->off2 + l2 && memcmp(b + f->off2, f->m2, l2) == 0)))
			return f->type;
	}
	/* An MPEG audio frame or an ADTS (AAC) frame: eleven sync bits. */
	if (n >= 2 && b[0] == 0xff && (b[1] & 0xe0) == 0xe0)
		return (b[1] & 0x06) == 0 ? "audio/aac" : "audio/mpeg";
	return NULL;
}

/* Did the browser ask for bytes from somewhere after the start? */
static int
range_from_middle(const struct stream *s)
{
	const char *p = s->range + 6;	/* after "bytes=" */

	if (s->range[0] == '\0')
		return 0;
	while (*p == ' ')
		p++;
	return isdigit((unsigned char)*p) && strtoll(p, NULL, 10) > 0;
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
			    "Cache-Control: no-store\r\n" MEDIA_GUARD_HEADERS, why, strlen(why));
		} else
			client_close(c, 0, NULL);
	}
	s->state = MS_DONE;
	LIST_REMOVE(s, entry);
	nstreams--;
	client_unref(c);
	stream_release(s);	/* its life; callbacks still due hold their own */
}

/* The browser went away (or its connection failed): stop at once. */
static void
browser_closed(struct client *c, void *arg)
{
	struct stream *s = arg;

	if (s->state != MS_RELAY)
		log_info("media: %s: the browser left while %s %s:%d", c->addr, state_names[s->state],
		    s->url.host, s->url.port);
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

/* Send the browser our response head, the body's type being type. */
static void
stream_send_head(struct stream *s, const char *type)
{
	evbuffer_add_printf(client_output(s->c),
	    "HTTP/1.1 %d %s\r\nServer: chatgrid/" PACKAGE_VERSION "\r\n"
	    "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n" MEDIA_GUARD_HEADERS
	    "Connection: close\r\n%s\r\n",
	    s->status, http_status_text(s->status), type, s->head_extra);
	s->state = MS_RELAY;
	s->started_ms = tick_mono_ms();
	s->deadline_ms = s->started_ms + (uint64_t)cfg->media_idle_timeout_ms;
	log_info("media: %s (account %lld): relaying %s://%s:%d%s (%d %s)", s->c->addr,
	    (long long)s->account, s->url.tls ? "https" : "http", s->url.host, s->url.port,
	    s->url.path, s->status, type);
	if (strcmp(s->method, "HEAD") == 0)
		stream_end(s, 0, "head only");
}

/* A body that is not audio: refuse it, naming what it was. */
static void
stream_not_audio(struct stream *s, const char *what)
{
	char why[200];

	snprintf(why, sizeof why, "not an audio stream (%.100s)", what);
	stream_end(s, 415, why);
}

/*
 * MS_SNIFF: decide on the first bytes of the body in (after a chunk-size
 * line when chunked), once there are SNIFF_BYTES of them or the source has
 * ended. The bytes stay where they are, to be relayed.
 */
static void
stream_sniff(struct stream *s, struct evbuffer *in, int eof)
{
	unsigned char buf[SNIFF_BYTES + 64], *b = buf, *nl;
	size_t n, chunk = SIZE_MAX;
	const char *type;

	n = (size_t)evbuffer_copyout(in, buf, sizeof buf);
	if (s->chunked) {
		if ((nl = memchr(buf, '\n', n)) == NULL) {
			if (eof || n == sizeof buf)
				stream_not_audio(s, "a chunked body without a first chunk");
			return;
		}
		chunk = strtoul((const char *)buf, NULL, 16);
		n -= (size_t)(nl + 1 - buf);
		b = nl + 1;
	}
	if (n < SNIFF_BYTES && n < chunk && !eof)
		return;
	if (n > chunk)
		n = chunk;
	if ((type = sniff_type(b, n)) == NULL) {
		stream_not_audio(s, "unlabelled, and its first bytes are no audio format");
		return;
	}
	stream_send_head(s, type);
}

/* The source's response head is complete: forward it or follow a redirect. */
static void
stream_head(struct stream *s, const char *head)
{
	char v[2100], hdr[4096], type[256], *t;
	struct url next;
	const char *err;
	int status, has_type;
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
	s->status = status;
	n += (size_t)snprintf(hdr + n, sizeof hdr - n, "Cache-Control: no-store\r\n");
	if (status == 416) {
		/* The source's 416 body is its own (often a page): pass the status alone. */
		if (httpresp_header(head, "Content-Range", v, sizeof v) != NULL)
			n += (size_t)snprintf(hdr + n, sizeof hdr - n, "Content-Range: %.200s\r\n", v);
		snprintf(hdr + n, sizeof hdr - n, "Content-Length: 0\r\n");
		s->head_extra = xstrdup(hdr);
		stream_send_head(s, "text/plain; charset=utf-8");
		if (s->state == MS_RELAY)
			stream_end(s, 0, "range not satisfiable");
		return;
	}
	for (i = 0; i < sizeof pass / sizeof pass[0]; i++) {
		if (!s->icy && strncmp(pass[i], "icy-", 4) == 0)
			continue;
		if (httpresp_header(head, pass[i], v, sizeof v) != NULL && n < sizeof hdr - 300)
			n += (size_t)snprintf(hdr + n, sizeof hdr - n, "%s: %.200s\r\n", pass[i], v);
	}
	s->head_extra = xstrdup(hdr);
	s->chunked = httpresp_header(head, "Transfer-Encoding", v, sizeof v) != NULL &&
	    strcasestr(v, "chunked") != NULL;
	has_type = httpresp_header(head, "Content-Type", type, sizeof type) != NULL;
	/* The label is relayed as sent; strip what a header line cannot hold. */
	for (t = type; has_type && *t != '\0'; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			*t = ' ';
	switch (type_verdict(has_type ? type : NULL)) {
	case TYPE_RELAY:
		stream_send_head(s, type);
		return;
	case TYPE_REFUSE:
		stream_not_audio(s, type);
		return;
	case TYPE_SNIFF:
		break;
	}
	/*
	 * Unlabelled. A HEAD has no body to look at, and the middle of a file
	 * (which only a media element or a script asks for: a navigation sends
	 * no Range) has no signature: both keep the neutral label.
	 */
	if (strcmp(s->method, "HEAD") == 0 || (status == 206 && range_from_middle(s))) {
		stream_send_head(s, "application/octet-stream");
		return;
	}
	s->state = MS_SNIFF;
}

static void up_relay(struct stream *, struct evbuffer *);

static void
up_read(struct bufferevent *bev, void *arg)
{
	struct stream *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char *head;
	size_t len;

	stream_hold(s);
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
			stream_release(s);
			return;
		}
		head = xmalloc(len + 1);
		evbuffer_remove(in, head, len);
		head[len] = '\0';
		stream_head(s, head);
		free(head);
	}
	if (s->state == MS_SNIFF)
		stream_sniff(s, in, 0);
	if (s->state == MS_RELAY)
		up_relay(s, in);
	stream_release(s);
}

/* Move what the source sent to the browser, pausing the source past media_buffer_bytes. */
static void
up_relay(struct stream *s, struct evbuffer *in)
{
	struct evbuffer *out;
	size_t len;

	out = client_output(s->c);
	len = evbuffer_get_length(in);
	s->bytes += len;
	s->deadline_ms = tick_mono_ms() + (uint64_t)cfg->media_idle_timeout_ms;
	/* Move, do not copy: the chunks change owner. */
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= (size_t)cfg->media_buffer_bytes)
		bufferevent_disable(s->up, EV_READ);
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
		stream_hold(s);
		/* What the source sent last may still sit in its buffer. */
		up_read(bev, s);
		if (s->state == MS_SNIFF && (what & BEV_EVENT_EOF))
			stream_sniff(s, bufferevent_get_input(bev), 1);
		if (s->state == MS_RELAY) {
			up_relay(s, bufferevent_get_input(bev));
			stream_end(s, 0, what & BEV_EVENT_EOF ? "source ended" : "source error");
		} else
			stream_end(s, 502, "cannot reach the stream server");
		stream_release(s);
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

	/* The lookup's reference keeps s alive here, even after stream_end cancelled it. */
	s->dns = NULL;
	if (err == EVUTIL_EAI_CANCEL || s->state != MS_RESOLVE) {
		if (err == 0 && res != NULL)
			evutil_freeaddrinfo(res);
		stream_release(s);
		return;
	}
	if (err != 0) {
		stream_end(s, 502, "cannot resolve the stream server's name");
		stream_release(s);
		return;
	}
	/* Every address the name has must be allowed: a name must not reach inside. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!cfg->media_allow_private && !netaddr_public(ai->ai_addr)) {
			evutil_freeaddrinfo(res);
			stream_end(s, 403, "address not allowed");
			stream_release(s);
			return;
		}
		if (ok == NULL)
			ok = ai;
	}
	if (ok == NULL) {
		evutil_freeaddrinfo(res);
		stream_end(s, 502, "the stream server's name has no address");
		stream_release(s);
		return;
	}
	stream_connect(s, ok);
	evutil_freeaddrinfo(res);
	stream_release(s);
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
	log_debug("media: %s: resolving %s", s->c->addr, s->url.host);
	/*
	 * One reference for the lookup, released by its callback, which runs
	 * exactly once: before this returns (answered at once: NULL comes
	 * back), later with the answer, or later with EVUTIL_EAI_CANCEL.
	 */
	stream_hold(s);
	stream_hold(s);		/* ours, across a callback run from inside */
	req = evdns_getaddrinfo(dns, s->url.host, port, &hints, resolved, s);
	if (req != NULL)
		s->dns = req;
	stream_release(s);
}

static void
session_checked(const PGresult *res, const char *error, void *arg)
{
	struct stream *s = arg;

	/* The query's reference is released on the way out. */
	if (s->state != MS_AUTH) {
		stream_release(s);	/* ended meanwhile: the browser left */
		return;
	}
	if (error != NULL)
		stream_end(s, 503, db_error_unavailable() ? DB_USER_MESSAGE : "server error");
	else if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "f") != 0 ||
	    strcmp(PQgetvalue(res, 0, 2), "f") != 0 || strcmp(PQgetvalue(res, 0, 4), "active") != 0)
		stream_end(s, 401, "invalid session");
	else {
		s->account = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (account_streams(s->account) >= cfg->media_max_streams_per_account)
			stream_end(s, 429, "too many streams for this account");
		else
			stream_resolve(s);
	}
	stream_release(s);
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

/* http_error with the headers every answer of the proxy carries. */
static void
media_refuse(struct client *c, const struct http_req *r, int status, const char *text)
{
	char body[256];
	int n;

	n = snprintf(body, sizeof body, "%s\n", text);
	log_info("media: %s: %s %.200s -> %d %s", c->addr, r->method, r->path, status, text);
	http_respond(c, r, status, "text/plain; charset=utf-8",
	    "Cache-Control: no-store\r\n" MEDIA_GUARD_HEADERS, body, (size_t)n);
}

/*
 * GET or HEAD /media?url=...; also <base>media_proxy.php?url=... for each
 * of web_base_paths (the name the reference web client uses): one handler,
 * so the alias has exactly the same rules.
 */
static void
media_get(struct client *c, struct http_req *r)
{
	struct stream *s;
	char token[600], hash[65], life[16];
	const char *v[2], *err, *range;
	char *url, *icy;

	if (!cfg->media_proxy) {
		media_refuse(c, r, 404, "not found");
		return;
	}
	if (auth_cookie(r, AUTH_COOKIE, token, sizeof token) == NULL || token[0] == '\0') {
		media_refuse(c, r, 401, "missing session");
		return;
	}
	if ((url = query_param(r->query, "url")) == NULL) {
		media_refuse(c, r, 400, "missing url");
		return;
	}
	s = xcalloc(1, sizeof *s);
	err = strlen(url) > 2048 ? "URL too long" : url_parse(url, &s->url);
	free(url);
	if (err != NULL) {
		free(s);
		media_refuse(c, r, 400, err);
		return;
	}
	if (nstreams >= cfg->media_max_streams) {
		free(s);
		log_notice("media: %s: refused: media_max_streams (%d) reached", c->addr, cfg->media_max_streams);
		media_refuse(c, r, 503, "too many streams");
		return;
	}
	if ((range = http_header(r, "Range")) != NULL && strncasecmp(range, "bytes=", 6) == 0)
		snprintf(s->range, sizeof s->range, "%.120s", range);
	if ((icy = query_param(r->query, "icy")) != NULL) {
		s->icy = strcmp(icy, "1") == 0;
		free(icy);
	}
	snprintf(s->method, sizeof s->method, "%s", r->method);
	s->refs = 1;		/* its life, until stream_end */
	s->c = c;
	s->state = MS_AUTH;
	s->account = -1;
	s->deadline_ms = tick_mono_ms() + (uint64_t)cfg->media_connect_timeout_ms;
	LIST_INSERT_HEAD(&streams, s, entry);
	nstreams++;
	client_ref(c);
	/*
	 * The connection is the stream's now (client.c throws away what else
	 * the browser sends, but keeps reading, so a hang-up ends the stream).
	 */
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
	stream_hold(s);		/* the query's, released in session_checked */
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
	static const char *const resolv_errors[] = {
		"", "cannot open it", "cannot stat it", "it is too large", "out of memory",
		"short read", "it lists no nameserver",
	};
	int rc;

	base = b;
	http_route("/media", media_get);
	http_route_at("/media_proxy.php", HTTP_AT_BASES, media_get);
	tick_add("media proxy deadlines", 250, media_tick, NULL);
	if ((dns = evdns_base_new(b, 0)) == NULL)
		fatalx("cannot start the DNS resolver");
	rc = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, cfg->media_resolv_conf);
	if (rc != 0)
		log_warn("media_resolv_conf %s: %s; the media proxy asks the nameserver at 127.0.0.1",
		    cfg->media_resolv_conf, rc > 0 && rc < 7 ? resolv_errors[rc] : "cannot read it");
	if ((client_tls = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("cannot create the TLS client context");
	SSL_CTX_set_min_proto_version(client_tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(client_tls, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(client_tls) != 1)
		log_warn("media: no system CA certificates; https streams will fail");
}
