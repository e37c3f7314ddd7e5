/* password.c: argon2id through libargon2; salts from OpenSSL's CSPRNG. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "cfg.h"
#include "password.h"

#define SALT_LEN 16
#define HASH_LEN 32

void
password_params_from_cfg(const struct config *c, struct password_params *p)
{
	p->t_cost = (uint32_t)c->argon2_time_cost;
	p->m_kib = (uint32_t)c->argon2_memory_kib;
	p->parallelism = (uint32_t)c->argon2_parallelism;
}

int
password_hash(const char *pw, const struct password_params *p, char out[PASSWORD_ENCODED_MAX])
{
	uint8_t salt[SALT_LEN];

	if (RAND_bytes(salt, sizeof salt) != 1)
		return -1;
	if (argon2id_hash_encoded(p->t_cost, p->m_kib, p->parallelism, pw, strlen(pw),
	    salt, sizeof salt, HASH_LEN, out, PASSWORD_ENCODED_MAX) != ARGON2_OK)
		return -1;
	return 0;
}

int
password_verify(const char *encoded, const char *pw)
{
	if (strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

int
password_needs_rehash(const char *encoded, const struct password_params *p)
{
	unsigned v, m, t, par;

	if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$", &v, &m, &t, &par) != 4)
		return 1;
	return v != ARGON2_VERSION_NUMBER || m != p->m_kib || t != p->t_cost || par != p->parallelism;
}
