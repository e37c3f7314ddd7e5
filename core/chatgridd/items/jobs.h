/*
 * jobs.h: the item job runner. A use, secondary use, parameter update or
 * type action asks the item's plugin; the reply is applied to the item as
 * it is then. If the item changed in between (its rev moved) and the reply
 * would change it, the request is made again with the new state, up to
 * JOBS_MAX_ATTEMPTS times (a plugin keeps no item state, so nothing is lost
 * by asking twice). The runner knows no connection: whoever starts a job
 * gives a sink (who acts, where answers go, what to do at the end), and the
 * plugin request function can be replaced (the unit test supplies its own
 * plugin replies).
 */
#ifndef CG_ITEMS_JOBS_H
#define CG_ITEMS_JOBS_H

#include <msgpack.h>

#include "pluginhost/pluginhost.h"

struct item;
struct json_object;
struct player;

#define JOBS_MAX_ATTEMPTS 3

enum job_kind { JOB_USE, JOB_SECONDARY, JOB_UPDATE, JOB_ACTION };

struct job_request {
	enum job_kind kind;
	const char *action;		/* the answer's action */
	const char *plugin_action;	/* JOB_ACTION: the type action asked for; NULL: action */
	struct json_object *args;	/* update: the user's params; action: its args; or NULL (not taken) */
	const char *title;		/* update: the new title, or NULL */
	const char *who;		/* for log lines: the connection id */
	const char *not_found;		/* silent jobs: the text when the item went; NULL: "Item not found." */
	int silent;			/* JOB_ACTION whose success is silent: immediate effects only */
};

struct job_answer {
	int ok;
	const char *action;
	const struct item *item;	/* NULL when not found */
	const char *text;
	int replied;			/* 0: refused before the plugin was asked */
};

struct job_sink {
	/* The acting player now, or NULL once gone (the job then ends without an answer). */
	struct player *(*actor)(void *ctx);
	/* The answer for the user. */
	void (*answer)(void *ctx, const struct job_answer *);
	/* The job is over (exactly once; ctx is not used after). */
	void (*done)(void *ctx);
};

typedef void (*jobs_request_fn)(struct item_type *, msgpack_sbuffer *body, plugin_cb, void *arg);

/* The plugin request function (plugin_request unless replaced). */
void jobs_set_request(jobs_request_fn);
/* Ask it's plugin for rq on behalf of sink's actor; sink->done runs at the end. */
void jobs_start(const struct job_request *rq, struct item *it, const struct job_sink *sink, void *ctx);

#endif
