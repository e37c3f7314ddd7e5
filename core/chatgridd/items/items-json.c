/*
 * items-json.c: the item views: the item as clients see it (§6.1) with its
 * display (§6.12), where its sounds come from and how far, its use sound,
 * the parameter checks shared by every writer (NUL characters, bytes on
 * the wire), and welcome.uiDefinitions (§6.11).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "items-int.h"
#include "items.h"
#include "net/client.h"
#include "perm.h"
#include "pluginhost/pluginhost.h"
#include "world/world.h"

/* ---- JSON ---- */

/* Strings holding NUL cannot be stored (PostgreSQL's jsonb refuses \u0000). */
int
items_has_nul(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		return (size_t)json_object_get_string_len(o) != strlen(json_object_get_string(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (items_has_nul(json_object_array_get_idx(o, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (items_has_nul(v))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

size_t
items_params_bytes(struct json_object *params)
{
	size_t len = 0;

	json_object_to_json_string_length(params, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return len;
}

void
items_source(const struct item *it, int *x, int *y)
{
	if (it->carrier != NULL) {
		*x = it->carrier->x;
		*y = it->carrier->y;
	} else {
		*x = it->x;
		*y = it->y;
	}
}

int
items_emit_range(const struct item *it)
{
	struct json_object *v;
	double d;

	if (json_object_object_get_ex(it->params, "emitRange", &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
		d = json_object_get_double(v);
		if (isfinite(d) && d >= 1 && d < 1e6)
			return (int)d;
	}
	return it->type != NULL && it->type->emit_range > 0 ? it->type->emit_range : 15;
}

/* Trim ASCII and common white space in place (sound names are plain text). */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r' ||
	    e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

const char *
items_use_sound(const struct item *it, char *out, size_t outlen)
{
	struct json_object *v;
	char buf[4096], *s;

	if (json_object_object_get_ex(it->params, "useSound", &v) && json_object_is_type(v, json_type_string)) {
		/* A string parameter wins, and an empty one means no sound. */
		snprintf(buf, sizeof buf, "%s", json_object_get_string(v));
		s = trim(buf);
	} else if (it->type != NULL && it->type->use_sound != NULL) {
		snprintf(buf, sizeof buf, "%s", it->type->use_sound);
		s = trim(buf);
	} else
		return NULL;
	if (*s == '\0')
		return NULL;
	snprintf(out, outlen, "%s", s);
	return out;
}

static struct json_object *
id_json(int64_t id)
{
	char buf[24];

	if (id == 0)
		return json_object_new_string("system");
	snprintf(buf, sizeof buf, "%lld", (long long)id);
	return json_object_new_string(buf);
}

static struct json_object *
utc_json(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
	return json_object_new_string(buf);
}

/* A sound reference as a short name: the last path segment without ?query or #fragment. */
static struct json_object *
sound_display(const char *s)
{
	char buf[4096], *p, *q;

	if (s == NULL)
		return json_object_new_string("none");
	snprintf(buf, sizeof buf, "%s", s);
	p = trim(buf);
	p[strcspn(p, "?#")] = '\0';
	if ((q = strrchr(p, '/')) != NULL)
		p = q + 1;
	if (*p == '\0' || strcmp(p, "none") == 0)
		return json_object_new_string("none");
	return json_object_new_string(p);
}

static struct json_object *
display_sound(const struct item *it, const char *key, const char *type_default)
{
	struct json_object *v;

	if (json_object_object_get_ex(it->params, key, &v))
		return sound_display(json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL);
	return sound_display(type_default);
}

static struct json_object *
display_json(const struct item *it)
{
	struct json_object *d = json_object_new_object(), *caps;
	char buf[1024];
	size_t i, n, len = 0;

	json_object_object_add(d, "type", json_object_new_string(it->type_id));
	snprintf(buf, sizeof buf, "%d", it->x);
	json_object_object_add(d, "x", json_object_new_string(buf));
	snprintf(buf, sizeof buf, "%d", it->y);
	json_object_object_add(d, "y", json_object_new_string(buf));
	if (it->carrier != NULL)
		json_object_object_add(d, "carrierId", json_object_new_string(it->carrier->nickname));
	else if (it->carrier_account != 0) {
		snprintf(buf, sizeof buf, "%lld", (long long)it->carrier_account);
		json_object_object_add(d, "carrierId", json_object_new_string(buf));
	} else
		json_object_object_add(d, "carrierId", json_object_new_string("none"));
	snprintf(buf, sizeof buf, "%lld", (long long)it->version);
	json_object_object_add(d, "version", json_object_new_string(buf));
	json_object_object_add(d, "createdBy", json_object_new_string(it->created_by_name));
	json_object_object_add(d, "updatedBy", json_object_new_string(it->updated_by_name));
	json_object_object_add(d, "createdAt", utc_json(it->created_at));
	json_object_object_add(d, "updatedAt", utc_json(it->updated_at));
	caps = it->type != NULL ? it->type->capabilities : NULL;
	n = caps != NULL ? json_object_array_length(caps) : 0;
	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i > 0 ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(caps, i)));
	json_object_object_add(d, "capabilities", json_object_new_string(n > 0 ? buf : "none"));
	json_object_object_add(d, "useSound", display_sound(it, "useSound", it->type ? it->type->use_sound : NULL));
	json_object_object_add(d, "emitSound", display_sound(it, "emitSound", it->type ? it->type->emit_sound : NULL));
	return d;
}

struct json_object *
items_json(const struct item *it)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(it->id));
	json_object_object_add(o, "type", json_object_new_string(it->type_id));
	json_object_object_add(o, "title", json_object_new_string(it->title));
	json_object_object_add(o, "x", json_object_new_int(it->x));
	json_object_object_add(o, "y", json_object_new_int(it->y));
	json_object_object_add(o, "createdBy", id_json(it->created_by));
	json_object_object_add(o, "createdByName", json_object_new_string(it->created_by_name));
	json_object_object_add(o, "updatedBy", id_json(it->updated_by));
	json_object_object_add(o, "updatedByName", json_object_new_string(it->updated_by_name));
	json_object_object_add(o, "createdAt", json_object_new_int64(it->created_at));
	json_object_object_add(o, "updatedAt", json_object_new_int64(it->updated_at));
	json_object_object_add(o, "version", json_object_new_int64(it->version));
	json_object_object_add(o, "capabilities", it->type != NULL ?
	    json_object_get(it->type->capabilities) : json_object_new_array());
	if (it->type != NULL && it->type->use_sound != NULL)
		json_object_object_add(o, "useSound", json_object_new_string(it->type->use_sound));
	if (it->type != NULL && it->type->emit_sound != NULL)
		json_object_object_add(o, "emitSound", json_object_new_string(it->type->emit_sound));
	json_object_object_add(o, "params", json_object_get(it->params));
	/* The carrier's connection id, as reference clients expect. */
	if (it->carrier != NULL)
		json_object_object_add(o, "carrierId", json_object_new_string(it->carrier->c->id));
	json_object_object_add(o, "display", display_json(it));
	return o;
}

static struct json_object *
manage_action(const char *id, const char *label, const char *tooltip, const char *any, const char *own)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "tooltip", json_object_new_string(tooltip));
	json_object_object_add(o, "anyPermission", json_object_new_string(any));
	json_object_object_add(o, "ownPermission", json_object_new_string(own));
	return o;
}

struct json_object *
items_ui_json(const struct client *c)
{
	struct json_object *ui = json_object_new_object(), *order = json_object_new_array();
	struct json_object *list = json_object_new_array(), *am = json_object_new_object(), *im, *acts;
	struct item_type *t;
	int i;

	for (i = 0; (t = plugin_type_at(i)) != NULL; i++) {
		if (t->host == NULL)
			continue;
		json_object_array_add(order, json_object_new_string(t->id));
		json_object_array_add(list, json_object_get(t->ui));
	}
	json_object_object_add(ui, "itemTypeOrder", order);
	json_object_object_add(ui, "itemTypes", list);
	json_object_object_add(am, "actions", perm_admin_menu(c->session->perms));
	json_object_object_add(ui, "adminMenu", am);
	im = json_object_new_object();
	acts = json_object_new_array();
	json_object_array_add(acts, manage_action("transfer", "Transfer item", "Give this item to another user.",
	    "item.transfer.any", "item.transfer.own"));
	json_object_array_add(acts, manage_action("delete", "Delete item", "Remove this item from the world.",
	    "item.delete.any", "item.delete.own"));
	json_object_object_add(im, "actions", acts);
	json_object_object_add(ui, "itemManagement", im);
	return ui;
}
