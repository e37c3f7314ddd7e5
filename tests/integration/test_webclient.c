/*
 * test_webclient.c: serving another web client from www_root (issue 14,
 * point 10). welcome.serverInfo.version is the served client's version
 * from its version.js (the reference chat_grid client's CHGRID_WEB_VERSION
 * or ours), read again on SIGHUP, the package version without one; the
 * later reference client's revision is reported as expectedClientRevision;
 * its welcome_ready is accepted quietly, never counted as a bad message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

/* A www_root holding only version.js with text. */
static char *
www_with(const char *text)
{
	char *dir = td_mkdtemp(), path[4096];
	FILE *f;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof path, "%s/version.js", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return dir;
}

static struct td *
start_www(const char *dir)
{
	char conf[4200];

	snprintf(conf, sizeof conf, "www_root %s\n", dir);
	return ag_start(conf, 0);
}

/* serverInfo of a new user's welcome. */
static json_object *
server_info(struct td *d, const char *tag, struct tw_user **out)
{
	struct tw_user *u = tw_join(d, tag);
	json_object *si = tw_get(u->welcome, "serverInfo");

	*out = u;
	return si;
}

START_TEST(test_reference_version)
{
	char *dir = www_with("// built by the reference project\n"
	    "window.CHGRID_WEB_VERSION = \"2026.02.28 R316\";\n");
	struct td *d = start_www(dir);
	struct tw_user *u;
	json_object *si = server_info(d, "refver", &u);
	char path[4096];
	FILE *f;

	ck_assert_str_eq(tw_str(si, "version"), "2026.02.28 R316");
	ck_assert_str_eq(tw_str(si, "serverVersion"), PACKAGE_VERSION);
	ck_assert(!json_object_object_get_ex(si, "expectedClientRevision", NULL));
	tw_close(u);

	/* An updated client, then SIGHUP: the new version. */
	snprintf(path, sizeof path, "%s/version.js", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("window.CHGRID_WEB_VERSION='2026.03.01 R320'\n", f);
	fclose(f);
	td_signal(d, SIGHUP);
	ck_assert(td_wait_log(d, "reloaded configuration", td_ms(5000)));
	si = server_info(d, "refver2", &u);
	ck_assert_str_eq(tw_str(si, "version"), "2026.03.01 R320");
	tw_close(u);
	free(dir);
	it_stop(d);
}
END_TEST

START_TEST(test_our_version_and_none)
{
	char *dir = www_with("export const CLIENT_VERSION = '7.8.9';\n"
	    "export const NOT_CLIENT_VERSION = '1.1.1';\n");
	struct td *d = start_www(dir);
	struct tw_user *u;
	json_object *si = server_info(d, "ourver", &u);
	char path[4096];

	ck_assert_str_eq(tw_str(si, "version"), "7.8.9");
	tw_close(u);
	/* No version.js at all: the package's version. */
	snprintf(path, sizeof path, "%s/version.js", dir);
	ck_assert_int_eq(unlink(path), 0);
	td_signal(d, SIGHUP);
	ck_assert(td_wait_log(d, "reloaded configuration", td_ms(5000)));
	si = server_info(d, "nover", &u);
	ck_assert_str_eq(tw_str(si, "version"), PACKAGE_VERSION);
	tw_close(u);
	free(dir);
	it_stop(d);
}
END_TEST

START_TEST(test_later_reference_client)
{
	char *dir = www_with("window.CHGRID_RELEASE_VERSION = \"0.1.1\";\n"
	    "window.CHGRID_CLIENT_REVISION = \"R352\";\n");
	struct td *d = start_www(dir);
	struct tc_conn *c;
	struct tw_user *u;
	json_object *si = server_info(d, "later", &u), *o;
	int i;

	ck_assert_str_eq(tw_str(si, "version"), "0.1.1");
	ck_assert_str_eq(tw_str(si, "releaseVersion"), "0.1.1");
	ck_assert_str_eq(tw_str(si, "expectedClientRevision"), "R352");
	/* The same revision before logging in, where that client first compares it. */
	c = ag_ws_raw(d, NULL);
	o = tc_ws_expect(c, "auth_required", td_ms(5000));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(tw_str(o, "expectedClientRevision"), "R352");
	json_object_put(o);
	tc_close(c);
	/* welcome_ready, many times over: no error, no disconnection for bad messages. */
	for (i = 0; i < 20; i++)
		tw_sendf(u, "{\"type\":\"welcome_ready\"}");
	tw_none(u->c, td_ms(500), "error", NULL, NULL);
	tw_goto(u, u->x > 0 ? u->x - 1 : 1, u->y);
	tw_close(u);
	free(dir);
	it_stop(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("webclient");
	TCase *tc = tcase_create("webclient");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_reference_version);
	tcase_add_test(tc, test_our_version_and_none);
	tcase_add_test(tc, test_later_reference_client);
	suite_add_tcase(s, tc);
	return ag_main(s);
}
