/*
 * main.c: chatgridd's composition root: options, configuration, the order
 * in which the parts start and how they are wired to each other and to the
 * daemon (daemon.h), signals. Nothing includes or calls it. One libevent
 * loop runs everything; start-up failures exit with one clear log line.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "admin/admin.h"
#include "auth/auth.h"
#include "auth/http-session.h"
#include "auth/sweep.h"
#include "cfg.h"
#include "daemon.h"
#include "db/db.h"
#include "items/items.h"
#include "log.h"
#include "media/media.h"
#include "migrate.h"
#include "net/client.h"
#include "net/net.h"
#include "net/webver.h"
#include "net/ws.h"
#include "ops/health.h"
#include "pluginhost/pluginhost.h"
#include "proto/proto.h"
#include "seed.h"
#include "tick.h"
#include "voice/voice.h"
#include "worker.h"
#include "world/world.h"
#include "xmalloc.h"

static const char *config_path = SYSCONFDIR "/chatgrid/chatgridd.conf";
static int foreground;
static int cli_level = -1;
static unsigned cli_trace;

static void
usage(void)
{
	fprintf(stderr, "usage: chatgridd [-dfnv] [-c file] [-T categories]\n");
	exit(2);
}

static void
print_error(const char *file, int line, const char *msg, void *arg)
{
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static void
log_error_cb(const char *file, int line, const char *msg, void *arg)
{
	if (line > 0)
		log_error("%s:%d: %s", file, line, msg);
	else
		log_error("%s: %s", file, msg);
}

/* A stop's first step: no new connections, every client told why. */
static void
stop_serving(int status)
{
	net_stop();
	client_close_all(WS_CLOSE_GOING_AWAY, status == 0 ? "Server shutting down" : "Server restarting");
}

static int
clients_open(void)
{
	return client_count;
}

static void
note_restart_key(const char *key)
{
	log_notice("%s changed; it takes effect after a restart", key);
}

static void
apply_logging(const struct config *c)
{
	log_set_level(cli_level >= 0 ? (enum log_level)cli_level : (enum log_level)c->log_level);
	log_set_trace(c->trace | cli_trace);
}

static void
reload(void)
{
	struct config *n;

	log_notice("reloading %s", config_path);
	if ((n = cfg_load(config_path, log_error_cb, NULL)) == NULL) {
		log_error("configuration has errors; keeping the running one");
		return;
	}
	cfg_keep_restart_keys(n, cfg, note_restart_key);
	if ((strcmp(n->tls_cert, cfg->tls_cert) != 0 || strcmp(n->tls_key, cfg->tls_key) != 0 ||
	    n->tls_cert[0] != '\0') && net_tls_load(n) != 0) {
		log_error("TLS certificate or tls_ciphers could not be loaded; keeping the running ones");
		free(n->tls_cert);
		free(n->tls_key);
		free(n->tls_ciphers);
		n->tls_cert = xstrdup(cfg->tls_cert);
		n->tls_key = xstrdup(cfg->tls_key);
		n->tls_ciphers = xstrdup(cfg->tls_ciphers);
	}
	cfg_free(cfg);
	cfg = n;
	apply_logging(cfg);
	proto_init();	/* the JSON depth limit may have changed */
	webver_load(cfg->www_root);	/* the web client may have been updated */
	auth_reload();	/* the Argon2id costs may have changed */
	plugin_rescan();	/* item plugins dropped into plugin_dir since */
	log_notice("reloaded configuration from %s", config_path);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGTERM:
	case SIGINT:
		daemon_shutdown(0);
		break;
	}
}

static void
raise_fd_limit(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur >= (rlim_t)want)
		return;
	rl.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)want)
		log_warn("file descriptor limit %llu is below max_connections + 64 (%d)",
		    (unsigned long long)rl.rlim_cur, want);
}

static void
write_pid_file(const char *path)
{
	FILE *f;

	if (path[0] == '\0')
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatalx("cannot write pid_file %s: %s", path, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/*
 * Bring the database schema up to date and read the session secret, before
 * anyone is served. Without db_conninfo chatgridd still serves the web
 * client, but accounts are unavailable.
 */
static void
database_start(void)
{
	char err[512];
	uint8_t key[32];
	const char *env = getenv("CHGRID_AUTH_SECRET");
	unsigned len = 0;

	if (cfg->db_conninfo[0] == '\0') {
		log_warn("no db_conninfo: accounts and the world are unavailable until a database is configured");
		if (RAND_bytes(key, sizeof key) != 1)
			fatalx("no randomness available");
		auth_set_secret(key);
		return;
	}
	if (migrate_run(cfg->db_conninfo, err, sizeof err) != 0)
		fatalx("database: %s", err);
	if (seed_roles(cfg->db_conninfo, err, sizeof err) != 0)
		fatalx("database: %s", err);
	if (env != NULL && env[strspn(env, " \t")] != '\0') {
		/* An operator-supplied secret (as the reference's CHGRID_AUTH_SECRET). */
		EVP_Digest(env, strlen(env), key, &len, EVP_sha256(), NULL);
	} else if (seed_secret(cfg->db_conninfo, "session_hmac", key, err, sizeof err) != 0)
		fatalx("database: %s", err);
	auth_set_secret(key);
	log_notice("database schema at version %d", migrate_latest());
}

static void
database_shutdown_done(void *arg)
{
	daemon_release();
}

static void
database_shutdown(void)
{
	daemon_hold();
	db_shutdown(database_shutdown_done, NULL);
}

int
main(int argc, char **argv)
{
	struct event *sigs[4];
	static const int signums[] = { SIGTERM, SIGINT, SIGHUP };
	int ch, check_only = 0, i;

	while ((ch = getopt(argc, argv, "c:dfnvT:")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			cli_level = LOG_LVL_DEBUG;
			foreground = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			printf("chatgridd %s\n", PACKAGE_VERSION);
			return 0;
		case 'T':
			if (log_trace_parse(optarg, &cli_trace) != 0) {
				fprintf(stderr, "chatgridd: unknown trace category in '%s'\n", optarg);
				return 2;
			}
			foreground = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_open("chatgridd", 0);
	if (check_only) {
		if ((cfg = cfg_load(config_path, print_error, NULL)) == NULL)
			return 1;
		printf("configuration OK\n");
		return 0;
	}
	if ((cfg = cfg_load(config_path, print_error, NULL)) == NULL) {
		fprintf(stderr, "chatgridd: configuration has errors; not starting\n");
		return 1;
	}
	apply_logging(cfg);

	signal(SIGPIPE, SIG_IGN);
	daemon_init();
	raise_fd_limit(cfg->max_connections + 64);
	daemon_on_stop(stop_serving);
	daemon_on_closing(clients_open);

	proto_init();
	webver_load(cfg->www_root);
	health_init();
	auth_init();
	sweep_init();
	http_session_init();
	media_init(cg_base);
	admin_init();
	world_init();	/* before the database, so its shutdown saves run first */
	items_init();	/* the same: the items' final write goes before the database closes */
	voice_init();	/* after the world: its hooks run after the world's */
	database_start();
	auth_prepare_dummy();
	if (net_start(cg_base, cfg) != 0)
		fatalx("cannot listen; not starting");
	if (health_metrics_listen(cg_base) != 0)
		fatalx("cannot listen for metrics; not starting");
	if (!foreground) {
		if (daemon(0, 0) != 0)
			fatalx("cannot detach: %s", strerror(errno));
		log_open("chatgridd", 1);
	} else if (cfg->log_syslog)
		log_open("chatgridd", 1);
	/* The loop's internal state survives daemon(): it forks before any event ran. */
	if (event_reinit(cg_base) != 0)
		fatalx("cannot reinitialise the event loop");
	write_pid_file(cfg->pid_file);
	/* Plugin hosts are this process's children: started after daemon(). */
	items_start();

	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(cg_base, signums[i], signal_cb, NULL);
		if (sigs[i] == NULL || event_add(sigs[i], NULL) != 0)
			fatalx("cannot handle signal %d", signums[i]);
	}
	tick_start(cg_base, cfg->tick_ms);
	client_init();
	if (worker_init(cg_base, cfg->auth_workers, cfg->auth_queue) != 0)
		fatalx("cannot start the password hashing threads");
	daemon_on_shutdown(worker_shutdown);
	/* The pool starts after daemon(): its sockets belong to this process. */
	if (cfg->db_conninfo[0] != '\0') {
		if (db_start(cg_base, cfg->db_conninfo, cfg->db_pool_size) != 0)
			fatalx("cannot start the database pool");
		health_set_db_state(db_state);
		daemon_on_shutdown(database_shutdown);
	}
	log_notice("chatgridd %s started (instance %s)", PACKAGE_VERSION, cg_instance_id);

	event_base_dispatch(cg_base);

	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	tick_stop();
	if (cfg->pid_file[0] != '\0')
		unlink(cfg->pid_file);
	log_notice("stopped");
	event_base_free(cg_base);
	cfg_free(cfg);
	return daemon_exit_status();
}
