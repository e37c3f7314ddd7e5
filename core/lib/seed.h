/*
 * seed.h: start-up work on the database after the migrations, blocking:
 * the permission keys and system roles from perm.c's table, and the
 * server's secrets.
 */
#ifndef CG_SEED_H
#define CG_SEED_H

#include <stddef.h>
#include <stdint.h>

/*
 * Insert missing permission keys (descriptions updated), insert missing
 * system roles, give admin every key, and give each other system role its
 * default keys when it has none (so edits by admins survive restarts).
 * Returns 0, or -1 with a reason in err.
 */
int seed_roles(const char *conninfo, char *err, size_t errlen);
/*
 * Fetch the named 32-byte secret, creating it at random the first time
 * (every daemon on the database then shares it). Returns 0 or -1.
 */
int seed_secret(const char *conninfo, const char *name, uint8_t out[32], char *err, size_t errlen);

#endif
