/*
 * proto-item.c: the item messages (reference §6.6, §9.3): item_add,
 * item_pickup, item_drop, item_delete, item_use, item_secondary_use,
 * item_update, item_transfer, item_transfer_targets, and item_action for a
 * type's own actions. Checks run in the reference's order and answer with
 * its exact messages; the first failing check wins.
 *
 * Use, secondary use, parameter updates and type actions ask the item's
 * plugin: the connection is paused meanwhile (its later messages wait), and
 * the reply is applied to the item as it is then. If the item changed in
 * between, the request is made again with the new state (a plugin keeps no
 * item state, so nothing is lost by asking twice).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "casefold.h"
#include "cfg.h"
#include "db/db.h"
#include "ipc.h"
#include "items.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "pluginhost/pluginhost.h"
#include "proto/proto.h"
#include "strmap.h"
#include "tick.h"
#include "world/world.h"
#include "xmalloc.h"

/* The messages of this part (at the end of this file), registered by proto_item_init. */
extern const struct proto_msg proto_item_msgs[];

#define MAX_ATTEMPTS 3
#define MAX_TARGETS 1000

static void result(struct client *, int ok, const char *action, const struct item *, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* item_action_result to the sender; itemId whenever the item was found. */
static void
result(struct client *c, int ok, const char *action, const struct item *it, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	json_object_object_add(o, "type", json_object_new_string("item_action_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "message", json_object_new_string(text));
	if (it != NULL)
		json_object_object_add(o, "itemId", json_object_new_string(it->id));
	client_send_json(c, o);
	free(text);
}

/* The any permission, or the own one and ownership. */
static int
allowed(const struct client *c, const struct item *it, enum perm_id any, enum perm_id own)
{
	return (c->session->perms & PERM(any)) || ((c->session->perms & PERM(own)) && items_owned_by(it, c->session->account_id));
}

static int
capable(const struct item *it, const char *cap)
{
	struct json_object *a = it->type->capabilities;
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), cap) == 0)
			return 1;
	return 0;
}

static int
on_square(const struct item *it, const struct player *p)
{
	return it->x == p->x && it->y == p->y;
}

/* 1 if the item is on cooldown (and the sender was told). */
static int
cooling(struct client *c, const struct item *it)
{
	uint64_t now = tick_mono_ms(), cd = (uint64_t)it->type->cooldown_ms;
	char buf[32];

	if (it->last_use_ms == 0 || now - it->last_use_ms >= cd)
		return 0;
	/* max(0.1, remaining seconds rounded to one decimal) */
	snprintf(buf, sizeof buf, "%.1f", (double)(cd - (now - it->last_use_ms)) / 1000.0);
	if (strtod(buf, NULL) < 0.1)
		snprintf(buf, sizeof buf, "0.1");
	result(c, 0, "use", it, "%s is on cooldown for %s s.", it->title, buf);
	return 1;
}

/* ---- asynchronous actions: use, secondary use, update, type actions ---- */

/*
 * J_NOTE: a type action whose success is silent and whose failure is an
 * error message (item_piano_note); J_ACTION answers with item_action_result.
 */
enum job_kind { J_USE, J_SECONDARY, J_UPDATE, J_ACTION, J_NOTE };

struct job {
	struct client *c;		/* held and paused */
	enum job_kind kind;
	char item_id[37];
	char action[72];		/* the result's action */
	char plugin_action[72];		/* the type action asked for, if not action */
	struct json_object *args;	/* update: the user's params; action: its args */
	char *title;			/* update: the new title, or NULL */
	uint64_t rev;			/* the item's rev when asked */
	uint64_t last_use_seen;		/* the item's last use when asked */
	int attempts;
};

static void job_reply(const struct plugin_reply *, void *);

static void
job_done(struct job *j)
{
	client_resume(j->c);
	client_unref(j->c);
	json_object_put(j->args);
	free(j->title);
	free(j);
}

/* {**item.params, **update} */
static struct json_object *
merged_params(const struct item *it, struct json_object *update)
{
	struct json_object *m = json_object_new_object();

	json_object_object_foreach(it->params, k, v)
		json_object_object_add(m, k, json_object_get(v));
	json_object_object_foreach(update, k2, v2)
		json_object_object_add(m, k2, json_object_get(v2));
	return m;
}

static void
job_send(struct job *j, struct item *it)
{
	struct player *p = world_player(j->c);
	struct json_object *args = NULL;
	const char *action;
	msgpack_sbuffer *body;

	if (p == NULL) {
		job_done(j);
		return;
	}
	switch (j->kind) {
	case J_USE:
		action = "use";
		break;
	case J_SECONDARY:
		action = "secondary_use";
		break;
	case J_UPDATE:
		action = "validate_update";
		args = merged_params(it, j->args);
		break;
	default:
		action = j->plugin_action[0] != '\0' ? j->plugin_action : j->action;
		args = json_object_get(j->args);
		break;
	}
	body = items_request(it, action, p, args);
	json_object_put(args);
	if (body->size > IPC_MAX_BODY) {
		msgpack_sbuffer_free(body);
		result(j->c, 0, j->action, it, "Item properties are too large.");
		job_done(j);
		return;
	}
	j->rev = it->rev;
	j->last_use_seen = it->last_use_ms;
	plugin_request(it->type, body, job_reply, j);
}

/* Ask the item's plugin for plugin_action (NULL: action), answering as action. */
static void
job_start_as(struct client *c, enum job_kind kind, const char *action, const char *plugin_action,
    struct item *it, struct json_object *args, const char *title)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->c = c;
	j->kind = kind;
	snprintf(j->item_id, sizeof j->item_id, "%s", it->id);
	snprintf(j->action, sizeof j->action, "%s", action);
	if (plugin_action != NULL)
		snprintf(j->plugin_action, sizeof j->plugin_action, "%s", plugin_action);
	j->args = args != NULL ? json_object_get(args) : NULL;
	j->title = title != NULL ? xstrdup(title) : NULL;
	client_ref(c);
	client_pause(c);
	job_send(j, it);
}

static void
job_start(struct client *c, enum job_kind kind, const char *action, struct item *it,
    struct json_object *args, const char *title)
{
	job_start_as(c, kind, action, NULL, it, args, title);
}

static void
job_reply(const struct plugin_reply *r, void *arg)
{
	struct job *j = arg;
	struct client *c = j->c;
	struct player *p = c->state != CS_DEAD ? world_player(c) : NULL;
	struct item *it = items_get(j->item_id);
	char sound[4096];

	if (p == NULL) {
		/* The user left meanwhile: as if it never happened. */
		job_done(j);
		return;
	}
	if (j->kind == J_NOTE) {
		if (it == NULL)
			client_send_error(c, "piano_note", "Piano not found.");
		else if (!r->ok)
			client_send_error(c, "piano_note", "%s", r->message);
		else
			items_effects(it, p, r->effects, EFFECTS_NOW);
		job_done(j);
		return;
	}
	if (it == NULL) {
		result(c, 0, j->action, NULL, "Item not found.");
		job_done(j);
		return;
	}
	if (!r->ok) {
		result(c, 0, j->action, it, "%s", r->message);
		job_done(j);
		return;
	}
	/* Someone else used it first: the cooldown applies to this use too. */
	if (j->kind == J_USE && it->last_use_ms != j->last_use_seen && cooling(c, it)) {
		job_done(j);
		return;
	}
	if (it->rev != j->rev && (r->params != NULL || j->kind == J_UPDATE)) {
		if (++j->attempts < MAX_ATTEMPTS) {
			job_send(j, it);
			return;
		}
		result(c, 0, j->action, it, "%s changed meanwhile; try again.", it->title);
		job_done(j);
		return;
	}
	if (r->params != NULL && items_has_nul(r->params)) {
		log_warn("plugin for %s returned parameters holding NUL characters; refused", it->type_id);
		result(c, 0, j->action, it, "%s is temporarily unavailable.", items_label(it));
		job_done(j);
		return;
	}
	/* Measured as clients receive them: escapes count, not only characters. */
	if (r->params != NULL && items_params_bytes(r->params) > (size_t)cfg->max_item_params_bytes) {
		log_info("%s: %s parameters of %s would take %zu bytes; refused (max_item_params_bytes %d)",
		    c->id, j->action, it->id, items_params_bytes(r->params), cfg->max_item_params_bytes);
		result(c, 0, j->action, it, "Item properties are too large (%zu bytes once encoded; at most %d).",
		    items_params_bytes(r->params), cfg->max_item_params_bytes);
		job_done(j);
		return;
	}
	switch (j->kind) {
	case J_USE:
		if (r->params != NULL) {
			/* The reference bumps no version on a use (Q7). */
			items_set_params(it, json_object_get(r->params));
			items_touch(it, p);
			items_changed(it);
		}
		it->last_use_ms = tick_mono_ms();
		items_effects(it, p, r->effects, EFFECTS_NOW);
		if (items_use_sound(it, sound, sizeof sound) != NULL)
			items_play_sound(it, sound);
		result(c, 1, "use", it, "%s", r->message);
		items_effects(it, p, r->effects, EFFECTS_LATER);
		break;
	case J_SECONDARY:
	case J_ACTION:
	case J_NOTE:
		if (r->params != NULL) {
			items_set_params(it, json_object_get(r->params));
			items_touch(it, p);
			it->version++;
			items_changed(it);
		}
		items_effects(it, p, r->effects, EFFECTS_NOW);
		result(c, 1, j->action, it, "%s", r->message);
		items_effects(it, p, r->effects, EFFECTS_LATER);
		break;
	case J_UPDATE:
		/* Title and parameters change together or not at all (unlike the reference, Q8). */
		if (j->title != NULL) {
			free(it->title);
			it->title = xstrdup(j->title);
		}
		items_set_params(it, json_object_get(r->params != NULL ? r->params : it->params));
		items_touch(it, p);
		it->version++;
		items_changed(it);
		result(c, 1, "update", it, "Updated %s.", it->title);
		break;
	}
	job_done(j);
}

/* ---- the handlers ---- */

static void
item_add(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item_type *t = plugin_type_find(proto_str(msg, "itemType"));
	struct item *it;

	if (p == NULL)
		return;
	if (t == NULL || t->host == NULL) {
		result(c, 0, "add", NULL, "Unknown item type.");
		return;
	}
	if (cfg->max_items > 0 && items_count() >= cfg->max_items) {
		result(c, 0, "add", NULL, "The world already holds the maximum of %d item%s.", cfg->max_items,
		    cfg->max_items == 1 ? "" : "s");
		return;
	}
	if (cfg->max_items_per_account > 0 && items_count_owned(c->session->account_id) >= cfg->max_items_per_account) {
		result(c, 0, "add", NULL, "You already own the maximum of %d item%s.", cfg->max_items_per_account,
		    cfg->max_items_per_account == 1 ? "" : "s");
		return;
	}
	it = items_create(t, p);
	world_system_chat_others(c, "%s placed %s (%s) at %d, %d.", p->nickname, it->title, t->label, it->x, it->y);
	result(c, 1, "add", it, "You placed %s (%s) at %d, %d.", it->title, t->label, it->x, it->y);
}

static void
deny_add(struct client *c, struct json_object *msg)
{
	result(c, 0, "add", NULL, "Not authorized to create items.");
}

static void
item_pickup(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it = items_get(proto_str(msg, "itemId")), *held;

	if (p == NULL)
		return;
	if (it == NULL) {
		result(c, 0, "pickup", NULL, "Item not found.");
		return;
	}
	if (it->carrier != NULL && it->carrier != p) {
		result(c, 0, "pickup", it, "Item is already being carried.");
		return;
	}
	if ((held = items_carried_by(p)) != NULL && held != it) {
		result(c, 0, "pickup", it, "You are already carrying an item.");
		return;
	}
	if (it->carrier == NULL && !on_square(it, p)) {
		result(c, 0, "pickup", it, "Item is not on your square.");
		return;
	}
	if (!allowed(c, it, P_ITEM_PICKUP_ANY, P_ITEM_PICKUP_OWN)) {
		result(c, 0, "pickup", it, "Not authorized to pick up this item.");
		return;
	}
	if (!capable(it, "carryable")) {
		result(c, 0, "pickup", it, "%s cannot be carried.", it->title);
		return;
	}
	it->carrier = p;
	it->carrier_account = c->session->account_id;
	it->x = p->x;
	it->y = p->y;
	items_touch(it, p);
	items_changed(it);
	world_system_chat_others(c, "%s picked up %s (%s).", p->nickname, it->title, items_label(it));
	result(c, 1, "pickup", it, "Picked up %s.", it->title);
}

static void
item_drop(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it = items_get(proto_str(msg, "itemId"));
	long long x = proto_int(msg, "x", -1), y = proto_int(msg, "y", -1);

	if (p == NULL)
		return;
	if (it == NULL) {
		result(c, 0, "drop", NULL, "Item not found.");
		return;
	}
	if (it->carrier != p) {
		result(c, 0, "drop", it, "You are not carrying that item.");
		return;
	}
	if (x < 0 || y < 0 || x > 100000000 || y > 100000000 || !world_in_bounds((int)x, (int)y)) {
		result(c, 0, "drop", it, "Drop position is out of bounds.");
		return;
	}
	/* The reference drops anywhere (Q6); an item goes down within reach. */
	if (world_distance(p->x, p->y, (int)x, (int)y) > 1) {
		result(c, 0, "drop", it, "You can only drop an item on your square or next to it.");
		return;
	}
	if (!allowed(c, it, P_ITEM_PICKUP_ANY, P_ITEM_PICKUP_OWN)) {
		result(c, 0, "drop", it, "Not authorized to drop this item.");
		return;
	}
	it->carrier = NULL;
	it->carrier_account = 0;
	it->x = (int)x;
	it->y = (int)y;
	items_touch(it, p);
	items_changed(it);
	world_system_chat_others(c, "%s dropped %s (%s) at %d, %d.", p->nickname, it->title, items_label(it),
	    it->x, it->y);
	result(c, 1, "drop", it, "Dropped %s at %d, %d.", it->title, it->x, it->y);
}

static void
item_delete(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it = items_get(proto_str(msg, "itemId"));
	struct json_object *o;
	char *title, *label;

	if (p == NULL)
		return;
	if (it == NULL) {
		result(c, 0, "delete", NULL, "Item not found.");
		return;
	}
	if (it->carrier != NULL && it->carrier != p) {
		result(c, 0, "delete", it, "Item is being carried by another user.");
		return;
	}
	if (it->carrier == NULL && !on_square(it, p)) {
		result(c, 0, "delete", it, "Item is not on your square.");
		return;
	}
	if (!allowed(c, it, P_ITEM_DELETE_ANY, P_ITEM_DELETE_OWN)) {
		result(c, 0, "delete", it, "Not authorized to delete this item.");
		return;
	}
	if (!capable(it, "deletable")) {
		result(c, 0, "delete", it, "%s cannot be deleted.", it->title);
		return;
	}
	/* Never a delete that could be lost: too many already wait for the database. */
	if (!items_can_delete()) {
		result(c, 0, "delete", it, "Items cannot be deleted right now: the server's database is unavailable. "
		    "Try again shortly.");
		return;
	}
	title = xstrdup(it->title);
	label = xstrdup(items_label(it));
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("item_action_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "action", json_object_new_string("delete"));
	json_object_object_add(o, "itemId", json_object_new_string(it->id));
	items_delete(it, p);
	/* The chat line and the reply of reference HEAD (§9.4). */
	world_system_chat_others(c, "%s deleted %s (%s).", p->nickname, title, label);
	{
		char *text;

		xasprintf(&text, "You deleted %s (%s).", title, label);
		json_object_object_add(o, "message", json_object_new_string(text));
		free(text);
	}
	client_send_json(c, o);
	free(title);
	free(label);
}

/* Checks 2-4 of use and secondary use; NULL after answering. */
static struct item *
usable_item(struct client *c, struct player *p, struct json_object *msg, const char *action)
{
	struct item *it = items_get(proto_str(msg, "itemId"));

	if (it == NULL) {
		result(c, 0, action, NULL, "Item not found.");
		return NULL;
	}
	if (it->carrier != NULL && it->carrier != p) {
		result(c, 0, action, it, "Item is not available.");
		return NULL;
	}
	if (it->carrier == NULL && !on_square(it, p)) {
		result(c, 0, action, it, "Item is not on your square.");
		return NULL;
	}
	return it;
}

static void
item_use(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it;

	if (p == NULL || (it = usable_item(c, p, msg, "use")) == NULL)
		return;
	if (cooling(c, it))
		return;
	if (!it->type->has_use || !capable(it, "usable")) {
		result(c, 0, "use", it, "%s cannot be used.", it->title);
		return;
	}
	job_start(c, J_USE, "use", it, NULL, NULL);
}

static void
deny_use(struct client *c, struct json_object *msg)
{
	result(c, 0, "use", NULL, "Not authorized to use items.");
}

static void
item_secondary_use(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it;

	if (p == NULL || (it = usable_item(c, p, msg, "secondary_use")) == NULL)
		return;
	if (!it->type->has_secondary) {
		result(c, 0, "secondary_use", it, "No secondary action for %s.", it->title);
		return;
	}
	job_start(c, J_SECONDARY, "secondary_use", it, NULL, NULL);
}

static void
deny_secondary_use(struct client *c, struct json_object *msg)
{
	result(c, 0, "secondary_use", NULL, "Not authorized to use items.");
}

static void
item_action(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	const char *action = proto_str(msg, "action");
	struct json_object *args = NULL, *a;
	struct item *it;
	size_t i, n;

	if (p == NULL || (it = usable_item(c, p, msg, action)) == NULL)
		return;
	n = json_object_array_length(it->type->actions);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(it->type->actions, i)), action) == 0)
			break;
	if (i == n) {
		result(c, 0, action, it, "Unknown action.");
		return;
	}
	if (json_object_object_get_ex(msg, "args", &a) && a != NULL)
		args = a;
	if (args != NULL && items_has_nul(args)) {
		result(c, 0, action, it, "Item properties may not contain NUL characters.");
		return;
	}
	job_start(c, J_ACTION, action, it, args, NULL);
}

/* Does the item's type declare this action? */
static int
type_has_action(const struct item *it, const char *action)
{
	size_t i, n;

	if (it->type == NULL)
		return 0;
	n = json_object_array_length(it->type->actions);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(it->type->actions, i)), action) == 0)
			return 1;
	return 0;
}

/*
 * The reference's piano messages, kept for its clients: the same checks as
 * item_action with the piano's own texts, then the type's action.
 */
static struct item *
piano_item(struct client *c, struct player *p, struct json_object *msg, const char *action, int note)
{
	struct item *it = items_get(proto_str(msg, "itemId"));
	const char *why = NULL;

	if (it == NULL || !type_has_action(it, note ? "note" : "toggle_record"))
		why = "Piano not found.";
	else if (it->carrier != NULL && it->carrier != p)
		why = "Piano is not available.";
	else if (it->carrier == NULL && !on_square(it, p))
		why = "Piano is not on your square.";
	else if (!note && !type_has_action(it, action))
		why = "Unknown action.";
	else if (!plugin_type_available(it->type))
		why = NULL;	/* the job answers "<label> is temporarily unavailable." */
	if (why == NULL)
		return it;
	if (note)
		client_send_error(c, "piano_note", "%s", why);
	else
		result(c, 0, "use", it != NULL && strcmp(why, "Piano not found.") != 0 ? it : NULL, "%s", why);
	return NULL;
}

static void
piano_note(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct json_object *args, *v;
	struct item *it;

	if (p == NULL || (it = piano_item(c, p, msg, "note", 1)) == NULL)
		return;
	args = json_object_new_object();
	if (json_object_object_get_ex(msg, "keyId", &v))
		json_object_object_add(args, "keyId", json_object_get(v));
	if (json_object_object_get_ex(msg, "midi", &v))
		json_object_object_add(args, "midi", json_object_get(v));
	if (json_object_object_get_ex(msg, "on", &v))
		json_object_object_add(args, "on", json_object_get(v));
	job_start(c, J_NOTE, "note", it, args, NULL);
	json_object_put(args);
}

static void
deny_piano_note(struct client *c, struct json_object *msg)
{
	(void)msg;
	client_send_error(c, "piano_note", "Not authorized to use items.");
}

static void
piano_recording(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	const char *action = proto_str(msg, "action");
	struct item *it;

	if (p == NULL || (it = piano_item(c, p, msg, action, 0)) == NULL)
		return;
	job_start_as(c, J_ACTION, "use", action, it, NULL, NULL);
}

static void
deny_piano_recording(struct client *c, struct json_object *msg)
{
	(void)msg;
	result(c, 0, "use", NULL, "Not authorized to use items.");
}

static void
deny_action(struct client *c, struct json_object *msg)
{
	result(c, 0, proto_str(msg, "action"), NULL, "Not authorized to use items.");
}

static void
item_update(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct item *it = items_get(proto_str(msg, "itemId"));
	struct json_object *params = NULL;
	const char *raw;
	char title[400];

	if (p == NULL)
		return;
	if (it == NULL) {
		result(c, 0, "update", NULL, "Item not found.");
		return;
	}
	if (it->carrier != NULL && it->carrier != p) {
		result(c, 0, "update", it, "Item is not available for editing.");
		return;
	}
	if (it->carrier == NULL && !on_square(it, p)) {
		result(c, 0, "update", it, "Item is not on your square.");
		return;
	}
	if (!allowed(c, it, P_ITEM_EDIT_ANY, P_ITEM_EDIT_OWN)) {
		result(c, 0, "update", it, "Not authorized to edit this item.");
		return;
	}
	if (!capable(it, "editable")) {
		result(c, 0, "update", it, "%s cannot be edited.", it->title);
		return;
	}
	if ((raw = proto_str(msg, "title")) != NULL) {
		utf8_trim(raw, title, sizeof title);
		if (title[0] == '\0') {
			result(c, 0, "update", it, "Title cannot be empty.");
			return;
		}
		if (utf8_has_hidden(title)) {
			result(c, 0, "update", it,
			    "Title may not contain invisible or text-direction characters.");
			return;
		}
	}
	json_object_object_get_ex(msg, "params", &params);
	if (params != NULL && json_object_object_length(params) > 0) {
		if (items_has_nul(params)) {
			result(c, 0, "update", it, "Item properties may not contain NUL characters.");
			return;
		}
		job_start(c, J_UPDATE, "update", it, params, raw != NULL ? title : NULL);
		return;
	}
	if (raw != NULL) {
		free(it->title);
		it->title = xstrdup(title);
	}
	items_touch(it, p);
	it->version++;
	items_changed(it);
	result(c, 1, "update", it, "Updated %s.", it->title);
}

/* ---- transfer (reference HEAD §9.3) ---- */

struct transfer {
	struct client *c;
	char item_id[37];
	int64_t target;
};

static void
transfer_done(struct transfer *t)
{
	client_resume(t->c);
	client_unref(t->c);
	free(t);
}

static void
transfer_cb(const PGresult *res, const char *error, void *arg)
{
	struct transfer *t = arg;
	struct client *c = t->c;
	struct player *p = c->state != CS_DEAD ? world_player(c) : NULL;
	struct item *it;
	const char *name;

	if (p == NULL) {
		transfer_done(t);
		return;
	}
	if (error != NULL) {
		log_warn("%s: item transfer lookup failed: %s", c->id, error);
		result(c, 0, "transfer", items_get(t->item_id), "%s", DB_USER_MESSAGE);
		transfer_done(t);
		return;
	}
	if ((it = items_get(t->item_id)) == NULL) {
		result(c, 0, "transfer", NULL, "Item not found.");
		transfer_done(t);
		return;
	}
	if (it->carrier != NULL) {
		result(c, 0, "transfer", it, "Item is being carried by another user.");
		transfer_done(t);
		return;
	}
	if (PQntuples(res) == 0) {
		result(c, 0, "transfer", it, "User not found.");
		transfer_done(t);
		return;
	}
	name = PQgetvalue(res, 0, 1);
	if (it->created_by == t->target) {
		result(c, 0, "transfer", it, "%s already owns %s.", name, it->title);
		transfer_done(t);
		return;
	}
	if (cfg->max_items_per_account > 0 && items_count_owned(t->target) >= cfg->max_items_per_account) {
		result(c, 0, "transfer", it, "%s already owns the maximum of %d item%s.", name,
		    cfg->max_items_per_account, cfg->max_items_per_account == 1 ? "" : "s");
		transfer_done(t);
		return;
	}
	it->created_by = t->target;
	free(it->created_by_name);
	it->created_by_name = xstrdup(name);
	items_touch(it, p);
	it->version++;
	items_changed(it);
	world_system_chat_others(c, "%s gave %s (%s) to %s.", p->nickname, it->title, items_label(it), name);
	result(c, 1, "transfer", it, "You gave %s (%s) to %s.", it->title, items_label(it), name);
	transfer_done(t);
}

/* Checks shared by transfer and its target list; NULL after answering. */
static struct item *
transferable(struct client *c, struct player *p, struct json_object *msg)
{
	struct item *it = items_get(proto_str(msg, "itemId"));

	if (it == NULL) {
		result(c, 0, "transfer", NULL, "Item not found.");
		return NULL;
	}
	if (it->carrier != NULL) {
		result(c, 0, "transfer", it, "%s", it->carrier == p ? "Put the item down before giving it away." :
		    "Item is being carried by another user.");
		return NULL;
	}
	if (!on_square(it, p)) {
		result(c, 0, "transfer", it, "Item is not on your square.");
		return NULL;
	}
	if (!allowed(c, it, P_ITEM_TRANSFER_ANY, P_ITEM_TRANSFER_OWN)) {
		result(c, 0, "transfer", it, "Not authorized to transfer this item.");
		return NULL;
	}
	if (cfg->db_conninfo[0] == '\0') {
		result(c, 0, "transfer", it, "%s", DB_USER_MESSAGE);
		return NULL;
	}
	return it;
}

static void
item_transfer(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	const char *target = proto_str(msg, "targetUserId");
	struct transfer *t;
	struct item *it;
	char *end;
	long long id;

	if (p == NULL || (it = transferable(c, p, msg)) == NULL)
		return;
	id = strtoll(target, &end, 10);
	if (target[0] < '0' || target[0] > '9' || *end != '\0' || id <= 0) {
		result(c, 0, "transfer", it, "User not found.");
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->c = c;
	snprintf(t->item_id, sizeof t->item_id, "%s", it->id);
	t->target = id;
	client_ref(c);
	client_pause(c);
	db_query("item_transfer_target", 1, &target, transfer_cb, t);
}

static void
targets_cb(const PGresult *res, const char *error, void *arg)
{
	struct transfer *t = arg;
	struct client *c = t->c;
	struct json_object *o, *list, *e;
	struct strmap *online;
	struct player *q;
	char id[24];
	int i, n;

	if (c->state == CS_DEAD || world_player(c) == NULL) {
		transfer_done(t);
		return;
	}
	if (error != NULL) {
		log_warn("%s: transfer targets failed: %s", c->id, error);
		result(c, 0, "transfer", items_get(t->item_id), "%s", DB_USER_MESSAGE);
		transfer_done(t);
		return;
	}
	online = strmap_new();
	TAILQ_FOREACH(q, &roster, roster_entry) {
		snprintf(id, sizeof id, "%lld", (long long)q->c->session->account_id);
		strmap_put(online, id, q);
	}
	list = json_object_new_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "userId", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(e, "username", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(e, "online", json_object_new_boolean(strmap_get(online, PQgetvalue(res, i, 0)) != NULL));
		json_object_array_add(list, e);
	}
	strmap_free(online);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("item_transfer_targets"));
	json_object_object_add(o, "itemId", json_object_new_string(t->item_id));
	json_object_object_add(o, "targets", list);
	client_send_json(c, o);
	transfer_done(t);
}

static void
item_transfer_targets(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	struct transfer *t;
	struct item *it;
	char owner[24];
	const char *v[1];

	if (p == NULL || (it = transferable(c, p, msg)) == NULL)
		return;
	t = xcalloc(1, sizeof *t);
	t->c = c;
	snprintf(t->item_id, sizeof t->item_id, "%s", it->id);
	snprintf(owner, sizeof owner, "%lld", (long long)it->created_by);
	v[0] = it->created_by != 0 ? owner : NULL;
	client_ref(c);
	client_pause(c);
	db_query("item_transfer_targets", 1, v, targets_cb, t);
}

void
proto_item_init(void)
{
	proto_register(proto_item_msgs);
	db_register("item_transfer_target",
	    "SELECT id, username FROM accounts WHERE id = $1::bigint AND status = 'active'", 1);
	db_register("item_transfer_targets",
	    "SELECT id, username FROM accounts WHERE status = 'active' AND ($1::bigint IS NULL OR id <> $1::bigint) "
	    "ORDER BY lower(username), id LIMIT " "1000", 1);
}

/* ---- the table ---- */

static const struct proto_field add_fields[] = {
	{ "itemType", FT_STRING, FF_REQUIRED, 1, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field id_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field drop_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "x", FT_INT, FF_REQUIRED, -2147483647LL, 2147483647LL, NULL },
	{ "y", FT_INT, FF_REQUIRED, -2147483647LL, 2147483647LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field update_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "title", FT_STRING, FF_NULL, 0, 80, NULL },
	{ "params", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field action_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "action", FT_STRING, FF_REQUIRED, 1, 64, NULL },
	{ "args", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field transfer_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "targetUserId", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field piano_note_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	/* Wide: the piano cuts key ids to 32 characters and clamps midi (reference §6.9). */
	{ "keyId", FT_STRING, FF_REQUIRED, 1, 1024, NULL },
	{ "midi", FT_NUMBER, FF_REQUIRED, -1000000000000LL, 1000000000000LL, NULL },
	{ "on", FT_BOOL, FF_REQUIRED, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const char *const piano_actions[] = { "toggle_record", "stop_record", "playback", "stop_playback", NULL };

static const struct proto_field piano_recording_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "action", FT_ENUM, FF_REQUIRED, 0, 0, piano_actions },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define PICKUP (PERM(P_ITEM_PICKUP_OWN) | PERM(P_ITEM_PICKUP_ANY))
#define DELETE (PERM(P_ITEM_DELETE_OWN) | PERM(P_ITEM_DELETE_ANY))
#define EDIT (PERM(P_ITEM_EDIT_OWN) | PERM(P_ITEM_EDIT_ANY))
#define TRANSFER (PERM(P_ITEM_TRANSFER_OWN) | PERM(P_ITEM_TRANSFER_ANY))

/*
 * Where the reference checks that the item exists before the permission
 * (pickup, drop, delete, update, transfer), the handler itself is the deny
 * function: it runs its checks in order and refuses at the permission.
 */
const struct proto_msg proto_item_msgs[] = {
	{ "item_add", add_fields, PERM(P_ITEM_CREATE), 0, item_add, deny_add },
	{ "item_pickup", id_fields, PICKUP, 0, item_pickup, item_pickup },
	{ "item_drop", drop_fields, PICKUP, 0, item_drop, item_drop },
	{ "item_delete", id_fields, DELETE, 0, item_delete, item_delete },
	{ "item_use", id_fields, PERM(P_ITEM_USE), 0, item_use, deny_use },
	{ "item_secondary_use", id_fields, PERM(P_ITEM_USE), 0, item_secondary_use, deny_secondary_use },
	{ "item_action", action_fields, PERM(P_ITEM_USE), 0, item_action, deny_action },
	{ "item_piano_note", piano_note_fields, PERM(P_ITEM_USE), 0, piano_note, deny_piano_note },
	{ "item_piano_recording", piano_recording_fields, PERM(P_ITEM_USE), 0, piano_recording,
	  deny_piano_recording },
	{ "item_update", update_fields, EDIT, 0, item_update, item_update },
	{ "item_transfer", transfer_fields, TRANSFER, 0, item_transfer, item_transfer },
	{ "item_transfer_targets", id_fields, TRANSFER, 0, item_transfer_targets, item_transfer_targets },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
