/* seed.c: idempotent start-up seeding, on a short-lived blocking connection. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "perm.h"
#include "seed.h"

static PGconn *
seed_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn *db = PQconnectdb(conninfo);

	if (PQstatus(db) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(db));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(db);
		return NULL;
	}
	return db;
}

static int
seed_exec(PGconn *db, const char *sql, int n, const char *const *v, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(db, sql, n, NULL, v, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok) {
		snprintf(err, errlen, "seeding failed: %s", PQresultErrorMessage(r));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(r);
	return ok ? 0 : -1;
}

int
seed_roles(const char *conninfo, char *err, size_t errlen)
{
	PGconn *db;
	const char *v[2];
	int i, j, rc = -1;

	if ((db = seed_connect(conninfo, err, errlen)) == NULL)
		return -1;
	if (seed_exec(db, "BEGIN", 0, NULL, err, errlen) != 0 ||
	    seed_exec(db, "SELECT pg_advisory_xact_lock(7364001)", 0, NULL, err, errlen) != 0)
		goto out;
	for (i = 0; i < P_COUNT; i++) {
		v[0] = perm_defs[i].key;
		v[1] = perm_defs[i].description;
		if (seed_exec(db, "INSERT INTO permissions (key, description) VALUES ($1, $2) "
		    "ON CONFLICT (key) DO UPDATE SET description = EXCLUDED.description",
		    2, v, err, errlen) != 0)
			goto out;
	}
	for (j = 0; j < 4; j++) {
		v[0] = perm_system_roles[j].name;
		if (seed_exec(db, "INSERT INTO roles (name, is_system) VALUES ($1, true) "
		    "ON CONFLICT (name) DO UPDATE SET is_system = true", 1, v, err, errlen) != 0)
			goto out;
	}
	/* admin holds every key, always. */
	if (seed_exec(db, "INSERT INTO role_permissions (role_id, permission_key) "
	    "SELECT r.id, p.key FROM roles r, permissions p WHERE r.name = 'admin' "
	    "ON CONFLICT DO NOTHING", 0, NULL, err, errlen) != 0)
		goto out;
	for (j = 1; j < 4; j++) {
		for (i = 0; i < P_COUNT; i++) {
			if (!(perm_defs[i].roles & perm_system_roles[j].bit))
				continue;
			v[0] = perm_system_roles[j].name;
			v[1] = perm_defs[i].key;
			/* Only into a role nobody has configured yet. */
			if (seed_exec(db, "INSERT INTO role_permissions (role_id, permission_key) "
			    "SELECT r.id, $2 FROM roles r WHERE r.name = $1 AND NOT EXISTS "
			    "(SELECT 1 FROM schema_seed s WHERE s.role_name = $1) "
			    "ON CONFLICT DO NOTHING", 2, v, err, errlen) != 0)
				goto out;
		}
		v[0] = perm_system_roles[j].name;
		if (seed_exec(db, "INSERT INTO schema_seed (role_name) VALUES ($1) ON CONFLICT DO NOTHING",
		    1, v, err, errlen) != 0)
			goto out;
	}
	rc = seed_exec(db, "COMMIT", 0, NULL, err, errlen);
out:
	PQfinish(db);
	return rc;
}

int
seed_secret(const char *conninfo, const char *name, uint8_t out[32], char *err, size_t errlen)
{
	PGconn *db;
	PGresult *r;
	uint8_t fresh[32];
	char hex[65];
	const char *v[2];
	size_t i;
	int rc = -1;

	if (RAND_bytes(fresh, sizeof fresh) != 1) {
		snprintf(err, errlen, "no randomness for the %s secret", name);
		return -1;
	}
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
	if ((db = seed_connect(conninfo, err, errlen)) == NULL)
		return -1;
	v[0] = name;
	v[1] = hex;
	/* Whoever inserts first wins; everyone reads the winner's value. */
	if (seed_exec(db, "INSERT INTO server_secrets (name, value) VALUES ($1, decode($2, 'hex')) "
	    "ON CONFLICT (name) DO NOTHING", 2, v, err, errlen) != 0)
		goto out;
	r = PQexecParams(db, "SELECT encode(value, 'hex') FROM server_secrets WHERE name = $1",
	    1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		snprintf(err, errlen, "cannot read the %s secret", name);
		PQclear(r);
		goto out;
	}
	{
		const char *h = PQgetvalue(r, 0, 0);

		if (strlen(h) < 64) {
			snprintf(err, errlen, "the %s secret is too short", name);
			PQclear(r);
			goto out;
		}
		for (i = 0; i < 32; i++) {
			unsigned b;

			sscanf(h + 2 * i, "%2x", &b);
			out[i] = (uint8_t)b;
		}
	}
	PQclear(r);
	rc = 0;
out:
	PQfinish(db);
	return rc;
}
