/*
 * client.c: a connection's life. Bytes arrive in the read callback, which
 * parses HTTP heads until an upgrade and WebSocket frames after it. Output
 * goes to the bufferevent; broadcasts share one framed copy. Everything
 * ends in client_teardown, and the struct is freed later from the loop,
 * never inside a callback that may still be using it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "cfg.h"
#include "client.h"
#include "daemon.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "tick.h"
#include "uuid.h"
#include "xmalloc.h"

#define CLOSING_GRACE_MS 2000
#define LINGER_MS 1000
#define PENDING_MAX 64

struct client_list clients = TAILQ_HEAD_INITIALIZER(clients);
int client_count;

static uint64_t next_serial = 1;
static client_hook *hooks;
static int nhooks;
static client_hook *free_hooks;
static int nfree_hooks;

static void client_read_cb(struct bufferevent *, void *);
static void client_write_cb(struct bufferevent *, void *);
static void client_event_cb(struct bufferevent *, short, void *);


static void ignore_message(struct client *, const uint8_t *, size_t);
/* Where a complete text message goes (the protocol, set at start). */
static client_message_fn message_fn = ignore_message;

static void
ignore_message(struct client *c, const uint8_t *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
}

void
client_on_message(client_message_fn fn)
{
	message_fn = fn != NULL ? fn : ignore_message;
}

struct client *
client_new(struct bufferevent *bev, const char *addr, int tls)
{
	struct client *c = xcalloc(1, sizeof *c);
	uint64_t now = tick_mono_ms();

	c->serial = next_serial++;
	uuid_make(c->id);
	c->state = CS_HTTP;
	c->bev = bev;
	c->tls = tls;
	c->refs = 1;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->deadline_ms = now + (uint64_t)cfg->handshake_timeout_ms;
	c->last_rx_ms = now;
	bucket_init(&c->msgs, cfg->msg_burst, now);
	snprintf(c->ip, sizeof c->ip, "%s", addr);
	STAILQ_INIT(&c->pending);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	client_count++;
	bufferevent_setcb(bev, client_read_cb, client_write_cb, client_event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	log_trace(TRACE_HTTP, "%s: connected (%d open)", c->addr, client_count);
	return c;
}

struct evbuffer *
client_output(struct client *c)
{
	return bufferevent_get_output(c->bev);
}

void
client_write(struct client *c, const void *buf, size_t len)
{
	if (c->state != CS_DEAD)
		evbuffer_add(client_output(c), buf, len);
}

void
client_upgrade(struct client *c)
{
	c->state = CS_WS;
	c->upgraded = 1;
	c->deadline_ms = 0;
	memset(&c->wp, 0, sizeof c->wp);
	c->wp.max_message = (uint64_t)cfg->max_message_bytes;
}

void
client_on_teardown(client_hook fn)
{
	hooks = xreallocarray(hooks, (size_t)nhooks + 1, sizeof *hooks);
	hooks[nhooks++] = fn;
}

void
client_on_free(client_hook fn)
{
	free_hooks = xreallocarray(free_hooks, (size_t)nfree_hooks + 1, sizeof *free_hooks);
	free_hooks[nfree_hooks++] = fn;
}

static void
client_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct pending_msg *p;
	int i;

	for (i = 0; i < nfree_hooks; i++)
		free_hooks[i](c);
	while ((p = STAILQ_FIRST(&c->pending)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->pending, entry);
		free(p);
	}
	free(c->msg);
	free(c);
}

void
client_ref(struct client *c)
{
	c->refs++;
}

void
client_unref(struct client *c)
{
	static const struct timeval now = { 0, 0 };

	if (--c->refs > 0)
		return;
	/* Free from the loop, after every callback holding c has returned. */
	if (event_base_once(cg_base, -1, EV_TIMEOUT, client_free_cb, c, &now) != 0)
		fatalx("cannot schedule a client free");
}

void
client_teardown(struct client *c, const char *why)
{
	int i, was_ws = c->upgraded;

	if (c->state == CS_DEAD)
		return;
	c->state = CS_DEAD;
	if (c->stream_closed != NULL)
		c->stream_closed(c, c->stream_arg);
	log_debug("%s %s: closed: %s", c->addr, was_ws ? c->id : "http", why);
	if (was_ws)
		for (i = 0; i < nhooks; i++)
			hooks[i](c);
	TAILQ_REMOVE(&clients, c, entry);
	client_count--;
	bufferevent_free(c->bev);
	c->bev = NULL;
	client_unref(c);
}

/* Our last bytes are out: half-close and wait briefly for the peer's EOF. */
static void
client_linger(struct client *c)
{
	if (c->tls) {
		client_teardown(c, "closed by server");
		return;
	}
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	c->lingering = 1;
	c->deadline_ms = tick_mono_ms() + LINGER_MS;
}

void
client_close(struct client *c, int code, const char *reason)
{
	uint8_t hdr[10], payload[125];
	size_t hl, pl;

	if (c->state == CS_CLOSING || c->state == CS_DEAD)
		return;
	if (c->state == CS_WS) {
		pl = ws_close_payload(payload, code, reason);
		hl = ws_frame_header(hdr, WS_OP_CLOSE, pl);
		evbuffer_add(client_output(c), hdr, hl);
		evbuffer_add(client_output(c), payload, pl);
		log_debug("%s: closing with %d %s", c->id, code, reason != NULL ? reason : "");
	}
	c->state = CS_CLOSING;
	c->deadline_ms = tick_mono_ms() + CLOSING_GRACE_MS;
	if (evbuffer_get_length(client_output(c)) == 0)
		client_linger(c);
}

#define OUTMSG_COPY_MAX 512	/* frames up to this size are copied, not referenced */

struct outmsg *
outmsg_new_text(const char *text, size_t len)
{
	uint8_t hdr[10];
	size_t hl = ws_frame_header(hdr, WS_OP_TEXT, len);
	struct outmsg *m = xmalloc(sizeof *m + hl + len);

	m->refs = 1;
	m->len = hl + len;
	memcpy(m->data, hdr, hl);
	memcpy(m->data + hl, text, len);
	return m;
}

struct outmsg *
outmsg_new_json(struct json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return outmsg_new_text(s, len);
}

void
outmsg_unref(struct outmsg *m)
{
	if (m != NULL && --m->refs == 0)
		free(m);
}

static void
outmsg_cleanup(const void *data, size_t len, void *arg)
{
	outmsg_unref(arg);
}

void
client_send(struct client *c, struct outmsg *m)
{
	struct evbuffer *out;

	if (c->state != CS_WS)
		return;
	out = client_output(c);
	if (evbuffer_get_length(out) + m->len > (size_t)cfg->max_output_bytes) {
		log_notice("%s (%s): output queue over %lld bytes; dropping a client that does not read",
		    c->id, c->addr, cfg->max_output_bytes);
		cg_metrics.output_drops++;
		client_close(c, WS_CLOSE_POLICY, "Output queue full");
		return;
	}
	cg_metrics.frames_out++;
	cg_metrics.bytes_out += m->len;
	/*
	 * A small frame (an update_position is ~90 bytes) is copied into the
	 * output's tail chain: cheaper than a reference chain of its own per
	 * recipient (a malloc and a free each). Large ones are shared.
	 */
	if (m->len <= OUTMSG_COPY_MAX) {
		if (evbuffer_add(out, m->data, m->len) != 0)
			client_teardown(c, "output error");
		return;
	}
	m->refs++;
	if (evbuffer_add_reference(out, m->data, m->len, outmsg_cleanup, m) != 0) {
		m->refs--;
		client_teardown(c, "output error");
	}
}

void
client_send_json(struct client *c, struct json_object *o)
{
	struct outmsg *m;

	if (c->state == CS_WS) {
		m = outmsg_new_json(o);
		client_send(c, m);
		outmsg_unref(m);
	}
	json_object_put(o);
}

void
client_send_error(struct client *c, const char *code, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	metrics_refused(code);
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(msg));
	client_send_json(c, o);
}

void
client_bad_message(struct client *c)
{
	if (++c->bad_messages >= cfg->max_bad_messages) {
		log_notice("%s (%s): %d bad messages; disconnecting", c->id, c->addr, c->bad_messages);
		client_close(c, WS_CLOSE_POLICY, "Too many bad messages");
	}
}

static int
ws_data_cb(void *arg, const uint8_t *buf, size_t len)
{
	struct client *c = arg;
	size_t want = c->msg_len + len;

	if (want > c->msg_cap) {
		c->msg_cap = want < 4096 ? 4096 : want + want / 2;
		if (c->msg_cap > (size_t)c->wp.max_message)
			c->msg_cap = (size_t)c->wp.max_message;
		c->msg = xrealloc(c->msg, c->msg_cap);
	}
	memcpy(c->msg + c->msg_len, buf, len);
	c->msg_len += len;
	return 0;
}

/* Keep a message for when the running asynchronous handler is done. */
static void
client_queue(struct client *c, const uint8_t *buf, size_t len)
{
	struct pending_msg *p;

	if (c->npending >= PENDING_MAX ||
	    c->pending_bytes + len > (size_t)cfg->max_message_bytes) {
		client_send_error(c, "rate_limited", "Too many messages while the last one is handled.");
		client_bad_message(c);
		return;
	}
	p = xmalloc(sizeof *p + len);
	p->len = len;
	memcpy(p->data, buf, len);
	STAILQ_INSERT_TAIL(&c->pending, p, entry);
	c->npending++;
	c->pending_bytes += len;
}

/* Reading stops while a pause that is not a hold is in force. */
static int
client_reads_paused(const struct client *c)
{
	return c->paused > c->holds || (c->paused > 0 && c->state != CS_WS);
}

static void
client_read_again(struct client *c)
{
	bufferevent_enable(c->bev, EV_READ);
	/* Bytes that arrived meanwhile are waiting in the input buffer. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

void
client_pause(struct client *c)
{
	c->paused++;
	if (c->bev != NULL && client_reads_paused(c))
		bufferevent_disable(c->bev, EV_READ);
}

void
client_hold(struct client *c)
{
	c->holds++;
	client_pause(c);
}

void
client_unhold(struct client *c)
{
	if (c->holds > 0)
		c->holds--;
	client_resume(c);
}

void
client_resume(struct client *c)
{
	struct pending_msg *p;

	if (c->paused == 0 || c->state == CS_DEAD) {
		if (c->paused > 0)
			c->paused--;
		return;
	}
	if (--c->paused > 0) {
		/* Only holds are left: reading goes on. */
		if (!client_reads_paused(c))
			client_read_again(c);
		return;
	}
	c->refs++;
	cg_metrics.rx_ns = metrics_now_ns();
	while (!c->paused && (c->state == CS_WS) && (p = STAILQ_FIRST(&c->pending)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->pending, entry);
		c->npending--;
		c->pending_bytes -= p->len;
		message_fn(c, p->data, p->len);
		free(p);
	}
	if (!client_reads_paused(c) && c->state != CS_DEAD)
		client_read_again(c);
	client_unref(c);
}

static int
ws_message_cb(void *arg)
{
	struct client *c = arg;
	size_t len = c->msg_len;

	c->msg_len = 0;
	cg_metrics.frames_in++;
	if (!bucket_take(&c->msgs, cfg->msg_rate, cfg->msg_burst, tick_mono_ms())) {
		client_send_error(c, "rate_limited", "Too many messages; slow down.");
		client_bad_message(c);
	} else if (c->paused) {
		client_queue(c, c->msg, len);
	} else
		message_fn(c, c->msg, len);
	/* Keep big one-off buffers from living as long as the connection. */
	if (c->msg_cap > 65536) {
		free(c->msg);
		c->msg = NULL;
		c->msg_cap = 0;
	}
	return c->state == CS_WS ? 0 : -1;
}

static void
send_control(struct client *c, int opcode, const uint8_t *buf, size_t len)
{
	uint8_t hdr[10];
	size_t hl = ws_frame_header(hdr, opcode, len);

	/* A client that pings without reading gets no unbounded pile of pongs. */
	if (evbuffer_get_length(client_output(c)) + hl + len > (size_t)cfg->max_output_bytes) {
		log_notice("%s (%s): output queue over %lld bytes; dropping a client that does not read",
		    c->id, c->addr, cfg->max_output_bytes);
		cg_metrics.output_drops++;
		client_close(c, WS_CLOSE_POLICY, "Output queue full");
		return;
	}
	evbuffer_add(client_output(c), hdr, hl);
	if (len > 0)
		evbuffer_add(client_output(c), buf, len);
}

static int
ws_control_cb(void *arg, int opcode, const uint8_t *buf, size_t len)
{
	struct client *c = arg;
	int code;

	switch (opcode) {
	case WS_OP_PING:
		send_control(c, WS_OP_PONG, buf, len);
		return c->state == CS_WS ? 0 : -1;
	case WS_OP_PONG:
		break;
	case WS_OP_CLOSE:
		code = len >= 2 ? (buf[0] << 8 | buf[1]) : WS_CLOSE_NORMAL;
		log_debug("%s: client closed with %d", c->id, len >= 2 ? code : WS_CLOSE_NO_STATUS);
		client_close(c, code, NULL);
		return -1;
	}
	return 0;
}

static const struct ws_callbacks ws_cbs = { ws_data_cb, ws_message_cb, ws_control_cb };

static void
client_read_ws(struct client *c, struct evbuffer *in)
{
	uint8_t buf[16384];
	int n, rc;

	while (c->state == CS_WS && (n = evbuffer_remove(in, buf, sizeof buf)) > 0) {
		cg_metrics.bytes_in += (uint64_t)n;
		rc = ws_parser_feed(&c->wp, buf, (size_t)n, &ws_cbs, c);
		if (rc > 0) {
			log_notice("%s (%s): WebSocket protocol error: %s", c->id, c->addr,
			    c->wp.error != NULL ? c->wp.error : "?");
			client_close(c, rc, c->wp.error);
		}
		if (rc != 0)
			break;
	}
}

static void
client_read_http(struct client *c, struct evbuffer *in)
{
	struct http_req r;
	long n;
	int st;

	while (c->state == CS_HTTP && !c->paused) {
		/*
		 * A streamed response (the media proxy) owns the connection to its
		 * end and closes it then: what else arrives is never answered, but
		 * reading on lets a hang-up end the stream at once.
		 */
		if (c->stream_closed != NULL) {
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
		/* Pipelined requests wait while earlier answers are unread (bounded output). */
		if (evbuffer_get_length(client_output(c)) > (size_t)cfg->max_output_bytes) {
			bufferevent_disable(c->bev, EV_READ);
			c->http_throttled = 1;
			log_debug("%s: answers to pipelined requests unread; reading paused", c->addr);
			return;
		}
		n = http_head_length(in);
		if (n == 0)
			return;
		if (n < 0) {
			memset(&r, 0, sizeof r);
			http_error(c, &r, (int)-n, NULL);
			return;
		}
		cg_metrics.bytes_in += (uint64_t)n;
		st = http_parse((const char *)evbuffer_pullup(in, n), (size_t)n, &r);
		evbuffer_drain(in, (size_t)n);
		if (st != 0) {
			r.keep_alive = 0;
			http_error(c, &r, st, NULL);
			http_req_free(&r);
			return;
		}
		c->deadline_ms = tick_mono_ms() + (uint64_t)cfg->idle_timeout_ms;
		http_dispatch(c, &r);
		http_req_free(&r);
	}
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->last_rx_ms = tick_mono_ms();
	c->ping_sent_ms = 0;
	cg_metrics.rx_ns = metrics_now_ns();
	c->refs++;
	if (c->state == CS_HTTP)
		client_read_http(c, in);
	if (client_reads_paused(c)) {
		client_unref(c);
		return;
	}
	if (c->state == CS_WS)
		client_read_ws(c, in);
	/* Closing or closed: whatever else arrives is of no use. */
	if (c->state == CS_CLOSING)
		evbuffer_drain(in, evbuffer_get_length(in));
	client_unref(c);
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->stream_drained != NULL && c->state == CS_HTTP)
		c->stream_drained(c, c->stream_arg);
	if (c->http_throttled && c->state == CS_HTTP && !c->paused) {
		c->http_throttled = 0;
		bufferevent_enable(bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			bufferevent_trigger(bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	}
	if (c->state == CS_CLOSING && !c->lingering &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_linger(c);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (what & BEV_EVENT_EOF)
		client_teardown(c, "end of stream");
	else if (what & BEV_EVENT_ERROR)
		client_teardown(c, "socket error");
}

static void
client_send_ping(struct client *c, uint64_t now)
{
	uint8_t hdr[10];

	ws_frame_header(hdr, WS_OP_PING, 0);
	evbuffer_add(client_output(c), hdr, 2);
	c->ping_sent_ms = now;
}

static void
client_liveness(uint64_t now, void *arg)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		switch (c->state) {
		case CS_HTTP:
		case CS_CLOSING:
			if (c->deadline_ms != 0 && now >= c->deadline_ms)
				client_teardown(c, c->state == CS_HTTP ? "request timeout" : "close timeout");
			break;
		case CS_WS:
			if (c->ping_sent_ms != 0) {
				if (now - c->ping_sent_ms >= (uint64_t)cfg->ws_pong_timeout_ms) {
					log_info("%s (%s): no answer to ping; dropping a half-open connection",
					    c->id, c->addr);
					client_teardown(c, "ping timeout");
				}
			} else if (now - c->last_rx_ms >= (uint64_t)cfg->ws_ping_interval_ms)
				client_send_ping(c, now);
			break;
		case CS_DEAD:
			break;
		}
	}
}

/* Connections by state, for /metrics. */
static void
client_metrics(struct metrics_out *o)
{
	static const char *const names[] = { "http", "websocket", "closing", "closed" };
	double n[4] = { 0 };
	struct client *c;
	char l[40];
	int i;

	TAILQ_FOREACH(c, &clients, entry)
		if ((int)c->state >= 0 && (int)c->state < 4)
			n[c->state]++;
	metrics_family(o, "chatgrid_connections", "gauge",
	    "Open connections by state: reading HTTP, WebSocket open, closing, closed and not yet freed.");
	for (i = 0; i < 4; i++)
		metrics_sample(o, "chatgrid_connections", metrics_label(l, sizeof l, "state", names[i]), n[i]);
}

void
client_init(void)
{
	tick_add("client liveness", 100, client_liveness, NULL);
	metrics_add_collector(client_metrics);
}

void
client_close_all(int code, const char *reason)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		client_close(c, c->state == CS_WS ? code : 0, reason);
	}
}
