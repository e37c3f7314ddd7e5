/*
 * items-near.c: the items' cell index and the players' views of them
 * (see items-near.h). A view holds the ids its client was sent (known) and
 * a queue of ids still to send, nearest first at arrival. The rule kept
 * everywhere: a client knows an item only while the item's indexed cell
 * is within range of the view's cell, so a deletion or a move needs to
 * look only at the players around the item.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "cfg.h"
#include "items-near.h"
#include "items.h"
#include "net/client.h"
#include "strmap.h"
#include "world/world.h"
#include "xmalloc.h"

/* ---- the cell index ---- */

struct icell {
	int x, y;
	struct item_list items;		/* by cell_entry */
	struct icell *next;		/* hash chain */
};

static struct icell **slots;
static size_t nslots, ncells;

static size_t
cell_hash(int x, int y)
{
	uint64_t k = ((uint64_t)(uint32_t)x << 32) | (uint32_t)y;

	k *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(k >> 29) & (nslots - 1);
}

static struct icell *
cell_find(int x, int y)
{
	struct icell *c;

	for (c = slots[cell_hash(x, y)]; c != NULL; c = c->next)
		if (c->x == x && c->y == y)
			return c;
	return NULL;
}

static void
cells_grow(void)
{
	struct icell **old = slots, *c, *next;
	size_t i, n = nslots;

	nslots *= 2;
	slots = xcalloc(nslots, sizeof *slots);
	for (i = 0; i < n; i++)
		for (c = old[i]; c != NULL; c = next) {
			size_t h = cell_hash(c->x, c->y);

			next = c->next;
			c->next = slots[h];
			slots[h] = c;
		}
	free(old);
}

static void
index_put(struct item *it)
{
	struct icell *c = cell_find(it->x, it->y);
	size_t h;

	if (c == NULL) {
		if (ncells + 1 > nslots)
			cells_grow();
		c = xcalloc(1, sizeof *c);
		c->x = it->x;
		c->y = it->y;
		TAILQ_INIT(&c->items);
		h = cell_hash(c->x, c->y);
		c->next = slots[h];
		slots[h] = c;
		ncells++;
	}
	TAILQ_INSERT_TAIL(&c->items, it, cell_entry);
	it->ix = it->x;
	it->iy = it->y;
	it->indexed = 1;
}

static void
index_drop(struct item *it)
{
	struct icell *c, **pp;

	if (!it->indexed)
		return;
	it->indexed = 0;
	for (pp = &slots[cell_hash(it->ix, it->iy)]; (c = *pp) != NULL; pp = &c->next)
		if (c->x == it->ix && c->y == it->iy)
			break;
	if (c == NULL)
		return;
	TAILQ_REMOVE(&c->items, it, cell_entry);
	if (TAILQ_EMPTY(&c->items)) {
		*pp = c->next;
		free(c);
		ncells--;
	}
}

struct rect {
	int x0, y0, x1, y1;
};

static int
rect_has(const struct rect *r, int x, int y)
{
	return r != NULL && x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

static int
radius(void)
{
	return cfg->item_interest_radius;
}

/* The cells a view at (x, y) covers, clipped to the grid. */
static struct rect
range_rect(int x, int y)
{
	struct rect r;
	int g = world_grid_size(), rad = radius();

	if (rad == 0) {
		r.x0 = r.y0 = 0;
		r.x1 = r.y1 = g - 1;
		return r;
	}
	r.x0 = x - rad < 0 ? 0 : x - rad;
	r.y0 = y - rad < 0 ? 0 : y - rad;
	r.x1 = x + rad >= g ? g - 1 : x + rad;
	r.y1 = y + rad >= g ? g - 1 : y + rad;
	return r;
}

static int
in_range(int vx, int vy, int x, int y)
{
	return radius() == 0 || world_distance(vx, vy, x, y) <= radius();
}

/* Call fn for every item on the cells of r (fn may remove the item it is given). */
static void
foreach_in_rect(const struct rect *r, void (*fn)(struct item *, void *), void *arg)
{
	struct icell *c;
	struct item *it, *next;
	int x, y;

	for (y = r->y0; y <= r->y1; y++)
		for (x = r->x0; x <= r->x1; x++) {
			if ((c = cell_find(x, y)) == NULL)
				continue;
			for (it = TAILQ_FIRST(&c->items); it != NULL; it = next) {
				next = TAILQ_NEXT(it, cell_entry);
				fn(it, arg);
			}
		}
}

/*
 * a without b as at most four rectangles (the rows above and below b, and
 * the parts left and right of b in its rows); how many into out.
 */
static int
rect_minus(const struct rect *a, const struct rect *b, struct rect out[4])
{
	int n = 0, y0, y1;

	if (b == NULL || b->x1 < a->x0 || b->x0 > a->x1 || b->y1 < a->y0 || b->y0 > a->y1) {
		out[0] = *a;
		return 1;
	}
	if (b->y0 > a->y0)
		out[n++] = (struct rect){ a->x0, a->y0, a->x1, b->y0 - 1 };
	if (b->y1 < a->y1)
		out[n++] = (struct rect){ a->x0, b->y1 + 1, a->x1, a->y1 };
	y0 = b->y0 > a->y0 ? b->y0 : a->y0;
	y1 = b->y1 < a->y1 ? b->y1 : a->y1;
	if (b->x0 > a->x0)
		out[n++] = (struct rect){ a->x0, y0, b->x0 - 1, y1 };
	if (b->x1 < a->x1)
		out[n++] = (struct rect){ b->x1 + 1, y0, a->x1, y1 };
	return n;
}

/*
 * Call fn for every item indexed in a but not in b (b may be NULL). Walks
 * the cells of a outside b (for a step: a strip one cell wide) when they
 * are fewer than the hash's slots, else every slot: the cost follows the
 * area that changed or the items, whichever is less, and nothing at all in
 * a world without items.
 */
static void
foreach_item(const struct rect *a, const struct rect *b, void (*fn)(struct item *, void *), void *arg)
{
	struct rect part[4];
	struct icell *c;
	struct item *it, *next;
	uint64_t area = 0;
	size_t i;
	int n, k;

	if (ncells == 0)
		return;
	n = rect_minus(a, b, part);
	for (k = 0; k < n; k++)
		area += (uint64_t)(part[k].x1 - part[k].x0 + 1) * (uint64_t)(part[k].y1 - part[k].y0 + 1);
	if (area <= (uint64_t)nslots) {
		for (k = 0; k < n; k++)
			foreach_in_rect(&part[k], fn, arg);
		return;
	}
	for (i = 0; i < nslots; i++)
		for (c = slots[i]; c != NULL; c = c->next) {
			if (!rect_has(a, c->x, c->y) || rect_has(b, c->x, c->y))
				continue;
			for (it = TAILQ_FIRST(&c->items); it != NULL; it = next) {
				next = TAILQ_NEXT(it, cell_entry);
				fn(it, arg);
			}
		}
}

int
items_near_item_at(int x, int y)
{
	struct icell *c = cell_find(x, y);
	struct item *it;

	if (c == NULL)
		return 0;
	TAILQ_FOREACH(it, &c->items, cell_entry)
		if (it->type != NULL && it->carrier == NULL)
			return 1;
	return 0;
}

/* ---- views ---- */

struct item_view {
	struct player *p;		/* not owned; p->view points back */
	int x, y;			/* the cell the view covers around */
	struct strmap *known;		/* ids sent; values are the items (not owned) */
	struct strmap *queued;		/* ids in queue; values unused */
	char (*queue)[37];		/* ids still to send, in order */
	size_t qhead, qlen, qcap;
	size_t qcompacted;		/* qlen after the last compaction */
	int pumping;			/* on the pump list */
	TAILQ_ENTRY(item_view) entry;
};

static TAILQ_HEAD(, item_view) pumping = TAILQ_HEAD_INITIALIZER(pumping);

static int
knows(const struct item_view *v, const struct item *it)
{
	return strmap_get(v->known, it->id) != NULL;
}

static void
queue_push(struct item_view *v, const struct item *it)
{
	if (knows(v, it) || strmap_get(v->queued, it->id) != NULL)
		return;
	if (v->qlen == v->qcap) {
		v->qcap = v->qcap == 0 ? 64 : v->qcap * 2;
		v->queue = xreallocarray(v->queue, v->qcap, sizeof *v->queue);
	}
	memcpy(v->queue[v->qlen++], it->id, 37);
	strmap_put(v->queued, it->id, v);
	if (!v->pumping) {
		v->pumping = 1;
		TAILQ_INSERT_TAIL(&pumping, v, entry);
	}
}

/* Drop queued ids that are sent or out of range (a client that does not read while it walks). */
static void
queue_compact(struct item_view *v)
{
	struct item *it;
	size_t i, n = 0;

	for (i = v->qhead; i < v->qlen; i++) {
		it = items_get(v->queue[i]);
		if (it == NULL || knows(v, it) || !in_range(v->x, v->y, it->ix, it->iy)) {
			strmap_del(v->queued, v->queue[i]);
			continue;
		}
		memmove(v->queue[n++], v->queue[i], 37);
	}
	v->qhead = 0;
	v->qlen = n;
	v->qcompacted = n;
}

/*
 * The item as clients see it, as JSON text, kept until the item changes:
 * welcomes and batches send the same item to many clients. A carried item
 * is made afresh (its display names the carrier, whose nickname may change).
 */
static const char *
item_text(struct item *it, size_t *len)
{
	struct json_object *j;
	const char *s;

	if (it->wire == NULL || it->wire_rev != it->rev || it->carrier != NULL) {
		j = items_json(it);
		s = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &it->wire_len);
		free(it->wire);
		it->wire = xmalloc(it->wire_len + 1);
		memcpy(it->wire, s, it->wire_len + 1);
		it->wire_rev = it->rev;
		json_object_put(j);
	}
	*len = it->wire_len;
	return it->wire;
}

static struct outmsg *
upsert_msg(struct item *it)
{
	static const char head[] = "{\"type\":\"item_upsert\",\"item\":";
	size_t len, hl = sizeof head - 1;
	const char *text = item_text(it, &len);
	char *buf = xmalloc(hl + len + 1);
	struct outmsg *m;

	memcpy(buf, head, hl);
	memcpy(buf + hl, text, len);
	buf[hl + len] = '}';
	m = outmsg_new_text(buf, hl + len + 1);
	free(buf);
	return m;
}

static struct outmsg *
remove_msg(const struct item *it)
{
	char buf[96];
	int n = snprintf(buf, sizeof buf, "{\"type\":\"item_remove\",\"itemId\":\"%s\"}", it->id);

	return outmsg_new_text(buf, (size_t)n);
}

/* A welcome's entry: a JSON value that prints as the item's kept text. */
static struct json_object *
item_entry(struct item *it, size_t *len)
{
	struct json_object *j = json_object_new_object();
	const char *text = item_text(it, len);

	json_object_set_serializer(j, json_object_userdata_to_json_string, xstrdup(text), json_object_free_userdata);
	return j;
}

/* Bytes of items a client is sent at once: item_batch_bytes, never over a quarter of its output limit. */
static size_t
batch_bytes(void)
{
	size_t b = (size_t)cfg->item_batch_bytes, q = (size_t)(cfg->max_output_bytes / 4);

	return b < q ? b : q;
}

struct near_hit {
	struct item *it;
	int d;
};

struct collect {
	struct near_hit *hits;
	size_t n, cap;
	int x, y;
};

static void
collect_one(struct item *it, void *arg)
{
	struct collect *c = arg;

	if (it->type == NULL || !in_range(c->x, c->y, it->ix, it->iy))
		return;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 256 : c->cap * 2;
		c->hits = xreallocarray(c->hits, c->cap, sizeof *c->hits);
	}
	c->hits[c->n].it = it;
	c->hits[c->n].d = world_distance(c->x, c->y, it->ix, it->iy);
	c->n++;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct near_hit *x = a, *y = b;

	return (x->d > y->d) - (x->d < y->d);
}

struct json_object *
items_near_welcome(struct player *p)
{
	struct json_object *a = json_object_new_array(), *j;
	struct item_view *v = xcalloc(1, sizeof *v);
	struct collect c = { NULL, 0, 0, p->x, p->y };
	struct rect r = range_rect(p->x, p->y);
	size_t i, used = 0, len, budget = batch_bytes();

	v->p = p;
	v->x = p->x;
	v->y = p->y;
	v->known = strmap_new();
	v->queued = strmap_new();
	p->view = v;
	foreach_item(&r, NULL, collect_one, &c);
	if (c.n > 1)
		qsort(c.hits, c.n, sizeof *c.hits, hit_cmp);
	for (i = 0; i < c.n; i++) {
		if (used >= budget) {
			queue_push(v, c.hits[i].it);
			continue;
		}
		j = item_entry(c.hits[i].it, &len);
		used += len + 1;
		json_object_array_add(a, j);
		strmap_put(v->known, c.hits[i].it->id, c.hits[i].it);
	}
	free(c.hits);
	return a;
}

void
items_near_left(struct player *p)
{
	struct item_view *v = p->view;

	if (v == NULL)
		return;
	if (v->pumping)
		TAILQ_REMOVE(&pumping, v, entry);
	strmap_free(v->known);
	strmap_free(v->queued);
	free(v->queue);
	free(v);
	p->view = NULL;
}

/* ---- moves of players ---- */

struct move_arg {
	struct item_view *v;
	struct outmsg *m;		/* scratch */
};

static void
leaving(struct item *it, void *arg)
{
	struct move_arg *a = arg;
	struct item_view *v = a->v;

	/* The mover's own load moves with it (the carriers' hook follows). */
	if (it->carrier == v->p || in_range(v->x, v->y, it->ix, it->iy) || !knows(v, it))
		return;
	strmap_del(v->known, it->id);
	a->m = remove_msg(it);
	client_send(v->p->c, a->m);
	outmsg_unref(a->m);
}

static void
entering(struct item *it, void *arg)
{
	struct move_arg *a = arg;

	if (it->type != NULL && in_range(a->v->x, a->v->y, it->ix, it->iy))
		queue_push(a->v, it);
}

void
items_near_moved(struct player *p)
{
	struct item_view *v = p->view;
	struct move_arg a = { v, NULL };
	struct rect was, is;

	if (v == NULL || radius() == 0 || (v->x == p->x && v->y == p->y))
		return;
	was = range_rect(v->x, v->y);
	is = range_rect(p->x, p->y);
	v->x = p->x;
	v->y = p->y;
	foreach_item(&was, &is, leaving, &a);
	foreach_item(&is, &was, entering, &a);
	if (v->qlen - v->qhead > 256 && v->qlen > 2 * v->qcompacted)
		queue_compact(v);
}

/* ---- changes of items ---- */

struct change_arg {
	struct item *it;
	int ox, oy;			/* where it was shown before */
	struct outmsg *up, *rm;		/* built on first use */
	int pass;			/* 0: around the new place, 1: around the old one */
};

static void
change_one(struct player *q, void *arg)
{
	struct change_arg *a = arg;
	struct item_view *v = q->view;
	struct item *it = a->it;

	if (v == NULL)
		return;
	if (in_range(v->x, v->y, it->ix, it->iy)) {
		if (a->pass == 1)
			return;		/* done in pass 0 */
		if (a->up == NULL)
			a->up = upsert_msg(it);
		client_send(q->c, a->up);
		strmap_put(v->known, it->id, it);
	} else if (a->pass == 1 && knows(v, it)) {
		if (a->rm == NULL)
			a->rm = remove_msg(it);
		client_send(q->c, a->rm);
		strmap_del(v->known, it->id);
	}
}

static int
reach(void)
{
	return radius() == 0 ? world_grid_size() : radius();
}

void
items_near_changed(struct item *it)
{
	struct change_arg a = { it, it->ix, it->iy, NULL, NULL, 0 };
	int moved = !it->indexed || it->ix != it->x || it->iy != it->y;

	if (moved) {
		index_drop(it);
		index_put(it);
	}
	if (it->type == NULL)
		return;
	world_foreach_near(it->ix, it->iy, reach(), change_one, &a);
	if (moved) {
		a.pass = 1;
		world_foreach_near(a.ox, a.oy, reach(), change_one, &a);
	}
	if (a.up != NULL)
		outmsg_unref(a.up);
	if (a.rm != NULL)
		outmsg_unref(a.rm);
}

void
items_near_add(struct item *it)
{
	index_put(it);
}

static void
remove_one(struct player *q, void *arg)
{
	struct change_arg *a = arg;
	struct item_view *v = q->view;

	if (v == NULL || !knows(v, a->it))
		return;
	if (a->rm == NULL)
		a->rm = remove_msg(a->it);
	client_send(q->c, a->rm);
	strmap_del(v->known, a->it->id);
}

void
items_near_remove(struct item *it)
{
	struct change_arg a = { it, it->ix, it->iy, NULL, NULL, 1 };

	if (it->indexed)
		world_foreach_near(it->ix, it->iy, reach(), remove_one, &a);
	if (a.rm != NULL)
		outmsg_unref(a.rm);
	index_drop(it);
}

/* ---- sending what is queued ---- */

/* Pops looked at per client per pump, sent or skipped: bounds the work of one tick. */
#define PUMP_MAX_POPS 4096

static void
pump_one(struct item_view *v)
{
	struct client *c = v->p->c;
	size_t sent = 0, budget = batch_bytes(), low = (size_t)(cfg->max_output_bytes / 4);
	struct outmsg *m;
	struct item *it;
	int pops = 0;

	while (v->qhead < v->qlen && sent < budget && pops++ < PUMP_MAX_POPS &&
	    c->state == CS_WS && evbuffer_get_length(client_output(c)) < low) {
		strmap_del(v->queued, v->queue[v->qhead]);
		it = items_get(v->queue[v->qhead++]);
		if (it == NULL || knows(v, it) || !in_range(v->x, v->y, it->ix, it->iy))
			continue;
		m = upsert_msg(it);
		sent += m->len;
		client_send(c, m);
		outmsg_unref(m);
		strmap_put(v->known, it->id, it);
	}
	if (v->qhead == v->qlen) {
		v->qhead = v->qlen = v->qcompacted = 0;
		TAILQ_REMOVE(&pumping, v, entry);
		v->pumping = 0;
	}
}

void
items_near_pump(void)
{
	struct item_view *v, *next;

	for (v = TAILQ_FIRST(&pumping); v != NULL; v = next) {
		next = TAILQ_NEXT(v, entry);
		pump_one(v);
	}
}

void
items_near_init(void)
{
	nslots = 1024;
	slots = xcalloc(nslots, sizeof *slots);
}
