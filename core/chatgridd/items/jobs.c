/*
 * jobs.c: the item job runner (see jobs.h): the request to the item's
 * plugin, the checks on its reply, the retry when the item changed
 * meanwhile, and the reply applied through items-edit.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "ipc.h"
#include "items.h"
#include "jobs.h"
#include "log.h"
#include "xmalloc.h"

struct job {
	const struct job_sink *sink;
	void *ctx;
	enum job_kind kind;
	char item_id[37];
	char action[72];		/* the answer's action */
	char plugin_action[72];		/* the type action asked for, if not action */
	char who[64];
	char *not_found;		/* NULL: "Item not found." */
	int silent;
	struct json_object *args;	/* update: the user's params; action: its args */
	char *title;			/* update: the new title, or NULL */
	uint64_t rev;			/* the item's rev when asked */
	uint64_t last_use_seen;		/* the item's last use when asked */
	int attempts;
};

static jobs_request_fn request_fn = plugin_request;

static void job_reply(const struct plugin_reply *, void *);

void
jobs_set_request(jobs_request_fn fn)
{
	request_fn = fn != NULL ? fn : plugin_request;
}

static void
job_done(struct job *j)
{
	j->sink->done(j->ctx);
	json_object_put(j->args);
	free(j->title);
	free(j->not_found);
	free(j);
}

static void answer(struct job *, int replied, int ok, const char *action, const struct item *, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
answer(struct job *j, int replied, int ok, const char *action, const struct item *it, const char *fmt, ...)
{
	struct job_answer a;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	a.ok = ok;
	a.action = action;
	a.item = it;
	a.text = text;
	a.replied = replied;
	j->sink->answer(j->ctx, &a);
	free(text);
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
	struct player *p = j->sink->actor(j->ctx);
	struct json_object *args = NULL;
	const char *action;
	msgpack_sbuffer *body;

	if (p == NULL) {
		job_done(j);
		return;
	}
	switch (j->kind) {
	case JOB_USE:
		action = "use";
		break;
	case JOB_SECONDARY:
		action = "secondary_use";
		break;
	case JOB_UPDATE:
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
		answer(j, 0, 0, j->action, it, "Item properties are too large.");
		job_done(j);
		return;
	}
	j->rev = it->rev;
	j->last_use_seen = it->last_use_ms;
	request_fn(it->type, body, job_reply, j);
}

void
jobs_start(const struct job_request *rq, struct item *it, const struct job_sink *sink, void *ctx)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->sink = sink;
	j->ctx = ctx;
	j->kind = rq->kind;
	snprintf(j->item_id, sizeof j->item_id, "%s", it->id);
	snprintf(j->action, sizeof j->action, "%s", rq->action);
	if (rq->plugin_action != NULL)
		snprintf(j->plugin_action, sizeof j->plugin_action, "%s", rq->plugin_action);
	snprintf(j->who, sizeof j->who, "%s", rq->who != NULL ? rq->who : "");
	j->not_found = rq->not_found != NULL ? xstrdup(rq->not_found) : NULL;
	j->silent = rq->silent;
	j->args = rq->args != NULL ? json_object_get(rq->args) : NULL;
	j->title = rq->title != NULL ? xstrdup(rq->title) : NULL;
	job_send(j, it);
}

/* A silent type action: failures are answered, success only has its immediate effects. */
static void
silent_reply(struct job *j, struct item *it, const struct player *p, const struct plugin_reply *r)
{
	if (it == NULL)
		answer(j, 1, 0, j->action, NULL, "%s", j->not_found != NULL ? j->not_found : "Item not found.");
	else if (!r->ok)
		answer(j, 1, 0, j->action, it, "%s", r->message);
	else
		items_effects(it, p, r->effects, EFFECTS_NOW);
}

static void
job_reply(const struct plugin_reply *r, void *arg)
{
	struct job *j = arg;
	struct player *p = j->sink->actor(j->ctx);
	struct item *it = items_get(j->item_id);
	char cooldown[256];

	if (p == NULL) {
		/* The user left meanwhile: as if it never happened. */
		job_done(j);
		return;
	}
	if (j->silent) {
		silent_reply(j, it, p, r);
		job_done(j);
		return;
	}
	if (it == NULL) {
		answer(j, 1, 0, j->action, NULL, "Item not found.");
		job_done(j);
		return;
	}
	if (!r->ok) {
		answer(j, 1, 0, j->action, it, "%s", r->message);
		job_done(j);
		return;
	}
	/* Someone else used it first: the cooldown applies to this use too. */
	if (j->kind == JOB_USE && it->last_use_ms != j->last_use_seen && items_cooling(it, cooldown, sizeof cooldown)) {
		answer(j, 1, 0, "use", it, "%s", cooldown);
		job_done(j);
		return;
	}
	if (it->rev != j->rev && (r->params != NULL || j->kind == JOB_UPDATE)) {
		if (++j->attempts < JOBS_MAX_ATTEMPTS) {
			job_send(j, it);
			return;
		}
		answer(j, 1, 0, j->action, it, "%s changed meanwhile; try again.", it->title);
		job_done(j);
		return;
	}
	if (r->params != NULL && items_has_nul(r->params)) {
		log_warn("plugin for %s returned parameters holding NUL characters; refused", it->type_id);
		answer(j, 1, 0, j->action, it, "%s is temporarily unavailable.", items_label(it));
		job_done(j);
		return;
	}
	/* Measured as clients receive them: escapes count, not only characters. */
	if (r->params != NULL && items_params_bytes(r->params) > (size_t)cfg->max_item_params_bytes) {
		log_info("%s: %s parameters of %s would take %zu bytes; refused (max_item_params_bytes %d)",
		    j->who, j->action, it->id, items_params_bytes(r->params), cfg->max_item_params_bytes);
		answer(j, 1, 0, j->action, it, "Item properties are too large (%zu bytes once encoded; at most %d).",
		    items_params_bytes(r->params), cfg->max_item_params_bytes);
		job_done(j);
		return;
	}
	switch (j->kind) {
	case JOB_USE:
		items_apply_use(it, p, r);
		answer(j, 1, 1, "use", it, "%s", r->message);
		items_effects(it, p, r->effects, EFFECTS_LATER);
		break;
	case JOB_SECONDARY:
	case JOB_ACTION:
		items_apply_action(it, p, r);
		answer(j, 1, 1, j->action, it, "%s", r->message);
		items_effects(it, p, r->effects, EFFECTS_LATER);
		break;
	case JOB_UPDATE:
		items_edit(it, p, j->title, json_object_get(r->params != NULL ? r->params : it->params));
		answer(j, 1, 1, "update", it, "Updated %s.", it->title);
		break;
	}
	job_done(j);
}
