/*
 * voice-int.h: what voice.c (who hears whom) and vpc.c (the Janus handles
 * that carry it out) share: the voice users, their handles, the areas and
 * the maps that find them. Not for anyone else; voice.h is the interface.
 */
#ifndef CG_VOICE_INT_H
#define CG_VOICE_INT_H

#include <inttypes.h>
#include <stdio.h>
#include <sys/queue.h>

#include <json-c/json.h>

#include "cfg.h"
#include "janus.h"
#include "net/client.h"
#include "strmap.h"

#define VOICE_HEAR 20.0		/* the clients' hearing range (www/constants.js) */
#define VOICE_NEAR 24.0		/* a partner from here... */
#define VOICE_FAR 28.0		/* ...until beyond here, as the mesh connects and disconnects */
#define VOICE_TICK_MS 100
#define VOICE_CROWD_MS 500	/* auto mode: crowds counted at most this often */
#define VOICE_AUTO_HOLD_MS 10000	/* an area stays on the SFU at least this long */
#define VOICE_LINGER_MS 3000	/* an unneeded feed or subscription is kept this long */
#define VOICE_RETRY_MS 1000	/* after a refused request */
#define VOICE_ROOM_IDLE_MS 30000	/* an empty room is destroyed after this */
#define VOICE_MAX_PUBLISHERS 4096
#define VOICE_ANSWER_MS 10000	/* a browser that does not answer an offer by then gets a new subscription */

enum room_state { ROOM_NONE, ROOM_CREATING, ROOM_READY };

struct varea {
	int sfu;			/* auto mode: switched to the SFU */
	uint64_t since_ms;
	int max_crowd;
	enum room_state room;
	uint64_t room_epoch;		/* of the instance, when created */
	uint64_t retry_ms;
	uint64_t empty_since_ms;
	int npcs;			/* handles in the room */
};

struct vuser;

struct vpc {
	uint64_t key;			/* the browser's name for it */
	struct vuser *u;
	int pub;			/* publisher, else subscriber */
	int area;
	struct janus *j;
	uint64_t epoch;			/* janus_epoch when attached */
	uint64_t handle;		/* 0 while attaching */
	int busy;			/* a request of ours is in flight */
	int await_answer;		/* sub: an offer went to the browser */
	uint64_t offer_ms;		/* sub: when */
	int joined;			/* pub: published; sub: joined */
	int live;			/* pub: media flows (webrtcup) */
	uint64_t feed;			/* pub: its feed id */
	struct json_object *early_offer;	/* pub: the browser's offer before attach finished (owned) */
	uint64_t *feeds;		/* sub: feeds asked for (owned) */
	int nfeeds, capfeeds;
	uint64_t idle_since_ms;		/* 0 while wanted */
	TAILQ_ENTRY(vpc) entry;
};

struct vuser {
	struct client *c;		/* not owned; removed when its player leaves */
	int can_send;			/* voice.send as last seen */
	int x, y, area;
	int dirty;
	uint64_t wake_ms;		/* reconcile again at this time (0: no need) */
	uint64_t *peers;		/* SFU partners: client serials (owned) */
	char **peer_ids;		/* their connection ids, for the plan (owned) */
	int npeers;
	char *last_plan;		/* owned */
	TAILQ_HEAD(, vpc) pcs;
	TAILQ_ENTRY(vuser) entry;
};

TAILQ_HEAD(vuser_list, vuser);

/* voice.c's state, read by vpc.c. */
extern struct janus **voice_insts;
extern int voice_ninsts;
extern struct varea *voice_areas;	/* voice_nareas of them */
extern int voice_nareas, voice_acols, voice_asize;
extern struct vuser_list voice_users;
extern struct strmap *voice_by_conn;	/* connection id -> vuser */
extern struct strmap *voice_by_key;	/* key -> vpc */
extern struct strmap *voice_by_handle;	/* "inst:handle" -> vpc */
extern struct strmap *voice_by_feed;	/* feed -> live publishing vpc */
extern uint64_t voice_next_key, voice_feed_base;

/* voice.c: an error about a key to the browser; everyone near (x, y) reconciled again. */
void voice_error(struct client *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void voice_mark_near(int x, int y);
/* The feeds u's subscription in area should hold now (array owned by the caller). */
int voice_wanted_feeds(struct vuser *u, int area, uint64_t **out);

/* vpc.c: rooms and handles. Every callback looks its handle up again by key. */
void vpc_room_create(int area);
void vpc_room_destroy_idle(int area);
struct vpc *vpc_new(struct vuser *u, int pub, int area);
void vpc_drop(struct vpc *, int detach);
void vpc_failed(struct vpc *, const char *what, const char *error);
void vpc_attach(struct vpc *);
/* The browser's offer for a feed (consumed): published, or renegotiated. */
void vpc_publish(struct vpc *, struct json_object *offer);
/* The browser's answer for a subscription (consumed). */
void vpc_sub_answer(struct vpc *, struct json_object *answer);
void vpc_sub_offer(struct vpc *, struct json_object *data, struct json_object *jsep);
void vpc_sub_sync(struct vpc *, const uint64_t *want, int nwant);
void vpc_sub_prune(struct vpc *);

/* --- small helpers --- */

static inline const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static inline uint64_t
jid(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static inline int
area_of(int x, int y)
{
	if (voice_asize == 0)
		return 0;
	return (y / voice_asize) * voice_acols + x / voice_asize;
}

static inline struct janus *
inst_of(int area)
{
	return voice_insts[area % voice_ninsts];
}

static inline uint64_t
room_of(int area)
{
	return (uint64_t)cfg->janus_room_base + (uint64_t)area;
}

static inline void
key_str(uint64_t key, char out[24])
{
	snprintf(out, 24, "%" PRIu64, key);
}

static inline void
handle_str(const struct janus *j, uint64_t handle, char out[48])
{
	snprintf(out, 48, "%d:%" PRIu64, janus_index(j), handle);
}

static inline struct vuser *
vuser_of(const struct client *c)
{
	return strmap_get(voice_by_conn, c->id);
}

static inline void
wake(struct vuser *u, uint64_t at)
{
	if (u->wake_ms == 0 || at < u->wake_ms)
		u->wake_ms = at;
}

#endif
