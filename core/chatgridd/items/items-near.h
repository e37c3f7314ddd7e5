/*
 * items-near.h: where items are and which clients know of them. Part of
 * the item store (items.c calls it; nobody else). Items are indexed by
 * cell, so finding the items around a place costs in proportion to the
 * cells and items there, never to the world. Each player has a view: the
 * items it was sent. A client knows the items within item_interest_radius
 * of it (0: the whole world); its welcome holds the nearest of them up to
 * item_batch_bytes, the rest follow as item_upsert batches while its
 * output queue has room, items coming into range are queued the same way,
 * and items going out of range are sent as item_remove.
 */
#ifndef CG_ITEMS_NEAR_H
#define CG_ITEMS_NEAR_H

struct item;
struct json_object;
struct player;

void items_near_init(void);

/* Index an item (new or loaded); nobody is told. */
void items_near_add(struct item *);
/* The item is being deleted: item_remove to those who know it; unindexed. */
void items_near_remove(struct item *);
/*
 * The item changed (maybe moved): reindex it, send item_upsert to those
 * who have it in range and item_remove to those who knew it and no longer
 * have it in range. Kept items (no type) are only reindexed.
 */
void items_near_changed(struct item *);
/* Is a live item on the ground at (x, y)? O(1). */
int items_near_item_at(int x, int y);

/* A player arrives: its view starts; returns welcome.items (the nearest, within the budget). */
struct json_object *items_near_welcome(struct player *);
/* A player moved (world_on_move): items into and out of its range. Register before the carriers' hook. */
void items_near_moved(struct player *);
/* A player leaves: its view goes. */
void items_near_left(struct player *);
/* Send queued items to clients with room in their output (every tick). */
void items_near_pump(void);

#endif
