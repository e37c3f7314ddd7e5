/* test_world_common.c: helpers shared by the test_world_* programs. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_world_common.h"

struct td *
wt_start(const char *extra)
{
	char *cfgtext;
	struct td *td;

	if (asprintf(&cfgtext, "chat_burst 1000\nchat_per_minute 60000\n%s",
	    extra != NULL ? extra : "") < 0)
		ck_abort_msg("out of memory");
	td = ag_start(cfgtext, 0);
	free(cfgtext);
	return td;
}

/* ---- JSON ---- */

const char *
wt_str_at(const char *file, int line, json_object *o, const char *key)
{
	const char *s = tc_json_str(o, key);

	ck_assert_msg(s != NULL, "%s:%d: no string \"%s\" in %s", file, line, key,
	    json_object_to_json_string(o));
	return s;
}

int64_t
wt_int_at(const char *file, int line, json_object *o, const char *key)
{
	int64_t v;

	ck_assert_msg(tc_json_int(o, key, &v) == 0, "%s:%d: no integer \"%s\" in %s", file, line,
	    key, json_object_to_json_string(o));
	return v;
}

int
wt_bool_at(const char *file, int line, json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_boolean), "%s:%d: no boolean \"%s\" in %s", file,
	    line, key, json_object_to_json_string(o));
	return json_object_get_boolean(v);
}

json_object *
wt_obj_at(const char *file, int line, json_object *o, const char *key, json_type t)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t),
	    "%s:%d: no %s \"%s\" in %s", file, line, t == json_type_array ? "array" : "object",
	    key, json_object_to_json_string(o));
	return v;
}

int
wt_has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

json_object *
wt_find_id(json_object *a, const char *id)
{
	size_t i, n = json_object_array_length(a);
	const char *s;

	for (i = 0; i < n; i++) {
		s = tc_json_str(json_object_array_get_idx(a, i), "id");
		if (s != NULL && strcmp(s, id) == 0)
			return json_object_array_get_idx(a, i);
	}
	return NULL;
}

/* ---- receiving ---- */

static int
matches(json_object *o, const char *type, const char *key, const char *val)
{
	const char *t = tc_json_str(o, "type"), *v;

	if (t == NULL || strcmp(t, type) != 0)
		return 0;
	if (key == NULL)
		return 1;
	v = tc_json_str(o, key);
	return v != NULL && strcmp(v, val) == 0;
}

/* Append a short copy of o to a log of skipped messages. */
static void
note_skipped(char *log, size_t cap, json_object *o)
{
	size_t n = strlen(log);

	if (n + 4 >= cap)
		return;
	snprintf(log + n, cap - n, "%s%.300s", n > 0 ? "\n    " : "    ",
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

json_object *
wt_wait_at(const char *file, int line, struct tc_conn *c, int ms, const char *type,
    const char *key, const char *val)
{
	int64_t deadline = tc_now_ms() + td_ms(ms), left;
	char skipped[4000] = "";
	json_object *o;

	for (;;) {
		left = deadline - tc_now_ms();
		o = tc_ws_recv_json(c, left > 0 ? (int)left : 0);
		if (o == NULL)
			ck_abort_msg("%s:%d: no %s%s%s%s%s within %d ms (%s)%s; skipped:\n%s", file, line,
			    type, key != NULL ? " with " : "", key != NULL ? key : "",
			    key != NULL ? " = " : "", key != NULL ? val : "", ms, tc_error(c),
			    td_health(), skipped[0] != '\0' ? skipped : "    (nothing)");
		if (matches(o, type, key, val))
			return o;
		note_skipped(skipped, sizeof skipped, o);
		json_object_put(o);
	}
}

void
wt_none_at(const char *file, int line, struct tc_conn *c, int ms, const char *type,
    const char *key, const char *val)
{
	int64_t deadline = tc_now_ms() + ms, left;
	json_object *o;

	while ((left = deadline - tc_now_ms()) > 0) {
		if ((o = tc_ws_recv_json(c, (int)left)) == NULL)
			return;
		ck_assert_msg(!matches(o, type, key, val), "%s:%d: unexpected %s", file, line,
		    json_object_to_json_string(o));
		json_object_put(o);
	}
}

int
wt_count(struct tc_conn *c, int ms, const char *type, const char *key, const char *val)
{
	int64_t deadline = tc_now_ms() + ms, left;
	json_object *o;
	int n = 0;

	while ((left = deadline - tc_now_ms()) > 0) {
		if ((o = tc_ws_recv_json(c, (int)left)) == NULL)
			break;
		n += matches(o, type, key, val);
		json_object_put(o);
	}
	return n;
}

json_object *
wt_collect(struct tc_conn *c, int ms)
{
	int64_t deadline = tc_now_ms() + ms, left;
	json_object *a = json_object_new_array(), *o;

	while ((left = deadline - tc_now_ms()) > 0) {
		if ((o = tc_ws_recv_json(c, (int)left)) == NULL)
			break;
		json_object_array_add(a, o);
	}
	return a;
}

json_object *
wt_find_msg(json_object *a, const char *type, const char *key, const char *val)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (matches(json_object_array_get_idx(a, i), type, key, val))
			return json_object_array_get_idx(a, i);
	return NULL;
}

void
wt_drain(struct tc_conn *c, int ms)
{
	int64_t end = tc_now_ms() + 3000;
	json_object *o;

	while (tc_now_ms() < end && (o = tc_ws_recv_json(c, ms)) != NULL)
		json_object_put(o);
}

void
wt_sys_at(const char *file, int line, struct tc_conn *c, const char *text)
{
	json_object *o = wt_wait_at(file, line, c, WT_WAIT_MS, "chat_message", "message", text);

	ck_assert_msg(wt_bool_at(file, line, o, "system") == 1 &&
	    wt_bool_at(file, line, o, "action") == 0 && !wt_has(o, "senderId") &&
	    !wt_has(o, "senderNickname"), "%s:%d: not a system line: %s", file, line,
	    json_object_to_json_string(o));
	json_object_put(o);
}

void
wt_pos_at(const char *file, int line, struct tc_conn *c, const char *id, int *x, int *y)
{
	json_object *o = wt_wait_at(file, line, c, WT_WAIT_MS, "update_position", "id", id);

	*x = (int)wt_int_at(file, line, o, "x");
	*y = (int)wt_int_at(file, line, o, "y");
	json_object_put(o);
}

void
wt_pos_is_at(const char *file, int line, struct tc_conn *c, const char *id, int x, int y)
{
	int gx, gy;

	wt_pos_at(file, line, c, id, &gx, &gy);
	ck_assert_msg(gx == x && gy == y, "%s:%d: update_position of %s at %d,%d, want %d,%d",
	    file, line, id, gx, gy, x, y);
}

/* ---- players ---- */

/* Read the welcome that must follow a successful auth_result and fill u. */
static void
read_welcome(struct wu *u)
{
	json_object *o = wt_wait(u->c, "welcome", NULL, NULL), *p;

	u->welcome = o;
	snprintf(u->id, sizeof u->id, "%s", wt_str(o, "id"));
	p = wt_obj(o, "player");
	ck_assert_msg(strcmp(wt_str(p, "id"), u->id) == 0, "welcome.player.id differs from id: %s",
	    json_object_to_json_string(o));
	snprintf(u->userid, sizeof u->userid, "%s", wt_str(p, "userId"));
	snprintf(u->nick, sizeof u->nick, "%s", wt_str(p, "nickname"));
	u->x = (int)wt_int(p, "x");
	u->y = (int)wt_int(p, "y");
	(void)wt_arr(o, "users");
	(void)wt_arr(o, "items");
	(void)wt_obj(o, "worldConfig");
	(void)wt_obj(o, "uiDefinitions");
	(void)wt_obj(o, "serverInfo");
	(void)wt_obj(o, "auth");
}

static struct wu *
wu_new(struct td *td, const char *user)
{
	struct wu *u = calloc(1, sizeof *u);

	ck_assert_ptr_nonnull(u);
	snprintf(u->user, sizeof u->user, "%s", user);
	u->c = ag_ws(td);
	return u;
}

struct wu *
wt_join(struct td *td, const char *tag)
{
	char user[33];
	struct wu *u;
	json_object *o;

	ag_uname(user, tag);
	u = wu_new(td, user);
	o = ag_register(u->c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	read_welcome(u);
	return u;
}

struct wu *
wt_login(struct td *td, const char *user)
{
	struct wu *u = wu_new(td, user);
	json_object *o = ag_login(u->c, user, AG_PASSWORD);

	free(ag_expect_ok(o, user));
	json_object_put(o);
	read_welcome(u);
	return u;
}

struct wu *
wt_resume(struct td *td, const char *user, const char *token)
{
	struct wu *u = wu_new(td, user);
	json_object *o = ag_resume(u->c, token);

	free(ag_expect_ok(o, user));
	json_object_put(o);
	read_welcome(u);
	return u;
}

void
wt_close(struct wu *u)
{
	if (u == NULL)
		return;
	tc_close(u->c);
	json_object_put(u->welcome);
	free(u);
}

void
wt_account(struct td *td, char user[33], const char *tag)
{
	struct wu *u = wt_join(td, tag);
	int64_t end;
	char *v;

	snprintf(user, 33, "%s", u->user);
	wt_close(u);
	end = tc_now_ms() + td_ms(5000);
	for (;;) {
		v = ag_sql_value("SELECT s.last_x FROM account_state s JOIN accounts a "
		    "ON a.id = s.account_id WHERE a.username = '%s'", user);
		if (v != NULL)
			break;
		ck_assert_msg(tc_now_ms() < end, "the state of %s was not saved on disconnect%s",
		    user, td_health());
		wt_sleep_ms(20);
	}
	free(v);
}

/* ---- SQL ---- */

/* s with single quotes doubled (malloc'd), for SQL string literals. */
static char *
sq(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			*o++ = '\'';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

void
wt_place(const char *user, int x, int y)
{
	ag_sql("UPDATE account_state SET last_x = %d, last_y = %d WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", x, y, user);
}

void
wt_store_nick(const char *user, const char *nick)
{
	char *n = sq(nick);

	ag_sql("UPDATE account_state SET last_nickname = '%s' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", n, user);
	free(n);
}

int
wt_saved(const char *user, int *x, int *y, char *nick, size_t nicklen)
{
	char *v = ag_sql_value("SELECT coalesce(last_x, -1) || ',' || coalesce(last_y, -1) || ',' "
	    "|| coalesce(last_nickname, '') FROM account_state WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", user);
	char *p;

	if (v == NULL)
		return 0;
	*x = (int)strtol(v, &p, 10);
	*y = (int)strtol(p + 1, &p, 10);
	if (nick != NULL)
		snprintf(nick, nicklen, "%s", p + 1);
	free(v);
	return 1;
}

char *
wt_account_id(const char *user)
{
	char *v = ag_sql_value("SELECT id FROM accounts WHERE username = '%s'", user);

	ck_assert_msg(v != NULL, "no account %s", user);
	return v;
}

void
wt_role_like_user(char name[33], const char *tag, const char *add, const char *drop)
{
	static int counter;

	snprintf(name, 33, "%.12s_%d_%d", tag, (int)getpid(), ++counter);
	ag_sql("INSERT INTO roles (name) VALUES ('%s')", name);
	ag_sql("INSERT INTO role_permissions (role_id, permission_key) "
	    "SELECT (SELECT id FROM roles WHERE name = '%s'), permission_key FROM role_permissions "
	    "WHERE role_id = (SELECT id FROM roles WHERE name = 'user') AND permission_key <> '%s'",
	    name, drop != NULL ? drop : "");
	if (add != NULL)
		ag_sql("INSERT INTO role_permissions (role_id, permission_key) "
		    "VALUES ((SELECT id FROM roles WHERE name = '%s'), '%s') ON CONFLICT DO NOTHING",
		    name, add);
}

void
wt_set_role(const char *user, const char *role)
{
	ag_sql("UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = '%s') "
	    "WHERE username = '%s'", role, user);
}

/* ---- sending ---- */

void
wt_send(struct wu *u, json_object *o)
{
	ag_send(u->c, o);
}

static void
send_xy(struct wu *u, const char *type, int x, int y)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	wt_send(u, o);
}

void
wt_move(struct wu *u, int x, int y)
{
	send_xy(u, "update_position", x, y);
}

void
wt_teleport(struct wu *u, int x, int y)
{
	send_xy(u, "teleport_complete", x, y);
}

void
wt_chat(struct wu *u, const char *text)
{
	wt_send(u, ag_msg("chat_message", "message", text, NULL));
}

void
wt_nick(struct wu *u, const char *nick)
{
	wt_send(u, ag_msg("update_nickname", "nickname", nick, NULL));
}

/* ---- time ---- */

int64_t
wt_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
wt_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
wt_align_window(int tick_ms, int lead_ms)
{
	int64_t now = wt_wall_ms();
	int64_t next = (now / tick_ms + 1) * tick_ms + lead_ms;

	wt_sleep_ms((int)(next - now));
}

int
wt_dir(int v, int n, int grid)
{
	if (v + n < grid)
		return 1;
	ck_assert_msg(v - n >= 0, "no room for %d steps from %d in a grid of %d", n, v, grid);
	return -1;
}
