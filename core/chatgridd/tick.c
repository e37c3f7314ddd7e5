/*
 * tick.c: the one periodic timer. Modules hang periodic work off it instead
 * of arming timers of their own, so all periodic work runs in one place, in
 * a known order, on the monotonic clock.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "tick.h"
#include "xmalloc.h"

struct tick_job {
	const char *name;
	int interval_ms;
	uint64_t next_ms;
	tick_fn fn;
	void *arg;
	int live;
};

static struct event *tick_ev;
static struct tick_job *jobs;
static int njobs;
static int tick_period_ms = 100;

/* The loop's lateness: when the tick last ran, and the worst lag lately. */
#define TICK_LAG_MEMORY_MS 5000
static uint64_t tick_last_ms, tick_worst_lag_ms, tick_worst_lag_at_ms;

static uint64_t
tick_late_ms(uint64_t now)
{
	uint64_t due = tick_last_ms + (uint64_t)tick_period_ms;

	return tick_last_ms != 0 && now > due ? now - due : 0;
}

uint64_t
tick_lag_ms(uint64_t now)
{
	uint64_t late = tick_late_ms(now);

	if (now - tick_worst_lag_at_ms <= TICK_LAG_MEMORY_MS && tick_worst_lag_ms > late)
		return tick_worst_lag_ms;
	return late;
}

uint64_t
tick_mono_ms(void)
{
	return clock_mono_ms();
}

uint64_t
tick_wall_ms(void)
{
	return clock_wall_ms();
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = tick_mono_ms(), late = tick_late_ms(now), t0 = metrics_now_ns();
	int i;

	if (late >= tick_worst_lag_ms || now - tick_worst_lag_at_ms > TICK_LAG_MEMORY_MS) {
		tick_worst_lag_ms = late;
		tick_worst_lag_at_ms = now;
	}
	tick_last_ms = now;
	/* Jobs may be added while we run; njobs is re-read each round. */
	for (i = 0; i < njobs; i++) {
		if (!jobs[i].live || now < jobs[i].next_ms)
			continue;
		jobs[i].next_ms = now + (uint64_t)jobs[i].interval_ms;
		log_trace(TRACE_TICK, "running %s", jobs[i].name);
		jobs[i].fn(now, jobs[i].arg);
	}
	metrics_observe(&cg_metrics.tick, metrics_now_ns() - t0);
}

void
tick_start(struct event_base *base, int period_ms)
{
	struct timeval tv;

	tick_period_ms = period_ms > 0 ? period_ms : 100;
	tv.tv_sec = tick_period_ms / 1000;
	tv.tv_usec = (tick_period_ms % 1000) * 1000;
	if (tick_ev != NULL)
		event_free(tick_ev);
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (tick_ev == NULL || event_add(tick_ev, &tv) != 0)
		fatalx("cannot start the tick timer");
}

void
tick_stop(void)
{
	if (tick_ev != NULL)
		event_free(tick_ev);
	tick_ev = NULL;
}

int
tick_add(const char *name, int interval_ms, tick_fn fn, void *arg)
{
	int i;

	for (i = 0; i < njobs; i++)
		if (!jobs[i].live)
			break;
	if (i == njobs)
		jobs = xreallocarray(jobs, (size_t)++njobs, sizeof *jobs);
	jobs[i].name = name;
	jobs[i].interval_ms = interval_ms > 0 ? interval_ms : 1;
	jobs[i].next_ms = tick_mono_ms() + (uint64_t)jobs[i].interval_ms;
	jobs[i].fn = fn;
	jobs[i].arg = arg;
	jobs[i].live = 1;
	return i;
}

void
tick_remove(int handle)
{
	if (handle >= 0 && handle < njobs)
		jobs[handle].live = 0;
}
