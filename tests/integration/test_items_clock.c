/*
 * test_items_clock.c: the clock item type through the real daemon and its
 * plugin (reference §6.3, §6.4, §6.8, §6.11; Q24): the descriptor, every
 * parameter's messages and canonical forms, the spoken time in several
 * zones and both modes, who hears it, the top of the hour and the alarm
 * with a test clock, and no repeat after the plugin host restarts.
 *
 * The plugin's test clock: plugin_option clock.now_offset_file names a file
 * holding milliseconds added to the real clock; at_local() writes it so the
 * clock reads a chosen instant.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_items_common.h"

#define S "/sounds/clock/espeak/"

static const char *zone_list =
    "America/Anchorage, America/Argentina/Buenos_Aires, America/Chicago, America/Detroit, "
    "America/Halifax, America/Indiana/Indianapolis, America/Kentucky/Louisville, "
    "America/Los_Angeles, America/St_Johns, Asia/Bangkok, Asia/Dhaka, Asia/Dubai, Asia/Hong_Kong, "
    "Asia/Kabul, Asia/Karachi, Asia/Kathmandu, Asia/Kolkata, Asia/Seoul, Asia/Singapore, "
    "Asia/Tehran, Asia/Tokyo, Asia/Yangon, Atlantic/Azores, Atlantic/South_Georgia, "
    "Australia/Brisbane, Australia/Darwin, Australia/Eucla, Australia/Lord_Howe, Europe/Berlin, "
    "Europe/Helsinki, Europe/London, Europe/Moscow, Pacific/Apia, Pacific/Auckland, "
    "Pacific/Chatham, Pacific/Honolulu, Pacific/Kiritimati, Pacific/Noumea, Pacific/Pago_Pago, UTC";

/* A value's compact JSON text without escaped slashes (static storage). */
static const char *
plain(json_object *o)
{
	static char buf[4096];

	snprintf(buf, sizeof buf, "%s",
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return buf;
}

/* ---- the test clock ---- */

static char *offset_dir;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The extra configuration lines that give the daemon's clock plugin the offset file. */
static const char *
offset_config(const char *more)
{
	static char text[2048];

	if (offset_dir == NULL) {
		offset_dir = td_mkdtemp();
		ck_assert_ptr_nonnull(offset_dir);
	}
	snprintf(text, sizeof text, "plugin_option clock.now_offset_file=%s/offset\n%s", offset_dir,
	    more != NULL ? more : "");
	return text;
}

/* Make the plugin's clock read at_ms (ms since the epoch) now; written atomically. */
static void
set_clock(int64_t at_ms)
{
	char text[64];

	snprintf(text, sizeof text, "%lld\n", (long long)(at_ms - wall_ms()));
	ck_assert_int_eq(td_write_text(offset_dir, "offset.tmp", text), 0);
	{
		char from[4096], to[4096];

		snprintf(from, sizeof from, "%s/offset.tmp", offset_dir);
		snprintf(to, sizeof to, "%s/offset", offset_dir);
		ck_assert_int_eq(rename(from, to), 0);
	}
}

/* Milliseconds since the epoch of a UTC date and time. */
static int64_t
utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000;
}

/* The sounds of an item_clock_announce as "its 9 o 5 AM", checking each URL's form. */
static const char *
tokens(json_object *ev)
{
	static char out[512];
	json_object *a = tw_get(ev, "sounds");
	size_t i, n = 0, len;
	const char *u;

	out[0] = '\0';
	ck_assert(json_object_is_type(a, json_type_array));
	for (i = 0; i < json_object_array_length(a); i++) {
		u = json_object_get_string(json_object_array_get_idx(a, i));
		len = strlen(u);
		ck_assert_msg(strncmp(u, S, strlen(S)) == 0 && len > strlen(S) + 4 &&
		    strcmp(u + len - 4, ".ogg") == 0, "bad sample URL %s", u);
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", i > 0 ? " " : "",
		    (int)(len - strlen(S) - 4), u + strlen(S));
	}
	return out;
}

/* Every token names a committed sample. */
static void
samples_exist(const char *words)
{
	char list[512], path[4096], *w, *save = NULL;

	snprintf(list, sizeof list, "%s", words);
	for (w = strtok_r(list, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof path, "%s/www/sounds/clock/espeak/%s.ogg", td_srcdir(), w);
		ck_assert_msg(access(path, R_OK) == 0, "no sample %s", path);
	}
}

/* The next announcement of item id for c: its tokens (static storage). */
#define heard(c, id) heard_at(__FILE__, __LINE__, (c), (id), TW_WAIT_MS)
static const char *
heard_at(const char *file, int line, struct tc_conn *c, const char *id, int ms)
{
	static char out[512];
	json_object *ev = tw_wait_at(file, line, c, ms, "item_clock_announce", "itemId", id);

	snprintf(out, sizeof out, "%s", tokens(ev));
	json_object_put(ev);
	samples_exist(out);
	return out;
}

/* Announcements heard: item ids and tokens, in arrival order. */
struct heard {
	char id[64];
	char words[256];
};

/* Read announcements until n have come; fails after ms. */
static void
listen_for(struct tc_conn *c, int n, int ms, struct heard *h)
{
	json_object *ev;
	int i;

	for (i = 0; i < n; i++) {
		ev = tw_wait_ms(c, ms, "item_clock_announce", NULL, NULL);
		snprintf(h[i].id, sizeof h[i].id, "%s", tw_str(ev, "itemId"));
		snprintf(h[i].words, sizeof h[i].words, "%s", tokens(ev));
		json_object_put(ev);
	}
}

/* The k-th (from 0) announcement of id among h[0..n), or "". */
static const char *
heard_of(const struct heard *h, int n, const char *id, int k)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(h[i].id, id) == 0 && k-- == 0)
			return h[i].words;
	return "";
}

/*
 * Use the clock as u; returns what c heard. The answer is ok and says
 * nothing; the announcement comes before it (reference §6.6, use steps 11-12).
 */
static const char *
use(struct tw_user *u, struct tc_conn *c, const char *id)
{
	static char out[512];
	int64_t deadline;
	json_object *o;
	const char *t, *m;
	int got_result = 0, got_event = 0;

	ti_item_msg(u, "item_use", id);
	deadline = tc_now_ms() + td_ms(TW_WAIT_MS);
	while (!got_result || !got_event) {
		o = tc_ws_recv_json(u->c, (int)(deadline - tc_now_ms() > 0 ? deadline - tc_now_ms() : 0));
		ck_assert_msg(o != NULL, "no %s within %d ms%s", got_result ? "announcement" : "use result",
		    TW_WAIT_MS, td_health());
		t = tc_json_str(o, "type");
		if (t != NULL && strcmp(t, "item_action_result") == 0) {
			m = tc_json_str(o, "message");
			ck_assert_msg(got_event || u->c != c, "the result came before the announcement");
			ck_assert_msg(m != NULL && *m == '\0' && strstr(tw_js(o), "\"ok\":true") != NULL &&
			    strcmp(tw_str(o, "itemId"), id) == 0, "use: %s", tw_js(o));
			got_result = 1;
		} else if (t != NULL && strcmp(t, "item_clock_announce") == 0 && u->c == c &&
		    strcmp(tw_str(o, "itemId"), id) == 0) {
			snprintf(out, sizeof out, "%s", tokens(o));
			got_event = 1;
		}
		json_object_put(o);
		if (u->c != c && got_result && !got_event) {
			snprintf(out, sizeof out, "%s", heard(c, id));
			got_event = 1;
		}
	}
	samples_exist(out);
	return out;
}

/* Update params, expect success; returns the stored params' JSON (static storage). */
static const char *
edit(struct tw_user *u, const char *id, const char *params)
{
	json_object *it;
	static char out[4096];

	ti_update(u, id, NULL, params);
	it = ti_upsert(u->c, id);
	snprintf(out, sizeof out, "%s", plain(tw_get(it, "params")));
	json_object_put(it);
	ti_expect(u, "update", 1, "Updated clock.");
	return out;
}

static void
refuse(struct tw_user *u, const char *id, const char *params, const char *message)
{
	ti_update(u, id, NULL, params);
	ti_expect(u, "update", 0, message);
}

/* The alarmTime stored after an edit. */
static const char *
alarm_after(struct tw_user *u, const char *id, const char *params)
{
	static char out[64];
	json_object *p = json_tokener_parse(edit(u, id, params));

	snprintf(out, sizeof out, "%s", tw_str(p, "alarmTime"));
	json_object_put(p);
	return out;
}

/* ---- the descriptor and the parameters ---- */

START_TEST(clock_describe)
{
	struct td *td = ti_start("clock", NULL, NULL);
	struct tw_user *a = tw_join(td, "cdesc");
	json_object *ui, *t, *g, *meta, *up, *it;
	char *id;

	ui = tw_get(a->welcome, "uiDefinitions");
	ck_assert_str_eq(tw_js(tw_get(ui, "itemTypeOrder")), "[\"clock\"]");
	t = json_object_array_get_idx(tw_get(ui, "itemTypes"), 0);
	ck_assert_str_eq(tw_str(t, "type"), "clock");
	ck_assert_str_eq(tw_str(t, "label"), "clock");
	ck_assert_str_eq(tw_js(tw_get(t, "capabilities")), "[\"editable\",\"carryable\",\"deletable\",\"usable\"]");
	ck_assert_str_eq(tw_js(tw_get(t, "editableProperties")),
	    "[\"title\",\"timeZone\",\"use24Hour\",\"topOfHourAnnounce\",\"alarmEnabled\",\"alarmTime\"]");
	g = tw_get(t, "globalProperties");
	ck_assert_str_eq(tw_str(g, "useSound"), "none");
	ck_assert_str_eq(tw_str(g, "emitSound"), "sounds/clock.ogg");
	ck_assert_int_eq(tw_int(g, "useCooldownMs"), 1000);
	ck_assert_int_eq(tw_int(g, "emitRange"), 10);
	meta = tw_get(t, "propertyMetadata");
	ck_assert_str_eq(tw_str(tw_get(meta, "title"), "valueType"), "text");
	ck_assert_int_eq(tw_int(tw_get(meta, "title"), "maxLength"), 80);
	ck_assert_str_eq(tw_str(tw_get(meta, "timeZone"), "valueType"), "list");
	{
		/* The 40 zones, in the reference's order. */
		char want[2048], *w, *save = NULL;
		json_object *opts = tw_get(tw_get(meta, "timeZone"), "options");
		size_t i = 0;

		snprintf(want, sizeof want, "%s", zone_list);
		ck_assert_int_eq(json_object_array_length(opts), 40);
		for (w = strtok_r(want, ", ", &save); w != NULL; w = strtok_r(NULL, ", ", &save), i++)
			ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(opts, i)), w);
		ck_assert_int_eq(i, 40);
	}
	ck_assert_str_eq(tw_str(tw_get(meta, "use24Hour"), "valueType"), "boolean");
	ck_assert_str_eq(tw_str(tw_get(meta, "topOfHourAnnounce"), "valueType"), "boolean");
	ck_assert_str_eq(tw_str(tw_get(meta, "alarmEnabled"), "valueType"), "boolean");
	ck_assert_str_eq(tw_str(tw_get(meta, "alarmTime"), "valueType"), "text");
	ck_assert_int_eq(tw_int(tw_get(meta, "alarmTime"), "maxLength"), 8);
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "alarmTime"), "visibleWhen")), "{\"alarmEnabled\":true}");
	ck_assert(!json_object_object_get_ex(tw_get(meta, "timeZone"), "visibleWhen", NULL));

	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"clock\"}");
	up = tw_wait(a->c, "item_upsert", NULL, NULL);
	it = tw_get(up, "item");
	id = strdup(tw_str(it, "id"));
	ck_assert_str_eq(tw_str(it, "title"), "clock");
	ck_assert_str_eq(tw_str(it, "emitSound"), "sounds/clock.ogg");
	ck_assert(!json_object_object_get_ex(it, "useSound", NULL));
	ck_assert_str_eq(plain(tw_get(it, "params")), "{\"timeZone\":\"America/Detroit\",\"use24Hour\":false,"
	    "\"topOfHourAnnounce\":true,\"alarmEnabled\":false,\"alarmTime\":\"12:00 AM\"}");
	json_object_put(up);
	ti_expect(a, "add", 1, NULL);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(clock_validation)
{
	struct td *td = ti_start("clock", NULL, NULL);
	struct tw_user *a = tw_join(td, "cvalid");
	char *id = ti_add(a, "clock"), zmsg[2048];

	snprintf(zmsg, sizeof zmsg, "timeZone must be one of %s.", zone_list);
	refuse(a, id, "{\"timeZone\":\"Mars/Olympus\"}", zmsg);
	refuse(a, id, "{\"timeZone\":\"asia/tokyo\"}", zmsg);
	refuse(a, id, "{\"timeZone\":5}", zmsg);
	refuse(a, id, "{\"timeZone\":null}", zmsg);
	refuse(a, id, "{\"use24Hour\":\"maybe\"}", "use24Hour must be on/off.");
	refuse(a, id, "{\"use24Hour\":null}", "use24Hour must be on/off.");
	refuse(a, id, "{\"topOfHourAnnounce\":\"often\"}", "topOfHourAnnounce must be on/off.");
	refuse(a, id, "{\"alarmEnabled\":[true]}", "alarmEnabled must be on/off.");
	refuse(a, id, "{\"alarmTime\":\"24:00\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmTime\":\"13:00 PM\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmTime\":\"0:30 AM\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmTime\":\"3:5 PM\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmTime\":\"noon\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmTime\":[\"7:00\"]}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	/* The first failing parameter wins. */
	refuse(a, id, "{\"alarmEnabled\":\"x\",\"use24Hour\":\"y\"}", "use24Hour must be on/off.");

	/* Normalised forms; unknown keys dropped. */
	ck_assert_str_eq(edit(a, id, "{\"timeZone\":\" Asia/Tokyo \",\"use24Hour\":\"YES\","
	    "\"topOfHourAnnounce\":\"off\",\"alarmEnabled\":1,\"hackedFlag\":true}"),
	    "{\"timeZone\":\"Asia/Tokyo\",\"use24Hour\":true,\"topOfHourAnnounce\":false,\"alarmEnabled\":true,"
	    "\"alarmTime\":\"00:00\"}");
	ck_assert_str_eq(edit(a, id, "{\"use24Hour\":0,\"topOfHourAnnounce\":\" On \",\"alarmEnabled\":false}"),
	    "{\"timeZone\":\"Asia/Tokyo\",\"use24Hour\":false,\"topOfHourAnnounce\":true,\"alarmEnabled\":false,"
	    "\"alarmTime\":\"12:00 AM\"}");

	/* alarmTime: read flexibly, written for the mode, rewritten when the mode changes. */
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\" 3:15pm \"}"), "3:15 PM");
	ck_assert_str_eq(alarm_after(a, id, "{\"use24Hour\":true}"), "15:15");
	ck_assert_str_eq(alarm_after(a, id, "{\"use24Hour\":false}"), "3:15 PM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"15:15\"}"), "3:15 PM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"12:00 am\"}"), "12:00 AM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"12:30 pm\"}"), "12:30 PM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"07:05AM\"}"), "7:05 AM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"0:00\"}"), "12:00 AM");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"9:05\",\"use24Hour\":\"on\"}"), "09:05");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"11:59 PM\"}"), "23:59");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"23:00\"}"), "23:00");
	/* Empty stays empty while the alarm is off; Q24: an alarm that is on needs a time. */
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmTime\":\"  \"}"), "");
	refuse(a, id, "{\"alarmEnabled\":true}",
	    "alarmTime must be a valid time (HH:MM or H:MM AM/PM) when alarm is on.");
	refuse(a, id, "{\"alarmEnabled\":true,\"alarmTime\":\"\"}",
	    "alarmTime must be a valid time (HH:MM or H:MM AM/PM) when alarm is on.");
	ck_assert_str_eq(alarm_after(a, id, "{\"alarmEnabled\":true,\"alarmTime\":\"6:45 am\"}"), "06:45");
	refuse(a, id, "{\"alarmTime\":\"\"}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM) when alarm is on.");
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* Stored data the validator would refuse: an unchanged unreadable alarmTime is kept (reference §6.4). */
START_TEST(clock_legacy_alarm_time)
{
	const char *id = "0c9a4a58-5f27-4c0e-9d7e-6d0f4b7a1c01";
	struct td *td;
	struct tw_user *a;
	char *dir;

	ti_wipe();
	td = ti_start("clock", NULL, &dir);
	ag_sql("INSERT INTO items (id, type, title, x, y, params, created_by_name, updated_by_name) VALUES "
	    "('%s', 'clock', 'old clock', 5, 5, '{\"timeZone\": \"UTC\", \"use24Hour\": false, "
	    "\"topOfHourAnnounce\": true, \"alarmEnabled\": false, \"alarmTime\": \"sometime\"}', 'x', 'x')", id);
	td_stop(td);
	td_free(td);
	td = ti_start_dir(dir, NULL);
	free(dir);
	{
		char user[33];

		/* Nobody owns the stored clock: an editor of any item. */
		tw_account(td, user, "clegacy");
		tw_give_role(user, "item.edit.any", NULL);
		a = tw_login(td, user);
	}
	tw_goto(a, 5, 5);
	ti_update(a, id, NULL, "{\"timeZone\":\"Europe/London\"}");
	{
		json_object *it = ti_upsert(a->c, id);

		ck_assert_str_eq(tw_str(tw_get(it, "params"), "alarmTime"), "sometime");
		ck_assert_str_eq(tw_str(tw_get(it, "params"), "timeZone"), "Europe/London");
		json_object_put(it);
	}
	ti_expect(a, "update", 1, "Updated old clock.");
	/* A new mode checks it again; turning the alarm on with it is refused (Q24). */
	refuse(a, id, "{\"use24Hour\":true}", "alarmTime must be a valid time (HH:MM or H:MM AM/PM).");
	refuse(a, id, "{\"alarmEnabled\":\"on\"}",
	    "alarmTime must be a valid time (HH:MM or H:MM AM/PM) when alarm is on.");
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* ---- the spoken time ---- */

struct spoken {
	const char *zone;
	int h24;
	int64_t at;			/* UTC instant */
	const char *want;
};

START_TEST(clock_speaks_the_time)
{
	const struct spoken cases[] = {
		{ "UTC", 1, utc_ms(2025, 6, 15, 0, 0, 20), "its 0" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 0, 0, 20), "its 12 AM" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 9, 5, 20), "its 9 o 5 AM" },
		{ "UTC", 1, utc_ms(2025, 6, 15, 9, 5, 20), "its 9 o 5" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 10, 11, 20), "its 10 11 AM" },
		{ "UTC", 1, utc_ms(2025, 6, 15, 13, 30, 20), "its 13 30" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 13, 30, 20), "its 1 30 PM" },
		{ "UTC", 1, utc_ms(2025, 6, 15, 20, 7, 20), "its 20 o 7" },
		{ "UTC", 1, utc_ms(2025, 6, 15, 21, 7, 20), "its 20 1 o 7" },
		{ "UTC", 1, utc_ms(2025, 6, 15, 23, 45, 20), "its 20 3 40 5" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 23, 45, 20), "its 11 40 5 PM" },
		{ "UTC", 0, utc_ms(2025, 6, 15, 12, 20, 20), "its 12 20 PM" },
		/* +5:45 all year */
		{ "Asia/Kathmandu", 0, utc_ms(2025, 6, 15, 6, 15, 20), "its 12 PM" },
		{ "Asia/Kathmandu", 1, utc_ms(2025, 6, 15, 3, 20, 20), "its 9 o 5" },
		/* +10:30 in the southern winter, +11 in summer */
		{ "Australia/Lord_Howe", 0, utc_ms(2025, 6, 15, 2, 0, 20), "its 12 30 PM" },
		{ "Australia/Lord_Howe", 1, utc_ms(2025, 1, 15, 2, 0, 20), "its 13" },
		/* the default zone, -4 in summer */
		{ "America/Detroit", 0, utc_ms(2025, 6, 15, 16, 10, 20), "its 12 10 PM" },
		{ "America/St_Johns", 1, utc_ms(2025, 1, 15, 3, 30, 20), "its 0" },
	};
	struct td *td = ti_start("clock", offset_config(NULL), NULL);
	struct tw_user *a = tw_join(td, "cspeak"), *b = tw_join(td, "cspeak");
	char params[256], *id;
	const char *got;
	json_object *ev;
	size_t i;

	tw_goto(a, 5, 5);
	tw_goto(b, 6, 7);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* A clock each: no waiting for the 1 s cooldown. */
		id = ti_add(a, "clock");
		snprintf(params, sizeof params, "{\"timeZone\":\"%s\",\"use24Hour\":%s}", cases[i].zone,
		    cases[i].h24 ? "true" : "false");
		edit(a, id, params);
		set_clock(cases[i].at);
		got = use(a, a->c, id);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu (%s): heard \"%s\", want \"%s\"", i,
		    cases[i].zone, got, cases[i].want);
		/* The other user nearby hears the same, from the clock, with its range. */
		ev = tw_wait(b->c, "item_clock_announce", "itemId", id);
		ck_assert_str_eq(tokens(ev), cases[i].want);
		ck_assert_int_eq(tw_int(ev, "x"), 5);
		ck_assert_int_eq(tw_int(ev, "y"), 5);
		ck_assert_int_eq(tw_int(ev, "range"), 10);
		json_object_put(ev);
		free(id);
	}
	/* No use sound and no chat for a clock. */
	tw_none(b->c, 300, "item_use_sound", NULL, NULL);
	tw_none(b->c, 1, "chat_message", NULL, NULL);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

/* The phrase of a UTC time in 24 h mode, written independently of the plugin. */
static void
phrase24(time_t t, char *buf, size_t len)
{
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = (size_t)snprintf(buf, len, "its");
	if (tm.tm_hour <= 20)
		n += (size_t)snprintf(buf + n, len - n, " %d", tm.tm_hour);
	else
		n += (size_t)snprintf(buf + n, len - n, " 20 %d", tm.tm_hour - 20);
	if (tm.tm_min > 0 && tm.tm_min < 10)
		snprintf(buf + n, len - n, " o %d", tm.tm_min);
	else if ((tm.tm_min >= 10 && tm.tm_min <= 20) || (tm.tm_min > 20 && tm.tm_min % 10 == 0))
		snprintf(buf + n, len - n, " %d", tm.tm_min);
	else if (tm.tm_min > 20)
		snprintf(buf + n, len - n, " %d %d", tm.tm_min / 10 * 10, tm.tm_min % 10);
}

/* The real clock, without the test hook. */
START_TEST(clock_real_time)
{
	struct td *td = ti_start("clock", NULL, NULL);
	struct tw_user *a = tw_join(td, "creal");
	char *id = ti_add(a, "clock"), before[64], after[64];
	const char *got;

	edit(a, id, "{\"timeZone\":\"UTC\",\"use24Hour\":true}");
	/* A minute may turn during the use. */
	phrase24(time(NULL), before, sizeof before);
	got = use(a, a->c, id);
	phrase24(time(NULL), after, sizeof after);
	ck_assert_msg(strcmp(got, before) == 0 || strcmp(got, after) == 0, "heard \"%s\", want \"%s\"", got,
	    before);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* Who hears it: with interest_radius 10, a user 10 squares away does, one 11 away does not. */
START_TEST(clock_range)
{
	struct td *td = ti_start("clock", offset_config("interest_radius 10\n"), NULL);
	struct tw_user *a = tw_join(td, "crange"), *b = tw_join(td, "crange"), *c = tw_join(td, "crange");
	char *id;

	tw_goto(a, 5, 5);
	tw_goto(b, 15, 5);
	tw_goto(c, 16, 5);
	id = ti_add(a, "clock");
	edit(a, id, "{\"timeZone\":\"UTC\"}");
	set_clock(utc_ms(2025, 6, 15, 8, 0, 20));
	ck_assert_str_eq(use(a, b->c, id), "its 8 AM");
	tw_none(c->c, 500, "item_clock_announce", NULL, NULL);
	/* Carried, it speaks where its carrier is. */
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up clock.");
	tw_goto(a, 12, 5);
	tw_goto(b, 22, 5);
	tw_sleep_ms(1000);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "");
	{
		json_object *ev = tw_wait(c->c, "item_clock_announce", "itemId", id);

		ck_assert_int_eq(tw_int(ev, "x"), 12);
		ck_assert_int_eq(tw_int(ev, "y"), 5);
		json_object_put(ev);
	}
	json_object_put(tw_wait(b->c, "item_clock_announce", "itemId", id));
	free(id);
	tw_close(a);
	tw_close(b);
	tw_close(c);
	td_stop(td);
	td_free(td);
}
END_TEST

/* ---- announcements nobody asked for ---- */

/*
 * Put the clocks (Asia/Kathmandu, +5:45) 3 s before local hh:mm:00 of
 * 2025-06-15, or more on a busy machine (td_ms): the plugin host must see the
 * new time before the boundary passes. Returns how long until the boundary,
 * plus room for the announcement to arrive: the time to listen for it.
 */
static int
before_kathmandu(int hh, int mm)
{
	int lead = td_ms(3000);

	set_clock(utc_ms(2025, 6, 15, hh, mm, 0) - (5 * 60 + 45) * 60 * 1000 - lead);
	return lead + td_ms(3000);
}

START_TEST(clock_top_of_hour_and_alarm)
{
	struct td *td = ti_start("clock", offset_config(NULL), NULL);
	struct tw_user *a = tw_join(td, "ctop");
	char *plain, *quiet, *alarm;
	struct heard h[3];
	int64_t t0;
	int wait;

	tw_goto(a, 5, 5);
	plain = ti_add(a, "clock");
	quiet = ti_add(a, "clock");
	alarm = ti_add(a, "clock");
	edit(a, plain, "{\"timeZone\":\"Asia/Kathmandu\"}");
	edit(a, quiet, "{\"timeZone\":\"Asia/Kathmandu\",\"topOfHourAnnounce\":false}");
	edit(a, alarm, "{\"timeZone\":\"Asia/Kathmandu\",\"use24Hour\":true,\"alarmEnabled\":true,"
	    "\"alarmTime\":\"11:00 am\"}");
	tw_drain(a->c, 200);

	/* 10:59:57 local: at 11:00 the hour, and the alarm set for it, in the same tick. */
	wait = before_kathmandu(11, 0);
	t0 = tc_now_ms();
	listen_for(a->c, 3, wait, h);
	ck_assert_msg(tc_now_ms() - t0 >= 2000, "announced %lld ms after the clock was set",
	    (long long)(tc_now_ms() - t0));
	ck_assert_str_eq(heard_of(h, 3, plain, 0), "hour1 its 11 AM hour2");
	/* The alarm clock's two, the hour first. */
	ck_assert_str_eq(heard_of(h, 3, alarm, 0), "hour1 its 11 hour2");
	ck_assert_str_eq(heard_of(h, 3, alarm, 1), "announcement its 11 alarm");
	/* Once only; the quiet one never. */
	tw_none(a->c, 3000, "item_clock_announce", NULL, NULL);

	/* An alarm at a minute that is not the hour; the hour clocks stay quiet. */
	edit(a, alarm, "{\"alarmTime\":\"7:30 AM\"}");
	wait = before_kathmandu(7, 30);
	ck_assert_str_eq(heard_at(__FILE__, __LINE__, a->c, alarm, wait), "announcement its 7 30 alarm");
	tw_none(a->c, 3000, "item_clock_announce", NULL, NULL);

	/* Off: no alarm. */
	edit(a, alarm, "{\"alarmEnabled\":false}");
	wait = before_kathmandu(7, 30);
	tw_none(a->c, wait, "item_clock_announce", NULL, NULL);
	free(plain);
	free(quiet);
	free(alarm);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* The pid of the daemon's chatgrid-itemhost child running clock.so, or -1. */
static pid_t
clock_host(struct td *td)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[512], buf[4096], *p;
	pid_t found = -1;
	long ppid;
	size_t n, last;
	FILE *f;

	ck_assert_ptr_nonnull(d);
	while (found < 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* pid (comm) state ppid: the comm may hold spaces and parentheses. */
		if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %ld", &ppid) != 1 ||
		    ppid != (long)td_pid(td))
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* NUL-separated arguments: the first names the host, the last the plugin. */
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (last = n; last > 0 && buf[last - 1] != '\0'; last--)
			;
		if (strstr(buf, "chatgrid-itemhost") != NULL && n - last >= 8 &&
		    strcmp(buf + n - 8, "clock.so") == 0)
			found = (pid_t)atol(e->d_name);
	}
	closedir(d);
	return found;
}

START_TEST(clock_no_repeat_after_restart)
{
	struct td *td = ti_start("clock", offset_config(NULL), NULL);
	struct tw_user *a = tw_join(td, "crestart");
	char *id;
	pid_t host, again;
	int wait;

	tw_goto(a, 5, 5);
	id = ti_add(a, "clock");
	edit(a, id, "{\"timeZone\":\"Asia/Kathmandu\"}");
	host = clock_host(td);
	ck_assert_msg(host > 0, "no clock host found");

	wait = before_kathmandu(16, 0);
	ck_assert_str_eq(heard_at(__FILE__, __LINE__, a->c, id, wait), "hour1 its 4 PM hour2");
	/* Within the hour's first second: a new host must not say it again. */
	ck_assert_int_eq(kill(host, SIGKILL), 0);
	ck_assert(td_wait_log(td, "plugin clock.so: clock 1 ready again", td_ms(10000)));
	again = clock_host(td);
	ck_assert_msg(again > 0 && again != host, "host %ld, after restart %ld", (long)host, (long)again);
	tw_none(a->c, 3000, "item_clock_announce", NULL, NULL);

	/* The new host still tells the time, and the next hour. */
	ck_assert_str_eq(use(a, a->c, id), "its 4 PM");
	wait = before_kathmandu(17, 0);
	ck_assert_str_eq(heard_at(__FILE__, __LINE__, a->c, id, wait), "hour1 its 5 PM hour2");
	tw_none(a->c, 2000, "item_clock_announce", NULL, NULL);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* Zones missing from the system: America/Detroit, else UTC; the plugin keeps going. */
START_TEST(clock_missing_zones)
{
	char *tzdir = td_mkdtemp(), path[4096];
	struct td *td;
	struct tw_user *a;
	char *id;
	FILE *in, *out;
	char buf[65536];
	size_t n;

	ck_assert_ptr_nonnull(tzdir);
	/* Only America/Detroit. */
	ck_assert_int_eq(td_mkdir(tzdir, "America"), 0);
	snprintf(path, sizeof path, "%s/America/Detroit", tzdir);
	in = fopen("/usr/share/zoneinfo/America/Detroit", "rb");
	ck_assert_msg(in != NULL, "tzdata is not installed");
	out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert_int_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	setenv("TZDIR", tzdir, 1);
	td = ti_start("clock", offset_config(NULL), NULL);
	unsetenv("TZDIR");
	a = tw_join(td, "czone");
	id = ti_add(a, "clock");
	edit(a, id, "{\"timeZone\":\"Asia/Tokyo\",\"use24Hour\":true}");
	/* 16:10 UTC is 12:10 in Detroit (and 01:10 in Tokyo). */
	set_clock(utc_ms(2025, 6, 15, 16, 10, 20));
	ck_assert_str_eq(use(a, a->c, id), "its 12 10");
	ck_assert(td_wait_log(td, "time zone Asia/Tokyo is not on this system", 2000));
	td_stop(td);
	td_free(td);
	tw_close(a);
	free(id);

	/* Nothing at all: UTC. */
	snprintf(path, sizeof path, "%s/America/Detroit", tzdir);
	ck_assert_int_eq(unlink(path), 0);
	setenv("TZDIR", tzdir, 1);
	td = ti_start("clock", offset_config(NULL), NULL);
	unsetenv("TZDIR");
	a = tw_join(td, "czone");
	id = ti_add(a, "clock");
	edit(a, id, "{\"timeZone\":\"Asia/Tokyo\",\"use24Hour\":true}");
	set_clock(utc_ms(2025, 6, 15, 16, 10, 20));
	ck_assert_str_eq(use(a, a->c, id), "its 16 10");
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	td_rmtree(tzdir);
	free(tzdir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_clock");
	TCase *tc = tcase_create("clock");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, clock_describe);
	tcase_add_test(tc, clock_validation);
	tcase_add_test(tc, clock_legacy_alarm_time);
	tcase_add_test(tc, clock_speaks_the_time);
	tcase_add_test(tc, clock_real_time);
	tcase_add_test(tc, clock_range);
	tcase_add_test(tc, clock_top_of_hour_and_alarm);
	tcase_add_test(tc, clock_no_repeat_after_restart);
	tcase_add_test(tc, clock_missing_zones);
	suite_add_tcase(s, tc);
	return ag_main(s);
}
