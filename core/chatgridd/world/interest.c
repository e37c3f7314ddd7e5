/*
 * interest.c: the buckets of interest management (interest.h). A bucket is
 * a list of players; a player is in at most one (p->bucket, -1 for none).
 */
#include "config.h"

#include <stdlib.h>
#include <sys/queue.h>

#include "interest.h"
#include "world.h"
#include "xmalloc.h"

static struct player_list *buckets;	/* bsize x bsize cells each */
static int bsize, bside;		/* bucket edge, buckets per side */
static int grid;

void
interest_free(void)
{
	free(buckets);
	buckets = NULL;
	bsize = bside = grid = 0;
}

void
interest_init(int grid_size, int radius)
{
	int i;

	interest_free();
	grid = grid_size;
	bsize = radius;
	bside = (grid + bsize - 1) / bsize;
	buckets = xcalloc((size_t)bside * (size_t)bside, sizeof *buckets);
	for (i = 0; i < bside * bside; i++)
		TAILQ_INIT(&buckets[i]);
}

static int
bucket_of(int x, int y)
{
	return (y / bsize) * bside + x / bsize;
}

void
interest_place(struct player *p)
{
	int b;

	if (buckets == NULL)
		return;
	b = bucket_of(p->x, p->y);
	if (b == p->bucket)
		return;
	if (p->bucket >= 0)
		TAILQ_REMOVE(&buckets[p->bucket], p, bucket_entry);
	TAILQ_INSERT_TAIL(&buckets[b], p, bucket_entry);
	p->bucket = b;
}

void
interest_remove(struct player *p)
{
	if (p->bucket >= 0)
		TAILQ_REMOVE(&buckets[p->bucket], p, bucket_entry);
	p->bucket = -1;
}

void
interest_foreach_rect(int x0, int y0, int x1, int y1, void (*fn)(struct player *, void *), void *arg)
{
	struct player *q, *next;
	int bx, by;

	if (buckets == NULL || x1 < 0 || y1 < 0 || x0 >= grid || y0 >= grid)
		return;
	x0 = x0 < 0 ? 0 : x0 / bsize;
	y0 = y0 < 0 ? 0 : y0 / bsize;
	x1 = (x1 >= grid ? grid - 1 : x1) / bsize;
	y1 = (y1 >= grid ? grid - 1 : y1) / bsize;
	for (by = y0; by <= y1; by++)
		for (bx = x0; bx <= x1; bx++)
			for (q = TAILQ_FIRST(&buckets[by * bside + bx]); q != NULL; q = next) {
				next = TAILQ_NEXT(q, bucket_entry);
				fn(q, arg);
			}
}
