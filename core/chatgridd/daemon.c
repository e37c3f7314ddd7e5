/*
 * daemon.c: the event base, this start's identity and the graceful stop
 * (daemon.h). It knows no part: what a stop does is what the parts and
 * main.c registered.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "tick.h"
#include "uuid.h"
#include "xmalloc.h"

#define SHUTDOWN_GRACE_MS 3000

struct event_base *cg_base;
char cg_instance_id[UUID_STR_LEN];
unsigned long long cg_start_ms;

static int exit_status;
static int shutting_down;
static uint64_t shutdown_deadline;
static int holds;
static int hooks_ran;
static void (**stop_fns)(int);
static int nstop_fns;
static int (**closing_fns)(void);
static int nclosing_fns;
static int (**drain_fns)(void);
static int ndrain_fns;
static void (**shutdown_fns)(void);
static int nshutdown_fns;
static uint64_t drain_deadline;	/* set once the clients are gone */

const char *
cg_version(void)
{
	const char *v = getenv("CHGRID_SERVER_VERSION");

	return v != NULL && *v != '\0' ? v : PACKAGE_VERSION;
}

void
daemon_init(void)
{
	struct event_config *ecfg;

	/*
	 * One thread runs the loop; the hash workers hand results back through
	 * a pipe (worker.c) and never touch libevent, so the base takes no locks.
	 */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK) != 0 ||
	    (cg_base = event_base_new_with_config(ecfg)) == NULL)
		fatalx("cannot create the event loop");
	event_config_free(ecfg);
	uuid_make(cg_instance_id);
	cg_start_ms = tick_mono_ms();
}

/* The sum of what the checks return (open connections, busy parts). */
static int
sum(int (**fns)(void), int n)
{
	int i, total = 0;

	for (i = 0; i < n; i++)
		total += fns[i]();
	return total;
}

void
daemon_on_stop(void (*fn)(int status))
{
	stop_fns = xreallocarray(stop_fns, (size_t)nstop_fns + 1, sizeof *stop_fns);
	stop_fns[nstop_fns++] = fn;
}

void
daemon_on_closing(int (*open)(void))
{
	closing_fns = xreallocarray(closing_fns, (size_t)nclosing_fns + 1, sizeof *closing_fns);
	closing_fns[nclosing_fns++] = open;
}

void
daemon_on_drain(int (*busy)(void))
{
	drain_fns = xreallocarray(drain_fns, (size_t)ndrain_fns + 1, sizeof *drain_fns);
	drain_fns[ndrain_fns++] = busy;
}

void
daemon_on_shutdown(void (*fn)(void))
{
	shutdown_fns = xreallocarray(shutdown_fns, (size_t)nshutdown_fns + 1, sizeof *shutdown_fns);
	shutdown_fns[nshutdown_fns++] = fn;
}

void
daemon_hold(void)
{
	holds++;
}

void
daemon_release(void)
{
	if (--holds == 0 && hooks_ran)
		event_base_loopexit(cg_base, NULL);
}

int
daemon_shutting_down(void)
{
	return shutting_down;
}

int
daemon_exit_status(void)
{
	return exit_status;
}

/*
 * Wait for the clients' close handshakes, then for the work their leaving
 * started (a plugin saving a player's recording), then run the flush hooks.
 */
static void
shutdown_step(uint64_t now, void *arg)
{
	int i, open;

	if (hooks_ran)
		return;
	open = sum(closing_fns, nclosing_fns);
	if (open && now < shutdown_deadline)
		return;
	if (drain_deadline == 0) {
		if (open > 0)
			log_notice("%d connections did not close in time", open);
		drain_deadline = now + SHUTDOWN_GRACE_MS;
	}
	if (sum(drain_fns, ndrain_fns) > 0) {
		if (now < drain_deadline)
			return;
		log_notice("work started by the clients' leaving still unfinished after %d ms; stopping anyway",
		    SHUTDOWN_GRACE_MS);
	}
	hooks_ran = 1;
	holds++;
	for (i = 0; i < nshutdown_fns; i++)
		shutdown_fns[i]();
	daemon_release();
}

void
daemon_shutdown(int status)
{
	int i;

	if (shutting_down)
		return;
	shutting_down = 1;
	exit_status = status;
	log_notice("shutting down");
	for (i = 0; i < nstop_fns; i++)
		stop_fns[i](status);
	shutdown_deadline = tick_mono_ms() + SHUTDOWN_GRACE_MS;
	tick_add("shutdown", 20, shutdown_step, NULL);
}
