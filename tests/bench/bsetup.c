/*
 * bsetup.c: `chatgrid-bench setup` creates the bench's accounts directly in
 * chatgridd's database, so that connecting thousands of users costs no
 * Argon2id: every account gets the same real argon2id PHC hash of one
 * password (computed once here, with the daemon's default cost, so the
 * login storm verifies real hashes), and each of the first --sessions
 * accounts gets a session whose token the bench derives again at run time
 * (cb_token). token_hash is HMAC-SHA256(key, token) in hex, where key is
 * SHA-256(CHGRID_AUTH_SECRET) when that variable is set (as chatgridd
 * does), else the server_secrets row 'session_hmac' that chatgridd seeded
 * at its first start.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "bench.h"

void
cb_token(const char *seed, int i, char out[65])
{
	uint8_t md[32];
	char in[256];
	unsigned len = 0;
	int k;

	snprintf(in, sizeof in, "%s:%d", seed, i);
	EVP_Digest(in, strlen(in), md, &len, EVP_sha256(), NULL);
	for (k = 0; k < 32; k++)
		snprintf(out + 2 * k, 3, "%02x", md[k]);
	out[64] = '\0';
}

void
cb_username(const char *prefix, int i, char out[40])
{
	snprintf(out, 40, "%s_%05d", prefix, i);
}

static int
exec_ok(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "chatgrid-bench setup: %s\n  in: %.200s\n", PQerrorMessage(db), sql);
	PQclear(r);
	return ok ? 0 : -1;
}

static int
hmac_key(PGconn *db, uint8_t key[32])
{
	const char *env = getenv("CHGRID_AUTH_SECRET");
	unsigned len = 0;
	PGresult *r;
	const char *h;
	int i;

	if (env != NULL && env[strspn(env, " \t")] != '\0') {
		EVP_Digest(env, strlen(env), key, &len, EVP_sha256(), NULL);
		return 0;
	}
	r = PQexec(db, "SELECT encode(value, 'hex') FROM server_secrets WHERE name = 'session_hmac'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(stderr, "chatgrid-bench setup: no session_hmac secret (start chatgridd once first): %s\n",
		    PQerrorMessage(db));
		PQclear(r);
		return -1;
	}
	h = PQgetvalue(r, 0, 0);
	for (i = 0; i < 32; i++) {
		unsigned b;

		sscanf(h + 2 * i, "%2x", &b);
		key[i] = (uint8_t)b;
	}
	PQclear(r);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: chatgrid-bench setup --db CONNINFO [--prefix bench] [--accounts N] [--sessions N]\n"
	    "         [--seed SEED] [--password PW] [--argon2-t 3] [--argon2-m 65536] [--argon2-p 1]\n");
}

int
cb_setup_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "accounts", required_argument, NULL, 'a' },
		{ "sessions", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "password", required_argument, NULL, 'w' },
		{ "argon2-t", required_argument, NULL, 't' },
		{ "argon2-m", required_argument, NULL, 'm' },
		{ "argon2-p", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = NULL, *prefix = "bench", *seed = "chatgrid-bench", *pw = "bench password 1";
	int accounts = 0, sessions = -1, t = 3, m = 65536, par = 1, ch, i, k;
	char hash[256], sql[256], user[40], tok[65], hex[65];
	uint8_t key[32], salt[16], md[32];
	unsigned mdlen;
	PGconn *db;
	char *buf;
	size_t cap, len;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'd': conninfo = optarg; break;
		case 'P': prefix = optarg; break;
		case 'a': accounts = atoi(optarg); break;
		case 's': sessions = atoi(optarg); break;
		case 'S': seed = optarg; break;
		case 'w': pw = optarg; break;
		case 't': t = atoi(optarg); break;
		case 'm': m = atoi(optarg); break;
		case 'p': par = atoi(optarg); break;
		default: usage(); return 2;
		}
	}
	if (conninfo == NULL || accounts <= 0) {
		usage();
		return 2;
	}
	if (sessions < 0 || sessions > accounts)
		sessions = accounts;
	for (const char *q = prefix; *q != '\0'; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')) {
			fprintf(stderr, "chatgrid-bench setup: prefix: lowercase letters, digits and - only\n");
			return 2;
		}
	RAND_bytes(salt, sizeof salt);
	if (argon2id_hash_encoded((uint32_t)t, (uint32_t)m, (uint32_t)par, pw, strlen(pw), salt, sizeof salt,
	    32, hash, sizeof hash) != ARGON2_OK) {
		fprintf(stderr, "chatgrid-bench setup: argon2id failed\n");
		return 1;
	}
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "chatgrid-bench setup: %s", PQerrorMessage(db));
		return 1;
	}
	if (hmac_key(db, key) != 0)
		return 1;
	if (exec_ok(db, "BEGIN") != 0)
		return 1;
	snprintf(sql, sizeof sql, "DELETE FROM accounts WHERE username LIKE '%s\\_%%'", prefix);
	if (exec_ok(db, sql) != 0)
		return 1;
	cap = 1 << 20;
	buf = malloc(cap);
	for (i = 0; i < accounts; i += 1000) {
		len = (size_t)snprintf(buf, cap, "INSERT INTO accounts (username, password_hash, role_id) VALUES ");
		for (k = i; k < accounts && k < i + 1000; k++) {
			cb_username(prefix, k, user);
			len += (size_t)snprintf(buf + len, cap - len, "%s('%s', '%s', (SELECT id FROM roles WHERE name = 'user'))",
			    k > i ? "," : "", user, hash);
		}
		if (exec_ok(db, buf) != 0)
			return 1;
	}
	for (i = 0; i < sessions; i += 1000) {
		len = (size_t)snprintf(buf, cap, "INSERT INTO sessions (account_id, token_hash, expires_at) "
		    "SELECT a.id, v.h, now() + interval '30 days' FROM (VALUES ");
		for (k = i; k < sessions && k < i + 1000; k++) {
			cb_username(prefix, k, user);
			cb_token(seed, k, tok);
			mdlen = 0;
			HMAC(EVP_sha256(), key, sizeof key, (const uint8_t *)tok, strlen(tok), md, &mdlen);
			for (int b = 0; b < 32; b++)
				snprintf(hex + 2 * b, 3, "%02x", md[b]);
			len += (size_t)snprintf(buf + len, cap - len, "%s('%s', '%s')", k > i ? "," : "", user, hex);
		}
		len += (size_t)snprintf(buf + len, cap - len, ") AS v(u, h) JOIN accounts a ON a.username = v.u");
		if (exec_ok(db, buf) != 0)
			return 1;
	}
	free(buf);
	if (exec_ok(db, "COMMIT") != 0 || exec_ok(db, "ANALYZE accounts") != 0 || exec_ok(db, "ANALYZE sessions") != 0)
		return 1;
	PQfinish(db);
	printf("setup: %d accounts %s_00000.., %d sessions (argon2id t=%d m=%d p=%d)\n", accounts, prefix,
	    sessions, t, m, par);
	return 0;
}

/*
 * `chatgrid-bench items`: the big-world scenario's items, written straight
 * into the items table (chatgridd loads them at start): --count widgets on
 * the cells of a --grid x --grid world, spread evenly (cell i * step), with
 * default parameters. --count 0 removes them again.
 */
int
cb_items_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "grid", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = NULL;
	int count = -1, grid = 0, ch;
	double step;
	char sql[1024];
	PGconn *db;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'd': conninfo = optarg; break;
		case 'n': count = atoi(optarg); break;
		case 'g': grid = atoi(optarg); break;
		default: count = -1; conninfo = NULL; break;
		}
	}
	if (conninfo == NULL || count < 0 || (count > 0 && (grid <= 0 || (long long)grid * grid < count))) {
		fprintf(stderr, "usage: chatgrid-bench items --db CONNINFO --count N --grid G (N <= G * G)\n");
		return 2;
	}
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "chatgrid-bench items: %s", PQerrorMessage(db));
		return 1;
	}
	if (exec_ok(db, "DELETE FROM items WHERE created_by_name = 'chatgrid-bench'") != 0)
		return 1;
	if (count > 0) {
		step = (double)grid * grid / count;
		snprintf(sql, sizeof sql,
		    "INSERT INTO items (id, type, title, x, y, params, created_by_name, updated_by_name) "
		    "SELECT md5('bench item ' || g)::uuid, 'widget', 'Widget', c %% %d, c / %d, '{}', "
		    "'chatgrid-bench', 'chatgrid-bench' "
		    "FROM (SELECT g, floor(g * %.6f)::int AS c FROM generate_series(0, %d) g) s",
		    grid, grid, step, count - 1);
		if (exec_ok(db, sql) != 0 || exec_ok(db, "ANALYZE items") != 0)
			return 1;
	}
	PQfinish(db);
	printf("items: %d widgets on a %d x %d grid\n", count, grid, grid);
	return 0;
}
