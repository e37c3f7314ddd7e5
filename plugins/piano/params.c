/*
 * params.c: the piano's parameters (reference §6.4): validation with the
 * reference's messages, the instrument defaults an instrument change
 * brings, and the clamped voice a note is played with (§6.9).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../common/coerce.h"
#include "piano.h"

/* An instrument's defaults, applied whenever the instrument changes. */
static const struct instrument {
	const char *name;
	int attack, decay, release, brightness, mono, octave;
} instruments[] = {
	{ "piano", 15, 45, 35, 55, 0, 0 },
	{ "electric_piano", 12, 40, 30, 62, 0, 0 },
	{ "guitar", 8, 35, 25, 50, 0, 0 },
	{ "organ", 25, 70, 45, 48, 0, 0 },
	{ "bass", 2, 24, 18, 34, 1, -1 },
	{ "violin", 22, 75, 55, 58, 1, 0 },
	{ "synth_lead", 6, 30, 22, 72, 0, 0 },
	{ "brass", 10, 45, 30, 60, 1, 0 },
	{ "nintendo", 1, 24, 15, 85, 0, 0 },
	{ "drum_kit", 1, 22, 12, 68, 0, 0 },
};
#define NINSTRUMENTS (sizeof instruments / sizeof instruments[0])

const char *const params_instruments[] = {
	"piano", "electric_piano", "guitar", "organ", "bass", "violin", "synth_lead", "brass", "nintendo",
	"drum_kit", NULL
};

/* Integer parameters: key, default, range, in the order they are checked. */
static const struct int_param {
	const char *key;
	int def, lo, hi;
} int_params[] = {
	{ "octave", 0, -2, 2 },
	{ "attack", 15, 0, 100 },
	{ "decay", 45, 0, 100 },
	{ "release", 35, 0, 100 },
	{ "brightness", 55, 0, 100 },
	{ "emitRange", 15, 5, 20 },
};
#define NINT_PARAMS (sizeof int_params / sizeof int_params[0])

/*
 * Python's str(v).strip().lower() into out; "" for arrays, maps and text
 * too long to be any of the names compared against.
 */
static char *
lower_text(const struct cg_value *v, char *out, size_t outlen)
{
	char raw[256];

	out[0] = '\0';
	if (v == NULL || (v->type == CG_STR && v->len >= sizeof raw) || co_str(v, raw, sizeof raw) == NULL)
		return out;
	return co_lower(co_strip(raw, strlen(raw), out, outlen));
}

static const struct instrument *
find_instrument(const char *name)
{
	size_t i;

	for (i = 0; i < NINSTRUMENTS; i++)
		if (strcmp(instruments[i].name, name) == 0)
			return &instruments[i];
	return NULL;
}

static int
check_int(const struct cg_request *req, struct cg_reply *r, const struct int_param *p, int *out)
{
	const struct cg_value *v = cg_map_get(req->args, p->key);
	struct cg_value d = cg_int(p->def);
	int64_t n;

	if (co_int(v != NULL ? v : &d, &n) != 0) {
		piano_host->fail(r, "%s must be an integer between %d and %d.", p->key, p->lo, p->hi);
		return -1;
	}
	if (n < p->lo || n > p->hi) {
		piano_host->fail(r, "%s must be between %d and %d.", p->key, p->lo, p->hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int
params_validate(const struct cg_request *req, struct cg_reply *r, int *octave)
{
	const struct instrument *ins, *d;
	const struct cg_value *v;
	struct cg_value piano = cg_str("piano"), poly = cg_str("poly");
	char name[64], mode[64], prev[64], song[256];
	int n[NINT_PARAMS];
	size_t i;

	v = cg_map_get(req->args, "instrument");
	if ((ins = find_instrument(lower_text(v != NULL ? v : &piano, name, sizeof name))) == NULL) {
		piano_host->fail(r, "instrument must be one of: piano, electric_piano, guitar, organ, bass, "
		    "violin, synth_lead, brass, nintendo, drum_kit.");
		return -1;
	}
	v = cg_map_get(req->args, "voiceMode");
	lower_text(v != NULL ? v : &poly, mode, sizeof mode);
	if (strcmp(mode, "poly") != 0 && strcmp(mode, "mono") != 0) {
		piano_host->fail(r, "voiceMode must be one of: poly, mono.");
		return -1;
	}
	for (i = 0; i < NINT_PARAMS; i++)
		if (check_int(req, r, &int_params[i], &n[i]) != 0)
			return -1;
	/* A new instrument brings its own envelope, voice mode and octave. */
	v = cg_map_get(req->item->params, "instrument");
	if (strcmp(lower_text(v != NULL ? v : &piano, prev, sizeof prev), ins->name) != 0) {
		d = ins;
		snprintf(mode, sizeof mode, "%s", d->mono ? "mono" : "poly");
		n[0] = d->octave;
		n[1] = d->attack;
		n[2] = d->decay;
		n[3] = d->release;
		n[4] = d->brightness;
	}
	piano_host->set_param(r, "instrument", cg_str(ins->name));
	piano_host->set_param(r, "voiceMode", cg_str(mode));
	for (i = 0; i < NINT_PARAMS; i++)
		piano_host->set_param(r, int_params[i].key, cg_int(n[i]));
	/* Server-managed: only a saved recording changes it (never through here). */
	if (params_song_id(req->item->params, song, sizeof song)[0] == '\0')
		snprintf(song, sizeof song, "%s", PIANO_DEFAULT_SONG);
	piano_host->set_param(r, "songId", cg_str(song));
	*octave = n[0];
	return 0;
}

/* An integer field clamped to [lo, hi], or def if it is not one. */
static int
clamped(const struct cg_value *v, int def, int lo, int hi)
{
	int64_t n;

	if (v == NULL || co_int(v, &n) != 0)
		return def;
	return n < lo ? lo : n > hi ? hi : (int)n;
}

/* The voice from its fields (any may be NULL: the default). */
static void
voice_of(struct voice *vo, const struct cg_value *instrument, const struct cg_value *mode,
    const struct cg_value *octave, const struct cg_value *const env[5])
{
	char buf[64];

	lower_text(instrument, buf, sizeof buf);
	/* Not re-validated (as the reference), but kept short. */
	if (buf[0] == '\0' || strlen(buf) >= sizeof vo->instrument)
		snprintf(buf, sizeof buf, "piano");
	snprintf(vo->instrument, sizeof vo->instrument, "%s", buf);
	vo->mono = strcmp(lower_text(mode, buf, sizeof buf), "mono") == 0;
	vo->octave = clamped(octave, 0, -2, 2);
	vo->attack = clamped(env[0], 15, 0, 100);
	vo->decay = clamped(env[1], 45, 0, 100);
	vo->release = clamped(env[2], 35, 0, 100);
	vo->brightness = clamped(env[3], 55, 0, 100);
	vo->emit_range = clamped(env[4], 15, 5, 20);
}

void
params_voice(const struct cg_value *map, struct voice *vo)
{
	const struct cg_value *env[5];

	env[0] = cg_map_get(map, "attack");
	env[1] = cg_map_get(map, "decay");
	env[2] = cg_map_get(map, "release");
	env[3] = cg_map_get(map, "brightness");
	env[4] = cg_map_get(map, "emitRange");
	voice_of(vo, cg_map_get(map, "instrument"), cg_map_get(map, "voiceMode"), cg_map_get(map, "octave"), env);
}

int
params_state_voice(const struct cg_value *s, struct voice *vo)
{
	const struct cg_value *env[5];
	int i;

	if (s == NULL || s->type != CG_ARRAY || s->len < 7)
		return -1;
	for (i = 0; i < 5; i++)
		env[i] = &s->u.items[2 + i];
	voice_of(vo, &s->u.items[0], &s->u.items[1], NULL, env);
	return 0;
}

int
params_same_state(const struct voice *a, const struct voice *b)
{
	return strcmp(a->instrument, b->instrument) == 0 && a->mono == b->mono && a->attack == b->attack &&
	    a->decay == b->decay && a->release == b->release && a->brightness == b->brightness &&
	    a->emit_range == b->emit_range;
}

char *
params_key(const char *s, char out[PIANO_KEY_BYTES])
{
	size_t i = 0, chars = 0;

	/* Python's s[:32]: whole characters (32 of them fit the buffer). */
	while (s[i] != '\0' && i < PIANO_KEY_BYTES - 1) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == PIANO_KEY_CHARS)
			break;
		i++;
	}
	memcpy(out, s, i);
	out[i] = '\0';
	return out;
}

int
params_blank(const char *s)
{
	char buf[PIANO_KEY_BYTES];

	return co_strip(s, strlen(s), buf, sizeof buf)[0] == '\0';
}

char *
params_song_id(const struct cg_value *params, char *out, size_t outlen)
{
	const struct cg_value *v = cg_map_get(params, "songId");

	out[0] = '\0';
	if (v != NULL && v->type == CG_STR && v->len < outlen)
		co_strip(v->u.s, v->len, out, outlen);
	return out;
}
