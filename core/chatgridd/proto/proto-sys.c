/* proto-sys.c: connection-level messages: ping, welcome_ready. */
#include "config.h"

#include <json-c/json.h>

#include "net/client.h"
#include "proto.h"

static void
sys_ping(struct client *c, struct json_object *msg)
{
	struct json_object *reply = json_object_new_object(), *sent;

	json_object_object_add(reply, "type", json_object_new_string("pong"));
	/* Echo the value exactly as sent (any sign; heartbeats use negatives). */
	if (json_object_object_get_ex(msg, "clientSentAt", &sent))
		json_object_object_add(reply, "clientSentAt", json_object_get(sent));
	client_send_json(c, reply);
}

static const struct proto_field ping_fields[] = {
	{ "clientSentAt", FT_INT, FF_REQUIRED, -9007199254740991LL, 9007199254740991LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/*
 * The later reference client says welcome_ready once it has applied the
 * welcome (its server joins the player to the roster only then). Ours joins
 * at the welcome, so there is nothing to do, and nothing to refuse.
 */
static void
sys_welcome_ready(struct client *c, struct json_object *msg)
{
	(void)c;
	(void)msg;
}

static const struct proto_field no_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_sys_msgs[] = {
	{ "ping", ping_fields, PERM_NONE, 0, sys_ping, NULL },
	{ "welcome_ready", no_fields, PERM_NONE, 0, sys_welcome_ready, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
