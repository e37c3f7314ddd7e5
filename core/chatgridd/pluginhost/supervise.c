/*
 * supervise.c: the host processes. Spawning one (its own process group,
 * nothing of the daemon's but the log and its socket), killing one that
 * misbehaves, the single teardown (host_down) with the restart backoff,
 * reaping, the supervision tick (handshake and request timeouts, restarts),
 * the orderly shutdown that lets plugins clean up, the per-plugin metrics,
 * and plugin_init, which hooks all of that into the daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cfg.h"
#include "daemon.h"
#include "host-int.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "pluginhost.h"
#include "tick.h"
#include "xmalloc.h"

#define BACKOFF_MIN_MS 200
#define STABLE_MS 30000		/* a host up this long starts its backoff afresh */
#define KILL_GRACE_MS 1000	/* after SIGKILL, EOF should follow; tear down anyway after this */
#define START_TIMEOUT_MIN_MS 5000
#define SHUTDOWN_GRACE_MS 5000	/* for hosts to run the plugin's cleanup and exit */

static struct event *sigchld_ev;
struct reap {
	pid_t pid;
	char *file;		/* owned */
};
static struct reap *reap;	/* hosts torn down, not reaped yet */
static int nreap;

/* ---- hosts: spawning ---- */

static int
mono_due(uint64_t t, uint64_t now)
{
	return t != 0 && now >= t;
}

int
host_start_timeout_ms(void)
{
	return cfg->plugin_timeout_ms > START_TIMEOUT_MIN_MS ? cfg->plugin_timeout_ms : START_TIMEOUT_MIN_MS;
}

/*
 * Fork and exec the host for h; sets h->pid and h->fd (blocking). 0 or -1 (logged).
 *
 * The host leads a process group of its own, so that a signal meant for the
 * daemon's group (Ctrl-C, a closing terminal's SIGHUP, kill -TERM -pgid)
 * leaves it alone: the daemon's orderly shutdown still needs it (players
 * leave, the plugin saves, cg_plugin_cleanup runs). A new group rather than
 * ignored signals: any signal a group may get is covered (SIGQUIT and
 * SIGTSTP too), nothing ignored is inherited by what a plugin starts, and a
 * host can still be stopped by hand with SIGTERM. systemd signals a unit by
 * cgroup, not by group: chatgridd.service sets KillMode=mixed for that. The
 * host exits when the daemon closes its socket; the parent-death signal,
 * set here before exec so no window is left, is the backstop.
 */
int
host_spawn(struct plugin_host *h)
{
	int sv[2], fd, maxfd;
	pid_t pid, parent = getpid();
	sigset_t all;

	maxfd = sysconf(_SC_OPEN_MAX) > 0 && sysconf(_SC_OPEN_MAX) < 1048576 ? (int)sysconf(_SC_OPEN_MAX) : 65536;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_error("plugin %s: socketpair: %s", h->file, strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		log_error("plugin %s: fork: %s", h->file, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here to exec: the daemon has threads. */
		setpgid(0, 0);
#ifdef __linux__
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
#else
		(void)parent;
#endif
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		/*
		 * Out of the terminal's foreground group, a write to the log on 2
		 * (a terminal, with chatgridd -f) would stop the host under
		 * "stty tostop"; with SIGTTOU ignored the write goes through.
		 */
		signal(SIGTTOU, SIG_IGN);
		if (sv[1] == IPC_HOST_FD)
			fcntl(IPC_HOST_FD, F_SETFD, 0);
		else if (dup2(sv[1], IPC_HOST_FD) < 0)
			_exit(127);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		/* Nothing of the daemon's but the log on 2 and the socket on 3. */
#ifdef SYS_close_range
		if (syscall(SYS_close_range, (unsigned)IPC_HOST_FD + 1, ~0U, 0) != 0)
#endif
			for (fd = IPC_HOST_FD + 1; fd < maxfd; fd++)
				close(fd);
		execl(cfg->itemhost, "chatgrid-itemhost", h->path, (char *)NULL);
		_exit(127);
	}
	/* Also from this side, so that no group signal after fork() can reach it (as shells do). */
	if (setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH)
		log_warn("plugin %s: setpgid: %s", h->file, strerror(errno));
	close(sv[1]);
	h->pid = pid;
	h->fd = sv[0];
	ipc_reader_free(&h->rd);
	ipc_reader_init(&h->rd);
	log_debug("plugin %s: host started (pid %ld)", h->file, (long)pid);
	return 0;
}

/* Kill a misbehaving host; host_down follows at its EOF (or after a grace period). */
void
host_kill(struct plugin_host *h, const char *why)
{
	if (h->killed_at != 0 || h->pid <= 0)
		return;
	if (h->loaded)
		log_warn("plugin %s: %s; killing its host (pid %ld)", h->file, why, (long)h->pid);
	else
		log_debug("plugin %s: %s; killing its host (pid %ld)", h->file, why, (long)h->pid);
	free(h->kill_reason);
	h->kill_reason = xstrdup(why);
	kill(h->pid, SIGKILL);
	h->killed_at = tick_mono_ms();
}

/* The single teardown: fail what waits, close, and schedule a restart. */
void
host_down(struct plugin_host *h, const char *reason)
{
	struct pending *p;
	uint64_t now = tick_mono_ms(), backoff;
	char why[512];
	int shift;

	if (h->bev == NULL)
		return;
	/* reason may be h->kill_reason, freed below. */
	snprintf(why, sizeof why, "%s", reason);
	bufferevent_free(h->bev);
	h->bev = NULL;
	h->fd = -1;
	if (h->pid > 0) {
		/* It may still run (EOF from a closed socket): make sure, and reap later. */
		kill(h->pid, SIGKILL);
		reap = xreallocarray(reap, (size_t)nreap + 1, sizeof *reap);
		reap[nreap].pid = h->pid;
		reap[nreap++].file = xstrdup(h->file);
		h->pid = 0;
	}
	h->killed_at = 0;
	free(h->kill_reason);
	h->kill_reason = NULL;
	ipc_reader_free(&h->rd);
	ipc_reader_init(&h->rd);
	if (h->state == H_READY && now - h->ready_since >= STABLE_MS)
		h->failures = 0;
	h->state = H_DOWN;
	while ((p = TAILQ_FIRST(&h->pending)) != NULL) {
		TAILQ_REMOVE(&h->pending, p, entry);
		host_fail_now(p);
		free(p);
	}
	if (daemon_shutting_down())
		return;
	if (!h->loaded) {
		/* Never came up (a new file on SIGHUP): reported already; a later SIGHUP may retry. */
		log_error("plugin %s: cannot load: %s", h->path, why);
		TAILQ_REMOVE(&plugin_hosts, h, entry);
		free(h->path);
		free(h->file);
		free(h);
		return;
	}
	shift = h->failures < 16 ? h->failures : 16;
	backoff = (uint64_t)BACKOFF_MIN_MS << shift;
	if (backoff > (uint64_t)cfg->plugin_restart_max_backoff_ms)
		backoff = (uint64_t)cfg->plugin_restart_max_backoff_ms;
	h->failures++;
	h->restart_at = now + backoff;
	log_warn("plugin %s: host down (%s); restarting in %llu ms", h->file, why,
	    (unsigned long long)backoff);
}

void
host_spawn_async(struct plugin_host *h)
{
	uint8_t *f;
	size_t len;

	h->restart_at = 0;
	if (host_spawn(h) != 0) {
		if (!h->loaded) {
			log_error("plugin %s: cannot load: its host could not be started", h->path);
			TAILQ_REMOVE(&plugin_hosts, h, entry);
			free(h->path);
			free(h->file);
			free(h);
			return;
		}
		h->state = H_DOWN;
		h->failures++;
		h->restart_at = tick_mono_ms() + (uint64_t)cfg->plugin_restart_max_backoff_ms;
		return;
	}
	h->state = H_STARTING;
	if (h->loaded)
		h->restarts++;
	host_attach(h);
	host_send_hello(h, &f, &len);
	bufferevent_write(h->bev, f, len);
	free(f);
	h->hello_deadline = tick_mono_ms() + (uint64_t)host_start_timeout_ms();
}

/* ---- supervision ---- */

static void
reap_children(void)
{
	struct plugin_host *h;
	int i, st;
	pid_t r;

	for (i = 0; i < nreap;) {
		r = waitpid(reap[i].pid, &st, WNOHANG);
		if (r == reap[i].pid || (r < 0 && errno == ECHILD)) {
			/* SIGKILL is ours; anything else is how it died. */
			if (r > 0 && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
				log_warn("plugin %s: host (pid %ld) died of signal %d", reap[i].file, (long)reap[i].pid,
				    WTERMSIG(st));
			free(reap[i].file);
			reap[i] = reap[--nreap];
		} else
			i++;
	}
	TAILQ_FOREACH(h, &plugin_hosts, entry) {
		if (h->pid <= 0)
			continue;
		r = waitpid(h->pid, &st, WNOHANG);
		if (r != h->pid)
			continue;
		if (WIFSIGNALED(st))
			log_warn("plugin %s: host (pid %ld) died of signal %d", h->file, (long)h->pid, WTERMSIG(st));
		else
			log_info("plugin %s: host (pid %ld) exited with status %d", h->file, (long)h->pid,
			    WEXITSTATUS(st));
		h->pid = 0;
	}
}

static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	reap_children();
}

static void
plugin_tick(uint64_t now, void *arg)
{
	struct plugin_host *h, *next;
	struct pending *p;
	char why[128];

	for (h = TAILQ_FIRST(&plugin_hosts); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->killed_at != 0 && now - h->killed_at >= KILL_GRACE_MS) {
			host_down(h, h->kill_reason != NULL ? h->kill_reason : "killed");
			continue;
		}
		if (h->killed_at != 0)
			continue;
		if (h->state == H_STARTING && mono_due(h->hello_deadline, now)) {
			snprintf(why, sizeof why, "no answer to the handshake within %d ms", host_start_timeout_ms());
			host_kill(h, why);
			continue;
		}
		if (h->state == H_READY && (p = TAILQ_FIRST(&h->pending)) != NULL && now >= p->deadline) {
			snprintf(why, sizeof why, "request %u unanswered after %d ms", p->id, cfg->plugin_timeout_ms);
			h->timeouts++;
			host_kill(h, why);
			continue;
		}
		if (h->state == H_DOWN && mono_due(h->restart_at, now) && !daemon_shutting_down())
			host_spawn_async(h);
	}
	if (nreap > 0)
		reap_children();
}

static void
plugin_shutdown(void)
{
	struct reap *waiting = NULL;
	struct plugin_host *h;
	uint64_t deadline;
	int i, st, nwaiting = 0, killed = 0;
	pid_t r;

	if (sigchld_ev != NULL) {
		event_free(sigchld_ev);
		sigchld_ev = NULL;
	}
	/*
	 * Closing the socket makes a host run the plugin's cleanup and exit;
	 * give them all SHUTDOWN_GRACE_MS together before SIGKILL.
	 */
	TAILQ_FOREACH(h, &plugin_hosts, entry) {
		if (h->bev == NULL)
			continue;
		/* One already killed for misbehaving is reaped as usual, not blamed here. */
		if (h->pid > 0 && h->killed_at == 0) {
			waiting = xreallocarray(waiting, (size_t)nwaiting + 1, sizeof *waiting);
			waiting[nwaiting].pid = h->pid;
			waiting[nwaiting++].file = xstrdup(h->file);
			h->pid = 0;	/* host_down must not kill it */
		}
		/* libevent may close the descriptor only later, from the loop: EOF now. */
		if (h->fd >= 0)
			shutdown(h->fd, SHUT_RDWR);
		host_down(h, "shutting down");
		h->restart_at = 0;
	}
	deadline = tick_mono_ms() + SHUTDOWN_GRACE_MS;
	while (nwaiting > 0) {
		for (i = 0; i < nwaiting;) {
			/* Block only once the stragglers were sent SIGKILL. */
			r = waitpid(waiting[i].pid, &st, killed ? 0 : WNOHANG);
			if (r == 0 || (r < 0 && errno == EINTR)) {
				i++;
				continue;
			}
			if (r == waiting[i].pid && WIFSIGNALED(st))
				log_error("plugin %s: host (pid %ld) died of signal %d while shutting down",
				    waiting[i].file, (long)waiting[i].pid, WTERMSIG(st));
			else if (r == waiting[i].pid && WEXITSTATUS(st) != 0)
				log_error("plugin %s: host (pid %ld) exited with status %d while shutting down",
				    waiting[i].file, (long)waiting[i].pid, WEXITSTATUS(st));
			free(waiting[i].file);
			waiting[i] = waiting[--nwaiting];
		}
		if (nwaiting == 0)
			break;
		if (!killed && tick_mono_ms() >= deadline) {
			for (i = 0; i < nwaiting; i++) {
				log_warn("plugin %s: host (pid %ld) still running %d ms after the core closed its "
				    "socket; killed", waiting[i].file, (long)waiting[i].pid, SHUTDOWN_GRACE_MS);
				kill(waiting[i].pid, SIGKILL);
			}
			killed = 1;
			continue;
		}
		usleep(10000);
	}
	free(waiting);
}

/* Per plugin file: up, restarts, timeouts and request times, for /metrics. */
static void
plugin_metrics(struct metrics_out *o)
{
	struct plugin_host *h;
	char l[300];

	metrics_family(o, "chatgrid_plugin_up", "gauge", "1 while the plugin's host process is ready.");
	TAILQ_FOREACH(h, &plugin_hosts, entry)
		metrics_sample(o, "chatgrid_plugin_up", metrics_label(l, sizeof l, "plugin", h->file),
		    h->state == H_READY && h->killed_at == 0);
	metrics_family(o, "chatgrid_plugin_restarts_total", "counter",
	    "Host processes started again after one stopped.");
	TAILQ_FOREACH(h, &plugin_hosts, entry)
		metrics_sample(o, "chatgrid_plugin_restarts_total", metrics_label(l, sizeof l, "plugin", h->file),
		    (double)h->restarts);
	metrics_family(o, "chatgrid_plugin_timeouts_total", "counter",
	    "Requests unanswered within plugin_timeout_ms (the host is then restarted).");
	TAILQ_FOREACH(h, &plugin_hosts, entry)
		metrics_sample(o, "chatgrid_plugin_timeouts_total", metrics_label(l, sizeof l, "plugin", h->file),
		    (double)h->timeouts);
	metrics_family(o, "chatgrid_plugin_request_seconds", "histogram",
	    "From sending a request to a plugin's host to its reply.");
	TAILQ_FOREACH(h, &plugin_hosts, entry)
		metrics_hist_write(o, "chatgrid_plugin_request_seconds",
		    metrics_label(l, sizeof l, "plugin", h->file), &h->req);
}


void
plugin_init(void)
{
	sigchld_ev = evsignal_new(cg_base, SIGCHLD, sigchld_cb, NULL);
	if (sigchld_ev == NULL || event_add(sigchld_ev, NULL) != 0)
		fatalx("cannot handle SIGCHLD");
	tick_add("plugin supervision", 50, plugin_tick, NULL);
	daemon_on_shutdown(plugin_shutdown);
	metrics_add_collector(plugin_metrics);
	daemon_on_drain(plugin_busy);
}
