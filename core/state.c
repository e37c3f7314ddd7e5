/* state.c: write-behind of account_state rows, off the tick. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "client.h"
#include "db.h"
#include "log.h"
#include "main.h"
#include "state.h"
#include "tick.h"
#include "world.h"

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
	if (main_shutting_down() && shutdown_writes > 0) {
		shutdown_writes--;
		main_release();
	}
}

static void
save(struct player *p)
{
	char id[24], x[16], y[16];
	const char *v[4];

	if (p->c->account_deleted) {
		p->dirty_since_ms = 0;
		return;
	}
	snprintf(id, sizeof id, "%lld", (long long)p->c->account_id);
	snprintf(x, sizeof x, "%d", p->x);
	snprintf(y, sizeof y, "%d", p->y);
	v[0] = id;
	v[1] = p->nickname;
	v[2] = x;
	v[3] = y;
	p->dirty_since_ms = 0;
	if (main_shutting_down()) {
		shutdown_writes++;
		main_hold();
	}
	db_query("state_save", 4, v, saved_cb, strdup(id));
}

void
state_flush_now(struct player *p)
{
	/* Always at departure: the position may have changed without a touch (spawn). */
	save(p);
}

static void
state_tick(uint64_t now, void *arg)
{
	struct player *p;

	TAILQ_FOREACH(p, &roster, roster_entry) {
		if (p->dirty_since_ms == 0)
			continue;
		if (now - p->dirty_last_ms >= (uint64_t)cfg->state_debounce_ms ||
		    now - p->dirty_since_ms >= (uint64_t)cfg->state_max_delay_ms)
			save(p);
	}
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
	tick_add("account state write-behind", 100, state_tick, NULL);
	main_on_shutdown(state_shutdown);
}
