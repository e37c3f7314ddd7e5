/*
 * plugin.c: the plugin hosts and the item type registry.
 *
 * Each .so in plugin_dir gets a chatgrid-itemhost process, started with one
 * end of a socketpair on its descriptor 3. The core speaks first (hello with
 * the plugin's options); the host answers with the item types the plugin
 * registered, or with why it cannot run. After that the core sends requests
 * and the host answers each by id; unsolicited frames carry log lines and
 * effects nobody asked for.
 *
 * A host is torn down in one place, host_down(), when its socket reports EOF
 * or an error, when it breaks the protocol, or after a request timed out and
 * the process was killed. Its pending requests then fail with "<label> is
 * temporarily unavailable.", its types and items stay, and it is restarted
 * after a backoff that doubles up to plugin_restart_max_backoff_ms.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
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

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "cfg.h"
#include "daemon.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "plugin-types.h"
#include "pluginhost.h"
#include "tick.h"
#include "xmalloc.h"

#define BACKOFF_MIN_MS 200
#define STABLE_MS 30000		/* a host up this long starts its backoff afresh */
#define KILL_GRACE_MS 1000	/* after SIGKILL, EOF should follow; tear down anyway after this */
#define START_TIMEOUT_MIN_MS 5000
#define SHUTDOWN_GRACE_MS 5000	/* for hosts to run the plugin's cleanup and exit */

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

static struct host_list hosts = TAILQ_HEAD_INITIALIZER(hosts);
static void (*types_fn)(void);
static void (*event_fn)(struct plugin_host *, const char *, const struct plugin_reply *);
static void (*song_fn)(struct plugin_ticket *, const char *, struct json_object *);

/* A song load being answered: which host (and which run of it) asked. */
struct plugin_ticket {
	struct plugin_host *h;
	pid_t pid;
	uint32_t id;
};
static struct event *sigchld_ev;
struct reap {
	pid_t pid;
	char *file;		/* owned */
};
static struct reap *reap;	/* hosts torn down, not reaped yet */
static int nreap;

static void host_down(struct plugin_host *, const char *why);
static void host_spawn_async(struct plugin_host *);

/* ---- the registry's host side ---- */

const char *
plugin_host_file(const struct plugin_host *h)
{
	return h->file;
}

int
plugin_type_available(const struct item_type *t)
{
	return t->host != NULL && t->host->state == H_READY;
}

void
plugin_on_types(void (*fn)(void))
{
	types_fn = fn;
}

void
plugin_on_song_load(void (*fn)(struct plugin_ticket *, const char *, struct json_object *))
{
	song_fn = fn;
}

void
plugin_song_answer(struct plugin_ticket *tk, struct json_object *song)
{
	struct plugin_host *h;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *f;
	size_t len;

	/* The host may have died (or been replaced) meanwhile. */
	TAILQ_FOREACH(h, &hosts, entry)
		if (h == tk->h)
			break;
	if (h != NULL && h->pid == tk->pid && h->state == H_READY && h->killed_at == 0 && h->bev != NULL) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		ipc_pack_str(&pk, "song");
		if (song != NULL)
			plugin_pack_json(&pk, song);
		else
			msgpack_pack_nil(&pk);
		if (sb.size > IPC_MAX_BODY) {
			log_warn("plugin %s: a song of %zu bytes is over the frame limit; answered as none",
			    h->file, sb.size);
			msgpack_sbuffer_clear(&sb);
			msgpack_pack_map(&pk, 1);
			ipc_pack_str(&pk, "song");
			msgpack_pack_nil(&pk);
		}
		f = ipc_frame(IPC_SONG, tk->id, &sb, &len);
		msgpack_sbuffer_destroy(&sb);
		bufferevent_write(h->bev, f, len);
		free(f);
	}
	free(tk);
}

/* IPC_SONG_LOAD: the host's types limit which songs it may read. */
static void
song_load_frame(struct plugin_host *h, uint32_t id, const struct cg_value *msg)
{
	struct plugin_ticket *tk = xcalloc(1, sizeof *tk);
	struct json_object *types = json_object_new_array();
	const char *song_id = ipc_get_str(msg, "songId");
	int i, n = plugin_type_count();

	tk->h = h;
	tk->pid = h->pid;
	tk->id = id;
	for (i = 0; i < n; i++)
		if (plugin_type_at(i)->host == h)
			json_object_array_add(types, json_object_new_string(plugin_type_at(i)->id));
	if (song_fn == NULL || song_id == NULL || strlen(song_id) == 0 || strlen(song_id) > 200)
		plugin_song_answer(tk, NULL);
	else
		song_fn(tk, song_id, types);
	json_object_put(types);
}

void
plugin_on_event(void (*fn)(struct plugin_host *, const char *, const struct plugin_reply *))
{
	event_fn = fn;
}

/* ---- hosts: spawning ---- */

static int
mono_due(uint64_t t, uint64_t now)
{
	return t != 0 && now >= t;
}

static int
start_timeout_ms(void)
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
static int
spawn(struct plugin_host *h)
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

/* Options every plugin gets from the core's configuration, unless plugin_option sets them. */
static int
core_options(char names[][32], char values[][32])
{
	int n = 0;

#define OPT(k, fmt, v) do { snprintf(names[n], 32, "%s", k); snprintf(values[n], 32, fmt, v); n++; } while (0)
	OPT("fetch_allow_private", "%s", cfg->media_allow_private ? "yes" : "no");
	OPT("fetch_timeout_ms", "%d", cfg->fetch_timeout_ms);
	OPT("fetch_max_bytes", "%d", cfg->fetch_max_bytes);
	OPT("fetch_max_redirects", "%d", cfg->fetch_max_redirects);
	OPT("fetch_interval_ms", "%d", cfg->fetch_interval_ms);
	OPT("fetch_workers", "%d", cfg->fetch_workers);
	OPT("fetch_queue_max", "%d", cfg->fetch_queue_max);
	OPT("fetch_max_per_minute", "%d", cfg->fetch_max_per_minute);
	OPT("fetch_account_max_per_minute", "%d", cfg->fetch_account_max_per_minute);
	OPT("fetch_site_max_per_minute", "%d", cfg->fetch_site_max_per_minute);
#undef OPT
	return n;
}

/* The plugin's own option key (after "<stem>."), or NULL if o is not for this plugin. */
static const char *
own_option(const char *o, const char *prefix, size_t plen, size_t *klen)
{
	const char *eq;

	if (strncmp(o, prefix, plen) != 0 || (eq = strchr(o + plen, '=')) == NULL)
		return NULL;
	*klen = (size_t)(eq - o) - plen;
	return o + plen;
}

static void
send_hello(struct plugin_host *h, uint8_t **frame, size_t *len)
{
	char names[16][32], values[16][32], prefix[300];
	int i, j, ncore, overridden[16] = { 0 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t plen, klen, n = 0;
	const char *k;

	snprintf(prefix, sizeof prefix, "%.*s.", (int)(strlen(h->file) - 3), h->file);
	plen = strlen(prefix);
	ncore = core_options(names, values);
	for (i = 0; i < cfg->nplugin_options; i++)
		if ((k = own_option(cfg->plugin_options[i], prefix, plen, &klen)) != NULL) {
			n++;
			for (j = 0; j < ncore; j++)
				if (strlen(names[j]) == klen && strncmp(names[j], k, klen) == 0 && !overridden[j]) {
					overridden[j] = 1;
					n--;	/* counted once below instead */
				}
		}
	for (j = 0; j < ncore; j++)
		n++;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	ipc_pack_kv_str(&pk, "file", h->path);
	ipc_pack_str(&pk, "options");
	msgpack_pack_map(&pk, n);
	for (j = 0; j < ncore; j++)
		if (!overridden[j])
			ipc_pack_kv_str(&pk, names[j], values[j]);
	/* Of several plugin_option lines for one key, the first wins (the host reads the first pair). */
	for (i = 0; i < cfg->nplugin_options; i++) {
		const char *o = cfg->plugin_options[i];

		if ((k = own_option(o, prefix, plen, &klen)) == NULL)
			continue;
		msgpack_pack_str(&pk, klen);
		msgpack_pack_str_body(&pk, k, klen);
		ipc_pack_str(&pk, k + klen + 1);
	}
	h->hello_id = ++h->next_id;
	*frame = ipc_frame(IPC_HELLO, h->hello_id, &sb, len);
	msgpack_sbuffer_destroy(&sb);
}

static void
log_frame(struct plugin_host *h, const struct cg_value *msg)
{
	const char *text = ipc_get_str(msg, "message");
	int64_t level = CG_LOG_NOTICE;

	ipc_get_int(msg, "level", &level);
	if (text == NULL)
		return;
	switch (level) {
	case CG_LOG_ERROR:
		log_error("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_WARN:
		log_warn("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_NOTICE:
		log_notice("plugin %s: %.1000s", h->file, text);
		break;
	case CG_LOG_INFO:
		log_info("plugin %s: %.1000s", h->file, text);
		break;
	default:
		log_debug("plugin %s: %.1000s", h->file, text);
		break;
	}
}

/* ---- hosts: requests and replies ---- */

static void
reply_from(struct plugin_reply *r, const struct cg_value *msg)
{
	const struct cg_value *p = ipc_get(msg, "params", CG_MAP);
	const char *m = ipc_get_str(msg, "message");

	memset(r, 0, sizeof *r);
	r->ok = ipc_get_bool(msg, "ok", 0);
	r->message = m != NULL ? m : "";
	r->params = p != NULL ? plugin_value_to_json(p) : NULL;
	r->effects = ipc_get(msg, "effects", CG_ARRAY);
}

struct deferred {
	plugin_cb cb;
	void *arg;
	char *message;
};

static void
deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;
	struct plugin_reply r;

	memset(&r, 0, sizeof r);
	r.message = d->message;
	r.unavailable = 1;
	d->cb(&r, d->arg);
	free(d->message);
	free(d);
}

static void
fail_later(const char *label, plugin_cb cb, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct deferred *d = xcalloc(1, sizeof *d);

	d->cb = cb;
	d->arg = arg;
	xasprintf(&d->message, "%s is temporarily unavailable.", label);
	if (event_base_once(cg_base, -1, EV_TIMEOUT, deferred_cb, d, &now) != 0)
		fatalx("cannot schedule a plugin failure");
}

static void
fail_now(struct pending *p)
{
	struct plugin_reply r;
	char msg[300];

	memset(&r, 0, sizeof r);
	snprintf(msg, sizeof msg, "%s is temporarily unavailable.", p->label);
	r.message = msg;
	r.unavailable = 1;
	p->cb(&r, p->arg);
}

void
plugin_request(struct item_type *t, msgpack_sbuffer *body, plugin_cb cb, void *arg)
{
	struct plugin_host *h = t->host;
	struct pending *p;
	uint8_t *f;
	size_t len;

	if (h == NULL || h->state != H_READY || h->killed_at != 0 || body->size > IPC_MAX_BODY) {
		if (body->size > IPC_MAX_BODY)
			log_warn("plugin request for %s of %zu bytes is over the frame limit", t->id, body->size);
		msgpack_sbuffer_free(body);
		fail_later(t->label, cb, arg);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->id = ++h->next_id;
	if (p->id == 0)
		p->id = ++h->next_id;
	p->deadline = tick_mono_ms() + (uint64_t)cfg->plugin_timeout_ms;
	p->t_ns = metrics_now_ns();
	p->label = t->label;
	p->cb = cb;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&h->pending, p, entry);
	f = ipc_frame(IPC_REQUEST, p->id, body, &len);
	msgpack_sbuffer_free(body);
	bufferevent_write(h->bev, f, len);
	free(f);
	log_trace(TRACE_PLUGIN, "plugin %s: request %u for %s", h->file, p->id, t->id);
}

/* Kill a misbehaving host; host_down follows at its EOF (or after a grace period). */
static void
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

static void
handle_types(struct plugin_host *h, const struct cg_value *msg)
{
	char err[512];
	const char *name = ipc_get_str(msg, "name"), *version = ipc_get_str(msg, "version");

	if (plugin_types_register(h, msg, err, sizeof err) != 0) {
		host_kill(h, err);
		return;
	}
	h->state = H_READY;
	h->ready_since = tick_mono_ms();
	h->hello_deadline = 0;
	log_notice("plugin %s: %s %s ready%s", h->file, name != NULL && *name ? name : h->file,
	    version != NULL ? version : "", h->loaded ? " again" : "");
	h->loaded = 1;
	if (types_fn != NULL)
		types_fn();
}

/* One frame from a running host; -1 after a protocol error (the host is killed). */
static int
host_frame(struct plugin_host *h, const struct ipc_hdr *hdr, const uint8_t *body)
{
	struct ipc_arena *a = ipc_arena_new();
	struct cg_value *msg;
	struct pending *p;
	struct plugin_reply r;
	const char *id;
	char err[256];

	if (ipc_decode(a, body, hdr->len, &msg, err, sizeof err) != 0 || msg->type != CG_MAP) {
		if (msg != NULL && msg->type != CG_MAP)
			snprintf(err, sizeof err, "body is not a map");
		ipc_arena_free(a);
		host_kill(h, err);
		return -1;
	}
	switch (hdr->type) {
	case IPC_LOG:
		log_frame(h, msg);
		break;
	case IPC_TYPES:
		if (h->state != H_STARTING || hdr->id != h->hello_id) {
			host_kill(h, "unexpected types frame");
			break;
		}
		handle_types(h, msg);
		break;
	case IPC_FATAL:
		snprintf(err, sizeof err, "%.200s", ipc_get_str(msg, "message") != NULL ?
		    ipc_get_str(msg, "message") : "refused to start");
		host_kill(h, err);
		break;
	case IPC_REPLY:
		TAILQ_FOREACH(p, &h->pending, entry)
			if (p->id == hdr->id)
				break;
		if (p == NULL || h->state != H_READY) {
			/* A reply to a request that timed out is a late answer from a killed host. */
			host_kill(h, "reply to no pending request");
			break;
		}
		TAILQ_REMOVE(&h->pending, p, entry);
		metrics_observe(&h->req, metrics_now_ns() - p->t_ns);
		reply_from(&r, msg);
		p->cb(&r, p->arg);
		json_object_put(r.params);
		free(p);
		break;
	case IPC_EVENT:
		if (h->state != H_READY || (id = ipc_get_str(msg, "itemId")) == NULL) {
			host_kill(h, "malformed event frame");
			break;
		}
		reply_from(&r, msg);
		r.ok = 1;
		if (event_fn != NULL)
			event_fn(h, id, &r);
		json_object_put(r.params);
		break;
	case IPC_SONG_LOAD:
		if (h->state != H_READY) {
			host_kill(h, "song load before the handshake");
			break;
		}
		song_load_frame(h, hdr->id, msg);
		break;
	default:
		host_kill(h, "frame type only the core sends");
		break;
	}
	ipc_arena_free(a);
	return h->killed_at != 0 ? -1 : 0;
}

static void
host_drain(struct plugin_host *h)
{
	struct ipc_hdr hdr;
	const uint8_t *body;
	char err[256];
	int rc;

	while (h->killed_at == 0 && (rc = ipc_reader_next(&h->rd, &hdr, &body, err, sizeof err)) != 0) {
		if (rc < 0) {
			host_kill(h, err);
			return;
		}
		if (host_frame(h, &hdr, body) != 0)
			return;
	}
}

static void
host_read_cb(struct bufferevent *bev, void *arg)
{
	struct plugin_host *h = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[16384];
	size_t n;

	while (h->killed_at == 0 && (n = evbuffer_get_length(in)) > 0) {
		n = evbuffer_remove(in, buf, sizeof buf);
		if (ipc_reader_feed(&h->rd, buf, n) != 0) {
			host_kill(h, "it sent more than a frame may hold");
			break;
		}
		host_drain(h);
	}
	if (h->killed_at != 0)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
host_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct plugin_host *h = arg;
	uint8_t buf[16384];
	ssize_t n;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/*
		 * Bytes that arrived before the EOF are handled first, including
		 * ones still in the socket when a write failed (a host that said
		 * why it cannot start and exited before reading our hello).
		 */
		host_read_cb(bev, h);
		while (h->killed_at == 0 && (n = read(bufferevent_getfd(bev), buf, sizeof buf)) > 0) {
			if (ipc_reader_feed(&h->rd, buf, (size_t)n) != 0)
				break;
			host_drain(h);
		}
		host_down(h, h->kill_reason != NULL ? h->kill_reason : "its host exited");
	}
}

static void
host_attach(struct plugin_host *h)
{
	evutil_make_socket_nonblocking(h->fd);
	h->bev = bufferevent_socket_new(cg_base, h->fd, BEV_OPT_CLOSE_ON_FREE);
	if (h->bev == NULL)
		fatalx("cannot create a buffer event for plugin %s", h->file);
	bufferevent_setcb(h->bev, host_read_cb, NULL, host_event_cb, h);
	bufferevent_enable(h->bev, EV_READ | EV_WRITE);
}

/* The single teardown: fail what waits, close, and schedule a restart. */
static void
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
		fail_now(p);
		free(p);
	}
	if (daemon_shutting_down())
		return;
	if (!h->loaded) {
		/* Never came up (a new file on SIGHUP): reported already; a later SIGHUP may retry. */
		log_error("plugin %s: cannot load: %s", h->path, why);
		TAILQ_REMOVE(&hosts, h, entry);
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

static void
host_spawn_async(struct plugin_host *h)
{
	uint8_t *f;
	size_t len;

	h->restart_at = 0;
	if (spawn(h) != 0) {
		if (!h->loaded) {
			log_error("plugin %s: cannot load: its host could not be started", h->path);
			TAILQ_REMOVE(&hosts, h, entry);
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
	send_hello(h, &f, &len);
	bufferevent_write(h->bev, f, len);
	free(f);
	h->hello_deadline = tick_mono_ms() + (uint64_t)start_timeout_ms();
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
	TAILQ_FOREACH(h, &hosts, entry) {
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

	for (h = TAILQ_FIRST(&hosts); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->killed_at != 0 && now - h->killed_at >= KILL_GRACE_MS) {
			host_down(h, h->kill_reason != NULL ? h->kill_reason : "killed");
			continue;
		}
		if (h->killed_at != 0)
			continue;
		if (h->state == H_STARTING && mono_due(h->hello_deadline, now)) {
			snprintf(why, sizeof why, "no answer to the handshake within %d ms", start_timeout_ms());
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
	TAILQ_FOREACH(h, &hosts, entry) {
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
	TAILQ_FOREACH(h, &hosts, entry)
		metrics_sample(o, "chatgrid_plugin_up", metrics_label(l, sizeof l, "plugin", h->file),
		    h->state == H_READY && h->killed_at == 0);
	metrics_family(o, "chatgrid_plugin_restarts_total", "counter",
	    "Host processes started again after one stopped.");
	TAILQ_FOREACH(h, &hosts, entry)
		metrics_sample(o, "chatgrid_plugin_restarts_total", metrics_label(l, sizeof l, "plugin", h->file),
		    (double)h->restarts);
	metrics_family(o, "chatgrid_plugin_timeouts_total", "counter",
	    "Requests unanswered within plugin_timeout_ms (the host is then restarted).");
	TAILQ_FOREACH(h, &hosts, entry)
		metrics_sample(o, "chatgrid_plugin_timeouts_total", metrics_label(l, sizeof l, "plugin", h->file),
		    (double)h->timeouts);
	metrics_family(o, "chatgrid_plugin_request_seconds", "histogram",
	    "From sending a request to a plugin's host to its reply.");
	TAILQ_FOREACH(h, &hosts, entry)
		metrics_hist_write(o, "chatgrid_plugin_request_seconds",
		    metrics_label(l, sizeof l, "plugin", h->file), &h->req);
}

/* Requests still in flight to a running host (player_left when everyone leaves at shutdown). */
static int
plugin_busy(void)
{
	struct plugin_host *h;

	TAILQ_FOREACH(h, &hosts, entry)
		if (h->bev != NULL && h->killed_at == 0 && !TAILQ_EMPTY(&h->pending))
			return 1;
	return 0;
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

/* ---- start-up and rescans ---- */

static struct plugin_host *
host_new(const char *dir, const char *name)
{
	struct plugin_host *h = xcalloc(1, sizeof *h);

	xasprintf(&h->path, "%s/%s", dir, name);
	h->file = xstrdup(name);
	h->fd = -1;
	metrics_hist_init(&h->req, metrics_le_fast, metrics_le_fast_n);
	TAILQ_INIT(&h->pending);
	ipc_reader_init(&h->rd);
	TAILQ_INSERT_TAIL(&hosts, h, entry);
	return h;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .so names in plugin_dir, sorted; NULL-terminated (caller frees). -1 if unreadable. */
static char **
list_dir(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t len;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 3 || e->d_name[0] == '.' || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		names = xreallocarray(names, (size_t)*n + 2, sizeof *names);
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (names != NULL) {
		qsort(names, (size_t)*n, sizeof *names, cmp_str);
		names[*n] = NULL;
	}
	return names;
}

static void
free_names(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Blocking handshake at start-up: any failure stops the daemon naming the file. */
static void
start_sync(struct plugin_host *h)
{
	uint8_t *f, buf[16384];
	size_t len, off = 0;
	struct pollfd pfd;
	struct ipc_hdr hdr;
	const uint8_t *body;
	struct ipc_arena *a;
	struct cg_value *msg;
	char err[512];
	uint64_t deadline;
	ssize_t n;
	int rc, st;

	if (spawn(h) != 0)
		fatalx("plugin %s: cannot start its host", h->path);
	send_hello(h, &f, &len);
	while (off < len) {
		n = write(h->fd, f + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(f);
	deadline = tick_mono_ms() + (uint64_t)start_timeout_ms();
	for (;;) {
		while ((rc = ipc_reader_next(&h->rd, &hdr, &body, err, sizeof err)) == 1) {
			a = ipc_arena_new();
			if (ipc_decode(a, body, hdr.len, &msg, err, sizeof err) != 0 || msg->type != CG_MAP)
				fatalx("plugin %s: broke the protocol during start-up: %s", h->path,
				    msg != NULL && msg->type != CG_MAP ? "body is not a map" : err);
			if (hdr.type == IPC_LOG)
				log_frame(h, msg);
			else if (hdr.type == IPC_FATAL)
				fatalx("plugin %s: %s", h->path, ipc_get_str(msg, "message") != NULL ?
				    ipc_get_str(msg, "message") : "refused to start");
			else if (hdr.type == IPC_TYPES && hdr.id == h->hello_id) {
				if (plugin_types_register(h, msg, err, sizeof err) != 0)
					fatalx("plugin %s: %s", h->path, err);
				h->state = H_READY;
				h->loaded = 1;
				h->ready_since = tick_mono_ms();
				log_notice("plugin %s: %s %s ready", h->file,
				    ipc_get_str(msg, "name") != NULL ? ipc_get_str(msg, "name") : "",
				    ipc_get_str(msg, "version") != NULL ? ipc_get_str(msg, "version") : "");
				ipc_arena_free(a);
				host_attach(h);
				return;
			} else
				fatalx("plugin %s: broke the protocol during start-up: unexpected frame %u",
				    h->path, hdr.type);
			ipc_arena_free(a);
		}
		if (rc < 0)
			fatalx("plugin %s: broke the protocol during start-up: %s", h->path, err);
		pfd.fd = h->fd;
		pfd.events = POLLIN;
		if (tick_mono_ms() >= deadline)
			fatalx("plugin %s: no answer to the handshake within %d ms", h->path, start_timeout_ms());
		rc = poll(&pfd, 1, (int)(deadline - tick_mono_ms()));
		if (rc <= 0)
			continue;
		n = read(h->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (waitpid(h->pid, &st, 0) == h->pid && WIFSIGNALED(st))
				fatalx("plugin %s: its host died of signal %d during start-up", h->path, WTERMSIG(st));
			fatalx("plugin %s: its host exited during start-up (is %s a chatgrid-itemhost?)", h->path,
			    cfg->itemhost);
		}
		if (ipc_reader_feed(&h->rd, buf, (size_t)n) != 0)
			fatalx("plugin %s: broke the protocol during start-up: oversized frame", h->path);
	}
}

void
plugin_start(void)
{
	char **names;
	int n, i;

	names = list_dir(cfg->plugin_dir, &n);
	if (names == NULL && n == 0) {
		if (access(cfg->plugin_dir, R_OK) != 0)
			log_warn("plugin_dir %s: %s; no item types", cfg->plugin_dir, strerror(errno));
		else
			log_warn("plugin_dir %s holds no plugins; no item types", cfg->plugin_dir);
		return;
	}
	if (access(cfg->itemhost, X_OK) != 0)
		fatalx("itemhost %s: %s", cfg->itemhost, strerror(errno));
	for (i = 0; i < n; i++)
		start_sync(host_new(cfg->plugin_dir, names[i]));
	free_names(names, n);
	log_notice("%d item types from %d plugins in %s", plugin_type_count(), n, cfg->plugin_dir);
}

void
plugin_rescan(void)
{
	struct plugin_host *h;
	char **names;
	int n, i, added = 0;

	names = list_dir(cfg->plugin_dir, &n);
	for (i = 0; i < n; i++) {
		TAILQ_FOREACH(h, &hosts, entry)
			if (strcmp(h->file, names[i]) == 0)
				break;
		if (h != NULL)
			continue;
		log_notice("plugin %s: new; loading", names[i]);
		host_spawn_async(host_new(cfg->plugin_dir, names[i]));
		added++;
	}
	free_names(names, n);
	if (added == 0)
		log_info("plugin_dir %s: no new plugins", cfg->plugin_dir);
}
