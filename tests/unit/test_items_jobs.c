/*
 * test_items_jobs.c: the item job runner (core/chatgridd/items/jobs.c) with
 * the real item store and items-edit.c, and this test as the item's plugin:
 * the runner's request function is replaced, so each request is held here
 * and answered when the test says. Covered: an item whose revision changes
 * between request and reply is asked again up to the attempt limit and then
 * answered "<title> changed meanwhile; try again."; one change is retried
 * and then applied; a reply for an item removed meanwhile answers "Item not
 * found."; a successful update bumps the version once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "auth/session.h"
#include "cfg.h"
#include "items/items-near.h"
#include "items/items.h"
#include "items/jobs.h"
#include "net/client.h"
#include "pluginhost/pluginhost.h"
#include "world/world.h"

/* The pending plugin request: the runner's callback and argument. */
static plugin_cb pending_cb;
static void *pending_arg;
static int requests;

/* What the sink was told. */
static int answers, dones, ok_seen;
static char text_seen[256], action_seen[64];
static int item_seen;

static struct client client;
static struct session session;
static struct player player;
static struct item_type type;

static void
fake_request(struct item_type *t, msgpack_sbuffer *body, plugin_cb cb, void *arg)
{
	ck_assert_ptr_eq(t, &type);
	ck_assert_ptr_null(pending_cb);
	msgpack_sbuffer_free(body);
	pending_cb = cb;
	pending_arg = arg;
	requests++;
}

/* The plugin answers the pending request: ok, with params (JSON text) or none. */
static void
reply(int ok, const char *message, const char *params)
{
	struct plugin_reply r = { ok, message, params != NULL ? json_tokener_parse(params) : NULL, NULL, 0 };
	plugin_cb cb = pending_cb;

	ck_assert_ptr_nonnull(cb);
	pending_cb = NULL;
	cb(&r, pending_arg);
	json_object_put(r.params);
}

static struct player *
sink_actor(void *ctx)
{
	ck_assert_ptr_eq(ctx, &client);
	return &player;
}

static void
sink_answer(void *ctx, const struct job_answer *a)
{
	ck_assert_ptr_eq(ctx, &client);
	answers++;
	ok_seen = a->ok;
	item_seen = a->item != NULL;
	snprintf(text_seen, sizeof text_seen, "%s", a->text);
	snprintf(action_seen, sizeof action_seen, "%s", a->action);
}

static void
sink_done(void *ctx)
{
	ck_assert_ptr_eq(ctx, &client);
	dones++;
}

static const struct job_sink sink = { sink_actor, sink_answer, sink_done };

static struct item *
setup(void)
{
	static int once;

	if (!once) {
		cfg = cfg_defaults();
		items_near_init();
		once = 1;
	}
	jobs_set_request(fake_request);
	memset(&client, 0, sizeof client);
	memset(&session, 0, sizeof session);
	client.session = &session;
	snprintf(client.id, sizeof client.id, "test-connection");
	session.account_id = 7;
	snprintf(session.username, sizeof session.username, "tester");
	memset(&player, 0, sizeof player);
	player.c = &client;
	snprintf(player.nickname, sizeof player.nickname, "Tester");
	memset(&type, 0, sizeof type);
	type.id = "widget";
	type.label = "Widget";
	type.default_title = "Lamp";
	type.default_params = json_tokener_parse("{\"color\":\"red\"}");
	type.capabilities = json_tokener_parse("[\"editable\",\"usable\"]");
	type.actions = json_object_new_array();
	type.cooldown_ms = 1;
	pending_cb = NULL;
	requests = answers = dones = ok_seen = item_seen = 0;
	text_seen[0] = action_seen[0] = '\0';
	return items_create(&type, &player);
}

static void
update(struct item *it, const char *params, const char *title)
{
	struct json_object *p = json_tokener_parse(params);
	struct job_request rq = { JOB_UPDATE, "update", NULL, p, title, client.id, NULL, 0 };

	jobs_start(&rq, it, &sink, &client);
	json_object_put(p);
}

/* Someone else changes the item while the plugin thinks. */
static void
meddle(struct item *it)
{
	items_changed(it);
}

START_TEST(test_retry_until_limit)
{
	struct item *it = setup();
	int64_t version = it->version;
	int i;

	update(it, "{\"color\":\"blue\"}", NULL);
	ck_assert_int_eq(requests, 1);
	for (i = 1; i < JOBS_MAX_ATTEMPTS; i++) {
		meddle(it);
		reply(1, "", "{\"color\":\"blue\"}");
		/* Asked again with the new state, nobody answered yet. */
		ck_assert_int_eq(requests, i + 1);
		ck_assert_int_eq(answers, 0);
		ck_assert_int_eq(dones, 0);
	}
	meddle(it);
	reply(1, "", "{\"color\":\"blue\"}");
	ck_assert_int_eq(requests, JOBS_MAX_ATTEMPTS);
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(dones, 1);
	ck_assert_int_eq(ok_seen, 0);
	ck_assert_str_eq(action_seen, "update");
	ck_assert_str_eq(text_seen, "Lamp changed meanwhile; try again.");
	/* Nothing applied. */
	ck_assert_int_eq(it->version, version);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(it->params, "color")), "red");
	items_delete(it, NULL);
}
END_TEST

START_TEST(test_retry_then_applied)
{
	struct item *it = setup();
	int64_t version = it->version;

	update(it, "{\"color\":\"blue\"}", "Desk lamp");
	meddle(it);
	reply(1, "", "{\"color\":\"green\"}");
	ck_assert_int_eq(requests, 2);
	ck_assert_int_eq(answers, 0);
	reply(1, "", "{\"color\":\"blue\"}");
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(dones, 1);
	ck_assert_int_eq(ok_seen, 1);
	ck_assert_str_eq(text_seen, "Updated Desk lamp.");
	ck_assert_int_eq(it->version, version + 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(it->params, "color")), "blue");
	items_delete(it, NULL);
}
END_TEST

START_TEST(test_removed_meanwhile)
{
	struct item *it = setup();

	update(it, "{\"color\":\"blue\"}", NULL);
	items_delete(it, NULL);
	reply(1, "", "{\"color\":\"blue\"}");
	ck_assert_int_eq(requests, 1);
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(dones, 1);
	ck_assert_int_eq(ok_seen, 0);
	ck_assert_int_eq(item_seen, 0);
	ck_assert_str_eq(text_seen, "Item not found.");
}
END_TEST

START_TEST(test_update_bumps_once)
{
	struct item *it = setup();
	int64_t version = it->version;
	uint64_t rev = it->rev;

	update(it, "{\"color\":\"blue\"}", "Desk lamp");
	reply(1, "", "{\"color\":\"blue\"}");
	ck_assert_int_eq(requests, 1);
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(dones, 1);
	ck_assert_int_eq(ok_seen, 1);
	ck_assert_str_eq(action_seen, "update");
	ck_assert_str_eq(text_seen, "Updated Desk lamp.");
	ck_assert_int_eq(it->version, version + 1);
	ck_assert_uint_eq(it->rev, rev + 1);
	ck_assert_str_eq(it->title, "Desk lamp");
	ck_assert_str_eq(it->updated_by_name, "tester");
	items_delete(it, NULL);
}
END_TEST

START_TEST(test_refusal_changes_nothing)
{
	struct item *it = setup();
	int64_t version = it->version;

	update(it, "{\"color\":\"blue\"}", NULL);
	reply(0, "Color must be a known color.", NULL);
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(dones, 1);
	ck_assert_int_eq(ok_seen, 0);
	ck_assert_str_eq(text_seen, "Color must be a known color.");
	ck_assert_int_eq(it->version, version);
	items_delete(it, NULL);
}
END_TEST

static Suite *
jobs_suite(void)
{
	Suite *s = suite_create("items_jobs");
	TCase *tc = tcase_create("jobs");

	tcase_add_test(tc, test_retry_until_limit);
	tcase_add_test(tc, test_retry_then_applied);
	tcase_add_test(tc, test_removed_meanwhile);
	tcase_add_test(tc, test_update_bumps_once);
	tcase_add_test(tc, test_refusal_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(jobs_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
