/*
 * plugin-types.c: the item type registry: descriptors as plugins declare
 * them (over IPC_TYPES), turned into struct item_type and into their
 * welcome.uiDefinitions entries (reference §6.11: the shared property
 * metadata overlaid by the type's own, and the global properties); and the
 * conversions between msgpack values and JSON that parameters and effect
 * fields go through.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ipc.h"
#include "log.h"
#include "plugin-types.h"
#include "pluginhost.h"
#include "xmalloc.h"

static struct item_type **types;
static int ntypes;

/* ---- JSON <-> msgpack ---- */

struct json_object *
plugin_json_double(double d)
{
	char buf[64], exp[64];
	const char *e;
	int prec, x;

	if (!isfinite(d))
		return NULL;
	/* The shortest digits that read back as d, written as Python's repr() would. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(exp, sizeof exp, "%.*e", prec - 1, d);
		if (strtod(exp, NULL) == d)
			break;
	}
	snprintf(exp, sizeof exp, "%.*e", prec - 1, d);
	e = strchr(exp, 'e');
	x = e != NULL ? atoi(e + 1) : 0;
	if (x < -4 || x >= 16)
		snprintf(buf, sizeof buf, "%s", exp);
	else
		snprintf(buf, sizeof buf, "%.*f", prec - 1 - x > 1 ? prec - 1 - x : 1, d);
	return json_object_new_double_s(d, buf);
}

struct json_object *
plugin_value_to_json(const struct cg_value *v)
{
	struct json_object *o;
	uint32_t i;

	switch (v->type) {
	case CG_BOOL:
		return json_object_new_boolean((json_bool)v->u.i);
	case CG_INT:
		return json_object_new_int64(v->u.i);
	case CG_FLOAT:
		return plugin_json_double(v->u.f);
	case CG_STR:
		return json_object_new_string_len(v->u.s, (int)v->len);
	case CG_ARRAY:
		o = json_object_new_array();
		for (i = 0; i < v->len; i++)
			json_object_array_add(o, plugin_value_to_json(&v->u.items[i]));
		return o;
	case CG_MAP:
		o = json_object_new_object();
		for (i = 0; i < v->len; i++)
			json_object_object_add(o, v->u.pairs[i].key, plugin_value_to_json(&v->u.pairs[i].value));
		return o;
	}
	return NULL;
}

void
plugin_pack_json(msgpack_packer *pk, struct json_object *o)
{
	size_t i, n;
	const char *s;

	switch (json_object_get_type(o)) {
	case json_type_null:
		msgpack_pack_nil(pk);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case json_type_int:
		msgpack_pack_int64(pk, json_object_get_int64(o));
		break;
	case json_type_double:
		msgpack_pack_double(pk, json_object_get_double(o));
		break;
	case json_type_string:
		s = json_object_get_string(o);
		n = (size_t)json_object_get_string_len(o);
		msgpack_pack_str(pk, n);
		msgpack_pack_str_body(pk, s, n);
		break;
	case json_type_array:
		n = json_object_array_length(o);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++)
			plugin_pack_json(pk, json_object_array_get_idx(o, i));
		break;
	case json_type_object:
		msgpack_pack_map(pk, (size_t)json_object_object_length(o));
		json_object_object_foreach(o, k, v) {
			ipc_pack_str(pk, k);
			plugin_pack_json(pk, v);
		}
		break;
	}
}

/* ---- the registry ---- */

int
plugin_type_count(void)
{
	return ntypes;
}

struct item_type *
plugin_type_at(int i)
{
	return i >= 0 && i < ntypes ? types[i] : NULL;
}

struct item_type *
plugin_type_find(const char *id)
{
	int i;

	for (i = 0; id != NULL && i < ntypes; i++)
		if (strcmp(types[i]->id, id) == 0)
			return types[i];
	return NULL;
}

int
plugin_type_of_host(const struct item_type *t, const struct plugin_host *h)
{
	return t->host == h;
}

static int
cmp_type(const void *a, const void *b)
{
	const struct item_type *x = *(struct item_type *const *)a, *y = *(struct item_type *const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A JSON number, integral values as integers (1, not 1.0). */
static struct json_object *
num_json(double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		return json_object_new_int64((int64_t)d);
	return plugin_json_double(d);
}

/*
 * The shared ("global/system") property metadata of reference §6.11, which
 * a type's own metadata overlays.
 */
static const struct shared_meta {
	const char *key, *type, *label, *tooltip;
	int max_length;
	double min, max, step;	/* step 0: no range */
} shared_meta[] = {
	{ "type", "text", "Type", "The kind of item.", 0, 0, 0, 0 },
	{ "x", "number", "X", "Column of the square the item is on.", 0, 0, 0, 0 },
	{ "y", "number", "Y", "Row of the square the item is on.", 0, 0, 0, 0 },
	{ "carrierId", "text", "Carrier", "Who is carrying the item, if anyone.", 0, 0, 0, 0 },
	{ "version", "number", "Version", "How many times the item has been edited.", 0, 0, 0, 0 },
	{ "createdBy", "text", "Created by", "The user who owns the item.", 0, 0, 0, 0 },
	{ "updatedBy", "text", "Updated by", "Who changed the item last.", 0, 0, 0, 0 },
	{ "createdAt", "text", "Created at", "When the item was placed (UTC).", 0, 0, 0, 0 },
	{ "updatedAt", "text", "Updated at", "When the item last changed (UTC).", 0, 0, 0, 0 },
	{ "capabilities", "text", "Capabilities", "What can be done with this kind of item.", 0, 0, 0, 0 },
	{ "useSound", "sound", NULL, "Sound played when the item is used.", 2048, 0, 0, 0 },
	{ "emitSound", "sound", NULL, "Sound the item plays in a loop.", 2048, 0, 0, 0 },
	{ "useCooldownMs", "number", NULL, "Milliseconds before the item can be used again.", 0, 0, 0, 0 },
	{ "emitRange", "number", NULL, "How many squares away the item can be heard.", 0, 0, 0, 0 },
	{ "directional", "boolean", NULL, "Whether the item's sound has a direction.", 0, 0, 0, 0 },
	{ "emitSoundSpeed", "number", NULL, "Playback speed of the emitted sound; 50 is normal.", 0, 0, 100, 0.1 },
	{ "emitSoundTempo", "number", NULL, "Tempo of the emitted sound; 50 is normal.", 0, 0, 100, 0.1 },
	{ "emitInitialDelay", "number", NULL, "Seconds before the emitted sound first plays.", 0, 0, 300, 0.1 },
	{ "emitLoopDelay", "number", NULL, "Seconds between repeats of the emitted sound.", 0, 0, 300, 0.1 },
};

static void
build_ui(struct item_type *t)
{
	struct json_object *ui = json_object_new_object(), *meta = json_object_new_object(), *m, *r, *g;
	size_t i;

	for (i = 0; i < sizeof shared_meta / sizeof shared_meta[0]; i++) {
		const struct shared_meta *s = &shared_meta[i];

		m = json_object_new_object();
		json_object_object_add(m, "valueType", json_object_new_string(s->type));
		if (s->label != NULL)
			json_object_object_add(m, "label", json_object_new_string(s->label));
		json_object_object_add(m, "tooltip", json_object_new_string(s->tooltip));
		if (s->max_length > 0)
			json_object_object_add(m, "maxLength", json_object_new_int(s->max_length));
		if (s->step > 0) {
			r = json_object_new_object();
			json_object_object_add(r, "min", num_json(s->min));
			json_object_object_add(r, "max", num_json(s->max));
			json_object_object_add(r, "step", num_json(s->step));
			json_object_object_add(m, "range", r);
		}
		json_object_object_add(meta, s->key, m);
	}
	json_object_object_foreach(t->metadata, k, v)
		json_object_object_add(meta, k, json_object_get(v));

	json_object_object_add(ui, "type", json_object_new_string(t->id));
	json_object_object_add(ui, "label", json_object_new_string(t->label));
	json_object_object_add(ui, "tooltip", json_object_new_string(t->tooltip));
	json_object_object_add(ui, "capabilities", json_object_get(t->capabilities));
	json_object_object_add(ui, "editableProperties", json_object_get(t->editable));
	json_object_object_add(ui, "propertyMetadata", meta);
	g = json_object_new_object();
	json_object_object_add(g, "useSound", json_object_new_string(t->use_sound != NULL ? t->use_sound : "none"));
	json_object_object_add(g, "emitSound", json_object_new_string(t->emit_sound != NULL ? t->emit_sound : "none"));
	json_object_object_add(g, "useCooldownMs", json_object_new_int(t->cooldown_ms));
	json_object_object_add(g, "emitRange", json_object_new_int(t->emit_range));
	json_object_object_add(g, "directional", json_object_new_boolean(t->directional));
	json_object_object_add(g, "emitSoundSpeed", num_json(t->emit_speed));
	json_object_object_add(g, "emitSoundTempo", num_json(t->emit_tempo));
	json_object_object_add(g, "emitInitialDelay", num_json(t->emit_initial_delay));
	json_object_object_add(g, "emitLoopDelay", num_json(t->emit_loop_delay));
	json_object_object_add(ui, "globalProperties", g);
	if (t->actions != NULL && json_object_array_length(t->actions) > 0)
		json_object_object_add(ui, "actions", json_object_get(t->actions));
	json_object_put(t->ui);
	t->ui = ui;
}

static struct json_object *
strv_json(const struct cg_value *map, const char *key)
{
	const struct cg_value *a = ipc_get(map, key, CG_ARRAY);
	struct json_object *o = json_object_new_array();
	uint32_t i;

	for (i = 0; a != NULL && i < a->len; i++)
		if (a->u.items[i].type == CG_STR)
			json_object_array_add(o, json_object_new_string(a->u.items[i].u.s));
	return o;
}

static char *
opt_str(const struct cg_value *map, const char *key)
{
	const char *s = ipc_get_str(map, key);

	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

static double
num_or(const struct cg_value *map, const char *key, double def)
{
	double d;

	return ipc_get_num(map, key, &d) == 0 && isfinite(d) ? d : def;
}

static void
type_clear(struct item_type *t)
{
	free(t->label);
	free(t->tooltip);
	free(t->use_sound);
	free(t->emit_sound);
	free(t->default_title);
	json_object_put(t->capabilities);
	json_object_put(t->editable);
	json_object_put(t->metadata);
	json_object_put(t->default_params);
	json_object_put(t->actions);
}

/* Fill t (its id already set) from a descriptor map; -1 with err on nonsense. */
static int
type_fill(struct item_type *t, const struct cg_value *d, char *err, size_t errlen)
{
	const struct cg_value *props = ipc_get(d, "properties", CG_ARRAY), *p;
	struct json_object *meta, *m, *o, *r;
	const char *s, *key;
	int64_t n;
	uint32_t i;

	if ((s = ipc_get_str(d, "defaultParams")) == NULL || (o = json_tokener_parse(s)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "item type %s: default_params is not a JSON object", t->id);
		return -1;
	}
	meta = json_object_new_object();
	for (i = 0; props != NULL && i < props->len; i++) {
		p = &props->u.items[i];
		if ((key = ipc_get_str(p, "key")) == NULL)
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "valueType", json_object_new_string(
		    ipc_get_str(p, "valueType") != NULL ? ipc_get_str(p, "valueType") : "text"));
		if ((s = ipc_get_str(p, "label")) != NULL)
			json_object_object_add(m, "label", json_object_new_string(s));
		if ((s = ipc_get_str(p, "tooltip")) != NULL)
			json_object_object_add(m, "tooltip", json_object_new_string(s));
		if (ipc_get_int(p, "maxLength", &n) == 0 && n > 0)
			json_object_object_add(m, "maxLength", json_object_new_int64(n));
		if (ipc_get(p, "options", CG_ARRAY) != NULL)
			json_object_object_add(m, "options", strv_json(p, "options"));
		if (ipc_get(p, "range", CG_MAP) != NULL) {
			const struct cg_value *rv = ipc_get(p, "range", CG_MAP);

			r = json_object_new_object();
			json_object_object_add(r, "min", num_json(num_or(rv, "min", 0)));
			json_object_object_add(r, "max", num_json(num_or(rv, "max", 0)));
			json_object_object_add(r, "step", num_json(num_or(rv, "step", 1)));
			json_object_object_add(m, "range", r);
		}
		if ((s = ipc_get_str(p, "visibleWhen")) != NULL) {
			r = json_tokener_parse(s);
			if (r == NULL || !json_object_is_type(r, json_type_object)) {
				json_object_put(r);
				json_object_put(m);
				json_object_put(meta);
				json_object_put(o);
				snprintf(err, errlen, "item type %s: visible_when of %s is not a JSON object",
				    t->id, key);
				return -1;
			}
			json_object_object_add(m, "visibleWhen", r);
		}
		json_object_object_add(meta, key, m);
	}
	type_clear(t);
	t->default_params = o;
	t->metadata = meta;
	t->order = ipc_get_int(d, "order", &n) == 0 ? (int)n : 0;
	t->encoding_version = ipc_get_int(d, "encodingVersion", &n) == 0 && n > 0 ? (int)n : 1;
	t->label = xstrdup(ipc_get_str(d, "label") != NULL ? ipc_get_str(d, "label") : t->id);
	t->tooltip = xstrdup(ipc_get_str(d, "tooltip") != NULL ? ipc_get_str(d, "tooltip") : "");
	t->capabilities = strv_json(d, "capabilities");
	t->editable = strv_json(d, "editable");
	t->actions = strv_json(d, "actions");
	t->use_sound = opt_str(d, "useSound");
	t->emit_sound = opt_str(d, "emitSound");
	/* The reference's catalog fallbacks. */
	t->cooldown_ms = ipc_get_int(d, "useCooldownMs", &n) == 0 && n > 0 && n < INT32_MAX ? (int)n : 1000;
	t->emit_range = ipc_get_int(d, "emitRange", &n) == 0 && n > 0 && n < INT32_MAX ? (int)n : 15;
	t->directional = ipc_get_bool(d, "directional", 0);
	t->emit_speed = num_or(d, "emitSoundSpeed", 50);
	t->emit_tempo = num_or(d, "emitSoundTempo", 50);
	t->emit_initial_delay = num_or(d, "emitInitialDelay", 0);
	t->emit_loop_delay = num_or(d, "emitLoopDelay", 0);
	t->default_title = xstrdup(ipc_get_str(d, "defaultTitle") != NULL ? ipc_get_str(d, "defaultTitle") : t->id);
	t->tick_ms = ipc_get_int(d, "tickMs", &n) == 0 && n >= 100 && n < INT32_MAX ? (int)n : 0;
	t->has_use = ipc_get_bool(d, "use", 1);
	t->has_secondary = ipc_get_bool(d, "secondaryUse", 0);
	t->has_removed = ipc_get_bool(d, "removed", 0);
	t->has_player_left = ipc_get_bool(d, "playerLeft", 0);
	build_ui(t);
	return 0;
}

/*
 * Take the types a host declared. A type id another host provides is an
 * error (err set, nothing registered). Types of this host that it no longer
 * declares stay registered, without a host.
 */
int
plugin_types_register(struct plugin_host *h, const struct cg_value *msg, char *err, size_t errlen)
{
	const struct cg_value *list = ipc_get(msg, "types", CG_ARRAY);
	struct item_type *t, *scratch;
	const char *id;
	uint32_t i;
	int j, added = 0;

	if (list == NULL || list->len == 0) {
		snprintf(err, errlen, "no item types declared");
		return -1;
	}
	/* Check everything before changing anything. */
	scratch = xcalloc(1, sizeof *scratch);
	for (i = 0; i < list->len; i++) {
		if ((id = ipc_get_str(&list->u.items[i], "type")) == NULL) {
			snprintf(err, errlen, "an item type without an id");
			goto fail;
		}
		/* The host checks this too; the core does not take its word (ids go into SQL arrays). */
		if (id[0] == '\0' || strlen(id) > 32 || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(id)) {
			snprintf(err, errlen, "item type id \"%.40s\" is not 1-32 of [a-z0-9_]", id);
			goto fail;
		}
		t = plugin_type_find(id);
		if (t != NULL && t->host != h && t->host != NULL) {
			snprintf(err, errlen, "item type %s is already provided by %s", id, plugin_host_file(t->host));
			goto fail;
		}
		scratch->id = (char *)id;
		if (type_fill(scratch, &list->u.items[i], err, errlen) != 0)
			goto fail;
	}
	type_clear(scratch);
	json_object_put(scratch->ui);
	free(scratch);

	for (j = 0; j < ntypes; j++)
		if (types[j]->host == h)
			types[j]->host = NULL;
	for (i = 0; i < list->len; i++) {
		id = ipc_get_str(&list->u.items[i], "type");
		if ((t = plugin_type_find(id)) == NULL) {
			t = xcalloc(1, sizeof *t);
			t->id = xstrdup(id);
			types = xreallocarray(types, (size_t)ntypes + 1, sizeof *types);
			types[ntypes++] = t;
			added = 1;
		}
		type_fill(t, &list->u.items[i], err, errlen);
		t->host = h;
		log_info("plugin %s: item type %s (%s)", plugin_host_file(h), t->id, t->label);
	}
	qsort(types, (size_t)ntypes, sizeof *types, cmp_type);
	(void)added;
	return 0;
fail:
	type_clear(scratch);
	json_object_put(scratch->ui);
	free(scratch);
	return -1;
}
