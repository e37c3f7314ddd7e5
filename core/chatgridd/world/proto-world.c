/* proto-world.c: update_position, teleport_complete, update_nickname. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "casefold.h"
#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"
#include "tick.h"
#include "world.h"

/* The server's position for the sender, which the client must adopt. */
static void
correction(struct player *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("update_position"));
	json_object_object_add(o, "id", json_object_new_string(p->c->id));
	json_object_object_add(o, "x", json_object_new_int(p->x));
	json_object_object_add(o, "y", json_object_new_int(p->y));
	client_send_json(p->c, o);
}

static void
world_update_position(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	int x = (int)proto_int(msg, "x", 0), y = (int)proto_int(msg, "y", 0), d;

	if (p == NULL)
		return;
	if (!world_in_bounds(x, y)) {
		log_debug("%s: move to %d, %d is out of bounds", c->id, x, y);
		correction(p);
		return;
	}
	d = world_distance(p->x, p->y, x, y);
	if (!world_take_steps(p, d)) {
		log_debug("%s: move of %d steps over the movement budget", c->id, d);
		correction(p);
		return;
	}
	world_move(p, x, y);
	/* From the read that brought this message to the last delivery queued. */
	metrics_observe(&cg_metrics.fanout, metrics_now_ns() - cg_metrics.rx_ns);
}

static void
world_teleport_complete(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	int x = (int)proto_int(msg, "x", 0), y = (int)proto_int(msg, "y", 0);

	if (p == NULL)
		return;
	if (!world_in_bounds(x, y)) {
		correction(p);
		return;
	}
	/* The client teleports to users and items it lists; anything else needs a permission. */
	if (!(c->session->perms & PERM(P_TELEPORT_FREE)) && !(x == p->x && y == p->y) &&
	    !world_user_at(x, y, p) && !world_item_at(x, y)) {
		log_info("%s: teleport to %d, %d refused: nobody and nothing there", c->id, x, y);
		client_send_error(c, "teleport_refused", "You can only teleport to a user or an item.");
		correction(p);
		return;
	}
	world_teleport(p, x, y);
}

static void
nickname_result(struct client *c, int ok, const char *requested, const char *effective, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("nickname_result"));
	json_object_object_add(o, "accepted", json_object_new_boolean(ok));
	json_object_object_add(o, "requestedNickname", json_object_new_string(requested));
	json_object_object_add(o, "effectiveNickname", json_object_new_string(effective));
	if (reason != NULL)
		json_object_object_add(o, "reason", json_object_new_string(reason));
	client_send_json(c, o);
}

static void
deny_nickname(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);

	nickname_result(c, 0, proto_str(msg, "nickname"), p != NULL ? p->nickname : "",
	    "Not authorized to change nickname.");
}

static void
world_update_nickname(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	const char *raw = proto_str(msg, "nickname"), *s;
	char nick[129], old[129], fold[NAME_KEY_MAX];
	uint32_t cp;
	struct json_object *o;

	if (p == NULL)
		return;
	utf8_trim(raw, nick, sizeof nick);
	if (nick[0] == '\0') {
		nickname_result(c, 0, raw, p->nickname, "Nickname is required.");
		return;
	}
	for (s = nick; *s != '\0'; s += utf8_decode(s, &cp))
		if ((utf8_decode(s, &cp), unicode_control(cp))) {
			nickname_result(c, 0, nick, p->nickname, "Nickname may not contain control characters.");
			return;
		}
	/* Invisible or reordering code points make one name look like another (issue 13). */
	if (utf8_has_hidden(nick)) {
		nickname_result(c, 0, nick, p->nickname,
		    "Nickname may not contain invisible or text-direction characters.");
		return;
	}
	world_fold(nick, fold, sizeof fold);
	if (world_nickname_taken(fold, p)) {
		nickname_result(c, 0, nick, p->nickname, "Nickname already in use.");
		return;
	}
	if (strcmp(nick, p->nickname) == 0) {
		nickname_result(c, 1, nick, nick, NULL);
		return;
	}
	snprintf(old, sizeof old, "%s", p->nickname);
	world_set_nickname(p, nick);
	nickname_result(c, 1, nick, nick, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("update_nickname"));
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "nickname", json_object_new_string(nick));
	world_send_json_near(p->x, p->y, o, c);
	world_system_chat_near(p->x, p->y, c, "%s is now known as %s.", old, nick);
	world_system_chat(c, "You are now known as %s.", nick);
}

static const struct proto_field position_fields[] = {
	{ "x", FT_INT, FF_REQUIRED, -2147483647LL, 2147483647LL, NULL },
	{ "y", FT_INT, FF_REQUIRED, -2147483647LL, 2147483647LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field nickname_fields[] = {
	{ "nickname", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_world_msgs[] = {
	{ "update_position", position_fields, PERM_NONE, 0, world_update_position, NULL },
	{ "teleport_complete", position_fields, PERM_NONE, 0, world_teleport_complete, NULL },
	{ "update_nickname", nickname_fields, PERM(P_NICKNAME), 0, world_update_nickname, deny_nickname },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
