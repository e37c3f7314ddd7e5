/*
 * widget.c: the widget item type (reference §6.3, §6.4): the generic sound
 * emitter. Its emit parameters drive the clients' looping emit audio; using
 * it toggles `enabled` and plays its own useSound, if any.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"
#include "../common/params.h"

CG_PLUGIN_DECLARE("widget", "1");

#define SOUND_MAX 2048

static const struct cg_host *host;

static const char *const effects[] = { "reverb", "echo", "flanger", "high_pass", "low_pass", "off", NULL };

/* A boolean that falls back to def on garbage (no error, as the reference). */
static void
lenient_bool(const struct cg_request *req, struct cg_reply *r, const char *key, int def)
{
	const struct cg_value *v = cg_map_get(req->args, key);
	int b;

	if (v == NULL || co_bool(v, &b) != 0)
		b = def;
	host->set_param(r, key, cg_bool(b));
}

static int
sound_param(const struct cg_request *req, struct cg_reply *r, const char *key)
{
	const struct cg_value *v = cg_map_get(req->args, key);
	char raw[SOUND_MAX * 4 + 64], norm[sizeof raw];

	if (v == NULL || v->type == CG_NIL)
		raw[0] = '\0';
	else if (v->type == CG_STR && v->len >= sizeof raw) {
		host->fail(r, "%s must be %d characters or less.", key, SOUND_MAX);
		return -1;
	} else if (co_str(v, raw, sizeof raw) == NULL) {
		host->fail(r, "%s must be text.", key);
		return -1;
	}
	co_sound_ref(raw, norm, sizeof norm);
	if (co_chars(norm) > SOUND_MAX) {
		host->fail(r, "%s must be %d characters or less.", key, SOUND_MAX);
		return -1;
	}
	host->set_param(r, key, cg_str(norm));
	return 0;
}

static void
widget_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v;
	struct cg_value off = cg_str("off");
	char buf[64];
	int i;

	lenient_bool(req, r, "enabled", 1);
	lenient_bool(req, r, "directional", 0);
	if (co_param_num(host, req, r, "facing", 0, 0, 360, 1, NULL) != 0 ||
	    co_param_int(host, req, r, "emitRange", 15, 1, 20, NULL) != 0 ||
	    co_param_int(host, req, r, "emitVolume", 100, 0, 100, NULL) != 0 ||
	    co_param_num(host, req, r, "emitSoundSpeed", 50, 0, 100, 0, NULL) != 0 ||
	    co_param_num(host, req, r, "emitSoundTempo", 50, 0, 100, 0, NULL) != 0 ||
	    co_param_num(host, req, r, "emitInitialDelay", 0, 0, 300, 0, NULL) != 0 ||
	    co_param_num(host, req, r, "emitLoopDelay", 0, 0, 300, 0, NULL) != 0)
		return;
	v = co_param(req, "emitEffect", &off);
	if (v->type != CG_STR || v->len >= sizeof buf)
		buf[0] = '\0';
	else
		co_lower(co_strip(v->u.s, v->len, buf, sizeof buf));
	for (i = 0; effects[i] != NULL && strcmp(effects[i], buf) != 0; i++)
		;
	if (effects[i] == NULL) {
		host->fail(r, "emitEffect must be one of reverb, echo, flanger, high_pass, low_pass, off.");
		return;
	}
	host->set_param(r, "emitEffect", cg_str(effects[i]));
	if (co_param_num(host, req, r, "emitEffectValue", 50, 0, 100, 0, "emitEffectValue must be a number.") != 0 ||
	    sound_param(req, r, "useSound") != 0 || sound_param(req, r, "emitSound") != 0)
		return;
}

static void
widget_use(const struct cg_request *req, struct cg_reply *r)
{
	co_toggle(host, req, r);
}

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = {
	"title", "enabled", "directional", "facing", "emitRange", "emitVolume", "emitSoundSpeed",
	"emitSoundTempo", "emitInitialDelay", "emitLoopDelay", "emitEffect", "emitEffectValue",
	"useSound", "emitSound", NULL
};

#define NUM(k, l, t, lo, hi, st) { .key = (k), .value_type = CG_PROP_NUMBER, .label = (l), .tooltip = (t), \
	.has_range = 1, .min = (lo), .max = (hi), .step = (st) }

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for this widget." },
	{ .key = "enabled", .value_type = CG_PROP_BOOLEAN, .label = "Enabled",
	  .tooltip = "Whether the widget plays its emit sound." },
	{ .key = "directional", .value_type = CG_PROP_BOOLEAN, .label = "Directional",
	  .tooltip = "Whether the sound is louder in the direction the widget faces." },
	{ .key = "facing", .value_type = CG_PROP_NUMBER, .label = "Facing",
	  .tooltip = "Direction the widget faces, in degrees.", .has_range = 1, .min = 0, .max = 360, .step = 1,
	  .visible_when = "{\"directional\":true}" },
	NUM("emitRange", "Emit range", "How many squares away the sound can be heard.", 1, 20, 1),
	NUM("emitVolume", "Emit volume", "Loudness of the emit sound, in percent.", 0, 100, 1),
	NUM("emitSoundSpeed", "Emit sound speed", "Playback speed of the emit sound; 50 is normal.", 0, 100, 0.1),
	NUM("emitSoundTempo", "Emit sound tempo", "Tempo of the emit sound without changing its pitch; 50 is normal.",
	    0, 100, 0.1),
	NUM("emitInitialDelay", "Emit initial delay", "Seconds before the emit sound first plays.", 0, 300, 0.1),
	NUM("emitLoopDelay", "Emit loop delay", "Seconds of silence between repeats of the emit sound.", 0, 300, 0.1),
	{ .key = "emitEffect", .value_type = CG_PROP_LIST, .label = "Emit effect",
	  .tooltip = "An effect applied to the emit sound.", .options = effects },
	NUM("emitEffectValue", "Emit effect value", "Strength of the emit effect.", 0, 100, 0.1),
	{ .key = "useSound", .value_type = CG_PROP_SOUND, .max_length = SOUND_MAX, .label = "Use sound",
	  .tooltip = "Sound played when someone uses the widget: a file name in sounds/ or a URL." },
	{ .key = "emitSound", .value_type = CG_PROP_SOUND, .max_length = SOUND_MAX, .label = "Emit sound",
	  .tooltip = "Sound the widget plays in a loop: a file name in sounds/ or a URL." },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = widget_validate,
	.use = widget_use,
};

static const struct cg_item_type widget_type = {
	.type = "widget",
	.order = 60,
	.encoding_version = 1,
	.label = "widget",
	.tooltip = "A configurable sound emitter: a looping sound, a sound when used, or both.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 1000,
	.emit_range = 15,
	.default_title = "widget",
	.default_params = "{\"enabled\":true,\"directional\":false,\"facing\":0,\"emitRange\":15,"
	    "\"emitVolume\":100,\"emitSoundSpeed\":50,\"emitSoundTempo\":50,\"emitInitialDelay\":0,"
	    "\"emitLoopDelay\":0,\"emitEffect\":\"off\",\"emitEffectValue\":50,\"useSound\":\"\","
	    "\"emitSound\":\"\"}",
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&widget_type);
}
