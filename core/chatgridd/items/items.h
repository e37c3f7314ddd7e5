/*
 * items.h: the world's items. The core owns every item: its state lives
 * here and in PostgreSQL (written behind, coalesced into transactions),
 * and plugins see it only with each request. The items part is the single
 * owner of every item field and its version rules: the store (items.c),
 * what a change does to an item (items-edit.c), the plugin job runner with
 * its retry (jobs.c), and the compatibility aliases of type messages
 * (items-alias.c). The message handlers (proto-item.c) only translate.
 */
#ifndef CG_ITEMS_H
#define CG_ITEMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <msgpack.h>

#include "chatgrid/plugin.h"

struct client;
struct json_object;
struct item_type;
struct player;

struct item {
	char id[37];			/* UUID */
	struct item_type *type;		/* NULL while no plugin provides type_id (kept, not shown) */
	char *type_id;			/* owned */
	char *title;			/* owned */
	int x, y;			/* follows the carrier */
	int64_t carrier_account;	/* 0 when on the ground */
	struct player *carrier;		/* not owned; cleared when the carrier leaves */
	struct json_object *params;	/* owned; an object */
	int encoding_version;
	int64_t created_by;		/* owner's account id; 0 for the system */
	char *created_by_name;		/* owned */
	int64_t updated_by;		/* 0 for the system */
	char *updated_by_name;		/* owned */
	int64_t created_at, updated_at;	/* wall-clock milliseconds */
	int64_t version;
	uint64_t last_use_ms;		/* monotonic; 0 = never used */
	uint64_t rev;			/* bumped at every change: stale plugin replies are redone */
	int dirty;			/* queued for the write-behind */
	int tick_out;			/* a tick request is in flight */
	TAILQ_ENTRY(item) entry;

	/* Where it is indexed and was last shown (items-near.c). */
	int ix, iy;
	int indexed;
	TAILQ_ENTRY(item) cell_entry;
	int carried_listed;		/* on items.c's list of carried items */
	TAILQ_ENTRY(item) carried_entry;
	char *wire;			/* owned: items_json's text at wire_rev (items-near.c), or NULL */
	size_t wire_len;
	uint64_t wire_rev;
};
TAILQ_HEAD(item_list, item);
extern struct item_list items;

/* Statements, world hooks, the write-behind tick and its shutdown flush (before db_start). */
void items_init(void);
/* The item messages (proto-item.c): statements and registration, from items_init. */
void proto_item_init(void);
/* After plugin_start: load every item (blocking); put down the ones left carried by a crash. */
void items_start(void);

/* A live item (its type loaded) by id, or NULL. */
struct item *items_get(const char *id);
/* The item p carries, or NULL. */
struct item *items_carried_by(const struct player *p);
/* Items in the world (live and kept), and owned by an account. */
int items_count(void);
int items_count_owned(int64_t account_id);

/* A new item of type t at p's cell, owned by p (added, announced, saved). */
struct item *items_create(struct item_type *t, struct player *p);
/* Set updatedAt/By to the actor (NULL: "system"). */
void items_touch(struct item *, const struct player *actor);
/*
 * After a change: queue the save, send item_upsert to the clients that have
 * it in range and item_remove to those it moved out of range of (items-near.h).
 */
void items_changed(struct item *);
/* May an item be deleted now? 0 while too many deletions wait for the database. */
int items_can_delete(void);
/*
 * Remove it: its plugin is told (actor as who did it, or NULL), the
 * clients that knew it get item_remove, the row is deleted.
 */
void items_delete(struct item *, const struct player *actor);
/* Does a JSON value hold a string with a NUL inside (jsonb refuses \\u0000)? */
int items_has_nul(struct json_object *);

/* Bytes of a parameters object as JSON text on the wire (max_item_params_bytes). */
size_t items_params_bytes(struct json_object *params);
/* The item as clients see it (§6.1), with display (§6.12). */
struct json_object *items_json(const struct item *);
/* Where its sounds come from: the carrier's cell while carried. */
void items_source(const struct item *, int *x, int *y);
/* Emit range (§6.7). */
int items_emit_range(const struct item *);
/* The use sound (§6.7) into out; returns out or NULL for none. */
const char *items_use_sound(const struct item *, char *out, size_t outlen);
/* Is account the owner? */
int items_owned_by(const struct item *, int64_t account_id);

/*
 * A request body for the item's plugin: action, the item's state, the actor
 * (NULL for none) and args (an object, or NULL). The caller passes it to
 * plugin_request, which takes it.
 */
msgpack_sbuffer *items_request(const struct item *, const char *action, const struct player *actor,
    struct json_object *args);

/* Replace params with a plugin's (validated) ones; ownership of params is taken. */
void items_set_params(struct item *, struct json_object *params);

/*
 * Effects from a plugin reply. EFFECTS_NOW: chat lines to others, sounds and
 * events; EFFECTS_LATER: the delayed messages. actor may be NULL (system).
 */
enum items_effects_phase { EFFECTS_NOW, EFFECTS_LATER };
void items_effects(struct item *, const struct player *actor, const struct cg_value *effects,
    enum items_effects_phase);
/* Play a sound at the item for everyone who can hear it. */
void items_play_sound(const struct item *, const char *sound);

/* The label in chat lines: the type's label. */
const char *items_label(const struct item *);

/* ---- changes (items-edit.c): every field change and version rule ---- */

struct plugin_reply;

/* Does the item's type have this capability ("usable", "carryable", ...)? */
int items_capable(const struct item *, const char *cap);
/* Does the item's type declare this action (0 for a kept item)? */
int items_has_action(const struct item *, const char *action);
/*
 * Is the item on cooldown? 1 with "<title> is on cooldown for N s." in
 * msg; 0 when it may be used.
 */
int items_cooling(const struct item *, char *msg, size_t msglen);
/* p picks it up: carried from now on, at p's cell (no version bump). */
void items_pickup(struct item *, struct player *p);
/* p puts it down at (x, y) (no version bump). */
void items_drop(struct item *, const struct player *p, int x, int y);
/*
 * p edits it: the title (NULL: unchanged) and the parameters (NULL:
 * unchanged; taken), one version bump for both.
 */
void items_edit(struct item *, const struct player *p, const char *title, struct json_object *params);
/* p gives it to the account owner (named name): one version bump. */
void items_transfer(struct item *, const struct player *p, int64_t owner, const char *name);
/*
 * A plugin's successful reply to p's use: its parameters (no version bump,
 * as the reference, Q7), the time of use, the immediate effects and the
 * use sound. The delayed effects are the caller's, after its answer.
 */
void items_apply_use(struct item *, const struct player *p, const struct plugin_reply *);
/*
 * A plugin's successful reply to p's secondary use or type action: its
 * parameters with one version bump, and the immediate effects.
 */
void items_apply_action(struct item *, const struct player *p, const struct plugin_reply *);

#endif
