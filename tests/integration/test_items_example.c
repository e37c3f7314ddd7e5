/*
 * test_items_example.c: the out-of-tree plugin story, end to end. Install
 * chatgrid into a temporary DESTDIR, build docs/examples/counter with its
 * own Makefile through pkg-config against that installation only, start
 * chatgridd with the installed plugin host, drop counter.so into the
 * plugin directory, send SIGHUP, and use the new item type from a client.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

/* Run a shell command; fails the test with the output's tail unless it exits 0. */
static void
sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sh(const char *dir, const char *fmt, ...)
{
	char *cmd, *full, *log, *tail;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		ck_abort_msg("out of memory");
	va_end(ap);
	/* The outer make's jobserver and flags must not leak into ours. */
	if (asprintf(&log, "%s/sh.log", dir) < 0 ||
	    asprintf(&full, "unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES; (%s) >%s 2>&1", cmd, log) < 0)
		ck_abort_msg("out of memory");
	st = system(full);
	if (st != 0) {
		if (asprintf(&tail, "tail -c 3000 %s", log) >= 0) {
			fprintf(stderr, "command failed (%d): %s\n", st, cmd);
			fflush(stderr);
			if (system(tail) != 0)
				fprintf(stderr, "(no log)\n");
		}
		ck_abort_msg("command failed with status %d: %s (log above)", st, cmd);
	}
	free(cmd);
	free(full);
	free(log);
}

/* The single path under root whose name is name (find), or fail. */
static char *
find_one(const char *root, const char *name, const char *type)
{
	char *cmd, line[4096];
	FILE *p;

	if (asprintf(&cmd, "find '%s' -name '%s' -type %s", root, name, type) < 0)
		ck_abort_msg("out of memory");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	line[0] = '\0';
	ck_assert_msg(fgets(line, sizeof line, p) != NULL, "no %s under %s", name, root);
	pclose(p);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

START_TEST(example_plugin_via_pkg_config)
{
	const char *build = getenv("CG_BUILDDIR") != NULL ? getenv("CG_BUILDDIR") : ".";
	char *tmp = td_mkdtemp(), *pc, *host, *dice, *pcdir, *plugdir, *so, *cfgtext, *id;
	struct td *td;
	struct tw_user *a, *b;
	json_object *o, *it;
	char line[256];

	/* 1. A complete installation, as a package would make it. */
	sh(tmp, "make -C '%s' install DESTDIR='%s/dest'", build, tmp);
	pc = find_one(tmp, "chatgrid-plugin.pc", "f");
	host = find_one(tmp, "chatgrid-itemhost", "f");
	dice = find_one(tmp, "dice.so", "f");
	(void)find_one(tmp, "plugin.h", "f");
	pcdir = strdup(pc);
	*strrchr(pcdir, '/') = '\0';

	/* 2. The example, copied out of the source tree, built by its own Makefile. */
	sh(tmp, "cp -R '%s/docs/examples/counter' '%s/counter' && chmod -R u+w '%s/counter'", td_srcdir(), tmp,
	    tmp);
	sh(tmp, "cd '%s/counter' && PKG_CONFIG_PATH='%s' PKG_CONFIG_SYSROOT_DIR='%s/dest' "
	    "PKG_CONFIG_LIBDIR=/nonexistent make CFLAGS='-O2 -Wall -Wextra -Werror'", tmp, pcdir, tmp);
	if (asprintf(&so, "%s/counter/counter.so", tmp) < 0)
		ck_abort_msg("out of memory");
	/* It built against the installed header, not the source tree's. */
	sh(tmp, "cd '%s/counter' && PKG_CONFIG_PATH='%s' PKG_CONFIG_SYSROOT_DIR='%s/dest' "
	    "PKG_CONFIG_LIBDIR=/nonexistent pkg-config --cflags chatgrid-plugin | grep -q -- '-I%s/dest'",
	    tmp, pcdir, tmp, tmp);

	/* 3. chatgridd with the installed host and dice; then the new plugin and SIGHUP. */
	if (asprintf(&plugdir, "%s/plugins", tmp) < 0)
		ck_abort_msg("out of memory");
	sh(tmp, "mkdir '%s' && cp '%s' '%s/'", plugdir, dice, plugdir);
	ti_wipe();
	if (asprintf(&cfgtext, "plugin_dir %s\nitemhost %s\nmovement_max_steps_per_tick 100\n", plugdir, host) < 0)
		ck_abort_msg("out of memory");
	td = ag_start(cfgtext, 0);
	a = tw_join(td, "example");
	b = tw_join(td, "example");
	tw_goto(b, a->x, a->y);
	ck_assert_str_eq(tw_js(tw_get(tw_get(a->welcome, "uiDefinitions"), "itemTypeOrder")), "[\"dice\"]");
	sh(tmp, "cp '%s' '%s/.counter.tmp' && mv '%s/.counter.tmp' '%s/counter.so'", so, plugdir, plugdir, plugdir);
	td_signal(td, SIGHUP);
	o = tw_wait(a->c, "ui_definitions", NULL, NULL);
	ck_assert_str_eq(tw_js(tw_get(tw_get(o, "uiDefinitions"), "itemTypeOrder")), "[\"dice\",\"counter\"]");
	json_object_put(o);
	ck_assert(td_wait_log(td, "plugin counter.so: counter plugin starting", td_ms(2000)));

	/* 4. A client uses it. */
	id = ti_add(a, "counter");
	tw_drain(b->c, 200);
	ti_item_msg(a, "item_use", id);
	it = ti_upsert(b->c, id);
	ck_assert_int_eq(tw_int(tw_get(it, "params"), "count"), 1);
	json_object_put(it);
	snprintf(line, sizeof line, "%s counts Counter: 1.", a->nick);
	tw_sys(b->c, line);
	o = tw_wait(b->c, "item_use_sound", "itemId", id);
	ck_assert_str_eq(tw_str(o, "sound"), "sounds/action.ogg");
	json_object_put(o);
	ti_expect(a, "use", 1, "You count Counter: 1.");
	ti_update(a, id, NULL, "{\"step\":5}");
	ti_expect(a, "update", 1, "Updated Counter.");
	tw_sleep_ms(600);
	ti_item_msg(b, "item_use", id);
	ti_expect(b, "use", 1, "You count Counter: 6.");
	ti_item_msg(b, "item_secondary_use", id);
	ti_expect(b, "secondary_use", 1, "Counter is at 6.");
	ti_update(a, id, NULL, "{\"step\":0}");
	ti_expect(a, "update", 0, "step must be an integer between 1 and 100.");
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"reset\"}", id);
	ti_expect(a, "reset", 1, "You reset Counter.");
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"explode\"}", id);
	ti_expect(a, "explode", 0, "Unknown action.");
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Counter is at 0.");

	tw_close(a);
	tw_close(b);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
	free(id);
	free(cfgtext);
	free(plugdir);
	free(so);
	free(pcdir);
	free(pc);
	free(host);
	free(dice);
	td_rmtree(tmp);
	free(tmp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_example");
	TCase *tc = tcase_create("example");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, example_plugin_via_pkg_config);
	suite_add_tcase(s, tc);
	return ag_main(s);
}
