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
bucket_take_n(struct bucket *b, double n, double rate_per_s, double burst, uint64_t now_ms)
{
	if (now_ms > b->last_ms)
		b->tokens += (double)(now_ms - b->last_ms) * rate_per_s / 1000.0;
	b->last_ms = now_ms;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens < n)
		return 0;
	b->tokens -= n;
	return 1;
}

int
bucket_take(struct bucket *b, double rate_per_s, double burst, uint64_t now_ms)
{
	return bucket_take_n(b, 1.0, rate_per_s, burst, now_ms);
}
