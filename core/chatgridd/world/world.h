/*
 * world.h: the grid and who is on it. A player is an authenticated
 * connection that has been welcomed (the roster). Presence, movement,
 * nicknames and interest management live here; message handlers are in
 * proto-world.c, proto-chat.c and proto-signal.c.
 */
#ifndef CG_WORLD_H
#define CG_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "casefold.h"
#include "net/bucket.h"

struct client;
struct item_view;
struct json_object;
struct outmsg;

struct player {
	struct client *c;		/* not owned; c->player points back */
	int x, y;
	char nickname[129];		/* at most 32 code points */
	char fold[NAME_KEY_MAX];	/* the nickname's name_key(), for uniqueness */
	struct bucket steps;		/* movement: see world_step_rate() */
	struct bucket chat;		/* chat_burst, chat_per_minute */

	/* Account state write-behind (state.c). */
	uint64_t dirty_since_ms, dirty_last_ms;

	struct item_view *view;		/* owned by items-near.c: the items this client knows */

	int bucket;			/* spatial bucket index, -1 without interest */
	TAILQ_ENTRY(player) roster_entry;
	TAILQ_ENTRY(player) bucket_entry;
};

TAILQ_HEAD(player_list, player);
extern struct player_list roster;
extern int roster_count;

void world_init(void);
struct player *world_player(const struct client *);
/* A roster member by connection id, or NULL. */
struct player *world_find(const char *conn_id);
int world_grid_size(void);
int world_in_bounds(int x, int y);
/* Chebyshev distance. */
int world_distance(int x0, int y0, int x1, int y1);
/* Can someone at (ox, oy) perceive what happens at (x, y)? */
int world_perceives(int ox, int oy, int x, int y);

/*
 * Call fn for every player within r cells (Chebyshev) of (x, y), and maybe a
 * few more: fn measures for itself. Uses the interest buckets when there are
 * some. fn must not move or remove players.
 */
void world_foreach_near(int x, int y, int r, void (*fn)(struct player *, void *), void *arg);

/* Send to every roster member but except (may be NULL). */
void world_send_all(struct outmsg *, const struct client *except);
/* Send to the roster members who perceive (x, y), but except. */
void world_send_near(int x, int y, struct outmsg *, const struct client *except);
/* The same for a JSON object, serialised once (drops the caller's reference). */
void world_send_json_all(struct json_object *, const struct client *except);
void world_send_json_near(int x, int y, struct json_object *, const struct client *except);
/* A system chat line to one client, or to everyone but except. */
void world_system_chat(struct client *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void world_system_chat_others(const struct client *except, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A system line to those who perceive (x, y) but except: everyone when interest_radius is 0. */
void world_system_chat_near(int x, int y, const struct client *except, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* May p move steps cells now (1, and they are spent) or not (0)? 0 steps always may. */
int world_take_steps(struct player *p, int steps);
/* Move p to (x, y) and tell everyone concerned, as an accepted move. */
void world_move(struct player *p, int x, int y);
/* Set p's nickname (already validated); updates the fold. */
void world_set_nickname(struct player *p, const char *nick);
/* Is a nickname key (world_fold) held by a roster member other than except? */
int world_nickname_taken(const char *fold, const struct player *except);
/*
 * The key nicknames are compared by (name_key: case fold and UTS #39
 * confusable skeleton), so "PADMIN" and "p\u0430dmin" collide with "padmin".
 */
void world_fold(const char *in, char *out, size_t outlen);
/* Does a user stand on (x, y)? */
int world_user_at(int x, int y, const struct player *except);

/* Hooks for the layers above (items, voice). */
void world_on_leave(void (*fn)(struct player *));
void world_on_move(void (*fn)(struct player *));
/* welcome.items for a player joining (called once per arrival, after it is on the roster). */
void world_set_items_json(struct json_object *(*fn)(struct player *));
void world_set_ui_json(struct json_object *(*fn)(const struct client *));
void world_set_item_at(int (*fn)(int x, int y));
/* The voice layer's fields of welcome.worldConfig (iceServers, voiceMode) for a client. */
void world_set_voice_config(void (*fn)(const struct client *, struct json_object *wc));
int world_item_at(int x, int y);

/* {"type":"user_joined", ...} for a player. */
struct json_object *world_user_json(const struct player *, const char *type);

/* Teleport a player (after the rule check in proto-world.c). */
void world_teleport(struct player *p, int x, int y);

#endif
