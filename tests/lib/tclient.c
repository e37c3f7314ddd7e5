/* tclient.c: blocking HTTP/1.1 + WebSocket test client over TCP or TLS. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "tclient.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct tc_conn {
	int fd;
	SSL_CTX *ctx;		/* owned; NULL for plain TCP */
	SSL *ssl;		/* owned; NULL for plain TCP */
	char hosthdr[300];	/* "host:port" for the Host header */

	/* Received bytes not consumed yet are buf[off..len). Owned. */
	uint8_t *buf;
	size_t off, len, cap;

	/* WebSocket state. */
	int auto_pong;
	int close_sent;
	int close_code;		/* of the close frame received; 0 if none */
	int frag_op;		/* opcode of the message being reassembled; 0 if none */
	uint8_t *frag;		/* owned; the message so far */
	size_t frag_len, frag_cap;
	struct tc_utf8 utf8;

	char err[512];
};

static void tc_set_err(struct tc_conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
tc_set_err(struct tc_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}

const char *
tc_strerror(int code)
{
	switch (code) {
	case TC_OK: return "ok";
	case TC_ERR: return "error";
	case TC_TIMEOUT: return "timeout";
	case TC_CLOSED: return "closed";
	case TC_PROTO: return "protocol error";
	default: return "unknown";
	}
}

int64_t
tc_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort();	/* cannot happen on Linux; no clock means no timeouts */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tc_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
tc_remaining(int64_t deadline)
{
	int64_t r = deadline - tc_now_ms();

	if (r < 0)
		return 0;
	return r > INT_MAX ? INT_MAX : (int)r;
}

static int64_t
tc_deadline(int timeout_ms)
{
	return tc_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
}

/* Wait for events on the socket until deadline: 1 ready, 0 timeout, -1 error. */
static int
tc_wait(struct tc_conn *c, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int r;

	for (;;) {
		r = poll(&pfd, 1, tc_remaining(deadline));
		if (r >= 0)
			return r > 0;
		if (errno != EINTR) {
			tc_set_err(c, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

static void
tc_ssl_err(struct tc_conn *c, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof buf);
	tc_set_err(c, "%s: %s", what, e != 0 ? buf : strerror(errno));
	ERR_clear_error();
}

/*
 * One read from the socket or TLS. Returns bytes (> 0), TC_CLOSED, TC_TIMEOUT
 * or TC_ERR.
 */
static ssize_t
tc_recv_some(struct tc_conn *c, void *buf, size_t cap, int64_t deadline)
{
	ssize_t n;
	size_t got;
	int r, e;

	for (;;) {
		if (c->ssl == NULL) {
			n = recv(c->fd, buf, cap, 0);
			if (n > 0)
				return n;
			if (n == 0) {
				tc_set_err(c, "connection closed by peer");
				return TC_CLOSED;
			}
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET || errno == EPIPE) {
				tc_set_err(c, "connection reset by peer");
				return TC_CLOSED;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				tc_set_err(c, "recv: %s", strerror(errno));
				return TC_ERR;
			}
			r = tc_wait(c, POLLIN, deadline);
		} else {
			ERR_clear_error();
			if (SSL_read_ex(c->ssl, buf, cap, &got) == 1)
				return (ssize_t)got;
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN) {
				tc_set_err(c, "TLS connection closed by peer");
				return TC_CLOSED;
			}
			if (e == SSL_ERROR_SYSCALL) {
				if (errno == 0 || errno == ECONNRESET || errno == EPIPE) {
					tc_set_err(c, "TLS connection reset by peer");
					return TC_CLOSED;
				}
				tc_set_err(c, "SSL_read: %s", strerror(errno));
				return TC_ERR;
			}
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				tc_ssl_err(c, "SSL_read");
				return TC_ERR;
			}
			r = tc_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
		}
		if (r < 0)
			return TC_ERR;
		if (r == 0) {
			tc_set_err(c, "timed out waiting for data");
			return TC_TIMEOUT;
		}
	}
}

/* Read more bytes into the buffer. Returns bytes added (> 0) or a TC_* error. */
static ssize_t
tc_fill(struct tc_conn *c, int64_t deadline)
{
	ssize_t n;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < 4096) {
		size_t ncap = c->cap < 16384 ? 16384 : c->cap * 2;
		uint8_t *nb = realloc(c->buf, ncap);

		if (nb == NULL) {
			tc_set_err(c, "out of memory");
			return TC_ERR;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	n = tc_recv_some(c, c->buf + c->len, c->cap - c->len, deadline);
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

static size_t
tc_avail(const struct tc_conn *c)
{
	return c->len - c->off;
}

/* Make at least n bytes available. Returns TC_OK or a TC_* error. */
static int
tc_need(struct tc_conn *c, size_t n, int64_t deadline)
{
	ssize_t r;

	while (tc_avail(c) < n)
		if ((r = tc_fill(c, deadline)) < 0)
			return (int)r;
	return TC_OK;
}

int
tc_write_raw(struct tc_conn *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	int64_t deadline = tc_deadline(TC_WRITE_TIMEOUT_MS);
	ssize_t n;
	size_t done;
	int r, e;

	while (len > 0) {
		if (c->ssl == NULL) {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
			if (n >= 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET) {
				tc_set_err(c, "send: %s", strerror(errno));
				return TC_CLOSED;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				tc_set_err(c, "send: %s", strerror(errno));
				return TC_ERR;
			}
			r = tc_wait(c, POLLOUT, deadline);
		} else {
			ERR_clear_error();
			if (SSL_write_ex(c->ssl, p, len, &done) == 1) {
				p += done;
				len -= done;
				continue;
			}
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
				tc_set_err(c, "SSL_write: %s", strerror(errno));
				return TC_CLOSED;
			}
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				tc_ssl_err(c, "SSL_write");
				return TC_ERR;
			}
			r = tc_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
		}
		if (r < 0)
			return TC_ERR;
		if (r == 0) {
			tc_set_err(c, "timed out writing");
			return TC_TIMEOUT;
		}
	}
	return TC_OK;
}

ssize_t
tc_read_raw(struct tc_conn *c, void *buf, size_t cap, int timeout_ms)
{
	size_t n;

	if (cap == 0)
		return TC_ERR;
	if (tc_avail(c) == 0) {
		ssize_t r = tc_fill(c, tc_deadline(timeout_ms));

		if (r < 0)
			return r;
	}
	n = tc_avail(c) < cap ? tc_avail(c) : cap;
	memcpy(buf, c->buf + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

int
tc_peer_closed(struct tc_conn *c, int timeout_ms)
{
	int64_t deadline = tc_deadline(timeout_ms);
	ssize_t r;

	for (;;) {
		c->off = c->len;	/* whatever came before the close is not wanted */
		r = tc_fill(c, deadline);
		if (r == TC_TIMEOUT)
			return 0;
		if (r < 0)
			return 1;
	}
}

static int
tc_connect_tcp(struct tc_conn *c, const char *host, int port, int64_t deadline)
{
	struct addrinfo hints, *res, *ai;
	char portstr[16];
	int fd = -1, r, soerr;
	socklen_t sl;
	const int one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		tc_set_err(c, "getaddrinfo %s: %s", host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			tc_set_err(c, "socket: %s", strerror(errno));
			continue;
		}
		c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			r = tc_wait(c, POLLOUT, deadline);
			sl = sizeof soerr;
			if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0) {
				if (soerr == 0)
					break;
				errno = soerr;
			} else if (r == 0)
				errno = ETIMEDOUT;
		}
		tc_set_err(c, "connect %s:%d: %s", host, port, strerror(errno));
		close(fd);
		c->fd = fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	/* Tests send many small frames and time replies: no Nagle delay. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
		tc_set_err(c, "setsockopt TCP_NODELAY: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
tc_connect_tls(struct tc_conn *c, const char *host, int64_t deadline)
{
	struct in6_addr a6;
	int r, e;

	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tc_ssl_err(c, "SSL_CTX_new");
		return -1;
	}
	/* Throwaway test certificates: verifying them would prove nothing. */
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	/* A peer that drops TCP without close_notify is a plain EOF to the tests. */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if ((c->ssl = SSL_new(c->ctx)) == NULL) {
		tc_ssl_err(c, "SSL_new");
		return -1;
	}
	if (SSL_set_fd(c->ssl, c->fd) != 1) {
		tc_ssl_err(c, "SSL_set_fd");
		return -1;
	}
	/* SNI only for names, as browsers do. */
	if (inet_pton(AF_INET, host, &a6) != 1 && inet_pton(AF_INET6, host, &a6) != 1 &&
	    SSL_set_tlsext_host_name(c->ssl, host) != 1) {
		tc_ssl_err(c, "SSL_set_tlsext_host_name");
		return -1;
	}
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(c->ssl)) == 1)
			return 0;
		e = SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			tc_ssl_err(c, "TLS handshake");
			return -1;
		}
		r = tc_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
		if (r <= 0) {
			if (r == 0)
				tc_set_err(c, "TLS handshake timed out");
			return -1;
		}
	}
}

struct tc_conn *
tc_connect(const char *host, int port, int tls, int timeout_ms)
{
	static int sigpipe_ignored;
	int64_t deadline = tc_deadline(timeout_ms);
	struct tc_conn *c;

	/* OpenSSL writes with write(2): a closed peer must not kill the test. */
	if (!sigpipe_ignored) {
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
			fprintf(stderr, "tc_connect: signal: %s\n", strerror(errno));
			return NULL;
		}
		sigpipe_ignored = 1;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->fd = -1;
	c->auto_pong = 1;
	/* Never NULL, so buf + off is always a valid pointer. */
	c->cap = 16384;
	if ((c->buf = malloc(c->cap)) == NULL) {
		free(c);
		return NULL;
	}
	if (strchr(host, ':') != NULL)
		snprintf(c->hosthdr, sizeof c->hosthdr, "[%s]:%d", host, port);
	else
		snprintf(c->hosthdr, sizeof c->hosthdr, "%s:%d", host, port);
	if (tc_connect_tcp(c, host, port, deadline) != 0 ||
	    (tls && tc_connect_tls(c, host, deadline) != 0)) {
		fprintf(stderr, "tc_connect %s (%s): %s\n", c->hosthdr, tls ? "tls" : "tcp",
		    c->err);
		tc_close(c);
		return NULL;
	}
	return c;
}

void
tc_close(struct tc_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c->frag);
	free(c);
}

int
tc_fd(const struct tc_conn *c)
{
	return c->fd;
}

int
tc_is_tls(const struct tc_conn *c)
{
	return c->ssl != NULL;
}

const char *
tc_error(const struct tc_conn *c)
{
	return c->err;
}

const char *
tc_host_header(const struct tc_conn *c)
{
	return c->hosthdr;
}

/* ---- HTTP/1.1 ---- */

void
tc_http_resp_free(struct tc_http_resp *r)
{
	int i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->reason);
	free(r->body);
	memset(r, 0, sizeof *r);
}

const char *
tc_http_header(const struct tc_http_resp *r, const char *name)
{
	int i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

int
tc_http_header_has_token(const struct tc_http_resp *r, const char *name, const char *token)
{
	size_t tl = strlen(token);
	const char *p;
	int i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, name) != 0)
			continue;
		for (p = r->headers[i].value; *p != '\0';) {
			size_t n;

			p += strspn(p, " \t,");
			n = strcspn(p, ",");
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n == tl && strncasecmp(p, token, tl) == 0)
				return 1;
			p += strcspn(p, ",");
		}
	}
	return 0;
}

static char *
tc_strndup_trim(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

/* Parse the response head (without the blank line) into out. */
static int
tc_http_parse_head(struct tc_conn *c, const char *h, size_t hlen, struct tc_http_resp *out)
{
	const char *end = h + hlen, *eol, *colon;
	struct tc_http_header *nh;

	eol = memchr(h, '\r', hlen);
	if (eol == NULL)
		eol = end;
	if (eol - h < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[7] < '0' || h[7] > '9' ||
	    h[8] != ' ' || h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' ||
	    h[11] < '0' || h[11] > '9' || (eol - h > 12 && h[12] != ' ')) {
		tc_set_err(c, "bad status line: %.*s", (int)(eol - h > 80 ? 80 : eol - h), h);
		return TC_ERR;
	}
	out->minor_version = h[7] - '0';
	out->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	out->reason = eol - h > 13 ? strndup(h + 13, (size_t)(eol - h - 13)) : strdup("");
	if (out->reason == NULL)
		goto nomem;
	for (h = eol; h < end; h = eol) {
		/* Every line ends with CRLF: a bare LF is a server bug worth seeing. */
		if (end - h < 2 || h[0] != '\r' || h[1] != '\n') {
			tc_set_err(c, "header line not ended by CRLF");
			return TC_ERR;
		}
		h += 2;
		eol = memchr(h, '\r', (size_t)(end - h));
		if (eol == NULL)
			eol = end;
		colon = memchr(h, ':', (size_t)(eol - h));
		if (colon == NULL || colon == h || *h == ' ' || *h == '\t' ||
		    memchr(h, ' ', (size_t)(colon - h)) != NULL) {
			tc_set_err(c, "bad header line: %.*s", (int)(eol - h > 80 ? 80 : eol - h), h);
			return TC_ERR;
		}
		nh = realloc(out->headers, (size_t)(out->nheaders + 1) * sizeof *nh);
		if (nh == NULL)
			goto nomem;
		out->headers = nh;
		nh += out->nheaders;
		nh->name = strndup(h, (size_t)(colon - h));
		nh->value = tc_strndup_trim(colon + 1, (size_t)(eol - colon - 1));
		out->nheaders++;
		if (nh->name == NULL || nh->value == NULL)
			goto nomem;
	}
	return TC_OK;
nomem:
	tc_set_err(c, "out of memory");
	return TC_ERR;
}

/* Append n buffered bytes to the body and consume them. */
static int
tc_http_take_body(struct tc_conn *c, struct tc_http_resp *out, size_t n)
{
	char *nb = realloc(out->body, out->body_len + n + 1);

	if (nb == NULL) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	out->body = nb;
	memcpy(nb + out->body_len, c->buf + c->off, n);
	out->body_len += n;
	nb[out->body_len] = '\0';
	c->off += n;
	return TC_OK;
}

/* Find CRLF in the buffer from offset from; returns its offset or -1. */
static ssize_t
tc_find_crlf(const struct tc_conn *c, size_t from)
{
	const uint8_t *p = c->buf + c->off + from, *e = c->buf + c->len;

	for (; p + 1 < e; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p - (c->buf + c->off);
	return -1;
}

static int
tc_http_read_chunked(struct tc_conn *c, struct tc_http_resp *out, int64_t deadline)
{
	ssize_t eol;
	unsigned long long size;
	char line[32], *ep;
	int r;

	for (;;) {
		while ((eol = tc_find_crlf(c, 0)) < 0) {
			if (tc_avail(c) > 1024) {
				tc_set_err(c, "chunk size line too long");
				return TC_ERR;
			}
			if ((r = (int)tc_fill(c, deadline)) < 0)
				return r;
		}
		snprintf(line, sizeof line, "%.*s", (int)(eol < 31 ? eol : 31), c->buf + c->off);
		errno = 0;
		size = strtoull(line, &ep, 16);
		if (ep == line || errno != 0 || size > TC_WS_MAX_MESSAGE) {
			tc_set_err(c, "bad chunk size: %s", line);
			return TC_ERR;
		}
		c->off += (size_t)eol + 2;
		if (size == 0)
			break;
		if ((r = tc_need(c, (size_t)size + 2, deadline)) != TC_OK)
			return r;
		if ((r = tc_http_take_body(c, out, (size_t)size)) != TC_OK)
			return r;
		if (c->buf[c->off] != '\r' || c->buf[c->off + 1] != '\n') {
			tc_set_err(c, "chunk not followed by CRLF");
			return TC_ERR;
		}
		c->off += 2;
	}
	/* Trailer fields, then the empty line. */
	for (;;) {
		while ((eol = tc_find_crlf(c, 0)) < 0)
			if ((r = (int)tc_fill(c, deadline)) < 0)
				return r;
		c->off += (size_t)eol + 2;
		if (eol == 0)
			return TC_OK;
	}
}

int
tc_http_read_response(struct tc_conn *c, int head, struct tc_http_resp *out, int timeout_ms)
{
	int64_t deadline = tc_deadline(timeout_ms);
	const char *cl, *te;
	ssize_t hend = -1, r;
	size_t scanned = 0;
	unsigned long long n;
	char *ep;

	memset(out, 0, sizeof *out);
	for (;;) {
		const uint8_t *p = c->buf + c->off;
		size_t i;

		for (i = scanned; i + 3 < tc_avail(c); i++)
			if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
				hend = (ssize_t)i;
				break;
			}
		if (hend >= 0)
			break;
		scanned = tc_avail(c) > 3 ? tc_avail(c) - 3 : 0;
		if (tc_avail(c) > TC_HTTP_MAX_HEAD) {
			tc_set_err(c, "response head over %d bytes", TC_HTTP_MAX_HEAD);
			return TC_ERR;
		}
		if ((r = tc_fill(c, deadline)) < 0) {
			if (r == TC_CLOSED && tc_avail(c) > 0)
				tc_set_err(c, "connection closed inside the response head "
				    "(%zu bytes: %.40s)", tc_avail(c), (const char *)c->buf + c->off);
			return (int)r;
		}
	}
	if ((r = tc_http_parse_head(c, (const char *)c->buf + c->off, (size_t)hend, out)) != TC_OK)
		return (int)r;
	c->off += (size_t)hend + 4;

	if (head || out->status / 100 == 1 || out->status == 204 || out->status == 304)
		return TC_OK;
	out->has_body = 1;
	if ((out->body = strdup("")) == NULL) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	te = tc_http_header(out, "Transfer-Encoding");
	if (te != NULL && tc_http_header_has_token(out, "Transfer-Encoding", "chunked"))
		return tc_http_read_chunked(c, out, deadline);
	if ((cl = tc_http_header(out, "Content-Length")) != NULL) {
		errno = 0;
		n = strtoull(cl, &ep, 10);
		if (*cl < '0' || *cl > '9' || *ep != '\0' || errno != 0 || n > TC_WS_MAX_MESSAGE) {
			tc_set_err(c, "bad Content-Length: %s", cl);
			return TC_ERR;
		}
		if ((r = tc_need(c, (size_t)n, deadline)) != TC_OK) {
			tc_set_err(c, "body shorter than Content-Length %llu (%s)", n, c->err);
			return (int)r;
		}
		return tc_http_take_body(c, out, (size_t)n);
	}
	/* No framing: the body runs to EOF. */
	for (;;) {
		if ((r = tc_http_take_body(c, out, tc_avail(c))) != TC_OK)
			return (int)r;
		if ((r = tc_fill(c, deadline)) == TC_CLOSED)
			return TC_OK;
		if (r < 0)
			return (int)r;
	}
}

int
tc_http_request_raw(struct tc_conn *c, const void *req, size_t len, int head,
    struct tc_http_resp *out, int timeout_ms)
{
	int r;

	memset(out, 0, sizeof *out);
	/*
	 * A server may answer and close before reading all of a bad request:
	 * a failed write is not the end, the response may be readable.
	 */
	r = tc_write_raw(c, req, len);
	if (r != TC_OK && r != TC_CLOSED)
		return r;
	return tc_http_read_response(c, head, out, timeout_ms);
}

/* 1 if the header block hdrs has a line starting with name: */
static int
tc_headers_have(const char *hdrs, const char *name)
{
	size_t nl = strlen(name);
	const char *p = hdrs;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':')
			return 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

int
tc_http_request(struct tc_conn *c, const char *method, const char *path,
    const char *extra_headers, struct tc_http_resp *out, int timeout_ms)
{
	const char *extra = extra_headers != NULL ? extra_headers : "";
	size_t el = strlen(extra);
	char *req = NULL;
	int n, r;

	memset(out, 0, sizeof *out);
	n = asprintf(&req, "%s %s HTTP/1.1\r\n%s%s%s%s%s\r\n", method, path,
	    tc_headers_have(extra, "Host") ? "" : "Host: ",
	    tc_headers_have(extra, "Host") ? "" : c->hosthdr,
	    tc_headers_have(extra, "Host") ? "" : "\r\n",
	    extra, el > 0 && extra[el - 1] != '\n' ? "\r\n" : "");
	if (n < 0) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	r = tc_http_request_raw(c, req, (size_t)n, strcmp(method, "HEAD") == 0, out, timeout_ms);
	free(req);
	return r;
}

/* ---- WebSocket ---- */

void
tc_ws_accept_for(const char *key, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *in = NULL;

	/* Failure leaves an empty string, which matches no server's answer. */
	out[0] = '\0';
	if (asprintf(&in, "%s%s", key, WS_GUID) < 0)
		return;
	if (EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == 20)
		EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	free(in);
}

int
tc_ws_handshake(struct tc_conn *c, const char *path, const char *extra_headers,
    struct tc_http_resp *out_opt, int timeout_ms)
{
	struct tc_http_resp local, *resp = out_opt != NULL ? out_opt : &local;
	unsigned char raw[16];
	char key[25], want[29], *hdrs = NULL;
	const char *extra = extra_headers != NULL ? extra_headers : "";
	const char *acc;
	size_t el = strlen(extra);
	int r;

	memset(resp, 0, sizeof *resp);
	if (RAND_bytes(raw, sizeof raw) != 1) {
		tc_ssl_err(c, "RAND_bytes");
		return TC_ERR;
	}
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
	if (asprintf(&hdrs, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s", key, extra,
	    el > 0 && extra[el - 1] != '\n' ? "\r\n" : "") < 0) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	r = tc_http_request(c, "GET", path, hdrs, resp, timeout_ms);
	free(hdrs);
	if (r == TC_OK && resp->status != 101) {
		tc_set_err(c, "handshake answered %d %s", resp->status,
		    resp->reason != NULL ? resp->reason : "");
		r = TC_ERR;
	} else if (r == TC_OK) {
		tc_ws_accept_for(key, want);
		acc = tc_http_header(resp, "Sec-WebSocket-Accept");
		if (acc == NULL || strcmp(acc, want) != 0) {
			tc_set_err(c, "Sec-WebSocket-Accept is %s, want %s", acc ? acc : "(none)", want);
			r = TC_PROTO;
		} else if (!tc_http_header_has_token(resp, "Upgrade", "websocket")) {
			tc_set_err(c, "101 without Upgrade: websocket");
			r = TC_PROTO;
		} else if (!tc_http_header_has_token(resp, "Connection", "upgrade")) {
			tc_set_err(c, "101 without Connection: Upgrade");
			r = TC_PROTO;
		}
	}
	if (out_opt == NULL)
		tc_http_resp_free(&local);
	return r;
}

int
tc_ws_send_frame_ex(struct tc_conn *c, int fin, int opcode, int rsv, int masked,
    const void *payload, size_t len)
{
	size_t cap = TC_WS_MAX_HEADER + len, n;
	uint8_t key[4], *buf;
	int r;

	if (masked && RAND_bytes(key, sizeof key) != 1) {
		tc_ssl_err(c, "RAND_bytes");
		return TC_ERR;
	}
	if ((buf = malloc(cap)) == NULL) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	n = tc_ws_frame_encode(buf, cap, fin, opcode, rsv, masked, key, payload, len);
	r = n == 0 ? TC_ERR : tc_write_raw(c, buf, n);
	free(buf);
	if (r == TC_OK && opcode == TC_WS_CLOSE)
		c->close_sent = 1;
	return r;
}

int
tc_ws_send_frame(struct tc_conn *c, int fin, int opcode, const void *payload, size_t len,
    int masked)
{
	return tc_ws_send_frame_ex(c, fin, opcode, 0, masked, payload, len);
}

int
tc_ws_send_text(struct tc_conn *c, const char *text)
{
	return tc_ws_send_frame_ex(c, 1, TC_WS_TEXT, 0, 1, text, strlen(text));
}

int
tc_ws_sendf(struct tc_conn *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	r = tc_ws_send_frame_ex(c, 1, TC_WS_TEXT, 0, 1, s, (size_t)n);
	free(s);
	return r;
}

int
tc_ws_send_close(struct tc_conn *c, int code, const char *reason)
{
	uint8_t p[TC_WS_MAX_CONTROL];
	size_t rl = reason != NULL ? strlen(reason) : 0;

	if (code == 0)
		return tc_ws_send_frame_ex(c, 1, TC_WS_CLOSE, 0, 1, NULL, 0);
	if (rl > sizeof p - 2)
		rl = sizeof p - 2;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (rl > 0)
		memcpy(p + 2, reason, rl);
	return tc_ws_send_frame_ex(c, 1, TC_WS_CLOSE, 0, 1, p, rl + 2);
}

void
tc_ws_msg_free(struct tc_ws_msg *m)
{
	free(m->data);
	free(m->close_reason);
	memset(m, 0, sizeof *m);
}

void
tc_ws_set_auto_pong(struct tc_conn *c, int on)
{
	c->auto_pong = on;
}

int
tc_ws_close_code(const struct tc_conn *c)
{
	return c->close_code;
}

/* Append to the message being reassembled, keeping room for a final NUL. */
static int
tc_ws_frag_append(struct tc_conn *c, const uint8_t *p, size_t n)
{
	if (c->frag_len + n + 1 > c->frag_cap) {
		size_t ncap = c->frag_cap < 4096 ? 4096 : c->frag_cap;
		uint8_t *nf;

		while (ncap < c->frag_len + n + 1)
			ncap *= 2;
		if ((nf = realloc(c->frag, ncap)) == NULL) {
			tc_set_err(c, "out of memory");
			return TC_ERR;
		}
		c->frag = nf;
		c->frag_cap = ncap;
	}
	if (n > 0)
		memcpy(c->frag + c->frag_len, p, n);
	c->frag_len += n;
	c->frag[c->frag_len] = '\0';
	return TC_OK;
}

/* Fill m from a control frame's payload (consumed by the caller). */
static int
tc_ws_control(struct tc_conn *c, const struct tc_frame *f, struct tc_ws_msg *m)
{
	m->opcode = f->opcode;
	m->len = (size_t)f->len;
	if ((m->data = malloc(m->len + 1)) == NULL) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	memcpy(m->data, f->payload, m->len);
	m->data[m->len] = '\0';
	if (f->opcode == TC_WS_PING && c->auto_pong && !c->close_sent)
		/* A failed pong shows up as EOF on the next read. */
		(void)tc_ws_send_frame_ex(c, 1, TC_WS_PONG, 0, 1, m->data, m->len);
	if (f->opcode != TC_WS_CLOSE)
		return TC_OK;
	if (m->len == 1) {
		tc_set_err(c, "close frame with a 1-byte payload");
		return TC_PROTO;
	}
	m->close_code = m->len >= 2 ? ((uint8_t)m->data[0] << 8 | (uint8_t)m->data[1]) : 1005;
	m->close_reason = m->len > 2 ? strndup(m->data + 2, m->len - 2) : strdup("");
	if (m->close_reason == NULL) {
		tc_set_err(c, "out of memory");
		return TC_ERR;
	}
	c->close_code = m->close_code;
	if (m->len > 2 && !tc_utf8_valid(m->data + 2, m->len - 2)) {
		tc_set_err(c, "close reason is not UTF-8");
		return TC_PROTO;
	}
	return TC_OK;
}

int
tc_ws_recv(struct tc_conn *c, struct tc_ws_msg *m, int timeout_ms)
{
	int64_t deadline = tc_deadline(timeout_ms);
	struct tc_frame f;
	ssize_t n;
	int r;

	memset(m, 0, sizeof *m);
	for (;;) {
		n = tc_ws_frame_decode(c->buf + c->off, tc_avail(c), &f);
		if (n < 0) {
			tc_set_err(c, "malformed frame header from server");
			return TC_PROTO;
		}
		if (n == 0) {
			if (f.header_len != 0 && f.len > TC_WS_MAX_MESSAGE) {
				tc_set_err(c, "server frame of %llu bytes", (unsigned long long)f.len);
				return TC_PROTO;
			}
			if ((n = tc_fill(c, deadline)) < 0)
				return (int)n;
			continue;
		}
		if (f.masked || f.rsv != 0 || !tc_ws_opcode_known(f.opcode)) {
			tc_set_err(c, "server frame with %s%s opcode %d", f.masked ? "mask, " : "",
			    f.rsv ? "RSV bits, " : "", f.opcode);
			return TC_PROTO;
		}
		if (tc_ws_is_control(f.opcode)) {
			if (!f.fin || f.len > TC_WS_MAX_CONTROL) {
				tc_set_err(c, "server %s frame fragmented or over 125 bytes",
				    tc_ws_opcode_name(f.opcode));
				return TC_PROTO;
			}
			r = tc_ws_control(c, &f, m);
			c->off += (size_t)n;
			if (r != TC_OK)
				tc_ws_msg_free(m);
			return r;
		}
		if (f.opcode == TC_WS_CONT && c->frag_op == 0) {
			tc_set_err(c, "continuation frame outside a message");
			return TC_PROTO;
		}
		if (f.opcode != TC_WS_CONT) {
			if (c->frag_op != 0) {
				tc_set_err(c, "new %s message inside a fragmented one",
				    tc_ws_opcode_name(f.opcode));
				return TC_PROTO;
			}
			c->frag_op = f.opcode;
			c->frag_len = 0;
			tc_utf8_init(&c->utf8);
		}
		if (c->frag_len + f.len > TC_WS_MAX_MESSAGE) {
			tc_set_err(c, "server message over %d bytes", TC_WS_MAX_MESSAGE);
			return TC_PROTO;
		}
		if ((r = tc_ws_frag_append(c, f.payload, (size_t)f.len)) != TC_OK)
			return r;
		c->off += (size_t)n;
		if (c->frag_op == TC_WS_TEXT && tc_utf8_feed(&c->utf8, f.payload, (size_t)f.len) != 0) {
			tc_set_err(c, "server text message is not UTF-8");
			return TC_PROTO;
		}
		if (!f.fin)
			continue;
		if (c->frag_op == TC_WS_TEXT && !tc_utf8_complete(&c->utf8)) {
			tc_set_err(c, "server text message ends inside a UTF-8 sequence");
			return TC_PROTO;
		}
		if (c->frag == NULL && tc_ws_frag_append(c, NULL, 0) != TC_OK)
			return TC_ERR;
		m->opcode = c->frag_op;
		m->data = (char *)c->frag;
		m->len = c->frag_len;
		c->frag = NULL;
		c->frag_len = c->frag_cap = 0;
		c->frag_op = 0;
		return TC_OK;
	}
}

json_object *
tc_ws_recv_json(struct tc_conn *c, int timeout_ms)
{
	int64_t deadline = tc_deadline(timeout_ms);
	struct json_tokener *tok;
	struct tc_ws_msg m;
	json_object *o;

	for (;;) {
		if (tc_ws_recv(c, &m, tc_remaining(deadline)) != TC_OK)
			return NULL;
		if (m.opcode == TC_WS_PING || m.opcode == TC_WS_PONG) {
			tc_ws_msg_free(&m);
			continue;
		}
		if (m.opcode == TC_WS_CLOSE) {
			tc_set_err(c, "closed by the server with code %d \"%s\"", m.close_code,
			    m.close_reason);
			tc_ws_msg_free(&m);
			return NULL;
		}
		if (m.opcode != TC_WS_TEXT) {
			tc_set_err(c, "%s message where JSON text was expected",
			    tc_ws_opcode_name(m.opcode));
			tc_ws_msg_free(&m);
			return NULL;
		}
		break;
	}
	if ((tok = json_tokener_new()) == NULL) {
		tc_set_err(c, "out of memory");
		tc_ws_msg_free(&m);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, m.data, (int)m.len);
	/* A bare number could go on: an empty chunk with its NUL says it ends here. */
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	else if (o != NULL && json_tokener_get_parse_end(tok) != m.len) {
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL) {
		/* JSON null parses to NULL too: no message is null. */
		tc_set_err(c, "server sent bad JSON (%s): %.200s",
		    json_tokener_error_desc(json_tokener_get_error(tok)), m.data);
	}
	json_tokener_free(tok);
	tc_ws_msg_free(&m);
	return o;
}

json_object *
tc_ws_expect(struct tc_conn *c, const char *type, int timeout_ms)
{
	int64_t deadline = tc_deadline(timeout_ms);
	char skipped[200] = "";
	const char *t;
	json_object *o;

	for (;;) {
		if ((o = tc_ws_recv_json(c, tc_remaining(deadline))) == NULL) {
			if (skipped[0] != '\0') {
				char why[sizeof c->err];

				snprintf(why, sizeof why, "%s", c->err);
				tc_set_err(c, "%s (waiting for \"%s\"; last skipped: %s)", why, type,
				    skipped);
			}
			return NULL;
		}
		t = tc_json_str(o, "type");
		if (t != NULL && strcmp(t, type) == 0)
			return o;
		snprintf(skipped, sizeof skipped, "%s", json_object_to_json_string(o));
		json_object_put(o);
	}
}

int
tc_ws_expect_close(struct tc_conn *c, int timeout_ms, int *code)
{
	int64_t deadline = tc_deadline(timeout_ms);
	struct tc_ws_msg m;
	int r;

	if (code != NULL)
		*code = 0;
	for (;;) {
		r = tc_ws_recv(c, &m, tc_remaining(deadline));
		if (r != TC_OK) {
			if (r == TC_CLOSED && code != NULL)
				*code = 1006;
			return r;
		}
		if (m.opcode == TC_WS_CLOSE)
			break;
		tc_ws_msg_free(&m);
	}
	if (code != NULL)
		*code = m.close_code;
	/* Echo the code as RFC 6455 5.5.1 asks; the peer may be gone already. */
	if (!c->close_sent)
		(void)tc_ws_send_close(c, m.close_code == 1005 ? 0 : m.close_code, NULL);
	tc_ws_msg_free(&m);
	return TC_OK;
}

/* ---- JSON helpers ---- */

const char *
tc_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
tc_json_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}
