/*
 * voice.c: SFU voice, decided here and carried out on Janus.
 *
 * Every SFU-capable client (one that sent voice_join) has a voice user.
 * Each tick, a user whose surroundings changed is reconciled: its SFU
 * partners are the SFU-capable players it perceives within hearing range
 * (entering at VOICE_NEAR, leaving beyond VOICE_FAR, the mesh's margins);
 * it publishes one feed into the room of each area where a partner
 * listens, and subscribes, in its own area's room, to its partners' feeds
 * there. Each feed or subscription is a Janus handle owned by chatgridd
 * (a "pc" here, one RTCPeerConnection in the browser); the browser sees
 * only a key, the SDP and which track is whose. In auto mode a pair is an
 * SFU pair only when one of the two stands in an area switched to the SFU
 * (someone there has voice_sfu_threshold people in range); other pairs,
 * and every pair with a client that never said voice_join, stay on the mesh.
 * The handles themselves are vpc.c's.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "auth/auth.h"
#include "auth/session.h"
#include "cfg.h"
#include "daemon.h"
#include "janus.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"
#include "strmap.h"
#include "tick.h"
#include "turn.h"
#include "voice-int.h"
#include "voice.h"
#include "world/world.h"
#include "xmalloc.h"

/* The messages of this part (proto-signal.c, proto-voice.c), registered by voice_init. */
extern const struct proto_msg proto_signal_msgs[];
extern const struct proto_msg proto_voice_msgs[];

static enum voice_mode mode = VOICE_MESH;
struct janus **voice_insts;
int voice_ninsts;
struct varea *voice_areas;
int voice_nareas, voice_acols, voice_asize;
struct vuser_list voice_users = TAILQ_HEAD_INITIALIZER(voice_users);
struct strmap *voice_by_conn;
struct strmap *voice_by_key;
struct strmap *voice_by_handle;
struct strmap *voice_by_feed;
uint64_t voice_next_key = 1, voice_feed_base;
static int moves_pending;
static uint64_t last_crowd_ms;

/* --- small helpers --- */

static double
dist(int x0, int y0, int x1, int y1)
{
	return hypot((double)(x0 - x1), (double)(y0 - y1));
}

static int
has_peer(const struct vuser *u, uint64_t serial)
{
	int i;

	for (i = 0; i < u->npeers; i++)
		if (u->peers[i] == serial)
			return 1;
	return 0;
}

/* --- telling the browser --- */

void
voice_error(struct client *c, const char *key, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(o, "code", json_object_new_string("voice"));
	json_object_object_add(o, "message", json_object_new_string(msg));
	if (key != NULL)
		json_object_object_add(o, "key", json_object_new_string(key));
	client_send_json(c, o);
}

/* The plan: voice_sfu with the state, the partners and the keys to hold. Sent when it changed. */
static void
send_plan(struct vuser *u)
{
	struct json_object *o = json_object_new_object(), *peers = json_object_new_array(),
	    *pub = json_object_new_array(), *sub = json_object_new_array();
	struct vpc *pc;
	const char *text;
	char key[24];
	int i;

	json_object_object_add(o, "type", json_object_new_string("voice_sfu"));
	json_object_object_add(o, "state", json_object_new_string(janus_up(inst_of(u->area)) ? "up" : "down"));
	for (i = 0; i < u->npeers; i++)
		json_object_array_add(peers, json_object_new_string(u->peer_ids[i]));
	TAILQ_FOREACH(pc, &u->pcs, entry) {
		key_str(pc->key, key);
		json_object_array_add(pc->pub ? pub : sub, json_object_new_string(key));
	}
	json_object_object_add(o, "peers", peers);
	json_object_object_add(o, "publish", pub);
	json_object_object_add(o, "subscribe", sub);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (u->last_plan == NULL || strcmp(u->last_plan, text) != 0) {
		free(u->last_plan);
		u->last_plan = xstrdup(text);
		client_send_json(u->c, o);
	} else
		json_object_put(o);
}

/* The feeds a user's subscription should hold now (array owned by the caller). */
int
voice_wanted_feeds(struct vuser *u, int area, uint64_t **out)
{
	uint64_t *f = xreallocarray(NULL, (size_t)u->npeers + 1, sizeof *f);
	struct vuser *q;
	struct vpc *pc;
	int i, n = 0;

	for (i = 0; i < u->npeers; i++) {
		if ((q = strmap_get(voice_by_conn, u->peer_ids[i])) == NULL)
			continue;
		TAILQ_FOREACH(pc, &q->pcs, entry)
			if (pc->pub && pc->area == area && pc->live && pc->idle_since_ms == 0) {
				f[n++] = pc->feed;
				break;
			}
	}
	*out = f;
	return n;
}

/* --- who hears whom --- */

static int
sfu_pair(const struct vuser *a, const struct vuser *b)
{
	if (mode == VOICE_SFU)
		return 1;
	return voice_areas[a->area].sfu || voice_areas[b->area].sfu;
}

struct partner_arg {
	struct vuser *u;
	uint64_t *serials;
	char **ids;
	int n, cap;
};

static void
partner_check(struct player *q, void *arg)
{
	struct partner_arg *a = arg;
	struct vuser *u = a->u, *v;
	struct player *p = u->c->player;
	double d;

	if (q == p || (v = vuser_of(q->c)) == NULL)
		return;
	d = dist(p->x, p->y, q->x, q->y);
	if (d > VOICE_FAR || (d > VOICE_NEAR && !has_peer(u, q->c->serial)))
		return;
	if (!world_perceives(p->x, p->y, q->x, q->y) || !sfu_pair(u, v))
		return;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->serials = xreallocarray(a->serials, (size_t)a->cap, sizeof *a->serials);
		a->ids = xreallocarray(a->ids, (size_t)a->cap, sizeof *a->ids);
	}
	a->serials[a->n] = q->c->serial;
	a->ids[a->n] = xstrdup(q->c->id);
	a->n++;
}

static void
peers_update(struct vuser *u)
{
	struct partner_arg a = { u, NULL, NULL, 0, 0 };
	struct player *p = u->c->player;
	int i;

	world_foreach_near(p->x, p->y, (int)VOICE_FAR + 1, partner_check, &a);
	for (i = 0; i < u->npeers; i++)
		free(u->peer_ids[i]);
	free(u->peers);
	free(u->peer_ids);
	u->peers = a.serials;
	u->peer_ids = a.ids;
	u->npeers = a.n;
}

static struct vpc *
find_pc(struct vuser *u, int pub, int area)
{
	struct vpc *pc;

	TAILQ_FOREACH(pc, &u->pcs, entry)
		if (pc->pub == pub && pc->area == area)
			return pc;
	return NULL;
}

/* Is this pc wanted now? If not, keep it VOICE_LINGER_MS before letting go. Returns 0 when dropped. */
static int
linger(struct vuser *u, struct vpc *pc, int wanted, uint64_t now)
{
	if (wanted) {
		pc->idle_since_ms = 0;
		return 1;
	}
	if (pc->idle_since_ms == 0)
		pc->idle_since_ms = now;
	if (now - pc->idle_since_ms >= VOICE_LINGER_MS) {
		vpc_drop(pc, 1);
		return 0;
	}
	wake(u, pc->idle_since_ms + VOICE_LINGER_MS);
	return 1;
}

/* The areas whose rooms u should publish into: its partners' areas (at most npeers). */
static int
pub_areas(struct vuser *u, int *out)
{
	struct vuser *q;
	int i, k, n = 0;

	if (!u->can_send)
		return 0;
	for (i = 0; i < u->npeers; i++) {
		if ((q = strmap_get(voice_by_conn, u->peer_ids[i])) == NULL)
			continue;
		for (k = 0; k < n && out[k] != q->area; k++)
			;
		if (k == n)
			out[n++] = q->area;
	}
	return n;
}

static void
reconcile(struct vuser *u, uint64_t now)
{
	struct vpc *pc, *next;
	int *want, nwant, i, k, wanted, room_ok;
	uint64_t *feeds;
	int nfeeds;

	u->dirty = 0;
	u->wake_ms = 0;
	peers_update(u);

	/* Feeds: one per area where a partner listens. */
	want = xreallocarray(NULL, (size_t)u->npeers + 1, sizeof *want);
	nwant = pub_areas(u, want);
	for (pc = TAILQ_FIRST(&u->pcs); pc != NULL; pc = next) {
		next = TAILQ_NEXT(pc, entry);
		if (!pc->pub)
			continue;
		for (wanted = 0, k = 0; k < nwant && !wanted; k++)
			wanted = want[k] == pc->area;
		if (!u->can_send) {
			vpc_drop(pc, 1);	/* revoked: at once, no linger */
			continue;
		}
		linger(u, pc, wanted, now);
	}
	for (i = 0; i < nwant; i++) {
		if (find_pc(u, 1, want[i]) != NULL || !janus_up(inst_of(want[i])))
			continue;
		vpc_room_create(want[i]);
		if (voice_areas[want[i]].room == ROOM_READY)
			vpc_attach(vpc_new(u, 1, want[i]));
	}
	free(want);

	/* The subscription, in the room of u's own area. */
	nfeeds = voice_wanted_feeds(u, u->area, &feeds);
	room_ok = janus_up(inst_of(u->area));
	for (pc = TAILQ_FIRST(&u->pcs); pc != NULL; pc = next) {
		next = TAILQ_NEXT(pc, entry);
		if (pc->pub)
			continue;
		if (pc->await_answer && now - pc->offer_ms >= VOICE_ANSWER_MS) {
			vpc_failed(pc, "answer", "the browser did not answer in time");
			continue;
		}
		vpc_sub_prune(pc);
		if (pc->area != u->area) {
			/* Moved to another area: the old one goes once the new one runs. */
			struct vpc *cur = find_pc(u, 0, u->area);

			linger(u, pc, cur == NULL || !cur->joined || cur->await_answer, now);
			continue;
		}
		/* Feeds out of range go at once; the empty subscription lingers. */
		if (linger(u, pc, nfeeds > 0, now))
			vpc_sub_sync(pc, feeds, nfeeds);
	}
	if (nfeeds > 0 && room_ok && find_pc(u, 0, u->area) == NULL) {
		vpc_room_create(u->area);
		if (voice_areas[u->area].room == ROOM_READY)
			vpc_attach(vpc_new(u, 0, u->area));
	}
	free(feeds);
	if ((nfeeds > 0 || u->npeers > 0) && voice_areas[u->area].room != ROOM_READY)
		wake(u, now + VOICE_RETRY_MS);
	send_plan(u);
}

/* --- hooks from the world and the tick --- */

struct mark_arg {
	int x, y;
};

static void
mark_one(struct player *q, void *arg)
{
	struct mark_arg *a = arg;
	struct vuser *v;

	if ((v = vuser_of(q->c)) != NULL && dist(a->x, a->y, q->x, q->y) <= VOICE_FAR + 1)
		v->dirty = 1;
}

/* Everyone whose partners may change because of what happens at (x, y). */
void
voice_mark_near(int x, int y)
{
	struct mark_arg a = { x, y };

	world_foreach_near(x, y, (int)VOICE_FAR + 2, mark_one, &a);
}

static void
on_move(struct player *p)
{
	struct vuser *u = vuser_of(p->c);

	moves_pending = 1;
	if (u == NULL) {
		voice_mark_near(p->x, p->y);	/* counts in crowds; SFU pairs are not affected */
		return;
	}
	voice_mark_near(u->x, u->y);
	u->x = p->x;
	u->y = p->y;
	u->area = area_of(p->x, p->y);
	voice_mark_near(p->x, p->y);
	u->dirty = 1;
}

static void
vuser_free(struct vuser *u)
{
	int i;

	while (!TAILQ_EMPTY(&u->pcs))
		vpc_drop(TAILQ_FIRST(&u->pcs), 1);
	strmap_del(voice_by_conn, u->c->id);
	TAILQ_REMOVE(&voice_users, u, entry);
	for (i = 0; i < u->npeers; i++)
		free(u->peer_ids[i]);
	free(u->peers);
	free(u->peer_ids);
	free(u->last_plan);
	free(u);
}

/* Logout, kick, ban, deletion, a closed socket: every feed and subscription goes now. */
static void
on_leave(struct player *p)
{
	struct vuser *u = vuser_of(p->c);

	moves_pending = 1;
	if (u == NULL)
		return;
	log_info("%s: voice handles released", p->c->id);
	vuser_free(u);
	voice_mark_near(p->x, p->y);
}

struct crowd_arg {
	struct player *p;
	int n;
};

static void
crowd_one(struct player *q, void *arg)
{
	struct crowd_arg *a = arg;

	if (q != a->p && dist(a->p->x, a->p->y, q->x, q->y) <= VOICE_HEAR &&
	    world_perceives(a->p->x, a->p->y, q->x, q->y))
		a->n++;
}

/* auto: count each player's hearing crowd and switch areas with hysteresis. */
static void
crowds(uint64_t now)
{
	struct player *p;
	struct vuser *u;
	int i, changed = 0;

	for (i = 0; i < voice_nareas; i++)
		voice_areas[i].max_crowd = 0;
	TAILQ_FOREACH(p, &roster, roster_entry) {
		struct crowd_arg a = { p, 0 };
		int ar = area_of(p->x, p->y);

		world_foreach_near(p->x, p->y, (int)VOICE_HEAR + 1, crowd_one, &a);
		if (a.n > voice_areas[ar].max_crowd)
			voice_areas[ar].max_crowd = a.n;
	}
	for (i = 0; i < voice_nareas; i++) {
		struct varea *a = &voice_areas[i];

		if (!a->sfu && a->max_crowd >= cfg->voice_sfu_threshold) {
			a->sfu = 1;
			a->since_ms = now;
			changed = 1;
			log_notice("voice: area %d switches to the SFU (%d people in someone's range)", i, a->max_crowd + 1);
		} else if (a->sfu && a->max_crowd <= cfg->voice_sfu_threshold - 2 &&
		    now - a->since_ms >= VOICE_AUTO_HOLD_MS) {
			a->sfu = 0;
			changed = 1;
			log_notice("voice: area %d switches back to the mesh", i);
		}
	}
	if (changed)
		TAILQ_FOREACH(u, &voice_users, entry)
			u->dirty = 1;
}

static void
voice_tick(uint64_t now, void *arg)
{
	struct vuser *u, *next;
	int can, i;

	/* A voice mute or a role change: the feed goes within a tick. */
	TAILQ_FOREACH(u, &voice_users, entry) {
		can = (auth_effective_perms(u->c) & PERM(P_VOICE_SEND)) != 0;
		if (can != u->can_send) {
			u->can_send = can;
			u->dirty = 1;
			if (!can)
				log_info("%s: voice.send withdrawn; feeds unpublished", u->c->id);
		}
	}
	if (mode == VOICE_AUTO && (moves_pending || now - last_crowd_ms >= 5000) &&
	    now - last_crowd_ms >= VOICE_CROWD_MS) {
		moves_pending = 0;
		last_crowd_ms = now;
		crowds(now);
	}
	for (u = TAILQ_FIRST(&voice_users); u != NULL; u = next) {
		next = TAILQ_NEXT(u, entry);
		if (u->c->player == NULL)
			continue;
		if (u->dirty || (u->wake_ms != 0 && now >= u->wake_ms))
			reconcile(u, now);
	}
	for (i = 0; i < voice_nareas; i++)
		if (voice_areas[i].room == ROOM_READY && voice_areas[i].npcs == 0 && voice_areas[i].empty_since_ms != 0 &&
		    now - voice_areas[i].empty_since_ms >= VOICE_ROOM_IDLE_MS)
			vpc_room_destroy_idle(i);
}

/* --- Janus's side --- */

static void
inst_state(struct janus *j, int up)
{
	struct vuser *u;
	struct vpc *pc, *next;
	int i;

	for (i = 0; i < voice_nareas; i++)
		if (inst_of(i) == j) {
			voice_areas[i].room = ROOM_NONE;
			voice_areas[i].retry_ms = 0;
		}
	TAILQ_FOREACH(u, &voice_users, entry) {
		u->dirty = 1;
		if (up)
			continue;
		/* The session is gone and its handles with it. */
		for (pc = TAILQ_FIRST(&u->pcs); pc != NULL; pc = next) {
			next = TAILQ_NEXT(pc, entry);
			if (pc->j == j)
				vpc_drop(pc, 0);
		}
	}
	if (up)
		log_notice("voice: %s is up", janus_url(j));
}

static void
inst_event(struct janus *j, uint64_t handle, const char *kind, struct json_object *data, struct json_object *jsep)
{
	struct vpc *pc;
	char hk[48];

	handle_str(j, handle, hk);
	if ((pc = strmap_get(voice_by_handle, hk)) == NULL)
		return;
	if (strcmp(kind, "webrtcup") == 0) {
		log_debug("%s: voice %s %" PRIu64 " is up", pc->u->c->id, pc->pub ? "feed" : "subscription", pc->key);
		if (pc->pub && !pc->live) {
			char fk[24];

			pc->live = 1;
			key_str(pc->feed, fk);
			strmap_put(voice_by_feed, fk, pc);
			voice_mark_near(pc->u->x, pc->u->y);
		}
		return;
	}
	if (strcmp(kind, "hangup") == 0 || strcmp(kind, "detached") == 0) {
		/* The browser's connection died (or Janus let the handle go): start afresh. */
		log_info("%s: voice %s %" PRIu64 " %s", pc->u->c->id, pc->pub ? "feed" : "subscription", pc->key,
		    strcmp(kind, "hangup") == 0 ? "hung up" : "detached");
		wake(pc->u, tick_mono_ms() + VOICE_RETRY_MS);
		vpc_drop(pc, strcmp(kind, "hangup") == 0);
		return;
	}
	if (strcmp(kind, "event") != 0 || pc->pub || data == NULL)
		return;
	/* A subscription renegotiated by Janus itself (a feed went away). */
	if (jstr(data, "videoroom") != NULL && strcmp(jstr(data, "videoroom"), "updated") == 0) {
		vpc_sub_prune(pc);
		vpc_sub_offer(pc, data, jsep);
	}
}

static const struct janus_ops voice_janus_ops = { inst_state, inst_event };

/* --- the client messages --- */

void
voice_join(struct client *c)
{
	struct vuser *u;
	struct player *p = c->player;

	if (mode == VOICE_MESH) {
		voice_error(c, NULL, "%s", "Voice on this server is a mesh; there is no voice server to join.");
		return;
	}
	if (p == NULL || vuser_of(c) != NULL)
		return;
	u = xcalloc(1, sizeof *u);
	u->c = c;
	u->x = p->x;
	u->y = p->y;
	u->area = area_of(p->x, p->y);
	u->can_send = (auth_effective_perms(c) & PERM(P_VOICE_SEND)) != 0;
	u->dirty = 1;
	TAILQ_INIT(&u->pcs);
	TAILQ_INSERT_TAIL(&voice_users, u, entry);
	strmap_put(voice_by_conn, c->id, u);
	voice_mark_near(p->x, p->y);
	log_info("%s: joins SFU voice in area %d", c->id, u->area);
	/* The first plan now, so the client knows which peers to mesh with before anything else. */
	reconcile(u, tick_mono_ms());
}

static struct vpc *
own_pc(struct client *c, const char *key)
{
	/* In mesh mode there are no keys (and no map to look them up in). */
	struct vpc *pc = voice_by_key != NULL ? strmap_get(voice_by_key, key) : NULL;

	if (pc == NULL || pc->u->c != c) {
		voice_error(c, key, "%s", "Unknown voice connection.");
		return NULL;
	}
	return pc;
}

void
voice_client_sdp(struct client *c, const char *key, struct json_object *sdp)
{
	struct vpc *pc;
	struct json_object *o;
	const char *type = jstr(sdp, "type"), *text = jstr(sdp, "sdp");

	if ((pc = own_pc(c, key)) == NULL)
		return;
	if (type == NULL || text == NULL) {
		voice_error(c, key, "%s", "The description needs a type and an sdp.");
		client_bad_message(c);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "sdp", json_object_new_string(text));
	if (pc->pub && strcmp(type, "offer") == 0) {
		if (!pc->u->can_send) {
			json_object_put(o);
			voice_error(c, key, "%s", "You may not send voice now.");
			return;
		}
		if (pc->busy && pc->handle != 0) {
			json_object_put(o);
			voice_error(c, key, "%s", "A negotiation is already in progress.");
			return;
		}
		if (pc->handle == 0) {
			json_object_put(pc->early_offer);
			pc->early_offer = o;
			return;
		}
		vpc_publish(pc, o);
		return;
	}
	if (!pc->pub && strcmp(type, "answer") == 0 && pc->await_answer && !pc->busy) {
		vpc_sub_answer(pc, o);
		return;
	}
	json_object_put(o);
	voice_error(c, key, "An %s is not expected for this voice connection now.", type);
}

void
voice_client_ice(struct client *c, const char *key, struct json_object *ice)
{
	struct vpc *pc;
	struct json_object *cand = NULL, *v;

	if ((pc = own_pc(c, key)) == NULL || pc->handle == 0)
		return;
	if (ice != NULL) {
		cand = json_object_new_object();
		if (!json_object_object_get_ex(ice, "candidate", &v) || !json_object_is_type(v, json_type_string)) {
			json_object_put(cand);
			voice_error(c, key, "%s", "A candidate needs a candidate string.");
			return;
		}
		json_object_object_add(cand, "candidate", json_object_get(v));
		if (json_object_object_get_ex(ice, "sdpMid", &v) && json_object_is_type(v, json_type_string))
			json_object_object_add(cand, "sdpMid", json_object_get(v));
		if (json_object_object_get_ex(ice, "sdpMLineIndex", &v) && json_object_is_type(v, json_type_int))
			json_object_object_add(cand, "sdpMLineIndex", json_object_get(v));
	}
	janus_trickle(pc->j, pc->handle, cand);
}

/* --- set-up --- */

enum voice_mode
voice_mode(void)
{
	return mode;
}

/* welcome.worldConfig's voice fields: the ICE servers (with TURN credentials) and the mode. */
static void
world_config(const struct client *c, struct json_object *wc)
{
	static const char *const names[] = { "mesh", "sfu", "auto" };

	json_object_object_add(wc, "iceServers", turn_ice_servers(c->session->account_id));
	json_object_object_add(wc, "voiceMode", json_object_new_string(names[mode]));
}

static void
voice_shutdown(void)
{
	int i;

	while (!TAILQ_EMPTY(&voice_users))
		vuser_free(TAILQ_FIRST(&voice_users));
	for (i = 0; i < voice_ninsts; i++)
		janus_free(voice_insts[i]);
	free(voice_insts);
	free(voice_areas);
	strmap_free(voice_by_conn);
	strmap_free(voice_by_key);
	strmap_free(voice_by_handle);
	strmap_free(voice_by_feed);
}

void
voice_init(void)
{
	int i, grid = world_grid_size();
	uint32_t r;

	proto_register(proto_signal_msgs);
	proto_register(proto_voice_msgs);
	world_set_voice_config(world_config);
	if (strcmp(cfg->voice_mode, "sfu") == 0)
		mode = VOICE_SFU;
	else if (strcmp(cfg->voice_mode, "auto") == 0)
		mode = VOICE_AUTO;
	else {
		mode = VOICE_MESH;
		return;
	}
	voice_asize = cfg->voice_sfu_area > 0 && cfg->voice_sfu_area < grid ? cfg->voice_sfu_area : 0;
	voice_acols = voice_asize > 0 ? (grid + voice_asize - 1) / voice_asize : 1;
	voice_nareas = voice_acols * voice_acols;
	voice_areas = xcalloc((size_t)voice_nareas, sizeof *voice_areas);
	voice_by_conn = strmap_new();
	voice_by_key = strmap_new();
	voice_by_handle = strmap_new();
	voice_by_feed = strmap_new();
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		fatalx("no randomness available");
	voice_feed_base = ((uint64_t)r << 12) + 1;	/* stays below 2^53: JSON-safe */
	voice_ninsts = cfg->njanus_urls;
	voice_insts = xcalloc((size_t)voice_ninsts, sizeof *voice_insts);
	for (i = 0; i < voice_ninsts; i++)
		if ((voice_insts[i] = janus_new(cfg->janus_urls[i], i, &voice_janus_ops)) == NULL)
			fatalx("janus_url %s cannot be used", cfg->janus_urls[i]);
	world_on_move(on_move);
	world_on_leave(on_leave);
	tick_add("voice", VOICE_TICK_MS, voice_tick, NULL);
	daemon_on_shutdown(voice_shutdown);
	log_notice("voice: %s mode with %d Janus instance%s, %d area%s", cfg->voice_mode, voice_ninsts,
	    voice_ninsts == 1 ? "" : "s", voice_nareas, voice_nareas == 1 ? "" : "s");
}
