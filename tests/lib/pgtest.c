/*
 * pgtest.c: a private PostgreSQL cluster per test program.
 *
 * initdb and pg_ctl refuse to run as root, so as root every PostgreSQL
 * command runs as "postgres" (or "nobody"): the child drops privileges
 * itself, which needs neither runuser nor setpriv. The server listens only
 * on a unix socket in the cluster's directory (listen_addresses=''), so
 * tests never touch a TCP port and clusters of parallel tests never meet.
 *
 * Cleanup does not rely on the test process exiting nicely: a watchdog
 * process (own session, so a process-group kill spares it) waits on a pipe
 * whose only writer is the test program and its forks; when the last of
 * them dies the pipe reads EOF and the watchdog kills the server and removes
 * the directory. pgtest_free tells the watchdog to stand down instead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pgtest.h"

#define PGTEST_PORT 5432	/* only names the socket file: there is no TCP */
#define PGTEST_DB "chatgrid"
#define PGTEST_SUPERUSER "postgres"

struct pgtest {
	char *dir;		/* mkdtemp directory: socket, data/, logs */
	char *datadir;
	char *serverlog;	/* pg_ctl -l, written by the server user */
	char *cmdlog;		/* output of initdb/pg_ctl, kept out of TAP stdout */
	char *bindir;
	char *conninfo;
	uid_t uid;		/* run PostgreSQL commands as this user ... */
	gid_t gid;
	char *user;		/* ... when non-NULL (we are root) */
	pid_t owner;		/* only the creating process cleans up */
	pid_t watchdog;
	int watch_fd;		/* write end of the watchdog's pipe */
};

static void pgtest_say(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
pgtest_say(const char *fmt, ...)
{
	va_list ap;

	fputs("pgtest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *pgtest_printf(const char *, ...) __attribute__((format(printf, 1, 2)));

static char *
pgtest_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		pgtest_say("out of memory");
		abort();
	}
	return s;
}

static int
pgtest_has_initdb(const char *dir)
{
	char *path = pgtest_printf("%s/initdb", dir);
	int ok = access(path, X_OK) == 0;

	free(path);
	return ok;
}

/* Where initdb, pg_ctl and postgres live; malloc'd, or NULL. */
static char *
pgtest_find_bindir(void)
{
	const char *env = getenv("PGTEST_BINDIR");
	char line[PATH_MAX], *best = NULL;
	long bestv = -1, v;
	FILE *f;
	glob_t g;
	size_t i;

	if (env != NULL && *env != '\0')
		return pgtest_has_initdb(env) ? strdup(env) : NULL;
	/* Debian's /usr/bin/pg_config belongs to libpq-dev but names the server's bindir. */
	if ((f = popen("pg_config --bindir 2>/dev/null", "r")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (pgtest_has_initdb(line))
				best = strdup(line);
		}
		pclose(f);
		if (best != NULL)
			return best;
	}
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL, 10);
			if (v > bestv) {
				bestv = v;
				free(best);
				best = strdup(g.gl_pathv[i]);
			}
		}
		globfree(&g);
		if (best != NULL)
			best[strlen(best) - strlen("/initdb")] = '\0';
	}
	return best;
}

/* In a child: close every descriptor above 2 except keep. */
static void
pgtest_close_from3(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/*
 * Run bindir/argv[0] with argv, as the server user, output to the command
 * log; returns the exit status (0 success), or -1 if it could not run.
 */
static int
pgtest_run(const struct pgtest *pg, const char *const *argv)
{
	char *path = pgtest_printf("%s/%s", pg->bindir, argv[0]);
	pid_t pid;
	int status, fd;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		pgtest_say("fork: %s", strerror(errno));
		free(path);
		return -1;
	}
	if (pid == 0) {
		fd = open(pg->cmdlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(126);
		fd = open("/dev/null", O_RDONLY);
		if (fd == -1 || dup2(fd, 0) == -1)
			_exit(126);
		pgtest_close_from3(-1);
		/* The server user may not be able to enter our working directory. */
		if (chdir(pg->dir) == -1)
			_exit(126);
		if (pg->user != NULL) {
			if (setgid(pg->gid) == -1 || initgroups(pg->user, pg->gid) == -1 ||
			    setuid(pg->uid) == -1)
				_exit(126);
		}
		/* A locale missing here would make initdb fail. */
		setenv("LC_ALL", "C", 1);
		unsetenv("PGDATA");
		unsetenv("PGPORT");
		unsetenv("PGHOST");
		execv(path, (char *const *)argv);
		_exit(127);
	}
	free(path);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			pgtest_say("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

static int
pgtest_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) == -1 && errno != ENOENT)
		pgtest_say("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static void
pgtest_rmrf(const char *dir)
{
	nftw(dir, pgtest_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
pgtest_ctl_stop(const struct pgtest *pg, const char *mode)
{
	const char *argv[] = { "pg_ctl", "-D", pg->datadir, "-m", mode, "-w", "-t", "60",
	    "stop", NULL };
	int rc;

	if (!pgtest_running((struct pgtest *)pg))
		return 0;
	rc = pgtest_run(pg, argv);
	return rc == 0 ? 0 : -1;
}

/* The watchdog: wait for the test program to go, then clean up after it. */
static void
pgtest_watchdog(struct pgtest *pg, int rfd)
{
	char c;
	ssize_t n;
	int fd;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Hold nothing of the test's, above all not the TAP pipe on stdout. */
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	pgtest_close_from3(rfd);
	do
		n = read(rfd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1)
		_exit(0);	/* pgtest_free cleaned up */
	pgtest_ctl_stop(pg, "immediate");
	pgtest_rmrf(pg->dir);
	_exit(0);
}

static int
pgtest_start_watchdog(struct pgtest *pg)
{
	int p[2];
	pid_t pid;

	/* Close-on-exec: the server must not hold the write end, or EOF never comes. */
	if (pipe2(p, O_CLOEXEC) == -1) {
		pgtest_say("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		pgtest_say("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		pgtest_watchdog(pg, p[0]);
	}
	close(p[0]);
	pg->watchdog = pid;
	pg->watch_fd = p[1];
	return 0;
}

/* "database does not exist, skipping" and the like are not worth a line. */
static void
pgtest_quiet(void *arg, const char *msg)
{
}

static PGconn *
pgtest_connect(const struct pgtest *pg, const char *dbname)
{
	char *ci = pgtest_printf("host=%s port=%d dbname=%s user=%s connect_timeout=10",
	    pg->dir, PGTEST_PORT, dbname, PGTEST_SUPERUSER);
	PGconn *c = PQconnectdb(ci);

	free(ci);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		pgtest_say("cannot connect to %s: %s", dbname,
		    c != NULL ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, pgtest_quiet, NULL);
	return c;
}

int
pgtest_exec(struct pgtest *pg, const char *dbname, const char *sql)
{
	PGconn *c = pgtest_connect(pg, dbname);
	PGresult *r;
	int rc = 0;

	if (c == NULL)
		return -1;
	r = PQexec(c, sql);
	if (r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)) {
		pgtest_say("%s: %s", sql, PQerrorMessage(c));
		rc = -1;
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}

char *
pgtest_create_db(struct pgtest *pg, const char *name)
{
	char *sql;
	int rc;

	/* Names come from tests; refuse anything needing quoting rather than quote. */
	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0') {
		pgtest_say("bad database name %s", name);
		return NULL;
	}
	sql = pgtest_printf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	rc = pgtest_exec(pg, "postgres", sql);
	free(sql);
	if (rc == -1)
		return NULL;
	sql = pgtest_printf("CREATE DATABASE %s", name);
	rc = pgtest_exec(pg, "postgres", sql);
	free(sql);
	if (rc == -1)
		return NULL;
	return pgtest_printf("host=%s port=%d dbname=%s user=%s", pg->dir, PGTEST_PORT, name,
	    PGTEST_SUPERUSER);
}

int
pgtest_running(struct pgtest *pg)
{
	const char *argv[] = { "pg_ctl", "-D", pg->datadir, "status", NULL };

	return pgtest_run(pg, argv) == 0;
}

int
pgtest_start_server(struct pgtest *pg)
{
	char *opts;
	int rc;

	if (pgtest_running(pg))
		return 0;
	/* pg_ctl passes -o through a shell: the directory is ours, without quotes. */
	opts = pgtest_printf("-k %s -p %d -c listen_addresses='' -c fsync=off "
	    "-c synchronous_commit=off -c full_page_writes=off", pg->dir, PGTEST_PORT);
	{
		const char *argv[] = { "pg_ctl", "-D", pg->datadir, "-l", pg->serverlog,
		    "-o", opts, "-w", "-t", "60", "start", NULL };

		rc = pgtest_run(pg, argv);
	}
	free(opts);
	if (rc != 0) {
		pgtest_say("pg_ctl start failed; see %s and %s", pg->cmdlog, pg->serverlog);
		return -1;
	}
	return 0;
}

int
pgtest_stop_server(struct pgtest *pg)
{
	return pgtest_ctl_stop(pg, "fast");
}

int
pgtest_kill_server(struct pgtest *pg)
{
	return pgtest_ctl_stop(pg, "immediate");
}

const char *
pgtest_conninfo(const struct pgtest *pg)
{
	return pg->conninfo;
}

const char *
pgtest_dir(const struct pgtest *pg)
{
	return pg->dir;
}

static void pgtest_destroy(struct pgtest *, int keep);

static void
pgtest_release(struct pgtest *pg)
{
	free(pg->dir);
	free(pg->datadir);
	free(pg->serverlog);
	free(pg->cmdlog);
	free(pg->bindir);
	free(pg->conninfo);
	free(pg->user);
	free(pg);
}

struct pgtest *
pgtest_start(void)
{
	struct pgtest *pg;
	struct passwd *pw;
	const char *tmp = getenv("TMPDIR");
	char *tmpl;

	if ((pg = calloc(1, sizeof *pg)) == NULL)
		return NULL;
	pg->owner = getpid();
	pg->watch_fd = -1;
	if ((pg->bindir = pgtest_find_bindir()) == NULL) {
		pgtest_say("no PostgreSQL server binaries (initdb); install postgresql "
		    "or set PGTEST_BINDIR");
		free(pg);
		return NULL;
	}
	/* A unix socket path has ~107 bytes: keep the directory short. */
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 60 || tmp[strcspn(tmp, " '\"\\$`")])
		tmp = "/tmp";
	tmpl = pgtest_printf("%s/pgtest.XXXXXX", tmp);
	if (mkdtemp(tmpl) == NULL) {
		pgtest_say("mkdtemp %s: %s", tmpl, strerror(errno));
		free(tmpl);
		free(pg->bindir);
		free(pg);
		return NULL;
	}
	pg->dir = tmpl;
	pg->datadir = pgtest_printf("%s/data", pg->dir);
	pg->serverlog = pgtest_printf("%s/server.log", pg->dir);
	pg->cmdlog = pgtest_printf("%s/commands.log", pg->dir);
	pg->conninfo = pgtest_printf("host=%s port=%d dbname=%s user=%s", pg->dir,
	    PGTEST_PORT, PGTEST_DB, PGTEST_SUPERUSER);

	if (geteuid() == 0) {
		if ((pw = getpwnam("postgres")) == NULL && (pw = getpwnam("nobody")) == NULL) {
			pgtest_say("running as root and no postgres or nobody user to run as");
			goto fail;
		}
		pg->user = strdup(pw->pw_name);
		pg->uid = pw->pw_uid;
		pg->gid = pw->pw_gid;
		if (chown(pg->dir, pg->uid, pg->gid) == -1) {
			pgtest_say("chown %s: %s", pg->dir, strerror(errno));
			goto fail;
		}
	}
	if (pgtest_start_watchdog(pg) == -1)
		goto fail;

	{
		const char *argv[] = { "initdb", "-D", pg->datadir, "-A", "trust", "-U",
		    PGTEST_SUPERUSER, "-E", "UTF8", "--locale=C", "-N", NULL };

		if (pgtest_run(pg, argv) != 0) {
			pgtest_say("initdb failed; see %s", pg->cmdlog);
			goto fail;
		}
	}
	if (pgtest_start_server(pg) == -1)
		goto fail;
	if (pgtest_exec(pg, "postgres", "CREATE DATABASE " PGTEST_DB) == -1)
		goto fail;
	return pg;

fail:
	/* PGTEST_KEEP keeps the logs of a failed start for a look. */
	pgtest_destroy(pg, getenv("PGTEST_KEEP") != NULL);
	return NULL;
}

/* Stop the server, stand the watchdog down, remove the directory unless keep. */
static void
pgtest_destroy(struct pgtest *pg, int keep)
{
	char c = 'q';
	int owner = getpid() == pg->owner;

	if (owner) {
		pgtest_ctl_stop(pg, "immediate");
		if (keep)
			pgtest_say("left %s", pg->dir);
		else
			pgtest_rmrf(pg->dir);
	}
	if (pg->watch_fd != -1) {
		/* Only the owner stands the watchdog down; a fork just lets go. */
		if (owner && write(pg->watch_fd, &c, 1) != 1)
			pgtest_say("cannot stop the watchdog: %s", strerror(errno));
		close(pg->watch_fd);
		if (owner)
			waitpid(pg->watchdog, NULL, 0);
	}
	pgtest_release(pg);
}

void
pgtest_free(struct pgtest *pg)
{
	if (pg != NULL)
		pgtest_destroy(pg, 0);
}
