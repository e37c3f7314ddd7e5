/*
 * proto-signal.c: the WebRTC signalling relay between browsers. A signal
 * goes only to a user the sender perceives within voice range, its sdp and
 * ice are bounded to what browsers send, and each sender-target pair has a
 * message and byte budget: a flooder is refused (an error, counted as a
 * bad message, so it is disconnected if it goes on) and its target, who may
 * be reading slowly, never has its output filled by signals.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "auth/session.h"
#include "cfg.h"
#include "log.h"
#include "net/bucket.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"
#include "strmap.h"
#include "tick.h"
#include "voice.h"
#include "world/world.h"
#include "xmalloc.h"

/* Budgets of sender-target pairs, by "sender id/target id"; values owned here. */
struct pair_budget {
	struct bucket msgs, bytes;
	uint64_t last_ms;
};
static struct strmap *pairs;

/* A budget unused this long is full again whatever the settings (within their limits): forget it. */
#define PAIR_IDLE_MS (10 * 60 * 1000)

static void
deny_signal(struct client *c, struct json_object *msg)
{
	client_send_error(c, "forbidden", "Not authorized to send voice.");
}

/* The JSON text size of field, or 0 when absent; -1 (and the error sent) when over max. */
static long
payload_size(struct client *c, struct json_object *msg, const char *field, int limit)
{
	struct json_object *v;
	size_t len;
	int max = limit < cfg->max_signal_bytes ? limit : cfg->max_signal_bytes;

	if (!json_object_object_get_ex(msg, field, &v) || v == NULL)
		return 0;
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	if (len <= (size_t)max)
		return (long)len;
	log_info("%s: signal with a %zu-byte %s refused (at most %d)", c->id, len, field, max);
	client_send_error(c, "bad_field", "signal: field %s is larger than %d bytes.", field, max);
	client_bad_message(c);
	return -1;
}

static struct pair_budget *
pair_get(const char *from, const char *to, uint64_t now)
{
	char key[80];
	struct pair_budget *b;

	snprintf(key, sizeof key, "%s/%s", from, to);
	if ((b = strmap_get(pairs, key)) == NULL) {
		b = xcalloc(1, sizeof *b);
		bucket_init(&b->msgs, cfg->signal_pair_burst, now);
		bucket_init(&b->bytes, cfg->signal_pair_bytes_per_minute, now);
		strmap_put(pairs, key, b);
	}
	b->last_ms = now;
	return b;
}

/* May from send a signal of bytes to to now? Takes from the budget when it may. */
static int
pair_take(const struct client *from, const struct client *to, size_t bytes)
{
	uint64_t now = tick_mono_ms();
	struct pair_budget *b = pair_get(from->id, to->id, now);
	double burst = cfg->signal_pair_bytes_per_minute;

	if ((double)bytes > burst)
		bytes = (size_t)burst;
	/* A message refused for its bytes has still spent its message token. */
	if (!bucket_take(&b->msgs, cfg->signal_pair_per_minute / 60.0, cfg->signal_pair_burst, now))
		return 0;
	return bucket_take_n(&b->bytes, (double)bytes, burst / 60.0, burst, now);
}

static int
pair_stale(const char *key, void *value, void *arg)
{
	struct pair_budget *b = value;
	uint64_t now = *(uint64_t *)arg;

	(void)key;
	if (now - b->last_ms < PAIR_IDLE_MS)
		return 0;
	free(b);
	return 1;
}

static void
pairs_sweep(uint64_t now, void *arg)
{
	(void)arg;
	strmap_sweep(pairs, pair_stale, &now);
}

/* Is t within the range a browser at p would negotiate voice with? */
static int
in_voice_range(const struct player *p, const struct player *t)
{
	return world_perceives(p->x, p->y, t->x, t->y) &&
	    world_distance(p->x, p->y, t->x, t->y) <= VOICE_SIGNAL_RANGE;
}

static void
signal_relay(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c), *t;
	const char *target = proto_str(msg, "targetId");
	struct json_object *o, *v;
	struct outmsg *m;
	long sdp, ice;

	if (p == NULL)
		return;
	if (pairs == NULL) {
		pairs = strmap_new();
		tick_add("signal budgets", 10000, pairs_sweep, NULL);
	}
	if (c->session->mute_voice_until_ms > tick_wall_ms()) {
		client_send_error(c, "muted", "Your voice is muted for now.");
		return;
	}
	if ((sdp = payload_size(c, msg, "sdp", cfg->signal_max_sdp_bytes)) < 0 ||
	    (ice = payload_size(c, msg, "ice", cfg->signal_max_ice_bytes)) < 0)
		return;
	if ((t = world_find(target)) == NULL || t == p) {
		log_debug("%s: signal to unknown target %.64s", c->id, target);
		client_send_error(c, "unknown_target", "Unknown signal target.");
		return;
	}
	if (!in_voice_range(p, t)) {
		log_debug("%s: signal to %s out of voice range refused", c->id, t->c->id);
		client_send_error(c, "signal_out_of_range", "Signal target is out of voice range.");
		return;
	}
	if (!pair_take(c, t->c, (size_t)(sdp + ice))) {
		log_info("%s (%s): signals to %s over their budget; refused", c->id, c->session->username, t->c->id);
		client_send_error(c, "signal_limit", "Too many signals to this user; slow down.");
		client_bad_message(c);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("signal"));
	json_object_object_add(o, "senderId", json_object_new_string(c->id));
	json_object_object_add(o, "senderNickname", json_object_new_string(p->nickname));
	json_object_object_add(o, "x", json_object_new_int(p->x));
	json_object_object_add(o, "y", json_object_new_int(p->y));
	if (json_object_object_get_ex(msg, "sdp", &v) && v != NULL)
		json_object_object_add(o, "sdp", json_object_get(v));
	if (json_object_object_get_ex(msg, "ice", &v) && v != NULL)
		json_object_object_add(o, "ice", json_object_get(v));
	m = outmsg_new_json(o);
	json_object_put(o);
	/* Signals never fill more than half of a target's output: the target is not to blame. */
	if (evbuffer_get_length(client_output(t->c)) + m->len > (size_t)(cfg->max_output_bytes / 2)) {
		log_info("%s: signal to %s refused: its output queue is filling", c->id, t->c->id);
		client_send_error(c, "signal_target_busy", "Signal target is not reading; try again later.");
	} else
		client_send(t->c, m);
	outmsg_unref(m);
}

static const struct proto_field signal_fields[] = {
	{ "targetId", FT_STRING, FF_REQUIRED, 1, 64, NULL },
	{ "sdp", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ "ice", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_signal_msgs[] = {
	{ "signal", signal_fields, PERM(P_VOICE_SEND), 0, signal_relay, deny_signal },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
