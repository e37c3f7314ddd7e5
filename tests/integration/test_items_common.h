/*
 * test_items_common.h: helpers shared by the test_items_* programs (items
 * and item plugins, issue 6; reference §6).
 *
 * Built on test_auth_common (one private PostgreSQL cluster per program, a
 * fresh chatgridd per test case, SQL helpers). Each daemon gets its own
 * plugin directory holding copies of the plugins a test names, from the
 * build tree: the bundled ones (clock, dice, piano, radio_station, wheel,
 * widget) and the misbehaving test plugins of tests/plugins (crash, hang,
 * garbage, badinit, badabi).
 * Users move freely (movement_max_steps_per_tick is raised), so a test puts
 * players on the squares it needs with ti_move.
 */
#ifndef TI_TEST_ITEMS_COMMON_H
#define TI_TEST_ITEMS_COMMON_H

#include <stdint.h>

#include <json-c/json.h>

#include "test_auth_common.h"

#define TI_WAIT_MS 5000
#define TI_QUIET_MS 300

/* A player: one WebSocket in the world. */
struct ti_user {
	struct tc_conn *c;
	char user[33];		/* account username */
	char id[80];		/* connection id */
	char userid[32];	/* account id */
	char nick[160];
	int x, y;
	json_object *welcome;
};

/* Empty the items table (if it exists yet), so each test case starts with no items. */
void ti_wipe(void);
/*
 * A fresh directory holding copies of the named plugins (space-separated,
 * e.g. "dice wheel crash"); caller frees.
 */
char *ti_plugin_dir(const char *names);
/* Copy one more plugin into dir (as name.so). */
void ti_add_plugin(const char *dir, const char *name);
/* The path of a built plugin (static storage). */
const char *ti_plugin_path(const char *name);
/* Configuration lines for plugin_dir dir and the built itemhost (static storage). */
const char *ti_config(const char *dir);

/*
 * ti_wipe, then chatgridd with ag_base_config(), generous chat and movement
 * limits, plugin_dir holding plugins (see ti_plugin_dir), then extra.
 * *dir_out (if not NULL) receives the plugin directory (caller frees).
 */
struct td *ti_start(const char *plugins, const char *extra, char **dir_out);
/* The same on an existing plugin directory, without wiping. */
struct td *ti_start_dir(const char *dir, const char *extra);

/* A new account, registered and in the world (welcome read). */
struct ti_user *ti_join(struct td *, const char *tag);
/* Log in an existing account and read the welcome. */
struct ti_user *ti_login(struct td *, const char *user);
void ti_close(struct ti_user *);
/* A new account left offline (to give a role before it logs in); user gets its name. */
void ti_account(struct td *, char user[33], const char *tag);
/*
 * Give user a new role holding the default "user" role's permissions,
 * plus add and minus drop (comma-separated keys, either may be NULL).
 * Takes effect at the next login.
 */
void ti_role(const char *user, const char *add, const char *drop);

/* Move to (x, y) and wait for the echo. */
void ti_move(struct ti_user *, int x, int y);
/* Send an object (ownership taken) or raw JSON text. */
void ti_send(struct ti_user *, json_object *);
void ti_sendf(struct ti_user *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The next message of type whose string member key equals val (key NULL:
 * any) within ms, skipping others; fails the test listing what was skipped.
 */
#define ti_wait(c, type, key, val) ti_wait_at(__FILE__, __LINE__, (c), TI_WAIT_MS, (type), (key), (val))
#define ti_wait_ms(c, ms, type, key, val) ti_wait_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
json_object *ti_wait_at(const char *file, int line, struct tc_conn *, int ms, const char *type,
    const char *key, const char *val);
/* Fails if such a message arrives within ms. */
#define ti_none(c, ms, type, key, val) ti_none_at(__FILE__, __LINE__, (c), (ms), (type), (key), (val))
void ti_none_at(const char *file, int line, struct tc_conn *, int ms, const char *type, const char *key,
    const char *val);
/* Read and drop everything until ms pass quietly. */
void ti_drain(struct tc_conn *, int ms);
/* Wait for the system chat line text. */
#define ti_sys(c, text) ti_sys_at(__FILE__, __LINE__, (c), (text))
void ti_sys_at(const char *file, int line, struct tc_conn *, const char *text);

/*
 * Wait for the item_action_result of action and fail unless it has ok and
 * exactly message (message NULL: any). Returns it (caller frees).
 */
#define ti_result(u, action, ok, message) ti_result_at(__FILE__, __LINE__, (u), (action), (ok), (message))
json_object *ti_result_at(const char *file, int line, struct ti_user *, const char *action, int ok,
    const char *message);
/* ti_result, dropping it. */
#define ti_expect(u, action, ok, message) json_object_put(ti_result((u), (action), (ok), (message)))
/* The next item_upsert about id: its item object (caller frees). */
#define ti_upsert(c, id) ti_upsert_at(__FILE__, __LINE__, (c), (id))
json_object *ti_upsert_at(const char *file, int line, struct tc_conn *, const char *id);

/* item_add of type, expecting success; returns the new item's id (caller frees). */
char *ti_add(struct ti_user *, const char *type);
/* {"type":type,"itemId":id} */
void ti_item_msg(struct ti_user *, const char *type, const char *id);
/* item_update with params JSON text (or NULL) and title (or NULL). */
void ti_update(struct ti_user *, const char *id, const char *title, const char *params_json);

/* JSON access that fails the test when absent. */
#define ti_str(o, key) ti_str_at(__FILE__, __LINE__, (o), (key))
#define ti_int(o, key) ti_int_at(__FILE__, __LINE__, (o), (key))
#define ti_obj(o, key) ti_obj_at(__FILE__, __LINE__, (o), (key))
const char *ti_str_at(const char *, int, json_object *, const char *key);
int64_t ti_int_at(const char *, int, json_object *, const char *key);
json_object *ti_obj_at(const char *, int, json_object *, const char *key);
/* A JSON value's compact text (static storage, for comparisons). */
const char *ti_json(json_object *);

void ti_sleep_ms(int ms);

#endif
