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
 */
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

CG_PLUGIN_DECLARE("test-ticker", "0");

static const struct cg_host *host;

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
	struct cg_pair f[1];
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
	fields = cg_map(f, 1);
	host->event(r, "item_ticker_tick", CG_TO_ALL, &fields);
}

static const char *const caps[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "armed", NULL };
static const struct cg_property props[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80 },
	{ .key = "armed", .value_type = CG_PROP_BOOLEAN, .label = "Armed" },
};
static const struct cg_item_methods methods = { .version = CG_METHODS_VERSION, .validate = t_validate,
	.use = t_use, .tick = t_tick };
static const struct cg_item_type type = {
	.type = "ticker", .order = 950, .encoding_version = 3, .label = "ticker", .tooltip = "A test plugin.",
	.capabilities = caps, .editable = editable, .properties = props, .nproperties = 2,
	.default_title = "ticker", .default_params = "{\"armed\":false,\"ticks\":0}", .tick_ms = 200,
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&type);
}
