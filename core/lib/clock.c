/* clock.c: the monotonic and the wall clock in milliseconds (clock.h). */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include "clock.h"

static uint64_t
to_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_mono_ms(void)
{
	return to_ms(CLOCK_MONOTONIC);
}

uint64_t
clock_wall_ms(void)
{
	return to_ms(CLOCK_REALTIME);
}
