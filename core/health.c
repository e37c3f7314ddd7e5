/* health.c: GET /healthz, for load balancers and monitoring. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "authq.h"
#include "client.h"
#include "health.h"
#include "http.h"
#include "main.h"
#include "media.h"
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

void
health_init(void)
{
	http_route("/healthz", health_get);
}
