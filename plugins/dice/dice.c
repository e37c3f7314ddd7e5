/*
 * dice.c: the dice item type (reference §6.3, §6.4). Rolls `number` dice of
 * `sides` sides; both 1-100.
 */
#include <stdio.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"

CG_PLUGIN_DECLARE("dice", "1");

static const struct cg_host *host;

static void
dice_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *vs = cg_map_get(req->args, "sides");
	const struct cg_value *vn = cg_map_get(req->args, "number");
	struct cg_value d6 = cg_int(6), d2 = cg_int(2);
	int64_t sides, number;

	if (co_int(vs != NULL ? vs : &d6, &sides) != 0 || co_int(vn != NULL ? vn : &d2, &number) != 0) {
		host->fail(r, "Dice values must be numbers.");
		return;
	}
	if (sides < 1 || sides > 100 || number < 1 || number > 100) {
		host->fail(r, "Dice sides and number must be between 1 and 100.");
		return;
	}
	host->set_param(r, "sides", cg_int(sides));
	host->set_param(r, "number", cg_int(number));
}

static int64_t
param_or(const struct cg_value *params, const char *key, int64_t def)
{
	const struct cg_value *v = cg_map_get(params, key);
	int64_t n;

	if (v == NULL || co_int(v, &n) != 0)
		return def;
	return n < 1 ? 1 : n > 100 ? 100 : n;
}

static void
dice_use(const struct cg_request *req, struct cg_reply *r)
{
	int64_t sides = param_or(req->item->params, "sides", 6);
	int64_t number = param_or(req->item->params, "number", 2);
	char rolls[100 * 5 + 1], total[32];
	size_t len = 0;
	int64_t i, v, sum = 0;

	rolls[0] = '\0';
	for (i = 0; i < number; i++) {
		v = 1 + (int64_t)host->random((uint32_t)sides);
		sum += v;
		len += (size_t)snprintf(rolls + len, sizeof rolls - len, "%s%lld", i > 0 ? ", " : "", (long long)v);
	}
	if (number > 1)
		snprintf(total, sizeof total, " (total %lld)", (long long)sum);
	else
		total[0] = '\0';
	host->say(r, "You rolled %s: %s%s.", req->item->title, rolls, total);
	host->say_others(r, "%s rolled %s: %s%s.", req->actor != NULL ? req->actor->nickname : "Someone",
	    req->item->title, rolls, total);
}

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "sides", "number", NULL };

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for these dice." },
	{ .key = "sides", .value_type = CG_PROP_NUMBER, .label = "Sides",
	  .tooltip = "Faces on each die, 1 to 100.", .has_range = 1, .min = 1, .max = 100, .step = 1 },
	{ .key = "number", .value_type = CG_PROP_NUMBER, .label = "Number of dice",
	  .tooltip = "Dice rolled at once, 1 to 100.", .has_range = 1, .min = 1, .max = 100, .step = 1 },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = dice_validate,
	.use = dice_use,
};

static const struct cg_item_type dice_type = {
	.type = "dice",
	.order = 20,
	.encoding_version = 1,
	.label = "dice",
	.tooltip = "Dice anyone nearby can roll; everyone hears the result.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 1000,
	.use_sound = "sounds/roll.ogg",
	.emit_range = 15,
	.default_title = "Dice",
	.default_params = "{\"sides\":6,\"number\":2}",
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&dice_type);
}
