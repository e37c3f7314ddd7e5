/*
 * host-int.h: inside the pluginhost part only (nothing outside it includes
 * this). The host record and what the part's files share about it:
 *
 *   pluginhost.c  finding plugins (start-up, SIGHUP rescan) and the handshake
 *   supervise.c   host processes: spawn, kill, teardown, restart with
 *                 backoff, reaping, shutdown, metrics, plugin_init
 *   rpc.c         frames from a host, requests and replies with timeouts
 *   songs.c       song loads a host asks the core for
 *   plugin-types.c  the item type registry (plugin-types.h)
 */
#ifndef CG_PLUGINHOST_HOST_INT_H
#define CG_PLUGINHOST_HOST_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "ipc.h"
#include "metrics.h"
#include "pluginhost.h"

struct bufferevent;

enum host_state {
	H_STARTING,		/* hello sent, waiting for the types */
	H_READY,
	H_DOWN,			/* waiting to be restarted */
};

struct pending {
	uint32_t id;
	uint64_t deadline;
	uint64_t t_ns;		/* when it was sent, for the request-time histogram */
	const char *label;	/* the type's (types are never freed) */
	plugin_cb cb;
	void *arg;
	TAILQ_ENTRY(pending) entry;
};
TAILQ_HEAD(pending_list, pending);

struct plugin_host {
	char *path;		/* owned */
	char *file;		/* basename, for logs; owned */
	pid_t pid;		/* 0 when none */
	int fd;			/* -1 when none */
	struct bufferevent *bev;	/* owned; NULL when down */
	struct ipc_reader rd;
	enum host_state state;
	int loaded;		/* has answered a handshake once */
	uint32_t next_id;
	uint32_t hello_id;
	uint64_t hello_deadline;
	struct pending_list pending;
	int failures;		/* consecutive, for the backoff */
	uint64_t ready_since;
	uint64_t restart_at;
	uint64_t killed_at;	/* SIGKILL sent, teardown pending */
	char *kill_reason;	/* why it was killed (owned), for the log */
	uint64_t restarts;	/* host processes started after the first */
	uint64_t timeouts;	/* requests unanswered within plugin_timeout_ms */
	uint64_t spawns;
	struct metrics_hist req;	/* request -> reply */
	TAILQ_ENTRY(plugin_host) entry;
};
TAILQ_HEAD(host_list, plugin_host);

/* Every host, in the order they were found (pluginhost.c). */
extern struct host_list plugin_hosts;

/* ---- supervise.c ---- */

/* The handshake's time limit: plugin_timeout_ms, at least START_TIMEOUT_MIN_MS. */
int host_start_timeout_ms(void);
/* Fork and exec the host for h; sets h->pid and h->fd (blocking). 0 or -1 (logged). */
int host_spawn(struct plugin_host *);
/* Kill a misbehaving host; host_down follows at its EOF (or after a grace period). */
void host_kill(struct plugin_host *, const char *why);
/* The single teardown: fail what waits, close, and schedule a restart. */
void host_down(struct plugin_host *, const char *why);
/* Start h's host and send the hello without waiting (restarts, rescans). */
void host_spawn_async(struct plugin_host *);

/* ---- rpc.c ---- */

/* A log line a host sent (IPC_LOG), logged under its file name. */
void host_log_frame(struct plugin_host *, const struct cg_value *msg);
/* Fail one pending request now ("<label> is temporarily unavailable."). */
void host_fail_now(struct pending *);
/* Put h's socket on the event loop (reads frames, tears down at EOF). */
void host_attach(struct plugin_host *);
/* Requests still in flight to a running host (the drain hook). */
int plugin_busy(void);

/* ---- pluginhost.c ---- */

/* The hello frame for h (the plugin's options); sets h->hello_id. */
void host_send_hello(struct plugin_host *, uint8_t **frame, size_t *len);

/* ---- songs.c ---- */

/* IPC_SONG_LOAD: the host's types limit which songs it may read. */
void host_song_load(struct plugin_host *, uint32_t id, const struct cg_value *msg);

#endif
