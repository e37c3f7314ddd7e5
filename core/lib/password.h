/*
 * password.h: argon2id password hashes as PHC strings. Thread-safe and
 * blocking: call from worker threads (worker.h), never from the loop.
 */
#ifndef CG_PASSWORD_H
#define CG_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

struct config;

struct password_params {
	uint32_t t_cost;	/* iterations */
	uint32_t m_kib;		/* memory in KiB */
	uint32_t parallelism;
};

#define PASSWORD_ENCODED_MAX 160

/* The configured costs (argon2_time_cost, argon2_memory_kib, argon2_parallelism). */
void password_params_from_cfg(const struct config *, struct password_params *);

/* Hash with a fresh random salt into out; 0, or -1 on failure. */
int password_hash(const char *pw, const struct password_params *, char out[PASSWORD_ENCODED_MAX]);
/* 1 if pw matches the encoded hash, 0 if not (or if the hash is malformed). */
int password_verify(const char *encoded, const char *pw);
/* 1 if encoded was made with parameters other than these. */
int password_needs_rehash(const char *encoded, const struct password_params *);

#endif
