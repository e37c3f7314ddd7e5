/*
 * items-db.h: items in PostgreSQL (internal to items.c): the load at
 * start-up and the write-behind, coalesced into transactions.
 */
#ifndef CG_ITEMS_DB_H
#define CG_ITEMS_DB_H

#include <stdint.h>

struct json_object;

struct item;

void items_db_init(void);
/* Blocking, at start-up: put down carried items, then load every row. */
void items_db_load(void);
/* Queue an item's row for writing / deleting. */
void items_db_dirty(struct item *);
void items_db_deleted(struct item *);
/*
 * May one more delete be queued? 0 while item_delete_backlog_max deletions
 * wait for an unavailable database (logged at most every 10 s).
 */
int items_db_delete_room(void);
/*
 * Save (body an object) or delete (body NULL) one of its songs, at once. A
 * save past song_account_max_kib for the item's owner is not written: the
 * owner and account_id (who recorded it) are told, and it is logged.
 */
void items_db_song_save(const struct item *it, const char *song_id, struct json_object *body, int64_t account_id);
/* Load a song written by one of types (a JSON array of type ids); fn(arg, song or NULL) runs later. */
void items_db_song_load(const char *song_id, struct json_object *types, void (*fn)(void *, struct json_object *),
    void *arg);
/* From the items tick: write what is due. */
void items_db_tick(uint64_t now);

/* items.c's store, for the loader. */
struct item *items_add_loaded(struct item *);
struct item *items_find_any(const char *id);
void items_free(struct item *);

#endif
