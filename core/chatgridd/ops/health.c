/*
 * health.c: the monitoring endpoints. GET /healthz for load balancers, and
 * GET /metrics in Prometheus's text format: on the main listeners for the
 * peers in metrics_allow, and on a listener of its own at metrics_listen.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <json-c/json.h>

#include "auth/authq.h"
#include "cfg.h"
#include "daemon.h"
#include "health.h"
#include "log.h"
#include "media/media.h"
#include "metrics.h"
#include "net/client.h"
#include "net/http.h"
#include "tick.h"

static const char *(*db_state_fn)(void);

void
health_set_db_state(const char *(*fn)(void))
{
	db_state_fn = fn;
}

static void
health_get(struct client *c, struct http_req *r)
{
	struct json_object *o = json_object_new_object();
	const char *db = db_state_fn != NULL ? db_state_fn() : "none";
	int ok = db_state_fn == NULL || strcmp(db, "up") == 0;
	size_t len;
	const char *s;

	json_object_object_add(o, "status", json_object_new_string(ok ? "ok" : "degraded"));
	json_object_object_add(o, "version", json_object_new_string(cg_version()));
	json_object_object_add(o, "instanceId", json_object_new_string(cg_instance_id));
	json_object_object_add(o, "uptimeMs", json_object_new_int64((int64_t)(tick_mono_ms() - cg_start_ms)));
	json_object_object_add(o, "connections", json_object_new_int(client_count));
	json_object_object_add(o, "mediaStreams", json_object_new_int(media_streams()));
	json_object_object_add(o, "passwordHashes", json_object_new_int(authq_in_line()));
	json_object_object_add(o, "database", json_object_new_string(db));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	/* 503 when degraded, so a balancer can take us out of rotation. */
	http_respond(c, r, ok ? 200 : 503, "application/json", "Cache-Control: no-store\r\n", s, len);
	json_object_put(o);
}

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Is ip (text) one of metrics_allow? Compared as addresses, not as text. */
static int
metrics_allowed(const char *ip)
{
	unsigned char a[16], b[16];
	int fa, i;

	fa = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6 : 0;
	if (fa == 0)
		return 0;
	for (i = 0; i < cfg->nmetrics_allow; i++)
		if (inet_pton(fa, cfg->metrics_allow[i], b) == 1 && memcmp(a, b, fa == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

static void
metrics_get(struct client *c, struct http_req *r)
{
	size_t len;
	char *text;

	if (!metrics_allowed(c->addr)) {
		log_info("%s: GET /metrics refused: not in metrics_allow", c->addr);
		http_error(c, r, 404, NULL);
		return;
	}
	text = metrics_render(&len);
	http_respond(c, r, 200, METRICS_TYPE, "Cache-Control: no-store\r\n", text, len);
	free(text);
}

/* ---- the listener of its own (evhttp: a scrape target needs no more) ---- */

static struct evhttp *metrics_http;

static void
metrics_http_get(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body;
	size_t len;
	char *text;

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	text = metrics_render(&len);
	evbuffer_add(body, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", METRICS_TYPE);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void
metrics_http_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, NULL);
}

static void
metrics_listener_stop(void)
{
	if (metrics_http != NULL)
		evhttp_free(metrics_http);
	metrics_http = NULL;
}

int
health_metrics_listen(struct event_base *base)
{
	struct cfg_listen l;

	if (cfg->metrics_listen[0] == '\0')
		return 0;
	if (cfg_parse_listen(cfg->metrics_listen, &l) != 0 || (metrics_http = evhttp_new(base)) == NULL)
		return -1;
	evhttp_set_allowed_methods(metrics_http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(metrics_http, 8192);
	evhttp_set_max_body_size(metrics_http, 0);
	evhttp_set_timeout(metrics_http, 10);
	evhttp_set_cb(metrics_http, "/metrics", metrics_http_get, NULL);
	evhttp_set_gencb(metrics_http, metrics_http_other, NULL);
	if (evhttp_bind_socket(metrics_http, l.host[0] != '\0' ? l.host : "0.0.0.0", (uint16_t)l.port) != 0) {
		log_error("cannot listen for metrics on %s", cfg->metrics_listen);
		metrics_listener_stop();
		return -1;
	}
	log_notice("metrics on http://%s/metrics", cfg->metrics_listen);
	daemon_on_shutdown(metrics_listener_stop);
	return 0;
}

void
health_init(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	metrics_set_start_time((double)tv.tv_sec + (double)tv.tv_usec / 1e6);
	http_route("/healthz", health_get);
	http_route("/metrics", metrics_get);
}
