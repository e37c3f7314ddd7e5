/* bucket.c: refill lazily on use, so idle buckets cost nothing. */
#include "config.h"

#include "bucket.h"

void
bucket_init(struct bucket *b, double burst, uint64_t now_ms)
{
	b->tokens = burst;
	b->last_ms = now_ms;
}

int
bucket_take(struct bucket *b, double rate_per_s, double burst, uint64_t now_ms)
{
	if (now_ms > b->last_ms)
		b->tokens += (double)(now_ms - b->last_ms) * rate_per_s / 1000.0;
	b->last_ms = now_ms;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}
