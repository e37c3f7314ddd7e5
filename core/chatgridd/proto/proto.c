/*
 * proto.c: parse one client message, find its table entry, validate its
 * fields generically, ask the gate (authentication, permission), run it.
 * Anything wrong goes back to the sender as {"type":"error"} and counts
 * against the connection's bad-message budget.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "log.h"
#include "net/client.h"
#include "net/upgrade.h"
#include "proto.h"
#include "xmalloc.h"

/* The message families, as the parts registered them (sys first). */
static const struct proto_msg **families;
static size_t nfamilies;

static const struct proto_msg **index_msgs;
static size_t nindex;
static struct json_tokener *tok;
static proto_gate_fn gate;
static proto_open_fn *open_fns;
static int nopen;

static int
cmp_msg(const void *a, const void *b)
{
	return strcmp((*(const struct proto_msg *const *)a)->type,
	    (*(const struct proto_msg *const *)b)->type);
}

/* Sort every registered entry by type for proto_find; a type twice is a bug. */
static void
build_index(void)
{
	const struct proto_msg *m;
	size_t i;

	nindex = 0;
	free(index_msgs);
	index_msgs = NULL;
	for (i = 0; i < nfamilies; i++)
		for (m = families[i]; m->type != NULL; m++) {
			index_msgs = xreallocarray(index_msgs, nindex + 1, sizeof *index_msgs);
			index_msgs[nindex++] = m;
		}
	qsort(index_msgs, nindex, sizeof *index_msgs, cmp_msg);
	for (i = 1; i < nindex; i++)
		if (strcmp(index_msgs[i - 1]->type, index_msgs[i]->type) == 0)
			fatalx("message type %s declared twice", index_msgs[i]->type);
}

void
proto_register(const struct proto_msg *family)
{
	size_t i;

	for (i = 0; i < nfamilies; i++)
		if (families[i] == family)
			return;
	families = xreallocarray(families, nfamilies + 1, sizeof *families);
	families[nfamilies++] = family;
	build_index();
}

void
proto_init(void)
{
	proto_register(proto_sys_msgs);
	build_index();
	if (tok != NULL)
		json_tokener_free(tok);
	tok = json_tokener_new_ex(cfg != NULL ? cfg->json_max_depth : 16);
	if (tok == NULL)
		fatalx("cannot create the JSON tokener");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	client_on_message(proto_message);
	upgrade_on_open(proto_open);
}

void
proto_set_gate(proto_gate_fn fn)
{
	gate = fn;
}

void
proto_on_open(proto_open_fn fn)
{
	open_fns = xreallocarray(open_fns, (size_t)nopen + 1, sizeof *open_fns);
	open_fns[nopen++] = fn;
}

void
proto_open(struct client *c, const struct http_req *r)
{
	int i;

	for (i = 0; i < nopen && c->state == CS_WS; i++)
		open_fns[i](c, r);
}

const struct proto_msg *
proto_find(const char *type)
{
	size_t lo = 0, hi = nindex, mid;
	int d;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		d = strcmp(type, index_msgs[mid]->type);
		if (d == 0)
			return index_msgs[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct proto_msg *
proto_find_type(struct json_object *t, int *has_nul)
{
	const char *type = json_object_get_string(t);

	/* "chat_message\u0000x" must not run as chat_message: C sees only the prefix. */
	*has_nul = (size_t)json_object_get_string_len(t) != strlen(type);
	return *has_nul ? NULL : proto_find(type);
}

static const char *
type_word(enum proto_ftype t)
{
	switch (t) {
	case FT_STRING: return "a string";
	case FT_INT: return "an integer";
	case FT_BOOL: return "a boolean";
	case FT_OBJECT: return "an object";
	case FT_ARRAY: return "an array";
	case FT_ENUM: return "a string";
	case FT_NUMBER: return "a number";
	}
	return "?";
}

/* Integral value of v, accepting ints and integral floats; -1 if neither. */
static int
json_integral(struct json_object *v, long long *out)
{
	double d;

	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
			return -1;
		*out = (long long)d;
		return 0;
	}
	return -1;
}

int
proto_validate(const struct proto_msg *def, struct json_object *msg, char *err, size_t errlen)
{
	const struct proto_field *f;
	struct json_object *v;
	const char *const *e;
	long long n;
	double d;
	size_t len;

	for (f = def->fields; f != NULL && f->name != NULL; f++) {
		if (!json_object_object_get_ex(msg, f->name, &v) || v == NULL) {
			if (f->flags & FF_REQUIRED) {
				snprintf(err, errlen, "%s: field %s is required", def->type, f->name);
				return -1;
			}
			if (json_object_object_get_ex(msg, f->name, NULL) && !(f->flags & FF_NULL)) {
				snprintf(err, errlen, "%s: field %s must not be null", def->type, f->name);
				return -1;
			}
			continue;
		}
		switch (f->type) {
		case FT_STRING:
		case FT_ENUM:
			if (!json_object_is_type(v, json_type_string))
				goto wrong_type;
			/* A NUL inside the string would cut it short in C. */
			if ((size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v))) {
				snprintf(err, errlen, "%s: field %s must not contain NUL characters",
				    def->type, f->name);
				return -1;
			}
			if (f->type == FT_ENUM) {
				for (e = f->values; *e != NULL; e++)
					if (strcmp(*e, json_object_get_string(v)) == 0)
						break;
				if (*e == NULL) {
					snprintf(err, errlen, "%s: field %s has an unknown value", def->type, f->name);
					return -1;
				}
				break;
			}
			len = proto_utf8_len(json_object_get_string(v));
			if ((long long)len < f->min || (f->max > 0 && (long long)len > f->max)) {
				if (f->max > 0)
					snprintf(err, errlen, "%s: field %s must be %lld to %lld characters long",
					    def->type, f->name, f->min, f->max);
				else
					snprintf(err, errlen, "%s: field %s must be at least %lld characters long",
					    def->type, f->name, f->min);
				return -1;
			}
			break;
		case FT_INT:
			if (json_integral(v, &n) != 0)
				goto wrong_type;
			if (n < f->min || n > f->max) {
				snprintf(err, errlen, "%s: field %s must be between %lld and %lld",
				    def->type, f->name, f->min, f->max);
				return -1;
			}
			break;
		case FT_NUMBER:
			if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
				goto wrong_type;
			d = json_object_get_double(v);
			if (!isfinite(d) || d < (double)f->min || d > (double)f->max) {
				snprintf(err, errlen, "%s: field %s must be between %lld and %lld",
				    def->type, f->name, f->min, f->max);
				return -1;
			}
			break;
		case FT_BOOL:
			if (!json_object_is_type(v, json_type_boolean))
				goto wrong_type;
			break;
		case FT_OBJECT:
			if (!json_object_is_type(v, json_type_object))
				goto wrong_type;
			break;
		case FT_ARRAY:
			if (!json_object_is_type(v, json_type_array))
				goto wrong_type;
			if (f->max > 0 && (long long)json_object_array_length(v) > f->max) {
				snprintf(err, errlen, "%s: field %s holds at most %lld entries",
				    def->type, f->name, f->max);
				return -1;
			}
			break;
		}
		continue;
wrong_type:
		snprintf(err, errlen, "%s: field %s must be %s", def->type, f->name, type_word(f->type));
		return -1;
	}
	return 0;
}

void
proto_message(struct client *c, const uint8_t *buf, size_t len)
{
	struct json_object *msg, *t;
	const struct proto_msg *def;
	enum json_tokener_error jerr;
	const char *type;
	char err[256];
	size_t end;
	int nul;

	json_tokener_reset(tok);
	msg = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (msg == NULL && jerr == json_tokener_continue) {
		/* A bare number ends only at a delimiter: give it one. */
		msg = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (msg == NULL && jerr == json_tokener_success) {
		/* The JSON value null: valid JSON, but not a message. */
		client_send_error(c, "bad_message", "Message must be a JSON object with a string \"type\".");
		client_bad_message(c);
		return;
	}
	if (msg == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			jerr = json_tokener_error_parse_eof;
		log_info("%s: bad JSON: %s", c->id, json_tokener_error_desc(jerr));
		client_send_error(c, "bad_json", "Message is not valid JSON: %s.",
		    json_tokener_error_desc(jerr));
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	/* One value per message: only white space may follow it. */
	for (; end < len; end++)
		if (buf[end] != ' ' && buf[end] != '\t' && buf[end] != '\n' && buf[end] != '\r')
			break;
	if (end < len) {
		client_send_error(c, "bad_json", "Message holds trailing data after the JSON value.");
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	if (!json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "type", &t) || !json_object_is_type(t, json_type_string)) {
		client_send_error(c, "bad_message", "Message must be a JSON object with a string \"type\".");
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	type = json_object_get_string(t);
	if ((def = proto_find_type(t, &nul)) == NULL && nul) {
		log_info("%s: message type holds a NUL character", c->id);
		client_send_error(c, "bad_message", "Message type must not contain NUL characters.");
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	if (def == NULL) {
		log_info("%s: unknown message type '%.64s'", c->id, type);
		client_send_error(c, "unknown_type", "Unknown message type '%.64s'.", type);
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	if (proto_validate(def, msg, err, sizeof err) != 0) {
		log_info("%s: %s", c->id, err);
		client_send_error(c, "bad_field", "%s.", err);
		json_object_put(msg);
		client_bad_message(c);
		return;
	}
	log_trace(TRACE_PROTO, "%s: %s", c->id, type);
	if (gate == NULL || gate(c, def, msg) == 0)
		def->handle(c, msg);
	json_object_put(msg);
}

const char *
proto_str(struct json_object *msg, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(msg, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

long long
proto_int(struct json_object *msg, const char *name, long long def)
{
	struct json_object *v;
	long long n;

	if (!json_object_object_get_ex(msg, name, &v) || json_integral(v, &n) != 0)
		return def;
	return n;
}

int
proto_has(struct json_object *msg, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(msg, name, &v) && v != NULL;
}
