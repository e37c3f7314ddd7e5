/* proto-signal.c: the WebRTC signalling relay. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "client.h"
#include "log.h"
#include "perm.h"
#include "proto.h"
#include "tick.h"
#include "world.h"

static void
deny_signal(struct client *c, struct json_object *msg)
{
	client_send_error(c, "forbidden", "Not authorized to send voice.");
}

static int
payload_ok(struct client *c, struct json_object *msg, const char *field)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(msg, field, &v) || v == NULL)
		return 1;
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	if (len <= (size_t)cfg->max_signal_bytes)
		return 1;
	client_send_error(c, "bad_field", "signal: field %s is larger than %d bytes.", field, cfg->max_signal_bytes);
	client_bad_message(c);
	return 0;
}

static void
signal_relay(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c), *t;
	const char *target = proto_str(msg, "targetId");
	struct json_object *o, *v;

	if (p == NULL)
		return;
	if (c->mute_voice_until_ms > tick_wall_ms()) {
		client_send_error(c, "muted", "Your voice is muted for now.");
		return;
	}
	if (!payload_ok(c, msg, "sdp") || !payload_ok(c, msg, "ice"))
		return;
	if ((t = world_find(target)) == NULL || t == p) {
		log_debug("%s: signal to unknown target %.64s", c->id, target);
		client_send_error(c, "unknown_target", "Unknown signal target.");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("signal"));
	json_object_object_add(o, "senderId", json_object_new_string(c->id));
	json_object_object_add(o, "senderNickname", json_object_new_string(p->nickname));
	json_object_object_add(o, "x", json_object_new_int(p->x));
	json_object_object_add(o, "y", json_object_new_int(p->y));
	if (json_object_object_get_ex(msg, "sdp", &v) && v != NULL)
		json_object_object_add(o, "sdp", json_object_get(v));
	if (json_object_object_get_ex(msg, "ice", &v) && v != NULL)
		json_object_object_add(o, "ice", json_object_get(v));
	client_send_json(t->c, o);
}

static const struct proto_field signal_fields[] = {
	{ "targetId", FT_STRING, FF_REQUIRED, 1, 64, NULL },
	{ "sdp", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ "ice", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_signal_msgs[] = {
	{ "signal", signal_fields, PERM(P_VOICE_SEND), 0, signal_relay, deny_signal },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
