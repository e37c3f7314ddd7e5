/*
 * test_chatgridctl.c: chatgridctl(8) as an operator runs it: the real
 * binary ($CG_BUILDDIR/core/ctl/chatgridctl) on a private PostgreSQL cluster
 * (pgtest), one fresh database per test, checked through its exit status,
 * its output and the rows it leaves behind.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <libpq-fe.h>

#include "password.h"
#include "pgtest.h"

#define MAX_ARGV 16

static struct pgtest *pg;

/* One test's database and chatgridctl configuration file. */
struct env {
	char name[64];
	char *conninfo;		/* malloc'd */
	char conf[PATH_MAX];
};

/* What one chatgridctl run did. */
struct run {
	int status;		/* exit status, or -1 if it did not exit */
	char *out;		/* stdout, malloc'd */
	char *err;		/* stderr, malloc'd */
};

static const char *
ctl_path(void)
{
	static char path[PATH_MAX];
	const char *b = getenv("CG_BUILDDIR");

	snprintf(path, sizeof path, "%s/core/ctl/chatgridctl", b != NULL ? b : ".");
	return path;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void
write_conf(const char *path, const char *conninfo)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	/* allow_insecure and an existing www_root make the file pass chatgridd -n. */
	fprintf(f, "allow_insecure yes\nwww_root %s\ndb_conninfo %s\n"
	    "argon2_memory_kib 1024\nargon2_time_cost 1\nargon2_parallelism 1\n",
	    pgtest_dir(pg), conninfo);
	fclose(f);
}

/*
 * Run chatgridctl -c <conf> with the NULL-terminated arguments, input (or
 * nothing) on stdin through a pipe, so stdin is never a terminal.
 */
static struct run
ctl_run(const struct env *e, const char *input, ...)
{
	const char *argv[MAX_ARGV];
	char outp[PATH_MAX], errp[PATH_MAX];
	struct run r;
	va_list ap;
	int argc = 0, in[2], st;
	pid_t pid;

	argv[argc++] = ctl_path();
	argv[argc++] = "-c";
	argv[argc++] = e->conf;
	va_start(ap, input);
	while ((argv[argc] = va_arg(ap, const char *)) != NULL && argc < MAX_ARGV - 1)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(outp, sizeof outp, "%s/%s.out", pgtest_dir(pg), e->name);
	snprintf(errp, sizeof errp, "%s/%s.err", pgtest_dir(pg), e->name);

	ck_assert_int_eq(pipe(in), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int x = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o == -1 || x == -1)
			_exit(126);
		dup2(in[0], 0);
		dup2(o, 1);
		dup2(x, 2);
		close(in[0]);
		close(in[1]);
		/* The product is held to leak checks even where the test programs are not. */
		if (getenv("CG_PRODUCT_ASAN_OPTIONS") != NULL)
			setenv("ASAN_OPTIONS", getenv("CG_PRODUCT_ASAN_OPTIONS"), 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	if (input != NULL)
		ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
	close(in[1]);
	while (waitpid(pid, &st, 0) == -1)
		ck_assert_int_eq(errno, EINTR);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	ck_assert_msg(r.status != 127, "cannot run %s", argv[0]);
	r.out = slurp(outp);
	r.err = slurp(errp);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Fail unless the run exited with status and its stream holds text. */
#define ck_run(r, st, stream, text) do { \
	ck_assert_msg((r).status == (st) && strstr((r).stream, (text)) != NULL, \
	    "exit %d (want %d), want \"%s\" in " #stream "\n--- stdout:\n%s--- stderr:\n%s", \
	    (r).status, (st), (text), (r).out, (r).err); \
} while (0)

/* Run and check in one go, for steps whose output needs no closer look. */
#define ck_ctl(e, input, st, stream, text, ...) do { \
	struct run r_ = ctl_run((e), (input), __VA_ARGS__, (const char *)NULL); \
	ck_run(r_, (st), stream, (text)); \
	run_free(&r_); \
} while (0)

/* A new empty database and a configuration pointing at it. */
static void
env_new(struct env *e, const char *name)
{
	snprintf(e->name, sizeof e->name, "ctl_%s", name);
	e->conninfo = pgtest_create_db(pg, e->name);
	ck_assert_msg(e->conninfo != NULL, "cannot create database %s", e->name);
	snprintf(e->conf, sizeof e->conf, "%s/%s.conf", pgtest_dir(pg), e->name);
	write_conf(e->conf, e->conninfo);
}

/* env_new, then migrate it. */
static void
env_migrated(struct env *e, const char *name)
{
	env_new(e, name);
	ck_ctl(e, NULL, 0, out, "Schema version", "migrate");
}

static PGconn *
db(const struct env *e)
{
	PGconn *c = PQconnectdb(e->conninfo);

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	return c;
}

static void
sql(const struct env *e, const char *q)
{
	PGconn *c = db(e);
	PGresult *r = PQexec(c, q);

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	    "%s: %s", q, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* The first column of the first row ("" for NULL, NULL for no row); caller frees. */
static char *
sql_value(const struct env *e, const char *q)
{
	PGconn *c = db(e);
	PGresult *r = PQexec(c, q);
	char *v = NULL;

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q, PQerrorMessage(c));
	if (PQntuples(r) > 0)
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

static void
ck_sql_eq(const struct env *e, const char *q, const char *want)
{
	char *v = sql_value(e, q);

	ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s: got %s, want %s", q,
	    v != NULL ? v : "(no row)", want);
	free(v);
}

/* An account made directly in the database. */
static void
add_user(const struct env *e, const char *name, const char *role, const char *status)
{
	char q[512];

	snprintf(q, sizeof q, "INSERT INTO accounts (username, password_hash, role_id, status) "
	    "SELECT '%s', 'x', id, '%s' FROM roles WHERE name = '%s'", name, status, role);
	sql(e, q);
	snprintf(q, sizeof q, "SELECT count(*) FROM accounts WHERE username = '%s'", name);
	ck_sql_eq(e, q, "1");
}

/* n sessions for name expiring in (or, negative, expired) `expires` seconds. */
static void
add_sessions(const struct env *e, const char *name, int n, int expires, int revoked)
{
	char q[512];

	snprintf(q, sizeof q, "INSERT INTO sessions (account_id, token_hash, expires_at, revoked_at) "
	    "SELECT a.id, md5(random()::text || g) || md5(g::text || random()::text), "
	    "now() + %d * interval '1 second', %s FROM accounts a, generate_series(1, %d) g "
	    "WHERE a.username = '%s'", expires, revoked ? "now()" : "NULL", n, name);
	sql(e, q);
}

static char *
live_sessions_q(const char *name, char *q, size_t len)
{
	snprintf(q, len, "SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
	    "WHERE a.username = '%s' AND s.revoked_at IS NULL AND s.expires_at > now()", name);
	return q;
}

/* The migrated database with an admin "root" and users "bob" (user) and "eve" (guest). */
static void
env_people(struct env *e, const char *name)
{
	env_migrated(e, name);
	ck_ctl(e, "rootpassword\n", 0, out, "Created the admin account root",
	    "bootstrap-admin", "root");
	add_user(e, "bob", "user", "active");
	add_user(e, "eve", "guest", "active");
}

START_TEST(migrate_empty_db)
{
	struct env e;
	struct run r;

	env_new(&e, "migrate");
	r = ctl_run(&e, NULL, "migrate", NULL);
	ck_run(r, 0, out, "Applied migration 001_accounts.");
	ck_run(r, 0, out, "Schema version ");
	run_free(&r);
	ck_sql_eq(&e, "SELECT count(*) FROM roles WHERE is_system", "4");
	ck_sql_eq(&e, "SELECT count(*) > 0 FROM role_permissions rp JOIN roles r "
	    "ON r.id = rp.role_id WHERE r.name = 'admin'", "t");
	ck_sql_eq(&e, "SELECT count(*) FROM audit_log WHERE action = 'migrate' AND ok", "1");

	/* Again: nothing to apply, same version. */
	r = ctl_run(&e, NULL, "migrate", NULL);
	ck_run(r, 0, out, "Schema version ");
	ck_assert_msg(strstr(r.out, "Applied") == NULL, "migrated twice:\n%s", r.out);
	run_free(&r);

	/* Any other command on a fresh database migrates it first. */
	env_new(&e, "migrate_implicit");
	ck_ctl(&e, NULL, 0, out, "USERNAME", "user", "list");
	ck_sql_eq(&e, "SELECT count(*) FROM roles", "4");
}
END_TEST

START_TEST(bootstrap_creates_admin)
{
	struct env e;
	struct run r;
	char *hash;

	env_migrated(&e, "bootstrap");
	r = ctl_run(&e, "goodpassword\n", "bootstrap-admin", "  Admin_1 ", "--email",
	    " Admin@Example.ORG ", NULL);
	ck_run(r, 0, out, "Created the admin account admin_1.");
	ck_assert_msg(strstr(r.out, "goodpassword") == NULL && strstr(r.err, "goodpassword") == NULL,
	    "the password was printed");
	run_free(&r);
	ck_sql_eq(&e, "SELECT r.name || ' ' || a.status || ' ' || a.email FROM accounts a "
	    "JOIN roles r ON r.id = a.role_id WHERE a.username = 'admin_1'",
	    "admin active admin@example.org");
	ck_sql_eq(&e, "SELECT s.last_nickname FROM account_state s JOIN accounts a "
	    "ON a.id = s.account_id WHERE a.username = 'admin_1'", "admin_1");
	hash = sql_value(&e, "SELECT password_hash FROM accounts WHERE username = 'admin_1'");
	ck_assert_ptr_nonnull(hash);
	ck_assert_msg(strstr(hash, "m=1024,t=1,p=1") != NULL, "not the configured argon2: %s", hash);
	ck_assert_int_eq(password_verify(hash, "goodpassword"), 1);
	ck_assert_int_eq(password_verify(hash, "badpassword"), 0);
	free(hash);
	ck_sql_eq(&e, "SELECT actor_name LIKE 'chatgridctl:_%' AND target = 'admin_1' AND ok "
	    "FROM audit_log WHERE action = 'bootstrap_admin'", "t");
}
END_TEST

START_TEST(bootstrap_refuses_second)
{
	struct env e;

	env_migrated(&e, "bootstrap2");
	ck_ctl(&e, "goodpassword\n", 0, out, "Created", "bootstrap-admin", "first");
	ck_ctl(&e, "otherpassword\n", 1, err, "An admin account already exists.",
	    "bootstrap-admin", "second");
	ck_sql_eq(&e, "SELECT count(*) FROM accounts", "1");
	ck_sql_eq(&e, "SELECT count(*) FROM audit_log WHERE action = 'bootstrap_admin' "
	    "AND NOT ok AND message = 'An admin account already exists.'", "1");
	/* Promoting an existing account is refused the same way. */
	add_user(&e, "bob", "user", "active");
	ck_ctl(&e, NULL, 1, err, "An admin account already exists.", "bootstrap-admin", "bob");
	ck_sql_eq(&e, "SELECT r.name FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = 'bob'", "user");
}
END_TEST

START_TEST(bootstrap_promotes_existing)
{
	struct env e;

	env_migrated(&e, "promote");
	add_user(&e, "carol", "user", "disabled");
	/* No password read: stdin is empty. */
	ck_ctl(&e, NULL, 0, out, "Promoted the existing account carol to admin",
	    "bootstrap-admin", " CAROL ");
	ck_sql_eq(&e, "SELECT r.name || ' ' || a.status || ' ' || a.password_hash FROM accounts a "
	    "JOIN roles r ON r.id = a.role_id WHERE a.username = 'carol'", "admin active x");
	ck_sql_eq(&e, "SELECT count(*) FROM accounts", "1");
}
END_TEST

START_TEST(bootstrap_bad_input)
{
	struct env e;

	env_migrated(&e, "badinput");
	ck_ctl(&e, "short\n", 1, err, "Password must be between 8 and 128 characters.",
	    "bootstrap-admin", "admin");
	ck_ctl(&e, "", 1, err, "no password", "bootstrap-admin", "admin");
	ck_ctl(&e, "goodpassword\n", 1, err,
	    "Username may include lowercase letters, numbers, underscores, and dashes only.",
	    "bootstrap-admin", "bad name");
	ck_ctl(&e, "goodpassword\n", 1, err, "Username must be between 2 and 32 characters.",
	    "bootstrap-admin", "a");
	ck_sql_eq(&e, "SELECT count(*) FROM accounts", "0");
	/* A taken email. */
	add_user(&e, "bob", "user", "active");
	sql(&e, "UPDATE accounts SET email = 'bob@example.org' WHERE username = 'bob'");
	ck_ctl(&e, "goodpassword\n", 1, err, "Email is already in use.",
	    "bootstrap-admin", "admin", "--email=BOB@example.org");
	ck_sql_eq(&e, "SELECT count(*) FROM accounts", "1");
}
END_TEST

START_TEST(user_list)
{
	struct env e;
	struct run r;
	const char *b, *ev, *ro;

	env_people(&e, "userlist");
	sql(&e, "UPDATE accounts SET status = 'disabled' WHERE username = 'eve'");
	r = ctl_run(&e, NULL, "user", "list", NULL);
	ck_run(r, 0, out, "ID  USERNAME  ROLE   STATUS    CREATED");
	ck_run(r, 0, out, "LAST LOGIN");
	b = strstr(r.out, "bob  ");
	ev = strstr(r.out, "eve  ");
	ro = strstr(r.out, "root ");
	ck_assert_msg(b != NULL && ev != NULL && ro != NULL && b < ev && ev < ro,
	    "not sorted by username:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "never") != NULL, "no 'never' last login:\n%s", r.out);
	run_free(&r);

	r = ctl_run(&e, NULL, "user", "list", "--status", "disabled", NULL);
	ck_run(r, 0, out, "eve");
	ck_assert_msg(strstr(r.out, "bob") == NULL && strstr(r.out, "root") == NULL,
	    "--status disabled:\n%s", r.out);
	run_free(&r);

	r = ctl_run(&e, NULL, "user", "list", "--role=Admin", NULL);
	ck_run(r, 0, out, "root");
	ck_assert_msg(strstr(r.out, "bob") == NULL, "--role admin:\n%s", r.out);
	run_free(&r);

	ck_ctl(&e, NULL, 1, err, "Role not found.", "user", "list", "--role", "nosuch");
	ck_ctl(&e, NULL, 2, err, "--status", "user", "list", "--status", "banned");
}
END_TEST

/*
 * user usage: items owned, the song data of those items and sessions,
 * against the limits of the configuration (issue 19 item 7).
 */
START_TEST(user_usage)
{
	struct env e;
	struct run r;
	FILE *f;

	env_people(&e, "usage");
	sql(&e, "INSERT INTO items (id, type, title, x, y, params, created_by, created_by_name, updated_by_name) "
	    "SELECT gen_random_uuid(), 'piano', 'p' || g, 1, 1, '{}', a.id, 'bob', 'bob' "
	    "FROM accounts a, generate_series(1, 3) g WHERE a.username = 'bob'");
	/* Two songs of 2,000 and 1,000 bytes of stored JSON text ({"x": "..."} is 9 bytes more than the text). */
	sql(&e, "INSERT INTO songs (id, item_id, type, body) SELECT 's' || n, (SELECT id FROM items ORDER BY id "
	    "LIMIT 1 OFFSET n), 'piano', jsonb_build_object('x', repeat('a', 1000 * (n + 1) - 9)) "
	    "FROM generate_series(0, 1) n");
	add_sessions(&e, "bob", 2, 3600, 0);
	add_sessions(&e, "bob", 1, -3600, 0);
	r = ctl_run(&e, NULL, "user", "usage", " BOB ", NULL);
	ck_run(r, 0, out, "user: bob\nitems: 3 of 500\nsongs: 2, 3 KiB of 4096 KiB\nsessions: 2 live, 1 expired\n");
	run_free(&r);
	/* Limits from the configuration read; 0 is no limit. */
	f = fopen(e.conf, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "max_items_per_account 0\nsong_account_max_kib 2\n");
	fclose(f);
	r = ctl_run(&e, NULL, "user", "usage", "bob", NULL);
	ck_run(r, 0, out, "items: 3 (no limit)\nsongs: 2, 3 KiB of 2 KiB\n");
	run_free(&r);
	r = ctl_run(&e, NULL, "user", "usage", "eve", NULL);
	ck_run(r, 0, out, "user: eve\nitems: 0 (no limit)\nsongs: 0, 0 KiB of 2 KiB\nsessions: 0 live, 0 expired\n");
	run_free(&r);
	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "usage", "nobody");
	ck_ctl(&e, NULL, 2, err, "usage", "user", "usage");
}
END_TEST

#define ADMIN_ROW "\nadmin   yes     1      account.delete.any,chat.send,"

START_TEST(role_list)
{
	struct env e;
	struct run r;
	const char *p;

	env_people(&e, "rolelist");
	r = ctl_run(&e, NULL, "role", "list", NULL);
	ck_run(r, 0, out, "NAME    SYSTEM  USERS  PERMISSIONS");
	p = strstr(r.out, "\nadmin ");
	ck_assert_msg(p != NULL && strncmp(p, ADMIN_ROW, strlen(ADMIN_ROW)) == 0,
	    "admin row:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "\nguest   yes     1      chat.send,item.use,"
	    "profile.update_nickname,voice.send\n") != NULL, "guest row:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "\nuser    yes     1      ") != NULL, "user row:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "\neditor  yes     0      ") != NULL, "editor row:\n%s", r.out);
	run_free(&r);
	/* A custom role with no permissions. */
	sql(&e, "INSERT INTO roles (name) VALUES ('helper')");
	ck_ctl(&e, NULL, 0, out, "\nhelper  no      0      -\n", "role", "list");
}
END_TEST

START_TEST(set_role)
{
	struct env e;

	env_people(&e, "setrole");
	ck_ctl(&e, NULL, 0, out, "Set role for bob to editor.", "user", "set-role", " Bob ", "EDITOR");
	ck_sql_eq(&e, "SELECT r.name FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = 'bob'", "editor");
	ck_sql_eq(&e, "SELECT actor_name LIKE 'chatgridctl:%' AND ok AND target = 'bob' "
	    "AND detail->>'from' = 'user' AND detail->>'to' = 'editor' FROM audit_log "
	    "WHERE action = 'user_set_role'", "t");

	ck_ctl(&e, NULL, 1, err, "Role not found.", "user", "set-role", "bob", "wizard");
	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "set-role", "nobody", "user");
	/* The role is checked first. */
	ck_ctl(&e, NULL, 1, err, "Role not found.", "user", "set-role", "nobody", "wizard");
	ck_ctl(&e, NULL, 1, err, "Cannot change role for the last active admin.",
	    "user", "set-role", "root", "user");
	ck_sql_eq(&e, "SELECT r.name FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = 'root'", "admin");
	ck_sql_eq(&e, "SELECT count(*) FROM audit_log WHERE action = 'user_set_role' AND NOT ok",
	    "4");

	/* Re-setting admin on the last admin is no demotion. */
	ck_ctl(&e, NULL, 0, out, "Set role for root to admin.", "user", "set-role", "root", "admin");
	/* With a second active admin, one may go. */
	ck_ctl(&e, NULL, 0, out, "Set role for bob to admin.", "user", "set-role", "bob", "admin");
	ck_ctl(&e, NULL, 0, out, "Set role for root to user.", "user", "set-role", "root", "user");
	ck_ctl(&e, NULL, 1, err, "Cannot change role for the last active admin.",
	    "user", "set-role", "bob", "guest");
}
END_TEST

START_TEST(last_admin_protected)
{
	struct env e;

	env_people(&e, "lastadmin");
	/* A disabled admin does not count. */
	add_user(&e, "sleepy", "admin", "disabled");
	ck_ctl(&e, NULL, 1, err, "Cannot disable the last active admin.", "user", "ban", "root");
	ck_ctl(&e, NULL, 1, err, "Cannot delete the last active admin.", "user", "delete", "ROOT");
	ck_ctl(&e, NULL, 1, err, "Cannot change role for the last active admin.",
	    "user", "set-role", "root", "editor");
	ck_sql_eq(&e, "SELECT status FROM accounts WHERE username = 'root'", "active");
	ck_sql_eq(&e, "SELECT count(*) FROM audit_log WHERE NOT ok AND target = 'root'", "3");

	/* Disabled or not last: fine. */
	ck_ctl(&e, NULL, 0, out, "Deleted sleepy.", "user", "delete", "sleepy");
	ck_ctl(&e, NULL, 0, out, "Deleted eve.", "user", "delete", "eve");
	ck_sql_eq(&e, "SELECT count(*) FROM accounts WHERE username IN ('sleepy', 'eve')", "0");
	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "delete", "eve");
	sql(&e, "UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = 'admin') "
	    "WHERE username = 'bob'");
	ck_ctl(&e, NULL, 0, out, "Banned root", "user", "ban", "root");
	ck_ctl(&e, NULL, 1, err, "Cannot disable the last active admin.", "user", "ban", "bob");
}
END_TEST

/* Wait up to 3 s for a notification on c; its payload (malloc'd) or NULL. */
static char *
wait_notify(PGconn *c)
{
	struct pollfd p;
	PGnotify *n;
	char *payload = NULL;
	int i;

	for (i = 0; i < 30 && payload == NULL; i++) {
		PQconsumeInput(c);
		if ((n = PQnotifies(c)) != NULL) {
			ck_assert_str_eq(n->relname, "chatgrid_account");
			payload = strdup(n->extra);
			PQfreemem(n);
			break;
		}
		p.fd = PQsocket(c);
		p.events = POLLIN;
		poll(&p, 1, 100);
	}
	return payload;
}

START_TEST(ban_unban)
{
	struct env e;
	PGconn *listener;
	PGresult *res;
	char q[512], *id, *payload;

	env_people(&e, "ban");
	add_sessions(&e, "bob", 2, 3600, 0);		/* live */
	add_sessions(&e, "bob", 1, -60, 0);		/* expired */
	add_sessions(&e, "bob", 1, 3600, 1);		/* already revoked */
	add_sessions(&e, "eve", 1, 3600, 0);
	listener = db(&e);
	res = PQexec(listener, "LISTEN chatgrid_account");
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);

	ck_ctl(&e, NULL, 0, out, "Banned bob; revoked 2 sessions.", "user", "ban", "  BOB");
	ck_sql_eq(&e, "SELECT status FROM accounts WHERE username = 'bob'", "disabled");
	ck_sql_eq(&e, live_sessions_q("bob", q, sizeof q), "0");
	ck_sql_eq(&e, live_sessions_q("eve", q, sizeof q), "1");
	ck_sql_eq(&e, "SELECT (detail->>'sessions_revoked') || ' ' || message FROM audit_log "
	    "WHERE action = 'user_ban' AND ok", "2 Banned bob; revoked 2 sessions.");
	id = sql_value(&e, "SELECT id FROM accounts WHERE username = 'bob'");
	payload = wait_notify(listener);
	ck_assert_msg(payload != NULL && strcmp(payload, id) == 0, "NOTIFY payload %s, want %s",
	    payload != NULL ? payload : "(none)", id);
	free(payload);

	ck_ctl(&e, NULL, 0, out, "Unbanned bob.", "user", "unban", "bob");
	ck_sql_eq(&e, "SELECT status FROM accounts WHERE username = 'bob'", "active");
	/* Revoked sessions stay revoked. */
	ck_sql_eq(&e, live_sessions_q("bob", q, sizeof q), "0");
	payload = wait_notify(listener);
	ck_assert_msg(payload != NULL && strcmp(payload, id) == 0, "NOTIFY after unban");
	free(payload);
	free(id);

	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "ban", "nobody");
	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "unban", "nobody");
	/* A refusal commits nothing, so it notifies nobody. */
	payload = wait_notify(listener);
	ck_assert_msg(payload == NULL, "NOTIFY after a refusal: %s", payload);
	PQfinish(listener);
}
END_TEST

START_TEST(passwd)
{
	struct env e;
	struct run r;
	char q[512], *hash;

	env_people(&e, "passwd");
	add_sessions(&e, "bob", 3, 3600, 0);
	r = ctl_run(&e, "newpassword9\n", "user", "passwd", "Bob", NULL);
	ck_run(r, 0, out, "Changed the password of bob; revoked 3 sessions.");
	ck_assert_msg(strstr(r.out, "newpassword9") == NULL && strstr(r.err, "newpassword9") == NULL,
	    "the password was printed");
	run_free(&r);
	hash = sql_value(&e, "SELECT password_hash FROM accounts WHERE username = 'bob'");
	ck_assert_ptr_nonnull(hash);
	ck_assert_int_eq(password_verify(hash, "newpassword9"), 1);
	ck_assert_msg(strstr(hash, "$argon2id$v=19$m=1024,t=1,p=1$") == hash, "params: %s", hash);
	free(hash);
	ck_sql_eq(&e, live_sessions_q("bob", q, sizeof q), "0");
	ck_sql_eq(&e, "SELECT count(*) FROM audit_log WHERE action = 'user_passwd' AND ok "
	    "AND message NOT LIKE '%newpassword9%'", "1");

	/* Policy, and a user that does not exist (refused before reading). */
	ck_ctl(&e, "short\n", 1, err, "Password must be between 8 and 128 characters.",
	    "user", "passwd", "bob");
	ck_ctl(&e, "newpassword9\n", 1, err, "User not found.", "user", "passwd", "nobody");
	hash = sql_value(&e, "SELECT password_hash FROM accounts WHERE username = 'bob'");
	ck_assert_int_eq(password_verify(hash, "newpassword9"), 1);
	free(hash);
}
END_TEST

START_TEST(sessions_revoke)
{
	struct env e;
	char q[512];

	env_people(&e, "revoke");
	add_sessions(&e, "eve", 3, 3600, 0);
	add_sessions(&e, "eve", 1, -5, 0);
	add_sessions(&e, "bob", 1, 3600, 0);
	ck_ctl(&e, NULL, 0, out, "Revoked 3 sessions of eve.", "sessions", "revoke", "EVE");
	ck_sql_eq(&e, live_sessions_q("eve", q, sizeof q), "0");
	ck_sql_eq(&e, live_sessions_q("bob", q, sizeof q), "1");
	ck_sql_eq(&e, "SELECT status FROM accounts WHERE username = 'eve'", "active");
	ck_ctl(&e, NULL, 0, out, "Revoked 0 sessions of eve.", "sessions", "revoke", "eve");
	ck_ctl(&e, NULL, 0, out, "Revoked 1 session of bob.", "sessions", "revoke", "bob");
	ck_ctl(&e, NULL, 1, err, "User not found.", "sessions", "revoke", "nobody");
}
END_TEST

/* Fail unless one line of out holds the five strings, in this order. */
static void
ck_line(const char *out, const char *a, const char *b, const char *c, const char *d,
    const char *last)
{
	const char *want[5] = { a, b, c, d, last }, *line, *p;
	int i;

	for (line = out; *line != '\0'; line = strchr(line, '\n') + 1) {
		for (i = 0, p = line; i < 5 && p != NULL; i++)
			if ((p = strstr(p, want[i])) != NULL && memchr(line, '\n', (size_t)(p - line)) != NULL)
				p = NULL;
		if (p != NULL)
			return;
		if (strchr(line, '\n') == NULL)
			break;
	}
	ck_abort_msg("no line with \"%s\" \"%s\" \"%s\" \"%s\" \"%s\" in:\n%s", a, b, c, d,
	    last, out);
}

START_TEST(audit)
{
	struct env e;
	struct run r;

	env_people(&e, "audit");
	ck_ctl(&e, NULL, 0, out, "Banned eve", "user", "ban", "eve");
	ck_ctl(&e, NULL, 1, err, "User not found.", "user", "ban", "ghost");
	r = ctl_run(&e, NULL, "audit", NULL);
	ck_run(r, 0, out, "TIME  ");
	/* Column widths depend on the actor's name, i.e. on who runs the tests. */
	ck_line(r.out, "  chatgridctl:", "  migrate  ", "  -  ", "  yes  ",
	    "  Migrated the database schema from version 0 to ");
	ck_line(r.out, "  chatgridctl:", "  bootstrap_admin  ", "  root  ", "  yes  ",
	    "  Created the admin account root.\n");
	ck_line(r.out, "  chatgridctl:", "  user_ban  ", "  eve  ", "  yes  ",
	    "  Banned eve; revoked 0 sessions.\n");
	ck_line(r.out, "  chatgridctl:", "  user_ban  ", "  ghost  ", "  no   ",
	    "  User not found.\n");
	/* Oldest first. */
	ck_assert_msg(strstr(r.out, "migrate") < strstr(r.out, "bootstrap_admin") &&
	    strstr(r.out, "Banned eve") < strstr(r.out, "ghost"), "order:\n%s", r.out);
	run_free(&r);

	/* --limit keeps the newest. */
	r = ctl_run(&e, NULL, "audit", "--limit", "1", NULL);
	ck_run(r, 0, out, "ghost");
	ck_assert_msg(strstr(r.out, "Banned eve") == NULL, "--limit 1:\n%s", r.out);
	run_free(&r);

	/* --since, relative and absolute. */
	sql(&e, "UPDATE audit_log SET at = now() - interval '3 days' WHERE action = 'migrate'");
	sql(&e, "UPDATE audit_log SET at = now() - interval '2 hours' WHERE action = 'bootstrap_admin'");
	r = ctl_run(&e, NULL, "audit", "--since", "2d", NULL);
	ck_run(r, 0, out, "bootstrap_admin");
	ck_assert_msg(strstr(r.out, "migrate") == NULL, "--since 2d:\n%s", r.out);
	run_free(&r);
	r = ctl_run(&e, NULL, "audit", "--since=90m", NULL);
	ck_run(r, 0, out, "ghost");
	ck_assert_msg(strstr(r.out, "bootstrap_admin") == NULL, "--since 90m:\n%s", r.out);
	run_free(&r);
	r = ctl_run(&e, NULL, "audit", "--since", "2000-01-01", NULL);
	ck_run(r, 0, out, "migrate");
	run_free(&r);
	r = ctl_run(&e, NULL, "audit", "--since", "2999-01-01T00:00:00Z", NULL);
	ck_run(r, 0, out, "TIME");
	ck_assert_msg(strchr(strchr(r.out, '\n') + 1, '\n') == NULL, "rows from the future:\n%s", r.out);
	run_free(&r);

	ck_ctl(&e, NULL, 2, err, "--since", "audit", "--since", "yesterday");
	ck_ctl(&e, NULL, 2, err, "--since", "audit", "--since", "2024-13-45");
	ck_ctl(&e, NULL, 2, err, "--since", "audit", "--since", "5y");
	ck_ctl(&e, NULL, 2, err, "--limit", "audit", "--limit", "0");
	ck_ctl(&e, NULL, 2, err, "--limit", "audit", "--limit", "ten");
}
END_TEST

START_TEST(usage_errors)
{
	struct env e;
	struct run r;

	/* A configuration that would fail: usage errors come before it is read. */
	snprintf(e.name, sizeof e.name, "ctl_usage");
	snprintf(e.conf, sizeof e.conf, "%s/does-not-exist.conf", pgtest_dir(pg));
	ck_ctl(&e, NULL, 2, err, "unknown command 'frobnicate'", "frobnicate");
	ck_ctl(&e, NULL, 2, err, "unknown command 'user frob'", "user", "frob");
	ck_ctl(&e, NULL, 2, err, "usage:", "user");
	ck_ctl(&e, NULL, 2, err, "missing argument", "user", "ban");
	ck_ctl(&e, NULL, 2, err, "unexpected argument 'b'", "user", "ban", "a", "b");
	ck_ctl(&e, NULL, 2, err, "unknown option --email", "user", "ban", "a", "--email", "x");
	ck_ctl(&e, NULL, 2, err, "needs a value", "bootstrap-admin", "a", "--email");
	ck_ctl(&e, NULL, 0, out, "usage: chatgridctl [-c file] user ban USER", "user", "ban", "-h");
	ck_ctl(&e, NULL, 0, out, "sessions revoke USER", "-h");

	r = ctl_run(&e, NULL, NULL);
	ck_run(r, 2, err, "usage: chatgridctl");
	run_free(&r);
	/* Past the usage checks, the missing file is an ordinary failure. */
	ck_ctl(&e, NULL, 1, err, "does-not-exist.conf", "user", "list");
}
END_TEST

START_TEST(database_unreachable)
{
	struct env e;

	snprintf(e.name, sizeof e.name, "ctl_unreachable");
	snprintf(e.conf, sizeof e.conf, "%s/%s.conf", pgtest_dir(pg), e.name);
	write_conf(e.conf, "host=/nonexistent/chatgridctl-test dbname=none user=none");
	ck_ctl(&e, NULL, 3, err, "cannot connect to the database", "migrate");
	ck_ctl(&e, NULL, 3, err, "cannot connect to the database", "user", "list");
	ck_ctl(&e, "goodpassword\n", 3, err, "cannot connect", "bootstrap-admin", "x");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("chatgridctl");
	TCase *tc = tcase_create("chatgridctl");
	SRunner *sr;
	int nf;

	if ((pg = pgtest_start()) == NULL) {
		printf("1..0 # SKIP PostgreSQL is not available\n");
		return 0;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, migrate_empty_db);
	tcase_add_test(tc, bootstrap_creates_admin);
	tcase_add_test(tc, bootstrap_refuses_second);
	tcase_add_test(tc, bootstrap_promotes_existing);
	tcase_add_test(tc, bootstrap_bad_input);
	tcase_add_test(tc, user_list);
	tcase_add_test(tc, user_usage);
	tcase_add_test(tc, role_list);
	tcase_add_test(tc, set_role);
	tcase_add_test(tc, last_admin_protected);
	tcase_add_test(tc, ban_unban);
	tcase_add_test(tc, passwd);
	tcase_add_test(tc, sessions_revoke);
	tcase_add_test(tc, audit);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, database_unreachable);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgtest_free(pg);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
