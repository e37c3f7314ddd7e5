/*
 * janus.c: one Janus instance over its HTTP API, with libevent's evhttp
 * client. Two connections: one carries requests in order, the other the
 * session's long poll. Every request gets a transaction id and waits in a
 * table until its answer: the HTTP reply for synchronous requests, the
 * event with the same transaction for asynchronous ones (Janus first
 * answers those with "ack"). A transport failure, a lost session (458) or a
 * session timeout takes the instance down: every waiting request fails, the
 * owner hears of it, and a new session is tried every second.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#include "cfg.h"
#include "daemon.h"
#include "janus.h"
#include "log.h"
#include "strmap.h"
#include "xmalloc.h"

#define JANUS_RETRY_MS 1000
#define JANUS_KEEPALIVE_MS 20000
#define JANUS_POLL_TIMEOUT_S 45	/* Janus answers an idle long poll after 30 s */
#define JANUS_PLUGIN "janus.plugin.videoroom"
#define JANUS_ERR_SESSION_NOT_FOUND 458
#define JANUS_MAX_BODY (4 * 1024 * 1024)

enum jreq_kind { JR_CREATE, JR_ATTACH, JR_MGMT_ATTACH, JR_MESSAGE, JR_NOTE };

struct jreq {
	struct janus *j;
	enum jreq_kind kind;
	char txn[24];
	uint64_t epoch;		/* the session it was sent in */
	janus_cb cb;		/* NULL for notes (trickle, detach, keepalive) */
	uint64_t cookie;
	int acked;		/* an "ack" came: the answer is an event */
	int in_http;		/* libevent still holds the HTTP request: free in http_done */
	int done;		/* the callback ran */
	TAILQ_ENTRY(jreq) entry;	/* every live request, for janus_free */
};

struct janus {
	char *url;
	char host[256];
	int port;
	char path[512];		/* base path, without a trailing slash */
	int index;
	const struct janus_ops *ops;
	struct evhttp_connection *rconn;	/* requests, in order */
	struct evhttp_connection *pconn;	/* the long poll */
	uint64_t session;
	uint64_t mgmt;		/* our own handle, for room requests */
	uint64_t epoch;
	int up;
	int connecting;
	int polling;
	struct event *retry_ev;
	struct event *keepalive_ev;
	struct strmap *pending;	/* txn -> struct jreq, waiting for an answer */
	TAILQ_HEAD(, jreq) reqs;	/* owns every struct jreq */
	uint64_t next_txn;
};

static void janus_connect(struct janus *);
static void poll_start(struct janus *);

/* --- JSON helpers --- */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static uint64_t
jid(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static struct json_object *
jobj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* The plugin's data inside an answer or event. */
static struct json_object *
plugin_data(struct json_object *msg)
{
	return jobj(jobj(msg, "plugindata"), "data");
}

/* --- requests --- */

static struct jreq *
jreq_new(struct janus *j, enum jreq_kind kind, janus_cb cb, uint64_t cookie)
{
	struct jreq *r = xcalloc(1, sizeof *r);

	r->j = j;
	r->kind = kind;
	r->epoch = j->epoch;
	r->cb = cb;
	r->cookie = cookie;
	snprintf(r->txn, sizeof r->txn, "cg%" PRIu64, ++j->next_txn);
	TAILQ_INSERT_TAIL(&j->reqs, r, entry);
	return r;
}

static void
jreq_free(struct jreq *r)
{
	TAILQ_REMOVE(&r->j->reqs, r, entry);
	free(r);
}

/* Deliver a failure later (the contract: callbacks never run inside the call). */
struct late_fail {
	struct janus *j;
	janus_cb cb;
	uint64_t cookie;
	char why[128];
};

static void
late_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct late_fail *lf = arg;

	lf->cb(lf->j, NULL, NULL, lf->why, lf->cookie);
	free(lf);
}

static void
fail_later(struct janus *j, janus_cb cb, uint64_t cookie, const char *why)
{
	struct late_fail *lf;
	struct timeval tv = { 0, 0 };

	if (cb == NULL)
		return;
	lf = xcalloc(1, sizeof *lf);
	lf->j = j;
	lf->cb = cb;
	lf->cookie = cookie;
	snprintf(lf->why, sizeof lf->why, "%s", why);
	if (event_base_once(cg_base, -1, EV_TIMEOUT, late_fail_cb, lf, &tv) != 0)
		fatalx("cannot schedule a timer");
}

/* Finish r: run its callback once and forget it (freed here unless its HTTP request is still out). */
static void
jreq_finish(struct jreq *r, struct json_object *reply, struct json_object *jsep, const char *error)
{
	struct janus *j = r->j;

	if (strmap_get(j->pending, r->txn) == r)
		strmap_del(j->pending, r->txn);
	if (!r->done) {
		r->done = 1;
		if (r->cb != NULL)
			r->cb(j, reply, jsep, error, r->cookie);
	}
	if (!r->in_http)
		jreq_free(r);
}

static void http_done(struct evhttp_request *, void *);

/* POST body (consumed) to path below the base; r waits in the table. */
static void
jreq_send(struct janus *j, struct jreq *r, const char *sub, struct json_object *body)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;
	const char *text;
	char uri[700];
	size_t len;

	json_object_object_add(body, "transaction", json_object_new_string(r->txn));
	if (cfg->janus_api_secret[0] != '\0')
		json_object_object_add(body, "apisecret", json_object_new_string(cfg->janus_api_secret));
	text = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &len);
	snprintf(uri, sizeof uri, "%s%s", j->path, sub);
	strmap_put(j->pending, r->txn, r);
	if ((req = evhttp_request_new(http_done, r)) == NULL)
		fatalx("out of memory");
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", j->host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), text, len);
	log_trace(TRACE_HTTP, "janus %d: POST %s %.*s", j->index, uri, (int)(len > 300 ? 300 : len), text);
	json_object_put(body);
	if (evhttp_make_request(j->rconn, req, EVHTTP_REQ_POST, uri) != 0) {
		/* The request is freed by libevent; fail r later and the instance with it. */
		strmap_del(j->pending, r->txn);
		fail_later(j, r->cb, r->cookie, "cannot send to Janus");
		jreq_free(r);
		janus_fail(j, "cannot send a request");
		return;
	}
	r->in_http = 1;
}

/* Parse a reply body; NULL if it is not JSON. The caller puts it. */
static struct json_object *
body_json(struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	struct json_tokener *tok;
	struct json_object *o;

	if (len == 0 || len > JANUS_MAX_BODY)
		return NULL;
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, (const char *)evbuffer_pullup(b, -1), (int)len);
	json_tokener_free(tok);
	return o;
}

/* {"janus":"error","error":{"code","reason"}}: the reason, and the code. */
static const char *
janus_error(struct json_object *msg, int *code)
{
	struct json_object *e = jobj(msg, "error");

	*code = (int)jid(e, "code");
	return jstr(e, "reason") != NULL ? jstr(e, "reason") : "Janus error";
}

static void session_created(struct janus *, struct json_object *);
static void mgmt_attached(struct janus *, struct json_object *);

static void
http_done(struct evhttp_request *req, void *arg)
{
	struct jreq *r = arg;
	struct janus *j = r->j;
	struct json_object *msg, *data;
	const char *kind, *err;
	char why[160];
	int code;

	r->in_http = 0;
	if (r->done || r->epoch != j->epoch || (!j->up && r->kind != JR_CREATE && r->kind != JR_MGMT_ATTACH)) {
		/* Sent to a session that is gone: it failed with the session. */
		jreq_finish(r, NULL, NULL, "Janus is down");
		return;
	}
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		jreq_finish(r, NULL, NULL, "Janus does not answer");
		janus_fail(j, "no answer");
		return;
	}
	if ((msg = body_json(req)) == NULL) {
		snprintf(why, sizeof why, "Janus answered HTTP %d without JSON", evhttp_request_get_response_code(req));
		jreq_finish(r, NULL, NULL, why);
		janus_fail(j, why);
		return;
	}
	kind = jstr(msg, "janus") != NULL ? jstr(msg, "janus") : "";
	if (strcmp(kind, "ack") == 0 && r->kind == JR_MESSAGE) {
		r->acked = 1;	/* the answer comes as an event */
		json_object_put(msg);
		return;
	}
	if (strcmp(kind, "error") == 0) {
		enum jreq_kind rk = r->kind;

		err = janus_error(msg, &code);
		snprintf(why, sizeof why, "%s (%d)", err, code);
		jreq_finish(r, NULL, NULL, why);	/* frees r */
		if (code == JANUS_ERR_SESSION_NOT_FOUND || rk == JR_CREATE || rk == JR_MGMT_ATTACH)
			janus_fail(j, why);
		json_object_put(msg);
		return;
	}
	switch (r->kind) {
	case JR_CREATE:
		jreq_finish(r, NULL, NULL, NULL);
		session_created(j, msg);
		break;
	case JR_MGMT_ATTACH:
		jreq_finish(r, NULL, NULL, NULL);
		mgmt_attached(j, msg);
		break;
	case JR_ATTACH:
		data = json_object_new_object();
		json_object_object_add(data, "id", json_object_new_int64((int64_t)jid(jobj(msg, "data"), "id")));
		jreq_finish(r, data, NULL, jid(data, "id") != 0 ? NULL : "Janus gave no handle");
		json_object_put(data);
		break;
	case JR_MESSAGE:
		data = plugin_data(msg);
		if (data != NULL && jid(data, "error_code") != 0) {
			snprintf(why, sizeof why, "%s (%" PRIu64 ")",
			    jstr(data, "error") != NULL ? jstr(data, "error") : "VideoRoom error", jid(data, "error_code"));
			jreq_finish(r, NULL, NULL, why);
		} else
			jreq_finish(r, data, jobj(msg, "jsep"), data != NULL ? NULL : "Janus answered without data");
		break;
	case JR_NOTE:
		jreq_finish(r, NULL, NULL, NULL);
		break;
	}
	json_object_put(msg);
}

/* --- the session --- */

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	janus_connect(arg);
}

static void
keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct janus *j = arg;
	struct json_object *o;
	char sub[40];

	if (!j->up)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("keepalive"));
	snprintf(sub, sizeof sub, "/%" PRIu64, j->session);
	jreq_send(j, jreq_new(j, JR_NOTE, NULL, 0), sub, o);
}

static void
janus_connect(struct janus *j)
{
	struct json_object *o;

	if (j->up || j->connecting)
		return;
	j->connecting = 1;
	j->epoch++;
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("create"));
	jreq_send(j, jreq_new(j, JR_CREATE, NULL, 0), "", o);
}

static void
session_created(struct janus *j, struct json_object *msg)
{
	struct json_object *o;
	char sub[40];

	if ((j->session = jid(jobj(msg, "data"), "id")) == 0) {
		janus_fail(j, "no session id");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("attach"));
	json_object_object_add(o, "plugin", json_object_new_string(JANUS_PLUGIN));
	snprintf(sub, sizeof sub, "/%" PRIu64, j->session);
	jreq_send(j, jreq_new(j, JR_MGMT_ATTACH, NULL, 0), sub, o);
}

static void
mgmt_attached(struct janus *j, struct json_object *msg)
{
	struct timeval tv = { JANUS_KEEPALIVE_MS / 1000, 0 };

	if ((j->mgmt = jid(jobj(msg, "data"), "id")) == 0) {
		janus_fail(j, "no handle id");
		return;
	}
	j->connecting = 0;
	j->up = 1;
	log_notice("janus %d: session %" PRIu64 " on %s", j->index, j->session, j->url);
	event_add(j->keepalive_ev, &tv);
	poll_start(j);
	j->ops->state(j, 1);
}

static int
fail_pending(const char *key, void *value, void *arg)
{
	struct jreq *r = value;
	const char *why = arg;

	if (!r->done) {
		r->done = 1;
		if (r->cb != NULL)
			r->cb(r->j, NULL, NULL, why, r->cookie);
	}
	if (!r->in_http)
		jreq_free(r);
	return 1;
}

void
janus_fail(struct janus *j, const char *why)
{
	struct timeval tv = { JANUS_RETRY_MS / 1000, (JANUS_RETRY_MS % 1000) * 1000 };
	int was_up = j->up;
	char msg[200];

	if (!j->up && !j->connecting)
		return;
	if (was_up)
		log_warn("janus %d: %s is down: %s", j->index, j->url, why);
	else
		log_info("janus %d: %s: %s", j->index, j->url, why);
	j->up = 0;
	j->connecting = 0;
	j->session = 0;
	j->mgmt = 0;
	j->epoch++;	/* answers still on the way belong to the old session */
	event_del(j->keepalive_ev);
	if (was_up)
		j->ops->state(j, 0);
	snprintf(msg, sizeof msg, "Janus is down: %s", why);
	strmap_sweep(j->pending, fail_pending, msg);
	event_add(j->retry_ev, &tv);
}

/* --- events --- */

static void
dispatch(struct janus *j, struct json_object *ev)
{
	const char *kind = jstr(ev, "janus"), *txn = jstr(ev, "transaction");
	struct json_object *data = plugin_data(ev);
	struct jreq *r;
	uint64_t sender = jid(ev, "sender");
	char why[160];
	int code;

	if (kind == NULL || strcmp(kind, "keepalive") == 0 || strcmp(kind, "ack") == 0)
		return;
	if (strcmp(kind, "timeout") == 0) {
		janus_fail(j, "the session timed out");
		return;
	}
	if (txn != NULL && (r = strmap_get(j->pending, txn)) != NULL && r->kind == JR_MESSAGE &&
	    (strcmp(kind, "event") == 0 || strcmp(kind, "error") == 0)) {
		if (strcmp(kind, "error") == 0) {
			snprintf(why, sizeof why, "%s", janus_error(ev, &code));
			jreq_finish(r, NULL, NULL, why);
		} else if (data != NULL && jid(data, "error_code") != 0) {
			snprintf(why, sizeof why, "%s (%" PRIu64 ")",
			    jstr(data, "error") != NULL ? jstr(data, "error") : "VideoRoom error", jid(data, "error_code"));
			jreq_finish(r, NULL, NULL, why);
		} else
			jreq_finish(r, data, jobj(ev, "jsep"), NULL);
		return;
	}
	if (sender == 0 || sender == j->mgmt)
		return;
	j->ops->event(j, sender, kind, data, jobj(ev, "jsep"));
}

static void
poll_done(struct evhttp_request *req, void *arg)
{
	struct janus *j = arg;
	struct json_object *msg;
	size_t i, n;

	j->polling = 0;
	if (!j->up)
		return;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		janus_fail(j, "the long poll failed");
		return;
	}
	if (evhttp_request_get_response_code(req) != 200 || (msg = body_json(req)) == NULL) {
		janus_fail(j, "the long poll answered with an error");
		return;
	}
	log_trace(TRACE_HTTP, "janus %d: events %.300s", j->index, json_object_to_json_string(msg));
	if (json_object_is_type(msg, json_type_array)) {
		n = json_object_array_length(msg);
		for (i = 0; i < n && j->up; i++)
			dispatch(j, json_object_array_get_idx(msg, i));
	} else if (json_object_is_type(msg, json_type_object)) {
		if (jstr(msg, "janus") != NULL && strcmp(jstr(msg, "janus"), "error") == 0) {
			json_object_put(msg);
			janus_fail(j, "the session is gone");
			return;
		}
		dispatch(j, msg);
	}
	json_object_put(msg);
	poll_start(j);
}

static void
poll_start(struct janus *j)
{
	struct evhttp_request *req;
	char uri[700];
	size_t off;

	if (!j->up || j->polling)
		return;
	off = (size_t)snprintf(uri, sizeof uri, "%s/%" PRIu64 "?maxev=32", j->path, j->session);
	if (cfg->janus_api_secret[0] != '\0' && off < sizeof uri) {
		char *esc = evhttp_encode_uri(cfg->janus_api_secret);

		snprintf(uri + off, sizeof uri - off, "&apisecret=%s", esc);
		free(esc);
	}
	if ((req = evhttp_request_new(poll_done, j)) == NULL)
		fatalx("out of memory");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", j->host);
	if (evhttp_make_request(j->pconn, req, EVHTTP_REQ_GET, uri) != 0) {
		janus_fail(j, "cannot start the long poll");
		return;
	}
	j->polling = 1;
}

/* --- the API --- */

struct janus *
janus_new(const char *url, int index, const struct janus_ops *ops)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	struct janus *j;
	struct timeval tv = { 0, 0 }, rtv, ptv = { JANUS_POLL_TIMEOUT_S, 0 };
	const char *host, *path;

	if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL || strlen(host) >= sizeof j->host) {
		if (u != NULL)
			evhttp_uri_free(u);
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->url = xstrdup(url);
	j->index = index;
	j->ops = ops;
	snprintf(j->host, sizeof j->host, "%s", host);
	j->port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	path = evhttp_uri_get_path(u);
	snprintf(j->path, sizeof j->path, "%s", path != NULL && *path != '\0' ? path : "/janus");
	while (strlen(j->path) > 1 && j->path[strlen(j->path) - 1] == '/')
		j->path[strlen(j->path) - 1] = '\0';
	evhttp_uri_free(u);
	j->pending = strmap_new();
	TAILQ_INIT(&j->reqs);
	j->rconn = evhttp_connection_base_new(cg_base, NULL, j->host, (unsigned short)j->port);
	j->pconn = evhttp_connection_base_new(cg_base, NULL, j->host, (unsigned short)j->port);
	if (j->rconn == NULL || j->pconn == NULL)
		fatalx("cannot create HTTP connections to %s", url);
	rtv.tv_sec = cfg->janus_timeout_ms / 1000;
	rtv.tv_usec = (cfg->janus_timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(j->rconn, &rtv);
	evhttp_connection_set_timeout_tv(j->pconn, &ptv);
	evhttp_connection_set_retries(j->rconn, 0);
	evhttp_connection_set_retries(j->pconn, 0);
	j->retry_ev = evtimer_new(cg_base, retry_cb, j);
	j->keepalive_ev = event_new(cg_base, -1, EV_PERSIST, keepalive_cb, j);
	if (j->retry_ev == NULL || j->keepalive_ev == NULL)
		fatalx("cannot create timers");
	event_add(j->retry_ev, &tv);
	return j;
}

/*
 * At shutdown. The session is left to time out in Janus (session_timeout):
 * its handles go with it, and the next start remakes the rooms.
 */
void
janus_free(struct janus *j)
{
	if (j == NULL)
		return;
	j->up = 0;
	event_free(j->retry_ev);
	event_free(j->keepalive_ev);
	/* Freeing a connection cancels its requests without running their callbacks. */
	evhttp_connection_free(j->rconn);
	evhttp_connection_free(j->pconn);
	while (!TAILQ_EMPTY(&j->reqs))
		jreq_free(TAILQ_FIRST(&j->reqs));
	strmap_free(j->pending);
	free(j->url);
	free(j);
}

int
janus_index(const struct janus *j)
{
	return j->index;
}

const char *
janus_url(const struct janus *j)
{
	return j->url;
}

int
janus_up(const struct janus *j)
{
	return j->up;
}

uint64_t
janus_epoch(const struct janus *j)
{
	return j->epoch;
}

void
janus_attach(struct janus *j, janus_cb cb, uint64_t cookie)
{
	struct json_object *o;
	char sub[40];

	if (!j->up) {
		fail_later(j, cb, cookie, "Janus is down");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("attach"));
	json_object_object_add(o, "plugin", json_object_new_string(JANUS_PLUGIN));
	snprintf(sub, sizeof sub, "/%" PRIu64, j->session);
	jreq_send(j, jreq_new(j, JR_ATTACH, cb, cookie), sub, o);
}

void
janus_message(struct janus *j, uint64_t handle, struct json_object *body, struct json_object *jsep,
    janus_cb cb, uint64_t cookie)
{
	struct json_object *o;
	char sub[64];

	if (!j->up) {
		json_object_put(body);
		json_object_put(jsep);
		fail_later(j, cb, cookie, "Janus is down");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("message"));
	json_object_object_add(o, "body", body);
	if (jsep != NULL)
		json_object_object_add(o, "jsep", jsep);
	snprintf(sub, sizeof sub, "/%" PRIu64 "/%" PRIu64, j->session, handle != 0 ? handle : j->mgmt);
	jreq_send(j, jreq_new(j, JR_MESSAGE, cb, cookie), sub, o);
}

void
janus_trickle(struct janus *j, uint64_t handle, struct json_object *candidate)
{
	struct json_object *o;
	char sub[64];

	if (!j->up || handle == 0) {
		json_object_put(candidate);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("trickle"));
	if (candidate == NULL) {
		candidate = json_object_new_object();
		json_object_object_add(candidate, "completed", json_object_new_boolean(1));
	}
	json_object_object_add(o, "candidate", candidate);
	snprintf(sub, sizeof sub, "/%" PRIu64 "/%" PRIu64, j->session, handle);
	jreq_send(j, jreq_new(j, JR_NOTE, NULL, 0), sub, o);
}

void
janus_detach(struct janus *j, uint64_t handle)
{
	struct json_object *o;
	char sub[64];

	if (!j->up || handle == 0)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "janus", json_object_new_string("detach"));
	snprintf(sub, sizeof sub, "/%" PRIu64 "/%" PRIu64, j->session, handle);
	jreq_send(j, jreq_new(j, JR_NOTE, NULL, 0), sub, o);
}
