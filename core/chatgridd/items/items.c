/*
 * items.c: the item store: the items themselves, their JSON (§6.1, §6.12),
 * welcome.items and welcome.uiDefinitions (§6.11), carried items following
 * and leaving with their carriers, effects from plugins, and ticks.
 * Persistence (load and write-behind) is in items-db.c.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "cfg.h"
#include "daemon.h"
#include "ipc.h"
#include "items-db.h"
#include "items-near.h"
#include "items.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "perm.h"
#include "pluginhost/pluginhost.h"
#include "proto/proto.h"
#include "strmap.h"
#include "tick.h"
#include "uuid.h"
#include "world/world.h"
#include "xmalloc.h"

struct item_list items = TAILQ_HEAD_INITIALIZER(items);
static struct strmap *by_id;
static int nitems;
/* Items someone carries (by carried_entry): as many as carriers at most. */
static struct item_list carried = TAILQ_HEAD_INITIALIZER(carried);

/* ---- lookup ---- */

struct item *
items_get(const char *id)
{
	struct item *it = by_id != NULL ? strmap_get(by_id, id) : NULL;

	return it != NULL && it->type != NULL ? it : NULL;
}

struct item *
items_find_any(const char *id)
{
	return by_id != NULL ? strmap_get(by_id, id) : NULL;
}

struct item *
items_carried_by(const struct player *p)
{
	struct item *it;

	TAILQ_FOREACH(it, &carried, carried_entry)
		if (it->carrier == p)
			return it;
	return NULL;
}

int
items_count(void)
{
	return nitems;
}

int
items_count_owned(int64_t account_id)
{
	struct item *it;
	int n = 0;

	TAILQ_FOREACH(it, &items, entry)
		if (it->created_by == account_id)
			n++;
	return n;
}

int
items_can_delete(void)
{
	return items_db_delete_room();
}

int
items_owned_by(const struct item *it, int64_t account_id)
{
	return account_id != 0 && it->created_by == account_id;
}

const char *
items_label(const struct item *it)
{
	return it->type != NULL ? it->type->label : it->type_id;
}

/* ---- life cycle ---- */


struct item *
items_add_loaded(struct item *it)
{
	if (by_id == NULL)
		by_id = strmap_new();
	TAILQ_INSERT_TAIL(&items, it, entry);
	strmap_put(by_id, it->id, it);
	nitems++;
	items_near_add(it);
	return it;
}

void
items_free(struct item *it)
{
	free(it->type_id);
	free(it->title);
	free(it->created_by_name);
	free(it->updated_by_name);
	free(it->wire);
	json_object_put(it->params);
	free(it);
}

void
items_touch(struct item *it, const struct player *actor)
{
	it->updated_at = (int64_t)tick_wall_ms();
	free(it->updated_by_name);
	if (actor != NULL) {
		it->updated_by = actor->c->account_id;
		it->updated_by_name = xstrdup(actor->c->username[0] != '\0' ? actor->c->username : actor->nickname);
	} else {
		it->updated_by = 0;
		it->updated_by_name = xstrdup("system");
	}
}

/* Keep the list of carried items in step with it->carrier. */
static void
carried_sync(struct item *it)
{
	if (it->carrier != NULL && !it->carried_listed) {
		TAILQ_INSERT_TAIL(&carried, it, carried_entry);
		it->carried_listed = 1;
	} else if (it->carrier == NULL && it->carried_listed) {
		TAILQ_REMOVE(&carried, it, carried_entry);
		it->carried_listed = 0;
	}
}

void
items_changed(struct item *it)
{
	it->rev++;
	items_db_dirty(it);
	carried_sync(it);
	/* item_upsert to those who have it in range, item_remove to those it left. */
	items_near_changed(it);
}

struct item *
items_create(struct item_type *t, struct player *p)
{
	struct item *it = xcalloc(1, sizeof *it);

	uuid_make(it->id);
	it->type = t;
	it->type_id = xstrdup(t->id);
	it->title = xstrdup(t->default_title);
	it->x = p->x;
	it->y = p->y;
	it->params = json_tokener_parse(json_object_to_json_string_ext(t->default_params, JSON_C_TO_STRING_PLAIN));
	if (it->params == NULL)
		it->params = json_object_new_object();
	it->encoding_version = t->encoding_version;
	it->created_by = p->c->account_id;
	it->created_by_name = xstrdup(p->c->username[0] != '\0' ? p->c->username : p->nickname);
	items_touch(it, p);
	it->created_at = it->updated_at;
	it->version = 1;
	items_add_loaded(it);
	items_changed(it);
	return it;
}

static void pack_actor(msgpack_packer *, const struct player *);

/* A notice's reply is only logged (by plugin.c when it fails). */
static void
notice_reply(const struct plugin_reply *r, void *arg)
{
	char *what = arg;

	if (!r->ok && !r->unavailable)
		log_debug("plugin notice %s: %s", what, r->message);
	free(what);
}

/* Tell the item's plugin it is gone (ABI 1.1 "removed"). */
static void
notice_removed(struct item *it, const struct player *actor)
{
	if (it->type == NULL || !it->type->has_removed || !plugin_type_available(it->type))
		return;
	plugin_request(it->type, items_request(it, "removed", actor, NULL), notice_reply, xstrdup("removed"));
}

/* Tell every type that wants it that a player left (ABI 1.1 "player_left"). */
static void
notice_player_left(const struct player *p)
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

void
items_delete(struct item *it, const struct player *actor)
{
	notice_removed(it, actor);
	items_near_remove(it);
	it->carrier = NULL;
	carried_sync(it);
	items_db_deleted(it);
	TAILQ_REMOVE(&items, it, entry);
	strmap_del(by_id, it->id);
	nitems--;
	items_free(it);
}

void
items_set_params(struct item *it, struct json_object *params)
{
	json_object_put(it->params);
	it->params = params != NULL ? params : json_object_new_object();
	if (it->type != NULL)
		it->encoding_version = it->type->encoding_version;
}

/* ---- JSON ---- */

/* Strings holding NUL cannot be stored (PostgreSQL's jsonb refuses \u0000). */
int
items_has_nul(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		return (size_t)json_object_get_string_len(o) != strlen(json_object_get_string(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (items_has_nul(json_object_array_get_idx(o, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (items_has_nul(v))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

size_t
items_params_bytes(struct json_object *params)
{
	size_t len = 0;

	json_object_to_json_string_length(params, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return len;
}

void
items_source(const struct item *it, int *x, int *y)
{
	if (it->carrier != NULL) {
		*x = it->carrier->x;
		*y = it->carrier->y;
	} else {
		*x = it->x;
		*y = it->y;
	}
}

int
items_emit_range(const struct item *it)
{
	struct json_object *v;
	double d;

	if (json_object_object_get_ex(it->params, "emitRange", &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
		d = json_object_get_double(v);
		if (isfinite(d) && d >= 1 && d < 1e6)
			return (int)d;
	}
	return it->type != NULL && it->type->emit_range > 0 ? it->type->emit_range : 15;
}

/* Trim ASCII and common white space in place (sound names are plain text). */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r' ||
	    e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

const char *
items_use_sound(const struct item *it, char *out, size_t outlen)
{
	struct json_object *v;
	char buf[4096], *s;

	if (json_object_object_get_ex(it->params, "useSound", &v) && json_object_is_type(v, json_type_string)) {
		/* A string parameter wins, and an empty one means no sound. */
		snprintf(buf, sizeof buf, "%s", json_object_get_string(v));
		s = trim(buf);
	} else if (it->type != NULL && it->type->use_sound != NULL) {
		snprintf(buf, sizeof buf, "%s", it->type->use_sound);
		s = trim(buf);
	} else
		return NULL;
	if (*s == '\0')
		return NULL;
	snprintf(out, outlen, "%s", s);
	return out;
}

static struct json_object *
id_json(int64_t id)
{
	char buf[24];

	if (id == 0)
		return json_object_new_string("system");
	snprintf(buf, sizeof buf, "%lld", (long long)id);
	return json_object_new_string(buf);
}

static struct json_object *
utc_json(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
	return json_object_new_string(buf);
}

/* A sound reference as a short name: the last path segment without ?query or #fragment. */
static struct json_object *
sound_display(const char *s)
{
	char buf[4096], *p, *q;

	if (s == NULL)
		return json_object_new_string("none");
	snprintf(buf, sizeof buf, "%s", s);
	p = trim(buf);
	p[strcspn(p, "?#")] = '\0';
	if ((q = strrchr(p, '/')) != NULL)
		p = q + 1;
	if (*p == '\0' || strcmp(p, "none") == 0)
		return json_object_new_string("none");
	return json_object_new_string(p);
}

static struct json_object *
display_sound(const struct item *it, const char *key, const char *type_default)
{
	struct json_object *v;

	if (json_object_object_get_ex(it->params, key, &v))
		return sound_display(json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL);
	return sound_display(type_default);
}

static struct json_object *
display_json(const struct item *it)
{
	struct json_object *d = json_object_new_object(), *caps;
	char buf[1024];
	size_t i, n, len = 0;

	json_object_object_add(d, "type", json_object_new_string(it->type_id));
	snprintf(buf, sizeof buf, "%d", it->x);
	json_object_object_add(d, "x", json_object_new_string(buf));
	snprintf(buf, sizeof buf, "%d", it->y);
	json_object_object_add(d, "y", json_object_new_string(buf));
	if (it->carrier != NULL)
		json_object_object_add(d, "carrierId", json_object_new_string(it->carrier->nickname));
	else if (it->carrier_account != 0) {
		snprintf(buf, sizeof buf, "%lld", (long long)it->carrier_account);
		json_object_object_add(d, "carrierId", json_object_new_string(buf));
	} else
		json_object_object_add(d, "carrierId", json_object_new_string("none"));
	snprintf(buf, sizeof buf, "%lld", (long long)it->version);
	json_object_object_add(d, "version", json_object_new_string(buf));
	json_object_object_add(d, "createdBy", json_object_new_string(it->created_by_name));
	json_object_object_add(d, "updatedBy", json_object_new_string(it->updated_by_name));
	json_object_object_add(d, "createdAt", utc_json(it->created_at));
	json_object_object_add(d, "updatedAt", utc_json(it->updated_at));
	caps = it->type != NULL ? it->type->capabilities : NULL;
	n = caps != NULL ? json_object_array_length(caps) : 0;
	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i > 0 ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(caps, i)));
	json_object_object_add(d, "capabilities", json_object_new_string(n > 0 ? buf : "none"));
	json_object_object_add(d, "useSound", display_sound(it, "useSound", it->type ? it->type->use_sound : NULL));
	json_object_object_add(d, "emitSound", display_sound(it, "emitSound", it->type ? it->type->emit_sound : NULL));
	return d;
}

struct json_object *
items_json(const struct item *it)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(it->id));
	json_object_object_add(o, "type", json_object_new_string(it->type_id));
	json_object_object_add(o, "title", json_object_new_string(it->title));
	json_object_object_add(o, "x", json_object_new_int(it->x));
	json_object_object_add(o, "y", json_object_new_int(it->y));
	json_object_object_add(o, "createdBy", id_json(it->created_by));
	json_object_object_add(o, "createdByName", json_object_new_string(it->created_by_name));
	json_object_object_add(o, "updatedBy", id_json(it->updated_by));
	json_object_object_add(o, "updatedByName", json_object_new_string(it->updated_by_name));
	json_object_object_add(o, "createdAt", json_object_new_int64(it->created_at));
	json_object_object_add(o, "updatedAt", json_object_new_int64(it->updated_at));
	json_object_object_add(o, "version", json_object_new_int64(it->version));
	json_object_object_add(o, "capabilities", it->type != NULL ?
	    json_object_get(it->type->capabilities) : json_object_new_array());
	if (it->type != NULL && it->type->use_sound != NULL)
		json_object_object_add(o, "useSound", json_object_new_string(it->type->use_sound));
	if (it->type != NULL && it->type->emit_sound != NULL)
		json_object_object_add(o, "emitSound", json_object_new_string(it->type->emit_sound));
	json_object_object_add(o, "params", json_object_get(it->params));
	/* The carrier's connection id, as reference clients expect. */
	if (it->carrier != NULL)
		json_object_object_add(o, "carrierId", json_object_new_string(it->carrier->c->id));
	json_object_object_add(o, "display", display_json(it));
	return o;
}

static struct json_object *
manage_action(const char *id, const char *label, const char *tooltip, const char *any, const char *own)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "tooltip", json_object_new_string(tooltip));
	json_object_object_add(o, "anyPermission", json_object_new_string(any));
	json_object_object_add(o, "ownPermission", json_object_new_string(own));
	return o;
}

static struct json_object *
ui_json(const struct client *c)
{
	struct json_object *ui = json_object_new_object(), *order = json_object_new_array();
	struct json_object *list = json_object_new_array(), *am = json_object_new_object(), *im, *acts;
	struct item_type *t;
	int i;

	for (i = 0; (t = plugin_type_at(i)) != NULL; i++) {
		if (t->host == NULL)
			continue;
		json_object_array_add(order, json_object_new_string(t->id));
		json_object_array_add(list, json_object_get(t->ui));
	}
	json_object_object_add(ui, "itemTypeOrder", order);
	json_object_object_add(ui, "itemTypes", list);
	json_object_object_add(am, "actions", perm_admin_menu(c->perms));
	json_object_object_add(ui, "adminMenu", am);
	im = json_object_new_object();
	acts = json_object_new_array();
	json_object_array_add(acts, manage_action("transfer", "Transfer item", "Give this item to another user.",
	    "item.transfer.any", "item.transfer.own"));
	json_object_array_add(acts, manage_action("delete", "Delete item", "Remove this item from the world.",
	    "item.delete.any", "item.delete.own"));
	json_object_object_add(im, "actions", acts);
	json_object_object_add(ui, "itemManagement", im);
	return ui;
}

/* ---- carriers ---- */

/* The carrier left: the item stays where they stood (§1.7). */
static void
player_left(struct player *p)
{
	struct item *it, *next;

	notice_player_left(p);
	for (it = TAILQ_FIRST(&carried); it != NULL; it = next) {
		next = TAILQ_NEXT(it, carried_entry);
		if (it->carrier != p)
			continue;
		it->carrier = NULL;
		it->carrier_account = 0;
		it->x = p->x;
		it->y = p->y;
		items_touch(it, NULL);
		items_changed(it);
	}
}

static void
player_moved(struct player *p)
{
	struct item *it, *next;

	for (it = TAILQ_FIRST(&carried); it != NULL; it = next) {
		next = TAILQ_NEXT(it, carried_entry);
		if (it->carrier != p || (it->x == p->x && it->y == p->y))
			continue;
		it->x = p->x;
		it->y = p->y;
		/* A move is no edit (no version, no updatedAt), but its place is saved. */
		items_changed(it);
	}
}

/* ---- plugins: new types, unsolicited effects, ticks ---- */

static void
types_changed(void)
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
		json_object_object_add(o, "uiDefinitions", ui_json(p->c));
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

static void
plugin_event(struct plugin_host *h, const char *id, const struct plugin_reply *r)
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
static void
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
	ipc_pack_kv_int(pk, "accountId", actor->c->account_id);
	ipc_pack_kv_str(pk, "username", actor->c->username);
	ipc_pack_kv_str(pk, "nickname", actor->nickname);
	ipc_pack_kv_int(pk, "x", actor->x);
	ipc_pack_kv_int(pk, "y", actor->y);
	ipc_pack_str(pk, "permissions");
	perms = perm_json_array(actor->c->perms);
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

void
items_play_sound(const struct item *it, const char *sound)
{
	struct json_object *o = json_object_new_object();
	struct outmsg *m;
	int x, y;

	items_source(it, &x, &y);
	json_object_object_add(o, "type", json_object_new_string("item_use_sound"));
	json_object_object_add(o, "itemId", json_object_new_string(it->id));
	json_object_object_add(o, "sound", json_object_new_string(sound));
	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	json_object_object_add(o, "range", json_object_new_int(items_emit_range(it)));
	m = outmsg_new_json(o);
	json_object_put(o);
	world_send_near(x, y, m, NULL);
	outmsg_unref(m);
}

/* An event effect: {"type":event,"itemId","x","y","range",...fields}. */
static void
effect_event(const struct item *it, const struct player *actor, const struct cg_value *e)
{
	const char *type = ipc_get_str(e, "event");
	const struct cg_value *fields = ipc_get(e, "fields", CG_MAP);
	struct json_object *o;
	struct outmsg *m;
	int64_t to = CG_TO_ALL;
	uint32_t i;
	int x, y;

	if (type == NULL || strncmp(type, "item_", 5) != 0 || strlen(type) > 64)
		return;
	ipc_get_int(e, "to", &to);
	items_source(it, &x, &y);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	for (i = 0; fields != NULL && i < fields->len; i++)
		json_object_object_add(o, fields->u.pairs[i].key, plugin_value_to_json(&fields->u.pairs[i].value));
	/* The core's fields win over a plugin's. */
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "itemId", json_object_new_string(it->id));
	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	json_object_object_add(o, "range", json_object_new_int(items_emit_range(it)));
	if (to == CG_TO_ACTOR || to == IPC_TO_PLAYER) {
		const struct player *p = actor;

		if (to == IPC_TO_PLAYER)
			p = ipc_get_str(e, "player") != NULL ? world_find(ipc_get_str(e, "player")) : NULL;
		if (p != NULL)
			client_send_json(p->c, o);
		else
			json_object_put(o);
		return;
	}
	m = outmsg_new_json(o);
	json_object_put(o);
	world_send_near(x, y, m, to == CG_TO_OTHERS && actor != NULL ? actor->c : NULL);
	outmsg_unref(m);
}

/* A song to keep (or, as nil, to delete) for the item: written at once. */
static void
effect_song(const struct item *it, const struct player *actor, const struct cg_value *e)
{
	const char *id = ipc_get_str(e, "songId");
	const struct cg_value *song = ipc_get(e, "song", CG_MAP);
	struct json_object *body;

	if (id == NULL || *id == '\0' || strlen(id) > 200) {
		log_warn("plugin for %s: song without a valid id (1-200 bytes) ignored", it->type_id);
		return;
	}
	if (song == NULL) {
		items_db_song_save(it, id, NULL, 0);
		return;
	}
	body = plugin_value_to_json(song);
	if (body == NULL || !json_object_is_type(body, json_type_object) || items_has_nul(body))
		log_warn("plugin for %s: song %s is not storable (not an object, or holds NUL characters)",
		    it->type_id, id);
	else
		items_db_song_save(it, id, body, actor != NULL ? actor->c->account_id : 0);
	json_object_put(body);
}

/* Answer a host's song_load from the database. */
static void
song_loaded(void *arg, struct json_object *song)
{
	plugin_song_answer(arg, song);
}

static void
song_load(struct plugin_ticket *tk, const char *song_id, struct json_object *types)
{
	items_db_song_load(song_id, types, song_loaded, tk);
}

/* Delayed system lines; freed when they fire or at shutdown. */
struct later {
	char conn[37];		/* the actor's connection id, or "" */
	char *self_text, *others_text;
	struct event *ev;
	TAILQ_ENTRY(later) entry;
};
static TAILQ_HEAD(, later) laters = TAILQ_HEAD_INITIALIZER(laters);

static void
later_free(struct later *l)
{
	TAILQ_REMOVE(&laters, l, entry);
	event_free(l->ev);
	free(l->self_text);
	free(l->others_text);
	free(l);
}

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;
	struct player *p = l->conn[0] != '\0' ? world_find(l->conn) : NULL;

	/* To the others first, then to the actor if still here (as the reference's wheel). */
	if (l->others_text != NULL)
		world_system_chat_others(p != NULL ? p->c : NULL, "%s", l->others_text);
	if (l->self_text != NULL && p != NULL)
		world_system_chat(p->c, "%s", l->self_text);
	later_free(l);
}

static void
effect_later(const struct player *actor, const struct cg_value *e)
{
	const char *self = ipc_get_str(e, "self"), *others = ipc_get_str(e, "others");
	struct later *l;
	struct timeval tv;
	int64_t ms = 0;

	if (daemon_shutting_down() || (self == NULL && others == NULL))
		return;
	ipc_get_int(e, "delayMs", &ms);
	if (ms < 0)
		ms = 0;
	if (ms > 3600000)
		ms = 3600000;
	l = xcalloc(1, sizeof *l);
	if (actor != NULL)
		snprintf(l->conn, sizeof l->conn, "%s", actor->c->id);
	l->self_text = self != NULL ? xstrdup(self) : NULL;
	l->others_text = others != NULL ? xstrdup(others) : NULL;
	if ((l->ev = evtimer_new(cg_base, later_cb, l)) == NULL)
		fatalx("cannot schedule a delayed message");
	TAILQ_INSERT_TAIL(&laters, l, entry);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(l->ev, &tv);
}

static void
items_shutdown(void)
{
	while (!TAILQ_EMPTY(&laters))
		later_free(TAILQ_FIRST(&laters));
}

void
items_effects(struct item *it, const struct player *actor, const struct cg_value *effects,
    enum items_effects_phase phase)
{
	const struct cg_value *e;
	const char *kind, *s;
	uint32_t i;

	for (i = 0; effects != NULL && effects->type == CG_ARRAY && i < effects->len; i++) {
		e = &effects->u.items[i];
		if ((kind = ipc_get_str(e, "kind")) == NULL)
			continue;
		if (phase == EFFECTS_LATER) {
			if (strcmp(kind, "later") == 0)
				effect_later(actor, e);
			continue;
		}
		if (strcmp(kind, "others") == 0 && (s = ipc_get_str(e, "text")) != NULL && s[strspn(s, " \t")] != '\0')
			world_system_chat_others(actor != NULL ? actor->c : NULL, "%s", s);
		else if (strcmp(kind, "sound") == 0 && (s = ipc_get_str(e, "sound")) != NULL && *s != '\0')
			items_play_sound(it, s);
		else if (strcmp(kind, "event") == 0)
			effect_event(it, actor, e);
		else if (strcmp(kind, "song") == 0)
			effect_song(it, actor, e);
	}
}

/* ---- start-up ---- */

/* Items by type, for /metrics: a walk at scrape time over few distinct types. */
static void
items_metrics(struct metrics_out *o)
{
	struct { const char *type; uint64_t n; } seen[64];
	struct item *it;
	size_t nseen = 0, i;
	uint64_t other = 0;
	char l[200];

	TAILQ_FOREACH(it, &items, entry) {
		for (i = 0; i < nseen && strcmp(seen[i].type, it->type_id) != 0; i++)
			;
		if (i < nseen)
			seen[i].n++;
		else if (nseen < sizeof seen / sizeof seen[0]) {
			seen[nseen].type = it->type_id;
			seen[nseen++].n = 1;
		} else
			other++;
	}
	metrics_family(o, "chatgrid_items", "gauge", "Items in the world, by type.");
	for (i = 0; i < nseen; i++)
		metrics_sample(o, "chatgrid_items", metrics_label(l, sizeof l, "type", seen[i].type), (double)seen[i].n);
	if (other > 0)
		metrics_sample(o, "chatgrid_items", "type=\"other\"", (double)other);
}

void
items_init(void)
{
	if (by_id == NULL)
		by_id = strmap_new();
	items_near_init();
	world_on_leave(player_left);
	world_on_leave(items_near_left);	/* after the carried items are put down */
	plugin_on_song_load(song_load);
	world_on_move(items_near_moved);	/* before the carried items follow */
	world_on_move(player_moved);
	world_set_items_json(items_near_welcome);
	world_set_ui_json(ui_json);
	world_set_item_at(items_near_item_at);
	metrics_add_collector(items_metrics);
	plugin_init();
	plugin_on_types(types_changed);
	plugin_on_event(plugin_event);
	items_db_init();
	proto_item_init();
	tick_add("items", 50, items_tick, NULL);
	daemon_on_shutdown(items_shutdown);
}

void
items_start(void)
{
	plugin_start();
	items_db_load();
}
