/*
 * perm.h: permission keys, the default roles and the admin menu, declared
 * once in perm.c's tables. A connection holds its permissions as a bit mask.
 */
#ifndef CG_PERM_H
#define CG_PERM_H

#include <stddef.h>
#include <stdint.h>

enum perm_id {
	P_ITEM_CREATE,
	P_ITEM_EDIT_OWN,
	P_ITEM_EDIT_ANY,
	P_ITEM_DELETE_OWN,
	P_ITEM_DELETE_ANY,
	P_ITEM_USE,
	P_ITEM_PICKUP_OWN,
	P_ITEM_PICKUP_ANY,
	P_ITEM_TRANSFER_OWN,
	P_ITEM_TRANSFER_ANY,
	P_CHAT_SEND,
	P_VOICE_SEND,
	P_NICKNAME,
	P_ACCOUNT_DELETE_ANY,
	P_USER_BAN,
	P_USER_CHANGE_ROLE,
	P_ROLE_MANAGE,
	P_SERVER_SETTINGS,
	P_SERVER_REBOOT,
	/* chatgrid additions */
	P_USER_KICK,
	P_USER_MUTE,
	P_TELEPORT_FREE,
	P_COUNT
};

#define PERM(p) ((uint64_t)1 << (p))
#define PERM_ALL ((PERM(P_COUNT - 1) << 1) - 1)

struct perm_def {
	const char *key;
	const char *description;
	unsigned roles;		/* default roles holding it (PR_* bits) */
};

#define PR_ADMIN 0x1
#define PR_EDITOR 0x2
#define PR_USER 0x4
#define PR_GUEST 0x8

/* Canonical order (the reference's, then ours). */
extern const struct perm_def perm_defs[P_COUNT];

struct perm_system_role {
	const char *name;
	unsigned bit;		/* PR_* */
	int deletable;
};
extern const struct perm_system_role perm_system_roles[4];

/* Index of a key, or -1. */
int perm_find(const char *key);
/* A comma-separated key list (as the database returns it) to a mask; unknown keys are skipped. */
uint64_t perm_mask_from_list(const char *csv);
/* Append the mask's keys, sorted by name, to a new JSON array. */
struct json_object *perm_json_array(uint64_t mask);
/* The admin menu actions this mask may see, in order, as [{id,label,tooltip}]. */
struct json_object *perm_admin_menu(uint64_t mask);
/* The mask's keys in canonical order, joined by sep, into out; returns out. */
char *perm_mask_csv(uint64_t mask, const char *sep, char *out, size_t len);
/*
 * The rule against escalation (issue 13): the keys of wanted that an actor
 * holding actor may not hand out or take away, 0 when none. An admin lacks
 * nothing; anyone else lacks every key outside their own role. A caller
 * refuses an assignment (or a role edit) whose roles hold any such key.
 */
uint64_t perm_lacking(uint64_t actor, int actor_is_admin, uint64_t wanted);
/* Role names: trimmed, lowercase, [a-z0-9_-], 1..32. Returns NULL or the reason. */
const char *perm_role_name_error(const char *name);

#endif
