/*
 * proto-item.c: the item messages (reference §6.6, §9.3): item_add,
 * item_pickup, item_drop, item_delete, item_use, item_secondary_use,
 * item_update, item_transfer, item_transfer_targets, and item_action for a
 * type's own actions. Checks run in the reference's order and answer with
 * its exact messages; the first failing check wins.
 *
 * This file only translates: it validates what only the wire knows, looks
 * up the player and the item, runs the checks that answer the user, calls
 * the items part (items-edit.c for every change of an item, jobs.c for
 * what asks the item's plugin: the connection is paused meanwhile), and
 * sends the result. Type-specific message names (the reference's piano
 * messages) come from the one compatibility table in items-alias.c and are
 * handled by the generic item_alias.
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
#include "items-alias.h"
#include "items.h"
#include "jobs.h"
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
on_square(const struct item *it, const struct player *p)
{
	return it->x == p->x && it->y == p->y;
}

/* 1 if the item is on cooldown (and the sender was told). */
static int
cooling(struct client *c, const struct item *it)
{
	char msg[256];

	if (!items_cooling(it, msg, sizeof msg))
		return 0;
	result(c, 0, "use", it, "%s", msg);
	return 1;
}

/* ---- asking the item's plugin: jobs.c runs it, answering through this sink ---- */

struct asker {
	struct client *c;		/* held and paused */
	const char *error_code;		/* failures after the reply as this error, or NULL */
};

static struct player *
asker_actor(void *arg)
{
	struct asker *a = arg;

	return a->c->state != CS_DEAD ? world_player(a->c) : NULL;
}

static void
asker_answer(void *arg, const struct job_answer *ans)
{
	struct asker *a = arg;

	if (a->error_code != NULL && ans->replied)
		client_send_error(a->c, a->error_code, "%s", ans->text);
	else
		result(a->c, ans->ok, ans->action, ans->item, "%s", ans->text);
}

static void
asker_done(void *arg)
{
	struct asker *a = arg;

	client_resume(a->c);
	client_unref(a->c);
	free(a);
}

static const struct job_sink asker_sink = { asker_actor, asker_answer, asker_done };

/* Pause c and start the job; its answers go to c. */
static void
ask(struct client *c, struct job_request *rq, struct item *it, const char *error_code)
{
	struct asker *a = xcalloc(1, sizeof *a);

	a->c = c;
	a->error_code = error_code;
	rq->who = c->id;
	client_ref(c);
	client_pause(c);
	jobs_start(rq, it, &asker_sink, a);
}

static void
job_start(struct client *c, enum job_kind kind, const char *action, struct item *it,
    struct json_object *args, const char *title)
{
	struct job_request rq = { kind, action, NULL, args, title, NULL, NULL, 0 };

	ask(c, &rq, it, NULL);
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
	if (!items_capable(it, "carryable")) {
		result(c, 0, "pickup", it, "%s cannot be carried.", it->title);
		return;
	}
	items_pickup(it, p);
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
	items_drop(it, p, (int)x, (int)y);
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
	if (!items_capable(it, "deletable")) {
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
	if (!it->type->has_use || !items_capable(it, "usable")) {
		result(c, 0, "use", it, "%s cannot be used.", it->title);
		return;
	}
	job_start(c, JOB_USE, "use", it, NULL, NULL);
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
	job_start(c, JOB_SECONDARY, "secondary_use", it, NULL, NULL);
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
	job_start(c, JOB_ACTION, action, it, args, NULL);
}

/*
 * A type's own message name from the compatibility table (items-alias.c):
 * the same checks as item_action with the row's texts, then the type
 * action as a job. Failures are an error with the row's code, or an
 * item_action_result with its action.
 */
static void
alias_refuse(struct client *c, const struct items_alias *al, const struct item *it, const char *why)
{
	if (al->error_code != NULL)
		client_send_error(c, al->error_code, "%s", why);
	else
		result(c, 0, al->answer_action, it, "%s", why);
}

static void
item_alias(struct client *c, struct json_object *msg)
{
	const struct items_alias *al = items_alias_find(proto_str(msg, "type"));
	struct player *p = world_player(c);
	struct item *it = items_get(proto_str(msg, "itemId"));
	const char *action = al != NULL && al->action != NULL ? al->action : proto_str(msg, "action");
	struct job_request rq = { JOB_ACTION, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	struct json_object *args = NULL, *v;
	char why[200];
	size_t i;

	if (al == NULL || p == NULL)
		return;
	if (it == NULL || !items_has_action(it, al->probe)) {
		snprintf(why, sizeof why, "%s not found.", al->label);
		alias_refuse(c, al, NULL, why);
		return;
	}
	if (it->carrier != NULL && it->carrier != p) {
		snprintf(why, sizeof why, "%s is not available.", al->label);
		alias_refuse(c, al, it, why);
		return;
	}
	if (it->carrier == NULL && !on_square(it, p)) {
		snprintf(why, sizeof why, "%s is not on your square.", al->label);
		alias_refuse(c, al, it, why);
		return;
	}
	if (al->action == NULL && !items_has_action(it, action)) {
		alias_refuse(c, al, it, "Unknown action.");
		return;
	}
	/* A type whose plugin is down: the job answers "<label> is temporarily unavailable." */
	if (al->args != NULL) {
		args = json_object_new_object();
		for (i = 0; al->args[i] != NULL; i++)
			if (json_object_object_get_ex(msg, al->args[i], &v))
				json_object_object_add(args, al->args[i], json_object_get(v));
	}
	rq.action = al->answer_action;
	rq.plugin_action = action;
	rq.args = args;
	if (al->error_code != NULL) {
		snprintf(why, sizeof why, "%s not found.", al->label);
		rq.not_found = why;
		rq.silent = 1;
	}
	ask(c, &rq, it, al->error_code);
	json_object_put(args);
}

static void
deny_alias(struct client *c, struct json_object *msg)
{
	const struct items_alias *al = items_alias_find(proto_str(msg, "type"));

	if (al != NULL)
		alias_refuse(c, al, NULL, "Not authorized to use items.");
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
	if (!items_capable(it, "editable")) {
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
		job_start(c, JOB_UPDATE, "update", it, params, raw != NULL ? title : NULL);
		return;
	}
	items_edit(it, p, raw != NULL ? title : NULL, NULL);
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
	items_transfer(it, p, t->target, name);
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

/* The compatibility table's messages, made from items-alias.c's rows. */
static struct proto_msg *alias_msgs;

void
proto_item_init(void)
{
	size_t i, n;

	proto_register(proto_item_msgs);
	for (n = 0; items_aliases[n].msg != NULL; n++)
		;
	if (alias_msgs == NULL) {
		alias_msgs = xcalloc(n + 1, sizeof *alias_msgs);
		for (i = 0; i < n; i++) {
			alias_msgs[i].type = items_aliases[i].msg;
			alias_msgs[i].fields = items_aliases[i].fields;
			alias_msgs[i].perm = PERM(P_ITEM_USE);
			alias_msgs[i].handle = item_alias;
			alias_msgs[i].deny = deny_alias;
		}
	}
	proto_register(alias_msgs);
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
	{ "item_update", update_fields, EDIT, 0, item_update, item_update },
	{ "item_transfer", transfer_fields, TRANSFER, 0, item_transfer, item_transfer },
	{ "item_transfer_targets", id_fields, TRANSFER, 0, item_transfer_targets, item_transfer_targets },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
