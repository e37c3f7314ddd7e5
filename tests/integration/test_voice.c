/*
 * test_voice.c: the SFU voice messages (issue 18; docs/protocol.md §4.8)
 * against the real daemon: in mesh mode every voice_* message is refused
 * with a clear error and the connection goes on; in sfu mode, with a real
 * Janus started here on loopback (its API only: no media flows in these
 * tests), voice_join brings a plan once Janus is up, keys belong to their
 * owner, a description Janus refuses is reported and replaced by a fresh
 * key, and a Janus that dies is reported as down. The browser tests
 * (tests/browser/voice-sfu*.test.mjs) cover the media.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "tworld.h"

#define VOICE_MESH_ONLY "Voice on this server is a mesh; there is no voice server to join."
#define VOICE_UNKNOWN "Unknown voice connection."

static json_object *
voice_msg(const char *type, const char *key, const char *sdptype, const char *sdp)
{
	json_object *o = json_object_new_object(), *d;

	json_object_object_add(o, "type", json_object_new_string(type));
	if (key != NULL)
		json_object_object_add(o, "key", json_object_new_string(key));
	if (sdptype != NULL) {
		d = json_object_new_object();
		json_object_object_add(d, "type", json_object_new_string(sdptype));
		if (sdp != NULL)
			json_object_object_add(d, "sdp", json_object_new_string(sdp));
		json_object_object_add(o, "sdp", d);
	}
	return o;
}

/* The next voice error: checks its message (and key when given). */
static void
expect_voice_error(struct tw_user *u, const char *message, const char *key)
{
	json_object *o = ta_ws_error(u->c, "voice");

	ck_assert_msg(strncmp(tw_str(o, "message"), message, strlen(message)) == 0, "message '%s', wanted '%s'",
	    tw_str(o, "message"), message);
	if (key != NULL)
		ck_assert_str_eq(tw_str(o, "key"), key);
	json_object_put(o);
}

static void
still_answers(struct tw_user *u)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("ping"));
	json_object_object_add(o, "clientSentAt", json_object_new_int(77));
	tw_send(u, o);
	json_object_put(tw_wait(u->c, "pong", NULL, NULL));
}

START_TEST(voice_mesh_mode_refuses)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "vmesh");
	json_object *wc = tw_obj(a->welcome, "worldConfig"), *ice;

	ck_assert_str_eq(tw_str(wc, "voiceMode"), "mesh");
	tw_send(a, voice_msg("voice_join", NULL, NULL, NULL));
	expect_voice_error(a, VOICE_MESH_ONLY, NULL);
	/* Keys exist only with an SFU: refused, never looked up. */
	tw_send(a, voice_msg("voice_offer", "1", "offer", "v=0\r\n"));
	expect_voice_error(a, VOICE_UNKNOWN, "1");
	tw_send(a, voice_msg("voice_answer", "2", "answer", "v=0\r\n"));
	expect_voice_error(a, VOICE_UNKNOWN, "2");
	ice = voice_msg("voice_ice", "3", NULL, NULL);
	json_object_object_add(ice, "ice", NULL);
	tw_send(a, ice);
	expect_voice_error(a, VOICE_UNKNOWN, "3");
	/* Schema errors as for any message. */
	tw_send(a, voice_msg("voice_offer", "1", NULL, NULL));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(a->c, TW_QUIET_MS, "voice_sfu", NULL, NULL);
	still_answers(a);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* --- a Janus of our own --- */

static pid_t janus_pids[2];
static int janus_ports[2];
static char *janus_dirs[2];
#define janus_port janus_ports[0]


/* Janus number n (0 or 1) on loopback, its API on a port of its own. */
static void
janus_start(int n)
{
	char script[4096], port[16], range[32], *src = getenv("CG_SRCDIR");
	int i;

	janus_dirs[n] = td_mkdtemp();
	janus_ports[n] = 21000 + (int)(getpid() % 2000) * 4 + n * 2;
	snprintf(port, sizeof port, "%d", janus_ports[n]);
	snprintf(range, sizeof range, "%d-%d", 45000 + n * 100, 45099 + n * 100);
	snprintf(script, sizeof script, "%s/scripts/janus-local", src != NULL ? src : ".");
	if ((janus_pids[n] = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* A failed check ends the test process: Janus goes with it (kept across exec). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/sh", "sh", script, "-d", janus_dirs[n], "-i", "127.0.0.1", "-p", port, "-r", range,
		    "-s", "vsecret", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(janus_pids[n], 0);
	for (i = 0; i < 150 && !it_port_open(janus_ports[n]); i++)
		tw_sleep_ms(100);
	ck_assert_msg(it_port_open(janus_ports[n]), "Janus did not open port %d", janus_ports[n]);
}

static void
janus_kill(int n)
{
	if (janus_pids[n] > 0) {
		kill(janus_pids[n], SIGKILL);
		waitpid(janus_pids[n], NULL, 0);
		janus_pids[n] = 0;
	}
	if (janus_dirs[n] != NULL) {
		td_rmtree(janus_dirs[n]);
		free(janus_dirs[n]);
		janus_dirs[n] = NULL;
	}
}

/* The next voice_sfu at u that says state and, when pub is set, holds a publish key (copied to key). */
static json_object *
wait_plan(struct tw_user *u, const char *state, int pub, char key[32])
{
	json_object *o, *a;
	int i;

	for (i = 0; i < 40; i++) {
		o = tw_wait(u->c, "voice_sfu", "state", state);
		a = tw_arr(o, "publish");
		if (!pub || json_object_array_length(a) == 1) {
			if (pub)
				snprintf(key, 32, "%s", json_object_get_string(json_object_array_get_idx(a, 0)));
			return o;
		}
		json_object_put(o);
	}
	ck_abort_msg("no plan with a feed");
	return NULL;
}

START_TEST(voice_sfu_mode)
{
	char extra[512], ua[33], ub[33], ka[32], ka2[32];
	struct td *d;
	struct tw_user *a, *b;
	json_object *o, *peers;

	janus_start(0);
	snprintf(extra, sizeof extra, "voice_mode sfu\njanus_url http://127.0.0.1:%d/janus\njanus_api_secret vsecret\n",
	    janus_port);
	d = tw_start(extra);
	tw_account_saved(d, ua, "vsa");
	tw_place(ua, 10, 10);
	a = tw_login(d, ua);
	tw_account_saved(d, ub, "vsb");
	tw_place(ub, 14, 10);
	b = tw_login(d, ub);
	ck_assert_str_eq(tw_str(tw_obj(a->welcome, "worldConfig"), "voiceMode"), "sfu");

	/* Alone, A gets a plan with nobody and nothing to send. */
	tw_send(a, voice_msg("voice_join", NULL, NULL, NULL));
	o = tw_wait(a->c, "voice_sfu", NULL, NULL);
	ck_assert_int_eq(json_object_array_length(tw_arr(o, "peers")), 0);
	json_object_put(o);
	/* With B in range both hear each other through the SFU, and A has a feed to send. */
	tw_send(b, voice_msg("voice_join", NULL, NULL, NULL));
	o = wait_plan(a, "up", 1, ka);
	peers = tw_arr(o, "peers");
	ck_assert_int_eq(json_object_array_length(peers), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(peers, 0)), b->id);
	json_object_put(o);

	/* A key is its owner's alone; an answer is not what a feed takes. */
	tw_send(b, voice_msg("voice_offer", ka, "offer", "v=0\r\n"));
	expect_voice_error(b, VOICE_UNKNOWN, ka);
	tw_send(a, voice_msg("voice_answer", ka, "answer", "v=0\r\n"));
	expect_voice_error(a, "An answer is not expected for this voice connection now.", ka);
	tw_send(a, voice_msg("voice_offer", ka, "offer", NULL));
	expect_voice_error(a, "The description needs a type and an sdp.", ka);
	tw_send(a, voice_msg("voice_offer", "987654321", "offer", "v=0\r\n"));
	expect_voice_error(a, VOICE_UNKNOWN, "987654321");

	/* Janus refuses a broken offer: said, and a new key replaces the feed. */
	tw_send(a, voice_msg("voice_offer", ka, "offer", "this is no SDP"));
	expect_voice_error(a, "Voice could not be sent to the voice server: ", NULL);
	json_object_put(wait_plan(a, "up", 1, ka2));
	ck_assert_str_ne(ka, ka2);
	still_answers(a);

	/* Janus dies: the plan says so and holds nothing. */
	janus_kill(0);
	o = tw_wait_ms(a->c, 10000, "voice_sfu", "state", "down");
	ck_assert_int_eq(json_object_array_length(tw_arr(o, "publish")), 0);
	ck_assert_int_eq(json_object_array_length(tw_arr(o, "subscribe")), 0);
	json_object_put(o);
	still_answers(b);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * Two instances, areas of 20 cells: area n's room (1000 + n) is on instance
 * n mod 2. A in area 0 and B in area 1 hear each other: each publishes into
 * the other's area. The instance of B's area dies: B is told, A is not, and
 * only what lived on that instance goes.
 */
START_TEST(voice_sfu_instances_by_area)
{
	char extra[512], ua[33], ub[33], ka[32], kb[32];
	struct td *d;
	struct tw_user *a, *b;
	json_object *o;
	int i, n = -1;

	janus_start(0);
	janus_start(1);
	snprintf(extra, sizeof extra, "voice_mode sfu\nvoice_sfu_area 20\njanus_url http://127.0.0.1:%d/janus\n"
	    "janus_url http://127.0.0.1:%d/janus\njanus_api_secret vsecret\n", janus_ports[0], janus_ports[1]);
	d = tw_start(extra);
	tw_account_saved(d, ua, "via");
	tw_place(ua, 15, 5);
	a = tw_login(d, ua);
	tw_account_saved(d, ub, "vib");
	tw_place(ub, 25, 5);
	b = tw_login(d, ub);
	tw_send(a, voice_msg("voice_join", NULL, NULL, NULL));
	tw_send(b, voice_msg("voice_join", NULL, NULL, NULL));
	json_object_put(wait_plan(a, "up", 1, ka));
	json_object_put(wait_plan(b, "up", 1, kb));
	ck_assert_msg(td_wait_log(d, "janus 0: room 1000 ready for area 0", 10000), "room 1000 not on instance 0");
	ck_assert_msg(td_wait_log(d, "janus 1: room 1001 ready for area 1", 10000), "room 1001 not on instance 1");

	janus_kill(1);
	/* B's own area is on instance 1: down, no subscription; its feed into A's area stays. */
	o = tw_wait_ms(b->c, 10000, "voice_sfu", "state", "down");
	ck_assert_int_eq(json_object_array_length(tw_arr(o, "subscribe")), 0);
	ck_assert_int_eq(json_object_array_length(tw_arr(o, "publish")), 1);
	json_object_put(o);
	/* A's area is on instance 0: still up; its feed into B's area went with instance 1. */
	for (i = 0; i < 20; i++) {
		o = tw_wait_ms(a->c, 10000, "voice_sfu", NULL, NULL);
		ck_assert_str_eq(tw_str(o, "state"), "up");
		n = (int)json_object_array_length(tw_arr(o, "publish"));
		json_object_put(o);
		if (n == 0)
			break;
	}
	ck_assert_int_eq(n, 0);
	tw_none(a->c, TW_QUIET_MS, "voice_sfu", "state", "down");
	tw_close(b);
	tw_close(a);
	it_stop(d);
	janus_kill(0);
}
END_TEST

/*
 * Without Janus: Check's TAP goes to a file, copied out with one skip line
 * for the SFU case and a plan that counts it.
 */

static int
have_janus(void)
{
	return system("command -v janus >/dev/null 2>&1") == 0;
}

int
main(void)
{
	Suite *s = suite_create("voice");
	TCase *tc = tcase_create("voice_mesh_mode_refuses");
	int with_janus = have_janus();

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, voice_mesh_mode_refuses);
	suite_add_tcase(s, tc);
	if (with_janus) {
		tc = tcase_create("voice_sfu_mode");
		tcase_set_timeout(tc, 90);
		tcase_add_test(tc, voice_sfu_mode);
		suite_add_tcase(s, tc);
		tc = tcase_create("voice_sfu_instances_by_area");
		tcase_set_timeout(tc, 90);
		tcase_add_test(tc, voice_sfu_instances_by_area);
		suite_add_tcase(s, tc);
		return ag_main(s);
	}
	{
		static const char *const skipped[] = { "voice_sfu_mode, voice_sfu_instances_by_area" };

		return ag_main_skips(s, 1, skipped, "janus is not installed (scripts/install-deps --test)");
	}
}
