/*
 * <chatgrid/plugin.h>: the item plugin ABI of chatgrid. See chatgrid-plugin(3).
 *
 * A plugin is a shared object that chatgrid-itemhost loads into a process of
 * its own. It declares a compatibility block with CG_PLUGIN_DECLARE, which the
 * host checks before calling anything, and exports cg_plugin_init (which
 * registers item types) and optionally cg_plugin_cleanup. The core owns every
 * item: a method is handed the item's state and the actor and answers through
 * a struct cg_reply with a message, new parameters and effects.
 *
 * Everything the host hands a method (requests, values, strings) lives until
 * the method returns; copy what you keep. Everything a plugin passes to the
 * host is copied before the call returns, except the item type descriptors
 * and what they point to, which must stay valid until cg_plugin_cleanup
 * (static storage is the usual choice).
 *
 * Compatibility: CG_ABI_MAJOR changes when anything below changes
 * incompatibly; the host refuses a plugin built for another major, or whose
 * struct cg_value, cg_property or cg_item_type sizes differ from its own.
 * Minor versions only append: functions to the end of struct cg_host (check
 * host->size), fields to the end of struct cg_request (check req->size),
 * methods to the end of struct cg_item_methods (read only as far as its
 * version field declares), and fields to struct cg_item_type by taking from
 * its reserved space.
 */
#ifndef CHATGRID_PLUGIN_H
#define CHATGRID_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CG_ABI_MAJOR 1
#define CG_ABI_MINOR 1
/* "CGP1" */
#define CG_PLUGIN_MAGIC 0x43475031u

#if defined(__GNUC__) || defined(__clang__)
#define CG_EXPORT __attribute__((visibility("default")))
#define CG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CG_EXPORT
#define CG_PRINTF(f, a)
#endif

/* ---- values: what a msgpack body carries, as plain C ---- */

enum {
	CG_NIL = 0,
	CG_BOOL = 1,
	CG_INT = 2,
	CG_FLOAT = 3,
	CG_STR = 4,
	CG_ARRAY = 5,
	CG_MAP = 6,
};

struct cg_pair;

struct cg_value {
	int32_t type;			/* CG_NIL ... CG_MAP */
	uint32_t len;			/* CG_STR bytes, CG_ARRAY items, CG_MAP pairs */
	union {
		int64_t i;		/* CG_INT, and CG_BOOL (0 or 1) */
		double f;		/* CG_FLOAT */
		const char *s;		/* CG_STR: NUL-terminated (may hold NULs inside) */
		const struct cg_value *items;	/* CG_ARRAY */
		const struct cg_pair *pairs;	/* CG_MAP */
	} u;
};

/* Map keys are always strings. */
struct cg_pair {
	const char *key;		/* NUL-terminated */
	uint32_t key_len;
	uint32_t reserved;
	struct cg_value value;
};

static inline struct cg_value
cg_nil(void)
{
	struct cg_value v = { CG_NIL, 0, { 0 } };
	return v;
}

static inline struct cg_value
cg_bool(int b)
{
	struct cg_value v = { CG_BOOL, 0, { 0 } };
	v.u.i = b != 0;
	return v;
}

static inline struct cg_value
cg_int(int64_t n)
{
	struct cg_value v = { CG_INT, 0, { 0 } };
	v.u.i = n;
	return v;
}

static inline struct cg_value
cg_float(double d)
{
	struct cg_value v = { CG_FLOAT, 0, { 0 } };
	v.u.f = d;
	return v;
}

/* s must outlive the value's use; the host copies what it is given. */
static inline struct cg_value
cg_str(const char *s)
{
	struct cg_value v = { CG_STR, 0, { 0 } };
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	v.len = (uint32_t)n;
	v.u.s = s;
	return v;
}

static inline struct cg_value
cg_map(const struct cg_pair *pairs, uint32_t n)
{
	struct cg_value v = { CG_MAP, 0, { 0 } };
	v.len = n;
	v.u.pairs = pairs;
	return v;
}

static inline struct cg_value
cg_array(const struct cg_value *items, uint32_t n)
{
	struct cg_value v = { CG_ARRAY, 0, { 0 } };
	v.len = n;
	v.u.items = items;
	return v;
}

/* The value of key in map (NULL if map is not a map or lacks the key). */
static inline const struct cg_value *
cg_map_get(const struct cg_value *map, const char *key)
{
	uint32_t i, j;

	if (map == NULL || map->type != CG_MAP)
		return NULL;
	for (i = 0; i < map->len; i++) {
		const struct cg_pair *p = &map->u.pairs[i];

		for (j = 0; j < p->key_len && key[j] != '\0' && p->key[j] == key[j]; j++)
			;
		if (j == p->key_len && key[j] == '\0')
			return &p->value;
	}
	return NULL;
}

/* ---- item types ---- */

/* Property value types in the clients' editors (propertyMetadata.valueType). */
enum {
	CG_PROP_TEXT = 0,
	CG_PROP_NUMBER = 1,
	CG_PROP_BOOLEAN = 2,
	CG_PROP_LIST = 3,
	CG_PROP_SOUND = 4,
};

/* Metadata of one property, as clients present and edit it. */
struct cg_property {
	const char *key;
	int32_t value_type;		/* CG_PROP_* */
	uint32_t max_length;		/* characters; 0 = none */
	const char *label;		/* NULL = none */
	const char *tooltip;		/* NULL = none */
	int32_t has_range;		/* min, max and step below apply */
	int32_t reserved0;
	double min, max, step;
	const char *const *options;	/* CG_PROP_LIST: NULL-terminated */
	/* Shown only when other properties have these values: JSON object text, e.g.
	 * "{\"directional\":true}" or "{\"mediaEffect\":\"!off\"}"; NULL = always. */
	const char *visible_when;
	const void *reserved[2];	/* zero */
};

struct cg_request;
struct cg_reply;

/* A method answers through reply; it returns nothing (use fail to refuse). */
typedef void (*cg_method)(const struct cg_request *, struct cg_reply *);

#define CG_METHODS_V1 1
#define CG_METHODS_V2 2			/* ABI 1.1: removed, player_left */
#define CG_METHODS_VERSION CG_METHODS_V2

/*
 * An item type's behaviour. The first field is the version of the struct the
 * plugin was built with; the host reads only the methods that version has.
 * A NULL method means the type does not do that.
 */
struct cg_item_methods {
	uint32_t version;		/* CG_METHODS_VERSION */
	/* --- version 1 --- */
	/*
	 * "validate_update": req->args is the proposed parameter map (the item's
	 * parameters with the user's update merged over them). Normalise each
	 * known key with cg_host.set_param, or fail with a message for the user.
	 * Only the keys set form the stored parameters. Required.
	 */
	cg_method validate;
	/* "use": the primary action. Parameters it sets are merged over the
	 * item's and passed through validate before they are stored. */
	cg_method use;
	/* "secondary_use"; NULL: "No secondary action for <title>." */
	cg_method secondary_use;
	/* "tick": every tick_ms for each item of the type, with no actor. */
	cg_method tick;
	/* A type-specific action named in the descriptor's actions; req->action names it. */
	cg_method action;
	/* --- version 2 (ABI 1.1) --- */
	/*
	 * "removed": the item was deleted (req->actor did it). Forget what you
	 * keep about it (timers, sessions); the reply is ignored but for logs,
	 * and the item's songs are deleted by the core.
	 */
	cg_method removed;
	/*
	 * "player_left": a player left the world (req->actor, req->actor_id).
	 * Called once per item type that has it, with a placeholder item whose
	 * id is "" (not per item). Use begin/send for effects on your items.
	 */
	cg_method player_left;
};

/*
 * An item type: what clients see in welcome.uiDefinitions, the defaults of a
 * new item, and its methods. Registered from cg_plugin_init; must stay valid
 * until cg_plugin_cleanup returns.
 */
struct cg_item_type {
	const char *type;		/* id: [a-z0-9_], 1-32 characters, unique in the server */
	int32_t order;			/* position in the add menu (then by id) */
	uint32_t encoding_version;	/* of params; stored with each item; >= 1 */
	const char *label;		/* "dice"; used in chat lines */
	const char *tooltip;
	const char *const *capabilities;	/* "editable", "carryable", "deletable", "usable"; NULL-terminated */
	const char *const *editable;	/* editable keys in menu order ("title" first); NULL-terminated */
	const struct cg_property *properties;	/* metadata of the type's own keys */
	uint32_t nproperties;
	/* Global (read-only) properties. */
	int32_t use_cooldown_ms;	/* <= 0 means 1000 */
	const char *use_sound;		/* played on a successful use, e.g. "sounds/roll.ogg"; NULL = none */
	const char *emit_sound;		/* looping ambience clients play; NULL = none */
	int32_t emit_range;		/* cells; <= 0 means 15 */
	int32_t directional;
	double emit_sound_speed;	/* 0 means 50 */
	double emit_sound_tempo;	/* 0 means 50 */
	double emit_initial_delay;	/* seconds */
	double emit_loop_delay;		/* seconds */
	const char *default_title;
	const char *default_params;	/* JSON object text, e.g. "{\"sides\":6,\"number\":2}" */
	uint32_t tick_ms;		/* 0: no ticks; else at least 100 */
	uint32_t reserved0;
	const char *const *actions;	/* type-specific action names clients may send; NULL-terminated or NULL */
	const struct cg_item_methods *methods;
	const void *reserved[8];	/* zero */
};

/* ---- requests ---- */

struct cg_item {
	const char *id;			/* UUID */
	const char *type;
	const char *title;
	int32_t x, y;			/* where it is: its carrier's cell while carried */
	int32_t carried;		/* 1 while a user carries it */
	uint32_t encoding_version;	/* of params as stored; older than the type's after an upgrade */
	int64_t version;
	int64_t owner_id;		/* account id of its owner (createdBy); 0 if none */
	const struct cg_value *params;	/* a map */
};

struct cg_actor {
	int64_t account_id;
	const char *username;
	const char *nickname;
	int32_t x, y;
	const char *const *permissions;	/* permission keys, NULL-terminated */
};

struct cg_request {
	uint32_t size;			/* sizeof(struct cg_request) as the host built it */
	uint32_t reserved0;
	const char *action;		/* "validate_update", "use", "secondary_use", "tick", or a type action */
	const struct cg_item_type *type;	/* the descriptor this plugin registered */
	const struct cg_item *item;	/* never NULL */
	const struct cg_actor *actor;	/* NULL for tick */
	const struct cg_value *args;	/* a map, never NULL */
	uint64_t now_ms;		/* wall clock, milliseconds since the epoch */
	/* --- ABI 1.1: check req->size before reading --- */
	/* The actor's player id as clients know it (welcome.id, user_joined.id,
	 * item_piano_note.senderId); NULL without an actor. */
	const char *actor_id;
	/* "tick": how many players are within the item's emit range of where it
	 * sounds (Chebyshev distance), so a type can skip work nobody hears. */
	uint32_t listeners;
	uint32_t reserved1;
};

/* ---- the host's functions ---- */

enum {
	CG_LOG_ERROR = 0,
	CG_LOG_WARN = 1,
	CG_LOG_NOTICE = 2,
	CG_LOG_INFO = 3,
	CG_LOG_DEBUG = 4,
};

/* Who gets an event effect. */
enum {
	CG_TO_ALL = 0,			/* everyone who can hear the item */
	CG_TO_OTHERS = 1,		/* the same, but the actor */
	CG_TO_ACTOR = 2,		/* the actor only */
};

struct cg_host {
	uint32_t size;			/* sizeof(struct cg_host) in the host; check before calling later additions */
	uint32_t abi_minor;
	/* Log through the core's log (never write to stdout or stderr). */
	void (*log)(int level, const char *fmt, ...) CG_PRINTF(2, 3);
	/* The plugin's option from the server's configuration (plugin_option), or NULL. */
	const char *(*option)(const char *key);
	/* Only from cg_plugin_init. Returns 0, or -1 after logging what is wrong. */
	int (*register_type)(const struct cg_item_type *);

	/* --- building a reply --- */
	/* Refuse: ok false and this message for the user; nothing else of the reply is used. */
	void (*fail)(struct cg_reply *, const char *fmt, ...) CG_PRINTF(2, 3);
	/* The message for the actor (the item_action_result message). */
	void (*say)(struct cg_reply *, const char *fmt, ...) CG_PRINTF(2, 3);
	/* A system chat line for everyone else. */
	void (*say_others)(struct cg_reply *, const char *fmt, ...) CG_PRINTF(2, 3);
	/* Set one parameter (the value is copied, maps and arrays deeply). */
	void (*set_param)(struct cg_reply *, const char *key, struct cg_value value);
	/* Play a sound at the item, besides the type's use sound. */
	void (*sound)(struct cg_reply *, const char *sound);
	/* System chat lines delay_ms later: self_text to the actor, others_text to the
	 * others (either may be NULL). */
	void (*later)(struct cg_reply *, uint32_t delay_ms, const char *self_text, const char *others_text);
	/*
	 * An event for clients: {"type":type,"itemId","x","y","range", ...fields}.
	 * type must start with "item_"; fields is a map (or NULL); to is CG_TO_*.
	 */
	void (*event)(struct cg_reply *, const char *type, int to, const struct cg_value *fields);

	/* --- effects nobody asked for (a clock striking, new radio metadata) --- */
	/* Start effects about an item; fill with say_others, set_param, sound, event. */
	struct cg_reply *(*begin)(const char *item_id);
	/* Send them to the core (which frees the reply). */
	void (*send)(struct cg_reply *);

	/* --- timers, run by the host between requests --- */
	/* Call fn(arg) once after ms; returns an id > 0, or -1. */
	int (*timer_add)(uint32_t ms, void (*fn)(void *arg), void *arg);
	void (*timer_cancel)(int id);

	/* A uniform random number in [0, bound) from the system's CSPRNG (bound > 0). */
	uint32_t (*random)(uint32_t bound);

	/* --- ABI 1.1: check host->size (offsetof) before calling these --- */
	/*
	 * Songs: timed event data (a piano's recordings) the core keeps in
	 * PostgreSQL (table songs), tied to the reply's item and deleted with it.
	 * song_save stores song (a map, at most 1 MiB packed) under song_id
	 * (1-200 bytes), replacing what was there, when the reply is applied;
	 * CG_NIL as song deletes it.
	 */
	void (*song_save)(struct cg_reply *, const char *song_id, struct cg_value song);
	/*
	 * Load a song: fn(arg, song) runs later, between requests, with the
	 * stored map, or NULL if there is none or the database failed (logged).
	 * Returns 0, or -1 if the request could not be sent (fn is not called).
	 */
	int (*song_load)(const char *song_id, void (*fn)(void *arg, const struct cg_value *song), void *arg);
	/* Wall clock, milliseconds since the epoch (for timers; requests carry now_ms). */
	uint64_t (*now_ms)(void);
	/*
	 * An event for one player (by player id, req->actor_id), as event does
	 * for CG_TO_ACTOR; dropped if that player is not in the world. Works in
	 * replies nobody asked for (begin/send) too.
	 */
	void (*event_to)(struct cg_reply *, const char *player_id, const char *type, const struct cg_value *fields);
};

/* ---- what a plugin exports ---- */

/* The compatibility block, read by the host before any plugin code runs. */
struct cg_plugin_magic {
	uint32_t magic;			/* CG_PLUGIN_MAGIC */
	uint16_t abi_major;		/* CG_ABI_MAJOR */
	uint16_t abi_minor;		/* CG_ABI_MINOR */
	uint32_t size_magic;
	uint32_t size_value;
	uint32_t size_property;
	uint32_t size_methods;
	uint32_t size_item_type;
	uint32_t size_request;
	uint32_t size_host;
	uint32_t reserved0;
	const char *name;		/* for logs */
	const char *version;		/* the plugin's own version */
};

#define CG_PLUGIN_DECLARE(name, version) \
	CG_EXPORT const struct cg_plugin_magic cg_plugin_magic = { \
		CG_PLUGIN_MAGIC, CG_ABI_MAJOR, CG_ABI_MINOR, \
		(uint32_t)sizeof(struct cg_plugin_magic), (uint32_t)sizeof(struct cg_value), \
		(uint32_t)sizeof(struct cg_property), (uint32_t)sizeof(struct cg_item_methods), \
		(uint32_t)sizeof(struct cg_item_type), (uint32_t)sizeof(struct cg_request), \
		(uint32_t)sizeof(struct cg_host), 0, (name), (version) }

/* Register item types; return 0, or non-zero (after logging why) to refuse to start. */
CG_EXPORT int cg_plugin_init(const struct cg_host *host);
/* Optional: called once before the host exits. */
CG_EXPORT void cg_plugin_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif
