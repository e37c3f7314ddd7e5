/*
 * bconn.c: one non-blocking WebSocket client connection on the loop:
 * TCP connect, optional TLS (OpenSSL directly on the socket), the HTTP
 * upgrade, then frames through tests/lib/wsframe.c. Writes go out at once
 * when nothing is queued (so a send timestamp is a write timestamp); the
 * rest waits for EV_WRITE.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench.h"
#include "wsframe.h"

#define READ_CHUNK 65536
#define READ_BUDGET (512 * 1024)	/* per callback, for fairness */

static uint64_t mask_state = 0x9e3779b97f4a7c15ULL;

static void
next_mask(uint8_t key[4])
{
	/* xorshift: masking needs unpredictability against proxies, not here. */
	mask_state ^= mask_state << 13;
	mask_state ^= mask_state >> 7;
	mask_state ^= mask_state << 17;
	memcpy(key, &mask_state, 4);
}

int
cb_net_init(struct cb_net *net, struct event_base *base, const char *host, int port, int tls)
{
	memset(net, 0, sizeof *net);
	net->base = base;
	net->host = host;
	net->port = port;
	snprintf(net->hostport, sizeof net->hostport, "%s:%d", host, port);
	if (tls) {
		net->tls = SSL_CTX_new(TLS_client_method());
		if (net->tls == NULL)
			return -1;
		SSL_CTX_set_verify(net->tls, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(net->tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	}
	return 0;
}

static void conn_fail(struct cb_conn *, int code, const char *why);
static void conn_pump(struct cb_conn *);

static void
out_reserve(struct cb_conn *c, size_t more)
{
	if (c->out_off > 0 && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	if (c->out_len + more <= c->out_cap)
		return;
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		if (c->out_len + more <= c->out_cap)
			return;
	}
	c->out_cap = (c->out_len + more) * 2;
	if (c->out_cap < 1024)
		c->out_cap = 1024;
	c->out = realloc(c->out, c->out_cap);
	if (c->out == NULL) {
		perror("chatgrid-bench: realloc");
		exit(1);
	}
}

static void
want_write(struct cb_conn *c, int on)
{
	if (on)
		event_add(c->wev, NULL);
	else
		event_del(c->wev);
}

/* Write what is queued; 0, or -1 after failing the connection. */
static int
conn_flush(struct cb_conn *c)
{
	ssize_t n;
	int e;

	while (c->out_off < c->out_len) {
		size_t len = c->out_len - c->out_off;

		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_write(c->ssl, c->out + c->out_off, len > INT32_MAX ? INT32_MAX : (int)len);
			if (n <= 0) {
				e = SSL_get_error(c->ssl, (int)n);
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					break;
				conn_fail(c, 1006, "TLS write error");
				return -1;
			}
		} else {
			n = send(c->fd, c->out + c->out_off, len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					break;
				conn_fail(c, 1006, strerror(errno));
				return -1;
			}
		}
		c->out_off += (size_t)n;
		c->bytes_out += (uint64_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return 0;
}

void
cb_conn_send_raw(struct cb_conn *c, const void *p, size_t n)
{
	int was_empty;

	if (c->state == CB_CLOSED)
		return;
	was_empty = c->out_len == c->out_off;
	out_reserve(c, n);
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	if (!was_empty || c->state == CB_CONNECTING || c->state == CB_TLS)
		return;
	if (conn_flush(c) != 0)
		return;
	if (c->out_len > c->out_off)
		want_write(c, 1);
}

void
cb_conn_send_text(struct cb_conn *c, const char *text, size_t len)
{
	uint8_t key[4], hdr[TC_WS_MAX_HEADER];
	size_t hl;
	int was_empty;

	if (c->state != CB_OPEN)
		return;
	next_mask(key);
	hl = tc_ws_frame_encode_header(hdr, sizeof hdr, 1, TC_WS_TEXT, 0, 1, key, len);
	was_empty = c->out_len == c->out_off;
	out_reserve(c, hl + len);
	memcpy(c->out + c->out_len, hdr, hl);
	tc_ws_mask(c->out + c->out_len + hl, (const uint8_t *)text, len, key, 0);
	c->out_len += hl + len;
	c->frames_out++;
	if (!was_empty)
		return;
	if (conn_flush(c) != 0)
		return;
	if (c->out_len > c->out_off)
		want_write(c, 1);
}

static void
send_control(struct cb_conn *c, int opcode, const uint8_t *payload, size_t len)
{
	uint8_t frame[TC_WS_MAX_HEADER + TC_WS_MAX_CONTROL], key[4];
	size_t n;

	next_mask(key);
	n = tc_ws_frame_encode(frame, sizeof frame, 1, opcode, 0, 1, key, payload,
	    len > TC_WS_MAX_CONTROL ? TC_WS_MAX_CONTROL : len);
	cb_conn_send_raw(c, frame, n);
}

void
cb_conn_close(struct cb_conn *c)
{
	if (c->state == CB_CLOSED)
		return;
	c->state = CB_CLOSED;
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->in_cap = c->out_len = c->out_off = c->out_cap = 0;
}

static void
conn_fail(struct cb_conn *c, int code, const char *why)
{
	if (c->state == CB_CLOSED)
		return;
	cb_conn_close(c);
	if (c->cbs->closed != NULL)
		c->cbs->closed(c, code, why);
}

static void
send_upgrade(struct cb_conn *c, struct cb_net *net)
{
	uint8_t raw[16];
	char req[512];
	int n;

	RAND_bytes(raw, sizeof raw);
	EVP_EncodeBlock((uint8_t *)c->key, raw, sizeof raw);
	n = snprintf(req, sizeof req,
	    "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", net->hostport, c->key);
	c->state = CB_UPGRADE;
	cb_conn_send_raw(c, req, (size_t)n);
}

/* Parse what has arrived; returns -1 once the connection is gone. */
static int
conn_parse(struct cb_conn *c, uint64_t t_ns)
{
	size_t off = 0;
	struct tc_frame f;
	ssize_t n;
	uint8_t *end;

	if (c->state == CB_UPGRADE) {
		if (c->in_len < 12)
			return 0;
		end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (end == NULL)
			return 0;
		if (memcmp(c->in, "HTTP/1.1 101", 12) != 0) {
			char why[80];
			size_t l = (size_t)(end - c->in);

			snprintf(why, sizeof why, "upgrade refused: %.*s", (int)(l > 40 ? 40 : l),
			    (const char *)c->in);
			for (char *q = why; *q != '\0'; q++)
				if (*q == '\r' || *q == '\n')
					*q = ' ';
			conn_fail(c, 0, why);
			return -1;
		}
		off = (size_t)(end - c->in) + 4;
		c->state = CB_OPEN;
		c->t_open_ns = t_ns;
		if (c->cbs->open != NULL)
			c->cbs->open(c);
		if (c->state != CB_OPEN)
			return -1;
	}
	while (c->state == CB_OPEN && off < c->in_len) {
		n = tc_ws_frame_decode(c->in + off, c->in_len - off, &f);
		if (n == 0)
			break;
		if (n < 0 || f.masked || !f.fin) {
			conn_fail(c, 1002, "bad frame from the server");
			return -1;
		}
		c->frames_in++;
		switch (f.opcode) {
		case TC_WS_TEXT:
			c->cbs->text(c, (const char *)f.payload, (size_t)f.len, t_ns);
			break;
		case TC_WS_PING:
			send_control(c, TC_WS_PONG, f.payload, (size_t)f.len);
			break;
		case TC_WS_CLOSE: {
			int code = f.len >= 2 ? (f.payload[0] << 8 | f.payload[1]) : 1005;

			send_control(c, TC_WS_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
			conn_flush(c);
			conn_fail(c, code, "closed by the server");
			return -1;
		}
		default:
			break;
		}
		off += (size_t)n;
	}
	if (c->state == CB_CLOSED)
		return -1;
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return 0;
}

static void
conn_read(struct cb_conn *c)
{
	size_t budget = READ_BUDGET;
	uint64_t t_ns;
	ssize_t n;
	int e;

	c->tls_want_write = 0;
	while (budget > 0 && c->state != CB_CLOSED) {
		if (c->in_cap - c->in_len < READ_CHUNK / 2) {
			c->in_cap = c->in_cap == 0 ? READ_CHUNK : c->in_cap * 2;
			if (c->in_cap < c->in_len + READ_CHUNK)
				c->in_cap = c->in_len + READ_CHUNK;
			c->in = realloc(c->in, c->in_cap);
			if (c->in == NULL) {
				perror("chatgrid-bench: realloc");
				exit(1);
			}
		}
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
			if (n <= 0) {
				e = SSL_get_error(c->ssl, (int)n);
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_WANT_WRITE) {
					c->tls_want_write = 1;
					want_write(c, 1);
					break;
				}
				conn_fail(c, 1006, e == SSL_ERROR_ZERO_RETURN ? "end of stream" : "TLS read error");
				return;
			}
		} else {
			n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					break;
				conn_fail(c, 1006, strerror(errno));
				return;
			}
			if (n == 0) {
				conn_fail(c, 1006, "end of stream");
				return;
			}
		}
		c->in_len += (size_t)n;
		c->bytes_in += (uint64_t)n;
		budget = (size_t)n > budget ? 0 : budget - (size_t)n;
		t_ns = cb_now_ns();
		if (conn_parse(c, t_ns) != 0)
			return;
		/* A short plain read means the socket is drained. */
		if (c->ssl == NULL && (size_t)n < READ_CHUNK / 2)
			break;
	}
}

static void
tls_handshake(struct cb_conn *c, struct cb_net *net)
{
	int rc, e;

	ERR_clear_error();
	rc = SSL_connect(c->ssl);
	if (rc == 1) {
		send_upgrade(c, net);
		return;
	}
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ) {
		want_write(c, 0);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		want_write(c, 1);
		return;
	}
	conn_fail(c, 1006, "TLS handshake failed");
}

static struct cb_net *the_net;

static void
conn_pump(struct cb_conn *c)
{
	if (c->state == CB_TLS) {
		tls_handshake(c, the_net);
		return;
	}
	if (conn_flush(c) != 0)
		return;
	want_write(c, c->out_len > c->out_off || c->tls_want_write);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cb_conn *c = arg;
	int err = 0;
	socklen_t el = sizeof err;

	if (c->state == CB_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
			conn_fail(c, 1006, err != 0 ? strerror(err) : "connect failed");
			return;
		}
		if (the_net->tls != NULL) {
			c->state = CB_TLS;
			tls_handshake(c, the_net);
			return;
		}
		send_upgrade(c, the_net);
		if (c->state != CB_CLOSED)
			want_write(c, c->out_len > c->out_off);
		return;
	}
	if (c->tls_want_write) {
		conn_read(c);
		if (c->state == CB_CLOSED)
			return;
	}
	conn_pump(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cb_conn *c = arg;

	if (c->state == CB_CONNECTING)
		return;
	if (c->state == CB_TLS) {
		tls_handshake(c, the_net);
		return;
	}
	conn_read(c);
	if (c->state != CB_CLOSED && c->ssl != NULL && c->out_len > c->out_off)
		conn_pump(c);
}

int
cb_conn_start(struct cb_net *net, struct cb_conn *c, const struct cb_conn_cbs *cbs, void *arg)
{
	struct sockaddr_in sin;
	int one = 1;

	the_net = net;
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->cbs = cbs;
	c->arg = arg;
	c->t_start_ns = cb_now_ns();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)net->port);
	if (inet_pton(AF_INET, net->host, &sin.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof sin) != 0 && errno != EINPROGRESS) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		errno = e;
		return -1;
	}
	c->state = CB_CONNECTING;
	if (net->tls != NULL) {
		c->ssl = SSL_new(net->tls);
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_tlsext_host_name(c->ssl, "localhost");
	}
	c->rev = event_new(net->base, c->fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->wev = event_new(net->base, c->fd, EV_WRITE, conn_write_cb, c);
	event_add(c->rev, NULL);
	event_add(c->wev, NULL);
	return 0;
}
