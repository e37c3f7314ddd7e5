/*
 * items-db.c: items in PostgreSQL. At start-up every row is loaded
 * (blocking, before anyone is served); items still carried after a crash
 * are put down first. Afterwards every change queues its item's id; the
 * queue is written item_save_debounce_ms after the last change, or at the
 * latest item_save_max_delay_ms after the first, as one transaction of
 * whole-row upserts and deletes, one transaction at a time. A batch that
 * fails because the database is away is queued again; one that PostgreSQL
 * refuses is retried row by row, so one bad row cannot hold the rest back.
 * A clean shutdown writes what is queued before the database closes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "auth/session.h"
#include "cfg.h"
#include "daemon.h"
#include "db/db.h"
#include "items-db.h"
#include "items.h"
#include "log.h"
#include "net/client.h"
#include "pluginhost/pluginhost.h"
#include "strmap.h"
#include "tick.h"
#include "world/world.h"
#include "xmalloc.h"

#define RETRY_MS 1000
#define UPSERT_PARAMS 15

static struct strmap *dirty;	/* ids to upsert (values unused) */
static struct strmap *gone;	/* ids to delete */
static uint64_t first_ms, last_ms, retry_at;
static int inflight;		/* one batch at a time, so batches apply in order */
static int inflight_gone;	/* deletions in that batch */
static int have_db;

struct batch {
	char **ids;		/* upserted */
	int nids;
	char **gone;		/* deleted */
	int ngone;
	int shutdown_hold;
};

static void
stamp(void)
{
	uint64_t now = tick_mono_ms();

	if (first_ms == 0)
		first_ms = now;
	last_ms = now;
}

void
items_db_dirty(struct item *it)
{
	if (!have_db)
		return;
	strmap_put(dirty, it->id, it);
	stamp();
}

int
items_db_delete_room(void)
{
	static uint64_t last_log;
	uint64_t now;

	/* Those out in a batch count too: a failed batch puts them back. */
	if (!have_db || strmap_count(gone) + (size_t)inflight_gone < (size_t)cfg->item_delete_backlog_max)
		return 1;
	now = tick_mono_ms();
	if (last_log == 0 || now - last_log >= 10000) {
		log_warn("item deletes refused: %zu deletions wait for the database (item_delete_backlog_max %d)",
		    strmap_count(gone) + (size_t)inflight_gone, cfg->item_delete_backlog_max);
		last_log = now;
	}
	return 0;
}

void
items_db_deleted(struct item *it)
{
	if (!have_db)
		return;
	strmap_del(dirty, it->id);
	strmap_put(gone, it->id, (void *)1);
	stamp();
}

static char *
num(long long v)
{
	char *s;

	xasprintf(&s, "%lld", v);
	return s;
}

/* The upsert's parameters for it (strings owned by v; NULL for SQL NULL). */
static void
row_values(const struct item *it, char *v[UPSERT_PARAMS])
{
	v[0] = xstrdup(it->id);
	v[1] = xstrdup(it->type_id);
	v[2] = xstrdup(it->title);
	v[3] = num(it->x);
	v[4] = num(it->y);
	v[5] = it->carrier_account != 0 ? num(it->carrier_account) : NULL;
	v[6] = xstrdup(json_object_to_json_string_ext(it->params, JSON_C_TO_STRING_PLAIN));
	v[7] = num(it->encoding_version);
	v[8] = it->created_by != 0 ? num(it->created_by) : NULL;
	v[9] = xstrdup(it->created_by_name);
	v[10] = it->updated_by != 0 ? num(it->updated_by) : NULL;
	v[11] = xstrdup(it->updated_by_name);
	v[12] = num(it->created_at);
	v[13] = num(it->updated_at);
	v[14] = num(it->version);
}

static void
free_values(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

static int
collect(const char *key, void *value, void *arg)
{
	struct batch *b = arg;

	b->ids = xreallocarray(b->ids, (size_t)b->nids + 1, sizeof *b->ids);
	b->ids[b->nids++] = xstrdup(key);
	return 1;
}

static int
collect_gone(const char *key, void *value, void *arg)
{
	struct batch *b = arg;

	b->gone = xreallocarray(b->gone, (size_t)b->ngone + 1, sizeof *b->gone);
	b->gone[b->ngone++] = xstrdup(key);
	return 1;
}

static void
batch_free(struct batch *b)
{
	int i;

	for (i = 0; i < b->nids; i++)
		free(b->ids[i]);
	for (i = 0; i < b->ngone; i++)
		free(b->gone[i]);
	free(b->ids);
	free(b->gone);
	free(b);
}

static int
transient(void)
{
	const char *st = db_sqlstate();

	if (db_error_unavailable() || st == NULL)
		return 1;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 || strncmp(st, "53", 2) == 0 ||
	    strncmp(st, "57", 2) == 0 || strncmp(st, "58", 2) == 0;
}

static void flush(void);

struct single {
	char id[37];
	int deleting;
	int shutdown_hold;
};

static void
single_cb(const PGresult *res, const char *error, void *arg)
{
	struct single *s = arg;

	if (error != NULL)
		log_error("item %s could not be %s: %s", s->id, s->deleting ? "deleted" : "saved", error);
	if (s->shutdown_hold)
		daemon_release();
	free(s);
}

/* PostgreSQL refused the batch: write row by row, logging the ones it refuses. */
static void
retry_singly(struct batch *b)
{
	char *v[UPSERT_PARAMS];
	struct single *s;
	struct item *it;
	int i;

	for (i = 0; i < b->nids + b->ngone; i++) {
		s = xcalloc(1, sizeof *s);
		s->deleting = i >= b->nids;
		snprintf(s->id, sizeof s->id, "%s", s->deleting ? b->gone[i - b->nids] : b->ids[i]);
		if (daemon_shutting_down()) {
			s->shutdown_hold = 1;
			daemon_hold();
		}
		if (s->deleting) {
			const char *dv[1] = { s->id };

			db_query("items_delete", 1, dv, single_cb, s);
			continue;
		}
		if ((it = items_find_any(s->id)) == NULL) {
			single_cb(NULL, NULL, s);
			continue;
		}
		row_values(it, v);
		db_query("items_upsert", UPSERT_PARAMS, (const char *const *)v, single_cb, s);
		free_values(v, UPSERT_PARAMS);
	}
}

static void
flush_cb(const PGresult *res, const char *error, void *arg)
{
	struct batch *b = arg;
	int i;

	inflight = 0;
	inflight_gone = 0;
	if (error != NULL) {
		if (transient() && !daemon_shutting_down()) {
			log_warn("saving %d items failed (%s); retrying", b->nids + b->ngone, error);
			for (i = 0; i < b->nids; i++)
				if (strmap_get(gone, b->ids[i]) == NULL && items_find_any(b->ids[i]) != NULL)
					strmap_put(dirty, b->ids[i], (void *)1);
			for (i = 0; i < b->ngone; i++)
				strmap_put(gone, b->gone[i], (void *)1);
			if (first_ms == 0)
				first_ms = last_ms = tick_mono_ms();
			retry_at = tick_mono_ms() + RETRY_MS;
		} else if (transient()) {
			log_error("%d item changes are lost: the database is unavailable at shutdown (%s)",
			    b->nids + b->ngone, error);
		} else {
			log_error("saving %d items failed (%s); saving them one by one", b->nids + b->ngone, error);
			retry_singly(b);
		}
	} else
		log_trace(TRACE_DB, "saved %d items, deleted %d", b->nids, b->ngone);
	if (daemon_shutting_down() && (strmap_count(dirty) > 0 || strmap_count(gone) > 0))
		flush();
	if (b->shutdown_hold)
		daemon_release();
	batch_free(b);
}

static void
flush(void)
{
	struct batch *b;
	struct db_stmt *stmts;
	char **vals;
	struct item *it;
	int i, n = 0;

	if (inflight || (strmap_count(dirty) == 0 && strmap_count(gone) == 0))
		return;
	b = xcalloc(1, sizeof *b);
	strmap_sweep(dirty, collect, b);
	strmap_sweep(gone, collect_gone, b);
	first_ms = last_ms = 0;
	stmts = xcalloc((size_t)(b->nids + b->ngone), sizeof *stmts);
	vals = xcalloc((size_t)(b->nids * UPSERT_PARAMS + b->ngone), sizeof *vals);
	for (i = 0; i < b->nids; i++) {
		if ((it = items_find_any(b->ids[i])) == NULL)
			continue;
		row_values(it, vals + n * UPSERT_PARAMS);
		stmts[n].name = "items_upsert";
		stmts[n].nparams = UPSERT_PARAMS;
		stmts[n].values = (const char *const *)(vals + n * UPSERT_PARAMS);
		n++;
	}
	for (i = 0; i < b->ngone; i++) {
		vals[b->nids * UPSERT_PARAMS + i] = xstrdup(b->gone[i]);
		stmts[n].name = "items_delete";
		stmts[n].nparams = 1;
		stmts[n].values = (const char *const *)(vals + b->nids * UPSERT_PARAMS + i);
		n++;
	}
	if (n > 0) {
		inflight = 1;
		inflight_gone = b->ngone;
		if (daemon_shutting_down()) {
			b->shutdown_hold = 1;
			daemon_hold();
		}
		db_txn(stmts, n, flush_cb, b);
	} else
		batch_free(b);
	free_values(vals, b->nids * UPSERT_PARAMS + b->ngone);
	free(vals);
	free(stmts);
}

void
items_db_tick(uint64_t now)
{
	if (!have_db || inflight || first_ms == 0 || now < retry_at)
		return;
	if (now - last_ms >= (uint64_t)cfg->item_save_debounce_ms ||
	    now - first_ms >= (uint64_t)cfg->item_save_max_delay_ms)
		flush();
}

/* Clean shutdown: everything queued goes out before the database closes. */
static void
items_db_shutdown(void)
{
	if (have_db)
		flush();
}

void
items_db_init(void)
{
	dirty = strmap_new();
	gone = strmap_new();
	have_db = cfg->db_conninfo[0] != '\0';
	db_register("items_upsert",
	    "INSERT INTO items (id, type, title, x, y, carrier_account_id, params, encoding_version, "
	    "  created_by, created_by_name, updated_by, updated_by_name, created_at, updated_at, version) "
	    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, "
	    "  to_timestamp($13::double precision / 1000), to_timestamp($14::double precision / 1000), $15) "
	    "ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, title = EXCLUDED.title, x = EXCLUDED.x, "
	    "  y = EXCLUDED.y, carrier_account_id = EXCLUDED.carrier_account_id, params = EXCLUDED.params, "
	    "  encoding_version = EXCLUDED.encoding_version, created_by = EXCLUDED.created_by, "
	    "  created_by_name = EXCLUDED.created_by_name, updated_by = EXCLUDED.updated_by, "
	    "  updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at, "
	    "  version = EXCLUDED.version", UPSERT_PARAMS);
	/* An item's songs go with it. */
	db_register("items_delete", "WITH s AS (DELETE FROM songs WHERE item_id = $1::uuid) "
	    "DELETE FROM items WHERE id = $1::uuid", 1);
	/*
	 * A song counts against its item's owner: the stored JSON text of the
	 * songs of the owner's items (the one replaced aside) plus this one must
	 * stay within $7 bytes ($7 = 0 or no owner: no limit). Answers whether it
	 * was written, the owner's usage before it, and whether the limit refused it.
	 */
	db_register("songs_save",
	    "WITH u AS (SELECT COALESCE(SUM(octet_length(s.body::text)), 0)::bigint AS used FROM songs s "
	    "  JOIN items i ON i.id = s.item_id WHERE i.created_by = NULLIF($6::bigint, 0) AND s.id <> $1), "
	    "ok AS (SELECT $7::bigint = 0 OR NULLIF($6::bigint, 0) IS NULL "
	    "  OR (SELECT used FROM u) + octet_length($4::jsonb::text) <= $7::bigint AS fits), "
	    "ins AS (INSERT INTO songs (id, item_id, type, body, events, length_ms, saved_by) "
	    "SELECT $1, $2::uuid, $3, b, CASE WHEN jsonb_typeof(b->'events') = 'array' "
	    "  THEN jsonb_array_length(b->'events') ELSE 0 END, "
	    "  CASE WHEN jsonb_typeof(b->'meta'->'recordingLengthMs') = 'number' "
	    "  THEN LEAST(GREATEST((b->'meta'->>'recordingLengthMs')::numeric, -2147483648), 2147483647)::integer END, "
	    "  NULLIF($5::bigint, 0) FROM (SELECT $4::jsonb AS b) v WHERE (SELECT fits FROM ok) "
	    "ON CONFLICT (id) DO UPDATE SET item_id = EXCLUDED.item_id, body = EXCLUDED.body, "
	    "  events = EXCLUDED.events, length_ms = EXCLUDED.length_ms, saved_by = EXCLUDED.saved_by, "
	    "  saved_at = now() WHERE songs.type = EXCLUDED.type RETURNING 1) "
	    "SELECT (SELECT count(*) FROM ins), (SELECT used FROM u), NOT (SELECT fits FROM ok)", 7);
	db_register("songs_delete", "DELETE FROM songs WHERE id = $1 AND type = $2", 2);
	db_register("songs_load", "SELECT body::text FROM songs WHERE id = $1 AND type = ANY($2::text[])", 2);
	daemon_on_shutdown(items_db_shutdown);
}

/* ---- loading ---- */

static void
clamp_cell(int *v)
{
	int g = world_grid_size();

	if (*v < 0)
		*v = 0;
	if (*v >= g)
		*v = g - 1;
}

void
items_db_load(void)
{
	PGconn *conn;
	PGresult *res;
	struct strmap *missing;
	struct item *it;
	int i, n, put_down, kept = 0, *count;

	if (!have_db) {
		log_warn("no db_conninfo: items live in memory only and are lost at exit");
		return;
	}
	conn = PQconnectdb(cfg->db_conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
		fatalx("database: cannot load items: %s", PQerrorMessage(conn));
	/* Carried items of users who are all gone now (after a crash): down where they were last saved. */
	res = PQexec(conn, "UPDATE items SET carrier_account_id = NULL, updated_by = NULL, "
	    "updated_by_name = 'system', updated_at = now() WHERE carrier_account_id IS NOT NULL");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fatalx("database: cannot put down carried items: %s", PQresultErrorMessage(res));
	put_down = atoi(PQcmdTuples(res));
	PQclear(res);
	/* Songs whose item is gone (deleted while a song was being saved, or lost in a crash). */
	res = PQexec(conn, "DELETE FROM songs s WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = s.item_id)");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fatalx("database: cannot sweep songs: %s", PQresultErrorMessage(res));
	if (atoi(PQcmdTuples(res)) > 0)
		log_notice("songs of items that are gone, deleted: %s", PQcmdTuples(res));
	PQclear(res);
	if (put_down > 0)
		log_notice("items still carried after an unclean stop, put down where they were last: %d",
		    put_down);
	res = PQexec(conn, "SELECT id, type, title, x, y, params::text, encoding_version, "
	    "COALESCE(created_by, 0), created_by_name, COALESCE(updated_by, 0), updated_by_name, "
	    "(extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM updated_at) * 1000)::bigint, "
	    "version FROM items ORDER BY created_at, id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fatalx("database: cannot load items: %s", PQresultErrorMessage(res));
	missing = strmap_new();
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		it = xcalloc(1, sizeof *it);
		snprintf(it->id, sizeof it->id, "%s", PQgetvalue(res, i, 0));
		it->type_id = xstrdup(PQgetvalue(res, i, 1));
		it->title = xstrdup(PQgetvalue(res, i, 2));
		it->x = atoi(PQgetvalue(res, i, 3));
		it->y = atoi(PQgetvalue(res, i, 4));
		it->params = json_tokener_parse(PQgetvalue(res, i, 5));
		if (it->params == NULL || !json_object_is_type(it->params, json_type_object)) {
			json_object_put(it->params);
			it->params = json_object_new_object();
		}
		it->encoding_version = atoi(PQgetvalue(res, i, 6));
		it->created_by = strtoll(PQgetvalue(res, i, 7), NULL, 10);
		it->created_by_name = xstrdup(PQgetvalue(res, i, 8));
		it->updated_by = strtoll(PQgetvalue(res, i, 9), NULL, 10);
		it->updated_by_name = xstrdup(PQgetvalue(res, i, 10));
		it->created_at = strtoll(PQgetvalue(res, i, 11), NULL, 10);
		it->updated_at = strtoll(PQgetvalue(res, i, 12), NULL, 10);
		it->version = strtoll(PQgetvalue(res, i, 13), NULL, 10);
		it->type = plugin_type_find(it->type_id);
		if (it->type != NULL && it->type->host == NULL)
			it->type = NULL;
		if (it->type == NULL) {
			/* Kept and reported, never deleted: it comes back when its plugin does. */
			if ((count = strmap_get(missing, it->type_id)) == NULL) {
				count = xcalloc(1, sizeof *count);
				strmap_put(missing, it->type_id, count);
			}
			(*count)++;
			kept++;
		}
		items_add_loaded(it);
		if (!world_in_bounds(it->x, it->y)) {
			/* grid_size shrank: bring it inside. */
			clamp_cell(&it->x);
			clamp_cell(&it->y);
			items_db_dirty(it);
		}
	}
	PQclear(res);
	PQfinish(conn);
	if (kept > 0) {
		TAILQ_FOREACH(it, &items, entry) {
			if (it->type != NULL || (count = strmap_get(missing, it->type_id)) == NULL)
				continue;
			log_warn("items of type %s kept but not shown (no loaded plugin provides that type): %d",
			    it->type_id, *count);
			free(strmap_del(missing, it->type_id));
		}
	}
	strmap_free(missing);
	log_notice("items loaded: %d", n);
}

/* ---- songs (song_save / song_load of the plugin ABI) ---- */

struct song_op {
	char id[201];
	char item_id[37];
	int64_t owner, actor;	/* told when the owner's limit refuses the song */
	size_t bytes;		/* of the song, as sent */
};

/* Tell the players of an account (online) that a song was not kept. */
static void
tell_account(int64_t account, const char *text)
{
	struct player *p;

	if (account == 0)
		return;
	TAILQ_FOREACH(p, &roster, roster_entry)
		if (p->c->session->account_id == account)
			world_system_chat(p->c, "%s", text);
}

static void
song_saved(const PGresult *res, const char *error, void *arg)
{
	struct song_op *op = arg;
	long long used = 0;
	char text[300];

	if (error != NULL)
		log_error("song %s of item %s not saved: %s", op->id, op->item_id, error);
	else if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		used = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
			log_warn("song %s of item %s not saved: its owner (account %lld) holds %lld bytes of songs, and "
			    "%zu more would pass song_account_max_kib (%d)", op->id, op->item_id, (long long)op->owner,
			    used, op->bytes, cfg->song_account_max_kib);
			snprintf(text, sizeof text, "The recording was not saved: the songs of this item's owner would "
			    "pass the %d KiB one account may keep. Delete some of their recordings or items to make room.",
			    cfg->song_account_max_kib);
			tell_account(op->owner, text);
			if (op->actor != op->owner)
				tell_account(op->actor, text);
		} else
			log_warn("song %s of item %s not saved: another item type owns that song id", op->id, op->item_id);
	}
	free(op);
}

static void
song_deleted(const PGresult *res, const char *error, void *arg)
{
	struct song_op *op = arg;

	if (error != NULL)
		log_error("song %s of item %s not deleted: %s", op->id, op->item_id, error);
	free(op);
}

void
items_db_song_save(const struct item *it, const char *song_id, struct json_object *body, int64_t account_id)
{
	struct song_op *op;
	const char *v[7];
	char acct[24], owner[24], limit[24];

	if (!have_db) {
		log_debug("no database: song %s of item %s not kept", song_id, it->id);
		return;
	}
	op = xcalloc(1, sizeof *op);
	snprintf(op->id, sizeof op->id, "%s", song_id);
	snprintf(op->item_id, sizeof op->item_id, "%s", it->id);
	v[0] = song_id;
	if (body == NULL) {
		v[1] = it->type_id;
		db_query("songs_delete", 2, v, song_deleted, op);
		return;
	}
	op->owner = it->created_by;
	op->actor = account_id;
	snprintf(acct, sizeof acct, "%lld", (long long)account_id);
	snprintf(owner, sizeof owner, "%lld", (long long)it->created_by);
	snprintf(limit, sizeof limit, "%lld", (long long)cfg->song_account_max_kib * 1024);
	v[1] = it->id;
	v[2] = it->type_id;
	v[3] = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	v[4] = acct;
	v[5] = owner;
	v[6] = limit;
	op->bytes = strlen(v[3]);
	db_query("songs_save", 7, v, song_saved, op);
}

struct song_load {
	void (*fn)(void *, struct json_object *);
	void *arg;
	char id[201];
};

static void
song_loaded(const PGresult *res, const char *error, void *arg)
{
	struct song_load *l = arg;
	struct json_object *song = NULL;

	if (error != NULL)
		log_error("song %s not loaded: %s", l->id, error);
	else if (PQntuples(res) > 0) {
		song = json_tokener_parse(PQgetvalue(res, 0, 0));
		if (song != NULL && !json_object_is_type(song, json_type_object)) {
			json_object_put(song);
			song = NULL;
		}
	}
	l->fn(l->arg, song);
	json_object_put(song);
	free(l);
}

void
items_db_song_load(const char *song_id, struct json_object *types, void (*fn)(void *, struct json_object *),
    void *arg)
{
	struct song_load *l;
	struct json_object *a;
	struct printbuf *pb;
	const char *v[2];
	size_t i, n;

	if (!have_db) {
		fn(arg, NULL);
		return;
	}
	l = xcalloc(1, sizeof *l);
	l->fn = fn;
	l->arg = arg;
	snprintf(l->id, sizeof l->id, "%s", song_id);
	/* A PostgreSQL array literal of the type ids ([a-z0-9_] only, so no quoting needed). */
	pb = printbuf_new();
	printbuf_strappend(pb, "{");
	n = json_object_array_length(types);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(types, i);
		if (i > 0)
			printbuf_strappend(pb, ",");
		printbuf_memappend(pb, json_object_get_string(a), (int)strlen(json_object_get_string(a)));
	}
	printbuf_strappend(pb, "}");
	v[0] = song_id;
	v[1] = pb->buf;
	db_query("songs_load", 2, v, song_loaded, l);
	printbuf_free(pb);
}
