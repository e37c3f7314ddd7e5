/*
 * pluginhost.c: the plugin hosts and the item type registry: finding the
 * plugins and the handshake.
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
 *
 * This file: the host list; at start-up a host per .so with a blocking
 * handshake each (plugin_start), on SIGHUP hosts for new files
 * (plugin_rescan); and the hello every start sends. The other jobs are in
 * supervise.c (processes), rpc.c (frames, requests, replies) and songs.c
 * (song loads); host-int.h is what they share.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "host-int.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "plugin-types.h"
#include "pluginhost.h"
#include "tick.h"
#include "xmalloc.h"

struct host_list plugin_hosts = TAILQ_HEAD_INITIALIZER(plugin_hosts);

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

/* ---- the hello ---- */

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

void
host_send_hello(struct plugin_host *h, uint8_t **frame, size_t *len)
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
	TAILQ_INSERT_TAIL(&plugin_hosts, h, entry);
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

	if (host_spawn(h) != 0)
		fatalx("plugin %s: cannot start its host", h->path);
	host_send_hello(h, &f, &len);
	while (off < len) {
		n = write(h->fd, f + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(f);
	deadline = tick_mono_ms() + (uint64_t)host_start_timeout_ms();
	for (;;) {
		while ((rc = ipc_reader_next(&h->rd, &hdr, &body, err, sizeof err)) == 1) {
			a = ipc_arena_new();
			if (ipc_decode(a, body, hdr.len, &msg, err, sizeof err) != 0 || msg->type != CG_MAP)
				fatalx("plugin %s: broke the protocol during start-up: %s", h->path,
				    msg != NULL && msg->type != CG_MAP ? "body is not a map" : err);
			if (hdr.type == IPC_LOG)
				host_log_frame(h, msg);
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
			fatalx("plugin %s: no answer to the handshake within %d ms", h->path, host_start_timeout_ms());
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
		TAILQ_FOREACH(h, &plugin_hosts, entry)
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
