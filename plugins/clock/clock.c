/*
 * clock.c: the clock item type (reference §6.3, §6.4, §6.8). A clock tells
 * the time in its own zone as a list of speech samples: when used, at the
 * top of each local hour and at its daily alarm.
 *
 * Scheduled announcements come from ticks. A boundary (local HH:00:00, or
 * the alarm's HH:MM:00) is announced when it lies in (previous tick, this
 * tick] of that item, at most once per local hour or minute. An item's
 * "previous tick", when this host process first sees it, is that first
 * tick: a host restarted by the core never repeats what its predecessor
 * may have said, at the price of missing a boundary it was down for.
 *
 * The test hook: with the option now_offset_file (plugin_option
 * clock.now_offset_file=PATH), the file holds a signed offset in
 * milliseconds (decimal text) that is added to the real clock, for ticks and
 * uses alike. It is read again whenever it changes (mtime, size or inode);
 * a new offset is a jump of the clock, so every item starts afresh (nothing
 * is announced for the jump itself). A missing or unreadable file means 0.
 *
 * Time zones come from the system's tz database (tzdata), through TZ and
 * localtime_r: the host runs one request at a time on one thread, so
 * switching TZ between clocks is safe here. A zone missing from the system
 * (looked for in $TZDIR, else /usr/share/zoneinfo, as the C library does)
 * falls back to America/Detroit, then to UTC.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"

CG_PLUGIN_DECLARE("clock", "1");

#define DEFAULT_ZONE "America/Detroit"
#define DEFAULT_ALARM "12:00 AM"
#define SAMPLES "/sounds/clock/espeak/"
#define TICK_MS 500
/* A boundary found later than this after it passed (a stalled host, a clock step) is not announced. */
#define LATE_MS 10000
/* Items not ticked for this long are forgotten (deleted, or their type went away). */
#define FORGET_MS 60000
#define SWEEP_MS 10000
#define NBUCKETS 256
#define MAX_TOKENS 12

static const struct cg_host *host;

static const char *const zones[] = {
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Chicago", "America/Detroit",
	"America/Halifax", "America/Indiana/Indianapolis", "America/Kentucky/Louisville",
	"America/Los_Angeles", "America/St_Johns", "Asia/Bangkok", "Asia/Dhaka", "Asia/Dubai",
	"Asia/Hong_Kong", "Asia/Kabul", "Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Seoul",
	"Asia/Singapore", "Asia/Tehran", "Asia/Tokyo", "Asia/Yangon", "Atlantic/Azores",
	"Atlantic/South_Georgia", "Australia/Brisbane", "Australia/Darwin", "Australia/Eucla",
	"Australia/Lord_Howe", "Europe/Berlin", "Europe/Helsinki", "Europe/London", "Europe/Moscow",
	"Pacific/Apia", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Honolulu", "Pacific/Kiritimati",
	"Pacific/Noumea", "Pacific/Pago_Pago", "UTC", NULL
};
#define NZONES (sizeof zones / sizeof zones[0] - 1)

/* ---- time zones ---- */

/* Per zone: 0 not looked for yet, 1 on the system, -1 missing (logged once). */
static int zone_found[NZONES];
/* The TZ in force (one of zones[] or "UTC0"), to switch only when it changes. */
static const char *tz_now;
/*
 * Per zone, its offset from UTC during one UTC minute: offsets change only
 * at whole minutes, so the tz file is read again (by tzset, when TZ names
 * another zone) at most once a minute per zone, however many clocks tick.
 */
static struct {
	int valid;
	int64_t minute;			/* t / 60 */
	long gmtoff;			/* seconds east of UTC */
} zone_cache[NZONES];

static int
zone_index(const char *name)
{
	size_t i;

	for (i = 0; i < NZONES; i++)
		if (strcmp(zones[i], name) == 0)
			return (int)i;
	return -1;
}

static int
zone_present(size_t i)
{
	const char *dir = getenv("TZDIR");
	char path[1024];
	struct stat st;

	if (zone_found[i] == 0) {
		snprintf(path, sizeof path, "%s/%s", dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo",
		    zones[i]);
		zone_found[i] = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? 1 : -1;
		if (zone_found[i] < 0)
			host->log(CG_LOG_WARN, "time zone %s is not on this system (%s); install tzdata",
			    zones[i], path);
	}
	return zone_found[i] > 0;
}

/* The offset from UTC of zones[z] (or, for -1, of UTC itself) at t. */
static long
zone_offset(int z, time_t t)
{
	struct tm tm;
	const char *tz = z >= 0 ? zones[z] : "UTC0";

	if (z >= 0 && zone_cache[z].valid && zone_cache[z].minute == (int64_t)t / 60)
		return zone_cache[z].gmtoff;
	if (tz != tz_now) {
		if (setenv("TZ", tz, 1) != 0)
			host->log(CG_LOG_ERROR, "setenv TZ: %s", strerror(errno));
		tzset();
		tz_now = tz;
	}
	if (localtime_r(&t, &tm) == NULL)
		tm.tm_gmtoff = 0;
	if (z >= 0) {
		zone_cache[z].valid = 1;
		zone_cache[z].minute = (int64_t)t / 60;
		zone_cache[z].gmtoff = tm.tm_gmtoff;
	}
	return tm.tm_gmtoff;
}

/* The broken-down local time of t in zone (an index into zones[], or -1 for the default). */
static void
local_time(int zone, time_t t, struct tm *tm)
{
	int d = zone_index(DEFAULT_ZONE), z = -1;
	time_t local;

	if (zone >= 0 && zone_present((size_t)zone))
		z = zone;
	else if (zone_present((size_t)d))
		z = d;
	local = t + (time_t)zone_offset(z, t);
	if (gmtime_r(&local, tm) == NULL)
		memset(tm, 0, sizeof *tm);
}

/* ---- parameters ---- */

/*
 * The trimmed text of v (Python str(v).strip(); nil is ""), or def when v is
 * NULL; NULL for arrays and maps (never valid) or without memory. Caller frees.
 */
static char *
text_of(const struct cg_value *v, const char *def)
{
	char buf[128], *out;
	const char *s;
	size_t len;

	if (v == NULL)
		s = def;
	else if (v->type == CG_NIL)
		s = "";
	else if (v->type == CG_STR)
		s = v->u.s;
	else if ((s = co_str(v, buf, sizeof buf)) == NULL)
		return NULL;
	len = v != NULL && v->type == CG_STR ? v->len : strlen(s);
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	return co_strip(s, len, out, len + 1);
}

/* 1 or 2 ASCII digits at *p, advancing it; -1 if none. */
static int
small_number(const char **p)
{
	int n = 0, k = 0;

	while (k < 2 && **p >= '0' && **p <= '9') {
		n = n * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k > 0 ? n : -1;
}

/* ":MM" with exactly two digits, 00-59, at *p; the minutes or -1. */
static int
minutes(const char **p)
{
	const char *s = *p;

	if (s[0] != ':' || s[1] < '0' || s[1] > '5' || s[2] < '0' || s[2] > '9')
		return -1;
	*p = s + 3;
	return (s[1] - '0') * 10 + (s[2] - '0');
}

/*
 * An alarm time, read flexibly (reference §6.4): "H:MM" or "HH:MM" with
 * hour 0-23, else "H:MM" with hour 1-12 (one leading zero allowed), optional
 * white space and AM or PM in any case. 0 with the 24 h hour and minute, or -1.
 */
static int
parse_alarm(const char *s, int *hour, int *min)
{
	const char *p = s;
	int h, m;

	if ((h = small_number(&p)) < 0 || (m = minutes(&p)) < 0)
		return -1;
	if (*p == '\0') {
		if (h > 23)
			return -1;
		*hour = h;
		*min = m;
		return 0;
	}
	if (h < 1 || h > 12)
		return -1;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r') || (*p >= 0x1c && *p <= 0x1f))
		p++;
	if ((p[0] != 'a' && p[0] != 'A' && p[0] != 'p' && p[0] != 'P') || (p[1] != 'm' && p[1] != 'M') ||
	    p[2] != '\0')
		return -1;
	*hour = h % 12 + (p[0] == 'p' || p[0] == 'P' ? 12 : 0);
	*min = m;
	return 0;
}

/* The canonical text of an alarm time for the mode: "15:15" or "3:15 PM". */
static void
format_alarm(char *buf, size_t len, int hour, int min, int h24)
{
	if (h24)
		snprintf(buf, len, "%02d:%02d", hour, min);
	else
		snprintf(buf, len, "%d:%02d %s", hour % 12 == 0 ? 12 : hour % 12, min, hour < 12 ? "AM" : "PM");
}

/* A bool-like key of map (def when absent) into *b; 0, or -1 when it is not one. */
static int
switch_of(const struct cg_value *map, const char *key, int def, int *b)
{
	const struct cg_value *v = cg_map_get(map, key);

	*b = def;
	return v == NULL ? 0 : co_bool(v, b);
}

static int
bool_param(const struct cg_request *req, struct cg_reply *r, const char *key, int def, int *b)
{
	if (switch_of(req->args, key, def, b) != 0) {
		host->fail(r, "%s must be on/off.", key);
		return -1;
	}
	host->set_param(r, key, cg_bool(*b));
	return 0;
}

static int
zone_param(const struct cg_request *req, struct cg_reply *r)
{
	char *zone = text_of(cg_map_get(req->args, "timeZone"), DEFAULT_ZONE), list[1024];
	size_t i, n = 0;
	int z = zone != NULL ? zone_index(zone) : -1;

	free(zone);
	if (z < 0) {
		for (i = 0; i < NZONES; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i > 0 ? ", " : "", zones[i]);
		host->fail(r, "timeZone must be one of %s.", list);
		return -1;
	}
	host->set_param(r, "timeZone", cg_str(zones[z]));
	return 0;
}

/*
 * alarmTime (reference §6.4): checked only when it changed or the 12/24 h
 * mode did, so an old unreadable value does not block other edits; a
 * readable one is rewritten for the mode; empty stays empty. Q24: an alarm
 * that is on needs a time that reads, or it would silently never ring.
 */
static void
alarm_param(const struct cg_request *req, struct cg_reply *r, int h24, int alarm_on)
{
	char *t = text_of(cg_map_get(req->args, "alarmTime"), DEFAULT_ALARM);
	char *was = text_of(cg_map_get(req->item->params, "alarmTime"), DEFAULT_ALARM);
	char canon[16];
	int was24, hour, min, ok, changed;

	if (switch_of(req->item->params, "use24Hour", 0, &was24) != 0)
		was24 = 0;
	ok = t != NULL && parse_alarm(t, &hour, &min) == 0;
	changed = t == NULL || was == NULL || strcmp(t, was) != 0 || h24 != was24;
	if (!ok && (t == NULL || (t[0] != '\0' && changed)))
		host->fail(r, "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	else if (!ok && alarm_on)
		host->fail(r, "alarmTime must be a valid time (HH:MM or H:MM AM/PM) when alarm is on.");
	else if (ok) {
		format_alarm(canon, sizeof canon, hour, min, h24);
		host->set_param(r, "alarmTime", cg_str(canon));
	} else
		host->set_param(r, "alarmTime", cg_str(t));
	free(t);
	free(was);
}

static void
clock_validate(const struct cg_request *req, struct cg_reply *r)
{
	int h24, top, alarm_on;

	if (zone_param(req, r) != 0 || bool_param(req, r, "use24Hour", 0, &h24) != 0 ||
	    bool_param(req, r, "topOfHourAnnounce", 1, &top) != 0 ||
	    bool_param(req, r, "alarmEnabled", 0, &alarm_on) != 0)
		return;
	alarm_param(req, r, h24, alarm_on);
}

/* ---- the spoken time ---- */

struct phrase {
	char url[MAX_TOKENS][48];
	int n;
};

static void
say_token(struct phrase *p, const char *token)
{
	if (p->n < MAX_TOKENS)
		snprintf(p->url[p->n++], sizeof p->url[0], SAMPLES "%s.ogg", token);
}

static void
say_number(struct phrase *p, int n)
{
	char buf[16];

	snprintf(buf, sizeof buf, "%d", n);
	say_token(p, buf);
}

/* Numbers up to 59 from the samples 0-20, 30, 40, 50: tens, then units unless 0. */
static void
say_tens(struct phrase *p, int n)
{
	if (n <= 20) {
		say_number(p, n);
		return;
	}
	say_number(p, n / 10 * 10);
	if (n % 10 != 0)
		say_number(p, n % 10);
}

/* "its", the hour, the minutes (none on the hour; "o" before 1-9), AM or PM (reference §6.8). */
static void
say_time(struct phrase *p, const struct tm *tm, int h24)
{
	say_token(p, "its");
	if (h24)
		say_tens(p, tm->tm_hour);
	else
		say_number(p, tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12);
	if (tm->tm_min > 0 && tm->tm_min < 10)
		say_token(p, "o");
	if (tm->tm_min > 0)
		say_tens(p, tm->tm_min);
	if (!h24)
		say_token(p, tm->tm_hour < 12 ? "AM" : "PM");
}

/* The item's zone: its timeZone if one of the list, else the default (as the reference's). */
static int
item_zone(const struct cg_value *params)
{
	char *t = text_of(cg_map_get(params, "timeZone"), DEFAULT_ZONE);
	int z = t != NULL ? zone_index(t) : -1;

	free(t);
	return z;
}

/* An item_clock_announce to everyone in range: before, the time at tm, after (either may be NULL). */
static void
announce(struct cg_reply *r, const struct cg_value *params, const struct tm *tm, const char *before,
    const char *after)
{
	struct phrase p;
	struct cg_value items[MAX_TOKENS], fields;
	struct cg_pair pair;
	int i, h24;

	if (switch_of(params, "use24Hour", 0, &h24) != 0)
		h24 = 0;
	p.n = 0;
	if (before != NULL)
		say_token(&p, before);
	say_time(&p, tm, h24);
	if (after != NULL)
		say_token(&p, after);
	for (i = 0; i < p.n; i++)
		items[i] = cg_str(p.url[i]);
	pair.key = "sounds";
	pair.key_len = 6;
	pair.reserved = 0;
	pair.value = cg_array(items, (uint32_t)p.n);
	fields = cg_map(&pair, 1);
	host->event(r, "item_clock_announce", CG_TO_ALL, &fields);
}

/* ---- the clock: real time plus the test offset ---- */

static struct {
	int known;			/* the file was read (or found missing) at least once */
	struct stat st;			/* as it was read */
	int64_t ms;
} offset;

static void states_restart(void);

/* Has the offset file changed since it was read? */
static int
offset_changed(const struct stat *st, int exists)
{
	if (!offset.known)
		return 1;
	if (!exists)
		return offset.st.st_ino != 0;
	return st->st_ino != offset.st.st_ino || st->st_dev != offset.st.st_dev ||
	    st->st_size != offset.st.st_size || st->st_mtim.tv_sec != offset.st.st_mtim.tv_sec ||
	    st->st_mtim.tv_nsec != offset.st.st_mtim.tv_nsec;
}

static int64_t
offset_read(const char *path)
{
	char buf[64], *end;
	long long v;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	errno = 0;
	v = strtoll(buf, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (end == buf || *end != '\0' || errno != 0) {
		host->log(CG_LOG_WARN, "now_offset_file %s: not a number of milliseconds; using 0", path);
		return 0;
	}
	return (int64_t)v;
}

/* Milliseconds since the epoch, as the clocks see it. */
static uint64_t
clock_now(const struct cg_request *req)
{
	const char *path = host->option("now_offset_file");
	struct stat st;
	int exists;
	int64_t ms, was = offset.ms;

	if (path == NULL || *path == '\0')
		return req->now_ms;
	exists = stat(path, &st) == 0;
	if (offset_changed(&st, exists)) {
		offset.ms = exists ? offset_read(path) : 0;
		if (exists)
			offset.st = st;
		else
			memset(&offset.st, 0, sizeof offset.st);
		if (!offset.known || offset.ms != was) {
			host->log(CG_LOG_NOTICE, "clock offset %lld ms (from %s)", (long long)offset.ms, path);
			states_restart();
		}
		offset.known = 1;
	}
	ms = (int64_t)req->now_ms + offset.ms;
	return ms > 0 ? (uint64_t)ms : 1;
}

/* ---- per item: what was announced ---- */

struct state {
	struct state *next;
	char *id;
	uint64_t prev_ms;		/* clock time of its last tick; 0: none yet in this process */
	uint64_t seen_ms;		/* real time of its last tick */
	int64_t hour_key;		/* local YYYYMMDDHH of the last top-of-hour announcement */
	int64_t alarm_key;		/* local YYYYMMDDHHMM of the last alarm */
};

static struct state *buckets[NBUCKETS];
static uint64_t last_sweep;

static struct state **
state_slot(const char *id)
{
	uint32_t h = 2166136261u;
	const char *p;
	struct state **sp;

	for (p = id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (sp = &buckets[h % NBUCKETS]; *sp != NULL; sp = &(*sp)->next)
		if (strcmp((*sp)->id, id) == 0)
			break;
	return sp;
}

/* The item's state, made if new; NULL without memory. */
static struct state *
state_get(const char *id)
{
	struct state **sp = state_slot(id), *s;

	if (*sp != NULL)
		return *sp;
	if ((s = calloc(1, sizeof *s)) == NULL || (s->id = strdup(id)) == NULL) {
		free(s);
		return NULL;
	}
	*sp = s;
	return s;
}

static void
state_forget(const char *id)
{
	struct state **sp = state_slot(id), *s = *sp;

	if (s != NULL) {
		*sp = s->next;
		free(s->id);
		free(s);
	}
}

/* Drop items not ticked for FORGET_MS (all of them when now is 0). */
static void
states_sweep(uint64_t now)
{
	struct state **sp, *s;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (sp = &buckets[i]; (s = *sp) != NULL;) {
			if (now == 0 || now - s->seen_ms > FORGET_MS || s->seen_ms > now) {
				*sp = s->next;
				free(s->id);
				free(s);
			} else
				sp = &s->next;
		}
}

/* The clock jumped (a new test offset): every item starts afresh. */
static void
states_restart(void)
{
	states_sweep(0);
}

/* ---- methods ---- */

static void
clock_use(const struct cg_request *req, struct cg_reply *r)
{
	struct tm tm;

	/* No chat and an empty message: the clock speaks for itself. */
	local_time(item_zone(req->item->params), (time_t)(clock_now(req) / 1000), &tm);
	announce(r, req->item->params, &tm, NULL, NULL);
}

/* Is the boundary at_ms (a local hour or minute start) one this tick crossed? */
static int
crossed(uint64_t at_ms, uint64_t prev, uint64_t now)
{
	return at_ms > prev && at_ms <= now && now - at_ms <= LATE_MS;
}

static void
clock_tick(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *params = req->item->params, *v;
	uint64_t now = clock_now(req), prev;
	time_t t = (time_t)(now / 1000);
	struct state *s;
	struct tm tm;
	int64_t key;
	int top, alarm_on, hour, min, heard = 1;
	char *at;

	if (req->now_ms - last_sweep >= SWEEP_MS || req->now_ms < last_sweep) {
		states_sweep(req->now_ms);
		last_sweep = req->now_ms;
	}
	if ((s = state_get(req->item->id)) == NULL)
		return;
	s->seen_ms = req->now_ms;
	prev = s->prev_ms;
	s->prev_ms = now;
	if (prev == 0 || now <= prev)
		return;
	/* ABI 1.1: nobody in range hears it; mark it said all the same. */
	if (req->size >= offsetof(struct cg_request, listeners) + sizeof req->listeners)
		heard = req->listeners > 0;
	local_time(item_zone(params), t, &tm);
	key = ((int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday) * 100 + tm.tm_hour;

	/* "Exactly true" as the reference: missing counts as on, anything but a boolean as off. */
	v = cg_map_get(params, "topOfHourAnnounce");
	top = v == NULL || (v->type == CG_BOOL && v->u.i);
	if (top && key != s->hour_key && crossed(((uint64_t)t - (uint64_t)(tm.tm_min * 60 + tm.tm_sec)) * 1000,
	    prev, now)) {
		s->hour_key = key;
		if (heard)
			announce(r, params, &tm, "hour1", "hour2");
	}

	v = cg_map_get(params, "alarmEnabled");
	alarm_on = v != NULL && v->type == CG_BOOL && v->u.i;
	if (!alarm_on)
		return;
	at = text_of(cg_map_get(params, "alarmTime"), "");
	if (at != NULL && parse_alarm(at, &hour, &min) == 0 && hour == tm.tm_hour && min == tm.tm_min &&
	    key * 100 + min != s->alarm_key && crossed(((uint64_t)t - (uint64_t)tm.tm_sec) * 1000, prev, now)) {
		s->alarm_key = key * 100 + min;
		if (heard)
			announce(r, params, &tm, "announcement", "alarm");
	}
	free(at);
}

static void
clock_removed(const struct cg_request *req, struct cg_reply *r)
{
	(void)r;
	state_forget(req->item->id);
}

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = {
	"title", "timeZone", "use24Hour", "topOfHourAnnounce", "alarmEnabled", "alarmTime", NULL
};

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for this clock." },
	{ .key = "timeZone", .value_type = CG_PROP_LIST, .label = "Time zone",
	  .tooltip = "The time zone whose time the clock tells.", .options = zones },
	{ .key = "use24Hour", .value_type = CG_PROP_BOOLEAN, .label = "24 hour format",
	  .tooltip = "Tell the time as 0 to 23 hours instead of with AM and PM." },
	{ .key = "topOfHourAnnounce", .value_type = CG_PROP_BOOLEAN, .label = "Announce the hour",
	  .tooltip = "Tell the time by itself at the start of every hour." },
	{ .key = "alarmEnabled", .value_type = CG_PROP_BOOLEAN, .label = "Alarm",
	  .tooltip = "Sound an alarm once a day at the alarm time." },
	{ .key = "alarmTime", .value_type = CG_PROP_TEXT, .max_length = 8, .label = "Alarm time",
	  .tooltip = "When the alarm sounds: HH:MM with the 24 hour format, else H:MM AM or PM.",
	  .visible_when = "{\"alarmEnabled\":true}" },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = clock_validate,
	.use = clock_use,
	.tick = clock_tick,
	.removed = clock_removed,
};

static const struct cg_item_type clock_type = {
	.type = "clock",
	.order = 10,
	.encoding_version = 1,
	.label = "clock",
	.tooltip = "A talking clock: it tells the time when used, on the hour, and at its alarm.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 1000,
	.emit_sound = "sounds/clock.ogg",
	.emit_range = 10,
	.default_title = "clock",
	.default_params = "{\"timeZone\":\"" DEFAULT_ZONE "\",\"use24Hour\":false,\"topOfHourAnnounce\":true,"
	    "\"alarmEnabled\":false,\"alarmTime\":\"" DEFAULT_ALARM "\"}",
	.tick_ms = TICK_MS,
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&clock_type);
}

void
cg_plugin_cleanup(void)
{
	states_sweep(0);
}
