/* tick.h: one periodic timer on the monotonic clock; periodic work hangs off it. */
#ifndef CG_TICK_H
#define CG_TICK_H

#include <stdint.h>

struct event_base;

typedef void (*tick_fn)(uint64_t now_ms, void *arg);

/* Start the timer with a period of period_ms. */
void tick_start(struct event_base *, int period_ms);
void tick_stop(void);
/*
 * Run fn every interval_ms (rounded up to whole ticks). Returns a handle for
 * tick_remove. fn may call tick_remove on itself or on others.
 */
int tick_add(const char *name, int interval_ms, tick_fn fn, void *arg);
void tick_remove(int handle);
/*
 * How far behind the loop is or lately was (ms): how late the tick runs now,
 * or the worst lateness of the last few seconds. Work that the loop could not
 * read in time arrives bunched by about this much.
 */
uint64_t tick_lag_ms(uint64_t now_ms);
/* Milliseconds on the monotonic and on the wall clock: clock_mono_ms, clock_wall_ms. */
uint64_t tick_mono_ms(void);
uint64_t tick_wall_ms(void);

#endif
