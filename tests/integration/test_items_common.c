/* test_items_common.c: helpers shared by the test_items_* programs. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_items_common.h"

/* ---- plugins and daemons ---- */

void
ti_wipe(void)
{
	ag_sql("DO $$ BEGIN IF to_regclass('items') IS NOT NULL THEN DELETE FROM items; END IF; END $$");
}

static const char *
builddir(void)
{
	const char *b = getenv("CG_BUILDDIR");

	return b != NULL && *b != '\0' ? b : ".";
}

const char *
ti_plugin_path(const char *name)
{
	static char path[4096];

	static const char *const bundled[] = { "clock", "dice", "piano", "radio_station", "wheel", "widget", NULL };
	int i;

	for (i = 0; bundled[i] != NULL && strcmp(name, bundled[i]) != 0; i++)
		;
	if (bundled[i] != NULL)
		snprintf(path, sizeof path, "%s/plugins/%s/.libs/%s.so", builddir(), name, name);
	else
		snprintf(path, sizeof path, "%s/tests/plugins/.libs/%s.so", builddir(), name);
	return path;
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY);
	ck_assert_msg(in >= 0, "cannot open %s: %s (is it built?)", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_msg(out >= 0, "cannot create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof buf)) > 0)
		ck_assert_msg(write(out, buf, (size_t)n) == n, "cannot write %s", to);
	close(in);
	close(out);
}

void
ti_add_plugin(const char *dir, const char *name)
{
	char to[4096], tmp[4096];

	/* Copy then rename: a daemon scanning the directory never sees half a file. */
	snprintf(tmp, sizeof tmp, "%s/.%s.so.tmp", dir, name);
	snprintf(to, sizeof to, "%s/%s.so", dir, name);
	copy_file(ti_plugin_path(name), tmp);
	ck_assert_msg(rename(tmp, to) == 0, "rename %s: %s", to, strerror(errno));
}

char *
ti_plugin_dir(const char *names)
{
	char *dir = td_mkdtemp(), *list, *name, *save = NULL;

	ck_assert_ptr_nonnull(dir);
	list = strdup(names != NULL ? names : "");
	for (name = strtok_r(list, " ", &save); name != NULL; name = strtok_r(NULL, " ", &save))
		ti_add_plugin(dir, name);
	free(list);
	return dir;
}

const char *
ti_config(const char *dir)
{
	static char text[8192];

	snprintf(text, sizeof text,
	    "plugin_dir %s\n"
	    "itemhost %s/core/itemhost/chatgrid-itemhost\n"
	    "chat_burst 1000\n"
	    "chat_per_minute 60000\n"
	    "movement_max_steps_per_tick 100\n"
	    /* These tests are about items, not interest: everyone sees every item (test_world_large has the radius). */
	    "item_interest_radius 0\n"
	    "msg_rate 1000\n"
	    "msg_burst 1000\n", dir, builddir());
	return text;
}

struct td *
ti_start_dir(const char *dir, const char *extra)
{
	char *text;
	struct td *td;

	if (asprintf(&text, "%s%s", ti_config(dir), extra != NULL ? extra : "") < 0)
		ck_abort_msg("out of memory");
	td = ag_start(text, 0);
	free(text);
	return td;
}

struct td *
ti_start(const char *plugins, const char *extra, char **dir_out)
{
	char *dir;
	struct td *td;

	ti_wipe();
	dir = ti_plugin_dir(plugins);
	td = ti_start_dir(dir, extra);
	if (dir_out != NULL)
		*dir_out = dir;
	else
		free(dir);
	return td;
}

/* ---- JSON ---- */

const char *
ti_str_at(const char *file, int line, json_object *o, const char *key)
{
	const char *s = tc_json_str(o, key);

	ck_assert_msg(s != NULL, "%s:%d: no string \"%s\" in %s", file, line, key, json_object_to_json_string(o));
	return s;
}

int64_t
ti_int_at(const char *file, int line, json_object *o, const char *key)
{
	int64_t v;

	ck_assert_msg(tc_json_int(o, key, &v) == 0, "%s:%d: no integer \"%s\" in %s", file, line, key,
	    json_object_to_json_string(o));
	return v;
}

json_object *
ti_obj_at(const char *file, int line, json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && v != NULL, "%s:%d: no \"%s\" in %s", file, line,
	    key, json_object_to_json_string(o));
	return v;
}

const char *
ti_json(json_object *o)
{
	static char buf[65536];

	snprintf(buf, sizeof buf, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	return buf;
}

void
ti_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

json_object *
ti_wait_at(const char *file, int line, struct tc_conn *c, int ms, const char *type, const char *key,
    const char *val)
{
	int64_t deadline = tc_now_ms() + td_ms(ms), left;
	char skipped[6000] = "";
	size_t n;
	json_object *o;

	for (;;) {
		left = deadline - tc_now_ms();
		o = tc_ws_recv_json(c, left > 0 ? (int)left : 0);
		if (o == NULL)
			ck_abort_msg("%s:%d: no %s%s%s%s%s within %d ms (%s)%s; skipped:\n%s", file, line, type,
			    key != NULL ? " with " : "", key != NULL ? key : "", key != NULL ? " = " : "",
			    key != NULL ? val : "", ms, tc_error(c), td_health(),
			    skipped[0] != '\0' ? skipped : "    (nothing)");
		if (matches(o, type, key, val))
			return o;
		n = strlen(skipped);
		if (n + 8 < sizeof skipped)
			snprintf(skipped + n, sizeof skipped - n, "    %.300s\n",
			    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
}

void
ti_none_at(const char *file, int line, struct tc_conn *c, int ms, const char *type, const char *key,
    const char *val)
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

void
ti_drain(struct tc_conn *c, int ms)
{
	int64_t end = tc_now_ms() + 3000;
	json_object *o;

	while (tc_now_ms() < end && (o = tc_ws_recv_json(c, ms)) != NULL)
		json_object_put(o);
}

void
ti_sys_at(const char *file, int line, struct tc_conn *c, const char *text)
{
	json_object *o = ti_wait_at(file, line, c, TI_WAIT_MS, "chat_message", "message", text), *v;

	ck_assert_msg(json_object_object_get_ex(o, "system", &v) && json_object_get_boolean(v) &&
	    !json_object_object_get_ex(o, "senderId", NULL), "%s:%d: not a system line: %s", file, line,
	    json_object_to_json_string(o));
	json_object_put(o);
}

json_object *
ti_result_at(const char *file, int line, struct ti_user *u, const char *action, int ok, const char *message)
{
	json_object *o = ti_wait_at(file, line, u->c, TI_WAIT_MS, "item_action_result", "action", action), *v;
	const char *m = tc_json_str(o, "message");

	ck_assert_msg(json_object_object_get_ex(o, "ok", &v) && json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v) == ok && m != NULL && (message == NULL || strcmp(m, message) == 0),
	    "%s:%d: want %s %s \"%s\", got %s%s", file, line, action, ok ? "ok" : "failure",
	    message != NULL ? message : "(any)", json_object_to_json_string(o), td_health());
	return o;
}

json_object *
ti_upsert_at(const char *file, int line, struct tc_conn *c, const char *id)
{
	int64_t deadline = tc_now_ms() + td_ms(TI_WAIT_MS), left;
	json_object *o, *it;
	const char *iid;

	for (;;) {
		left = deadline - tc_now_ms();
		o = ti_wait_at(file, line, c, left > 0 ? (int)left : 0, "item_upsert", NULL, NULL);
		ck_assert_msg(json_object_object_get_ex(o, "item", &it), "%s:%d: item_upsert without item", file,
		    line);
		iid = tc_json_str(it, "id");
		if (iid != NULL && strcmp(iid, id) == 0) {
			json_object_get(it);
			json_object_put(o);
			return it;
		}
		json_object_put(o);
	}
}

/* ---- players ---- */

static void
read_welcome(struct ti_user *u)
{
	json_object *o = ti_wait(u->c, "welcome", NULL, NULL), *p;

	u->welcome = o;
	snprintf(u->id, sizeof u->id, "%s", ti_str(o, "id"));
	p = ti_obj(o, "player");
	snprintf(u->userid, sizeof u->userid, "%s", ti_str(p, "userId"));
	snprintf(u->nick, sizeof u->nick, "%s", ti_str(p, "nickname"));
	u->x = (int)ti_int(p, "x");
	u->y = (int)ti_int(p, "y");
}

static struct ti_user *
user_new(struct td *td, const char *user)
{
	struct ti_user *u = calloc(1, sizeof *u);

	ck_assert_ptr_nonnull(u);
	snprintf(u->user, sizeof u->user, "%s", user);
	u->c = ag_ws(td);
	return u;
}

struct ti_user *
ti_join(struct td *td, const char *tag)
{
	char user[33];
	struct ti_user *u;
	json_object *o;

	ag_uname(user, tag);
	u = user_new(td, user);
	o = ag_register(u->c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	read_welcome(u);
	return u;
}

struct ti_user *
ti_login(struct td *td, const char *user)
{
	struct ti_user *u = user_new(td, user);
	json_object *o = ag_login(u->c, user, AG_PASSWORD);

	free(ag_expect_ok(o, user));
	json_object_put(o);
	read_welcome(u);
	return u;
}

void
ti_close(struct ti_user *u)
{
	if (u == NULL)
		return;
	tc_close(u->c);
	json_object_put(u->welcome);
	free(u);
}

void
ti_account(struct td *td, char user[33], const char *tag)
{
	ag_uname(user, tag);
	free(ag_new_account(td, user));
}

void
ti_role(const char *user, const char *add, const char *drop)
{
	static int n;
	char role[33], list[1024], *k, *save = NULL;

	snprintf(role, sizeof role, "ti_%ld_%d", (long)getpid() % 100000, ++n);
	ag_sql("INSERT INTO roles (name) VALUES ('%s')", role);
	ag_sql("INSERT INTO role_permissions (role_id, permission_key) SELECT (SELECT id FROM roles WHERE "
	    "name = '%s'), permission_key FROM role_permissions WHERE role_id = (SELECT id FROM roles "
	    "WHERE name = 'user')", role);
	if (add != NULL) {
		snprintf(list, sizeof list, "%s", add);
		for (k = strtok_r(list, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save))
			ag_sql("INSERT INTO role_permissions (role_id, permission_key) SELECT id, '%s' FROM roles "
			    "WHERE name = '%s' ON CONFLICT DO NOTHING", k, role);
	}
	if (drop != NULL) {
		snprintf(list, sizeof list, "%s", drop);
		for (k = strtok_r(list, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save))
			ag_sql("DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE name = '%s') "
			    "AND permission_key = '%s'", role, k);
	}
	ag_sql("UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = '%s') WHERE username = '%s'",
	    role, user);
}

/* ---- sending ---- */

void
ti_send(struct ti_user *u, json_object *o)
{
	ag_send(u->c, o);
}

void
ti_sendf(struct ti_user *u, const char *fmt, ...)
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
ti_move(struct ti_user *u, int x, int y)
{
	json_object *o;
	int64_t gx, gy;

	if (u->x == x && u->y == y)
		return;
	ti_sendf(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", x, y);
	o = ti_wait(u->c, "update_position", "id", u->id);
	gx = ti_int(o, "x");
	gy = ti_int(o, "y");
	json_object_put(o);
	ck_assert_msg(gx == x && gy == y, "move to %d,%d answered with %lld,%lld", x, y, (long long)gx,
	    (long long)gy);
	u->x = x;
	u->y = y;
}

void
ti_item_msg(struct ti_user *u, const char *type, const char *id)
{
	ti_sendf(u, "{\"type\":\"%s\",\"itemId\":\"%s\"}", type, id);
}

void
ti_update(struct ti_user *u, const char *id, const char *title, const char *params_json)
{
	json_object *o = json_object_new_object(), *p;

	json_object_object_add(o, "type", json_object_new_string("item_update"));
	json_object_object_add(o, "itemId", json_object_new_string(id));
	if (title != NULL)
		json_object_object_add(o, "title", json_object_new_string(title));
	if (params_json != NULL) {
		p = json_tokener_parse(params_json);
		ck_assert_msg(p != NULL, "bad params JSON in the test: %s", params_json);
		json_object_object_add(o, "params", p);
	}
	ti_send(u, o);
}

char *
ti_add(struct ti_user *u, const char *type)
{
	json_object *r;
	char *id;

	ti_sendf(u, "{\"type\":\"item_add\",\"itemType\":\"%s\"}", type);
	r = ti_result(u, "add", 1, NULL);
	id = strdup(ti_str(r, "itemId"));
	json_object_put(r);
	return id;
}
