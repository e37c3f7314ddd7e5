/*
 * counter.c: an example chatgrid item plugin, built out of tree against the
 * installed <chatgrid/plugin.h> (see the Makefile and chatgrid-plugin(3)).
 *
 * A counter counts up by its step when used; its secondary use tells where
 * it stands; its own "reset" action (sent by clients as item_action) sets it
 * back to zero. Like every plugin it keeps no item state: the core hands it
 * the item with each request and stores what it answers.
 */
#include <stdint.h>

#include <chatgrid/plugin.h>

/* The compatibility block the host checks before calling anything here. */
CG_PLUGIN_DECLARE("counter", "1.0");

static const struct cg_host *host;

/* An integer parameter, accepting numbers and integer-looking text. */
static int
get_int(const struct cg_value *map, const char *key, int64_t def, int64_t *out)
{
	const struct cg_value *v = cg_map_get(map, key);
	int64_t n = 0, sign = 1;
	const char *s;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (v->type == CG_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v->type != CG_STR || v->len == 0)
		return -1;
	s = v->u.s;
	if (*s == '-') {
		sign = -1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*out = sign * n;
	return 0;
}

/* validate_update: req->args holds the proposed parameters; set the ones to keep. */
static void
counter_validate(const struct cg_request *req, struct cg_reply *r)
{
	int64_t count, step;

	if (get_int(req->args, "count", 0, &count) != 0 || count < 0) {
		host->fail(r, "count must be a whole number, 0 or more.");
		return;
	}
	if (get_int(req->args, "step", 1, &step) != 0 || step < 1 || step > 100) {
		host->fail(r, "step must be an integer between 1 and 100.");
		return;
	}
	host->set_param(r, "count", cg_int(count));
	host->set_param(r, "step", cg_int(step));
}

static void
counter_use(const struct cg_request *req, struct cg_reply *r)
{
	int64_t count = 0, step = 1;

	get_int(req->item->params, "count", 0, &count);
	get_int(req->item->params, "step", 1, &step);
	count += step;
	/* Parameters set here go through counter_validate before they are stored. */
	host->set_param(r, "count", cg_int(count));
	host->say(r, "You count %s: %lld.", req->item->title, (long long)count);
	host->say_others(r, "%s counts %s: %lld.", req->actor->nickname, req->item->title, (long long)count);
}

static void
counter_secondary(const struct cg_request *req, struct cg_reply *r)
{
	int64_t count = 0;

	get_int(req->item->params, "count", 0, &count);
	host->say(r, "%s is at %lld.", req->item->title, (long long)count);
}

/* The type's own actions, by name (declared in the descriptor's actions). */
static void
counter_action(const struct cg_request *req, struct cg_reply *r)
{
	/* "reset" is the only one declared, so the host sends no other. */
	host->set_param(r, "count", cg_int(0));
	host->say(r, "You reset %s.", req->item->title);
	host->say_others(r, "%s resets %s.", req->actor->nickname, req->item->title);
}

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "step", NULL };
static const char *const actions[] = { "reset", NULL };

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title" },
	{ .key = "step", .value_type = CG_PROP_NUMBER, .label = "Step",
	  .tooltip = "How much each use adds.", .has_range = 1, .min = 1, .max = 100, .step = 1 },
	{ .key = "count", .value_type = CG_PROP_NUMBER, .label = "Count",
	  .tooltip = "Where the counter stands." },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = counter_validate,
	.use = counter_use,
	.secondary_use = counter_secondary,
	.action = counter_action,
};

static const struct cg_item_type counter_type = {
	.type = "counter",
	.order = 100,
	.encoding_version = 1,
	.label = "counter",
	.tooltip = "Counts up each time someone uses it.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 500,
	.use_sound = "sounds/action.ogg",
	.default_title = "Counter",
	.default_params = "{\"count\":0,\"step\":1}",
	.actions = actions,
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	host->log(CG_LOG_INFO, "counter plugin starting");
	return host->register_type(&counter_type);
}

void
cg_plugin_cleanup(void)
{
	host->log(CG_LOG_INFO, "counter plugin stopping");
}
