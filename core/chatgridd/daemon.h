/*
 * daemon.h: the running daemon as the parts see it: the event base, who
 * this start is, and the graceful stop. main.c sets it up and wires the
 * parts to it; the parts use it and never main.c.
 *
 * A stop goes in four steps: the stop hooks run (stop listening, close the
 * clients with a reason); the stop waits, up to a grace period, while a
 * closing check says connections are still open and then while a drain
 * check says work their leaving started is unfinished; the shutdown hooks
 * run (final writes), each holding the loop open with daemon_hold() until
 * its work calls daemon_release(); then the loop ends.
 */
#ifndef CG_DAEMON_H
#define CG_DAEMON_H

struct event_base;

extern struct event_base *cg_base;
/* Random per start (UUID), so clients can tell that the server restarted. */
extern char cg_instance_id[37];	/* UUID_STR_LEN */
/* Monotonic milliseconds at start, for uptime. */
extern unsigned long long cg_start_ms;
/* The version clients compare with their own (CHGRID_SERVER_VERSION overrides). */
const char *cg_version(void);

/* Make the event base, the instance id and the start time. */
void daemon_init(void);

/* At the start of a stop, with its exit status (stop serving, close clients). */
void daemon_on_stop(void (*fn)(int status));
/* How many connections are still closing; the stop waits for them. */
void daemon_on_closing(int (*open)(void));
/*
 * Before the shutdown hooks run, once the clients are closed, the stop
 * waits (up to a grace period) while busy() returns nonzero: work that the
 * clients' leaving started and that the hooks would cut short.
 */
void daemon_on_drain(int (*busy)(void));
/*
 * Work to finish before exit (flushing writes). fn runs once the clients
 * are closed; it calls daemon_hold() for each piece of asynchronous work
 * and daemon_release() when that work is done.
 */
void daemon_on_shutdown(void (*fn)(void));
void daemon_hold(void);
void daemon_release(void);
/* Begin a graceful stop that ends with this exit status. */
void daemon_shutdown(int status);
int daemon_shutting_down(void);
/* The status the stop ends with (0 unless a restart was asked for). */
int daemon_exit_status(void);

#endif
