/* tworld.c: the integration tests' players and world messages (see tworld.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tworld.h"

struct td *
tw_start(const char *extra)
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
tw_str_at(const char *file, int line, json_object *o, const char *key)
{
	const char *s = tc_json_str(o, key);

	ck_assert_msg(s != NULL, "%s:%d: no string \"%s\" in %s", file, line, key,
	    json_object_to_json_string(o));
	return s;
}

int64_t
tw_int_at(const char *file, int line, json_object *o, const char *key)
{
	int64_t v;

	ck_assert_msg(tc_json_int(o, key, &v) == 0, "%s:%d: no integer \"%s\" in %s", file, line,
	    key, json_object_to_json_string(o));
	return v;
}

int
tw_bool_at(const char *file, int line, json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_boolean), "%s:%d: no boolean \"%s\" in %s", file,
	    line, key, json_object_to_json_string(o));
	return json_object_get_boolean(v);
}

json_object *
tw_obj_at(const char *file, int line, json_object *o, const char *key, json_type t)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t),
	    "%s:%d: no %s \"%s\" in %s", file, line, t == json_type_array ? "array" : "object",
	    key, json_object_to_json_string(o));
	return v;
}

json_object *
tw_get_at(const char *file, int line, json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(o != NULL && json_object_object_get_ex(o, key, &v) && v != NULL,
	    "%s:%d: no \"%s\" in %s", file, line, key, tw_js(o));
	return v;
}

const char *
tw_strz(json_object *o, const char *key)
{
	const char *s = o != NULL ? tc_json_str(o, key) : NULL;

	return s != NULL ? s : "";
}

const char *
tw_js(json_object *o)
{
	return o != NULL ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(none)";
}

int
tw_has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

json_object *
tw_find_id(json_object *a, const char *id)
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

int
tw_matches(json_object *o, const char *type, const char *key, const char *val)
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
tw_wait_at(const char *file, int line, struct tc_conn *c, int ms, const char *type,
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
		if (tw_matches(o, type, key, val))
			return o;
		note_skipped(skipped, sizeof skipped, o);
		json_object_put(o);
	}
}

void
tw_none_at(const char *file, int line, struct tc_conn *c, int ms, const char *type,
    const char *key, const char *val)
{
	int64_t deadline = tc_now_ms() + ms, left;
	json_object *o;

	while ((left = deadline - tc_now_ms()) > 0) {
		if ((o = tc_ws_recv_json(c, (int)left)) == NULL)
			return;
		ck_assert_msg(!tw_matches(o, type, key, val), "%s:%d: unexpected %s", file, line,
		    json_object_to_json_string(o));
		json_object_put(o);
	}
}

int
tw_count(struct tc_conn *c, int ms, const char *type, const char *key, const char *val)
{
	int64_t deadline = tc_now_ms() + ms, left;
	json_object *o;
	int n = 0;

	while ((left = deadline - tc_now_ms()) > 0) {
		if ((o = tc_ws_recv_json(c, (int)left)) == NULL)
			break;
		n += tw_matches(o, type, key, val);
		json_object_put(o);
	}
	return n;
}

json_object *
tw_collect(struct tc_conn *c, int ms)
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
tw_find_msg(json_object *a, const char *type, const char *key, const char *val)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (tw_matches(json_object_array_get_idx(a, i), type, key, val))
			return json_object_array_get_idx(a, i);
	return NULL;
}

void
tw_read_for(struct tc_conn *c, int ms)
{
	int64_t end = tc_now_ms() + ms, left;
	json_object *o;

	while ((left = end - tc_now_ms()) > 0)
		if ((o = tc_ws_recv_json(c, (int)left)) != NULL)
			json_object_put(o);
}

void
tw_drain(struct tc_conn *c, int ms)
{
	int64_t end = tc_now_ms() + 3000;
	json_object *o;

	while (tc_now_ms() < end && (o = tc_ws_recv_json(c, ms)) != NULL)
		json_object_put(o);
}

void
tw_sys_at(const char *file, int line, struct tc_conn *c, const char *text)
{
	json_object *o = tw_wait_at(file, line, c, TW_WAIT_MS, "chat_message", "message", text);

	ck_assert_msg(tw_bool_at(file, line, o, "system") == 1 &&
	    tw_bool_at(file, line, o, "action") == 0 && !tw_has(o, "senderId") &&
	    !tw_has(o, "senderNickname"), "%s:%d: not a system line: %s", file, line,
	    json_object_to_json_string(o));
	json_object_put(o);
}

void
tw_pos_at(const char *file, int line, struct tc_conn *c, const char *id, int *x, int *y)
{
	json_object *o = tw_wait_at(file, line, c, TW_WAIT_MS, "update_position", "id", id);

	*x = (int)tw_int_at(file, line, o, "x");
	*y = (int)tw_int_at(file, line, o, "y");
	json_object_put(o);
}

void
tw_pos_is_at(const char *file, int line, struct tc_conn *c, const char *id, int x, int y)
{
	int gx, gy;

	tw_pos_at(file, line, c, id, &gx, &gy);
	ck_assert_msg(gx == x && gy == y, "%s:%d: update_position of %s at %d,%d, want %d,%d",
	    file, line, id, gx, gy, x, y);
}

/* ---- players ---- */

/* Read the welcome that must follow a successful auth_result and fill u. */
static void
read_welcome(struct tw_user *u)
{
	json_object *o = tw_wait(u->c, "welcome", NULL, NULL), *p;

	u->welcome = o;
	snprintf(u->id, sizeof u->id, "%s", tw_str(o, "id"));
	p = tw_obj(o, "player");
	ck_assert_msg(strcmp(tw_str(p, "id"), u->id) == 0, "welcome.player.id differs from id: %s",
	    json_object_to_json_string(o));
	snprintf(u->userid, sizeof u->userid, "%s", tw_str(p, "userId"));
	snprintf(u->nick, sizeof u->nick, "%s", tw_str(p, "nickname"));
	u->x = (int)tw_int(p, "x");
	u->y = (int)tw_int(p, "y");
	(void)tw_arr(o, "users");
	(void)tw_arr(o, "items");
	(void)tw_obj(o, "worldConfig");
	(void)tw_obj(o, "uiDefinitions");
	(void)tw_obj(o, "serverInfo");
	(void)tw_obj(o, "auth");
}

static struct tw_user *
user_new(struct tc_conn *c, const char *user)
{
	struct tw_user *u = calloc(1, sizeof *u);

	ck_assert_ptr_nonnull(u);
	snprintf(u->user, sizeof u->user, "%s", user);
	u->c = c;
	return u;
}

/* Check the successful auth_result o, keep it and its token, then read the welcome. */
static struct tw_user *
welcomed(struct tw_user *u, json_object *o)
{
	u->result = o;
	u->token = ag_expect_ok(o, u->user);
	read_welcome(u);
	return u;
}

struct tw_user *
tw_join(struct td *td, const char *tag)
{
	char user[33];
	struct tw_user *u;

	ag_uname(user, tag);
	u = user_new(ag_ws(td), user);
	return welcomed(u, ag_register(u->c, user, AG_PASSWORD, NULL));
}

struct tw_user *
tw_login_on(struct tc_conn *c, const char *user)
{
	struct tw_user *u = user_new(c, user);

	return welcomed(u, ag_login(u->c, user, AG_PASSWORD));
}

struct tw_user *
tw_login(struct td *td, const char *user)
{
	return tw_login_on(ag_ws(td), user);
}

struct tw_user *
tw_resume(struct td *td, const char *user, const char *token)
{
	struct tw_user *u = user_new(ag_ws(td), user);

	return welcomed(u, ag_resume(u->c, token));
}

void
tw_close(struct tw_user *u)
{
	if (u == NULL)
		return;
	if (u->c != NULL)
		tc_close(u->c);
	free(u->token);
	json_object_put(u->result);
	json_object_put(u->welcome);
	free(u);
}

void
tw_account(struct td *td, char user[33], const char *tag)
{
	ag_uname(user, tag);
	free(ag_new_account(td, user));
}

void
tw_account_saved(struct td *td, char user[33], const char *tag)
{
	struct tw_user *u = tw_join(td, tag);
	int64_t end;
	char *v;

	snprintf(user, 33, "%s", u->user);
	tw_close(u);
	end = tc_now_ms() + td_ms(5000);
	for (;;) {
		v = ag_sql_value("SELECT s.last_x FROM account_state s JOIN accounts a "
		    "ON a.id = s.account_id WHERE a.username = '%s'", user);
		if (v != NULL)
			break;
		ck_assert_msg(tc_now_ms() < end, "the state of %s was not saved on disconnect%s",
		    user, td_health());
		tw_sleep_ms(20);
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
tw_place(const char *user, int x, int y)
{
	ag_sql("UPDATE account_state SET last_x = %d, last_y = %d WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", x, y, user);
}

void
tw_store_nick(const char *user, const char *nick)
{
	char *n = sq(nick);

	ag_sql("UPDATE account_state SET last_nickname = '%s' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", n, user);
	free(n);
}

int
tw_saved(const char *user, int *x, int *y, char *nick, size_t nicklen)
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

void
tw_wait_saved_at(const char *file, int line, const char *user, int x, int y, int ms)
{
	int64_t end = tc_now_ms() + td_ms(ms);
	int sx = -1, sy = -1;

	while (!(tw_saved(user, &sx, &sy, NULL, 0) && sx == x && sy == y)) {
		ck_assert_msg(tc_now_ms() < end, "%s:%d: saved position of %s is %d,%d after %d ms, "
		    "want %d,%d%s", file, line, user, sx, sy, ms, x, y, td_health());
		tw_sleep_ms(20);
	}
}

char *
tw_account_id(const char *user)
{
	char *v = ag_sql_value("SELECT id FROM accounts WHERE username = '%s'", user);

	ck_assert_msg(v != NULL, "no account %s", user);
	return v;
}

void
tw_role_like_user(char name[33], const char *tag, const char *add, const char *drop)
{
	static int counter;
	char list[1024], *k, *save = NULL;

	snprintf(name, 33, "%.12s_%d_%d", tag, (int)getpid(), ++counter);
	ag_sql("INSERT INTO roles (name) VALUES ('%s')", name);
	ag_sql("INSERT INTO role_permissions (role_id, permission_key) "
	    "SELECT (SELECT id FROM roles WHERE name = '%s'), permission_key FROM role_permissions "
	    "WHERE role_id = (SELECT id FROM roles WHERE name = 'user')", name);
	if (add != NULL) {
		snprintf(list, sizeof list, "%s", add);
		for (k = strtok_r(list, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save))
			ag_sql("INSERT INTO role_permissions (role_id, permission_key) "
			    "VALUES ((SELECT id FROM roles WHERE name = '%s'), '%s') ON CONFLICT DO NOTHING",
			    name, k);
	}
	if (drop != NULL) {
		snprintf(list, sizeof list, "%s", drop);
		for (k = strtok_r(list, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save))
			ag_sql("DELETE FROM role_permissions WHERE role_id = "
			    "(SELECT id FROM roles WHERE name = '%s') AND permission_key = '%s'", name, k);
	}
}

void
tw_set_role(const char *user, const char *role)
{
	ag_sql("UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = '%s') "
	    "WHERE username = '%s'", role, user);
}

void
tw_give_role(const char *user, const char *add, const char *drop)
{
	char role[33];

	tw_role_like_user(role, "role", add, drop);
	tw_set_role(user, role);
}

/* ---- sending ---- */

void
tw_send(struct tw_user *u, json_object *o)
{
	ag_send(u->c, o);
}

void
tw_sendf(struct tw_user *u, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		ck_abort_msg("out of memory");
	va_end(ap);
	ck_assert_msg(tc_ws_send_text(u->c, text) == TC_OK, "send: %s", tc_error(u->c));
	free(text);
}

void
tw_goto(struct tw_user *u, int x, int y)
{
	json_object *o;
	int64_t gx, gy;

	if (u->x == x && u->y == y)
		return;
	tw_sendf(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", x, y);
	o = tw_wait(u->c, "update_position", "id", u->id);
	gx = tw_int(o, "x");
	gy = tw_int(o, "y");
	json_object_put(o);
	ck_assert_msg(gx == x && gy == y, "move to %d,%d answered with %lld,%lld", x, y, (long long)gx,
	    (long long)gy);
	u->x = x;
	u->y = y;
}

static void
send_xy(struct tw_user *u, const char *type, int x, int y)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "x", json_object_new_int(x));
	json_object_object_add(o, "y", json_object_new_int(y));
	tw_send(u, o);
}

void
tw_move(struct tw_user *u, int x, int y)
{
	send_xy(u, "update_position", x, y);
}

void
tw_teleport(struct tw_user *u, int x, int y)
{
	send_xy(u, "teleport_complete", x, y);
}

void
tw_chat(struct tw_user *u, const char *text)
{
	tw_send(u, ag_msg("chat_message", "message", text, NULL));
}

void
tw_nick(struct tw_user *u, const char *nick)
{
	tw_send(u, ag_msg("update_nickname", "nickname", nick, NULL));
}

/* ---- time ---- */

int64_t
tw_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tw_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
tw_align_window(int tick_ms, int lead_ms)
{
	int64_t now = tw_wall_ms();
	int64_t next = (now / tick_ms + 1) * tick_ms + lead_ms;

	tw_sleep_ms((int)(next - now));
}

int
tw_dir(int v, int n, int grid)
{
	if (v + n < grid)
		return 1;
	ck_assert_msg(v - n >= 0, "no room for %d steps from %d in a grid of %d", n, v, grid);
	return -1;
}
