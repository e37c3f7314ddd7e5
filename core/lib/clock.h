/*
 * clock.h: milliseconds on the monotonic clock (durations, deadlines) and on
 * the wall clock (timestamps others read). Needs only libc, so the plugins
 * compile it in too (plugins/radio_station/local.mk).
 */
#ifndef CG_CLOCK_H
#define CG_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t clock_mono_ms(void);
/* CLOCK_REALTIME in milliseconds since the epoch. */
uint64_t clock_wall_ms(void);

#endif
