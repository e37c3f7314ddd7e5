/*
 * items.c: the item store: the items themselves (lookup, create, delete,
 * touch, changes saved and announced), carried items following and leaving
 * with their carriers, the metrics, and the part's start-up. The other
 * files of the part: items-json.c (views, uiDefinitions), items-plugin.c
 * (the plugin bridge and ticks), items-effects.c (the effects interpreter),
 * items-edit.c (every change and its version rule), jobs.c (plugin jobs),
 * items-alias.c (type message aliases), items-near.c (who knows which
 * items), items-db.c (persistence).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "daemon.h"
#include "items-db.h"
#include "items-int.h"
#include "items-near.h"
#include "items.h"
#include "metrics.h"
#include "net/client.h"
#include "pluginhost/pluginhost.h"
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
		it->updated_by = actor->c->session->account_id;
		it->updated_by_name = xstrdup(actor->c->session->username[0] != '\0' ? actor->c->session->username : actor->nickname);
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
	it->created_by = p->c->session->account_id;
	it->created_by_name = xstrdup(p->c->session->username[0] != '\0' ? p->c->session->username : p->nickname);
	items_touch(it, p);
	it->created_at = it->updated_at;
	it->version = 1;
	items_add_loaded(it);
	items_changed(it);
	return it;
}

void
items_delete(struct item *it, const struct player *actor)
{
	items_notice_removed(it, actor);
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

/* ---- carriers ---- */

/* The carrier left: the item stays where they stood (§1.7). */
static void
player_left(struct player *p)
{
	struct item *it, *next;

	items_notice_player_left(p);
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
	plugin_on_song_load(items_song_load);
	world_on_move(items_near_moved);	/* before the carried items follow */
	world_on_move(player_moved);
	world_set_items_json(items_near_welcome);
	world_set_ui_json(items_ui_json);
	world_set_item_at(items_near_item_at);
	metrics_add_collector(items_metrics);
	plugin_init();
	plugin_on_types(items_types_changed);
	plugin_on_event(items_plugin_event);
	items_db_init();
	proto_item_init();
	tick_add("items", 50, items_tick, NULL);
	daemon_on_shutdown(items_effects_shutdown);
}

void
items_start(void)
{
	plugin_start();
	items_db_load();
}
