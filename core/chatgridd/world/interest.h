/*
 * interest.h: who is near whom. With an interest radius the grid is cut into
 * square buckets with the radius as edge; a player sits in the bucket of its
 * square, so the players within r cells of a point are found in the few
 * buckets around it instead of on the whole roster. It knows players only
 * by position (struct player's x, y, bucket and bucket_entry).
 */
#ifndef CG_INTEREST_H
#define CG_INTEREST_H

struct player;

/* Buckets for a grid of side grid with edge radius (> 0); again frees the old ones. */
void interest_init(int grid, int radius);
void interest_free(void);
/* Put p in the bucket of its square (after a move, or when it arrives). */
void interest_place(struct player *p);
/* Take p out of its bucket (when it leaves). */
void interest_remove(struct player *p);
/*
 * Call fn for every player in the buckets touching the rectangle (x0, y0)
 * to (x1, y1), corners included and clipped to the grid: every player in
 * the rectangle exactly once, and maybe some just outside it (fn measures
 * for itself). fn may not move or remove players other than the one it has.
 */
void interest_foreach_rect(int x0, int y0, int x1, int y1, void (*fn)(struct player *, void *), void *arg);

#endif
