/*
 * sweep.c: the expiry sweep of sessions. A session row is looked up by its
 * token's HMAC at every resume; once past expires_at it can only answer
 * "expired", so it is deleted (revoked sessions too, once expired: until
 * then a resume must still hear that it was revoked). One statement at a
 * time, bounded, from the loop's tick.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cfg.h"
#include "db/db.h"
#include "log.h"
#include "sweep.h"
#include "tick.h"

/* After a full batch: the next one this soon. */
#define AGAIN_MS 1000

static uint64_t next_ms;
static int inflight;

static void
swept(const PGresult *res, const char *error, void *arg)
{
	long long n = 0;

	(void)arg;
	inflight = 0;
	if (error != NULL) {
		log_warn("sweeping expired sessions failed (%s); trying again at the next sweep", error);
		return;
	}
	if (PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (n > 0)
		log_info("expired sessions deleted: %lld", n);
	/* A full batch: more may wait. */
	if (n >= cfg->session_sweep_batch)
		next_ms = tick_mono_ms() + AGAIN_MS;
}

static void
sweep_tick(uint64_t now, void *arg)
{
	char batch[16];
	const char *v[1] = { batch };

	(void)arg;
	if (inflight || now < next_ms || !db_available())
		return;
	next_ms = now + (uint64_t)cfg->session_sweep_interval_s * 1000;
	snprintf(batch, sizeof batch, "%d", cfg->session_sweep_batch);
	inflight = 1;
	db_query("sessions_sweep", 1, v, swept, NULL);
}

void
sweep_init(void)
{
	if (cfg->db_conninfo[0] == '\0')
		return;
	/* Oldest first, by the expires_at index; ids picked first so the delete is bounded. */
	db_register("sessions_sweep",
	    "WITH d AS (DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() "
	    "  ORDER BY expires_at LIMIT $1::integer) RETURNING 1) SELECT count(*) FROM d", 1);
	tick_add("session expiry sweep", 1000, sweep_tick, NULL);
}
