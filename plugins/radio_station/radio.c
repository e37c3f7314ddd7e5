/*
 * radio.c: the radio_station item type (reference §6.3, §6.4) and its
 * metadata polling (§6.10). Clients play the stream themselves; the server
 * validates the parameters and keeps stationName and nowPlaying current
 * from the stream's ICY metadata while someone is in range to hear it.
 *
 * Polling is per URL, not per radio: every distinct streamUrl has one
 * station (shared state, counted by the radios on it) holding its last
 * result, its next poll and its backoff, so a thousand radios on one URL
 * make one request per fetch_interval_ms, and a radio whose URL is edited
 * away and back finds the backoff where it was. The core ticks a radio (1 s)
 * only while a player can hear it; a heard radio whose station is due asks
 * for a fetch, within budgets for the plugin host, the owning account and
 * the web server (token buckets: fetch_max_per_minute,
 * fetch_account_max_per_minute, fetch_site_max_per_minute). Fetches run
 * on the poller's workers (poller.c, icy.c) from a bounded queue; a host
 * timer takes their results into the stations, and each radio publishes
 * its station's values at its next tick with begin/set_param/send, which
 * the core stores as a system edit (version bump, item_upsert). Unlike the
 * reference (Q17), a failed fetch keeps the last values and retries with
 * exponential backoff, and the reason is logged once per change rather
 * than on every attempt. Radios, stations, accounts and sites are hash tables
 * (htab.c): every lookup is O(1).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"
#include "../common/params.h"
#include "clock.h"
#include "htab.h"
#include "icy.h"
#include "netaddr.h"
#include "poller.h"

CG_PLUGIN_DECLARE("radio_station", "1");

#define URL_MAX_CHARS 2048
#define TICK_MS 1000
#define DRAIN_MS 200
#define BACKOFF_MAX_MS 300000
/* A radio not ticked for this long is forgotten (gone, or nobody near); an unused station too. */
#define FORGET_MS 60000
/* Budget and queue warnings: at most one of each kind this often. */
#define NAG_MS 60000

static const struct cg_host *host;

/* Options (chatgridd.conf keys of the same names, or plugin_option radio_station.<key>). */
static struct icy_conf conf = { 0, 6000, 262144, 5, -1 };
static int interval_ms = 10000;
static int workers = 4;			/* fetch_workers */
static int queue_max = 64;		/* fetch_queue_max */
static int host_per_min = 600;		/* fetch_max_per_minute */
static int account_per_min = 60;	/* fetch_account_max_per_minute */
static int site_per_min = 60;		/* fetch_site_max_per_minute */

/* One streamUrl's polling, shared by every radio on it; only the host's thread touches these. */
struct station {
	struct hent h;			/* by url; first */
	char *url;
	int refs;			/* radios on it */
	uint64_t due;			/* next poll, monotonic ms */
	uint64_t used;			/* last asked for by a radio's tick */
	int busy;			/* a fetch is out */
	int failures;			/* in a row */
	char *problem;			/* the failure last logged; NULL while polls work */
	char who[40];			/* the radio that asked last (for the log) */
	char site[256];			/* the URL's host name, lower case ("": unparsable) */
	uint64_t gen;			/* results so far (0: none yet) */
	char station[ICY_STATION_BYTES];	/* the last result */
	char title[ICY_TITLE_BYTES];
	int title_state;
};

/* What the plugin knows of one radio. */
struct radio {
	struct hent h;			/* by id; first */
	char *id;
	struct station *st;		/* its streamUrl's, NULL for none */
	uint64_t gen;			/* st's result last taken */
	char station[ICY_STATION_BYTES];	/* the item's values, as first seen or last published */
	char title[ICY_TITLE_BYTES];
	uint64_t seen;			/* last tick */
};

/* A poll budget (a token bucket). */
struct budget {
	double tokens;
	uint64_t last;
};

struct account {
	struct hent h;			/* by id; first */
	int64_t id;
	struct budget b;
	uint64_t used;
	uint64_t nag;			/* its budget warning last logged */
};

/* A web server (a URL's host name), whatever the URLs on it. */
struct site {
	struct hent h;			/* by name; first */
	char name[256];
	struct budget b;
	uint64_t used;
	uint64_t nag;			/* its budget warning last logged */
};

static struct htab radios, stations, accounts, sites;
static struct budget host_budget;
static uint64_t nag_host, nag_queue;
static int inflight;			/* fetches submitted and not yet taken */
static int drain_armed;

static const char *const channels[] = { "stereo", "mono", "left", "right", NULL };
static const char *const effects[] = { "reverb", "echo", "flanger", "high_pass", "low_pass", "off", NULL };

/* ---- parameters ---- */

/*
 * The media reference normalisation (§6.5) of v into a new string: trimmed,
 * none/off -> "". NULL for a list or a map (or out of memory).
 */
static char *
media_ref(const struct cg_value *v)
{
	char num[64], *out;
	const char *s;
	size_t len;

	if (v == NULL || v->type == CG_NIL)
		s = "", len = 0;
	else if (v->type == CG_STR)
		s = v->u.s, len = v->len;
	else if ((s = co_str(v, num, sizeof num)) != NULL)
		len = strlen(s);
	else
		return NULL;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	co_strip(s, len, out, len + 1);
	if (strcasecmp(out, "none") == 0 || strcasecmp(out, "off") == 0)
		out[0] = '\0';
	return out;
}

/* Whether the URL's host is an address literal that is not public. */
static int
private_literal(const struct url *u)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof v4);
	memset(&v6, 0, sizeof v6);
	/* inet_aton takes the short forms (127.1, 0x7f000001) that resolvers take too. */
	if (inet_aton(u->host, &v4.sin_addr) != 0) {
		v4.sin_family = AF_INET;
		return !netaddr_public((struct sockaddr *)&v4);
	}
	if (inet_pton(AF_INET6, u->host, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		return !netaddr_public((struct sockaddr *)&v6);
	}
	return 0;
}

/*
 * streamUrl. The hardening (§9 item 10) applies to a new value: one already
 * stored (older data) is kept, so the radio can still be used and edited;
 * it is never fetched unless it is an http(s) URL. Names are not resolved
 * here (that waits for the fetch): validation must answer at once.
 */
static int
url_param(const struct cg_request *req, struct cg_reply *r)
{
	char *url, *old;
	struct url u;
	int rc = -1;

	if ((url = media_ref(cg_map_get(req->args, "streamUrl"))) == NULL) {
		host->fail(r, "streamUrl must be an http or https URL.");
		return -1;
	}
	old = media_ref(cg_map_get(req->item->params, "streamUrl"));
	if (co_chars(url) > URL_MAX_CHARS)
		host->fail(r, "streamUrl must be %d characters or less.", URL_MAX_CHARS);
	else if (url[0] != '\0' && (old == NULL || strcmp(url, old) != 0) && url_parse(url, &u) != NULL)
		host->fail(r, "streamUrl must be an http or https URL.");
	else if (url[0] != '\0' && (old == NULL || strcmp(url, old) != 0) && !conf.allow_private &&
	    private_literal(&u))
		host->fail(r, "streamUrl must point to a public address.");
	else {
		host->set_param(r, "streamUrl", cg_str(url));
		rc = 0;
	}
	free(url);
	free(old);
	return rc;
}

/* One of options, trimmed and lower-cased. */
static int
choice_param(const struct cg_request *req, struct cg_reply *r, const char *key, const char *def,
    const char *const *options, const char *msg)
{
	struct cg_value d = cg_str(def);
	const struct cg_value *v = co_param(req, key, &d);
	char raw[64], buf[64];
	int i;

	if (v->type == CG_STR && v->len >= sizeof raw)
		buf[0] = '\0';
	else if (co_str(v, raw, sizeof raw) == NULL)
		buf[0] = '\0';
	else
		co_lower(co_strip(raw, strlen(raw), buf, sizeof buf));
	for (i = 0; options[i] != NULL && strcmp(options[i], buf) != 0; i++)
		;
	if (options[i] == NULL) {
		host->fail(r, "%s", msg);
		return -1;
	}
	host->set_param(r, key, cg_str(options[i]));
	return 0;
}

/* A read-only text: the item's current value, trimmed and cut; never the user's. */
static void
current_text(const struct cg_value *params, const char *key, char *out, size_t max_chars)
{
	const struct cg_value *v = cg_map_get(params, key);

	if (v != NULL && v->type == CG_STR)
		icy_text(v->u.s, v->len, out, max_chars);
	else
		out[0] = '\0';
}

static void
radio_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v;
	char station[ICY_STATION_BYTES], title[ICY_TITLE_BYTES];
	int on = 1;

	if (url_param(req, r) != 0)
		return;
	if ((v = cg_map_get(req->args, "enabled")) != NULL && co_bool(v, &on) != 0) {
		host->fail(r, "enabled must be true/false or on/off.");
		return;
	}
	host->set_param(r, "enabled", cg_bool(on));
	if (co_param_int(host, req, r, "mediaVolume", 50, 0, 100, "mediaVolume must be a number.") != 0 ||
	    choice_param(req, r, "mediaEffect", "off", effects,
	    "mediaEffect must be one of reverb, echo, flanger, high_pass, low_pass, off.") != 0 ||
	    choice_param(req, r, "mediaChannel", "stereo", channels,
	    "mediaChannel must be one of stereo, mono, left, right.") != 0 ||
	    co_param_num(host, req, r, "mediaEffectValue", 50, 0, 100, 0, "mediaEffectValue must be a number.") != 0)
		return;
	current_text(req->item->params, "stationName", station, ICY_STATION_CHARS);
	current_text(req->item->params, "nowPlaying", title, ICY_TITLE_CHARS);
	host->set_param(r, "stationName", cg_str(station));
	host->set_param(r, "nowPlaying", cg_str(title));
	if (co_param_num(host, req, r, "facing", 0, 0, 360, 1, "facing must be a number between 0 and 360.") != 0 ||
	    co_param_int(host, req, r, "emitRange", 10, 5, 20, NULL) != 0)
		return;
}

/* ---- actions ---- */

static void
radio_use(const struct cg_request *req, struct cg_reply *r)
{
	co_toggle(host, req, r);
}

/* What is playing, to the user alone. */
static void
radio_secondary_use(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v = cg_map_get(req->item->params, "enabled");
	char station[ICY_STATION_BYTES], title[ICY_TITLE_BYTES];

	/* Only a stored false is off, as in the reference. */
	if (v != NULL && v->type == CG_BOOL && v->u.i == 0) {
		host->say(r, "%s is off.", req->item->title);
		return;
	}
	current_text(req->item->params, "stationName", station, ICY_STATION_CHARS);
	current_text(req->item->params, "nowPlaying", title, ICY_TITLE_CHARS);
	if (title[0] != '\0' && station[0] != '\0')
		host->say(r, "Playing %s from %s.", title, station);
	else if (title[0] != '\0')
		host->say(r, "Playing %s.", title);
	else if (station[0] != '\0')
		host->say(r, "Playing from %s.", station);
	else
		host->say(r, "No now playing data.");
}

/* ---- polling ---- */

static struct radio *
radio_find(const char *id)
{
	return (struct radio *)htab_get(&radios, id, strlen(id));
}

static struct station *
station_find(const char *url)
{
	return (struct station *)htab_get(&stations, url, strlen(url));
}

/* The station's site: its URL's host name, lower-cased (a name and its case are one server). */
static void
station_site(struct station *st)
{
	struct url u;
	char *p;

	st->site[0] = '\0';
	if (url_parse(st->url, &u) != NULL)
		return;
	snprintf(st->site, sizeof st->site, "%s", u.host);
	for (p = st->site; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* The station of url, made on first use, with one more radio on it; NULL out of memory. */
static struct station *
station_ref(const char *url, uint64_t now)
{
	struct station *st = station_find(url);

	if (st == NULL) {
		if ((st = calloc(1, sizeof *st)) == NULL || (st->url = strdup(url)) == NULL) {
			free(st);
			return NULL;
		}
		station_site(st);
		if (htab_put(&stations, &st->h, st->url, strlen(st->url)) != 0) {
			free(st->url);
			free(st);
			return NULL;
		}
	}
	st->refs++;
	st->used = now;
	return st;
}

static void
station_free(struct station *st)
{
	htab_del(&stations, &st->h);
	free(st->url);
	free(st->problem);
	free(st);
}

/*
 * One radio fewer. The station stays while a fetch is out, its backoff runs
 * or it was used lately (a URL edited away and back keeps its backoff); the
 * sweep frees it after.
 */
static void
station_unref(struct station *st, uint64_t now)
{
	if (st == NULL)
		return;
	st->refs--;
	st->used = now;
}

static void
radio_free(struct radio *r, uint64_t now)
{
	htab_del(&radios, &r->h);
	station_unref(r->st, now);
	free(r->id);
	free(r);
}

static void
radio_forget(const char *id)
{
	struct radio *r = radio_find(id);

	if (r != NULL)
		radio_free(r, clock_mono_ms());
}

/* Radios not ticked for a while are gone or unheard; stations and accounts nobody used likewise. */
static void
sweep(uint64_t now)
{
	struct hiter i = { 0 };
	struct hent *e;
	struct station *st;
	struct account *a;

	while ((e = htab_next(&radios, &i)) != NULL)
		if (now - ((struct radio *)e)->seen > FORGET_MS)
			radio_free((struct radio *)e, now);
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&stations, &i)) != NULL) {
		st = (struct station *)e;
		if (st->refs == 0 && !st->busy && now >= st->due && now - st->used > FORGET_MS)
			station_free(st);
	}
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&accounts, &i)) != NULL) {
		a = (struct account *)e;
		if (now - a->used > FORGET_MS) {
			htab_del(&accounts, e);
			free(a);
		}
	}
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&sites, &i)) != NULL)
		if (now - ((struct site *)e)->used > FORGET_MS) {
			htab_del(&sites, e);
			free(e);
		}
}

/*
 * The radio's state, made at its first tick. Only this plugin changes
 * stationName and nowPlaying (updates keep them), so the values seen then
 * stay current: later ticks may carry values older than a publish still
 * on its way to the core, and are not taken.
 */
static struct radio *
radio_get(const struct cg_item *item, uint64_t now)
{
	struct radio *r = radio_find(item->id);

	if (r != NULL)
		return r;
	if ((r = calloc(1, sizeof *r)) == NULL || (r->id = strdup(item->id)) == NULL ||
	    htab_put(&radios, &r->h, r->id, strlen(r->id)) != 0) {
		if (r != NULL)
			free(r->id);
		free(r);
		return NULL;
	}
	current_text(item->params, "stationName", r->station, ICY_STATION_CHARS);
	current_text(item->params, "nowPlaying", r->title, ICY_TITLE_CHARS);
	r->seen = now;
	return r;
}

/* Point the radio at url's station ("" for none); the old one keeps its state. */
static int
radio_set_url(struct radio *r, const char *url, uint64_t now)
{
	struct station *st = NULL;

	if (r->st != NULL && strcmp(r->st->url, url) == 0)
		return 0;
	if (url[0] != '\0' && (st = station_ref(url, now)) == NULL)
		return -1;
	station_unref(r->st, now);
	r->st = st;
	r->gen = 0;
	return 0;
}

/* Publish station and title if either changed: a system edit of the item. */
static void
publish(struct radio *r, const char *station, const char *title)
{
	struct cg_reply *rp;

	if (strcmp(station, r->station) == 0 && strcmp(title, r->title) == 0)
		return;
	if ((rp = host->begin(r->id)) == NULL)
		return;
	host->set_param(rp, "stationName", cg_str(station));
	host->set_param(rp, "nowPlaying", cg_str(title));
	host->send(rp);
	snprintf(r->station, sizeof r->station, "%s", station);
	snprintf(r->title, sizeof r->title, "%s", title);
}

/* The station's newest result onto the radio, if the radio has not had it. */
static void
take_result(struct radio *r)
{
	const struct station *st = r->st;
	const char *title;

	if (st == NULL || st->gen == 0 || st->gen == r->gen)
		return;
	r->gen = st->gen;
	/* A block without StreamTitle says nothing: keep the title; no metadata at all clears it. */
	if (st->title_state == ICY_TITLE_FOUND)
		title = st->title;
	else if (st->title_state == ICY_TITLE_NONE)
		title = "";
	else
		title = r->title;
	publish(r, st->station, title);
}

static void
succeeded(struct station *st, const struct icy_result *res, uint64_t now)
{
	if (st->problem != NULL) {
		host->log(CG_LOG_NOTICE, "radio %s: %s answers again", st->who, st->url);
		free(st->problem);
		st->problem = NULL;
	}
	st->failures = 0;
	st->due = now + (uint64_t)interval_ms;
	snprintf(st->station, sizeof st->station, "%s", res->station);
	snprintf(st->title, sizeof st->title, "%s", res->title);
	st->title_state = res->title_state;
	st->gen++;
}

/* Keep the last values, back off, and say why once per change of reason. */
static void
failed(struct station *st, const char *why, uint64_t now)
{
	uint64_t delay = (uint64_t)interval_ms;
	int i;

	if (st->failures < 30)
		st->failures++;
	for (i = 0; i < st->failures && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	st->due = now + delay;
	if (st->problem != NULL && strcmp(st->problem, why) == 0)
		return;
	host->log(CG_LOG_WARN, "radio %s: polling %s failed: %s (keeping the last values; retrying with "
	    "backoff, now %llu s)", st->who, st->url, why, (unsigned long long)(delay / 1000));
	free(st->problem);
	st->problem = strdup(why);
}

static void drain(void *);

static void
arm_drain(void)
{
	if (!drain_armed && inflight > 0 && host->timer_add(DRAIN_MS, drain, NULL) > 0)
		drain_armed = 1;
}

/* On the host's thread: take the poller's results into their stations. */
static void
drain(void *arg)
{
	struct poll_result *res, *next;
	struct station *st;
	uint64_t now = clock_mono_ms();

	(void)arg;
	drain_armed = 0;
	for (res = poller_take(); res != NULL; res = next) {
		next = res->next;
		inflight--;
		if ((st = station_find(res->url)) != NULL && st->busy) {
			st->busy = 0;
			if (res->ok)
				succeeded(st, &res->r, now);
			else
				failed(st, res->r.error, now);
		}
		poller_free(res);
	}
	arm_drain();
}

/* Take a token if there is one, refilling at per_min a minute up to a sixth of a minute's worth. */
static int
budget_take(struct budget *b, int per_min, uint64_t now)
{
	double burst = per_min / 6.0 < 1 ? 1 : per_min / 6.0;

	if (b->last == 0)
		b->tokens = burst;
	else if (now > b->last)
		b->tokens += (double)(now - b->last) * per_min / 60000.0;
	b->last = now;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

static struct account *
account_get(int64_t id, uint64_t now)
{
	struct account *a = (struct account *)htab_get(&accounts, &id, sizeof id);

	if (a == NULL) {
		if ((a = calloc(1, sizeof *a)) == NULL)
			return NULL;
		a->id = id;
		if (htab_put(&accounts, &a->h, &a->id, sizeof a->id) != 0) {
			free(a);
			return NULL;
		}
	}
	a->used = now;
	return a;
}

static struct site *
site_get(const char *name, uint64_t now)
{
	struct site *s = (struct site *)htab_get(&sites, name, strlen(name));

	if (s == NULL) {
		if ((s = calloc(1, sizeof *s)) == NULL)
			return NULL;
		snprintf(s->name, sizeof s->name, "%s", name);
		if (htab_put(&sites, &s->h, s->name, strlen(s->name)) != 0) {
			free(s);
			return NULL;
		}
	}
	s->used = now;
	return s;
}

/* At most one warning of a kind per NAG_MS. */
static int
nag(uint64_t *last, uint64_t now)
{
	if (*last != 0 && now - *last < NAG_MS)
		return 0;
	*last = now;
	return 1;
}

/*
 * May the radio's owner start a fetch of the station's URL now? Three
 * budgets must each have a token: the owning account's, the web server's
 * (the URL's host name: many URLs on one server are one target) and the
 * plugin host's. Tokens taken before a refusal are given back.
 */
static int
within_budget(const struct cg_item *item, const struct station *st, uint64_t now)
{
	struct account *a = account_get(item->owner_id, now);
	struct site *s = st->site[0] != '\0' ? site_get(st->site, now) : NULL;

	if (a == NULL || (st->site[0] != '\0' && s == NULL))
		return 0;
	if (!budget_take(&a->b, account_per_min, now)) {
		if (nag(&a->nag, now))
			host->log(CG_LOG_WARN, "radio polls of account %lld wait: fetch_account_max_per_minute (%d) "
			    "is spent", (long long)item->owner_id, account_per_min);
		return 0;
	}
	if (s != NULL && !budget_take(&s->b, site_per_min, now)) {
		a->b.tokens += 1;
		if (nag(&s->nag, now))
			host->log(CG_LOG_WARN, "radio polls of %s wait: fetch_site_max_per_minute (%d) is spent", s->name,
			    site_per_min);
		return 0;
	}
	if (!budget_take(&host_budget, host_per_min, now)) {
		a->b.tokens += 1;
		if (s != NULL)
			s->b.tokens += 1;
		if (nag(&nag_host, now))
			host->log(CG_LOG_WARN, "radio polls wait: fetch_max_per_minute (%d) is spent", host_per_min);
		return 0;
	}
	return 1;
}

/* Ask for a fetch of the station's URL; the tick of radio r asked. */
static void
fetch(struct station *st, const struct radio *r, uint64_t now)
{
	const char *why;

	snprintf(st->who, sizeof st->who, "%s", r->id);
	switch (poller_submit(&conf, workers, queue_max, st->url, &why)) {
	case POLLER_QUEUED:
		st->busy = 1;
		inflight++;
		arm_drain();
		break;
	case POLLER_FULL:
		/* A token spent for nothing: the queue is the tighter bound now. */
		if (nag(&nag_queue, now))
			host->log(CG_LOG_WARN, "radio polls wait: %d fetches are queued (fetch_queue_max)", queue_max);
		break;
	default:
		failed(st, why, now);
	}
}

/* How many players can hear the radio; an ABI 1.0 host does not say, so assume someone. */
static uint32_t
listeners(const struct cg_request *req)
{
	if (req->size < offsetof(struct cg_request, listeners) + sizeof req->listeners)
		return 1;
	return req->listeners;
}

static void
radio_tick(const struct cg_request *req, struct cg_reply *rp)
{
	static uint64_t last_sweep;
	const struct cg_value *v = cg_map_get(req->item->params, "enabled");
	struct radio *r;
	struct station *st;
	uint64_t now = clock_mono_ms();
	char *url;
	int on = 1;

	(void)rp;
	/* Again here, in case arming failed when the fetch was submitted. */
	arm_drain();
	if (now - last_sweep > FORGET_MS) {
		sweep(now);
		last_sweep = now;
	}
	if ((r = radio_get(req->item, now)) == NULL)
		return;
	r->seen = now;
	if ((url = media_ref(cg_map_get(req->item->params, "streamUrl"))) == NULL)
		return;
	if (radio_set_url(r, url, now) != 0) {
		free(url);
		return;
	}
	free(url);
	if (v != NULL && co_bool(v, &on) != 0)
		on = 1;
	/* As before sharing: a radio that is off, or unheard, keeps its values. */
	if (!on || (st = r->st) == NULL || listeners(req) == 0)
		return;
	take_result(r);
	st->used = now;
	if (st->busy || now < st->due || !within_budget(req->item, st, now))
		return;
	fetch(st, r, now);
}

static void
radio_removed(const struct cg_request *req, struct cg_reply *r)
{
	(void)r;
	radio_forget(req->item->id);
}

/* ---- the type ---- */

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = {
	"title", "streamUrl", "enabled", "mediaVolume", "mediaChannel", "mediaEffect", "mediaEffectValue",
	"facing", "emitRange", NULL
};

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for this radio." },
	{ .key = "streamUrl", .value_type = CG_PROP_TEXT, .max_length = URL_MAX_CHARS, .label = "Stream URL",
	  .tooltip = "The http or https address of the audio stream the radio plays; empty for none." },
	{ .key = "enabled", .value_type = CG_PROP_BOOLEAN, .label = "Enabled",
	  .tooltip = "Whether the radio is playing." },
	{ .key = "mediaVolume", .value_type = CG_PROP_NUMBER, .label = "Volume",
	  .tooltip = "Loudness of the stream, in percent.", .has_range = 1, .min = 0, .max = 100, .step = 1 },
	{ .key = "mediaChannel", .value_type = CG_PROP_LIST, .label = "Channel",
	  .tooltip = "Which channels of the stream to play.", .options = channels },
	{ .key = "mediaEffect", .value_type = CG_PROP_LIST, .label = "Effect",
	  .tooltip = "An effect applied to the stream.", .options = effects },
	{ .key = "mediaEffectValue", .value_type = CG_PROP_NUMBER, .label = "Effect value",
	  .tooltip = "Strength of the effect.", .has_range = 1, .min = 0, .max = 100, .step = 0.1,
	  .visible_when = "{\"mediaEffect\":\"!off\"}" },
	{ .key = "stationName", .value_type = CG_PROP_TEXT, .label = "Station",
	  .tooltip = "The station's name, as its stream announces it (read-only)." },
	{ .key = "nowPlaying", .value_type = CG_PROP_TEXT, .label = "Now playing",
	  .tooltip = "The title the stream announces now (read-only)." },
	{ .key = "facing", .value_type = CG_PROP_NUMBER, .label = "Facing",
	  .tooltip = "Direction the radio faces, in degrees.", .has_range = 1, .min = 0, .max = 360, .step = 1,
	  .visible_when = "{\"directional\":true}" },
	{ .key = "emitRange", .value_type = CG_PROP_NUMBER, .label = "Range",
	  .tooltip = "How many squares away the radio can be heard.", .has_range = 1, .min = 5, .max = 20,
	  .step = 1 },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = radio_validate,
	.use = radio_use,
	.secondary_use = radio_secondary_use,
	.tick = radio_tick,
	.removed = radio_removed,
};

static const struct cg_item_type radio_type = {
	.type = "radio_station",
	.order = 40,
	.encoding_version = 1,
	.label = "radio",
	.tooltip = "A radio playing an internet stream; everyone nearby hears it.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 1000,
	.emit_range = 10,
	.directional = 1,
	.default_title = "radio",
	.default_params = "{\"streamUrl\":\"\",\"enabled\":true,\"mediaVolume\":50,\"mediaChannel\":\"stereo\","
	    "\"mediaEffect\":\"off\",\"mediaEffectValue\":50,\"stationName\":\"\",\"nowPlaying\":\"\","
	    "\"facing\":0,\"emitRange\":10}",
	.tick_ms = TICK_MS,
	.methods = &methods,
};

/* ---- options ---- */

static int
opt_bool(const char *key, int def)
{
	const char *v = host->option(key);

	if (v == NULL)
		return def;
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0)
		return 1;
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 ||
	    strcmp(v, "0") == 0)
		return 0;
	host->log(CG_LOG_WARN, "option %s: \"%s\" is not yes or no; using %s", key, v, def ? "yes" : "no");
	return def;
}

static long long
opt_int(const char *key, long long def, long long lo, long long hi)
{
	const char *v = host->option(key);
	char *end;
	long long n;

	if (v == NULL)
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < lo || n > hi) {
		host->log(CG_LOG_WARN, "option %s: \"%s\" is not a number from %lld to %lld; using %lld", key, v,
		    lo, hi, def);
		return def;
	}
	return n;
}

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	conf.allow_private = opt_bool("fetch_allow_private", 0);
	conf.timeout_ms = (int)opt_int("fetch_timeout_ms", 6000, 100, 600000);
	conf.max_bytes = (size_t)opt_int("fetch_max_bytes", 262144, 1024, 64 << 20);
	conf.max_redirects = (int)opt_int("fetch_max_redirects", 5, 0, 20);
	interval_ms = (int)opt_int("fetch_interval_ms", 10000, 100, 86400000);
	workers = (int)opt_int("fetch_workers", 4, 1, 64);
	queue_max = (int)opt_int("fetch_queue_max", 64, 1, 100000);
	host_per_min = (int)opt_int("fetch_max_per_minute", 600, 1, 1000000);
	account_per_min = (int)opt_int("fetch_account_max_per_minute", 60, 1, 1000000);
	site_per_min = (int)opt_int("fetch_site_max_per_minute", 60, 1, 1000000);
	return host->register_type(&radio_type);
}

void
cg_plugin_cleanup(void)
{
	struct hiter i = { 0 };
	struct hent *e;

	if (poller_stop() != 0)
		host->log(CG_LOG_WARN, "a metadata fetch did not stop in time; leaving it to exit with the host");
	while ((e = htab_next(&radios, &i)) != NULL)
		radio_free((struct radio *)e, 0);
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&stations, &i)) != NULL)
		station_free((struct station *)e);
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&accounts, &i)) != NULL) {
		htab_del(&accounts, e);
		free(e);
	}
	memset(&i, 0, sizeof i);
	while ((e = htab_next(&sites, &i)) != NULL) {
		htab_del(&sites, e);
		free(e);
	}
	htab_clear(&sites);
	htab_clear(&radios);
	htab_clear(&stations);
	htab_clear(&accounts);
}
