/*
 * rpc.c: talking to a running host. Frames from its socket (log lines, the
 * types of a handshake, replies, unsolicited events, song loads), checked
 * against the protocol: a host that breaks it is killed. Requests get an id
 * and a deadline (the supervision tick enforces it); each callback runs
 * exactly once, with the reply or with "<label> is temporarily
 * unavailable.".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "cfg.h"
#include "daemon.h"
#include "host-int.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "plugin-types.h"
#include "pluginhost.h"
#include "tick.h"
#include "xmalloc.h"

static void (*types_fn)(void);
static void (*event_fn)(struct plugin_host *, const char *, const struct plugin_reply *);

void
plugin_on_types(void (*fn)(void))
{
	types_fn = fn;
}

void
plugin_on_event(void (*fn)(struct plugin_host *, const char *, const struct plugin_reply *))
{
	event_fn = fn;
}

void
host_log_frame(struct plugin_host *h, const struct cg_value *msg)
{
	const char *text = ipc_get_str(msg, "message");
	int64_t level = CG_LOG_NOTICE;

	ipc_get_int(msg, "level", &level);
	if (text == NULL)
		return;
	switch (level) {
	case CG_LOG_ERROR:
		log_error("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_WARN:
		log_warn("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_NOTICE:
		log_notice("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_INFO:
		log_info("plugin %s: %.1000s", h->file, text);
		break;
	default:
		log_debug("plugin %s: %.1000s", h->file, text);
		break;
	}
}

/* ---- hosts: requests and replies ---- */

static void
reply_from(struct plugin_reply *r, const struct cg_value *msg)
{
	const struct cg_value *p = ipc_get(msg, "params", CG_MAP);
	const char *m = ipc_get_str(msg, "message");

	memset(r, 0, sizeof *r);
	r->ok = ipc_get_bool(msg, "ok", 0);
	r->message = m != NULL ? m : "";
	r->params = p != NULL ? plugin_value_to_json(p) : NULL;
	r->effects = ipc_get(msg, "effects", CG_ARRAY);
}

struct deferred {
	plugin_cb cb;
	void *arg;
	char *message;
};

static void
deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;
	struct plugin_reply r;

	memset(&r, 0, sizeof r);
	r.message = d->message;
	r.unavailable = 1;
	d->cb(&r, d->arg);
	free(d->message);
	free(d);
}

static void
fail_later(const char *label, plugin_cb cb, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct deferred *d = xcalloc(1, sizeof *d);

	d->cb = cb;
	d->arg = arg;
	xasprintf(&d->message, "%s is temporarily unavailable.", label);
	if (event_base_once(cg_base, -1, EV_TIMEOUT, deferred_cb, d, &now) != 0)
		fatalx("cannot schedule a plugin failure");
}

void
host_fail_now(struct pending *p)
{
	struct plugin_reply r;
	char msg[300];

	memset(&r, 0, sizeof r);
	snprintf(msg, sizeof msg, "%s is temporarily unavailable.", p->label);
	r.message = msg;
	r.unavailable = 1;
	p->cb(&r, p->arg);
}

void
plugin_request(struct item_type *t, msgpack_sbuffer *body, plugin_cb cb, void *arg)
{
	struct plugin_host *h = t->host;
	struct pending *p;
	uint8_t *f;
	size_t len;

	if (h == NULL || h->state != H_READY || h->killed_at != 0 || body->size > IPC_MAX_BODY) {
		if (body->size > IPC_MAX_BODY)
			log_warn("plugin request for %s of %zu bytes is over the frame limit", t->id, body->size);
		msgpack_sbuffer_free(body);
		fail_later(t->label, cb, arg);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->id = ++h->next_id;
	if (p->id == 0)
		p->id = ++h->next_id;
	p->deadline = tick_mono_ms() + (uint64_t)cfg->plugin_timeout_ms;
	p->t_ns = metrics_now_ns();
	p->label = t->label;
	p->cb = cb;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&h->pending, p, entry);
	f = ipc_frame(IPC_REQUEST, p->id, body, &len);
	msgpack_sbuffer_free(body);
	bufferevent_write(h->bev, f, len);
	free(f);
	log_trace(TRACE_PLUGIN, "plugin %s: request %u for %s", h->file, p->id, t->id);
}

static void
handle_types(struct plugin_host *h, const struct cg_value *msg)
{
	char err[512];
	const char *name = ipc_get_str(msg, "name"), *version = ipc_get_str(msg, "version");

	if (plugin_types_register(h, msg, err, sizeof err) != 0) {
		host_kill(h, err);
		return;
	}
	h->state = H_READY;
	h->ready_since = tick_mono_ms();
	h->hello_deadline = 0;
	log_notice("plugin %s: %s %s ready%s", h->file, name != NULL && *name ? name : h->file,
	    version != NULL ? version : "", h->loaded ? " again" : "");
	h->loaded = 1;
	if (types_fn != NULL)
		types_fn();
}

/* One frame from a running host; -1 after a protocol error (the host is killed). */
static int
host_frame(struct plugin_host *h, const struct ipc_hdr *hdr, const uint8_t *body)
{
	struct ipc_arena *a = ipc_arena_new();
	struct cg_value *msg;
	struct pending *p;
	struct plugin_reply r;
	const char *id;
	char err[256];

	if (ipc_decode(a, body, hdr->len, &msg, err, sizeof err) != 0 || msg->type != CG_MAP) {
		if (msg != NULL && msg->type != CG_MAP)
			snprintf(err, sizeof err, "body is not a map");
		ipc_arena_free(a);
		host_kill(h, err);
		return -1;
	}
	switch (hdr->type) {
	case IPC_LOG:
		host_log_frame(h, msg);
		break;
	case IPC_TYPES:
		if (h->state != H_STARTING || hdr->id != h->hello_id) {
			host_kill(h, "unexpected types frame");
			break;
		}
		handle_types(h, msg);
		break;
	case IPC_FATAL:
		snprintf(err, sizeof err, "%.200s", ipc_get_str(msg, "message") != NULL ?
		    ipc_get_str(msg, "message") : "refused to start");
		host_kill(h, err);
		break;
	case IPC_REPLY:
		TAILQ_FOREACH(p, &h->pending, entry)
			if (p->id == hdr->id)
				break;
		if (p == NULL || h->state != H_READY) {
			/* A reply to a request that timed out is a late answer from a killed host. */
			host_kill(h, "reply to no pending request");
			break;
		}
		TAILQ_REMOVE(&h->pending, p, entry);
		metrics_observe(&h->req, metrics_now_ns() - p->t_ns);
		reply_from(&r, msg);
		p->cb(&r, p->arg);
		json_object_put(r.params);
		free(p);
		break;
	case IPC_EVENT:
		if (h->state != H_READY || (id = ipc_get_str(msg, "itemId")) == NULL) {
			host_kill(h, "malformed event frame");
			break;
		}
		reply_from(&r, msg);
		r.ok = 1;
		if (event_fn != NULL)
			event_fn(h, id, &r);
		json_object_put(r.params);
		break;
	case IPC_SONG_LOAD:
		if (h->state != H_READY) {
			host_kill(h, "song load before the handshake");
			break;
		}
		host_song_load(h, hdr->id, msg);
		break;
	default:
		host_kill(h, "frame type only the core sends");
		break;
	}
	ipc_arena_free(a);
	return h->killed_at != 0 ? -1 : 0;
}

static void
host_drain(struct plugin_host *h)
{
	struct ipc_hdr hdr;
	const uint8_t *body;
	char err[256];
	int rc;

	while (h->killed_at == 0 && (rc = ipc_reader_next(&h->rd, &hdr, &body, err, sizeof err)) != 0) {
		if (rc < 0) {
			host_kill(h, err);
			return;
		}
		if (host_frame(h, &hdr, body) != 0)
			return;
	}
}

static void
host_read_cb(struct bufferevent *bev, void *arg)
{
	struct plugin_host *h = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[16384];
	size_t n;

	while (h->killed_at == 0 && (n = evbuffer_get_length(in)) > 0) {
		n = evbuffer_remove(in, buf, sizeof buf);
		if (ipc_reader_feed(&h->rd, buf, n) != 0) {
			host_kill(h, "it sent more than a frame may hold");
			break;
		}
		host_drain(h);
	}
	if (h->killed_at != 0)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
host_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct plugin_host *h = arg;
	uint8_t buf[16384];
	ssize_t n;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/*
		 * Bytes that arrived before the EOF are handled first, including
		 * ones still in the socket when a write failed (a host that said
		 * why it cannot start and exited before reading our hello).
		 */
		host_read_cb(bev, h);
		while (h->killed_at == 0 && (n = read(bufferevent_getfd(bev), buf, sizeof buf)) > 0) {
			if (ipc_reader_feed(&h->rd, buf, (size_t)n) != 0)
				break;
			host_drain(h);
		}
		host_down(h, h->kill_reason != NULL ? h->kill_reason : "its host exited");
	}
}

void
host_attach(struct plugin_host *h)
{
	evutil_make_socket_nonblocking(h->fd);
	h->bev = bufferevent_socket_new(cg_base, h->fd, BEV_OPT_CLOSE_ON_FREE);
	if (h->bev == NULL)
		fatalx("cannot create a buffer event for plugin %s", h->file);
	bufferevent_setcb(h->bev, host_read_cb, NULL, host_event_cb, h);
	bufferevent_enable(h->bev, EV_READ | EV_WRITE);
}

/* Requests still in flight to a running host (player_left when everyone leaves at shutdown). */
int
plugin_busy(void)
{
	struct plugin_host *h;

	TAILQ_FOREACH(h, &plugin_hosts, entry)
		if (h->bev != NULL && h->killed_at == 0 && !TAILQ_EMPTY(&h->pending))
			return 1;
	return 0;
}
