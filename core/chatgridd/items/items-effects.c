/*
 * items-effects.c: the effects interpreter: what a plugin reply's effects
 * do (chat lines to others, sounds, events, songs kept in the database,
 * delayed system lines), and item sounds played to those who hear them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "auth/session.h"
#include "daemon.h"
#include "ipc.h"
#include "items-db.h"
#include "items-int.h"
#include "items.h"
#include "log.h"
#include "net/client.h"
#include "pluginhost/pluginhost.h"
#include "world/world.h"
#include "xmalloc.h"

void
items_play_sound(const struct item *it, const char *sound)
{
	struct json_object *o = json_object_new_object();
	int x, y;

	items_source(it, &x, &y);
	json_object_object_add(o, "type", json_object_new_string("item_use_sound"));
	json_object_object_add(o, "itemId", json_object_new_string(it->id));
	json_object_object_add(o, "sound", json_object_new_string(sound));
	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	json_object_object_add(o, "range", json_object_new_int(items_emit_range(it)));
	world_send_json_near(x, y, o, NULL);
}

/* An event effect: {"type":event,"itemId","x","y","range",...fields}. */
static void
effect_event(const struct item *it, const struct player *actor, const struct cg_value *e)
{
	const char *type = ipc_get_str(e, "event");
	const struct cg_value *fields = ipc_get(e, "fields", CG_MAP);
	struct json_object *o;
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
	world_send_json_near(x, y, o, to == CG_TO_OTHERS && actor != NULL ? actor->c : NULL);
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
		items_db_song_save(it, id, body, actor != NULL ? actor->c->session->account_id : 0);
	json_object_put(body);
}

/* Answer a host's items_song_load from the database. */
static void
song_loaded(void *arg, struct json_object *song)
{
	plugin_song_answer(arg, song);
}

void
items_song_load(struct plugin_ticket *tk, const char *song_id, struct json_object *types)
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

void
items_effects_shutdown(void)
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
