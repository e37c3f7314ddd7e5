/*
 * vpc.c: the Janus handles that carry SFU voice out (voice.c decides). A
 * vpc is one handle and one RTCPeerConnection in the browser, named there by
 * its key: a feed (the user's voice published into an area's room) or a
 * subscription (the feeds of the user's partners, in the room of the user's
 * area). One request at a time per handle; every answer finds its handle
 * again by key, so a handle dropped meanwhile is simply not found. Rooms
 * are made when first needed and destroyed when unused.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "janus.h"
#include "log.h"
#include "net/client.h"
#include "strmap.h"
#include "tick.h"
#include "voice-int.h"
#include "xmalloc.h"

/* The room's secret: derived, so that a restarted chatgridd can destroy what it left behind. */
static void
room_secret(int area, char out[33])
{
	const char *key = cfg->janus_api_secret[0] != '\0' ? cfg->janus_api_secret : "chatgrid-room";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char msg[48];
	int i;

	snprintf(msg, sizeof msg, "room:%" PRIu64, room_of(area));
	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, strlen(msg), mac, &len);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* --- sending to the browser --- */

static void
send_sdp(struct vpc *pc, const char *type, struct json_object *jsep, struct json_object *streams)
{
	struct json_object *o = json_object_new_object(), *sdp = json_object_new_object();
	char key[24];

	key_str(pc->key, key);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(sdp, "type", json_object_new_string(jstr(jsep, "type") != NULL ? jstr(jsep, "type") : ""));
	json_object_object_add(sdp, "sdp", json_object_new_string(jstr(jsep, "sdp") != NULL ? jstr(jsep, "sdp") : ""));
	json_object_object_add(o, "sdp", sdp);
	if (streams != NULL)
		json_object_object_add(o, "streams", streams);
	client_send_json(pc->u->c, o);
}

/* Which of a subscription's tracks (by mid) carries whose voice: [{mid, peerId}]. */
static struct json_object *
streams_json(struct json_object *streams)
{
	struct json_object *out = json_object_new_array(), *s, *o, *act;
	struct vpc *owner;
	char fk[24];
	size_t i, n;

	if (streams == NULL || !json_object_is_type(streams, json_type_array))
		return out;
	n = json_object_array_length(streams);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(streams, i);
		if (jstr(s, "mid") == NULL || jstr(s, "type") == NULL || strcmp(jstr(s, "type"), "audio") != 0)
			continue;
		if (json_object_object_get_ex(s, "active", &act) && !json_object_get_boolean(act))
			continue;
		key_str(jid(s, "feed_id"), fk);
		if ((owner = strmap_get(voice_by_feed, fk)) == NULL)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "mid", json_object_new_string(jstr(s, "mid")));
		json_object_object_add(o, "peerId", json_object_new_string(owner->u->c->id));
		json_object_array_add(out, o);
	}
	return out;
}

/* --- rooms --- */


static void
room_destroyed(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t area)
{
	/* A room left by an earlier start: made again now (or the refusal is logged). */
	if (error != NULL && !janus_up(j))
		return;		/* the instance went down meanwhile: inst_state() reset the area */
	if (error != NULL) {
		log_warn("janus %d: room %" PRIu64 " is in the way and cannot be destroyed: %s", janus_index(j),
		    room_of((int)area), error);
		voice_areas[area].room = ROOM_NONE;
		voice_areas[area].retry_ms = tick_mono_ms() + 5000;
		return;
	}
	log_info("janus %d: destroyed room %" PRIu64 " left from before", janus_index(j), room_of((int)area));
	voice_areas[area].room = ROOM_NONE;
	vpc_room_create((int)area);
}

static void
room_created(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t area)
{
	struct varea *a = &voice_areas[area];
	struct json_object *o;
	struct vuser *u;
	char secret[33];

	if (a->room != ROOM_CREATING || a->room_epoch != janus_epoch(j))
		return;
	if (error != NULL && strstr(error, "(427)") != NULL) {
		room_secret((int)area, secret);
		o = json_object_new_object();
		json_object_object_add(o, "request", json_object_new_string("destroy"));
		json_object_object_add(o, "room", json_object_new_int64((int64_t)room_of((int)area)));
		json_object_object_add(o, "secret", json_object_new_string(secret));
		janus_message(j, 0, o, NULL, room_destroyed, area);
		return;
	}
	if (error != NULL) {
		log_warn("janus %d: cannot create room %" PRIu64 ": %s", janus_index(j), room_of((int)area), error);
		a->room = ROOM_NONE;
		a->retry_ms = tick_mono_ms() + 5000;
		return;
	}
	log_info("janus %d: room %" PRIu64 " ready for area %d", janus_index(j), room_of((int)area), (int)area);
	a->room = ROOM_READY;
	a->empty_since_ms = 0;
	TAILQ_FOREACH(u, &voice_users, entry)
		u->dirty = 1;
}

void
vpc_room_create(int area)
{
	struct varea *a = &voice_areas[area];
	struct janus *j = inst_of(area);
	struct json_object *o;
	char secret[33], desc[64];

	if (a->room != ROOM_NONE || !janus_up(j) || tick_mono_ms() < a->retry_ms)
		return;
	a->room = ROOM_CREATING;
	a->room_epoch = janus_epoch(j);
	room_secret(area, secret);
	snprintf(desc, sizeof desc, "chatgrid area %d", area);
	o = json_object_new_object();
	json_object_object_add(o, "request", json_object_new_string("create"));
	json_object_object_add(o, "room", json_object_new_int64((int64_t)room_of(area)));
	json_object_object_add(o, "description", json_object_new_string(desc));
	json_object_object_add(o, "secret", json_object_new_string(secret));
	json_object_object_add(o, "is_private", json_object_new_boolean(1));
	json_object_object_add(o, "permanent", json_object_new_boolean(0));
	json_object_object_add(o, "publishers", json_object_new_int(VOICE_MAX_PUBLISHERS));
	json_object_object_add(o, "audiocodec", json_object_new_string("opus"));
	json_object_object_add(o, "opus_fec", json_object_new_boolean(1));
	json_object_object_add(o, "audiolevel_ext", json_object_new_boolean(0));
	json_object_object_add(o, "notify_joining", json_object_new_boolean(0));
	if (cfg->janus_admin_key[0] != '\0')
		json_object_object_add(o, "admin_key", json_object_new_string(cfg->janus_admin_key));
	janus_message(j, 0, o, NULL, room_created, (uint64_t)area);
}

void
vpc_room_destroy_idle(int area)
{
	struct varea *a = &voice_areas[area];
	struct json_object *o;
	char secret[33];

	room_secret(area, secret);
	o = json_object_new_object();
	json_object_object_add(o, "request", json_object_new_string("destroy"));
	json_object_object_add(o, "room", json_object_new_int64((int64_t)room_of(area)));
	json_object_object_add(o, "secret", json_object_new_string(secret));
	janus_message(inst_of(area), 0, o, NULL, NULL, 0);
	log_info("janus %d: room %" PRIu64 " unused; destroyed", janus_index(inst_of(area)), room_of(area));
	a->room = ROOM_NONE;
	a->empty_since_ms = 0;
}

/* --- handles --- */

static struct vpc *
vpc_of_cookie(uint64_t cookie)
{
	char key[24];

	key_str(cookie, key);
	return strmap_get(voice_by_key, key);
}

struct vpc *
vpc_new(struct vuser *u, int pub, int area)
{
	struct vpc *pc = xcalloc(1, sizeof *pc);
	char key[24];

	pc->key = voice_next_key++;
	pc->u = u;
	pc->pub = pub;
	pc->area = area;
	pc->j = inst_of(area);
	pc->epoch = janus_epoch(pc->j);
	if (pub)
		pc->feed = voice_feed_base + pc->key;
	key_str(pc->key, key);
	strmap_put(voice_by_key, key, pc);
	TAILQ_INSERT_TAIL(&u->pcs, pc, entry);
	voice_areas[area].npcs++;
	voice_areas[area].empty_since_ms = 0;
	return pc;
}

/* Forget a handle (detaching it in Janus when asked); the owner is reconciled again. */
void
vpc_drop(struct vpc *pc, int detach)
{
	struct vuser *u = pc->u;
	char key[48];

	if (detach && pc->handle != 0 && pc->epoch == janus_epoch(pc->j))
		janus_detach(pc->j, pc->handle);
	key_str(pc->key, key);
	strmap_del(voice_by_key, key);
	if (pc->handle != 0) {
		handle_str(pc->j, pc->handle, key);
		if (strmap_get(voice_by_handle, key) == pc)
			strmap_del(voice_by_handle, key);
	}
	if (pc->pub) {
		key_str(pc->feed, key);
		if (strmap_get(voice_by_feed, key) == pc)
			strmap_del(voice_by_feed, key);
		if (pc->live)
			voice_mark_near(u->x, u->y);
	}
	if (--voice_areas[pc->area].npcs == 0)
		voice_areas[pc->area].empty_since_ms = tick_mono_ms();
	TAILQ_REMOVE(&u->pcs, pc, entry);
	json_object_put(pc->early_offer);
	free(pc->feeds);
	free(pc);
	u->dirty = 1;
}

/* A request failed: drop the handle and try again a little later. */
void
vpc_failed(struct vpc *pc, const char *what, const char *error)
{
	struct vuser *u = pc->u;

	log_info("%s: voice %s %s failed: %s", u->c->id, pc->pub ? "feed" : "subscription", what, error);
	wake(u, tick_mono_ms() + VOICE_RETRY_MS);
	vpc_drop(pc, 1);
}


static void
pc_attached(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie);

void
vpc_attach(struct vpc *pc)
{
	pc->busy = 1;
	janus_attach(pc->j, pc_attached, pc->key);
}

static void sub_join(struct vpc *pc);

static void
pc_attached(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie)
{
	struct vpc *pc = vpc_of_cookie(cookie);
	char hk[48];

	if (pc == NULL) {
		/* Its owner left meanwhile: let the handle go. */
		if (error == NULL)
			janus_detach(j, jid(reply, "id"));
		return;
	}
	pc->busy = 0;
	if (error != NULL) {
		vpc_failed(pc, "attach", error);
		return;
	}
	pc->handle = jid(reply, "id");
	handle_str(j, pc->handle, hk);
	strmap_put(voice_by_handle, hk, pc);
	if (pc->pub) {
		if (pc->early_offer != NULL) {
			struct json_object *offer = pc->early_offer;

			pc->early_offer = NULL;
			vpc_publish(pc, offer);
		}
	} else
		sub_join(pc);
}

/* --- publishing --- */

static void
published(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie)
{
	struct vpc *pc = vpc_of_cookie(cookie);

	if (pc == NULL)
		return;
	pc->busy = 0;
	if (error != NULL || jsep == NULL) {
		if (error == NULL)
			error = "no answer";
		voice_error(pc->u->c, NULL, "Voice could not be sent to the voice server: %s.", error);
		vpc_failed(pc, "publish", error);
		return;
	}
	pc->joined = 1;
	send_sdp(pc, "voice_answer", jsep, NULL);
}

/* The browser's offer for a feed: join and publish at once (or renegotiate). Consumes offer. */
void
vpc_publish(struct vpc *pc, struct json_object *offer)
{
	struct json_object *o = json_object_new_object();
	char display[64];

	if (pc->joined)
		json_object_object_add(o, "request", json_object_new_string("configure"));
	else {
		json_object_object_add(o, "request", json_object_new_string("joinandconfigure"));
		json_object_object_add(o, "ptype", json_object_new_string("publisher"));
		json_object_object_add(o, "room", json_object_new_int64((int64_t)room_of(pc->area)));
		json_object_object_add(o, "id", json_object_new_int64((int64_t)pc->feed));
		snprintf(display, sizeof display, "%s", pc->u->c->id);
		json_object_object_add(o, "display", json_object_new_string(display));
	}
	pc->busy = 1;
	janus_message(pc->j, pc->handle, o, offer, published, pc->key);
}

/* --- subscribing --- */

static struct json_object *
feed_list(const uint64_t *feeds, int n)
{
	struct json_object *a = json_object_new_array(), *o;
	int i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "feed", json_object_new_int64((int64_t)feeds[i]));
		json_object_array_add(a, o);
	}
	return a;
}

static void
feeds_set(struct vpc *pc, const uint64_t *f, int n)
{
	if (n > pc->capfeeds) {
		pc->capfeeds = n;
		pc->feeds = xreallocarray(pc->feeds, (size_t)n, sizeof *pc->feeds);
	}
	if (n > 0)
		memcpy(pc->feeds, f, (size_t)n * sizeof *f);
	pc->nfeeds = n;
}


void
vpc_sub_offer(struct vpc *pc, struct json_object *data, struct json_object *jsep)
{
	struct json_object *streams;

	if (jsep == NULL)
		return;
	json_object_object_get_ex(data, "streams", &streams);
	pc->await_answer = 1;
	pc->offer_ms = tick_mono_ms();
	wake(pc->u, pc->offer_ms + VOICE_ANSWER_MS);
	send_sdp(pc, "voice_offer", jsep, streams_json(streams));
}

static void
sub_joined(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie)
{
	struct vpc *pc = vpc_of_cookie(cookie);

	if (pc == NULL)
		return;
	pc->busy = 0;
	if (error != NULL || jsep == NULL) {
		vpc_failed(pc, "join", error != NULL ? error : "no offer");
		return;
	}
	pc->joined = 1;
	vpc_sub_offer(pc, reply, jsep);
}

static void
sub_join(struct vpc *pc)
{
	struct json_object *o = json_object_new_object();
	uint64_t *f;
	int n = voice_wanted_feeds(pc->u, pc->area, &f);

	if (n == 0) {
		free(f);
		pc->u->dirty = 1;	/* the partners went meanwhile; dropped by the reconcile */
		return;
	}
	feeds_set(pc, f, n);
	json_object_object_add(o, "request", json_object_new_string("join"));
	json_object_object_add(o, "ptype", json_object_new_string("subscriber"));
	json_object_object_add(o, "room", json_object_new_int64((int64_t)room_of(pc->area)));
	json_object_object_add(o, "autoupdate", json_object_new_boolean(1));
	json_object_object_add(o, "streams", feed_list(f, n));
	free(f);
	pc->busy = 1;
	janus_message(pc->j, pc->handle, o, NULL, sub_joined, pc->key);
}

static void
sub_updated(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie)
{
	struct vpc *pc = vpc_of_cookie(cookie);

	if (pc == NULL)
		return;
	pc->busy = 0;
	if (error != NULL) {
		/* A feed that went in between refuses the whole update: ask again. */
		log_debug("%s: voice update refused: %s", pc->u->c->id, error);
		pc->nfeeds = 0;
		vpc_failed(pc, "update", error);
		return;
	}
	/* "updating": Janus sends the offer when the renegotiation in progress ends. */
	vpc_sub_offer(pc, reply, jsep);
	pc->u->dirty = 1;
}

static void
sub_started(struct janus *j, struct json_object *reply, struct json_object *jsep, const char *error,
    uint64_t cookie)
{
	struct vpc *pc = vpc_of_cookie(cookie);

	if (pc == NULL)
		return;
	pc->busy = 0;
	if (error != NULL) {
		vpc_failed(pc, "start", error);
		return;
	}
	pc->u->dirty = 1;
}

void
vpc_sub_answer(struct vpc *pc, struct json_object *answer)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "request", json_object_new_string("start"));
	pc->await_answer = 0;
	pc->busy = 1;
	janus_message(pc->j, pc->handle, body, answer, sub_started, pc->key);
}

/* Bring a subscription to the wanted feeds: one update at a time. */
void
vpc_sub_sync(struct vpc *pc, const uint64_t *want, int nwant)
{
	struct json_object *o, *add = json_object_new_array(), *del = json_object_new_array(), *e;
	int i, k, found, nadd = 0, ndel = 0;

	if (pc->busy || pc->await_answer || !pc->joined)
		return;
	for (i = 0; i < nwant; i++) {
		for (found = 0, k = 0; k < pc->nfeeds && !found; k++)
			found = pc->feeds[k] == want[i];
		if (!found) {
			e = json_object_new_object();
			json_object_object_add(e, "feed", json_object_new_int64((int64_t)want[i]));
			json_object_array_add(add, e);
			nadd++;
		}
	}
	for (k = 0; k < pc->nfeeds; k++) {
		for (found = 0, i = 0; i < nwant && !found; i++)
			found = pc->feeds[k] == want[i];
		if (!found) {
			e = json_object_new_object();
			json_object_object_add(e, "feed", json_object_new_int64((int64_t)pc->feeds[k]));
			json_object_array_add(del, e);
			ndel++;
		}
	}
	if (nadd == 0 && ndel == 0) {
		json_object_put(add);
		json_object_put(del);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "request", json_object_new_string("update"));
	if (nadd > 0)
		json_object_object_add(o, "subscribe", add);
	else
		json_object_put(add);
	if (ndel > 0)
		json_object_object_add(o, "unsubscribe", del);
	else
		json_object_put(del);
	feeds_set(pc, want, nwant);
	pc->busy = 1;
	janus_message(pc->j, pc->handle, o, NULL, sub_updated, pc->key);
}

/* Feeds whose publisher is gone left the subscription in Janus already (autoupdate). */
void
vpc_sub_prune(struct vpc *pc)
{
	struct vpc *owner;
	char fk[24];
	int i, n = 0;

	for (i = 0; i < pc->nfeeds; i++) {
		key_str(pc->feeds[i], fk);
		if ((owner = strmap_get(voice_by_feed, fk)) != NULL && owner->live)
			pc->feeds[n++] = pc->feeds[i];
	}
	pc->nfeeds = n;
}

