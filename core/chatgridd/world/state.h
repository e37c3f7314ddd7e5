/*
 * state.h: account state (last nickname and position) written behind: a
 * change is saved state_debounce_ms after the last one, or at the latest
 * state_max_delay_ms after the first unsaved one; always at departure and
 * at shutdown.
 */
#ifndef CG_STATE_H
#define CG_STATE_H

struct player;

void state_init(void);
/* p's nickname or position changed. */
void state_touch(struct player *);
/* Save p now (departure). */
void state_flush_now(struct player *);

#endif
