/*
 * sweep.h: tables that would only grow, kept bounded: sessions past their
 * expiry are deleted from the database every session_sweep_interval_s, at
 * most session_sweep_batch rows a statement (a full batch is followed by
 * another a second later, so a backlog drains without one long statement).
 */
#ifndef CG_SWEEP_H
#define CG_SWEEP_H

/* Register the statements and the tick (before db_start). Without a database it does nothing. */
void sweep_init(void);

#endif
