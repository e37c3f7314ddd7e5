/*
 * perm.c: the permission table. The database holds which role has which
 * key (seeded at start-up from here, see seed.c); the code only ever asks
 * "does this connection hold bit P".
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "perm.h"
#include "utf8.h"

#define ALL (PR_ADMIN | PR_EDITOR | PR_USER | PR_GUEST)
#define EDIT (PR_ADMIN | PR_EDITOR)
#define USR (PR_ADMIN | PR_EDITOR | PR_USER)

const struct perm_def perm_defs[P_COUNT] = {
	[P_ITEM_CREATE] = { "item.create", "Create items.", USR },
	[P_ITEM_EDIT_OWN] = { "item.edit.own", "Edit items you created.", USR },
	[P_ITEM_EDIT_ANY] = { "item.edit.any", "Edit any item.", EDIT },
	[P_ITEM_DELETE_OWN] = { "item.delete.own", "Delete items you created.", USR },
	[P_ITEM_DELETE_ANY] = { "item.delete.any", "Delete any item.", EDIT },
	[P_ITEM_USE] = { "item.use", "Use items (primary and secondary actions, piano playing).", ALL },
	[P_ITEM_PICKUP_OWN] = { "item.pickup_drop.own", "Pick up and drop items you created.", USR },
	[P_ITEM_PICKUP_ANY] = { "item.pickup_drop.any", "Pick up and drop any item.", EDIT },
	[P_ITEM_TRANSFER_OWN] = { "item.transfer.own", "Give items you own to another user.", USR },
	[P_ITEM_TRANSFER_ANY] = { "item.transfer.any", "Give any item to another user.", EDIT },
	[P_CHAT_SEND] = { "chat.send", "Send chat messages and run chat commands.", ALL },
	[P_VOICE_SEND] = { "voice.send", "Transmit microphone audio.", ALL },
	[P_NICKNAME] = { "profile.update_nickname", "Change your nickname.", ALL },
	[P_ACCOUNT_DELETE_ANY] = { "account.delete.any", "Delete other accounts.", PR_ADMIN },
	[P_USER_BAN] = { "user.ban_unban", "Ban and unban accounts.", PR_ADMIN },
	[P_USER_CHANGE_ROLE] = { "user.change_role", "Assign roles to accounts.", PR_ADMIN },
	[P_ROLE_MANAGE] = { "role.manage", "Create, edit and delete roles.", PR_ADMIN },
	[P_SERVER_SETTINGS] = { "server.manage_settings", "Change server settings.", PR_ADMIN },
	[P_SERVER_REBOOT] = { "server.allow_reboot", "Restart the server with /reboot.", PR_ADMIN },
	[P_USER_KICK] = { "user.kick", "Disconnect a user now (they may reconnect).", PR_ADMIN },
	[P_USER_MUTE] = { "user.mute", "Mute a user's chat or voice for a while.", PR_ADMIN },
	[P_TELEPORT_FREE] = { "movement.teleport_free", "Teleport to any cell, not only to users and items.", EDIT },
};

const struct perm_system_role perm_system_roles[4] = {
	{ "admin", PR_ADMIN, 0 },
	{ "editor", PR_EDITOR, 1 },
	{ "user", PR_USER, 0 },
	{ "guest", PR_GUEST, 1 },
};

static const struct {
	const char *id;
	const char *label;
	const char *tooltip;
	int perm;
} admin_menu[] = {
	{ "manage_roles", "Role management", "Create, edit and delete roles and their permissions.", P_ROLE_MANAGE },
	{ "change_user_role", "Change user role", "Assign a role to an account.", P_USER_CHANGE_ROLE },
	{ "ban_user", "Ban user", "Disable an account and disconnect it.", P_USER_BAN },
	{ "unban_user", "Unban user", "Let a banned account log in again.", P_USER_BAN },
	{ "delete_account", "Delete account", "Delete an account for good.", P_ACCOUNT_DELETE_ANY },
	{ "kick_user", "Kick user", "Disconnect a user now; they may reconnect.", P_USER_KICK },
	{ "mute_user", "Mute user", "Silence a user's chat or voice for a while.", P_USER_MUTE },
};

int
perm_find(const char *key)
{
	int i;

	for (i = 0; i < P_COUNT; i++)
		if (strcmp(perm_defs[i].key, key) == 0)
			return i;
	return -1;
}

uint64_t
perm_mask_from_list(const char *csv)
{
	const char *s, *e;
	char key[64];
	uint64_t mask = 0;
	int i;

	for (s = csv; s != NULL && *s != '\0'; s = *e == ',' ? e + 1 : e) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) < sizeof key) {
			memcpy(key, s, (size_t)(e - s));
			key[e - s] = '\0';
			if ((i = perm_find(key)) >= 0)
				mask |= PERM(i);
		}
	}
	return mask;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(perm_defs[*(const int *)a].key, perm_defs[*(const int *)b].key);
}

struct json_object *
perm_json_array(uint64_t mask)
{
	struct json_object *a = json_object_new_array();
	int idx[P_COUNT], n = 0, i;

	for (i = 0; i < P_COUNT; i++)
		if (mask & PERM(i))
			idx[n++] = i;
	qsort(idx, (size_t)n, sizeof idx[0], cmp_key);
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(perm_defs[idx[i]].key));
	return a;
}

struct json_object *
perm_admin_menu(uint64_t mask)
{
	struct json_object *a = json_object_new_array(), *o;
	size_t i;

	for (i = 0; i < sizeof admin_menu / sizeof admin_menu[0]; i++) {
		if (!(mask & PERM(admin_menu[i].perm)))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(admin_menu[i].id));
		json_object_object_add(o, "label", json_object_new_string(admin_menu[i].label));
		json_object_object_add(o, "tooltip", json_object_new_string(admin_menu[i].tooltip));
		json_object_array_add(a, o);
	}
	return a;
}

const char *
perm_role_name_error(const char *name)
{
	const char *p;

	if (*name == '\0')
		return "Role name is required.";
	if (utf8_len(name) > 32)
		return "Role name must be 32 characters or fewer.";
	for (p = name; *p != '\0'; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-'))
			return "Role name may include lowercase letters, numbers, underscores, and dashes only.";
	return NULL;
}

char *
perm_mask_csv(uint64_t mask, const char *sep, char *out, size_t len)
{
	size_t n = 0;
	int i;

	if (len == 0)
		return out;
	out[0] = '\0';
	for (i = 0; i < P_COUNT; i++)
		if (mask & PERM(i)) {
			snprintf(out + n, len - n, "%s%s", n > 0 ? sep : "", perm_defs[i].key);
			n += strlen(out + n);
			if (n + 1 >= len)
				break;
		}
	return out;
}

uint64_t
perm_lacking(uint64_t actor, int actor_is_admin, uint64_t wanted)
{
	/* The admin role holds every key, whatever its rows say. */
	return actor_is_admin ? 0 : wanted & ~actor;
}
