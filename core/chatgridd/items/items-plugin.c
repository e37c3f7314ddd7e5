/*
 * items-plugin.c: the bridge to the item plugins: request bodies (the
 * item's state, the actor, the args), the notices (removed, player_left),
 * types that arrive or go, unsolicited plugin events and ticks, applied as
 * system edits. Only items someone can hear are ticked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "cfg.h"
#include "ipc.h"
#include "items-db.h"
#include "items-int.h"
#include "items-near.h"
#include "items.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "pluginhost/pluginhost.h"
#include "tick.h"
#include "world/world.h"
#include "xmalloc.h"

static void pack_actor(msgpack_packer *, const struct player *);

/* A notice's reply is only logged (by pluginhost/rpc.c when it fails). */
static void
notice_reply(const struct plugin_reply *r, void *arg)
{
	char *what = arg;

	if (!r->ok && !r->unavailable)
		log_debug("plugin notice %s: %s", what, r->message);
	free(what);
}

/* Tell the item's plugin it is gone (ABI 1.1 "removed"). */
void
items_notice_removed(struct item *it, const struct player *actor)
{
	if (it->type == NULL || !it->type->has_removed || !plugin_type_available(it->type))
		return;
	plugin_request(it->type, items_request(it, "removed", actor, NULL), notice_reply, xstrdup("removed"));
}

/* Tell every type that wants it that a player left (ABI 1.1 "player_left"). */
void
items_notice_player_left(const struct player *p)
{
	struct item_type *t;
	msgpack_sbuffer *sb;
	msgpack_packer pk;
	int i, n = plugin_type_count();

	for (i = 0; i < n; i++) {
		t = plugin_type_at(i);
		if (!t->has_player_left || !plugin_type_available(t))
			continue;
		sb = msgpack_sbuffer_new();
		msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 6);
		ipc_pack_kv_str(&pk, "action", "player_left");
		ipc_pack_kv_str(&pk, "type", t->id);
		ipc_pack_kv_int(&pk, "now", (int64_t)tick_wall_ms());
		pack_actor(&pk, p);
		ipc_pack_str(&pk, "args");
		msgpack_pack_map(&pk, 0);
		plugin_request(t, sb, notice_reply, xstrdup("player_left"));
	}
}

/* ---- plugins: new types, unsolicited effects, ticks ---- */

void
items_types_changed(void)
{
	struct item *it;
	struct player *p;
	struct json_object *o;
	int woke = 0;

	TAILQ_FOREACH(it, &items, entry) {
		if (it->type != NULL)
			continue;
		if ((it->type = plugin_type_find(it->type_id)) == NULL || it->type->host == NULL) {
			it->type = NULL;
			continue;
		}
		woke++;
		items_near_changed(it);
	}
	if (woke > 0)
		log_notice("kept items back now that their type is loaded: %d", woke);
	/* Clients learn new item types without reconnecting. */
	TAILQ_FOREACH(p, &roster, roster_entry) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("ui_definitions"));
		json_object_object_add(o, "uiDefinitions", items_ui_json(p->c));
		client_send_json(p->c, o);
	}
}

/* New params from a plugin without a user: a system edit. Takes params. */
static void
apply_system_params(struct item *it, struct json_object *params)
{
	struct json_object *merged = json_object_new_object();

	json_object_object_foreach(it->params, k, v)
		json_object_object_add(merged, k, json_object_get(v));
	json_object_object_foreach(params, k2, v2)
		json_object_object_add(merged, k2, json_object_get(v2));
	json_object_put(params);
	if (items_params_bytes(merged) > (size_t)cfg->max_item_params_bytes) {
		log_warn("plugin for %s: parameters of %s would take %zu bytes (max_item_params_bytes %d); not applied",
		    it->type_id, it->id, items_params_bytes(merged), cfg->max_item_params_bytes);
		json_object_put(merged);
		return;
	}
	items_set_params(it, merged);
	it->version++;
	items_touch(it, NULL);
	items_changed(it);
}

void
items_plugin_event(struct plugin_host *h, const char *id, const struct plugin_reply *r)
{
	struct item *it = items_get(id);

	if (it == NULL || !plugin_type_of_host(it->type, h)) {
		log_debug("plugin event for item %s, which is not one of the plugin's", id);
		return;
	}
	if (r->params != NULL)
		apply_system_params(it, json_object_get(r->params));
	items_effects(it, NULL, r->effects, EFFECTS_NOW);
	items_effects(it, NULL, r->effects, EFFECTS_LATER);
}

static void
tick_reply(const struct plugin_reply *r, void *arg)
{
	char *id = arg;
	struct item *it = items_get(id);

	if (it != NULL) {
		it->tick_out = 0;
		if (r->ok) {
			if (r->params != NULL)
				apply_system_params(it, json_object_get(r->params));
			items_effects(it, NULL, r->effects, EFFECTS_NOW);
			items_effects(it, NULL, r->effects, EFFECTS_LATER);
		}
	}
	free(id);
}

static int listeners(const struct item *);
static msgpack_sbuffer *request_body(const struct item *, const char *action, const struct player *actor,
    struct json_object *args, int listeners);

/*
 * Tick the items of the ticking types that are due, in one walk of the
 * items. Only items that someone can hear (a player within the emit range
 * of where the item sounds) are ticked: with nobody near, an item costs
 * nothing here or in its plugin, and it ticks again as soon as a player
 * comes into range.
 */
void
items_tick(uint64_t now, void *arg)
{
	static uint64_t *next;		/* per type index, by its place in the registry */
	static int nnext;
	struct item_type *t, *due[16];
	struct item *it;
	int i, k, n = plugin_type_count(), ndue = 0, heard;

	if (n > nnext) {
		next = xreallocarray(next, (size_t)n, sizeof *next);
		memset(next + nnext, 0, (size_t)(n - nnext) * sizeof *next);
		nnext = n;
	}
	for (i = 0; i < n && ndue < (int)(sizeof due / sizeof due[0]); i++) {
		t = plugin_type_at(i);
		if (t->tick_ms == 0 || !plugin_type_available(t) || now < next[i])
			continue;
		next[i] = now + (uint64_t)t->tick_ms;
		due[ndue++] = t;
	}
	/* Nobody online: nobody hears anything. */
	if (ndue > 0 && !TAILQ_EMPTY(&roster))
		TAILQ_FOREACH(it, &items, entry) {
			if (it->type == NULL || it->tick_out)
				continue;
			for (k = 0; k < ndue && it->type != due[k]; k++)
				;
			if (k == ndue || (heard = listeners(it)) == 0)
				continue;
			it->tick_out = 1;
			plugin_request(it->type, request_body(it, "tick", NULL, NULL, heard), tick_reply,
			    xstrdup(it->id));
		}
	items_near_pump();
	items_db_tick(now);
}

/* ---- requests and effects ---- */

struct near_count {
	int x, y, range, n;
};

static void
count_near(struct player *p, void *arg)
{
	struct near_count *c = arg;

	if (world_distance(c->x, c->y, p->x, p->y) <= c->range)
		c->n++;
}

/* Players within the item's emit range of where it sounds (tick requests), from the interest buckets. */
static int
listeners(const struct item *it)
{
	struct near_count c = { 0, 0, items_emit_range(it), 0 };

	items_source(it, &c.x, &c.y);
	world_foreach_near(c.x, c.y, c.range, count_near, &c);
	return c.n;
}

static void
pack_actor(msgpack_packer *pk, const struct player *actor)
{
	struct json_object *perms;

	ipc_pack_kv_str(pk, "actorId", actor->c->id);
	ipc_pack_str(pk, "actor");
	msgpack_pack_map(pk, 6);
	ipc_pack_kv_int(pk, "accountId", actor->c->session->account_id);
	ipc_pack_kv_str(pk, "username", actor->c->session->username);
	ipc_pack_kv_str(pk, "nickname", actor->nickname);
	ipc_pack_kv_int(pk, "x", actor->x);
	ipc_pack_kv_int(pk, "y", actor->y);
	ipc_pack_str(pk, "permissions");
	perms = perm_json_array(actor->c->session->perms);
	plugin_pack_json(pk, perms);
	json_object_put(perms);
}

msgpack_sbuffer *
items_request(const struct item *it, const char *action, const struct player *actor, struct json_object *args)
{
	return request_body(it, action, actor, args, strcmp(action, "tick") == 0 ? listeners(it) : -1);
}

/* items_request with the listeners already counted (-1: not a tick, none sent). */
static msgpack_sbuffer *
request_body(const struct item *it, const char *action, const struct player *actor, struct json_object *args,
    int heard)
{
	msgpack_sbuffer *sb = msgpack_sbuffer_new();
	msgpack_packer pk;
	int x, y, tick = heard >= 0;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5 + (actor != NULL ? 2 : 0) + (tick ? 1 : 0));
	ipc_pack_kv_str(&pk, "action", action);
	ipc_pack_kv_str(&pk, "type", it->type_id);
	ipc_pack_kv_int(&pk, "now", (int64_t)tick_wall_ms());
	if (tick)
		ipc_pack_kv_int(&pk, "listeners", heard);
	ipc_pack_str(&pk, "item");
	items_source(it, &x, &y);
	msgpack_pack_map(&pk, 10);
	ipc_pack_kv_str(&pk, "id", it->id);
	ipc_pack_kv_str(&pk, "type", it->type_id);
	ipc_pack_kv_str(&pk, "title", it->title);
	ipc_pack_kv_int(&pk, "x", x);
	ipc_pack_kv_int(&pk, "y", y);
	ipc_pack_str(&pk, "carried");
	if (it->carrier_account != 0)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	ipc_pack_kv_int(&pk, "encodingVersion", it->encoding_version);
	ipc_pack_kv_int(&pk, "version", it->version);
	ipc_pack_kv_int(&pk, "ownerId", it->created_by);
	ipc_pack_str(&pk, "params");
	plugin_pack_json(&pk, it->params);
	if (actor != NULL)
		pack_actor(&pk, actor);
	ipc_pack_str(&pk, "args");
	if (args != NULL && json_object_is_type(args, json_type_object))
		plugin_pack_json(&pk, args);
	else
		msgpack_pack_map(&pk, 0);
	return sb;
}
