/*
 * pluginhost.h: item plugins, each served by a chatgrid-itemhost process over a
 * socketpair (chatgrid-plugin(3)). This module starts one host per .so in
 * plugin_dir, keeps the registry of the item types they declare, sends
 * requests and matches replies by id with a timeout, and supervises: a host
 * that crashes, hangs or breaks the protocol is killed and restarted with
 * backoff while its requests fail with "<label> is temporarily unavailable.".
 */
#ifndef CG_PLUGIN_H
#define CG_PLUGIN_H

#include <stdint.h>

#include <msgpack.h>

#include "chatgrid/plugin.h"

struct json_object;
struct plugin_host;

/*
 * An item type as a plugin declared it. Types are never freed: items point
 * at them, and a type whose host is down or gone stays registered.
 */
struct item_type {
	char *id;
	int order;
	char *label;
	char *tooltip;
	struct json_object *capabilities;	/* array of strings */
	struct json_object *editable;		/* array of keys */
	struct json_object *metadata;		/* key -> metadata, the type's own */
	char *use_sound;			/* NULL: none */
	char *emit_sound;			/* NULL: none */
	int cooldown_ms;			/* > 0 */
	int emit_range;				/* > 0 */
	int directional;
	double emit_speed, emit_tempo, emit_initial_delay, emit_loop_delay;
	char *default_title;
	struct json_object *default_params;	/* object */
	int encoding_version;
	int tick_ms;				/* 0: no ticks */
	int has_use, has_secondary;
	int has_removed, has_player_left;	/* ABI 1.1 notices */
	struct json_object *actions;		/* array of names clients may send */
	struct json_object *ui;			/* its welcome.uiDefinitions.itemTypes entry */
	struct plugin_host *host;		/* not owned; NULL once its plugin stopped providing it */
};

/* The outcome of a request; valid only during the callback. */
struct plugin_reply {
	int ok;
	const char *message;			/* for the user (never NULL) */
	struct json_object *params;		/* new parameters, or NULL */
	const struct cg_value *effects;		/* array, or NULL */
	int unavailable;			/* the host was down, crashed, hung or misbehaved */
};

typedef void (*plugin_cb)(const struct plugin_reply *, void *arg);

/* Config-independent set-up: the SIGCHLD handler, the supervision tick, shutdown. */
void plugin_init(void);
/*
 * Start a host for every .so in plugin_dir and wait for each handshake
 * (blocking, before anyone is served). A plugin that cannot be loaded, fails
 * its compatibility check or its init, or declares a type another plugin
 * has, stops the daemon with one log line naming the file.
 */
void plugin_start(void);
/* SIGHUP: start hosts for new .so files; ones that cannot load are logged. */
void plugin_rescan(void);

/* The registered types, in add-menu order (order, then id). */
int plugin_type_count(void);
struct item_type *plugin_type_at(int i);
struct item_type *plugin_type_find(const char *id);
/* Can requests for t be served now? */
int plugin_type_available(const struct item_type *t);

/*
 * Send a request body (a msgpack map; ownership taken) for type t. cb runs
 * exactly once, always later from the loop: with the reply, or with
 * ok = 0, unavailable = 1 and "<label> is temporarily unavailable." when
 * the host is down, dies, hangs past plugin_timeout_ms or breaks the
 * protocol.
 */
void plugin_request(struct item_type *t, msgpack_sbuffer *body, plugin_cb cb, void *arg);

/* Run when types appear at run time (a plugin loaded on SIGHUP or restarted). */
void plugin_on_types(void (*fn)(void));
/* Run for effects a plugin sends on its own; the item must be of one of host's types. */
void plugin_on_event(void (*fn)(struct plugin_host *, const char *item_id, const struct plugin_reply *));
/*
 * Run when a host asks for a song (song_load): answer later, exactly once,
 * with plugin_song_answer(ticket, song or NULL). types is a JSON array of
 * the host's type ids (borrowed for the call).
 */
struct plugin_ticket;
void plugin_on_song_load(void (*fn)(struct plugin_ticket *, const char *song_id, struct json_object *types));
/* Answer a song load (song: a JSON object, or NULL for none); frees the ticket. */
void plugin_song_answer(struct plugin_ticket *, struct json_object *song);
/* Is t served by host h? */
int plugin_type_of_host(const struct item_type *t, const struct plugin_host *h);

/* msgpack <-> JSON for parameters and effect fields. */
/* A JSON number written as Python's repr() writes it (25.1, 12.0, 1e+20); NULL if not finite. */
struct json_object *plugin_json_double(double);
struct json_object *plugin_value_to_json(const struct cg_value *);
void plugin_pack_json(msgpack_packer *, struct json_object *);

#endif
