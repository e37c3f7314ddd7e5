/*
 * ticker.c: a test plugin for the parts of the ABI the bundled types do not
 * use: options, ticks, timers, effects nobody asked for, and events.
 *
 *   use      says the "greeting" option ("Hello" by default) and, 300 ms
 *            later from a timer, sends "Ding." to everyone with an
 *            item_ticker_ding event
 *   tick     every 200 ms while params.armed is true: counts params.ticks
 *            up and sends an item_ticker_tick event {"n"} to everyone
 *   validate keeps armed (boolean) and ticks (integer)
 *
 * and the additions of ABI 1.1:
 *
 *   tick     the event also carries "listeners" (req->listeners)
 *   store    action: song_save(args.songId, args.song), nil deletes
 *   fetch    action: song_load(args.songId); the answer comes to the actor
 *            alone as item_ticker_song {"songId", "song" (nil: none)}
 *   opts     action: says the fetch_* options the host was given
 *   removed  sends item_ticker_removed {"removedId"} about another ticker
 *   player_left  sends item_ticker_left {"playerId"} about every ticker
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

CG_PLUGIN_DECLARE("test-ticker", "0");

static const struct cg_host *host;

static void remember(const char *);

static void
ding(void *arg)
{
	char *id = arg;
	struct cg_reply *r = host->begin(id);

	host->say_others(r, "Ding.");
	host->event(r, "item_ticker_ding", CG_TO_ALL, NULL);
	host->send(r);
	free(id);
}

static void
t_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *a = cg_map_get(req->args, "armed"), *t = cg_map_get(req->args, "ticks");

	host->set_param(r, "armed", cg_bool(a != NULL && a->type == CG_BOOL && a->u.i));
	host->set_param(r, "ticks", cg_int(t != NULL && t->type == CG_INT ? t->u.i : 0));
}

static void
t_use(const struct cg_request *req, struct cg_reply *r)
{
	const char *g = host->option("greeting");
	char *id = strdup(req->item->id);

	remember(req->item->id);
	if (id == NULL || host->timer_add(300, ding, id) < 0) {
		free(id);
		host->fail(r, "No timer.");
		return;
	}
	host->say(r, "%s, %s.", g != NULL ? g : "Hello", req->actor->nickname);
}

static void
t_tick(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *a = cg_map_get(req->item->params, "armed");
	const struct cg_value *t = cg_map_get(req->item->params, "ticks");
	int64_t n = t != NULL && t->type == CG_INT ? t->u.i : 0;
	struct cg_pair f[2];
	struct cg_value fields;

	if (a == NULL || a->type != CG_BOOL || !a->u.i)
		return;
	n++;
	host->set_param(r, "ticks", cg_int(n));
	if (n >= 3)
		host->set_param(r, "armed", cg_bool(0));
	f[0].key = "n";
	f[0].key_len = 1;
	f[0].reserved = 0;
	f[0].value = cg_int(n);
	f[1].key = "listeners";
	f[1].key_len = 9;
	f[1].reserved = 0;
	f[1].value = cg_int(req->size >= offsetof(struct cg_request, reserved1) ? (int64_t)req->listeners : -1);
	fields = cg_map(f, 2);
	host->event(r, "item_ticker_tick", CG_TO_ALL, &fields);
}

/* ---- ABI 1.1 ---- */

#define MAX_KNOWN 64
static char known[MAX_KNOWN][37];	/* ticker ids this host has seen */

static void
remember(const char *id)
{
	int i, free_slot = -1;

	if (id == NULL || *id == '\0')
		return;
	for (i = 0; i < MAX_KNOWN; i++) {
		if (strcmp(known[i], id) == 0)
			return;
		if (known[i][0] == '\0' && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0)
		snprintf(known[free_slot], sizeof known[free_slot], "%s", id);
}

static struct cg_pair
pair(const char *key, struct cg_value v)
{
	struct cg_pair p;

	p.key = key;
	p.key_len = (uint32_t)strlen(key);
	p.reserved = 0;
	p.value = v;
	return p;
}

struct fetch {
	char item[37];
	char player[80];
	char song_id[201];
};

static void
fetched(void *arg, const struct cg_value *song)
{
	struct fetch *f = arg;
	struct cg_reply *r = host->begin(f->item);
	struct cg_pair p[2];
	struct cg_value fields;

	p[0] = pair("songId", cg_str(f->song_id));
	p[1] = pair("song", song != NULL ? *song : cg_nil());
	fields = cg_map(p, 2);
	host->event_to(r, f->player, "item_ticker_song", &fields);
	host->send(r);
	free(f);
}

static void
t_action(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *id = cg_map_get(req->args, "songId");
	const struct cg_value *song = cg_map_get(req->args, "song");
	struct fetch *f;

	remember(req->item->id);
	if (strcmp(req->action, "opts") == 0) {
		const char *t = host->option("fetch_timeout_ms"), *p = host->option("fetch_allow_private");
		const char *i = host->option("fetch_interval_ms");

		host->say(r, "timeout %s, private %s, interval %s", t ? t : "-", p ? p : "-", i ? i : "-");
		return;
	}
	if (id == NULL || id->type != CG_STR) {
		host->fail(r, "songId must be text.");
		return;
	}
	if (strcmp(req->action, "store") == 0) {
		host->song_save(r, id->u.s, song != NULL && song->type == CG_MAP ? *song : cg_nil());
		host->say(r, "Stored.");
		return;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		host->fail(r, "Out of memory.");
		return;
	}
	snprintf(f->item, sizeof f->item, "%s", req->item->id);
	snprintf(f->player, sizeof f->player, "%s", req->actor_id != NULL ? req->actor_id : "");
	snprintf(f->song_id, sizeof f->song_id, "%s", id->u.s);
	if (host->song_load(id->u.s, fetched, f) != 0) {
		free(f);
		host->fail(r, "Cannot load.");
		return;
	}
	host->say(r, "Fetching.");
}

static void
t_removed(const struct cg_request *req, struct cg_reply *r)
{
	struct cg_pair p[1];
	struct cg_value fields;
	struct cg_reply *e;
	int i;

	(void)r;
	for (i = 0; i < MAX_KNOWN; i++)
		if (strcmp(known[i], req->item->id) == 0)
			known[i][0] = '\0';
	for (i = 0; i < MAX_KNOWN; i++)
		if (known[i][0] != '\0') {
			p[0] = pair("removedId", cg_str(req->item->id));
			fields = cg_map(p, 1);
			e = host->begin(known[i]);
			host->event(e, "item_ticker_removed", CG_TO_ALL, &fields);
			host->send(e);
			return;
		}
}

static void
t_player_left(const struct cg_request *req, struct cg_reply *r)
{
	struct cg_pair p[1];
	struct cg_value fields;
	struct cg_reply *e;
	int i;

	(void)r;
	for (i = 0; i < MAX_KNOWN; i++)
		if (known[i][0] != '\0') {
			p[0] = pair("playerId", cg_str(req->actor_id != NULL ? req->actor_id : ""));
			fields = cg_map(p, 1);
			e = host->begin(known[i]);
			host->event(e, "item_ticker_left", CG_TO_ALL, &fields);
			host->send(e);
		}
}

static const char *const caps[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "armed", NULL };
static const char *const actions[] = { "store", "fetch", "opts", NULL };
static const struct cg_property props[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80 },
	{ .key = "armed", .value_type = CG_PROP_BOOLEAN, .label = "Armed" },
};
static const struct cg_item_methods methods = { .version = CG_METHODS_VERSION, .validate = t_validate,
	.use = t_use, .tick = t_tick, .action = t_action, .removed = t_removed, .player_left = t_player_left };
static const struct cg_item_type type = {
	.type = "ticker", .order = 950, .encoding_version = 3, .label = "ticker", .tooltip = "A test plugin.",
	.capabilities = caps, .editable = editable, .properties = props, .nproperties = 2,
	.default_title = "ticker", .default_params = "{\"armed\":false,\"ticks\":0}", .tick_ms = 200,
	.actions = actions, .methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&type);
}
