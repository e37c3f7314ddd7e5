/*
 * test_world_signal.c: the WebRTC signalling relay and ICE configuration
 * (issue 5 items 7 and 8; reference §5.9; docs/protocol.md §4.6, §4.7):
 * relay to the target alone with the sender's id, nickname and position,
 * in order; errors for a missing voice.send, an unknown target and an
 * oversized payload; worldConfig.iceServers from ice_server, and TURN REST
 * credentials recomputed here with OpenSSL. Issue 19: signals only within
 * voice range, sdp and ice bounded to what browsers send, and a flood at a
 * victim who reads slowly cuts off the flooder, never the victim.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tworld.h"

#define STUN_URL "stun:stun.example.org:3478"
#define TURN_URL "turn:turn.example.org:3478?transport=udp"

static json_object *
signal_msg(const char *target, json_object *sdp, json_object *ice)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("signal"));
	json_object_object_add(o, "targetId", json_object_new_string(target));
	if (sdp != NULL)
		json_object_object_add(o, "sdp", sdp);
	if (ice != NULL)
		json_object_object_add(o, "ice", ice);
	return o;
}

static json_object *
sdp_obj(const char *type, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "sdp", json_object_new_string(text));
	return o;
}

static json_object *
ice_obj(int n)
{
	json_object *o = json_object_new_object();
	char cand[120];

	snprintf(cand, sizeof cand, "candidate:%d 1 udp 2122260223 10.99.0.1 %d typ host", n,
	    40000 + n);
	json_object_object_add(o, "candidate", json_object_new_string(cand));
	json_object_object_add(o, "sdpMid", json_object_new_string("0"));
	json_object_object_add(o, "sdpMLineIndex", json_object_new_int(0));
	return o;
}

/* Wait for a signal at to from from; check the envelope; return it. */
static json_object *
expect_signal(struct tw_user *to, struct tw_user *from, int x, int y)
{
	json_object *o = tw_wait(to->c, "signal", "senderId", from->id);

	ck_assert_str_eq(tw_str(o, "senderNickname"), from->nick);
	ck_assert_int_eq(tw_int(o, "x"), x);
	ck_assert_int_eq(tw_int(o, "y"), y);
	ck_assert_msg(!tw_has(o, "targetId"), "targetId echoed: %s", json_object_to_json_string(o));
	return o;
}

/* Signals reach 32 cells: on a grid of 32 every two players are within it. */
#define SMALL_GRID "grid_size 32\n"

static struct td *
three(const char *extra, struct tw_user **a, struct tw_user **b, struct tw_user **c)
{
	char *cfgtext;
	struct td *d;

	ck_assert_int_ge(asprintf(&cfgtext, SMALL_GRID "%s", extra != NULL ? extra : ""), 0);
	d = tw_start(cfgtext);
	free(cfgtext);

	*a = tw_join(d, "sig_a");
	*b = tw_join(d, "sig_b");
	*c = tw_join(d, "sig_c");
	tw_drain((*a)->c, 100);
	tw_drain((*b)->c, 50);
	return d;
}

START_TEST(test_signal_relay)
{
	struct tw_user *a, *b, *c;
	struct td *d = three(NULL, &a, &b, &c);
	json_object *o, *sent, *v;
	char want[100];
	int i, nx;

	/* An offer to B: B alone gets it, with A's id, nickname and position. */
	sent = sdp_obj("offer", "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\n");
	tw_send(a, signal_msg(b->id, json_object_get(sent), NULL));
	o = expect_signal(b, a, a->x, a->y);
	ck_assert_msg(json_object_object_get_ex(o, "sdp", &v) && json_object_equal(v, sent),
	    "sdp changed in transit: %s", json_object_to_json_string(o));
	ck_assert_msg(!tw_has(o, "ice"), "ice appeared: %s", json_object_to_json_string(o));
	json_object_put(o);
	json_object_put(sent);
	tw_none(c->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_none(a->c, 50, "signal", NULL, NULL);
	tw_none(a->c, 50, "error", NULL, NULL);

	/* The answer back, and ICE candidates in the order sent. */
	tw_send(b, signal_msg(a->id, sdp_obj("answer", "v=0\r\n"), NULL));
	o = expect_signal(a, b, b->x, b->y);
	json_object_put(o);
	for (i = 1; i <= 6; i++)
		tw_send(a, signal_msg(b->id, NULL, ice_obj(i)));
	for (i = 1; i <= 6; i++) {
		o = expect_signal(b, a, a->x, a->y);
		snprintf(want, sizeof want, "candidate:%d ", i);
		ck_assert_msg(json_object_object_get_ex(o, "ice", &v) &&
		    strncmp(tw_str(v, "candidate"), want, strlen(want)) == 0,
		    "signal %d out of order or altered: %s", i, json_object_to_json_string(o));
		json_object_put(o);
	}

	/* The position is the sender's current one. */
	nx = a->x + tw_dir(a->x, 1, 32);
	tw_move(a, nx, a->y);
	tw_pos_is(a->c, a->id, nx, a->y);
	tw_send(a, signal_msg(b->id, NULL, ice_obj(7)));
	json_object_put(expect_signal(b, a, nx, a->y));
	tw_none(c->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_without_voice)
{
	struct td *d = tw_start(SMALL_GRID);
	struct tw_user *a, *b;
	char user[33], role[33];
	json_object *o;

	tw_account_saved(d, user, "novoice");
	tw_role_like_user(role, "novoice", NULL, "voice.send");
	tw_set_role(user, role);
	b = tw_join(d, "novoice_b");
	a = tw_login(d, user);
	tw_drain(b->c, 100);
	tw_send(a, signal_msg(b->id, sdp_obj("offer", "v=0\r\n"), NULL));
	o = ta_ws_error(a->c, "forbidden");
	json_object_put(o);
	tw_send(a, signal_msg(b->id, NULL, ice_obj(1)));
	json_object_put(ta_ws_error(a->c, "forbidden"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	/* The other way round works: receiving needs no permission. */
	tw_send(b, signal_msg(a->id, sdp_obj("offer", "v=0\r\n"), NULL));
	json_object_put(expect_signal(a, b, b->x, b->y));
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_unknown_target)
{
	struct tw_user *a, *b, *c;
	struct td *d = three(NULL, &a, &b, &c);
	char gone[80];

	tw_send(a, signal_msg("no-such-connection", sdp_obj("offer", "v=0\r\n"), NULL));
	json_object_put(ta_ws_error(a->c, "unknown_target"));
	/* A player who left is unknown too. */
	snprintf(gone, sizeof gone, "%s", c->id);
	tw_close(c);
	tw_see(a->c, "user_left", "id", gone);
	tw_send(a, signal_msg(gone, NULL, ice_obj(1)));
	json_object_put(ta_ws_error(a->c, "unknown_target"));
	/* The account id is not a connection id. */
	tw_send(a, signal_msg(b->userid, NULL, ice_obj(2)));
	json_object_put(ta_ws_error(a->c, "unknown_target"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_size_limit)
{
	struct tw_user *a, *b, *c;
	struct td *d = three("max_signal_bytes 256\n", &a, &b, &c);
	char big[400];
	json_object *ice;

	/* About 200 bytes serialised: relayed. */
	memset(big, 'a', 150);
	big[150] = '\0';
	tw_send(a, signal_msg(b->id, sdp_obj("offer", big), NULL));
	json_object_put(expect_signal(b, a, a->x, a->y));

	/* Over 256 bytes: bad_field, nothing relayed. */
	memset(big, 'b', 300);
	big[300] = '\0';
	tw_send(a, signal_msg(b->id, sdp_obj("offer", big), NULL));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	ice = ice_obj(1);
	json_object_object_add(ice, "usernameFragment", json_object_new_string(big));
	tw_send(a, signal_msg(b->id, NULL, ice));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	/* Payloads must be objects. */
	ck_assert_int_eq(tc_ws_sendf(a->c, "{\"type\":\"signal\",\"targetId\":\"%s\",\"sdp\":\"v=0\"}",
	    b->id), TC_OK);
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* A player placed at (x, y) before logging in. */
static struct tw_user *
join_at(struct td *d, const char *tag, int x, int y)
{
	char user[33];

	tw_account_saved(d, user, tag);
	tw_place(user, x, y);
	return tw_login(d, user);
}

START_TEST(test_signal_out_of_range)
{
	struct td *d = tw_start("grid_size 100\nmovement_max_steps_per_tick 100\n");
	struct tw_user *a = join_at(d, "far_a", 0, 0), *b = join_at(d, "far_b", 50, 50);

	ck_assert_int_eq(a->x, 0);
	ck_assert_int_eq(b->x, 50);
	tw_drain(a->c, 100);
	/* 50 cells apart: beyond any voice connection, refused, and not counted as abuse. */
	tw_send(a, signal_msg(b->id, sdp_obj("offer", "v=0\r\n"), NULL));
	json_object_put(ta_ws_error(a->c, "signal_out_of_range"));
	tw_send(a, signal_msg(b->id, NULL, ice_obj(1)));
	json_object_put(ta_ws_error(a->c, "signal_out_of_range"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	/* 33 cells: still out. */
	tw_move(a, 17, 17);
	tw_send(a, signal_msg(b->id, NULL, ice_obj(2)));
	json_object_put(ta_ws_error(a->c, "signal_out_of_range"));
	/* 30 cells (a browser tears down beyond 28 of hearing range and margin): relayed. */
	tw_move(a, 20, 20);
	tw_send(a, signal_msg(b->id, NULL, ice_obj(3)));
	json_object_put(expect_signal(b, a, 20, 20));
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_out_of_interest)
{
	/* With an interest radius, a player one cannot see is out of range whatever the distance. */
	struct td *d = tw_start("grid_size 100\ninterest_radius 10\n");
	struct tw_user *a = join_at(d, "int_a", 0, 0), *b = join_at(d, "int_b", 20, 0);

	tw_send(a, signal_msg(b->id, NULL, ice_obj(1)));
	json_object_put(ta_ws_error(a->c, "signal_out_of_range"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

/* An sdp object whose JSON text is about n bytes. */
static json_object *
sdp_of_size(size_t n)
{
	char *text = malloc(n + 1);
	json_object *o;

	ck_assert_ptr_nonnull(text);
	memset(text, 'a', n);
	memcpy(text, "v=0\r\n", 5);
	text[n] = '\0';
	o = sdp_obj("offer", text);
	free(text);
	return o;
}

START_TEST(test_signal_sizes_bounded)
{
	struct tw_user *a, *b, *c;
	struct td *d = three(NULL, &a, &b, &c);
	json_object *ice;
	char big[2100];

	/* An offer several times a real one (Chromium's audio offer measured 1.6 KB): relayed. */
	tw_send(a, signal_msg(b->id, sdp_of_size(12000), NULL));
	json_object_put(expect_signal(b, a, a->x, a->y));
	/* Past signal_max_sdp_bytes (16384 by default), though under max_signal_bytes: refused. */
	tw_send(a, signal_msg(b->id, sdp_of_size(17000), NULL));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	/* A candidate past signal_max_ice_bytes (2048). */
	memset(big, 'c', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ice = ice_obj(1);
	json_object_object_add(ice, "usernameFragment", json_object_new_string(big));
	tw_send(a, signal_msg(b->id, NULL, ice));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(b->c, TW_QUIET_MS, "signal", NULL, NULL);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_flood_cuts_off_the_flooder)
{
	/*
	 * The attack: 70 offers of 60 KB at a victim that reads slowly
	 * (sizes raised so that only the budgets stand in the way). Before the
	 * fix the victim was dropped with 1008 Output queue full.
	 */
	struct tw_user *a, *b, *c;
	struct td *d = three("max_output_bytes 262144\nsignal_max_sdp_bytes 65536\nmsg_rate 10000\n"
	    "msg_burst 10000\n", &a, &b, &c);
	char needle[160];
	int small = 4096, i, code = 0, limited = 0;
	json_object *o;
	const char *type;

	ck_assert_int_eq(setsockopt(tc_fd(b->c), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
	for (i = 0; i < 70; i++)
		if (tc_ws_send_text(a->c, json_object_to_json_string_ext(o = signal_msg(b->id,
		    sdp_of_size(60000), NULL), JSON_C_TO_STRING_PLAIN)) != TC_OK) {
			json_object_put(o);
			break;
		} else
			json_object_put(o);
	/* The flooder hears why, and is disconnected once its bad messages run out. */
	while ((o = tc_ws_recv_json(a->c, td_ms(5000))) != NULL) {
		type = tw_has(o, "type") ? tw_str(o, "type") : "";
		if (strcmp(type, "error") == 0 && strcmp(tw_str(o, "code"), "signal_limit") == 0)
			limited++;
		json_object_put(o);
	}
	/* The victim was never dropped: it reads now (with a normal buffer) and is still in the world. */
	snprintf(needle, sizeof needle, "%s (127.0.0.1): output queue over", b->id);
	ck_assert_msg(!td_log_contains(d, needle), "the victim was dropped%s", td_health());
	small = 1 << 20;
	ck_assert_int_eq(setsockopt(tc_fd(b->c), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
	ck_assert_int_ge(tw_count(b->c, td_ms(3000), "signal", "senderId", a->id), 1);
	ck_assert_int_eq(tc_ws_close_code(b->c), 0);
	tw_chat(c, "still here?");
	json_object_put(tw_wait(b->c, "chat_message", "message", "still here?"));
	/* The flooder was told, then cut off. */
	ck_assert_int_gt(limited, 0);
	ck_assert(tc_ws_expect_close(a->c, td_ms(5000), &code) == TC_OK || tc_ws_close_code(a->c) != 0);
	ck_assert_int_eq(tc_ws_close_code(a->c) != 0 ? tc_ws_close_code(a->c) : code, 1008);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_signal_flood_within_budgets)
{
	/*
	 * Budgets as large as several flooders together would have: the
	 * target's output is what is guarded. Signals stop at half of
	 * max_output_bytes (signal_target_busy to the sender) and the victim,
	 * reading slowly, stays.
	 */
	struct tw_user *a, *b, *c;
	struct td *d = three("max_output_bytes 262144\nsignal_max_sdp_bytes 65536\nmsg_rate 10000\n"
	    "msg_burst 10000\nsignal_pair_burst 100000\nsignal_pair_per_minute 1000000\n"
	    "signal_pair_bytes_per_minute 1073741824\n", &a, &b, &c);
	char needle[160];
	int i, busy = 0;
	json_object *o;
	const char *type;

	/* b does not read while 12 MB come its way: past what the kernel holds, the daemon's queue fills. */
	for (i = 0; i < 200; i++) {
		o = signal_msg(b->id, sdp_of_size(60000), NULL);
		ck_assert_int_eq(tc_ws_send_text(a->c, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)), TC_OK);
		json_object_put(o);
	}
	while ((o = tc_ws_recv_json(a->c, td_ms(3000))) != NULL) {
		type = tw_has(o, "type") ? tw_str(o, "type") : "";
		if (strcmp(type, "error") == 0 && strcmp(tw_str(o, "code"), "signal_target_busy") == 0)
			busy++;
		json_object_put(o);
	}
	snprintf(needle, sizeof needle, "%s (127.0.0.1): output queue over", b->id);
	ck_assert_msg(!td_log_contains(d, needle), "the victim was dropped%s", td_health());
	ck_assert_int_gt(busy, 0);
	/* The victim reads now: what the kernel holds comes first, then the chat line. */
	tw_chat(c, "still reading");
	for (i = 0;; i++) {
		o = tc_ws_recv_json(b->c, td_ms(5000));
		ck_assert_msg(o != NULL, "the victim got no chat line after %d messages (close code %d, %s)", i,
		    tc_ws_close_code(b->c), tc_error(b->c));
		type = tw_has(o, "type") ? tw_str(o, "type") : "";
		if (strcmp(type, "chat_message") == 0 && strcmp(tw_str(o, "message"), "still reading") == 0) {
			json_object_put(o);
			break;
		}
		json_object_put(o);
	}
	ck_assert_int_gt(i, 0);		/* some signals got through before the queue filled */
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- ICE servers and TURN ---- */

/* The iceServers entry whose urls hold url, or NULL. */
static json_object *
ice_entry(json_object *servers, const char *url)
{
	size_t i, j;
	json_object *e, *urls;

	for (i = 0; i < json_object_array_length(servers); i++) {
		e = json_object_array_get_idx(servers, i);
		urls = tw_arr(e, "urls");
		for (j = 0; j < json_object_array_length(urls); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(urls, j)), url) == 0)
				return e;
	}
	return NULL;
}

static void
check_turn_credential(json_object *turn, const char *secret, const char *userid, int ttl)
{
	const char *user = tw_str(turn, "username"), *cred = tw_str(turn, "credential");
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	unsigned int mdlen = 0;
	long long expiry, now = (long long)time(NULL);
	char *colon;

	expiry = strtoll(user, &colon, 10);
	ck_assert_msg(*colon == ':' && strcmp(colon + 1, userid) == 0,
	    "TURN username \"%s\" is not <expiry>:%s", user, userid);
	ck_assert_msg(expiry >= now + ttl - 10 && expiry <= now + ttl + 2,
	    "TURN expiry %lld, want about now (%lld) + %d", expiry, now, ttl);
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), secret, (int)strlen(secret),
	    (const unsigned char *)user, strlen(user), md, &mdlen));
	ck_assert_int_eq(mdlen, 20);
	EVP_EncodeBlock(b64, md, (int)mdlen);
	ck_assert_msg(strcmp(cred, (const char *)b64) == 0,
	    "TURN credential %s, want base64(HMAC-SHA1(secret, \"%s\")) = %s", cred, user, b64);
}

START_TEST(test_turn_credentials)
{
	struct td *d = tw_start("ice_server " STUN_URL "\nice_server " TURN_URL "\n"
	    "turn_secret s3cret\nturn_ttl_s 600\n");
	struct tw_user *a, *b;
	json_object *servers, *stun, *turn;

	a = tw_join(d, "turn_a");
	b = tw_join(d, "turn_b");
	servers = tw_arr(tw_obj(a->welcome, "worldConfig"), "iceServers");
	ck_assert_int_eq(json_object_array_length(servers), 2);
	stun = ice_entry(servers, STUN_URL);
	ck_assert_msg(stun != NULL, "no STUN entry: %s", json_object_to_json_string(servers));
	ck_assert_msg(!tw_has(stun, "username") && !tw_has(stun, "credential"),
	    "STUN entry with credentials: %s", json_object_to_json_string(stun));
	turn = ice_entry(servers, TURN_URL);
	ck_assert_msg(turn != NULL && turn != stun, "no TURN entry: %s",
	    json_object_to_json_string(servers));
	ck_assert_str_eq(a->userid, tw_str(tw_obj(a->welcome, "auth"), "userId"));
	check_turn_credential(turn, "s3cret", a->userid, 600);

	/* Each account gets its own. */
	turn = ice_entry(tw_arr(tw_obj(b->welcome, "worldConfig"), "iceServers"), TURN_URL);
	ck_assert_ptr_nonnull(turn);
	check_turn_credential(turn, "s3cret", b->userid, 600);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_turn_without_secret)
{
	struct td *d = tw_start("ice_server " STUN_URL "\nice_server " TURN_URL "\n");
	struct tw_user *a = tw_join(d, "noturn");
	json_object *servers = tw_arr(tw_obj(a->welcome, "worldConfig"), "iceServers"), *e;

	ck_assert_int_eq(json_object_array_length(servers), 2);
	ck_assert_ptr_nonnull(ice_entry(servers, STUN_URL));
	e = ice_entry(servers, TURN_URL);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(!tw_has(e, "username") && !tw_has(e, "credential"),
	    "credentials without turn_secret: %s", json_object_to_json_string(e));
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ice_server and turn_secret are reloaded on SIGHUP; later welcomes carry them. */
START_TEST(test_turn_reload)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b;
	json_object *servers, *turn;
	char *cfgtext;

	a = tw_join(d, "reload_a");
	ck_assert_int_eq(json_object_array_length(tw_arr(tw_obj(a->welcome, "worldConfig"),
	    "iceServers")), 0);
	if (asprintf(&cfgtext, "www_root %s\n%sice_server " TURN_URL "\nturn_secret other\n"
	    "turn_ttl_s 120\n", it_www(), ag_base_config()) < 0)
		ck_abort_msg("out of memory");
	ck_assert_int_eq(td_rewrite_config(d, cfgtext), 0);
	free(cfgtext);
	ck_assert_int_eq(td_signal(d, SIGHUP), 0);
	ck_assert_msg(td_wait_log(d, "reloaded configuration", td_ms(5000)),
	    "no \"reloaded configuration\" in the log 5 s after SIGHUP");
	b = tw_join(d, "reload_b");
	servers = tw_arr(tw_obj(b->welcome, "worldConfig"), "iceServers");
	ck_assert_int_eq(json_object_array_length(servers), 1);
	turn = ice_entry(servers, TURN_URL);
	ck_assert_ptr_nonnull(turn);
	check_turn_credential(turn, "other", b->userid, 120);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

static Suite *
signal_suite(void)
{
	Suite *s = suite_create("world-signal");
	TCase *tc = tcase_create("relay");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_signal_relay);
	tcase_add_test(tc, test_signal_without_voice);
	tcase_add_test(tc, test_signal_unknown_target);
	tcase_add_test(tc, test_signal_size_limit);
	tcase_add_test(tc, test_signal_out_of_range);
	tcase_add_test(tc, test_signal_out_of_interest);
	tcase_add_test(tc, test_signal_sizes_bounded);
	tcase_add_test(tc, test_signal_flood_cuts_off_the_flooder);
	tcase_add_test(tc, test_signal_flood_within_budgets);
	suite_add_tcase(s, tc);

	tc = tcase_create("turn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_turn_credentials);
	tcase_add_test(tc, test_turn_without_secret);
	tcase_add_test(tc, test_turn_reload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(signal_suite());
}
