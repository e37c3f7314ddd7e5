/*
 * world.c: the roster and the grid. With interest_radius 0 every move goes
 * to everyone, as in the reference; with a radius, players sit in square
 * buckets of that size, a move reaches only the players within the radius,
 * and players crossing each other's radius get user_joined / user_left so
 * no client keeps a stale position.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "auth/auth.h"
#include "auth/session.h"
#include "casefold.h"
#include "cfg.h"
#include "daemon.h"
#include "interest.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "net/webver.h"
#include "perm.h"
#include "policy.h"
#include "proto/proto.h"
#include "state.h"
#include "tick.h"
#include "world.h"
#include "xmalloc.h"

/* The messages of this part (proto-world.c, proto-chat.c), registered by world_init. */
extern const struct proto_msg proto_world_msgs[];
extern const struct proto_msg proto_chat_msgs[];

struct player_list roster = TAILQ_HEAD_INITIALIZER(roster);
int roster_count;

static int grid;			/* fixed at start: grid_size is restart-only */
static int radius;

static void (**leave_fns)(struct player *);
static int nleave;
static void (**move_fns)(struct player *);
static int nmove;
static struct json_object *(*items_json_fn)(struct player *);
static struct json_object *(*ui_json_fn)(const struct client *);
static void (*voice_config_fn)(const struct client *, struct json_object *);
static int (*item_at_fn)(int, int);

void
world_on_leave(void (*fn)(struct player *))
{
	leave_fns = xreallocarray(leave_fns, (size_t)nleave + 1, sizeof *leave_fns);
	leave_fns[nleave++] = fn;
}

void
world_on_move(void (*fn)(struct player *))
{
	move_fns = xreallocarray(move_fns, (size_t)nmove + 1, sizeof *move_fns);
	move_fns[nmove++] = fn;
}

void
world_set_items_json(struct json_object *(*fn)(struct player *))
{
	items_json_fn = fn;
}

void
world_set_ui_json(struct json_object *(*fn)(const struct client *))
{
	ui_json_fn = fn;
}

void
world_set_voice_config(void (*fn)(const struct client *, struct json_object *))
{
	voice_config_fn = fn;
}

void
world_set_item_at(int (*fn)(int, int))
{
	item_at_fn = fn;
}

int
world_item_at(int x, int y)
{
	return item_at_fn != NULL && item_at_fn(x, y);
}

struct player *
world_player(const struct client *c)
{
	return c->player;
}

int
world_grid_size(void)
{
	return grid;
}

int
world_in_bounds(int x, int y)
{
	return x >= 0 && y >= 0 && x < grid && y < grid;
}

int
world_distance(int x0, int y0, int x1, int y1)
{
	int dx = abs(x0 - x1), dy = abs(y0 - y1);

	return dx > dy ? dx : dy;
}

int
world_perceives(int ox, int oy, int x, int y)
{
	return radius == 0 || world_distance(ox, oy, x, y) <= radius;
}

struct player *
world_find(const char *id)
{
	struct player *p;

	/* Linear: signals are rare next to moves, and rosters are modest. */
	TAILQ_FOREACH(p, &roster, roster_entry)
		if (strcmp(p->c->id, id) == 0)
			return p;
	return NULL;
}

void
world_foreach_near(int x, int y, int r, void (*fn)(struct player *, void *), void *arg)
{
	struct player *q, *next;

	if (radius == 0) {
		for (q = TAILQ_FIRST(&roster); q != NULL; q = next) {
			next = TAILQ_NEXT(q, roster_entry);
			fn(q, arg);
		}
		return;
	}
	interest_foreach_rect(x - r, y - r, x + r, y + r, fn, arg);
}

/* --- sending --- */

void
world_send_all(struct outmsg *m, const struct client *except)
{
	struct player *p;

	TAILQ_FOREACH(p, &roster, roster_entry)
		if (p->c != except)
			client_send(p->c, m);
}

struct near_arg {
	int x, y;
	struct outmsg *m;
	const struct client *except;
};

static void
send_if_near(struct player *q, void *arg)
{
	struct near_arg *a = arg;

	if (q->c != a->except && world_distance(q->x, q->y, a->x, a->y) <= radius)
		client_send(q->c, a->m);
}

void
world_send_near(int x, int y, struct outmsg *m, const struct client *except)
{
	struct near_arg a = { x, y, m, except };

	if (radius == 0) {
		world_send_all(m, except);
		return;
	}
	interest_foreach_rect(x - radius, y - radius, x + radius, y + radius, send_if_near, &a);
}

void
world_send_json_all(struct json_object *o, const struct client *except)
{
	struct outmsg *m = outmsg_new_json(o);

	json_object_put(o);
	world_send_all(m, except);
	outmsg_unref(m);
}

void
world_send_json_near(int x, int y, struct json_object *o, const struct client *except)
{
	struct outmsg *m = outmsg_new_json(o);

	json_object_put(o);
	world_send_near(x, y, m, except);
	outmsg_unref(m);
}

static struct json_object *
system_chat_json(const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("chat_message"));
	json_object_object_add(o, "message", json_object_new_string(text));
	json_object_object_add(o, "system", json_object_new_boolean(1));
	json_object_object_add(o, "action", json_object_new_boolean(0));
	return o;
}

/* A system line from a format; no fixed buffer, so no cut inside a character. */
static struct json_object *
system_chat_vjson(const char *fmt, va_list ap)
{
	struct json_object *o;
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		fatalx("out of memory");
	o = system_chat_json(text);
	free(text);
	return o;
}

void
world_system_chat(struct client *to, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	client_send_json(to, system_chat_vjson(fmt, ap));
	va_end(ap);
}

void
world_system_chat_others(const struct client *except, const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = system_chat_vjson(fmt, ap);
	va_end(ap);
	world_send_json_all(o, except);
}

void
world_system_chat_near(int x, int y, const struct client *except, const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = system_chat_vjson(fmt, ap);
	va_end(ap);
	world_send_json_near(x, y, o, except);
}

struct json_object *
world_user_json(const struct player *p, const char *type)
{
	struct json_object *o = json_object_new_object();

	if (type != NULL)
		json_object_object_add(o, "type", json_object_new_string(type));
	char id[24];

	snprintf(id, sizeof id, "%lld", (long long)p->c->session->account_id);
	json_object_object_add(o, "id", json_object_new_string(p->c->id));
	json_object_object_add(o, "userId", json_object_new_string(id));
	json_object_object_add(o, "nickname", json_object_new_string(p->nickname));
	json_object_object_add(o, "x", json_object_new_int(p->x));
	json_object_object_add(o, "y", json_object_new_int(p->y));
	return o;
}

static void
send_presence(struct client *to, const struct player *about, const char *type, const char *reason)
{
	struct json_object *o;

	if (strcmp(type, "user_left") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("user_left"));
		json_object_object_add(o, "id", json_object_new_string(about->c->id));
	} else
		o = world_user_json(about, type);
	json_object_object_add(o, "reason", json_object_new_string(reason));
	client_send_json(to, o);
}

static struct json_object *
position_json(const struct player *p, const char *type)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(p->c->id));
	json_object_object_add(o, "x", json_object_new_int(p->x));
	json_object_object_add(o, "y", json_object_new_int(p->y));
	return o;
}

/* --- movement --- */

struct move_arg {
	struct player *p;
	int ox, oy;
	struct outmsg *m;
};

static void
move_diff(struct player *q, void *arg)
{
	struct move_arg *a = arg;
	struct player *p = a->p;
	int was, is;

	if (q == p)
		return;
	was = world_distance(q->x, q->y, a->ox, a->oy) <= radius;
	is = world_distance(q->x, q->y, p->x, p->y) <= radius;
	if (was && is)
		client_send(q->c, a->m);
	else if (is) {
		send_presence(q->c, p, "user_joined", "in_range");
		send_presence(p->c, q, "user_joined", "in_range");
	} else if (was) {
		send_presence(q->c, p, "user_left", "out_of_range");
		send_presence(p->c, q, "user_left", "out_of_range");
	}
}

void
world_move(struct player *p, int x, int y)
{
	struct move_arg a = { p, p->x, p->y, NULL };
	struct json_object *o;
	int i, x0, y0, x1, y1;

	p->x = x;
	p->y = y;
	interest_place(p);
	o = position_json(p, "update_position");
	a.m = outmsg_new_json(o);
	json_object_put(o);
	client_send(p->c, a.m);
	if (radius == 0)
		world_send_all(a.m, p->c);
	else {
		x0 = (a.ox < x ? a.ox : x) - radius;
		y0 = (a.oy < y ? a.oy : y) - radius;
		x1 = (a.ox > x ? a.ox : x) + radius;
		y1 = (a.oy > y ? a.oy : y) + radius;
		interest_foreach_rect(x0, y0, x1, y1, move_diff, &a);
	}
	outmsg_unref(a.m);
	state_touch(p);
	for (i = 0; i < nmove; i++)
		move_fns[i](p);
}

void
world_teleport(struct player *p, int x, int y)
{
	struct json_object *o;

	world_move(p, x, y);
	state_flush_now(p);
	o = position_json(p, "teleport_complete");
	world_send_json_near(x, y, o, p->c);
}

int
world_user_at(int x, int y, const struct player *except)
{
	struct player *p;

	TAILQ_FOREACH(p, &roster, roster_entry)
		if (p != except && p->x == x && p->y == y)
			return 1;
	return 0;
}

/* --- nicknames --- */

void
world_fold(const char *in, char *out, size_t outlen)
{
	name_key(in, out, outlen);
}

int
world_nickname_taken(const char *fold, const struct player *except)
{
	struct player *p;

	TAILQ_FOREACH(p, &roster, roster_entry)
		if (p != except && strcmp(p->fold, fold) == 0)
			return 1;
	return 0;
}

void
world_set_nickname(struct player *p, const char *nick)
{
	size_t n = strlen(nick);

	/* Callers pass at most 32 characters; never cut inside one anyway. */
	if (n >= sizeof p->nickname) {
		n = sizeof p->nickname - 1;
		while (n > 0 && ((unsigned char)nick[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(p->nickname, nick, n);
	p->nickname[n] = '\0';
	world_fold(p->nickname, p->fold, sizeof p->fold);
	state_touch(p);
}

/* A stored nickname someone else took meanwhile: "name 2", "name 3", ... */
static void
unique_nickname(struct player *p, const char *want)
{
	char cand[160], fold[NAME_KEY_MAX];
	int i;

	world_fold(want, fold, sizeof fold);
	if (!world_nickname_taken(fold, p)) {
		world_set_nickname(p, want);
		return;
	}
	for (i = 2; i < 1000; i++) {
		/* Keep it within 32 code points: trim the base if needed. */
		char base[129];

		snprintf(base, sizeof base, "%s", want);
		while (proto_utf8_len(base) + 1 + (size_t)snprintf(NULL, 0, "%d", i) > 32 && base[0] != '\0') {
			size_t cut = strlen(base) - 1;

			while (cut > 0 && ((unsigned char)base[cut] & 0xc0) == 0x80)
				cut--;
			base[cut] = '\0';
		}
		snprintf(cand, sizeof cand, "%s %d", base, i);
		world_fold(cand, fold, sizeof fold);
		if (!world_nickname_taken(fold, p)) {
			log_info("%s: nickname %s is in use; using %s", p->c->id, want, cand);
			world_set_nickname(p, cand);
			return;
		}
	}
	world_set_nickname(p, p->c->id);
}

/* --- arrival and departure --- */

static struct json_object *
welcome_json(struct player *p)
{
	struct client *c = p->c;
	struct json_object *o = json_object_new_object(), *users, *wc, *si, *auth, *ui;
	struct player *q;
	char id[24];

	json_object_object_add(o, "type", json_object_new_string("welcome"));
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "player", world_user_json(p, NULL));
	users = json_object_new_array();
	TAILQ_FOREACH(q, &roster, roster_entry)
		if (q != p && world_perceives(p->x, p->y, q->x, q->y))
			json_object_array_add(users, world_user_json(q, NULL));
	json_object_object_add(o, "users", users);
	json_object_object_add(o, "items", items_json_fn != NULL ? items_json_fn(p) : json_object_new_array());

	wc = json_object_new_object();
	json_object_object_add(wc, "gridSize", json_object_new_int(grid));
	json_object_object_add(wc, "movementTickMs", json_object_new_int(cfg->movement_tick_ms));
	json_object_object_add(wc, "movementMaxStepsPerTick", json_object_new_int(cfg->movement_max_steps_per_tick));
	json_object_object_add(wc, "interestRadius", json_object_new_int(radius));
	if (voice_config_fn != NULL)
		voice_config_fn(c, wc);
	json_object_object_add(o, "worldConfig", wc);

	if (ui_json_fn != NULL)
		ui = ui_json_fn(c);
	else {
		struct json_object *am = json_object_new_object();

		ui = json_object_new_object();
		json_object_object_add(ui, "itemTypeOrder", json_object_new_array());
		json_object_object_add(ui, "itemTypes", json_object_new_array());
		json_object_object_add(am, "actions", perm_admin_menu(c->session->perms));
		json_object_object_add(ui, "adminMenu", am);
	}
	json_object_object_add(o, "uiDefinitions", ui);

	si = json_object_new_object();
	json_object_object_add(si, "instanceId", json_object_new_string(cg_instance_id));
	json_object_object_add(si, "version", json_object_new_string(webver_version()));
	/* The daemon's own, and the later reference client's release and revision when served. */
	json_object_object_add(si, "serverVersion", json_object_new_string(cg_version()));
	if (webver_release() != NULL)
		json_object_object_add(si, "releaseVersion", json_object_new_string(webver_release()));
	if (webver_revision() != NULL)
		json_object_object_add(si, "expectedClientRevision", json_object_new_string(webver_revision()));
	json_object_object_add(o, "serverInfo", si);

	auth = json_object_new_object();
	snprintf(id, sizeof id, "%lld", (long long)c->session->account_id);
	json_object_object_add(auth, "authenticated", json_object_new_boolean(1));
	json_object_object_add(auth, "userId", json_object_new_string(id));
	json_object_object_add(auth, "username", json_object_new_string(c->session->username));
	json_object_object_add(auth, "role", json_object_new_string(c->session->role));
	json_object_object_add(auth, "permissions", perm_json_array(auth_effective_perms(c)));
	json_object_object_add(auth, "policy", policy_json(cfg));
	json_object_object_add(o, "auth", auth);
	return o;
}

static void
arrive_near(struct player *q, void *arg)
{
	struct player *p = arg;

	if (q != p && world_distance(q->x, q->y, p->x, p->y) <= radius)
		send_presence(q->c, p, "user_joined", "login");
}

static void world_leave(struct player *, const char *why);

/*
 * Movement is judged by a token bucket: movement_max_steps_per_tick steps
 * per movement_tick_ms, with movement_burst_ticks windows' worth saved up.
 * A client that paces itself by the windows never runs dry however its
 * moves bunch on the way (a slow network), while one that really moves
 * faster is held to the rate once its small reserve is spent. When the
 * server itself falls behind, the moves it could not read in time arrive
 * together: the reserve grows by the windows the loop was late, so nobody
 * is corrected for the server's delay.
 */
static double
step_burst(void)
{
	return (double)cfg->movement_max_steps_per_tick * cfg->movement_burst_ticks;
}

int
world_take_steps(struct player *p, int steps)
{
	double rate = (double)cfg->movement_max_steps_per_tick * 1000.0 / cfg->movement_tick_ms;
	uint64_t now = tick_mono_ms(), lag = tick_lag_ms(now);
	double burst = step_burst() + (double)cfg->movement_max_steps_per_tick *
	    (double)((lag + (uint64_t)cfg->movement_tick_ms - 1) / (uint64_t)cfg->movement_tick_ms);

	if (steps <= 0)
		return 1;
	return bucket_take_n(&p->steps, steps, rate, burst, now);
}

static void
world_activate(struct client *c)
{
	struct player *p, *q, *next;
	uint32_t r[2];

	if (c->player != NULL)
		return;
	/* One presence per account: a newer connection takes over. */
	for (q = TAILQ_FIRST(&roster); q != NULL; q = next) {
		next = TAILQ_NEXT(q, roster_entry);
		if (q->c->session->account_id != c->session->account_id)
			continue;
		struct client *old = q->c;

		log_notice("%s: %s connected again from %s; closing the older connection %s",
		    c->id, c->session->username, c->ip, old->id);
		client_send_json(old, json_tokener_parse(
		    "{\"type\":\"auth_result\",\"ok\":false,"
		    "\"message\":\"You connected from another window; this one is closed.\"}"));
		world_leave(q, "replaced");	/* frees q */
		client_close(old, WS_CLOSE_NORMAL, "Connected elsewhere");
	}

	p = xcalloc(1, sizeof *p);
	p->c = c;
	p->bucket = -1;
	c->player = p;
	if (c->session->has_saved_pos && world_in_bounds(c->session->saved_x, c->session->saved_y)) {
		p->x = c->session->saved_x;
		p->y = c->session->saved_y;
	} else {
		RAND_bytes((uint8_t *)r, sizeof r);
		p->x = (int)(r[0] % (uint32_t)grid);
		p->y = (int)(r[1] % (uint32_t)grid);
	}
	bucket_init(&p->steps, step_burst(), tick_mono_ms());
	bucket_init(&p->chat, cfg->chat_burst, tick_mono_ms());
	unique_nickname(p, c->session->saved_nickname[0] != '\0' ? c->session->saved_nickname : c->session->username);
	p->dirty_since_ms = 0;

	TAILQ_INSERT_TAIL(&roster, p, roster_entry);
	roster_count++;
	interest_place(p);
	log_info("%s: %s joins as \"%s\" at %d, %d", c->id, c->session->username, p->nickname, p->x, p->y);

	client_send_json(c, welcome_json(p));
	if (radius == 0) {
		struct json_object *o = world_user_json(p, "user_joined");

		json_object_object_add(o, "reason", json_object_new_string("login"));
		world_send_json_all(o, c);
	} else
		interest_foreach_rect(p->x - radius, p->y - radius, p->x + radius, p->y + radius, arrive_near, p);
	/*
	 * Arrivals and departures are announced to those who perceive them: with
	 * an interest radius, telling a whole city of every login is O(n^2).
	 */
	world_system_chat_near(p->x, p->y, c, "%s has logged in.", p->nickname);
}

static void
leave_near(struct player *q, void *arg)
{
	struct player *p = arg;

	if (q != p && world_distance(q->x, q->y, p->x, p->y) <= radius)
		send_presence(q->c, p, "user_left", "logout");
}

/* Everything a departure needs, exactly once (the player is freed). */
static void
world_leave(struct player *p, const char *why)
{
	struct client *c = p->c;
	struct json_object *o;
	int i;

	TAILQ_REMOVE(&roster, p, roster_entry);
	roster_count--;
	for (i = 0; i < nleave; i++)
		leave_fns[i](p);
	state_flush_now(p);
	if (radius == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("user_left"));
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "reason", json_object_new_string("logout"));
		world_send_json_all(o, c);
	} else
		interest_foreach_rect(p->x - radius, p->y - radius, p->x + radius, p->y + radius, leave_near, p);
	interest_remove(p);
	world_system_chat_near(p->x, p->y, c, "%s has logged out.", p->nickname);
	log_info("%s: %s (\"%s\") left: %s", c->id, c->session->username, p->nickname, why);
	c->player = NULL;
	free(p);
}

static void
world_teardown(struct client *c)
{
	if (c->player != NULL)
		world_leave(c->player, "disconnected");
}

static void
world_metrics(struct metrics_out *o)
{
	struct player *p;
	double n = 0;

	TAILQ_FOREACH(p, &roster, roster_entry)
		n++;
	metrics_family(o, "chatgrid_players", "gauge", "Users logged in and in the world.");
	metrics_sample(o, "chatgrid_players", NULL, n);
}

void
world_init(void)
{
	proto_register(proto_world_msgs);
	proto_register(proto_chat_msgs);
	grid = cfg->grid_size;
	radius = cfg->interest_radius;
	if (radius > 0)
		interest_init(grid, radius);
	auth_on_activate(world_activate);
	client_on_teardown(world_teardown);
	metrics_add_collector(world_metrics);
	state_init();
}
