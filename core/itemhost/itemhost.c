/*
 * itemhost.c: chatgrid-itemhost, the process that runs one item plugin.
 *
 *	chatgrid-itemhost /path/to/plugin.so
 *
 * chatgridd starts it with one end of a socketpair on descriptor 3 (and
 * nothing else open but /dev/null and its log on 2). The host dlopens the
 * plugin, checks its compatibility block before calling anything, waits for
 * the core's hello (the plugin's options), runs cg_plugin_init and answers
 * with the item types it registered. Then it serves requests, one at a time,
 * and runs the plugin's timers in between. It exits when the core closes the
 * socket, and dies with the core (PR_SET_PDEATHSIG). chatgridd starts it in a
 * process group of its own, so Ctrl-C or a terminal's SIGHUP meant for the
 * daemon does not reach it: the daemon's orderly stop still needs it.
 *
 * Exit status: 0 at the core's EOF, 3 when the plugin cannot be loaded or
 * refuses to start (after an IPC_FATAL frame saying why), 4 on a protocol
 * error from the core.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "itemhost.h"

static const char *plugin_path;
static void (*plugin_cleanup)(void);
static int exiting;

/* ---- loading and the handshake ---- */

static void
check_magic(void *dl)
{
	const struct cg_plugin_magic *m = dlsym(dl, "cg_plugin_magic");

	if (m == NULL)
		itemhost_fatal("compatibility check failed: no cg_plugin_magic block (CG_PLUGIN_DECLARE)");
	if (m->magic != CG_PLUGIN_MAGIC)
		itemhost_fatal("compatibility check failed: bad magic number 0x%08x", m->magic);
	if (m->abi_major != CG_ABI_MAJOR)
		itemhost_fatal("compatibility check failed: built for plugin ABI %u, this server has ABI %u",
		    m->abi_major, CG_ABI_MAJOR);
	/*
	 * Structures both sides lay out in arrays or read blindly must match.
	 * The methods table is versioned, and the request and host table carry
	 * their sizes, so those may grow within a major version.
	 */
	if (m->size_magic != sizeof(struct cg_plugin_magic) || m->size_value != sizeof(struct cg_value) ||
	    m->size_property != sizeof(struct cg_property) ||
	    m->size_item_type != sizeof(struct cg_item_type))
		itemhost_fatal("compatibility check failed: structure sizes differ from this server's "
		    "(rebuild the plugin against this chatgrid's <chatgrid/plugin.h>)");
	itemhost_magic = m;
}

/* ---- requests ---- */

static const struct cg_item_type *
find_type(const char *id)
{
	int i;

	for (i = 0; id != NULL && i < itemhost_ntypes; i++)
		if (strcmp(itemhost_types[i]->type, id) == 0)
			return itemhost_types[i];
	return NULL;
}

static int
has_action(const struct cg_item_type *t, const char *name)
{
	const char *const *a;

	for (a = t->actions; a != NULL && *a != NULL; a++)
		if (strcmp(*a, name) == 0)
			return 1;
	return 0;
}

static const char *
str_or(const struct cg_value *map, const char *key, const char *def)
{
	const char *s = ipc_get_str(map, key);

	return s != NULL ? s : def;
}

static int32_t
int_or(const struct cg_value *map, const char *key, int64_t def)
{
	int64_t v;

	if (ipc_get_int(map, key, &v) != 0)
		v = def;
	return (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
}

/* {**item.params, **set} as a map in the reply's arena. */
static struct cg_value *
merged_params(struct cg_reply *r, const struct cg_value *params)
{
	struct cg_pair *pairs;
	struct cg_value *m;
	uint32_t n = 0, i, j, cap;

	cap = (params != NULL && params->type == CG_MAP ? params->len : 0) + r->nparams;
	pairs = ipc_arena_alloc(r->a, (cap ? cap : 1) * sizeof *pairs);
	if (params != NULL && params->type == CG_MAP)
		for (i = 0; i < params->len; i++)
			pairs[n++] = params->u.pairs[i];
	for (i = 0; i < r->nparams; i++) {
		for (j = 0; j < n; j++)
			if (pairs[j].key_len == r->params[i].key_len &&
			    memcmp(pairs[j].key, r->params[i].key, pairs[j].key_len) == 0)
				break;
		pairs[j] = r->params[i];
		if (j == n)
			n++;
	}
	m = ipc_arena_alloc(r->a, sizeof *m);
	*m = cg_map(pairs, n);
	return m;
}

static void
serve_request(uint32_t id, const struct cg_value *req)
{
	const struct cg_value *iv, *av, *pv, *args, *perms;
	const struct cg_item_type *t;
	const struct cg_item_methods *m;
	struct cg_item item;
	struct cg_actor actor;
	struct cg_request rq;
	struct cg_reply *r = itemhost_reply_new(), *v;
	msgpack_sbuffer sb;
	const char **pl = NULL;
	const char *action;
	struct cg_value empty = cg_map(NULL, 0);
	uint32_t i;
	int64_t now;

	action = str_or(req, "action", "");
	t = find_type(ipc_get_str(req, "type"));
	iv = ipc_get(req, "item", CG_MAP);
	av = ipc_get(req, "actor", CG_MAP);
	args = ipc_get(req, "args", CG_MAP);
	if (args == NULL)
		args = &empty;
	/* player_left concerns no item: the method gets a placeholder (id ""). */
	if (iv == NULL && strcmp(action, "player_left") == 0)
		iv = &empty;
	if (t == NULL || iv == NULL) {
		itemhost_log(CG_LOG_ERROR, "request %u for an unknown item type or without an item", id);
		itemhost_fail(r, "This item type is not available.");
		goto out;
	}
	m = t->methods;
	memset(&item, 0, sizeof item);
	item.id = str_or(iv, "id", "");
	item.type = t->type;
	item.title = str_or(iv, "title", "");
	item.x = int_or(iv, "x", 0);
	item.y = int_or(iv, "y", 0);
	item.carried = ipc_get_bool(iv, "carried", 0);
	item.encoding_version = (uint32_t)int_or(iv, "encodingVersion", 1);
	ipc_get_int(iv, "version", &item.version);
	ipc_get_int(iv, "ownerId", &item.owner_id);
	pv = ipc_get(iv, "params", CG_MAP);
	item.params = pv != NULL ? pv : &empty;

	memset(&rq, 0, sizeof rq);
	rq.size = sizeof rq;
	rq.action = action;
	rq.type = t;
	rq.item = &item;
	rq.args = args;
	rq.now_ms = ipc_get_int(req, "now", &now) == 0 ? (uint64_t)now : clock_wall_ms();
	rq.actor_id = ipc_get_str(req, "actorId");
	rq.listeners = (uint32_t)int_or(req, "listeners", 0);
	if (av != NULL) {
		memset(&actor, 0, sizeof actor);
		ipc_get_int(av, "accountId", &actor.account_id);
		actor.username = str_or(av, "username", "");
		actor.nickname = str_or(av, "nickname", "");
		actor.x = int_or(av, "x", 0);
		actor.y = int_or(av, "y", 0);
		perms = ipc_get(av, "permissions", CG_ARRAY);
		pl = ipc_arena_alloc(r->a, ((perms != NULL ? perms->len : 0) + 1) * sizeof *pl);
		for (i = 0; perms != NULL && i < perms->len; i++)
			pl[i] = perms->u.items[i].type == CG_STR ? perms->u.items[i].u.s : "";
		actor.permissions = pl;
		rq.actor = &actor;
	}

	if (strcmp(action, "validate_update") == 0) {
		m->validate(&rq, r);
		if (!r->failed && !r->params_set)
			r->params_set = 1;	/* validated to nothing: empty params */
		goto out;
	}
	if (strcmp(action, "removed") == 0 || strcmp(action, "player_left") == 0) {
		/* Notices: nothing of the reply but its effects is used. */
		r->params_set = 0;
		if (m->version >= CG_METHODS_V2) {
			if (action[0] == 'r' && m->removed != NULL)
				m->removed(&rq, r);
			else if (action[0] == 'p' && m->player_left != NULL)
				m->player_left(&rq, r);
		}
		r->nparams = 0;
		r->params_set = 0;
		goto out;
	}
	if (strcmp(action, "use") == 0) {
		if (m->use == NULL)
			itemhost_fail(r, "%s cannot be used.", item.title);
		else
			m->use(&rq, r);
	} else if (strcmp(action, "secondary_use") == 0) {
		if (m->secondary_use == NULL)
			itemhost_fail(r, "No secondary action for %s.", item.title);
		else
			m->secondary_use(&rq, r);
	} else if (strcmp(action, "tick") == 0) {
		rq.actor = NULL;
		if (m->tick != NULL)
			m->tick(&rq, r);
	} else if (m->action != NULL && has_action(t, action)) {
		m->action(&rq, r);
	} else {
		itemhost_fail(r, "Unknown action.");
	}
	/* New parameters pass the type's validator, as after an update. */
	if (!r->failed && r->params_set) {
		v = itemhost_reply_new();
		rq.action = "validate_update";
		rq.args = merged_params(r, item.params);
		m->validate(&rq, v);
		if (v->failed)
			itemhost_fail(r, "%s", v->fail_message);
		else {
			r->nparams = 0;
			for (i = 0; i < v->nparams; i++)
				itemhost_set_param(r, v->params[i].key, v->params[i].value);
		}
		itemhost_reply_free(v);
	}
out:
	msgpack_sbuffer_init(&sb);
	itemhost_pack_reply(r, &sb);
	itemhost_send_frame(IPC_REPLY, id, &sb);
	msgpack_sbuffer_destroy(&sb);
	itemhost_reply_free(r);
}

/* ---- the loop ---- */

static void protocol_error(const char *) __attribute__((noreturn));

static void
protocol_error(const char *what)
{
	fprintf(stderr, "chatgrid-itemhost %s: protocol error from chatgridd: %s\n", plugin_path, what);
	_exit(4);
}

/* One frame from the core: the hello during the handshake, then requests. */
static void
handle_frame(const struct ipc_hdr *h, const uint8_t *body, int handshake)
{
	struct ipc_arena *a = ipc_arena_new();
	const struct cg_value *o;
	struct cg_value *v = NULL, empty = cg_map(NULL, 0);
	char err[256];

	if (ipc_decode(a, body, h->len, &v, err, sizeof err) != 0)
		protocol_error(err);
	if (v->type != CG_MAP)
		protocol_error("body is not a map");
	if (handshake) {
		if (h->type != IPC_HELLO)
			protocol_error("expected hello");
		itemhost_options_arena = ipc_arena_new();
		itemhost_options = ipc_arena_alloc(itemhost_options_arena, sizeof *itemhost_options);
		o = ipc_get(v, "options", CG_MAP);
		*itemhost_options = ipc_value_copy(itemhost_options_arena, o != NULL ? o : &empty);
	} else if (h->type == IPC_REQUEST)
		serve_request(h->id, v);
	else if (h->type == IPC_SONG)
		itemhost_song_result(h->id, ipc_get(v, "song", CG_MAP));
	else
		protocol_error("unexpected frame type");
	ipc_arena_free(a);
}

static void
run_timers(void)
{
	uint64_t now = clock_mono_ms();
	int i;

	for (i = 0; i < itemhost_ntimers;) {
		if (itemhost_timers[i].due <= now) {
			struct itemhost_timer t = itemhost_timers[i];

			itemhost_timers[i] = itemhost_timers[--itemhost_ntimers];
			t.fn(t.arg);
			i = 0;	/* fn may have changed the table */
			now = clock_mono_ms();
		} else
			i++;
	}
}

static int
next_timeout(void)
{
	uint64_t now = clock_mono_ms(), due = UINT64_MAX;
	int i;

	for (i = 0; i < itemhost_ntimers; i++)
		if (itemhost_timers[i].due < due)
			due = itemhost_timers[i].due;
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)(due - now > 60000 ? 60000 : due - now);
}

/*
 * Serve frames until the core closes the socket. Before the handshake,
 * only a hello is accepted and the function returns after it.
 */
static void
serve(struct ipc_reader *rd, int handshake, uint32_t *hello_id)
{
	uint8_t buf[65536];
	struct pollfd pfd = { IPC_HOST_FD, POLLIN, 0 };
	struct ipc_hdr h;
	const uint8_t *body;
	char err[256];
	ssize_t n;
	int rc;

	for (;;) {
		while ((rc = ipc_reader_next(rd, &h, &body, err, sizeof err)) == 1) {
			handle_frame(&h, body, handshake);
			if (handshake) {
				*hello_id = h.id;
				return;
			}
		}
		if (rc < 0)
			protocol_error(err);
		if (!handshake) {
			run_timers();
			rc = poll(&pfd, 1, next_timeout());
			if (rc < 0 && errno != EINTR)
				protocol_error(strerror(errno));
			if (rc <= 0)
				continue;
		}
		n = read(IPC_HOST_FD, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			if (rd->len > rd->consumed)
				protocol_error("the stream ended inside a frame");
			exiting = 1;
			return;
		}
		if (n < 0)
			protocol_error(strerror(errno));
		if (ipc_reader_feed(rd, buf, (size_t)n) != 0)
			protocol_error("the core sent more than a frame may hold");
	}
}

int
main(int argc, char **argv)
{
	struct ipc_reader rd;
	uint32_t hello_id = 0;
	void *dl;
	int (*init)(const struct cg_host *);
	int nul;

	if (argc != 2) {
		fprintf(stderr, "usage: chatgrid-itemhost plugin.so (started by chatgridd)\n");
		return 2;
	}
	plugin_path = argv[1];
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (fcntl(IPC_HOST_FD, F_GETFD) < 0) {
		fprintf(stderr, "chatgrid-itemhost: descriptor %d is not open (started by chatgridd?)\n",
		    IPC_HOST_FD);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Plugins log through the host: stdout goes nowhere. */
	if ((nul = open("/dev/null", O_RDWR)) >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		if (nul > 2 && nul != IPC_HOST_FD)
			close(nul);
	}

	dl = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL)
		itemhost_fatal("cannot load: %s", dlerror());
	check_magic(dl);
	*(void **)&init = dlsym(dl, "cg_plugin_init");
	if (init == NULL)
		itemhost_fatal("no cg_plugin_init function");
	*(void **)&plugin_cleanup = dlsym(dl, "cg_plugin_cleanup");

	ipc_reader_init(&rd);
	serve(&rd, 1, &hello_id);
	if (exiting)
		return 0;
	itemhost_in_init = 1;
	if (init(&itemhost_api) != 0)
		itemhost_fatal("cg_plugin_init failed");
	itemhost_in_init = 0;
	if (itemhost_ntypes == 0)
		itemhost_fatal("cg_plugin_init registered no item types");
	itemhost_send_types(hello_id);
	serve(&rd, 0, NULL);
	if (plugin_cleanup != NULL)
		plugin_cleanup();
	ipc_reader_free(&rd);
	return 0;
}
