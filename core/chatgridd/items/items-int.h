/*
 * items-int.h: what the files of the items part share and nobody else
 * uses: the store (items.c) calls the plugin bridge (items-plugin.c), the
 * effects interpreter (items-effects.c) and the JSON views (items-json.c)
 * through these.
 */
#ifndef CG_ITEMS_INT_H
#define CG_ITEMS_INT_H

#include <stdint.h>

struct client;
struct item;
struct json_object;
struct player;
struct plugin_host;
struct plugin_reply;
struct plugin_ticket;

/* items-json.c: welcome.uiDefinitions (§6.11) for a client. */
struct json_object *items_ui_json(const struct client *);

/* items-plugin.c: tell the item's plugin it is gone (ABI 1.1 "removed"). */
void items_notice_removed(struct item *, const struct player *actor);
/* items-plugin.c: tell every type that wants it that a player left (ABI 1.1 "player_left"). */
void items_notice_player_left(const struct player *);
/* items-plugin.c: types were loaded or went (plugin_on_types). */
void items_types_changed(void);
/* items-plugin.c: an unsolicited reply from a plugin (plugin_on_event). */
void items_plugin_event(struct plugin_host *, const char *id, const struct plugin_reply *);
/* items-plugin.c: the items tick: plugin ticks, the near pump, the write-behind. */
void items_tick(uint64_t now, void *arg);

/* items-effects.c: a host's song_load, answered from the database (plugin_on_song_load). */
void items_song_load(struct plugin_ticket *, const char *song_id, struct json_object *types);
/* items-effects.c: drop the delayed messages (at shutdown). */
void items_effects_shutdown(void);

#endif
