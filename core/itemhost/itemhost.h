/*
 * itemhost.h: shared by the two halves of chatgrid-itemhost: itemhost.c
 * (loading, the handshake, serving requests, the loop) and itemhost-api.c
 * (the functions a plugin calls: struct cg_host, replies, timers, logging,
 * and the frames they turn into).
 */
#ifndef CG_ITEMHOST_H
#define CG_ITEMHOST_H

#include <stdint.h>

#include <msgpack.h>

#include "ipc.h"

#define ITEMHOST_MAX_TYPES 64
#define ITEMHOST_MAX_TIMERS 4096

/* A reply being built by a plugin method (or effects nobody asked for). */
struct cg_reply {
	struct ipc_arena *a;
	int failed;
	char *fail_message;
	char *message;
	struct cg_pair *params;		/* in the arena; replaced keys keep their slot */
	uint32_t nparams, capparams;
	int params_set;
	msgpack_sbuffer effects;	/* packed effect maps */
	msgpack_packer epk;
	uint32_t neffects;
	char *item_id;			/* unsolicited effects */
};

struct itemhost_timer {
	int id;
	uint64_t due;
	void (*fn)(void *);
	void *arg;
};


/* The plugin's compatibility block, checked before anything runs. */
extern const struct cg_plugin_magic *itemhost_magic;
/* Item types registered by cg_plugin_init (the plugin's own storage). */
extern const struct cg_item_type *itemhost_types[ITEMHOST_MAX_TYPES];
extern int itemhost_ntypes;
/* 1 while cg_plugin_init runs: register_type is allowed only then. */
extern int itemhost_in_init;
/* The options from the core's hello (a map in itemhost_options_arena). */
extern struct cg_value *itemhost_options;
extern struct ipc_arena *itemhost_options_arena;
/* The plugin's timers, run by the loop in itemhost.c. */
extern struct itemhost_timer itemhost_timers[ITEMHOST_MAX_TIMERS];
extern int itemhost_ntimers;

/* The function table handed to cg_plugin_init. */
extern const struct cg_host itemhost_api;

/* Write a frame to the core (exits if the core is gone); over-large bodies are replaced. */
void itemhost_send_frame(enum ipc_type, uint32_t id, msgpack_sbuffer *body);
/* A log frame. */
void itemhost_log(int level, const char *fmt, ...) CG_PRINTF(2, 3);
/* Tell the core why the plugin cannot run (IPC_FATAL), and exit 3. */
void itemhost_fatal(const char *fmt, ...) CG_PRINTF(1, 2) __attribute__((noreturn));
struct cg_reply *itemhost_reply_new(void);
void itemhost_reply_free(struct cg_reply *);
/* The reply's body: a reply map, or (with an item id) an event map. */
void itemhost_pack_reply(struct cg_reply *, msgpack_sbuffer *);
void itemhost_fail(struct cg_reply *, const char *fmt, ...) CG_PRINTF(2, 3);
void itemhost_set_param(struct cg_reply *, const char *key, struct cg_value);
/* The IPC_TYPES answer to the hello with that id. */
void itemhost_send_types(uint32_t id);
/* The core's answer to a song_load: runs the plugin's callback. */
void itemhost_song_result(uint32_t id, const struct cg_value *song);

#endif
