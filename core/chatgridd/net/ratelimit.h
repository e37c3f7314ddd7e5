/*
 * ratelimit.h: failure windows for authentication: per address and per
 * address + identity; registrations per address. Keys expire with their last failure, so the maps
 * stay as small as the recent failures.
 */
#ifndef CG_RATELIMIT_H
#define CG_RATELIMIT_H

#include <stdint.h>

void ratelimit_init(void);
/* Is this address, or this address for this identity, over its limit now? */
int ratelimit_blocked(const char *ip, const char *identity, uint64_t now_ms);
/* Record a failure for both keys. */
void ratelimit_fail(const char *ip, const char *identity, uint64_t now_ms);
/* Has this address registered auth_register_ip_limit times in its window? */
int ratelimit_register_blocked(const char *ip, uint64_t now_ms);
/* Count one registration (admitted to hashing, whatever its outcome). */
void ratelimit_register(const char *ip, uint64_t now_ms);
/* A success clears the identity's window (not the address's). */
void ratelimit_clear(const char *ip, const char *identity);
/* Keys held (for tests and /healthz). */
unsigned long ratelimit_keys(void);

#endif
