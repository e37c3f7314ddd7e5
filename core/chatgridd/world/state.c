/* state.c: write-behind of account_state rows, off the tick. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/session.h"
#include "cfg.h"
#include "daemon.h"
#include "db/db.h"
#include "log.h"
#include "net/client.h"
#include "state.h"
#include "tick.h"
#include "world.h"
#include "xmalloc.h"

static int shutdown_writes;	/* saves in flight during shutdown */

void
state_touch(struct player *p)
{
	uint64_t now = tick_mono_ms();

	if (p->dirty_since_ms == 0)
		p->dirty_since_ms = now;
	p->dirty_last_ms = now;
}

static void
saved_cb(const PGresult *res, const char *error, void *arg)
{
	char *who = arg;

	if (error != NULL)
		log_warn("saving the state of account %s failed: %s", who, error);
	free(who);
	if (daemon_shutting_down() && shutdown_writes > 0) {
		shutdown_writes--;
		daemon_release();
	}
}

static void
save(struct player *p)
{
	char id[24], x[16], y[16];
	const char *v[4];

	if (p->c->session->account_deleted) {
		p->dirty_since_ms = 0;
		return;
	}
	snprintf(id, sizeof id, "%lld", (long long)p->c->session->account_id);
	snprintf(x, sizeof x, "%d", p->x);
	snprintf(y, sizeof y, "%d", p->y);
	v[0] = id;
	v[1] = p->nickname;
	v[2] = x;
	v[3] = y;
	p->dirty_since_ms = 0;
	if (daemon_shutting_down()) {
		shutdown_writes++;
		daemon_hold();
	}
	db_query("state_save", 4, v, saved_cb, strdup(id));
}

void
state_flush_now(struct player *p)
{
	/* Always at departure: the position may have changed without a touch (spawn). */
	save(p);
}

/* A growing PostgreSQL array literal: {"a","b"}. */
struct arr {
	char *s;
	size_t len, cap;
};

static void
arr_add(struct arr *a, const char *v)
{
	size_t need = a->len + 2 * strlen(v) + 4;

	if (need + 2 > a->cap) {
		a->cap = (need + 2) * 2;
		a->s = xrealloc(a->s, a->cap);
	}
	a->s[a->len] = a->len == 0 ? '{' : ',';
	a->len++;
	a->s[a->len++] = '"';
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			a->s[a->len++] = '\\';
		a->s[a->len++] = *v;
	}
	a->s[a->len++] = '"';
	a->s[a->len] = '\0';
}

static const char *
arr_done(struct arr *a)
{
	if (a->len == 0)
		arr_add(a, "");
	a->s[a->len++] = '}';
	a->s[a->len] = '\0';
	return a->s;
}

/*
 * Every player due for a save this tick goes into one statement: with
 * thousands of players moving, one statement per player would be the
 * database's busiest work.
 */
static void
state_tick(uint64_t now, void *arg)
{
	struct arr ids = { 0 }, nicks = { 0 }, xs = { 0 }, ys = { 0 };
	struct player *p;
	char num[24];
	const char *v[4];
	int n = 0;

	TAILQ_FOREACH(p, &roster, roster_entry) {
		if (p->dirty_since_ms == 0 || p->c->session->account_deleted)
			continue;
		if (now - p->dirty_last_ms < (uint64_t)cfg->state_debounce_ms &&
		    now - p->dirty_since_ms < (uint64_t)cfg->state_max_delay_ms)
			continue;
		snprintf(num, sizeof num, "%lld", (long long)p->c->session->account_id);
		arr_add(&ids, num);
		arr_add(&nicks, p->nickname);
		snprintf(num, sizeof num, "%d", p->x);
		arr_add(&xs, num);
		snprintf(num, sizeof num, "%d", p->y);
		arr_add(&ys, num);
		p->dirty_since_ms = 0;
		n++;
	}
	if (n > 0) {
		v[0] = arr_done(&ids);
		v[1] = arr_done(&nicks);
		v[2] = arr_done(&xs);
		v[3] = arr_done(&ys);
		db_query("state_save_many", 4, v, saved_cb, xstrdup("(batch)"));
	}
	free(ids.s);
	free(nicks.s);
	free(xs.s);
	free(ys.s);
}

/* Clean shutdown: everything unsaved goes out before the database closes. */
static void
state_shutdown(void)
{
	struct player *p;

	TAILQ_FOREACH(p, &roster, roster_entry)
		save(p);
}

void
state_init(void)
{
	db_register("state_save",
	    "INSERT INTO account_state (account_id, last_nickname, last_x, last_y, updated_at) "
	    "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (account_id) DO UPDATE SET "
	    "last_nickname = EXCLUDED.last_nickname, last_x = EXCLUDED.last_x, "
	    "last_y = EXCLUDED.last_y, updated_at = now()", 4);
	db_register("state_save_many",
	    "INSERT INTO account_state (account_id, last_nickname, last_x, last_y, updated_at) "
	    "SELECT id, nick, x, y, now() FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[]) "
	    "AS t(id, nick, x, y) ON CONFLICT (account_id) DO UPDATE SET "
	    "last_nickname = EXCLUDED.last_nickname, last_x = EXCLUDED.last_x, "
	    "last_y = EXCLUDED.last_y, updated_at = now()", 4);
	tick_add("account state write-behind", 100, state_tick, NULL);
	daemon_on_shutdown(state_shutdown);
}
