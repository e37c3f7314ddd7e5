/*
 * test_admin_roles.c: the role messages of reference §4.4 against the real
 * daemon and PostgreSQL: admin_roles_list, admin_users_list and its action
 * filter, admin_role_create, admin_role_update_permissions and
 * admin_role_delete with every failure message, the live auth_permissions
 * pushes to connected members, the audit rows, and role changes across a
 * daemon restart.
 */
#define AD_INTERFACE_ONLY
#include "test_admin_common.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- admin_roles_list ---- */

/* The role object named name in a roles array; fails if absent. */
static json_object *
role_in(json_object *roles, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(roles); i++)
		if (strcmp(tw_strz(json_object_array_get_idx(roles, i), "name"), name) == 0)
			return json_object_array_get_idx(roles, i);
	ck_abort_msg("role %s not listed: %s", name, tw_js(roles));
	return NULL;
}

static void
check_role(json_object *roles, const char *name, int is_system, int users, const char *perms)
{
	json_object *r = role_in(roles, name), *v;
	int64_t n;
	char *id;
	const char *p[1];

	p[0] = name;
	id = ad_sql_param_value("SELECT id FROM roles WHERE name = $1", 1, p);
	ck_assert_msg(id != NULL, "role %s not in the database", name);
	ck_assert_msg(json_object_object_get_ex(r, "id", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == strtoll(id, NULL, 10), "role %s: id is not the integer %s: %s",
	    name, id, tw_js(r));
	free(id);
	ck_assert_msg(json_object_object_get_ex(r, "isSystem", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v) == is_system,
	    "role %s: isSystem want %d: %s", name, is_system, tw_js(r));
	ck_assert_msg(tc_json_int(r, "userCount", &n) == 0 && n == users,
	    "role %s: userCount want %d: %s", name, users, tw_js(r));
	ad_check_perms(tw_get(r, "permissions"), perms);
}

static void
check_role_order(json_object *roles, const char *const *names, size_t n)
{
	size_t i;

	ck_assert_msg(json_object_array_length(roles) == n, "%zu roles listed, want %zu: %s",
	    json_object_array_length(roles), n, tw_js(roles));
	for (i = 0; i < n; i++)
		ck_assert_msg(strcmp(tw_strz(json_object_array_get_idx(roles, i), "name"), names[i]) == 0,
		    "roles not ordered by name (entry %zu should be %s): %s", i, names[i], tw_js(roles));
}

START_TEST(test_roles_list)
{
	static const char *const order[] = {
		"admin", "alpha-1", "beta_2", "editor", "guest", "user", "zeta",
	};
	struct td *d = ad_start(NULL);
	struct tw_user *a;
	json_object *o, *keys, *tips, *v;
	const char *p[1];
	char *desc;
	size_t i;

	ad_account(d, "boss", "admin");
	ad_account(d, "plain", NULL);
	ad_account(d, "gone", NULL);
	ad_account(d, "visitor", "guest");
	ad_sql("UPDATE accounts SET status = 'disabled' WHERE username = 'gone'");
	a = tw_login(d, "boss");
	ad_act(a, ag_msg("admin_role_create", "name", "zeta", NULL), "role_create", 1,
	    "Created role zeta.");
	ad_act(a, ag_msg("admin_role_create", "name", "beta_2", NULL), "role_create", 1,
	    "Created role beta_2.");
	ad_act(a, ag_msg("admin_role_create", "name", "alpha-1", NULL), "role_create", 1,
	    "Created role alpha-1.");
	ad_act(a, ad_m_perms("beta_2", "user.kick,chat.send,item.use"), "role_update_permissions", 1,
	    "Updated permissions for beta_2.");
	ad_act(a, ag_msg("admin_user_set_role", "username", "visitor", "role", "beta_2", NULL),
	    "user_set_role", 1, "Set role for visitor to beta_2.");

	o = ad_call(a, ag_msg("admin_roles_list", NULL), "admin_roles_list");
	check_role_order(tw_get(o, "roles"), order, sizeof order / sizeof order[0]);
	check_role(tw_get(o, "roles"), "admin", 1, 1, ad_admin_csv);
	check_role(tw_get(o, "roles"), "editor", 1, 0, ad_editor_csv);
	/* userCount counts disabled accounts too. */
	check_role(tw_get(o, "roles"), "user", 1, 2, ad_user_csv);
	check_role(tw_get(o, "roles"), "guest", 1, 0, ad_guest_csv);
	check_role(tw_get(o, "roles"), "beta_2", 0, 1, "user.kick,chat.send,item.use");
	check_role(tw_get(o, "roles"), "alpha-1", 0, 0, "");
	check_role(tw_get(o, "roles"), "zeta", 0, 0, "");

	/* permissionKeys: canonical order, the reference's 19 first. */
	keys = tw_get(o, "permissionKeys");
	ck_assert_msg(json_object_is_type(keys, json_type_array) &&
	    json_object_array_length(keys) == AD_NKEYS, "permissionKeys: %s", tw_js(keys));
	for (i = 0; i < AD_NKEYS; i++)
		ck_assert_msg(strcmp(json_object_get_string(json_object_array_get_idx(keys, i)),
		    ad_keys[i]) == 0, "permissionKeys[%zu] should be %s: %s", i, ad_keys[i], tw_js(keys));
	/* permissionTooltips: one non-empty text per key, the seeded description. */
	tips = tw_get(o, "permissionTooltips");
	ck_assert_msg(json_object_is_type(tips, json_type_object) &&
	    json_object_object_length(tips) == AD_NKEYS, "permissionTooltips: %s", tw_js(tips));
	for (i = 0; i < AD_NKEYS; i++) {
		ck_assert_msg(json_object_object_get_ex(tips, ad_keys[i], &v) &&
		    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0,
		    "no tooltip for %s: %s", ad_keys[i], tw_js(tips));
		p[0] = ad_keys[i];
		desc = ad_sql_param_value("SELECT description FROM permissions WHERE key = $1", 1, p);
		ck_assert_msg(desc != NULL && strcmp(desc, json_object_get_string(v)) == 0,
		    "tooltip of %s \"%s\" is not its description \"%s\"", ad_keys[i],
		    json_object_get_string(v), desc != NULL ? desc : "(none)");
		free(desc);
	}
	json_object_put(o);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/* ---- admin_users_list ---- */

static void
check_users(json_object *list, const char *const *names, size_t n)
{
	json_object *users = tw_get(list, "users"), *u;
	const char *p[1];
	char *row;
	size_t i;

	ck_assert_msg(json_object_is_type(users, json_type_array) &&
	    json_object_array_length(users) == n, "users: %s, want %zu", tw_js(users), n);
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(users, i);
		ck_assert_msg(strcmp(tw_strz(u, "username"), names[i]) == 0,
		    "users not ordered case-insensitively (entry %zu should be %s): %s", i, names[i],
		    tw_js(users));
		p[0] = names[i];
		row = ad_sql_param_value("SELECT a.id || ' ' || r.name || ' ' || a.status FROM accounts a "
		    "JOIN roles r ON r.id = a.role_id WHERE a.username = $1", 1, p);
		ck_assert_ptr_nonnull(row);
		{
			char want[200];

			snprintf(want, sizeof want, "%s %s %s", tw_strz(u, "id"), tw_strz(u, "role"),
			    tw_strz(u, "status"));
			ck_assert_msg(strcmp(row, want) == 0, "user %s: id/role/status \"%s\", database \"%s\"",
			    names[i], want, row);
		}
		free(row);
		{
			json_object *v;

			ck_assert_msg(json_object_object_get_ex(u, "id", &v) &&
			    json_object_is_type(v, json_type_string), "user id is not a string: %s", tw_js(u));
		}
	}
}

START_TEST(test_users_list)
{
	static const char *const all[] = { "Bob", "boss", "carol", "Dave" };
	static const char *const active[] = { "Bob", "boss", "Dave" };
	static const char *const disabled[] = { "carol" };
	struct td *d = ad_start(NULL);
	struct tw_user *a;
	json_object *o, *m;

	ad_account(d, "boss", "admin");
	ad_account(d, "bob", NULL);
	ad_account(d, "carol", NULL);
	ad_account(d, "dave", "guest");
	/* Stored case differs from byte order: Bob < boss < carol < Dave only ignoring case. */
	ad_sql("UPDATE accounts SET username = 'Bob' WHERE username = 'bob'");
	ad_sql("UPDATE accounts SET username = 'Dave' WHERE username = 'dave'");
	ad_sql("UPDATE accounts SET status = 'disabled' WHERE username = 'carol'");
	a = tw_login(d, "boss");

	o = ad_call(a, ag_msg("admin_users_list", NULL), "admin_users_list");
	check_users(o, all, 4);
	json_object_put(o);
	o = ad_call(a, ag_msg("admin_users_list", "action", "ban", NULL), "admin_users_list");
	check_users(o, active, 3);
	json_object_put(o);
	o = ad_call(a, ag_msg("admin_users_list", "action", "unban", NULL), "admin_users_list");
	check_users(o, disabled, 1);
	json_object_put(o);
	o = ad_call(a, ag_msg("admin_users_list", "action", "set_role", NULL), "admin_users_list");
	check_users(o, all, 4);
	json_object_put(o);
	o = ad_call(a, ag_msg("admin_users_list", "action", "delete_account", NULL), "admin_users_list");
	check_users(o, all, 4);
	json_object_put(o);
	m = ag_msg("admin_users_list", NULL);
	json_object_object_add(m, "action", NULL);
	o = ad_call(a, m, "admin_users_list");
	check_users(o, all, 4);
	json_object_put(o);
	/* Any other action is a schema error. */
	tw_send(a, ag_msg("admin_users_list", "action", "purge", NULL));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_none(a->c, td_ms(300), "admin_users_list", NULL, NULL);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/*
 * The reference orders roles by name and users by username ignoring ASCII
 * case, byte-wise (SQLite's BINARY and NOCASE), so "a-x" < "a_x" < "ab".
 * On a database whose default collation is a language's (en-US here, as on
 * a server installed with an en_US locale) the order must not change.
 */
START_TEST(test_list_order_collation)
{
	static const char *const roles[] = { "a-x", "a_x", "ab", "admin", "editor", "guest", "user" };
	static const char *const users[] = { "u-x", "u_x", "ub" };
	struct td *d = ad_start_icu(NULL);
	struct tw_user *a;
	json_object *o, *list;
	size_t i;

	/* main() found that this PostgreSQL can make one; otherwise the case reports SKIP. */
	ck_assert_msg(d != NULL, "this PostgreSQL made an ICU database in main() but not now");
	ad_account(d, "ub", "admin");
	ad_account(d, "u_x", NULL);
	ad_account(d, "u-x", NULL);
	a = tw_login(d, "ub");
	ad_act(a, ag_msg("admin_role_create", "name", "ab", NULL), "role_create", 1, "Created role ab.");
	ad_act(a, ag_msg("admin_role_create", "name", "a_x", NULL), "role_create", 1, "Created role a_x.");
	ad_act(a, ag_msg("admin_role_create", "name", "a-x", NULL), "role_create", 1, "Created role a-x.");
	o = ad_call(a, ag_msg("admin_roles_list", NULL), "admin_roles_list");
	check_role_order(tw_get(o, "roles"), roles, sizeof roles / sizeof roles[0]);
	json_object_put(o);
	o = ad_call(a, ag_msg("admin_users_list", NULL), "admin_users_list");
	list = tw_get(o, "users");
	ck_assert_int_eq(json_object_array_length(list), 3);
	for (i = 0; i < 3; i++)
		ck_assert_msg(strcmp(tw_strz(json_object_array_get_idx(list, i), "username"), users[i]) == 0,
		    "users not in byte order ignoring case (entry %zu should be %s): %s", i, users[i],
		    tw_js(list));
	json_object_put(o);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/* ---- admin_role_create ---- */

START_TEST(test_role_create)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a;
	char name32[40], name33[40], msg[80];

	ad_account(d, "boss", "admin");
	a = tw_login(d, "boss");
	/* Trimmed and lowercased; a custom role starts empty. */
	ad_act(a, ag_msg("admin_role_create", "name", "  NewRole  ", NULL), "role_create", 1,
	    "Created role newrole.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name = 'newrole' AND NOT is_system"), 1);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name = 'newrole'"), 0);
	ad_act(a, ag_msg("admin_role_create", "name", "newrole", NULL), "role_create", 0, AD_ROLE_EXISTS);
	ad_act(a, ag_msg("admin_role_create", "name", "NEWROLE", NULL), "role_create", 0, AD_ROLE_EXISTS);
	ad_act(a, ag_msg("admin_role_create", "name", "guest", NULL), "role_create", 0, AD_ROLE_EXISTS);
	ad_act(a, ag_msg("admin_role_create", "name", "Admin", NULL), "role_create", 0, AD_ROLE_EXISTS);
	ad_act(a, ag_msg("admin_role_create", "name", "   ", NULL), "role_create", 0, AD_ROLE_REQUIRED);
	ad_act(a, ag_msg("admin_role_create", "name", "\t \t", NULL), "role_create", 0, AD_ROLE_REQUIRED);
	ad_act(a, ag_msg("admin_role_create", "name", "bad role", NULL), "role_create", 0, AD_ROLE_CHARS);
	ad_act(a, ag_msg("admin_role_create", "name", "role.x", NULL), "role_create", 0, AD_ROLE_CHARS);
	ad_act(a, ag_msg("admin_role_create", "name", "r\xc3\xb4le", NULL), "role_create", 0,
	    AD_ROLE_CHARS);
	ad_act(a, ag_msg("admin_role_create", "name", "x'; DROP TABLE roles; --", NULL),
	    "role_create", 0, AD_ROLE_CHARS);
	ad_act(a, ag_msg("admin_role_create", "name", "with-dash_and_9", NULL), "role_create", 1,
	    "Created role with-dash_and_9.");
	/* 32 characters is the limit; 33 is refused by the wire schema (error bad_field). */
	memset(name32, 'r', 32);
	name32[32] = '\0';
	snprintf(msg, sizeof msg, "Created role %s.", name32);
	ad_act(a, ag_msg("admin_role_create", "name", name32, NULL), "role_create", 1, msg);
	memset(name33, 's', 33);
	name33[33] = '\0';
	tw_send(a, ag_msg("admin_role_create", "name", name33, NULL));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_none(a->c, td_ms(300), "admin_action_result", NULL, NULL);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name LIKE 'sss%%'"), 0);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles"), 7);

	/* Every attempt, as sent, is in the audit log. */
	ad_audit("boss", "role_create", "  NewRole  ", 1, "Created role newrole.");
	ad_audit("boss", "role_create", "NEWROLE", 0, AD_ROLE_EXISTS);
	ad_audit("boss", "role_create", "   ", 0, AD_ROLE_REQUIRED);
	ad_audit("boss", "role_create", "bad role", 0, AD_ROLE_CHARS);
	ad_audit("boss", "role_create", name32, 1, msg);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/*
 * Lengths are in characters (the reference's len()): 17 × "é" is 17
 * characters, within 32, so the refusal is about the characters, not the
 * length (34 bytes).
 */
START_TEST(test_role_create_length_in_characters)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a;
	char name[64] = "";
	int i;

	ad_account(d, "boss", "admin");
	a = tw_login(d, "boss");
	for (i = 0; i < 17; i++)
		strcat(name, "\xc3\xa9");
	ad_act(a, ag_msg("admin_role_create", "name", name, NULL), "role_create", 0, AD_ROLE_CHARS);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/* ---- admin_role_update_permissions ---- */

START_TEST(test_role_update)
{
	static const char *const messy[] = { " user.kick ", "chat.send", "", "voice.send", "chat.send", "  " };
	struct td *d = ad_start(NULL);
	struct tw_user *a, *m1, *m2, *u;
	char *before, *after;

	ad_account(d, "boss", "admin");
	a = tw_login(d, "boss");
	ad_act(a, ag_msg("admin_role_create", "name", "mods", NULL), "role_create", 1, "Created role mods.");
	ad_account(d, "mone", "mods");
	ad_account(d, "mtwo", "mods");
	ad_account(d, "plain", NULL);
	m1 = tw_login(d, "mone");
	m2 = tw_login(d, "mtwo");
	u = tw_login(d, "plain");
	ck_assert_str_eq(tw_strz(m1->result, "role"), "mods");
	ad_check_perms(tw_get(m1->result, "permissions"), "");
	before = ad_sql_value("SELECT updated_at FROM roles WHERE name = 'mods'");

	/* Keys trimmed, blanks skipped, duplicates merged; every member is told at once. */
	ad_act(a, ad_m_perms_v("mods", messy, sizeof messy / sizeof messy[0]),
	    "role_update_permissions", 1, "Updated permissions for mods.");
	json_object_put(ad_expect_auth_perms(m1->c, "mods", "chat.send,user.kick,voice.send", "kick_user"));
	json_object_put(ad_expect_auth_perms(m2->c, "mods", "chat.send,user.kick,voice.send", "kick_user"));
	tw_none(u->c, td_ms(300), "auth_permissions", NULL, NULL);
	tw_none(a->c, td_ms(100), "auth_permissions", NULL, NULL);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name = 'mods'"), 3);
	after = ad_sql_value("SELECT updated_at > '%s' FROM roles WHERE name = 'mods'", before);
	ck_assert_msg(after != NULL && strcmp(after, "t") == 0, "roles.updated_at not bumped (was %s)",
	    before);
	free(before);
	free(after);

	/* The whole set is replaced; the name is normalised, the message says it as sent. */
	ad_act(a, ad_m_perms(" Mods ", "role.manage"), "role_update_permissions", 1,
	    "Updated permissions for  Mods .");
	json_object_put(ad_expect_auth_perms(m1->c, "mods", "role.manage", "manage_roles"));
	json_object_put(ad_expect_auth_perms(m2->c, "mods", "role.manage", "manage_roles"));
	ad_act(a, ad_m_perms("mods", ""), "role_update_permissions", 1, "Updated permissions for mods.");
	json_object_put(ad_expect_auth_perms(m1->c, "mods", "", ""));
	json_object_put(ad_expect_auth_perms(m2->c, "mods", "", ""));

	/* Failures change nothing and push nothing. */
	ad_act(a, ad_m_perms("admin", ""), "role_update_permissions", 0, AD_ADMIN_LOCKED);
	ad_act(a, ad_m_perms(" ADMIN ", "chat.send"), "role_update_permissions", 0, AD_ADMIN_LOCKED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name = 'admin'"), AD_NKEYS);
	ad_act(a, ad_m_perms("nosuch", "chat.send"), "role_update_permissions", 0, AD_ROLE_NOT_FOUND);
	ad_act(a, ad_m_perms("mods", "chat.send,bogus.key"), "role_update_permissions", 0,
	    "Unknown permission: bogus.key");
	ad_act(a, ad_m_perms("mods", "Chat.Send"), "role_update_permissions", 0,
	    "Unknown permission: Chat.Send");
	ad_act(a, ad_m_perms("mods", " padded.bad ,chat.send"), "role_update_permissions", 0,
	    "Unknown permission: padded.bad");
	ad_act(a, ad_m_perms("mods", "world.structure.edit"), "role_update_permissions", 0,
	    "Unknown permission: world.structure.edit");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name = 'mods'"), 0);
	tw_none(m1->c, td_ms(300), "auth_permissions", NULL, NULL);

	/* System roles other than admin are editable, and their members are told too. */
	ad_act(a, ad_m_perms("user", "chat.send"), "role_update_permissions", 1,
	    "Updated permissions for user.");
	json_object_put(ad_expect_auth_perms(u->c, "user", "chat.send", ""));
	tw_none(m1->c, td_ms(200), "auth_permissions", NULL, NULL);
	ad_act(a, ad_m_perms("user", ad_user_csv), "role_update_permissions", 1,
	    "Updated permissions for user.");
	json_object_put(ad_expect_auth_perms(u->c, "user", ad_user_csv, ""));

	ad_audit("boss", "role_update_permissions", "mods", 1, "Updated permissions for mods.");
	ad_audit("boss", "role_update_permissions", " Mods ", 1, "Updated permissions for  Mods .");
	ad_audit("boss", "role_update_permissions", "admin", 0, AD_ADMIN_LOCKED);
	ad_audit("boss", "role_update_permissions", "nosuch", 0, AD_ROLE_NOT_FOUND);
	ad_audit("boss", "role_update_permissions", "mods", 0, "Unknown permission: bogus.key");
	tw_close(m1);
	tw_close(m2);
	tw_close(u);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/*
 * The reference looks the role up before it checks the keys (auth_service
 * update_role_permissions), so an unknown role is "Role not found." whatever
 * the keys are.
 */
START_TEST(test_role_update_check_order)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a;

	ad_account(d, "boss", "admin");
	a = tw_login(d, "boss");
	ad_act(a, ad_m_perms("nosuch", "bogus.key"), "role_update_permissions", 0, AD_ROLE_NOT_FOUND);
	/* admin comes before both. */
	ad_act(a, ad_m_perms("admin", "bogus.key"), "role_update_permissions", 0, AD_ADMIN_LOCKED);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/* ---- admin_role_delete ---- */

START_TEST(test_role_delete)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *t1, *u;
	char *old_id;

	ad_account(d, "boss", "admin");
	a = tw_login(d, "boss");
	ad_act(a, ag_msg("admin_role_create", "name", "temp", NULL), "role_create", 1, "Created role temp.");
	ad_act(a, ad_m_perms("temp", "chat.send,user.mute"), "role_update_permissions", 1,
	    "Updated permissions for temp.");
	ad_account(d, "tone", "temp");
	ad_account(d, "ttwo", "temp");
	ad_account(d, "plain", NULL);
	t1 = tw_login(d, "tone");
	u = tw_login(d, "plain");
	ad_check_menu(tw_get(t1->result, "adminMenuActions"), "mute_user");
	old_id = ad_sql_value("SELECT id FROM roles WHERE name = 'temp'");

	ad_act(a, ag_msg("admin_role_delete", "role", "admin", "replacementRole", "user", NULL),
	    "role_delete", 0, AD_ROLE_UNDELETABLE);
	ad_act(a, ag_msg("admin_role_delete", "role", " User ", "replacementRole", "guest", NULL),
	    "role_delete", 0, AD_ROLE_UNDELETABLE);
	ad_act(a, ag_msg("admin_role_delete", "role", "temp", "replacementRole", " TEMP ", NULL),
	    "role_delete", 0, AD_REPLACEMENT_SAME);
	ad_act(a, ag_msg("admin_role_delete", "role", "nosuch", "replacementRole", "user", NULL),
	    "role_delete", 0, AD_ROLE_NOT_FOUND);
	ad_act(a, ag_msg("admin_role_delete", "role", "nosuch", "replacementRole", "other", NULL),
	    "role_delete", 0, AD_ROLE_NOT_FOUND);
	ad_act(a, ag_msg("admin_role_delete", "role", "temp", "replacementRole", "nosuch", NULL),
	    "role_delete", 0, AD_REPLACEMENT_NOT_FOUND);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE r.name = 'temp'"), 2);
	tw_none(t1->c, td_ms(200), "auth_permissions", NULL, NULL);

	/* Members move to the replacement, and the connected one is told its new role and keys. */
	ad_act(a, ag_msg("admin_role_delete", "role", "temp", "replacementRole", "guest", NULL),
	    "role_delete", 1, "Deleted role temp; reassigned 2 users to guest.");
	json_object_put(ad_expect_auth_perms(t1->c, "guest", ad_guest_csv, ""));
	tw_none(u->c, td_ms(300), "auth_permissions", NULL, NULL);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name = 'temp'"), 0);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions WHERE role_id = %s", old_id), 0);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE r.name = 'guest' AND a.username IN ('tone', 'ttwo')"), 2);
	/* The new role is what the gate uses: guest may chat but not mute. */
	ad_act(t1, ad_m_mute("plain", "chat", 1), "user_mute", 0, AD_NOT_AUTHORIZED);

	/* Deletable system roles: editor (nobody), then guest (two, one connected). */
	ad_act(a, ag_msg("admin_role_delete", "role", "editor", "replacementRole", "user", NULL),
	    "role_delete", 1, "Deleted role editor; reassigned 0 users to user.");
	ad_act(a, ag_msg("admin_role_delete", "role", "guest", "replacementRole", "user", NULL),
	    "role_delete", 1, "Deleted role guest; reassigned 2 users to user.");
	json_object_put(ad_expect_auth_perms(t1->c, "user", ad_user_csv, ""));
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles"), 2);

	ad_audit("boss", "role_delete", "admin", 0, AD_ROLE_UNDELETABLE);
	ad_audit("boss", "role_delete", "temp", 0, AD_REPLACEMENT_SAME);
	ad_audit("boss", "role_delete", "nosuch", 0, AD_ROLE_NOT_FOUND);
	ad_audit("boss", "role_delete", "temp", 0, AD_REPLACEMENT_NOT_FOUND);
	ad_audit("boss", "role_delete", "temp", 1, "Deleted role temp; reassigned 2 users to guest.");
	free(old_id);
	tw_close(t1);
	tw_close(u);
	tw_close(a);
	ad_stop(d);
}
END_TEST

/* ---- persistence ---- */

START_TEST(test_roles_survive_restart)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *k;
	json_object *o;

	ad_account(d, "boss", "admin");
	ad_account(d, "keeper", NULL);
	a = tw_login(d, "boss");
	ad_act(a, ag_msg("admin_role_create", "name", "keepers", NULL), "role_create", 1,
	    "Created role keepers.");
	ad_act(a, ad_m_perms("keepers", "user.kick,chat.send"), "role_update_permissions", 1,
	    "Updated permissions for keepers.");
	ad_act(a, ag_msg("admin_user_set_role", "username", "keeper", "role", "keepers", NULL),
	    "user_set_role", 1, "Set role for keeper to keepers.");
	/* Edits of system roles stay too: the defaults are seeded once. */
	ad_act(a, ad_m_perms("guest", "chat.send"), "role_update_permissions", 1,
	    "Updated permissions for guest.");
	ad_act(a, ad_m_perms("editor", ""), "role_update_permissions", 1,
	    "Updated permissions for editor.");
	/* admin, though, holds every key again after a start. */
	ad_sql("DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE name = 'admin') "
	    "AND permission_key IN ('user.kick', 'chat.send')");
	tw_close(a);

	d = ad_restart(d);
	k = tw_login(d, "keeper");
	ck_assert_str_eq(tw_strz(k->result, "role"), "keepers");
	ad_check_perms(tw_get(k->result, "permissions"), "chat.send,user.kick");
	ad_check_menu(tw_get(k->result, "adminMenuActions"), "kick_user");
	a = tw_login(d, "boss");
	ad_check_perms(tw_get(a->result, "permissions"), ad_admin_csv);
	o = ad_call(a, ag_msg("admin_roles_list", NULL), "admin_roles_list");
	check_role(tw_get(o, "roles"), "keepers", 0, 1, "chat.send,user.kick");
	check_role(tw_get(o, "roles"), "guest", 1, 0, "chat.send");
	check_role(tw_get(o, "roles"), "editor", 1, 0, "");
	check_role(tw_get(o, "roles"), "user", 1, 0, ad_user_csv);
	check_role(tw_get(o, "roles"), "admin", 1, 1, ad_admin_csv);
	json_object_put(o);
	/* And the restored role works through the gate. */
	ad_act(k, ad_m_user("admin_user_kick", "nobody"), "user_kick", 0, "nobody is not connected.");
	tw_close(k);
	tw_close(a);
	ad_stop(d);
}
END_TEST

static Suite *
roles_suite(int icu)
{
	Suite *s = suite_create("admin_roles");
	TCase *tc;

	tc = tcase_create("lists");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roles_list);
	tcase_add_test(tc, test_users_list);
	if (icu)
		tcase_add_test(tc, test_list_order_collation);
	suite_add_tcase(s, tc);

	tc = tcase_create("roles");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_role_create);
	tcase_add_test(tc, test_role_create_length_in_characters);
	tcase_add_test(tc, test_role_update);
	tcase_add_test(tc, test_role_update_check_order);
	tcase_add_test(tc, test_role_delete);
	tcase_add_test(tc, test_roles_survive_restart);
	suite_add_tcase(s, tc);
	return s;
}

/* Whether this PostgreSQL can make a database with an ICU collation (built with ICU). */
static int
have_icu(void)
{
	if (pgtest_exec(ag_pg, "postgres", "CREATE DATABASE icu_probe LOCALE_PROVIDER icu "
	    "ICU_LOCALE 'en-US' LOCALE 'C' TEMPLATE template0") != 0)
		return 0;
	pgtest_exec(ag_pg, "postgres", "DROP DATABASE icu_probe");
	return 1;
}

int
main(void)
{
	static const char *const skipped[] = { "test_list_order_collation" };
	int icu;

	/*
	 * The cluster first, to ask it; a missing ICU is a SKIP, never a pass
	 * (CG_TEST_NO_ICU set shows that path on a server that has ICU).
	 */
	if ((ag_pg = pgtest_start()) == NULL) {
		printf("Bail out! cannot start a private PostgreSQL cluster\n");
		return 99;
	}
	icu = getenv("CG_TEST_NO_ICU") != NULL ? 0 : have_icu();
	return ag_main_skips(roles_suite(icu), icu ? 0 : 1, skipped,
	    "this PostgreSQL cannot make an ICU database (built without ICU)");
}
