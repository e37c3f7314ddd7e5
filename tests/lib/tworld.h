/*
 * tworld.h: the integration tests' players and world messages (prefix tw_).
 *
 * Built on tauth (one private PostgreSQL cluster per program, a fresh
 * chatgridd per test case, SQL helpers). A test drives several players,
 * each a struct tw_user: one WebSocket that registered or logged in and
 * read its welcome. Receiving helpers read the next message matching a
 * type (and optionally one string member), skipping others; the JSON
 * helpers fail the test when a member is missing or mistyped.
 *
 * One library for every integration program (issue 16): this replaces the
 * copies that test_world_common (wt_), test_items_common (ti_) and
 * test_admin_common (ad_) each had.
 */
#ifndef TW_TWORLD_H
#define TW_TWORLD_H

#include <stdint.h>

#include <json-c/json.h>

#include "tauth.h"

/* How long a test waits for a message that must come, and for silence. */
#define TW_WAIT_MS 5000
#define TW_QUIET_MS 300

/* Exact protocol strings (docs/protocol.md §4-§5, reference §4-§5). */
#define TW_NICK_DENIED "Not authorized to change nickname."
#define TW_NICK_REQUIRED "Nickname is required."
#define TW_NICK_TAKEN "Nickname already in use."
#define TW_NICK_CONTROL "Nickname may not contain control characters."
#define TW_NICK_HIDDEN "Nickname may not contain invisible or text-direction characters."
#define TW_CHAT_DENIED "You are not allowed to send chat messages."
#define TW_CHAT_FLOOD "You are sending messages too quickly. Wait a moment."
#define TW_ME_USAGE "Usage: /me <action>"
#define TW_REBOOT_DENIED "Not authorized to reboot server."
#define TW_REBOOT_PENDING "Server reboot already in progress."
#define TW_REPLACED "You connected from another window; this one is closed."

/* A player: a connection in the world. */
struct tw_user {
	struct tc_conn *c;
	char user[33];		/* account username */
	char id[80];		/* connection id (welcome.id) */
	char userid[32];	/* account id (welcome.player.userId) */
	char nick[160];		/* nickname from welcome.player */
	int x, y;		/* position from welcome.player, kept by tw_goto */
	char *token;		/* session token from the auth_result */
	json_object *result;	/* the auth_result */
	json_object *welcome;	/* the whole welcome message */
};

/*
 * Start chatgridd with ag_base_config(), then chat limits high enough that
 * only the rate-limit test meets them, then extra (whose keys win).
 */
struct td *tw_start(const char *extra);

/*
 * A new account (tag as for ag_uname) registered on its own connection,
 * left in the world. The welcome is read and checked for shape.
 */
struct tw_user *tw_join(struct td *, const char *tag);
/* Log in an existing account (password AG_PASSWORD) and read the welcome. */
struct tw_user *tw_login(struct td *, const char *user);
/* The same over an already open (greeted) connection. */
struct tw_user *tw_login_on(struct tc_conn *, const char *user);
/* Resume with a session token; user is the expected username. */
struct tw_user *tw_resume(struct td *, const char *user, const char *token);
/* Close the connection (if still open) and free the player (NULL is fine). */
void tw_close(struct tw_user *);

/* A new account (tag as for ag_uname) left offline; user receives its name (33 bytes). */
void tw_account(struct td *, char user[33], const char *tag);
/*
 * tw_account through a visit to the world: register, leave at once, and
 * wait until the daemon has saved its state on disconnect
 * (account_state.last_x is set), so SQL may then change it without racing
 * the daemon.
 */
void tw_account_saved(struct td *, char user[33], const char *tag);

/* Set an offline account's saved position / nickname by SQL. */
void tw_place(const char *user, int x, int y);
void tw_store_nick(const char *user, const char *nick);
/* The account's saved state: 1 and the values if a row exists, else 0. */
int tw_saved(const char *user, int *x, int *y, char *nick, size_t nicklen);
/*
 * Poll the saved state (every 20 ms, up to ms stretched by td_ms) until the
 * account's saved position is x, y; fails the test otherwise.
 */
#define tw_wait_saved(user, x, y, ms) tw_wait_saved_at(__FILE__, __LINE__, (user), (x), (y), (ms))
void tw_wait_saved_at(const char *file, int line, const char *user, int x, int y, int ms);
/* The account id of user, as a string (malloc'd). */
char *tw_account_id(const char *user);

/*
 * Roles by SQL: a new role (a unique name is built from tag and returned,
 * 33 bytes) holding the default "user" role's permissions, plus add and
 * minus drop (comma-separated keys; either may be NULL). tw_set_role moves
 * an account to a role; tw_give_role does both for one account. Either
 * takes effect at the account's next login.
 */
void tw_role_like_user(char name[33], const char *tag, const char *add, const char *drop);
void tw_set_role(const char *user, const char *role);
void tw_give_role(const char *user, const char *add, const char *drop);

/* ---- sending ---- */

/* Send an object (ownership taken) or printf-made JSON text. */
void tw_send(struct tw_user *, json_object *);
void tw_sendf(struct tw_user *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* update_position / teleport_complete to x, y (nothing is read). */
void tw_move(struct tw_user *, int x, int y);
void tw_teleport(struct tw_user *, int x, int y);
/* Move to (x, y) unless there already and wait for the echo (fails unless it is x, y). */
void tw_goto(struct tw_user *, int x, int y);
void tw_chat(struct tw_user *, const char *text);
void tw_nick(struct tw_user *, const char *nick);

/* ---- receiving ---- */

/*
 * The next message of type whose string field key equals val (key NULL:
 * any of that type) within ms (stretched by td_ms), skipping (and
 * dropping) others; fails the test, listing what was skipped, if none
 * comes. Caller owns the result.
 */
#define tw_wait(c, type, key, val) \
	tw_wait_at(__FILE__, __LINE__, (c), TW_WAIT_MS, (type), (key), (val))
#define tw_wait_ms(c, ms, type, key, val) \
	tw_wait_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
json_object *tw_wait_at(const char *file, int line, struct tc_conn *, int ms, const char *type,
    const char *key, const char *val);
/* tw_wait, dropping the message. */
#define tw_see(c, type, key, val) json_object_put(tw_wait((c), (type), (key), (val)))
/* Fails if such a message arrives within ms, as given (others are read and dropped). */
#define tw_none(c, ms, type, key, val) \
	tw_none_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
void tw_none_at(const char *file, int line, struct tc_conn *, int ms, const char *type,
    const char *key, const char *val);
/* How many such messages arrive within ms (all messages are dropped). */
int tw_count(struct tc_conn *, int ms, const char *type, const char *key, const char *val);
/* Every JSON message that arrives within ms, as an array (caller frees). */
json_object *tw_collect(struct tc_conn *, int ms);
/* The first message of array a matching as for tw_wait, or NULL (borrowed). */
json_object *tw_find_msg(json_object *a, const char *type, const char *key, const char *val);
/* 1 if o is a message of type whose string member key (NULL: any) equals val. */
int tw_matches(json_object *o, const char *type, const char *key, const char *val);
/* Read and drop every message for ms (as given). */
void tw_read_for(struct tc_conn *, int ms);
/* Read and drop everything until ms pass without a message (at most 3 s). */
void tw_drain(struct tc_conn *, int ms);

/* Wait for the system chat line text (system:true, action:false, no sender). */
#define tw_sys(c, text) tw_sys_at(__FILE__, __LINE__, (c), (text))
void tw_sys_at(const char *file, int line, struct tc_conn *, const char *text);
/* Wait for the update_position about id; store its x, y. */
#define tw_pos(c, id, x, y) tw_pos_at(__FILE__, __LINE__, (c), (id), (x), (y))
void tw_pos_at(const char *file, int line, struct tc_conn *, const char *id, int *x, int *y);
/* Wait for update_position about id and fail unless it is at x, y. */
#define tw_pos_is(c, id, x, y) tw_pos_is_at(__FILE__, __LINE__, (c), (id), (x), (y))
void tw_pos_is_at(const char *file, int line, struct tc_conn *, const char *id, int x, int y);

/* ---- JSON ---- */

/* The string / integer / boolean member key of o; fails if absent or mistyped. */
#define tw_str(o, key) tw_str_at(__FILE__, __LINE__, (o), (key))
#define tw_int(o, key) tw_int_at(__FILE__, __LINE__, (o), (key))
#define tw_bool(o, key) tw_bool_at(__FILE__, __LINE__, (o), (key))
#define tw_obj(o, key) tw_obj_at(__FILE__, __LINE__, (o), (key), json_type_object)
#define tw_arr(o, key) tw_obj_at(__FILE__, __LINE__, (o), (key), json_type_array)
/* Member key of any type (not null); fails if absent. */
#define tw_get(o, key) tw_get_at(__FILE__, __LINE__, (o), (key))
const char *tw_str_at(const char *, int, json_object *, const char *key);
int64_t tw_int_at(const char *, int, json_object *, const char *key);
int tw_bool_at(const char *, int, json_object *, const char *key);
json_object *tw_obj_at(const char *, int, json_object *, const char *key, json_type);
json_object *tw_get_at(const char *, int, json_object *, const char *key);
/* "" for a missing or non-string member, or for o NULL (safe for strcmp and messages). */
const char *tw_strz(json_object *o, const char *key);
/* 1 if o has member key. */
int tw_has(json_object *, const char *key);
/* The element of array a whose string member "id" is id, or NULL. */
json_object *tw_find_id(json_object *a, const char *id);
/*
 * A JSON value's compact text ("(none)" for NULL), for comparisons and
 * failure messages; it lives as long as o is neither changed nor freed.
 */
const char *tw_js(json_object *o);

/* ---- time ---- */

/* Wall-clock milliseconds (the daemon's movement windows use this clock). */
int64_t tw_wall_ms(void);
/* Sleep until lead_ms after the start of the next wall-clock window of tick_ms. */
void tw_align_window(int tick_ms, int lead_ms);
void tw_sleep_ms(int ms);

/* A direction (+1 or -1) along which v can move n cells inside [0, grid). */
int tw_dir(int v, int n, int grid);

#endif
