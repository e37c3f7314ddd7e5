/*
 * test_metrics.c: GET /metrics (issue 20, part 2). Off by default on the
 * main port; served there to the peers in metrics_allow, and on a listener
 * of its own at metrics_listen. The text passes `promtool check metrics`
 * and our own reading of the format (every sample in a family declared by
 * HELP and TYPE, histogram buckets cumulative with +Inf equal to _count),
 * and the counters move as a scenario says: logins hash passwords, moves
 * fan out, refused messages count by reason, a plugin's requests are timed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_items_common.h"

/* GET path on host:port; the response (caller frees). */
static void
get_at(int port, const char *path, struct tc_http_resp *r)
{
	struct tc_conn *c = tc_connect("127.0.0.1", port, 0, td_ms(5000));

	ck_assert_msg(c != NULL, "cannot connect to port %d", port);
	ck_assert_int_eq(tc_http_request(c, "GET", path, NULL, r, td_ms(5000)), TC_OK);
	tc_close(c);
}

/* The scrape text on the main port (status must be 200). */
static char *
scrape(struct td *d)
{
	struct tc_http_resp r;
	const char *ct;
	char *text;

	ag_get(d, "/metrics", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ct = tc_http_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_ptr_nonnull(r.body);
	text = strdup(r.body);
	tc_http_resp_free(&r);
	return text;
}

/* The value of the sample line "name{labels} v" (labels NULL: none); -1 when absent. */
static double
value(const char *text, const char *name, const char *labels)
{
	char want[300];
	const char *p;
	size_t n;

	if (labels != NULL)
		snprintf(want, sizeof want, "\n%s{%s} ", name, labels);
	else
		snprintf(want, sizeof want, "\n%s ", name);
	n = strlen(want);
	if ((p = strstr(text, want)) == NULL)
		return -1;
	return strtod(p + n, NULL);
}

/*
 * The format as Prometheus reads it: HELP then TYPE before a family's
 * samples, each family once, sample names of the family (histograms:
 * _bucket, _sum, _count), buckets cumulative and +Inf equal to _count.
 */
static void
check_format(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL, family[128] = "", type[16] = "";
	char seen[64][128];
	int nseen = 0, i, help = 0;
	double last_bucket = -1, inf = -1;

	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
			for (i = 0; i < nseen; i++)
				ck_assert_msg(strcmp(seen[i], family) != 0, "family %s twice", family);
			ck_assert_int_lt(nseen, 64);
			snprintf(seen[nseen++], sizeof seen[0], "%s", family);
			ck_assert_msg(strncmp(family, "chatgrid_", 9) == 0, "family %s", family);
			help = 1;
			last_bucket = -1;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_msg(help, "TYPE without HELP: %s", line);
			ck_assert_int_eq(sscanf(line + 7, "%127s %15s", name, type), 2);
			ck_assert_str_eq(name, family);
			ck_assert_msg(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
			    strcmp(type, "histogram") == 0, "type %s", type);
			if (strcmp(type, "counter") == 0)
				ck_assert_msg(strstr(family, "_total") != NULL, "counter %s lacks _total", family);
			help = 0;
			continue;
		}
		ck_assert_msg(line[0] != '#', "stray comment %s", line);
		ck_assert_int_eq(sscanf(line, "%127[a-z_]", name), 1);
		if (strcmp(type, "histogram") == 0) {
			size_t fl = strlen(family);
			const char *suffix = name + fl;

			ck_assert_msg(strncmp(name, family, fl) == 0 && (strcmp(suffix, "_bucket") == 0 ||
			    strcmp(suffix, "_sum") == 0 || strcmp(suffix, "_count") == 0),
			    "%s is not of histogram %s", line, family);
			if (strcmp(suffix, "_bucket") == 0) {
				double v = strtod(strrchr(line, ' ') + 1, NULL);

				ck_assert_msg(v >= last_bucket, "buckets not cumulative at %s", line);
				last_bucket = v;
				if (strstr(line, "le=\"+Inf\"") != NULL) {
					inf = v;
					last_bucket = -1;
				}
			} else if (strcmp(suffix, "_count") == 0)
				ck_assert_msg(strtod(strrchr(line, ' ') + 1, NULL) == inf,
				    "%s differs from its +Inf bucket %g", line, inf);
		} else
			ck_assert_msg(strcmp(name, family) == 0, "sample %s outside its family %s", line, family);
	}
	free(copy);
}

/* promtool's own check of the text; it must be installed (scripts/install-deps --test). */
static void
promtool_check(const char *text)
{
	char path[4096], cmd[4200], *dir = td_mkdtemp();
	FILE *f;
	int st;

	ck_assert_msg(system("command -v promtool >/dev/null 2>&1") == 0,
	    "promtool is missing: run scripts/install-deps --test");
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof path, "%s/metrics.txt", dir);
	free(dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "promtool check metrics < '%s' 2>&1", path);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "# the text promtool refused:\n%s", text);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "promtool check metrics failed (text above)");
}

START_TEST(test_metrics_off_by_default)
{
	struct td *d = ag_start("", 0);
	struct tc_http_resp r;

	ag_get(d, "/metrics", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert(r.body == NULL || strstr(r.body, "chatgrid_") == NULL);
	tc_http_resp_free(&r);
	ck_assert(td_log_contains(d, "GET /metrics refused: not in metrics_allow"));
	it_stop(d);
}
END_TEST

START_TEST(test_metrics_scenario)
{
	struct td *d = ti_start("dice", "metrics_allow 10.9.9.9 127.0.0.1\n", NULL);
	struct tw_user *a, *b;
	char *t0, *t1, *id;
	double moves0, hashes0;
	int i;

	a = tw_join(d, "meta");
	b = tw_join(d, "metb");
	t0 = scrape(d);
	check_format(t0);
	promtool_check(t0);
	ck_assert_int_eq((int)value(t0, "chatgrid_players", NULL), 2);
	ck_assert_double_ge(value(t0, "chatgrid_connections", "state=\"websocket\""), 2);
	ck_assert_double_ge(value(t0, "chatgrid_db_up", NULL), 1);
	ck_assert_double_ge(value(t0, "chatgrid_db_query_seconds_count", NULL), 1);
	ck_assert_double_eq(value(t0, "chatgrid_plugin_up", "plugin=\"dice.so\""), 1);
	hashes0 = value(t0, "chatgrid_password_hash_seconds_count", NULL);
	ck_assert_double_ge(hashes0, 2);	/* two registrations */
	moves0 = value(t0, "chatgrid_update_position_fanout_seconds_count", NULL);
	ck_assert_double_ge(moves0, 0);

	/* Five moves, a refused message, an item placed and used, a third login. */
	for (i = 1; i <= 5; i++)
		tw_goto(a, a->x == 20 ? 21 : 20, a->y);
	tw_sendf(a, "{\"type\":\"no_such_type\"}");
	json_object_put(tw_wait(a->c, "error", "code", "unknown_type"));
	id = ti_add(a, "dice");
	ti_item_msg(a, "item_use", id);
	json_object_put(ti_result(a, "use", 1, NULL));
	free(id);
	tw_close(b);
	b = tw_join(d, "metc");

	t1 = scrape(d);
	check_format(t1);
	promtool_check(t1);
	ck_assert_double_ge(value(t1, "chatgrid_update_position_fanout_seconds_count", NULL), moves0 + 5);
	ck_assert_double_ge(value(t1, "chatgrid_password_hash_seconds_count", NULL), hashes0 + 1);
	ck_assert_double_gt(value(t1, "chatgrid_frames_received_total", NULL),
	    value(t0, "chatgrid_frames_received_total", NULL) + 5);
	ck_assert_double_gt(value(t1, "chatgrid_frames_sent_total", NULL),
	    value(t0, "chatgrid_frames_sent_total", NULL) + 5);
	ck_assert_double_gt(value(t1, "chatgrid_sent_bytes_total", NULL), value(t0, "chatgrid_sent_bytes_total", NULL));
	ck_assert_double_ge(value(t1, "chatgrid_plugin_request_seconds_count", "plugin=\"dice.so\""), 1);
	ck_assert_double_ge(value(t1, "chatgrid_items", "type=\"dice\""), 1);
	ck_assert_int_eq((int)value(t1, "chatgrid_players", NULL), 2);
	ck_assert_double_ge(value(t1, "chatgrid_messages_refused_total", "reason=\"unknown_type\""), 1);
	free(t0);
	free(t1);
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

/*
 * Refusals before any hash are counted by reason, every reason present from
 * the start: a second registration from an address allowed one.
 */
START_TEST(test_metrics_admission)
{
	struct td *d = ti_start("dice", "metrics_allow 127.0.0.1\nauth_register_ip_limit 1\n"
	    "auth_register_window_s 600\n", NULL);
	struct tc_conn *c;
	json_object *o;
	char user[33], *t0, *t1;

	t0 = scrape(d);
	ck_assert_double_eq(value(t0, "chatgrid_auth_refused_total", "reason=\"register_limit\""), 0);
	ck_assert_double_eq(value(t0, "chatgrid_auth_refused_total", "reason=\"address_busy\""), 0);
	ck_assert_double_eq(value(t0, "chatgrid_auth_refused_total", "reason=\"queue_full\""), 0);
	ag_uname(user, "adm1");
	free(ag_new_account(d, user));
	ag_uname(user, "adm2");
	c = ag_ws(d);
	o = ag_register(c, user, AG_PASSWORD, NULL);
	ag_expect(o, 0, "Too many registrations from your address. Try again later.");
	json_object_put(o);
	tc_close(c);
	t1 = scrape(d);
	check_format(t1);
	promtool_check(t1);
	ck_assert_double_eq(value(t1, "chatgrid_auth_refused_total", "reason=\"register_limit\""), 1);
	ck_assert_double_eq(value(t1, "chatgrid_auth_refused_total", "reason=\"queue_full\""), 0);
	free(t0);
	free(t1);
	it_stop(d);
}
END_TEST

/* A free loopback port (bound, read and released). */

START_TEST(test_metrics_listener)
{
	char conf[128];
	struct tc_http_resp r;
	struct td *d;
	int port = it_free_port();

	snprintf(conf, sizeof conf, "metrics_listen 127.0.0.1:%d\n", port);
	d = ag_start(conf, 0);
	get_at(port, "/metrics", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(r.body);
	check_format(r.body);
	promtool_check(r.body);
	ck_assert_double_ge(value(r.body, "chatgrid_db_up", NULL), 0);
	tc_http_resp_free(&r);
	/* Nothing else is served there, and the main port still refuses. */
	get_at(port, "/healthz", &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	ag_get(d, "/metrics", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	it_stop(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_metrics_off_by_default);
	tcase_add_test(tc, test_metrics_scenario);
	tcase_add_test(tc, test_metrics_admission);
	tcase_add_test(tc, test_metrics_listener);
	suite_add_tcase(s, tc);
	return ag_main(s);
}
