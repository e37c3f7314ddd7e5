/*
 * itemhost-api.c: what a plugin can call in chatgrid-itemhost (struct
 * cg_host): logging, options, registering item types, building replies and
 * effects, timers and randomness; and the frames these become, including
 * the item type descriptors sent to the core.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "clock.h"
#include "itemhost.h"

const struct cg_plugin_magic *itemhost_magic;
const struct cg_item_type *itemhost_types[ITEMHOST_MAX_TYPES];
int itemhost_ntypes;
int itemhost_in_init;
struct cg_value *itemhost_options;
struct ipc_arena *itemhost_options_arena;
struct itemhost_timer itemhost_timers[ITEMHOST_MAX_TIMERS];
int itemhost_ntimers;
static int next_timer_id = 1;

/* Song loads waiting for the core's answer. */
#define MAX_SONG_LOADS 256
static struct song_load {
	uint32_t id;
	void (*fn)(void *, const struct cg_value *);
	void *arg;
} song_loads[MAX_SONG_LOADS];
static int nsong_loads;
static uint32_t next_song_load = 1;

/* ---- writing frames ---- */

static void
write_all(const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(IPC_HOST_FD, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(0);	/* the core is gone */
		p += w;
		n -= (size_t)w;
	}
}

void
itemhost_send_frame(enum ipc_type type, uint32_t id, msgpack_sbuffer *body)
{
	uint8_t *f;
	size_t len;

	if (body->size > IPC_MAX_BODY) {
		/* Never send what the core must refuse: say so instead. */
		msgpack_sbuffer_clear(body);
		msgpack_packer pk;

		msgpack_packer_init(&pk, body, msgpack_sbuffer_write);
		if (type == IPC_REPLY) {
			msgpack_pack_map(&pk, 2);
			ipc_pack_str(&pk, "ok");
			msgpack_pack_false(&pk);
			ipc_pack_kv_str(&pk, "message", "The item's answer was too large.");
		} else {
			msgpack_pack_map(&pk, 2);
			ipc_pack_kv_int(&pk, "level", CG_LOG_ERROR);
			ipc_pack_kv_str(&pk, "message", "a frame over the size limit was dropped");
			type = IPC_LOG;
			id = 0;
		}
	}
	f = ipc_frame(type, id, body, &len);
	write_all(f, len);
	free(f);
}

static void host_vlog(int, const char *, va_list) CG_PRINTF(2, 0);

static void
host_vlog(int level, const char *fmt, va_list ap)
{
	char buf[2048];
	msgpack_sbuffer sb;
	msgpack_packer pk;

	vsnprintf(buf, sizeof buf, fmt, ap);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	ipc_pack_kv_int(&pk, "level", level);
	ipc_pack_kv_str(&pk, "message", buf);
	itemhost_send_frame(IPC_LOG, 0, &sb);
	msgpack_sbuffer_destroy(&sb);
}


void
itemhost_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vlog(level, fmt, ap);
	va_end(ap);
}


/* Tell the core why the plugin cannot run, and exit 3. */
void
itemhost_fatal(const char *fmt, ...)
{
	char buf[1024];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	ipc_pack_kv_str(&pk, "message", buf);
	itemhost_send_frame(IPC_FATAL, 0, &sb);
	msgpack_sbuffer_destroy(&sb);
	_exit(3);
}

/* ---- the host's functions for the plugin ---- */

static const char *
host_option(const char *key)
{
	return ipc_get_str(itemhost_options, key);
}

static int
valid_type_id(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n >= 1 && n <= 32;
}

static int
host_register_type(const struct cg_item_type *t)
{
	const struct cg_item_methods *m;
	uint32_t i;
	int j;

	if (!itemhost_in_init) {
		itemhost_log(CG_LOG_ERROR, "register_type called outside cg_plugin_init");
		return -1;
	}
	if (t == NULL || !valid_type_id(t->type)) {
		itemhost_log(CG_LOG_ERROR, "item type id must be 1-32 characters of a-z, 0-9 and _");
		return -1;
	}
	for (j = 0; j < itemhost_ntypes; j++)
		if (strcmp(itemhost_types[j]->type, t->type) == 0) {
			itemhost_log(CG_LOG_ERROR, "item type %s registered twice", t->type);
			return -1;
		}
	if (itemhost_ntypes == ITEMHOST_MAX_TYPES) {
		itemhost_log(CG_LOG_ERROR, "more than %d item types", ITEMHOST_MAX_TYPES);
		return -1;
	}
	if (t->label == NULL || t->label[0] == '\0' || t->default_title == NULL || t->default_title[0] == '\0') {
		itemhost_log(CG_LOG_ERROR, "item type %s needs a label and a default title", t->type);
		return -1;
	}
	m = t->methods;
	if (m == NULL || m->version < CG_METHODS_V1 || m->validate == NULL) {
		itemhost_log(CG_LOG_ERROR, "item type %s needs methods (version >= 1) with validate", t->type);
		return -1;
	}
	if (t->nproperties > 0 && t->properties == NULL) {
		itemhost_log(CG_LOG_ERROR, "item type %s: nproperties without properties", t->type);
		return -1;
	}
	/* The host's own request names cannot be a type's actions. */
	for (i = 0; t->actions != NULL && t->actions[i] != NULL; i++) {
		static const char *const reserved[] = { "validate_update", "use", "secondary_use", "tick", "removed",
			"player_left", NULL };

		for (j = 0; reserved[j] != NULL; j++)
			if (strcmp(t->actions[i], reserved[j]) == 0) {
				itemhost_log(CG_LOG_ERROR, "item type %s: action name %s is reserved", t->type,
				    reserved[j]);
				return -1;
			}
	}
	for (i = 0; i < t->nproperties; i++)
		if (t->properties[i].key == NULL || t->properties[i].value_type < CG_PROP_TEXT ||
		    t->properties[i].value_type > CG_PROP_SOUND) {
			itemhost_log(CG_LOG_ERROR, "item type %s: property %u lacks a key or has a bad value type",
			    t->type, i);
			return -1;
		}
	if (t->tick_ms != 0 && t->tick_ms < 100) {
		itemhost_log(CG_LOG_ERROR, "item type %s: tick_ms below 100", t->type);
		return -1;
	}
	itemhost_types[itemhost_ntypes++] = t;
	return 0;
}

static char *vfmt(struct ipc_arena *, const char *, va_list) CG_PRINTF(2, 0);

static char *
vfmt(struct ipc_arena *a, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	return ipc_arena_strndup(a, buf, (size_t)n);
}

struct cg_reply *
itemhost_reply_new(void)
{
	struct cg_reply *r = calloc(1, sizeof *r);

	if (r == NULL)
		abort();
	r->a = ipc_arena_new();
	msgpack_sbuffer_init(&r->effects);
	msgpack_packer_init(&r->epk, &r->effects, msgpack_sbuffer_write);
	return r;
}

void
itemhost_reply_free(struct cg_reply *r)
{
	msgpack_sbuffer_destroy(&r->effects);
	ipc_arena_free(r->a);
	free(r);
}

static void host_say(struct cg_reply *, const char *, ...) CG_PRINTF(2, 3);
static void host_say_others(struct cg_reply *, const char *, ...) CG_PRINTF(2, 3);

void
itemhost_fail(struct cg_reply *r, const char *fmt, ...)
{
	va_list ap;

	if (r == NULL || r->failed)
		return;
	va_start(ap, fmt);
	r->fail_message = vfmt(r->a, fmt, ap);
	va_end(ap);
	r->failed = 1;
}

static void
host_say(struct cg_reply *r, const char *fmt, ...)
{
	va_list ap;

	if (r == NULL)
		return;
	va_start(ap, fmt);
	r->message = vfmt(r->a, fmt, ap);
	va_end(ap);
}

static void
effect_begin(struct cg_reply *r, const char *kind, int nfields)
{
	msgpack_pack_map(&r->epk, (size_t)nfields + 1);
	ipc_pack_kv_str(&r->epk, "kind", kind);
	r->neffects++;
}

static void
host_say_others(struct cg_reply *r, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	if (r == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	effect_begin(r, "others", 1);
	ipc_pack_kv_str(&r->epk, "text", buf);
}

void
itemhost_set_param(struct cg_reply *r, const char *key, struct cg_value v)
{
	uint32_t i;
	size_t klen;

	if (r == NULL || key == NULL)
		return;
	r->params_set = 1;
	klen = strlen(key);
	for (i = 0; i < r->nparams; i++)
		if (r->params[i].key_len == klen && memcmp(r->params[i].key, key, klen) == 0) {
			r->params[i].value = ipc_value_copy(r->a, &v);
			return;
		}
	if (r->nparams == r->capparams) {
		uint32_t cap = r->capparams ? r->capparams * 2 : 16;
		struct cg_pair *np = ipc_arena_alloc(r->a, cap * sizeof *np);

		if (r->nparams > 0)
			memcpy(np, r->params, r->nparams * sizeof *np);
		r->params = np;
		r->capparams = cap;
	}
	r->params[r->nparams].key = ipc_arena_strndup(r->a, key, klen);
	r->params[r->nparams].key_len = (uint32_t)klen;
	r->params[r->nparams].value = ipc_value_copy(r->a, &v);
	r->nparams++;
}

static void
host_sound(struct cg_reply *r, const char *sound)
{
	if (r == NULL || sound == NULL)
		return;
	effect_begin(r, "sound", 1);
	ipc_pack_kv_str(&r->epk, "sound", sound);
}

static void
host_later(struct cg_reply *r, uint32_t delay_ms, const char *self_text, const char *others_text)
{
	if (r == NULL)
		return;
	effect_begin(r, "later", 3);
	ipc_pack_kv_int(&r->epk, "delayMs", delay_ms);
	ipc_pack_kv_str(&r->epk, "self", self_text);
	ipc_pack_kv_str(&r->epk, "others", others_text);
}

static void
host_event(struct cg_reply *r, const char *type, int to, const struct cg_value *fields)
{
	if (r == NULL || type == NULL)
		return;
	effect_begin(r, "event", 3);
	ipc_pack_kv_str(&r->epk, "event", type);
	ipc_pack_kv_int(&r->epk, "to", to);
	ipc_pack_str(&r->epk, "fields");
	if (fields != NULL && fields->type == CG_MAP)
		ipc_pack_value(&r->epk, fields);
	else
		msgpack_pack_map(&r->epk, 0);
}

/* An event for one player (the core drops it if that player is gone). */
static void
host_event_to(struct cg_reply *r, const char *player_id, const char *type, const struct cg_value *fields)
{
	if (r == NULL || type == NULL || player_id == NULL)
		return;
	effect_begin(r, "event", 4);
	ipc_pack_kv_str(&r->epk, "event", type);
	ipc_pack_kv_int(&r->epk, "to", IPC_TO_PLAYER);
	ipc_pack_kv_str(&r->epk, "player", player_id);
	ipc_pack_str(&r->epk, "fields");
	if (fields != NULL && fields->type == CG_MAP)
		ipc_pack_value(&r->epk, fields);
	else
		msgpack_pack_map(&r->epk, 0);
}

static void
host_song_save(struct cg_reply *r, const char *song_id, struct cg_value song)
{
	if (r == NULL || song_id == NULL)
		return;
	effect_begin(r, "song", 2);
	ipc_pack_kv_str(&r->epk, "songId", song_id);
	ipc_pack_str(&r->epk, "song");
	if (song.type == CG_MAP)
		ipc_pack_value(&r->epk, &song);
	else
		msgpack_pack_nil(&r->epk);
}

static int
host_song_load(const char *song_id, void (*fn)(void *, const struct cg_value *), void *arg)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint32_t id;

	if (song_id == NULL || fn == NULL || nsong_loads == MAX_SONG_LOADS)
		return -1;
	id = next_song_load++;
	if (next_song_load == 0)
		next_song_load = 1;
	song_loads[nsong_loads].id = id;
	song_loads[nsong_loads].fn = fn;
	song_loads[nsong_loads].arg = arg;
	nsong_loads++;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	ipc_pack_kv_str(&pk, "songId", song_id);
	itemhost_send_frame(IPC_SONG_LOAD, id, &sb);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}

void
itemhost_song_result(uint32_t id, const struct cg_value *song)
{
	struct song_load l;
	int i;

	for (i = 0; i < nsong_loads; i++)
		if (song_loads[i].id == id)
			break;
	if (i == nsong_loads) {
		itemhost_log(CG_LOG_WARN, "the core answered song load %u, which nobody asked for", id);
		return;
	}
	l = song_loads[i];
	song_loads[i] = song_loads[--nsong_loads];
	l.fn(l.arg, song != NULL && song->type == CG_MAP ? song : NULL);
}

static struct cg_reply *
host_begin(const char *item_id)
{
	struct cg_reply *r;

	if (item_id == NULL)
		return NULL;
	r = itemhost_reply_new();
	r->item_id = ipc_arena_strndup(r->a, item_id, strlen(item_id));
	return r;
}

/* The reply's body: a reply map, or (with an item id) an event map. */
void
itemhost_pack_reply(struct cg_reply *r, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	struct cg_value pv;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (r->failed) {
		msgpack_pack_map(&pk, 2);
		ipc_pack_str(&pk, "ok");
		msgpack_pack_false(&pk);
		ipc_pack_kv_str(&pk, "message", r->fail_message);
		return;
	}
	msgpack_pack_map(&pk, 2 + (r->params_set ? 1 : 0) + 1);
	if (r->item_id != NULL)
		ipc_pack_kv_str(&pk, "itemId", r->item_id);
	else {
		ipc_pack_str(&pk, "ok");
		msgpack_pack_true(&pk);
	}
	ipc_pack_kv_str(&pk, "message", r->message != NULL ? r->message : "");
	if (r->params_set) {
		ipc_pack_str(&pk, "params");
		pv = cg_map(r->params, r->nparams);
		ipc_pack_value(&pk, &pv);
	}
	ipc_pack_str(&pk, "effects");
	msgpack_pack_array(&pk, r->neffects);
	msgpack_sbuffer_write(sb, r->effects.data, r->effects.size);
}

static void
host_send(struct cg_reply *r)
{
	msgpack_sbuffer sb;

	if (r == NULL)
		return;
	if (r->item_id == NULL) {
		itemhost_log(CG_LOG_ERROR, "send() of a reply that did not come from begin()");
		return;
	}
	if (!r->failed) {
		msgpack_sbuffer_init(&sb);
		itemhost_pack_reply(r, &sb);
		itemhost_send_frame(IPC_EVENT, 0, &sb);
		msgpack_sbuffer_destroy(&sb);
	}
	itemhost_reply_free(r);
}

static int
host_timer_add(uint32_t ms, void (*fn)(void *), void *arg)
{
	if (fn == NULL || itemhost_ntimers == ITEMHOST_MAX_TIMERS)
		return -1;
	itemhost_timers[itemhost_ntimers].id = next_timer_id++;
	if (next_timer_id <= 0)
		next_timer_id = 1;
	itemhost_timers[itemhost_ntimers].due = clock_mono_ms() + ms;
	itemhost_timers[itemhost_ntimers].fn = fn;
	itemhost_timers[itemhost_ntimers].arg = arg;
	return itemhost_timers[itemhost_ntimers++].id;
}

static void
host_timer_cancel(int id)
{
	int i;

	for (i = 0; i < itemhost_ntimers; i++)
		if (itemhost_timers[i].id == id) {
			itemhost_timers[i] = itemhost_timers[--itemhost_ntimers];
			return;
		}
}

static uint32_t
host_random(uint32_t bound)
{
	uint32_t r, lim;

	if (bound <= 1)
		return 0;
	/* Rejection sampling: no modulo bias. */
	lim = UINT32_MAX - UINT32_MAX % bound;
	do {
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			abort();
	} while (r >= lim);
	return r % bound;
}

const struct cg_host itemhost_api = {
	sizeof(struct cg_host),
	CG_ABI_MINOR,
	itemhost_log,
	host_option,
	host_register_type,
	itemhost_fail,
	host_say,
	host_say_others,
	itemhost_set_param,
	host_sound,
	host_later,
	host_event,
	host_begin,
	host_send,
	host_timer_add,
	host_timer_cancel,
	host_random,
	host_song_save,
	host_song_load,
	clock_wall_ms,
	host_event_to,
};

static void
pack_strv(msgpack_packer *pk, const char *const *v)
{
	size_t n = 0, i;

	while (v != NULL && v[n] != NULL)
		n++;
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		ipc_pack_str(pk, v[i]);
}

static void
pack_property(msgpack_packer *pk, const struct cg_property *p)
{
	static const char *const vt[] = { "text", "number", "boolean", "list", "sound" };
	int n = 2;

	n += p->max_length > 0;
	n += p->label != NULL;
	n += p->tooltip != NULL;
	n += p->has_range != 0;
	n += p->options != NULL;
	n += p->visible_when != NULL;
	msgpack_pack_map(pk, (size_t)n);
	ipc_pack_kv_str(pk, "key", p->key);
	ipc_pack_kv_str(pk, "valueType", vt[p->value_type]);
	if (p->max_length > 0)
		ipc_pack_kv_int(pk, "maxLength", p->max_length);
	if (p->label != NULL)
		ipc_pack_kv_str(pk, "label", p->label);
	if (p->tooltip != NULL)
		ipc_pack_kv_str(pk, "tooltip", p->tooltip);
	if (p->has_range) {
		ipc_pack_str(pk, "range");
		msgpack_pack_map(pk, 3);
		ipc_pack_str(pk, "min");
		msgpack_pack_double(pk, p->min);
		ipc_pack_str(pk, "max");
		msgpack_pack_double(pk, p->max);
		ipc_pack_str(pk, "step");
		msgpack_pack_double(pk, p->step);
	}
	if (p->options != NULL) {
		ipc_pack_str(pk, "options");
		pack_strv(pk, p->options);
	}
	if (p->visible_when != NULL)
		ipc_pack_kv_str(pk, "visibleWhen", p->visible_when);
}

static void
pack_type(msgpack_packer *pk, const struct cg_item_type *t)
{
	const struct cg_item_methods *m = t->methods;
	uint32_t i;

	msgpack_pack_map(pk, 25);
	ipc_pack_kv_str(pk, "type", t->type);
	ipc_pack_kv_int(pk, "order", t->order);
	ipc_pack_kv_int(pk, "encodingVersion", t->encoding_version ? t->encoding_version : 1);
	ipc_pack_kv_str(pk, "label", t->label);
	ipc_pack_kv_str(pk, "tooltip", t->tooltip != NULL ? t->tooltip : "");
	ipc_pack_str(pk, "capabilities");
	pack_strv(pk, t->capabilities);
	ipc_pack_str(pk, "editable");
	pack_strv(pk, t->editable);
	ipc_pack_str(pk, "properties");
	msgpack_pack_array(pk, t->nproperties);
	for (i = 0; i < t->nproperties; i++)
		pack_property(pk, &t->properties[i]);
	ipc_pack_kv_int(pk, "useCooldownMs", t->use_cooldown_ms);
	ipc_pack_kv_str(pk, "useSound", t->use_sound);
	ipc_pack_kv_str(pk, "emitSound", t->emit_sound);
	ipc_pack_kv_int(pk, "emitRange", t->emit_range);
	ipc_pack_str(pk, "directional");
	if (t->directional)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	ipc_pack_str(pk, "emitSoundSpeed");
	msgpack_pack_double(pk, t->emit_sound_speed > 0 ? t->emit_sound_speed : 50);
	ipc_pack_str(pk, "emitSoundTempo");
	msgpack_pack_double(pk, t->emit_sound_tempo > 0 ? t->emit_sound_tempo : 50);
	ipc_pack_str(pk, "emitInitialDelay");
	msgpack_pack_double(pk, t->emit_initial_delay);
	ipc_pack_str(pk, "emitLoopDelay");
	msgpack_pack_double(pk, t->emit_loop_delay);
	ipc_pack_kv_str(pk, "defaultTitle", t->default_title);
	ipc_pack_kv_str(pk, "defaultParams", t->default_params != NULL ? t->default_params : "{}");
	ipc_pack_kv_int(pk, "tickMs", t->tick_ms);
	ipc_pack_str(pk, "actions");
	pack_strv(pk, t->actions);
	ipc_pack_str(pk, "secondaryUse");
	if (m->secondary_use != NULL)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	ipc_pack_str(pk, "use");
	if (m->use != NULL)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	/* Methods of version 2 are read only from a table that has them. */
	ipc_pack_str(pk, "removed");
	if (m->version >= CG_METHODS_V2 && m->removed != NULL)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	ipc_pack_str(pk, "playerLeft");
	if (m->version >= CG_METHODS_V2 && m->player_left != NULL)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void
itemhost_send_types(uint32_t id)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	ipc_pack_kv_str(&pk, "name", itemhost_magic->name != NULL ? itemhost_magic->name : "");
	ipc_pack_kv_str(&pk, "version", itemhost_magic->version != NULL ? itemhost_magic->version : "");
	ipc_pack_str(&pk, "types");
	msgpack_pack_array(&pk, (size_t)itemhost_ntypes);
	for (i = 0; i < itemhost_ntypes; i++)
		pack_type(&pk, itemhost_types[i]);
	itemhost_send_frame(IPC_TYPES, id, &sb);
	msgpack_sbuffer_destroy(&sb);
}
