/* bucket.h: token buckets, for the per-connection message and per-player chat limits. */
#ifndef CG_BUCKET_H
#define CG_BUCKET_H

#include <stdint.h>

struct bucket {
	double tokens;
	uint64_t last_ms;
};

/* Start full. */
void bucket_init(struct bucket *, double burst, uint64_t now_ms);
/* Refill at rate per second up to burst; take one token if there is one (1) or not (0). */
int bucket_take(struct bucket *, double rate_per_s, double burst, uint64_t now_ms);
/* The same for n tokens: all of them (1) or none (0). */
int bucket_take_n(struct bucket *, double n, double rate_per_s, double burst, uint64_t now_ms);

#endif
