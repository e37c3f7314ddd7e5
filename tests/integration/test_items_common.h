/*
 * test_items_common.h: helpers shared by the test_items_* programs (items
 * and item plugins, issue 6; reference §6).
 *
 * Built on tests/lib's tworld and tauth (one private PostgreSQL cluster per
 * program, a fresh chatgridd per test case, players, SQL helpers). Each
 * daemon gets its own plugin directory holding copies of the plugins a test
 * names, from the build tree: the bundled ones (clock, dice, piano, radio_station, wheel,
 * widget) and the misbehaving test plugins of tests/plugins (crash, hang,
 * garbage, badinit, badabi).
 * Users move freely (movement_max_steps_per_tick is raised), so a test puts
 * players on the squares it needs with tw_goto. Only what is about items
 * lives here; players, waiting and JSON access are tw_* (tests/lib/tworld.h).
 */
#ifndef TI_TEST_ITEMS_COMMON_H
#define TI_TEST_ITEMS_COMMON_H

#include <stdint.h>

#include <json-c/json.h>

#include "tworld.h"

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

/*
 * Wait for the item_action_result of action and fail unless it has ok and
 * exactly message (message NULL: any). Returns it (caller frees).
 */
#define ti_result(u, action, ok, message) ti_result_at(__FILE__, __LINE__, (u), (action), (ok), (message))
json_object *ti_result_at(const char *file, int line, struct tw_user *, const char *action, int ok,
    const char *message);
/* ti_result, dropping it. */
#define ti_expect(u, action, ok, message) json_object_put(ti_result((u), (action), (ok), (message)))
/* The next item_upsert about id: its item object (caller frees). */
#define ti_upsert(c, id) ti_upsert_at(__FILE__, __LINE__, (c), (id))
json_object *ti_upsert_at(const char *file, int line, struct tc_conn *, const char *id);

/* item_add of type, expecting success; returns the new item's id (caller frees). */
char *ti_add(struct tw_user *, const char *type);
/* {"type":type,"itemId":id} */
void ti_item_msg(struct tw_user *, const char *type, const char *id);
/* item_update with params JSON text (or NULL) and title (or NULL). */
void ti_update(struct tw_user *, const char *id, const char *title, const char *params_json);

#endif
