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

/* ---- items ---- */

json_object *
ti_result_at(const char *file, int line, struct tw_user *u, const char *action, int ok, const char *message)
{
	json_object *o = tw_wait_at(file, line, u->c, TW_WAIT_MS, "item_action_result", "action", action), *v;
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
	int64_t deadline = tc_now_ms() + td_ms(TW_WAIT_MS), left;
	json_object *o, *it;
	const char *iid;

	for (;;) {
		left = deadline - tc_now_ms();
		o = tw_wait_at(file, line, c, left > 0 ? (int)left : 0, "item_upsert", NULL, NULL);
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

/* ---- sending ---- */

void
ti_item_msg(struct tw_user *u, const char *type, const char *id)
{
	tw_sendf(u, "{\"type\":\"%s\",\"itemId\":\"%s\"}", type, id);
}

void
ti_update(struct tw_user *u, const char *id, const char *title, const char *params_json)
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
	tw_send(u, o);
}

char *
ti_add(struct tw_user *u, const char *type)
{
	json_object *r;
	char *id;

	tw_sendf(u, "{\"type\":\"item_add\",\"itemType\":\"%s\"}", type);
	r = ti_result(u, "add", 1, NULL);
	id = strdup(tw_str(r, "itemId"));
	json_object_put(r);
	return id;
}
