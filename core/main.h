/* main.h: process-wide state and the shutdown sequence. */
#ifndef CG_MAIN_H
#define CG_MAIN_H

struct event_base;

extern struct event_base *cg_base;
/* Random per start (UUID), so clients can tell that the server restarted. */
extern char cg_instance_id[37];
/* Monotonic milliseconds at start, for uptime. */
extern unsigned long long cg_start_ms;
/* The version clients compare with their own (CHGRID_SERVER_VERSION overrides). */
const char *cg_version(void);

/*
 * Work to finish before exit (flushing writes). fn runs once the clients
 * are closed; it calls main_hold() for each piece of asynchronous work
 * and main_release() when that work is done.
 */
void main_on_shutdown(void (*fn)(void));
/*
 * Before those hooks run, once the clients are closed, the shutdown waits
 * (up to a grace period) while busy() returns nonzero: work that the
 * clients' leaving started and that the hooks would cut short.
 */
void main_on_drain(int (*busy)(void));
void main_hold(void);
void main_release(void);
/* Begin a graceful shutdown that ends with this exit status. */
void main_shutdown(int status);
int main_shutting_down(void);

#endif
