/*
 * admin-int.h: inside the admin part only (nothing outside it includes
 * this). The admin operation and what the part's files share:
 *
 *   admin.c       admin_init: the message table and the statements
 *   audit.c       an operation's life (answer, audit, release), the sender's
 *                 rights, and what an operation does to live connections
 *   roles.c       the role and user lists; creating, changing and deleting roles
 *   moderation.c  accounts (role, ban, unban, delete), kicks and timed mutes
 *   sync.c        accounts changed elsewhere (NOTIFY chatgrid_account)
 */
#ifndef CG_ADMIN_INT_H
#define CG_ADMIN_INT_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct json_object;

/* An admin request waiting for the database. Owns a reference on c. */
struct admin_op {
	struct client *c;
	const char *action;
	char a[160];		/* username or role, normalised */
	char b[160];		/* role or replacement, normalised */
	char a_sent[160];	/* as sent, for messages */
	char b_sent[160];
	char csv[2048];		/* permission keys */
	uint64_t mask;
	int count;
	int minutes;
	int voice;
	struct json_object *msg;	/* kept for a second step; owned */
};

/* ---- audit.c ---- */

/* admin_action_result to c. */
void admin_action_result(struct client *c, const char *action, int ok, const char *message);
/* Answer, audit, and release the operation. */
void admin_finish(struct admin_op *op, int ok, const char *message);
void admin_finishf(struct admin_op *op, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 (op finished with the error) when error is set; 0 otherwise. */
int admin_db_failed(struct admin_op *op, const char *error);
/* A new operation for c's request (takes a reference on c and pauses it). */
struct admin_op *admin_op_new(struct client *c, const char *action);
/* Admins alone may hand out the admin role or change an admin's role. */
int admin_actor_admin(const struct client *c);
/*
 * 1, with the keys (", "-separated) in keys, when mask holds permissions
 * the sender of op lacks (perm_lacking); 0 otherwise.
 */
int admin_lacking_keys(const struct admin_op *op, uint64_t mask, char *keys, size_t len);
/* The reply and audit record of a message refused for want of permission. */
void admin_deny(struct client *c, struct json_object *msg);
/* Apply fn to every live connection of an account. */
void admin_each_connection(int64_t account, void (*fn)(struct client *, void *), void *arg);
/* For admin_each_connection: */
void admin_refuse_and_close(struct client *c, void *arg);	/* arg: the message */
void admin_mark_deleted(struct client *c, void *arg);
void admin_push_role(struct client *c, void *arg);		/* arg: the op (role b, mask) */
void admin_push_current(struct client *c, void *arg);
/* in as sent into sent, and normalised as a username into out. */
void admin_normalise_into(const char *in, char *out, size_t len, char *sent, size_t sentlen);

/* ---- roles.c: message handlers ---- */

void admin_roles_list(struct client *c, struct json_object *msg);
void admin_users_list(struct client *c, struct json_object *msg);
void admin_role_create(struct client *c, struct json_object *msg);
void admin_role_update_permissions(struct client *c, struct json_object *msg);
void admin_role_delete(struct client *c, struct json_object *msg);

/* ---- moderation.c: message handlers and the mute expiry tick ---- */

void admin_user_set_role(struct client *c, struct json_object *msg);
void admin_user_ban(struct client *c, struct json_object *msg);
void admin_user_unban(struct client *c, struct json_object *msg);
void admin_user_delete(struct client *c, struct json_object *msg);
void admin_user_kick(struct client *c, struct json_object *msg);
void admin_user_mute(struct client *c, struct json_object *msg);
/* A voice mute ran out: give voice.send back. */
void admin_mute_expiry(uint64_t now, void *arg);

/* ---- sync.c ---- */

/* NOTIFY chatgrid_account: payload an account id, or NULL for every connected account. */
void admin_account_notice(const char *payload, void *arg);
/* At shutdown: the retry timer. */
void admin_refresh_free(void);

#endif
