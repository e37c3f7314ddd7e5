/*
 * icy.c: fetch a stream's ICY metadata (reference §6.10), with the
 * hardening of §9 item 10: http and https only; every address a name
 * resolves to must be public unless fetching private addresses is allowed;
 * redirects followed by hand, each hop's URL and addresses checked again;
 * one deadline for the whole fetch; a bound on the body bytes read.
 *
 * The request is HTTP/1.0, so a conforming server answers without chunked
 * encoding (Icecast never chunks; a chunked answer is refused). Sockets
 * are non-blocking and every wait is a poll() that also watches the
 * caller's cancel descriptor, so stopping the plugin never waits for a
 * slow server. Name resolution (getaddrinfo) is the one blocking call.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "../common/coerce.h"
#include "clock.h"
#include "icy.h"
#include "netaddr.h"

/* A response head larger than this is refused. */
#define HEAD_MAX 16384

struct conn {
	int fd;
	SSL *ssl;
	uint64_t deadline;	/* monotonic ms */
	int timeout_ms;		/* for the message */
	int cancel_fd;
	struct icy_result *res;
};

/* The body after the head: bytes already read, then the socket. */
struct body {
	struct conn *c;
	char *buf;
	size_t pos, len, cap;
	size_t total, max;	/* read so far, and the bound */
};

static int fail(struct icy_result *, const char *, ...) __attribute__((format(printf, 2, 3)));

/* Set the reason; returns -1 for the caller to return. */
static int
fail(struct icy_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
	return -1;
}

/* OpenSSL's reason for the last failure, or what (static storage). */
static const char *
tls_reason(const char *what)
{
	static __thread char buf[200];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return what;
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t k, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)))
		return 0;
	return k;
}

void
icy_text(const char *in, size_t len, char *out, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)in, *e = p + len;
	char *tmp, *s;
	size_t n = 0, k, chars, i;

	out[0] = '\0';
	/* Each byte becomes at most three (U+FFFD). */
	if ((tmp = malloc(len * 3 + 1)) == NULL || (s = malloc(len * 3 + 1)) == NULL) {
		free(tmp);
		return;
	}
	while (p < e) {
		if ((k = utf8_seq(p, (size_t)(e - p))) == 0) {
			memcpy(tmp + n, "\xef\xbf\xbd", 3);
			n += 3;
			p++;
		} else if (k == 1 && *p == 0)
			p++;
		else if (k == 1 && (*p < 0x20 || *p == 0x7f)) {
			tmp[n++] = ' ';
			p++;
		} else {
			memcpy(tmp + n, p, k);
			n += k;
			p += k;
		}
	}
	co_strip(tmp, n, s, n + 1);
	/* Cut at a character boundary, then trim what the cut left at the end. */
	for (i = 0, chars = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max_chars)
			break;
	co_strip(s, i, out, max_chars * 4 + 1);
	free(tmp);
	free(s);
}

/* ---- the connection ---- */

/* Wait until the socket is ready for events; 0, or -1 (timed out, cancelled). */
static int
conn_wait(struct conn *c, short events)
{
	struct pollfd p[2];
	uint64_t now;
	nfds_t n;
	int rc;

	for (;;) {
		if ((now = clock_mono_ms()) >= c->deadline)
			return fail(c->res, "no answer within %d ms", c->timeout_ms);
		p[0].fd = c->fd;
		p[0].events = events;
		p[0].revents = 0;
		n = 1;
		if (c->cancel_fd >= 0) {
			p[1].fd = c->cancel_fd;
			p[1].events = POLLIN;
			p[1].revents = 0;
			n = 2;
		}
		rc = poll(p, n, (int)(c->deadline - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return fail(c->res, "poll: %s", strerror(errno));
		if (n == 2 && p[1].revents != 0)
			return fail(c->res, "cancelled");
		if (p[0].revents != 0)
			return 0;
	}
}

/* An SSL call that wants to wait: wait; 0 to retry, -1 to give up. */
static int
tls_want(struct conn *c, int rc, const char *what)
{
	int e = SSL_get_error(c->ssl, rc);

	if (e == SSL_ERROR_WANT_READ)
		return conn_wait(c, POLLIN);
	if (e == SSL_ERROR_WANT_WRITE)
		return conn_wait(c, POLLOUT);
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		return fail(c->res, "%s: %s", what, errno != 0 ? strerror(errno) : "connection closed");
	return fail(c->res, "%s: %s", what, tls_reason("failed"));
}

/* Read at most len bytes: their number, 0 at the end, -1 on error. */
static ssize_t
conn_read(struct conn *c, void *buf, size_t len)
{
	ssize_t n;
	int rc;

	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if ((rc = SSL_read(c->ssl, buf, (int)len)) > 0)
				return rc;
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (tls_want(c, rc, "TLS read") != 0)
				return -1;
			continue;
		}
		if ((n = read(c->fd, buf, len)) >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c->res, "read: %s", strerror(errno));
		if (conn_wait(c, POLLIN) != 0)
			return -1;
	}
}

static int
conn_write(struct conn *c, const char *buf, size_t len)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if ((rc = SSL_write(c->ssl, buf, (int)len)) > 0) {
				buf += rc;
				len -= (size_t)rc;
			} else if (tls_want(c, rc, "TLS write") != 0)
				return -1;
			continue;
		}
		if ((n = send(c->fd, buf, len, MSG_NOSIGNAL)) >= 0) {
			buf += n;
			len -= (size_t)n;
		} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c->res, "write: %s", strerror(errno));
		else if (errno != EINTR && conn_wait(c, POLLOUT) != 0)
			return -1;
	}
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static void
addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

/* 1 if host is an IP address literal. */
static int
is_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Connect to one address within the deadline; 0, 1 to try the next, -1 to give up. */
static int
conn_try(struct conn *c, const struct addrinfo *a, int *err)
{
	socklen_t len = sizeof *err;

	c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
	if (c->fd < 0) {
		*err = errno;
		return 1;
	}
	if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0)
		return 0;
	*err = errno;
	if (errno == EINPROGRESS) {
		if (conn_wait(c, POLLOUT) != 0)
			return -1;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, err, &len) == 0 && *err == 0)
			return 0;
	}
	conn_close(c);
	return 1;
}

/* Resolve, check every address, connect, and shake hands for https. */
static int
conn_open(struct conn *c, SSL_CTX *ctx, const struct url *u, const struct icy_conf *conf)
{
	struct addrinfo hints, *ai, *a;
	char port[16], addr[INET6_ADDRSTRLEN];
	int rc, err = ECONNREFUSED;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof port, "%d", u->port);
	if ((rc = getaddrinfo(u->host, port, &hints, &ai)) != 0)
		return fail(c->res, "cannot resolve %s: %s", u->host, gai_strerror(rc));
	/* Every address, not just the first: a name must not lead inside. */
	for (a = ai; a != NULL && !conf->allow_private; a = a->ai_next)
		if (!netaddr_public(a->ai_addr)) {
			addr_text(a->ai_addr, addr, sizeof addr);
			freeaddrinfo(ai);
			return fail(c->res, "refused to fetch %s: it resolves to %s, which is not a public address "
			    "(fetch_allow_private is off)", u->host, addr);
		}
	for (a = ai, rc = 1; a != NULL && rc == 1; a = a->ai_next)
		rc = conn_try(c, a, &err);
	freeaddrinfo(ai);
	if (rc == 1)
		return fail(c->res, "cannot connect to %s port %d: %s", u->host, u->port, strerror(err));
	if (rc < 0 || !u->tls)
		return rc;

	if (ctx == NULL)
		return fail(c->res, "https is not available (no TLS context)");
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return fail(c->res, "TLS: %s", tls_reason("cannot set up"));
	if (is_literal(u->host))
		rc = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host);
	else
		rc = SSL_set_tlsext_host_name(c->ssl, u->host) == 1 && SSL_set1_host(c->ssl, u->host) == 1;
	if (rc != 1)
		return fail(c->res, "TLS: %s", tls_reason("cannot set the expected host"));
	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_connect(c->ssl)) == 1)
			return 0;
		if (SSL_get_verify_result(c->ssl) != X509_V_OK)
			return fail(c->res, "TLS: the certificate of %s is not trusted: %s", u->host,
			    X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
		if (tls_want(c, rc, "TLS handshake") != 0)
			return -1;
	}
}

/* ---- HTTP ---- */

static int
send_request(struct conn *c, const struct url *u)
{
	char req[3072], host[300];
	int n, v6 = strchr(u->host, ':') != NULL;

	if (u->port == (u->tls ? 443 : 80))
		snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
	else
		snprintf(host, sizeof host, "%s%s%s:%d", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	n = snprintf(req, sizeof req,
	    "GET %s HTTP/1.0\r\n"
	    "Host: %s\r\n"
	    "User-Agent: chatgrid/%s\r\n"
	    "Icy-MetaData: 1\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n", u->path, host, PACKAGE_VERSION);
	if (n < 0 || (size_t)n >= sizeof req)
		return fail(c->res, "the request is too long");
	return conn_write(c, req, (size_t)n);
}

/* The end of the head in buf[0..len) (just past its blank line), or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Read until the head is complete; *head is its length, *len what buf holds. */
static int
read_head(struct conn *c, char *buf, size_t cap, size_t *len, size_t *head)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		if ((*head = head_end(buf, *len)) != 0)
			return 0;
		if (*len == cap)
			return fail(c->res, "the response head is longer than %d bytes", HEAD_MAX);
		if ((n = conn_read(c, buf + *len, cap - *len)) < 0)
			return -1;
		if (n == 0)
			return fail(c->res, "the server closed the connection without answering");
		*len += (size_t)n;
	}
}

/* The status code of "HTTP/1.x NNN ..." or "ICY NNN ...", or -1. */
static int
status_code(const char *head)
{
	const char *p;

	if (strncmp(head, "HTTP/", 5) == 0)
		p = head + strcspn(head, " \r\n");
	else if (strncmp(head, "ICY", 3) == 0)
		p = head + 3;
	else
		return -1;
	while (*p == ' ')
		p++;
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* The value of header name in head[0..len) (first one), trimmed, or NULL. */
static const char *
header(const char *head, size_t len, const char *name, size_t *vlen)
{
	const char *p = head, *e = head + len, *eol, *v, *ve;
	size_t n = strlen(name);

	/* Skip the status line. */
	while (p < e && *p != '\n')
		p++;
	for (p++; p < e; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(e - p))) == NULL)
			eol = e;
		if ((size_t)(eol - p) <= n || p[n] != ':' || strncasecmp(p, name, n) != 0)
			continue;
		for (v = p + n + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = eol; ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		*vlen = (size_t)(ve - v);
		return v;
	}
	return NULL;
}

/* A header's value as a string (cut to cap - 1 bytes). */
static char *
header_str(const char *head, size_t len, const char *name, char *out, size_t cap)
{
	const char *v;
	size_t n;

	if ((v = header(head, len, name, &n)) == NULL)
		return NULL;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

/* n bytes of body into out (or skipped, with out NULL); 0 or -1. */
static int
body_read(struct body *b, char *out, size_t n)
{
	ssize_t got;
	size_t k;

	if (n > b->max - b->total)
		return fail(b->c->res, "the metadata lies beyond fetch_max_bytes (%zu bytes)", b->max);
	b->total += n;
	while (n > 0) {
		if (b->pos == b->len) {
			if ((got = conn_read(b->c, b->buf, b->cap)) < 0)
				return -1;
			if (got == 0)
				return fail(b->c->res, "the stream ended before its metadata");
			b->pos = 0;
			b->len = (size_t)got;
		}
		k = b->len - b->pos < n ? b->len - b->pos : n;
		if (out != NULL) {
			memcpy(out, b->buf + b->pos, k);
			out += k;
		}
		b->pos += k;
		n -= k;
	}
	return 0;
}

/* The text of StreamTitle='...'; in a metadata block (non-greedy, as the reference). */
static void
stream_title(const char *m, size_t len, struct icy_result *res)
{
	static const char key[] = "StreamTitle='";
	const char *p, *e = m + len, *q;

	res->title_state = ICY_TITLE_UNKNOWN;
	for (p = m; p + sizeof key - 1 <= e; p++) {
		if (memcmp(p, key, sizeof key - 1) != 0)
			continue;
		p += sizeof key - 1;
		for (q = p; q + 1 < e; q++)
			if (q[0] == '\'' && q[1] == ';') {
				icy_text(p, (size_t)(q - p), res->title, ICY_TITLE_CHARS);
				res->title_state = ICY_TITLE_FOUND;
				return;
			}
		return;
	}
}

/* Past the head: the station and the first metadata block. */
static int
read_metadata(struct conn *c, const struct icy_conf *conf, char *buf, size_t len, size_t head)
{
	struct body b = { c, buf, head, len, HEAD_MAX, 0, conf->max_bytes };
	struct icy_result *res = c->res;
	char v[400], *end, meta[255 * 16];
	unsigned char l;
	const char *name;
	size_t n;
	long long metaint;

	if ((name = header(buf, head, "icy-name", &n)) != NULL || (name = header(buf, head, "ice-name", &n)) != NULL)
		icy_text(name, n, res->station, ICY_STATION_CHARS);
	res->title_state = ICY_TITLE_NONE;
	if (header_str(buf, head, "icy-metaint", v, sizeof v) == NULL)
		return 0;
	errno = 0;
	metaint = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || metaint <= 0)
		return 0;
	if (header_str(buf, head, "transfer-encoding", v, sizeof v) != NULL && strcasecmp(v, "identity") != 0)
		return fail(res, "transfer-encoding %s is not supported", v);
	if ((unsigned long long)metaint >= conf->max_bytes)
		return fail(res, "icy-metaint %lld is beyond fetch_max_bytes (%zu bytes)", metaint, conf->max_bytes);
	if (body_read(&b, NULL, (size_t)metaint) != 0 || body_read(&b, (char *)&l, 1) != 0 ||
	    body_read(&b, meta, (size_t)l * 16) != 0)
		return -1;
	stream_title(meta, (size_t)l * 16, res);
	return 0;
}

int
icy_fetch(SSL_CTX *ctx, const char *url, const struct icy_conf *conf, struct icy_result *res)
{
	struct url u, next;
	struct conn c = { -1, NULL, 0, conf->timeout_ms, conf->cancel_fd, res };
	char *buf, loc[2400];
	const char *err;
	size_t len, head;
	int hops = 0, status, rc = -1;

	memset(res, 0, sizeof *res);
	if ((err = url_parse(url, &u)) != NULL)
		return fail(res, "bad URL: %s", err);
	if ((buf = malloc(HEAD_MAX)) == NULL)
		return fail(res, "out of memory");
	c.deadline = clock_mono_ms() + (uint64_t)conf->timeout_ms;
	for (;;) {
		if (conn_open(&c, ctx, &u, conf) != 0 || send_request(&c, &u) != 0 ||
		    read_head(&c, buf, HEAD_MAX, &len, &head) != 0)
			goto out;
		if ((status = status_code(buf)) < 0) {
			fail(res, "not an HTTP answer");
			goto out;
		}
		if (status < 300 || status > 399 || status == 304)
			break;
		/* Redirects by hand: each hop is checked as the first was. */
		if (header_str(buf, head, "location", loc, sizeof loc) == NULL) {
			fail(res, "HTTP %d without a Location", status);
			goto out;
		}
		if (hops++ == conf->max_redirects) {
			fail(res, "more than %d redirects", conf->max_redirects);
			goto out;
		}
		if ((err = url_resolve(&u, loc, &next)) != NULL) {
			fail(res, "redirected to %.200s: %s", loc, err);
			goto out;
		}
		conn_close(&c);
		u = next;
	}
	if (status < 200 || status > 299)
		fail(res, "HTTP %d", status);
	else
		rc = read_metadata(&c, conf, buf, len, head);
out:
	conn_close(&c);
	free(buf);
	return rc;
}
