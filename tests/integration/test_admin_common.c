/*
 * test_admin_common.c: helpers shared by the test_admin_* programs (roles,
 * permissions and moderation, reference §4 and issue 4).
 *
 * This file is both the helpers' interface and their implementation: the
 * test programs include it with AD_INTERFACE_ONLY defined to get the
 * declarations below, and link it as one of their sources for the rest.
 *
 * Every test case gets its own database in the program's one cluster
 * (ad_start), so counts of active admins, role edits and audit rows never
 * leak from one case into another; the daemon is fresh per case too.
 */
#ifndef AD_COMMON_INTERFACE
#define AD_COMMON_INTERFACE

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>

#include "tworld.h"

/* Exact protocol strings (reference §4.4, docs/protocol.md §5, core/proto-*.c). */
#define AD_NOT_AUTHORIZED "Not authorized."
#define AD_ROLE_REQUIRED "Role name is required."
#define AD_ROLE_TOO_LONG "Role name must be 32 characters or fewer."
#define AD_ROLE_CHARS \
	"Role name may include lowercase letters, numbers, underscores, and dashes only."
#define AD_ROLE_EXISTS "Role already exists."
#define AD_ADMIN_LOCKED "Admin role permissions are locked on."
#define AD_ROLE_NOT_FOUND "Role not found."
#define AD_ROLE_UNDELETABLE "Admin and user roles cannot be deleted."
#define AD_REPLACEMENT_SAME "Replacement role must differ from deleted role."
#define AD_REPLACEMENT_NOT_FOUND "Replacement role not found."
#define AD_USER_NOT_FOUND "User not found."
#define AD_LAST_ADMIN_ROLE "Cannot change role for the last active admin."
#define AD_LAST_ADMIN_BAN "Cannot disable the last active admin."
#define AD_LAST_ADMIN_DELETE "Cannot delete the last active admin."
#define AD_MSG_DELETED "Account deleted."
#define AD_MSG_KICKED "You were disconnected by a moderator."
#define AD_VOICE_DENIED "Not authorized to send voice."
#define AD_TELEPORT_REFUSED "You can only teleport to a user or an item."

/* The 22 permission keys in canonical order: the reference's 19, then chatgrid's 3. */
#define AD_NKEYS 22
extern const char *const ad_keys[AD_NKEYS];
/* Default role sets (reference §4.2, docs/protocol.md §5.1), comma-separated. */
extern const char *const ad_admin_csv;
extern const char *const ad_editor_csv;
extern const char *const ad_user_csv;
extern const char *const ad_guest_csv;
/* The admin menu in order (id and label), and its ids as one list. */
#define AD_NMENU 7
extern const char *const ad_menu_ids[AD_NMENU];
extern const char *const ad_menu_labels[AD_NMENU];
extern const char *const ad_admin_menu_csv;

/* ---- the database of this test case ---- */

/*
 * A fresh database in the program's cluster, then chatgridd on it with the
 * fast settings of ag_base_config() plus extra. ad_restart stops the daemon
 * and starts a new one on the same database (and extra).
 */
struct td *ad_start(const char *extra);
struct td *ad_restart(struct td *);
/*
 * ad_start on a database whose default collation is ICU's en-US (as on a
 * server whose locale is en_US), for ordering checks; NULL if the server
 * cannot make one (then the caller skips).
 */
struct td *ad_start_icu(const char *extra);
/* Stop (checking exit status 0) and free. */
void ad_stop(struct td *);
/* Conninfo of the current case's database. */
const char *ad_db(void);

/* SQL on the case's database. ad_sql_value: the first column of the first row (malloc'd) or NULL. */
void ad_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ad_sql_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first column of the first row as a number (fails on NULL or no row). */
long long ad_sql_num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with parameters ($1..$n, text), for values from the test. */
char *ad_sql_param_value(const char *sql, int n, const char *const *values);

/* ---- accounts and connections ---- */

/*
 * Register user (password AG_PASSWORD) on its own connection and close it;
 * then, if role is not NULL, move the account to that role with SQL (before
 * it logs in again, as an operator would with chatgridctl).
 */
void ad_account(struct td *, const char *user, const char *role);

/*
 * A logged-in, welcomed connection is a struct tw_user (tests/lib/tworld.h:
 * tw_login, tw_login_on and tw_close keep the auth_result, its token and
 * the welcome).
 */

/* ---- messages ---- */

/* {"type":type,"username":user} */
json_object *ad_m_user(const char *type, const char *user);
/* {"type":"admin_role_update_permissions","role":role,"permissions":[csv split at ','; "" is []]} */
json_object *ad_m_perms(const char *role, const char *csv);
/* The same with an explicit key array (entries may be blank or padded). */
json_object *ad_m_perms_v(const char *role, const char *const *keys, size_t n);
/* {"type":"admin_user_mute","username","target","minutes"} */
json_object *ad_m_mute(const char *user, const char *target, int minutes);
/* {"type":"signal","targetId":target,"sdp":{"type":"offer","sdp":tag}} */
json_object *ad_m_signal(const char *target, const char *tag);
/* {"type":type,"x":x,"y":y} */
json_object *ad_m_xy(const char *type, int x, int y);

/* ---- expectations ---- */

/*
 * The next message of a type: tw_wait(c, type, NULL, NULL) (5 s); none of
 * a type within ms (stretched): tw_none(c, td_ms(ms), type, NULL, NULL).
 */
/* The next message whose type is one of types (NULL-terminated); fails if none in 5 s. */
json_object *ad_expect_one_of(struct tc_conn *, const char *const *types);
/* A chat_message with exactly text (system as given: 1, 0, or -1 for either); others skipped. */
#define ad_expect_chat(c, text, system) ad_expect_chat_at(__FILE__, __LINE__, (c), (text), (system))
json_object *ad_expect_chat_at(const char *, int, struct tc_conn *, const char *text, int system);
/* A system chat line starting with prefix; returns it. */
#define ad_expect_chat_prefix(c, prefix) ad_expect_chat_prefix_at(__FILE__, __LINE__, (c), (prefix))
json_object *ad_expect_chat_prefix_at(const char *, int, struct tc_conn *, const char *prefix);
/* No chat_message with that text within ms. */
#define ad_expect_no_chat(c, text, ms) ad_expect_no_chat_at(__FILE__, __LINE__, (c), (text), (ms))
void ad_expect_no_chat_at(const char *, int, struct tc_conn *, const char *text, int ms);
/* An error with that code and exactly message (NULL: any message). */
#define ad_expect_error(c, code, message) ad_expect_error_at(__FILE__, __LINE__, (c), (code), (message))
void ad_expect_error_at(const char *, int, struct tc_conn *, const char *code, const char *message);

/*
 * Send msg and wait for its admin_action_result; fails unless it has
 * exactly action, ok and message.
 */
#define ad_act(p, msg, action, ok, message) \
	ad_act_at(__FILE__, __LINE__, (p), (msg), (action), (ok), (message))
void ad_act_at(const char *, int, struct tw_user *, json_object *msg, const char *action,
    int ok, const char *message);
/* Send msg and return the reply of type (admin_roles_list, admin_users_list). */
#define ad_call(p, msg, type) ad_call_at(__FILE__, __LINE__, (p), (msg), (type))
json_object *ad_call_at(const char *, int, struct tw_user *, json_object *msg, const char *type);

/*
 * Fails unless arr is a JSON array of exactly the keys of csv (any order in
 * csv), sorted by strcmp as the wire requires.
 */
#define ad_check_perms(arr, csv) ad_check_perms_at(__FILE__, __LINE__, (arr), (csv))
void ad_check_perms_at(const char *, int, json_object *arr, const char *csv);
/* Fails unless arr is [{id,label,...}] with exactly the menu ids of csv, in menu order, with their labels. */
#define ad_check_menu(arr, csv) ad_check_menu_at(__FILE__, __LINE__, (arr), (csv))
void ad_check_menu_at(const char *, int, json_object *arr, const char *csv);
/* Wait for auth_permissions and check role, permissions and adminMenuActions; returns it. */
#define ad_expect_auth_perms(c, role, perms_csv, menu_csv) \
	ad_expect_auth_perms_at(__FILE__, __LINE__, (c), (role), (perms_csv), (menu_csv))
json_object *ad_expect_auth_perms_at(const char *, int, struct tc_conn *, const char *role,
    const char *perms_csv, const char *menu_csv);

/*
 * Wait (up to 3 s: the audit insert runs behind the reply) for an audit_log
 * row with this actor name, action, target, ok and message, whose
 * actor_account_id is the actor's account id while that account exists.
 */
#define ad_audit(actor, action, target, ok, message) \
	ad_audit_at(__FILE__, __LINE__, (actor), (action), (target), (ok), (message))
void ad_audit_at(const char *, int, const char *actor, const char *action, const char *target,
    int ok, const char *message);

#endif /* AD_COMMON_INTERFACE */

#ifndef AD_INTERFACE_ONLY

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

const char *const ad_keys[AD_NKEYS] = {
	"item.create", "item.edit.own", "item.edit.any", "item.delete.own", "item.delete.any",
	"item.use", "item.pickup_drop.own", "item.pickup_drop.any", "item.transfer.own",
	"item.transfer.any", "chat.send", "voice.send", "profile.update_nickname",
	"account.delete.any", "user.ban_unban", "user.change_role", "role.manage",
	"server.manage_settings", "server.allow_reboot",
	"user.kick", "user.mute", "movement.teleport_free",
};

const char *const ad_admin_csv =
    "item.create,item.edit.own,item.edit.any,item.delete.own,item.delete.any,item.use,"
    "item.pickup_drop.own,item.pickup_drop.any,item.transfer.own,item.transfer.any,"
    "chat.send,voice.send,profile.update_nickname,account.delete.any,user.ban_unban,"
    "user.change_role,role.manage,server.manage_settings,server.allow_reboot,"
    "user.kick,user.mute,movement.teleport_free";
const char *const ad_editor_csv =
    "item.create,item.edit.own,item.edit.any,item.delete.own,item.delete.any,item.use,"
    "item.pickup_drop.own,item.pickup_drop.any,item.transfer.own,item.transfer.any,"
    "chat.send,voice.send,profile.update_nickname,movement.teleport_free";
const char *const ad_user_csv =
    "item.create,item.edit.own,item.delete.own,item.use,item.pickup_drop.own,"
    "item.transfer.own,chat.send,voice.send,profile.update_nickname";
const char *const ad_guest_csv = "item.use,chat.send,voice.send,profile.update_nickname";

const char *const ad_menu_ids[AD_NMENU] = {
	"manage_roles", "change_user_role", "ban_user", "unban_user", "delete_account",
	"kick_user", "mute_user",
};
const char *const ad_menu_labels[AD_NMENU] = {
	"Role management", "Change user role", "Ban user", "Unban user", "Delete account",
	"Kick user", "Mute user",
};
const char *const ad_admin_menu_csv =
    "manage_roles,change_user_role,ban_user,unban_user,delete_account,kick_user,mute_user";

/* The case's database and the daemon's extra lines (for ad_restart). */
static char *cur_db;
static char *cur_extra;
static int db_counter;

/* ---- database ---- */

const char *
ad_db(void)
{
	ck_assert_msg(cur_db != NULL, "no database yet: call ad_start first");
	return cur_db;
}

static struct td *
start_on_db(void)
{
	char *cfgtext;
	struct td *td;

	/*
	 * Signals are relayed only within VOICE_SIGNAL_RANGE (32) cells: on a
	 * 32-cell grid every pair of the randomly placed users is in range, as
	 * the relay checks here (voice.send, voice mute) need.
	 */
	if (asprintf(&cfgtext, "grid_size 32\ndb_conninfo %s\n%s", cur_db, cur_extra) < 0)
		ck_abort_msg("out of memory");
	td = ag_start(cfgtext, 0);
	free(cfgtext);
	return td;
}

struct td *
ad_start(const char *extra)
{
	char name[48];
	char *who;

	snprintf(name, sizeof name, "adm_%d_%d", (int)getpid(), ++db_counter);
	free(cur_db);
	cur_db = pgtest_create_db(ag_pg, name);
	ck_assert_msg(cur_db != NULL, "cannot create database %s", name);
	free(cur_extra);
	cur_extra = strdup(extra != NULL ? extra : "");
	ck_assert_ptr_nonnull(cur_extra);
	{
		struct td *td = start_on_db();

		/* The daemon must really use this database: its migrations are here. */
		who = ad_sql_value("SELECT count(*) FROM roles WHERE name IN ('admin','editor','user','guest')");
		ck_assert_msg(who != NULL && strcmp(who, "4") == 0,
		    "the daemon did not seed the case's database %s (system roles: %s)", name,
		    who != NULL ? who : "none");
		free(who);
		return td;
	}
}

struct td *
ad_start_icu(const char *extra)
{
	const char *base = pgtest_conninfo(ag_pg), *p;
	char name[48], *sql;
	struct td *td;
	int rc;

	snprintf(name, sizeof name, "admicu_%d_%d", (int)getpid(), ++db_counter);
	if (asprintf(&sql, "CREATE DATABASE %s LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
	    "LOCALE 'C' TEMPLATE template0", name) < 0)
		ck_abort_msg("out of memory");
	rc = pgtest_exec(ag_pg, "postgres", sql);
	free(sql);
	if (rc != 0)
		return NULL;
	p = strstr(base, "dbname=chatgrid");
	ck_assert_msg(p != NULL, "unexpected conninfo %s", base);
	free(cur_db);
	if (asprintf(&cur_db, "%.*sdbname=%s%s", (int)(p - base), base, name,
	    p + strlen("dbname=chatgrid")) < 0)
		ck_abort_msg("out of memory");
	free(cur_extra);
	cur_extra = strdup(extra != NULL ? extra : "");
	ck_assert_ptr_nonnull(cur_extra);
	td = start_on_db();
	return td;
}

struct td *
ad_restart(struct td *td)
{
	ad_stop(td);
	return start_on_db();
}

void
ad_stop(struct td *td)
{
	it_stop(td);
}

static PGconn *
ad_pq(void)
{
	PGconn *db = PQconnectdb(ad_db());

	ck_assert_msg(db != NULL && PQstatus(db) == CONNECTION_OK, "cannot connect to %s: %s",
	    ad_db(), db != NULL ? PQerrorMessage(db) : "out of memory");
	return db;
}

static char *
ad_exec(const char *sql, int n, const char *const *values, int want)
{
	PGconn *db = ad_pq();
	PGresult *r = PQexecParams(db, sql, n, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	char *val = NULL;

	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "SQL %s: %s", sql,
	    PQerrorMessage(db));
	if (want && st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0 &&
	    !PQgetisnull(r, 0, 0))
		val = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(db);
	return val;
}

void
ad_sql(const char *fmt, ...)
{
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	ck_assert_msg(vasprintf(&sql, fmt, ap) >= 0, "out of memory");
	va_end(ap);
	free(ad_exec(sql, 0, NULL, 0));
	free(sql);
}

char *
ad_sql_value(const char *fmt, ...)
{
	va_list ap;
	char *sql, *v;

	va_start(ap, fmt);
	ck_assert_msg(vasprintf(&sql, fmt, ap) >= 0, "out of memory");
	va_end(ap);
	v = ad_exec(sql, 0, NULL, 1);
	free(sql);
	return v;
}

long long
ad_sql_num(const char *fmt, ...)
{
	va_list ap;
	char *sql, *v;
	long long n;

	va_start(ap, fmt);
	ck_assert_msg(vasprintf(&sql, fmt, ap) >= 0, "out of memory");
	va_end(ap);
	v = ad_exec(sql, 0, NULL, 1);
	ck_assert_msg(v != NULL, "SQL %s gave no value", sql);
	n = strtoll(v, NULL, 10);
	free(v);
	free(sql);
	return n;
}

char *
ad_sql_param_value(const char *sql, int n, const char *const *values)
{
	return ad_exec(sql, n, values, 1);
}

/* ---- accounts and connections ---- */

void
ad_account(struct td *td, const char *user, const char *role)
{
	const char *v[2];
	char *n;

	free(ag_new_account(td, user));
	if (role == NULL)
		return;
	v[0] = role;
	v[1] = user;
	n = ad_sql_param_value("WITH u AS (UPDATE accounts SET role_id = "
	    "(SELECT id FROM roles WHERE name = $1) WHERE lower(username) = lower($2) RETURNING 1) "
	    "SELECT count(*) FROM u", 2, v);
	ck_assert_msg(n != NULL && strcmp(n, "1") == 0, "cannot give %s the role %s", user, role);
	free(n);
}

/* ---- messages ---- */

json_object *
ad_m_user(const char *type, const char *user)
{
	return ag_msg(type, "username", user, NULL);
}

json_object *
ad_m_perms_v(const char *role, const char *const *keys, size_t n)
{
	json_object *o = ag_msg("admin_role_update_permissions", "role", role, NULL);
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(keys[i]));
	json_object_object_add(o, "permissions", a);
	return o;
}

json_object *
ad_m_perms(const char *role, const char *csv)
{
	json_object *o = ag_msg("admin_role_update_permissions", "role", role, NULL);
	json_object *a = json_object_new_array();
	const char *s = csv, *e;

	while (s != NULL && *s != '\0') {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		json_object_array_add(a, json_object_new_string_len(s, (int)(e - s)));
		s = *e == ',' ? e + 1 : e;
	}
	json_object_object_add(o, "permissions", a);
	return o;
}

json_object *
ad_m_mute(const char *user, const char *target, int minutes)
{
	json_object *o = ag_msg("admin_user_mute", "username", user, "target", target, NULL);

	json_object_object_add(o, "minutes", json_object_new_int(minutes));
	return o;
}

json_object *
ad_m_signal(const char *target, const char *tag)
{
	json_object *o = ag_msg("signal", "targetId", target, NULL);
	json_object *sdp = json_object_new_object();

	json_object_object_add(sdp, "type", json_object_new_string("offer"));
	json_object_object_add(sdp, "sdp", json_object_new_string(tag));
	json_object_object_add(o, "sdp", sdp);
	return o;
}

json_object *
ad_m_xy(const char *type, int x, int y)
{
	json_object *o = ag_msg(type, NULL);

	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	return o;
}

/* ---- expectations ---- */

json_object *
ad_expect_one_of(struct tc_conn *c, const char *const *types)
{
	int64_t end = tc_now_ms() + td_ms(5000);
	json_object *o;
	size_t i;

	for (;;) {
		int left = (int)(end - tc_now_ms());

		o = tc_ws_recv_json(c, left > 0 ? left : 0);
		ck_assert_msg(o != NULL, "no message of the awaited types (first %s): %s%s", types[0],
		    tc_error(c), td_health());
		for (i = 0; types[i] != NULL; i++)
			if (strcmp(tw_strz(o, "type"), types[i]) == 0)
				return o;
		json_object_put(o);
	}
}

static int
chat_matches(json_object *o, const char *text, int system, int prefix)
{
	json_object *v;
	const char *m;

	if (strcmp(tw_strz(o, "type"), "chat_message") != 0)
		return 0;
	m = tw_strz(o, "message");
	if (prefix ? strncmp(m, text, strlen(text)) != 0 : strcmp(m, text) != 0)
		return 0;
	if (system >= 0 && (!json_object_object_get_ex(o, "system", &v) ||
	    json_object_get_boolean(v) != system))
		return 0;
	return 1;
}

static json_object *
wait_chat(struct tc_conn *c, const char *text, int system, int prefix, int ms)
{
	int64_t end = tc_now_ms() + td_ms(ms);
	json_object *o;

	for (;;) {
		int left = (int)(end - tc_now_ms());

		if (left <= 0)
			return NULL;
		o = tc_ws_recv_json(c, left);
		if (o == NULL)
			return NULL;
		if (chat_matches(o, text, system, prefix))
			return o;
		json_object_put(o);
	}
}

json_object *
ad_expect_chat_at(const char *file, int line, struct tc_conn *c, const char *text, int system)
{
	json_object *o = wait_chat(c, text, system, 0, 5000);

	ck_assert_msg(o != NULL, "%s:%d: no chat_message \"%s\" (system %d) within 5 s: %s%s", file,
	    line, text, system, tc_error(c), td_health());
	return o;
}

json_object *
ad_expect_chat_prefix_at(const char *file, int line, struct tc_conn *c, const char *prefix)
{
	json_object *o = wait_chat(c, prefix, 1, 1, 5000);

	ck_assert_msg(o != NULL, "%s:%d: no system chat line starting \"%s\" within 5 s: %s%s", file,
	    line, prefix, tc_error(c), td_health());
	return o;
}

void
ad_expect_no_chat_at(const char *file, int line, struct tc_conn *c, const char *text, int ms)
{
	json_object *o = wait_chat(c, text, -1, 0, ms);

	ck_assert_msg(o == NULL, "%s:%d: chat_message \"%s\" arrived: %s", file, line, text, tw_js(o));
}

void
ad_expect_error_at(const char *file, int line, struct tc_conn *c, const char *code,
    const char *message)
{
	json_object *o = tc_ws_expect(c, "error", td_ms(5000));

	ck_assert_msg(o != NULL, "%s:%d: no error %s within 5 s: %s%s", file, line, code,
	    tc_error(c), td_health());
	ck_assert_msg(strcmp(tw_strz(o, "code"), code) == 0 &&
	    (message == NULL || strcmp(tw_strz(o, "message"), message) == 0),
	    "%s:%d: want error %s \"%s\", got %s", file, line, code, message != NULL ? message : "*",
	    tw_js(o));
	json_object_put(o);
}

void
ad_act_at(const char *file, int line, struct tw_user *p, json_object *msg, const char *action,
    int ok, const char *message)
{
	char sent[600];
	json_object *o, *v;

	snprintf(sent, sizeof sent, "%s", tw_js(msg));
	ag_send(p->c, msg);
	o = tc_ws_expect(p->c, "admin_action_result", td_ms(5000));
	ck_assert_msg(o != NULL, "%s:%d: %s sent %s: no admin_action_result: %s%s", file, line,
	    p->user, sent, tc_error(p->c), td_health());
	ck_assert_msg(json_object_object_get_ex(o, "ok", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v) == ok &&
	    strcmp(tw_strz(o, "action"), action) == 0 && strcmp(tw_strz(o, "message"), message) == 0,
	    "%s:%d: %s sent %s: want {ok:%s, action:\"%s\", message:\"%s\"}, got %s", file, line,
	    p->user, sent, ok ? "true" : "false", action, message, tw_js(o));
	json_object_put(o);
}

json_object *
ad_call_at(const char *file, int line, struct tw_user *p, json_object *msg, const char *type)
{
	char sent[600];
	json_object *o;

	snprintf(sent, sizeof sent, "%s", tw_js(msg));
	ag_send(p->c, msg);
	o = tc_ws_expect(p->c, type, td_ms(5000));
	ck_assert_msg(o != NULL, "%s:%d: %s sent %s: no %s: %s%s", file, line, p->user, sent, type,
	    tc_error(p->c), td_health());
	return o;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Split csv into a sorted array of copies; returns the count. */
static size_t
split_sorted(const char *csv, char *buf, size_t cap, const char **out, size_t max)
{
	size_t n = 0;
	char *s, *e;

	snprintf(buf, cap, "%s", csv);
	for (s = buf; *s != '\0' && n < max; s = e) {
		e = strchr(s, ',');
		if (e != NULL)
			*e++ = '\0';
		else
			e = s + strlen(s);
		out[n++] = s;
	}
	qsort(out, n, sizeof *out, cmp_str);
	return n;
}

void
ad_check_perms_at(const char *file, int line, json_object *arr, const char *csv)
{
	char buf[2048];
	const char *want[64];
	size_t n, i;

	ck_assert_msg(arr != NULL && json_object_is_type(arr, json_type_array),
	    "%s:%d: permissions is not an array: %s", file, line, tw_js(arr));
	n = split_sorted(csv, buf, sizeof buf, want, 64);
	ck_assert_msg(json_object_array_length(arr) == n,
	    "%s:%d: permissions %s, want (sorted) %s", file, line, tw_js(arr), csv);
	for (i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(arr, i);

		ck_assert_msg(json_object_is_type(k, json_type_string) &&
		    strcmp(json_object_get_string(k), want[i]) == 0,
		    "%s:%d: permissions %s, want sorted %s (entry %zu should be %s)", file, line,
		    tw_js(arr), csv, i, want[i]);
	}
}

void
ad_check_menu_at(const char *file, int line, json_object *arr, const char *csv)
{
	char buf[512];
	char *s, *e;
	size_t n = 0, i, j = 0;

	ck_assert_msg(arr != NULL && json_object_is_type(arr, json_type_array),
	    "%s:%d: adminMenuActions is not an array: %s", file, line, tw_js(arr));
	snprintf(buf, sizeof buf, "%s", csv);
	for (s = buf; *s != '\0'; s = e, n++) {
		e = strchr(s, ',');
		if (e != NULL)
			*e++ = '\0';
		else
			e = s + strlen(s);
		/* The expected id, with its label; ids must come in menu order. */
		for (i = j; i < AD_NMENU && strcmp(ad_menu_ids[i], s) != 0; i++)
			;
		ck_assert_msg(i < AD_NMENU, "%s:%d: test bug: menu id %s unknown or out of order", file,
		    line, s);
		j = i + 1;
		ck_assert_msg(n < json_object_array_length(arr),
		    "%s:%d: adminMenuActions %s lacks %s (want %s)", file, line, tw_js(arr), s, csv);
		{
			json_object *a = json_object_array_get_idx(arr, n);

			ck_assert_msg(strcmp(tw_strz(a, "id"), ad_menu_ids[i]) == 0 &&
			    strcmp(tw_strz(a, "label"), ad_menu_labels[i]) == 0,
			    "%s:%d: adminMenuActions %s, want ids %s in order (entry %zu: %s \"%s\")",
			    file, line, tw_js(arr), csv, n, ad_menu_ids[i], ad_menu_labels[i]);
		}
	}
	ck_assert_msg(json_object_array_length(arr) == n, "%s:%d: adminMenuActions %s, want ids %s",
	    file, line, tw_js(arr), csv);
}

json_object *
ad_expect_auth_perms_at(const char *file, int line, struct tc_conn *c, const char *role,
    const char *perms_csv, const char *menu_csv)
{
	json_object *o = tc_ws_expect(c, "auth_permissions", td_ms(5000));

	ck_assert_msg(o != NULL, "%s:%d: no auth_permissions within 5 s: %s%s", file, line,
	    tc_error(c), td_health());
	ck_assert_msg(strcmp(tw_strz(o, "role"), role) == 0, "%s:%d: auth_permissions role, want %s: %s",
	    file, line, role, tw_js(o));
	ad_check_perms_at(file, line, tw_get(o, "permissions"), perms_csv);
	ad_check_menu_at(file, line, tw_get(o, "adminMenuActions"), menu_csv);
	return o;
}

void
ad_audit_at(const char *file, int line, const char *actor, const char *action, const char *target,
    int ok, const char *message)
{
	const char *v[5];
	int64_t end = tc_now_ms() + td_ms(3000);
	char *n, *rows;

	v[0] = actor;
	v[1] = action;
	v[2] = target;
	v[3] = ok ? "t" : "f";
	v[4] = message;
	for (;;) {
		n = ad_sql_param_value("SELECT count(*) FROM audit_log WHERE actor_name = $1 "
		    "AND action = $2 AND target IS NOT DISTINCT FROM $3 AND ok = $4::boolean "
		    "AND message = $5 AND at > now() - interval '10 minutes' "
		    "AND (actor_account_id = (SELECT id FROM accounts WHERE lower(username) = lower($1)) "
		    "  OR NOT EXISTS (SELECT 1 FROM accounts WHERE lower(username) = lower($1)))", 5, v);
		if (n != NULL && strcmp(n, "0") != 0) {
			free(n);
			return;
		}
		free(n);
		if (tc_now_ms() >= end)
			break;
		usleep(50 * 1000);
	}
	rows = ad_sql_value("SELECT string_agg(format('[%%s %%s %%s %%s %%s %%s]', actor_account_id, "
	    "actor_name, action, target, ok, message), ' ' ORDER BY id) FROM audit_log");
	ck_abort_msg("%s:%d: no audit row {actor %s, action %s, target %s, ok %s, message \"%s\"}; "
	    "rows: %s", file, line, actor, action, target != NULL ? target : "NULL",
	    ok ? "true" : "false", message, rows != NULL ? rows : "(none)");
}

#endif /* AD_INTERFACE_ONLY */
