/*
 * items-edit.c: what a change does to an item. Every change of an item's
 * fields outside the store's own bookkeeping happens here, with its version
 * rule: moves (pickup, drop) bump no version; an edit, a transfer and a
 * plugin's new parameters from a secondary use or type action bump it
 * once; a use bumps none (reference Q7). Callers check permissions and
 * places first; these functions only change, save and announce the item.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "items.h"
#include "net/client.h"
#include "pluginhost/pluginhost.h"
#include "tick.h"
#include "world/world.h"
#include "xmalloc.h"

int
items_capable(const struct item *it, const char *cap)
{
	struct json_object *a = it->type->capabilities;
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), cap) == 0)
			return 1;
	return 0;
}

int
items_has_action(const struct item *it, const char *action)
{
	size_t i, n;

	if (it->type == NULL)
		return 0;
	n = json_object_array_length(it->type->actions);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(it->type->actions, i)), action) == 0)
			return 1;
	return 0;
}

int
items_cooling(const struct item *it, char *msg, size_t msglen)
{
	uint64_t now = tick_mono_ms(), cd = (uint64_t)it->type->cooldown_ms;
	char buf[32];

	if (it->last_use_ms == 0 || now - it->last_use_ms >= cd)
		return 0;
	/* max(0.1, remaining seconds rounded to one decimal) */
	snprintf(buf, sizeof buf, "%.1f", (double)(cd - (now - it->last_use_ms)) / 1000.0);
	if (strtod(buf, NULL) < 0.1)
		snprintf(buf, sizeof buf, "0.1");
	snprintf(msg, msglen, "%s is on cooldown for %s s.", it->title, buf);
	return 1;
}

void
items_pickup(struct item *it, struct player *p)
{
	it->carrier = p;
	it->carrier_account = p->c->session->account_id;
	it->x = p->x;
	it->y = p->y;
	items_touch(it, p);
	items_changed(it);
}

void
items_drop(struct item *it, const struct player *p, int x, int y)
{
	it->carrier = NULL;
	it->carrier_account = 0;
	it->x = x;
	it->y = y;
	items_touch(it, p);
	items_changed(it);
}

void
items_edit(struct item *it, const struct player *p, const char *title, struct json_object *params)
{
	/* Title and parameters change together or not at all (unlike the reference, Q8). */
	if (title != NULL) {
		free(it->title);
		it->title = xstrdup(title);
	}
	if (params != NULL)
		items_set_params(it, params);
	items_touch(it, p);
	it->version++;
	items_changed(it);
}

void
items_transfer(struct item *it, const struct player *p, int64_t owner, const char *name)
{
	it->created_by = owner;
	free(it->created_by_name);
	it->created_by_name = xstrdup(name);
	items_touch(it, p);
	it->version++;
	items_changed(it);
}

void
items_apply_use(struct item *it, const struct player *p, const struct plugin_reply *r)
{
	char sound[4096];

	if (r->params != NULL) {
		/* The reference bumps no version on a use (Q7). */
		items_set_params(it, json_object_get(r->params));
		items_touch(it, p);
		items_changed(it);
	}
	it->last_use_ms = tick_mono_ms();
	items_effects(it, p, r->effects, EFFECTS_NOW);
	if (items_use_sound(it, sound, sizeof sound) != NULL)
		items_play_sound(it, sound);
}

void
items_apply_action(struct item *it, const struct player *p, const struct plugin_reply *r)
{
	if (r->params != NULL) {
		items_set_params(it, json_object_get(r->params));
		items_touch(it, p);
		it->version++;
		items_changed(it);
	}
	items_effects(it, p, r->effects, EFFECTS_NOW);
}
