/*
 * test_world_common.h: helpers shared by the test_world_* programs (the
 * world of issue 5: welcome, presence, movement, interest management,
 * nicknames, chat, signalling, TURN credentials and account state).
 *
 * Built on test_auth_common (one private PostgreSQL cluster per program,
 * a fresh chatgridd per test case, cheap Argon2id, SQL helpers). A test
 * drives several players, each a struct wu: one WebSocket that registered
 * or logged in and read its welcome.
 */
#ifndef WT_TEST_WORLD_COMMON_H
#define WT_TEST_WORLD_COMMON_H

#include <stdint.h>

#include <json-c/json.h>

#include "test_auth_common.h"

/* How long a test waits for a message that must come, and for silence. */
#define WT_WAIT_MS 5000
#define WT_QUIET_MS 300

/* Exact protocol strings (docs/protocol.md §4, reference §5). */
#define WT_NICK_DENIED "Not authorized to change nickname."
#define WT_NICK_REQUIRED "Nickname is required."
#define WT_NICK_TAKEN "Nickname already in use."
#define WT_NICK_CONTROL "Nickname may not contain control characters."
#define WT_NICK_HIDDEN "Nickname may not contain invisible or text-direction characters."
#define WT_CHAT_DENIED "You are not allowed to send chat messages."
#define WT_CHAT_FLOOD "You are sending messages too quickly. Wait a moment."
#define WT_ME_USAGE "Usage: /me <action>"
#define WT_REBOOT_DENIED "Not authorized to reboot server."
#define WT_REBOOT_PENDING "Server reboot already in progress."
#define WT_REPLACED "You connected from another window; this one is closed."

/* A player: a connection in the world. */
struct wu {
	struct tc_conn *c;
	char user[33];		/* account username */
	char id[80];		/* connection id (welcome.id) */
	char userid[32];	/* account id (welcome.player.userId) */
	char nick[160];		/* nickname from welcome.player */
	int x, y;		/* position from welcome.player, kept by the wt_ helpers */
	json_object *welcome;	/* the whole welcome message */
};

/*
 * Start chatgridd with ag_base_config(), then chat limits high enough that
 * only the rate-limit test meets them, then extra (whose keys win).
 */
struct td *wt_start(const char *extra);

/*
 * A new account (tag as for ag_uname) registered on its own connection,
 * left in the world. The welcome is read and checked for shape.
 */
struct wu *wt_join(struct td *, const char *tag);
/* Log in an existing account (password AG_PASSWORD) and read the welcome. */
struct wu *wt_login(struct td *, const char *user);
/* Resume with a session token; user is the expected username. */
struct wu *wt_resume(struct td *, const char *user, const char *token);
/*
 * Register an account, leave at once, and wait until the daemon has saved
 * its state on disconnect (account_state.last_x is set), so SQL may then
 * change it without racing the daemon. user receives the name (33 bytes).
 */
void wt_account(struct td *, char user[33], const char *tag);
/* Close the connection and free the player (NULL is fine). */
void wt_close(struct wu *);

/* Set an offline account's saved position / nickname by SQL. */
void wt_place(const char *user, int x, int y);
void wt_store_nick(const char *user, const char *nick);
/* The account's saved state: 1 and the values if a row exists, else 0. */
int wt_saved(const char *user, int *x, int *y, char *nick, size_t nicklen);
/* The account id of user, as a string (malloc'd). */
char *wt_account_id(const char *user);

/*
 * Roles by SQL: a new role (a unique name is built from tag and returned,
 * 33 bytes) holding the default "user" role's permissions, plus add and
 * minus drop (either may be NULL). wt_set_role moves an account to a role
 * (takes effect at its next login).
 */
void wt_role_like_user(char name[33], const char *tag, const char *add, const char *drop);
void wt_set_role(const char *user, const char *role);

/* ---- sending ---- */

/* Send an object (ownership taken). */
void wt_send(struct wu *, json_object *);
void wt_move(struct wu *, int x, int y);
void wt_teleport(struct wu *, int x, int y);
void wt_chat(struct wu *, const char *text);
void wt_nick(struct wu *, const char *nick);

/* ---- receiving ---- */

/*
 * The next message of type whose string field key equals val (key NULL:
 * any of that type) within ms, skipping (and dropping) others; fails the
 * test, listing what was skipped, if none comes. Caller owns the result.
 */
#define wt_wait(c, type, key, val) \
	wt_wait_at(__FILE__, __LINE__, (c), WT_WAIT_MS, (type), (key), (val))
#define wt_wait_ms(c, ms, type, key, val) \
	wt_wait_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
json_object *wt_wait_at(const char *file, int line, struct tc_conn *, int ms, const char *type,
    const char *key, const char *val);
/* wt_wait, dropping the message. */
#define wt_see(c, type, key, val) json_object_put(wt_wait((c), (type), (key), (val)))
/* Fails if such a message arrives within ms (others are read and dropped). */
#define wt_none(c, ms, type, key, val) \
	wt_none_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
void wt_none_at(const char *file, int line, struct tc_conn *, int ms, const char *type,
    const char *key, const char *val);
/* How many such messages arrive within ms (all messages are dropped). */
int wt_count(struct tc_conn *, int ms, const char *type, const char *key, const char *val);
/* Every JSON message that arrives within ms, as an array (caller frees). */
json_object *wt_collect(struct tc_conn *, int ms);
/* The first message of array a matching as for wt_wait, or NULL (borrowed). */
json_object *wt_find_msg(json_object *a, const char *type, const char *key, const char *val);
/* Read and drop everything until ms pass without a message (at most 3 s). */
void wt_drain(struct tc_conn *, int ms);

/* Wait for the system chat line text (system:true, action:false, no sender). */
#define wt_sys(c, text) wt_sys_at(__FILE__, __LINE__, (c), (text))
void wt_sys_at(const char *file, int line, struct tc_conn *, const char *text);
/* Wait for the update_position about id; store its x, y. */
#define wt_pos(c, id, x, y) wt_pos_at(__FILE__, __LINE__, (c), (id), (x), (y))
void wt_pos_at(const char *file, int line, struct tc_conn *, const char *id, int *x, int *y);
/* Wait for update_position about id and fail unless it is at x, y. */
#define wt_pos_is(c, id, x, y) wt_pos_is_at(__FILE__, __LINE__, (c), (id), (x), (y))
void wt_pos_is_at(const char *file, int line, struct tc_conn *, const char *id, int x, int y);

/* ---- JSON ---- */

/* The string / integer / boolean member key of o; fails if absent or mistyped. */
#define wt_str(o, key) wt_str_at(__FILE__, __LINE__, (o), (key))
#define wt_int(o, key) wt_int_at(__FILE__, __LINE__, (o), (key))
#define wt_bool(o, key) wt_bool_at(__FILE__, __LINE__, (o), (key))
#define wt_obj(o, key) wt_obj_at(__FILE__, __LINE__, (o), (key), json_type_object)
#define wt_arr(o, key) wt_obj_at(__FILE__, __LINE__, (o), (key), json_type_array)
const char *wt_str_at(const char *, int, json_object *, const char *key);
int64_t wt_int_at(const char *, int, json_object *, const char *key);
int wt_bool_at(const char *, int, json_object *, const char *key);
json_object *wt_obj_at(const char *, int, json_object *, const char *key, json_type);
/* 1 if o has member key. */
int wt_has(json_object *, const char *key);
/* The element of array a whose string member "id" is id, or NULL. */
json_object *wt_find_id(json_object *a, const char *id);

/* ---- time ---- */

/* Wall-clock milliseconds (the daemon's movement windows use this clock). */
int64_t wt_wall_ms(void);
/* Sleep until lead_ms after the start of the next wall-clock window of tick_ms. */
void wt_align_window(int tick_ms, int lead_ms);
void wt_sleep_ms(int ms);

/* A direction (+1 or -1) along which v can move n cells inside [0, grid). */
int wt_dir(int v, int n, int grid);

#endif
