/*
 * test_items_radio.c: the radio_station item type (reference §6.3, §6.4,
 * §6.10, §9 item 10) through the real daemon and plugin: parameters and
 * every message in order, toggling, the secondary use's messages, and the
 * metadata poller against a real Icecast (fed a sine tone by ffmpeg) and
 * against a small scripted HTTP server in this process (redirects, limits,
 * request counts: one poll per URL however many radios share it, a slow
 * URL delaying no other, backoff kept across URL edits, the poll budget).
 *
 * Icecast runs on a free loopback port from a generated configuration in a
 * temporary directory, as "nobody" when the test runs as root (Icecast
 * refuses root); it and ffmpeg die with the test (PR_SET_PDEATHSIG). Where
 * icecast2 or ffmpeg is missing, the cases that need them are reported as
 * TAP skips with the reason; the others still run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_items_common.h"

#define ICE_SOURCE_PW "srcpw"
#define ICE_ADMIN_AUTH "YWRtaW46YWRwdw=="	/* admin:adpw */
#define ICE_MOUNT "/x.mp3"
/* Polls every half second; values must follow within a few polls. */
#define POLL_CONFIG "plugin_option radio_station.fetch_interval_ms=500\n"
#define ALLOW_PRIVATE "plugin_option radio_station.fetch_allow_private=yes\n"
#define DENY_PRIVATE "plugin_option radio_station.fetch_allow_private=no\n"

/* ---- small helpers ---- */

/* A free TCP port on 127.0.0.1 (bound and released: the usual small race). */

/* Connect to 127.0.0.1:port; the descriptor or -1. */
static int
dial(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A plain HTTP/1.0 exchange; the whole answer (caller frees) or NULL. */
static char *
http_get(int port, const char *path, const char *headers)
{
	struct pollfd p;
	char req[2048], *buf;
	size_t len = 0, cap = 65536;
	ssize_t n;
	int fd = dial(port);
	int64_t end = tc_now_ms() + 3000;

	if (fd < 0)
		return NULL;
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s\r\n", path, port,
	    headers != NULL ? headers : "");
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) || (buf = malloc(cap)) == NULL) {
		close(fd);
		return NULL;
	}
	p.fd = fd;
	p.events = POLLIN;
	while (len + 1 < cap && tc_now_ms() < end && poll(&p, 1, (int)(end - tc_now_ms())) > 0) {
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* How often the daemon's log holds s. */
static int
log_count(struct td *td, const char *s)
{
	FILE *f = fopen(td_log_path(td), "r");
	char line[8192];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

#define wait_log(td, s) ck_assert_msg(td_wait_log((td), (s), td_ms(15000)), "no \"%s\" in the log:\n%s", (s), \
	td_log_tail((td), 3000))

/*
 * The next item_upsert of id whose params hold station and title (NULL:
 * either value) within ms; other messages are skipped. Returns the item.
 */
#define wait_meta(c, id, station, title, ms) wait_meta_at(__LINE__, (c), (id), (station), (title), (ms))
static json_object *
wait_meta_at(int line, struct tc_conn *c, const char *id, const char *station, const char *title, int ms)
{
	int64_t end = tc_now_ms() + td_ms(ms), left;
	json_object *o, *it, *params;
	const char *s, *t, *type, *iid;
	char seen[4000] = "";
	size_t n;

	for (;;) {
		left = end - tc_now_ms();
		ck_assert_msg(left > 0 && (o = tc_ws_recv_json(c, (int)left)) != NULL,
		    "line %d: no upsert with stationName \"%s\" and nowPlaying \"%s\" within %d ms; upserts seen:\n%s",
		    line, station != NULL ? station : "*", title != NULL ? title : "*", ms, seen);
		type = tc_json_str(o, "type");
		if (type != NULL && strcmp(type, "item_upsert") == 0 && json_object_object_get_ex(o, "item", &it) &&
		    (iid = tc_json_str(it, "id")) != NULL && strcmp(iid, id) == 0 &&
		    json_object_object_get_ex(it, "params", &params)) {
			s = tc_json_str(params, "stationName");
			t = tc_json_str(params, "nowPlaying");
			if (s != NULL && t != NULL && (station == NULL || strcmp(s, station) == 0) &&
			    (title == NULL || strcmp(t, title) == 0)) {
				json_object_get(it);
				json_object_put(o);
				return it;
			}
			n = strlen(seen);
			snprintf(seen + n, sizeof seen - n, "    [%s] [%s]\n", s != NULL ? s : "?", t != NULL ? t : "?");
		}
		json_object_put(o);
	}
}

/* Wait until a query's value is want (the core writes items behind, in batches). */
#define sql_soon(want, ...) sql_soon_at(__LINE__, (want), __VA_ARGS__)
static void sql_soon_at(int line, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
sql_soon_at(int line, const char *want, const char *fmt, ...)
{
	char query[1024], *v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(query, sizeof query, fmt, ap);
	va_end(ap);
	v = ag_sql_wait(want, "%s", query);
	ck_assert_msg(v != NULL && strcmp(v, want) == 0, "line %d: %s gives %s, not %s", line, query,
	    v != NULL ? v : "NULL", want);
	free(v);
}

/* The item's params from an upsert wait, as text. */
static const char *
params_of(json_object *it)
{
	return tw_js(tw_get(it, "params"));
}

/* ---- a child process that dies with the test ---- */

/* Run argv with output to logpath, as user (NULL: as we are). */
static pid_t
spawn(const char *const *argv, const char *logpath, const struct passwd *user, const char *dir)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0)
		_exit(126);
	if (dir != NULL && chdir(dir) != 0)
		_exit(126);
	if (user != NULL && (setgid(user->pw_gid) != 0 || initgroups(user->pw_name, user->pw_gid) != 0 ||
	    setuid(user->pw_uid) != 0))
		_exit(126);
	/* After the change of user, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

static void
reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

/* ---- Icecast and its source ---- */

struct ice {
	char *dir;
	int port;		/* http */
	int tls_port;		/* https, or 0 */
	pid_t pid, source;
};

static int
have_tool(const char *name)
{
	char path[4096], *copy, *dir, *save = NULL;
	const char *p = getenv("PATH");
	int found = 0;

	copy = strdup(p != NULL ? p : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
		found = access(path, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* The user Icecast runs as: nobody when we are root (it refuses root). */
static const struct passwd *
ice_user(void)
{
	const struct passwd *pw;

	if (geteuid() != 0)
		return NULL;
	pw = getpwnam("nobody");
	ck_assert_msg(pw != NULL, "running as root and no user nobody to run icecast2 as");
	return pw;
}

static void
chown_tree(const char *dir, const struct passwd *pw, const char *const *names)
{
	char path[4096];
	int i;

	if (pw == NULL)
		return;
	ck_assert_int_eq(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		ck_assert_msg(chown(path, pw->pw_uid, pw->pw_gid) == 0, "chown %s: %s", path, strerror(errno));
	}
}

/* Wait until port accepts connections, failing if pid exits first. */
static void
wait_port(int port, pid_t pid, const char *what, const char *logpath)
{
	int64_t end = tc_now_ms() + td_ms(10000);
	int fd, status;

	for (;;) {
		if ((fd = dial(port)) >= 0) {
			close(fd);
			return;
		}
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "%s exited (status %d); see %s", what, status,
		    logpath);
		ck_assert_msg(tc_now_ms() < end, "%s does not listen on port %d; see %s", what, port, logpath);
		tw_sleep_ms(50);
	}
}

/* Start Icecast (with a TLS port using cert.pem/key.pem of dir certdir when tls). */
static void
ice_start(struct ice *ice, int tls)
{
	const struct passwd *pw = ice_user();
	static const char *const owned[] = { "log", "web", "admin", "icecast.xml", NULL };
	char conf[4096], tlsconf[512] = "", certconf[1024] = "", logpath[4096];
	const char *argv[] = { "icecast2", "-c", "icecast.xml", NULL };

	memset(ice, 0, sizeof *ice);
	ice->dir = td_mkdtemp();
	ice->port = it_free_port();
	ck_assert_int_eq(td_mkdir(ice->dir, "log"), 0);
	ck_assert_int_eq(td_mkdir(ice->dir, "web"), 0);
	ck_assert_int_eq(td_mkdir(ice->dir, "admin"), 0);
	if (tls) {
		char *pem, *key, path[4096];
		FILE *f;
		size_t n;

		ice->tls_port = it_free_port();
		ck_assert_int_eq(td_make_cert(ice->dir), 0);
		/* Icecast wants the certificate and its key in one file. */
		snprintf(path, sizeof path, "%s/both.pem", ice->dir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		pem = malloc(65536);
		key = malloc(65536);
		ck_assert(pem != NULL && key != NULL);
		{
			FILE *in;

			snprintf(path, sizeof path, "%s/cert.pem", ice->dir);
			in = fopen(path, "r");
			ck_assert_ptr_nonnull(in);
			n = fread(pem, 1, 65535, in);
			fclose(in);
			fwrite(pem, 1, n, f);
			snprintf(path, sizeof path, "%s/key.pem", ice->dir);
			in = fopen(path, "r");
			ck_assert_ptr_nonnull(in);
			n = fread(key, 1, 65535, in);
			fclose(in);
			fwrite(key, 1, n, f);
		}
		fclose(f);
		free(pem);
		free(key);
		if (pw != NULL) {
			snprintf(path, sizeof path, "%s/both.pem", ice->dir);
			ck_assert_int_eq(chown(path, pw->pw_uid, pw->pw_gid), 0);
		}
		snprintf(tlsconf, sizeof tlsconf,
		    "<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket>",
		    ice->tls_port);
		snprintf(certconf, sizeof certconf, "<ssl-certificate>%s/both.pem</ssl-certificate>", ice->dir);
	}
	/*
	 * A small burst: a new listener gets a little more than one metadata
	 * interval at once, so its first block is current and comes quickly.
	 */
	snprintf(conf, sizeof conf,
	    "<icecast>\n"
	    "<location>test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>\n"
	    "<limits><clients>50</clients><sources>4</sources><burst-size>20000</burst-size>"
	    "<source-timeout>5</source-timeout></limits>\n"
	    "<authentication><source-password>" ICE_SOURCE_PW "</source-password>"
	    "<admin-user>admin</admin-user><admin-password>adpw</admin-password></authentication>\n"
	    "<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address></listen-socket>%s\n"
	    "<fileserve>0</fileserve>\n"
	    "<paths><basedir>%s</basedir><logdir>%s/log</logdir><webroot>%s/web</webroot>"
	    "<adminroot>%s/admin</adminroot>%s</paths>\n"
	    "<logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>\n"
	    "<security><chroot>0</chroot></security>\n"
	    "</icecast>\n", ice->port, tlsconf, ice->dir, ice->dir, ice->dir, ice->dir, certconf);
	ck_assert_int_eq(td_write_text(ice->dir, "icecast.xml", conf), 0);
	chown_tree(ice->dir, pw, owned);
	snprintf(logpath, sizeof logpath, "%s/icecast.out", ice->dir);
	ice->pid = spawn(argv, logpath, pw, ice->dir);
	wait_port(ice->port, ice->pid, "icecast2", logpath);
	if (tls)
		wait_port(ice->tls_port, ice->pid, "icecast2 (TLS)", logpath);
}

/* Set the mount's title through the admin API, retrying while the source connects. */
static void
ice_title(struct ice *ice, const char *title)
{
	int64_t end = tc_now_ms() + td_ms(10000);
	char path[512], *p, *answer;
	const char *s;

	p = path + sprintf(path, "/admin/metadata?mount=" ICE_MOUNT "&mode=updinfo&song=");
	for (s = title; *s != '\0'; s++)
		p += *s == ' ' ? sprintf(p, "%%20") : sprintf(p, "%c", *s);
	for (;;) {
		answer = http_get(ice->port, path, "Authorization: Basic " ICE_ADMIN_AUTH "\r\n");
		if (answer != NULL && strstr(answer, "<return>1</return>") != NULL) {
			free(answer);
			return;
		}
		ck_assert_msg(tc_now_ms() < end, "icecast2 did not take the title \"%s\": %s", title,
		    answer != NULL ? answer : "(no answer)");
		free(answer);
		tw_sleep_ms(100);
	}
}

/* ffmpeg streams a sine tone as MP3 to the mount, as "Test Station". */
static void
ice_source_start(struct ice *ice)
{
	char url[256], logpath[4096];
	const char *argv[] = { "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=44100", "-c:a", "libmp3lame", "-b:a", "128k",
		"-content_type", "audio/mpeg", "-ice_name", "Test Station", "-f", "mp3", url, NULL };

	snprintf(url, sizeof url, "icecast://source:" ICE_SOURCE_PW "@127.0.0.1:%d" ICE_MOUNT, ice->port);
	snprintf(logpath, sizeof logpath, "%s/ffmpeg.out", ice->dir);
	ice->source = spawn(argv, logpath, NULL, NULL);
}

static void
ice_source_stop(struct ice *ice)
{
	reap(&ice->source);
}

static void
ice_stop(struct ice *ice)
{
	reap(&ice->source);
	reap(&ice->pid);
	td_rmtree(ice->dir);
	free(ice->dir);
	ice->dir = NULL;
}

/* ---- a scripted HTTP server: redirects, odd answers, request counts ---- */

struct fake {
	int fd, port;
	int stop[2];
	pthread_t th;
	pthread_mutex_t mu;
	int hits;		/* requests answered */
	int fail_hits;		/* of them, for /fail */
	int64_t fail_ms;	/* when the last /fail came (tc_now_ms) */
	char path[256];		/* the last request's path */
	char agent[256];	/* its User-Agent */
	int icy;		/* it asked for Icy-MetaData: 1 */
};

/* Header value of name in a request head (first), copied to out. */
static void
req_header(const char *head, const char *name, char *out, size_t cap)
{
	const char *p = head, *v;
	size_t n = strlen(name), k;

	out[0] = '\0';
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			for (v = p + n + 1; *v == ' '; v++)
				;
			k = strcspn(v, "\r\n");
			snprintf(out, cap, "%.*s", (int)(k < cap ? k : cap - 1), v);
			return;
		}
	}
}

/* Metadata block bytes: length byte, then the text padded to 16-byte units. */
static size_t
meta_block(char *out, const char *text)
{
	size_t n = strlen(text), units = (n + 15) / 16;

	out[0] = (char)units;
	memset(out + 1, 0, units * 16);
	memcpy(out + 1, text, n);
	return 1 + units * 16;
}

/* The answer to path (bytes in out). */
static size_t
fake_answer(struct fake *f, const char *path, char *out)
{
	size_t n;

	if (strcmp(path, "/r1") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 302 Found\r\nLocation: /r2\r\n\r\n");
	if (strcmp(path, "/r2") == 0)
		return (size_t)sprintf(out, "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:%d/meta\r\n\r\n",
		    f->port);
	if (strcmp(path, "/loop") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 302 Found\r\nLocation: /loop\r\n\r\n");
	/* /tohttps/<port>: to the Icecast mount over TLS on that port. */
	if (strncmp(path, "/tohttps/", 9) == 0)
		return (size_t)sprintf(out, "HTTP/1.0 301 Moved\r\nLocation: https://localhost:%d" ICE_MOUNT "\r\n\r\n",
		    atoi(path + 9));
	if (strcmp(path, "/fail") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 500 Internal Server Error\r\n\r\n");
	if (strcmp(path, "/ftp") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 301 Moved\r\nLocation: ftp://127.0.0.1/x\r\n\r\n");
	if (strcmp(path, "/plain") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nice-name:  Plain Station \r\n\r\n"
		    "0123456789");
	if (strcmp(path, "/huge") == 0)
		return (size_t)sprintf(out, "HTTP/1.0 200 OK\r\nicy-name: Huge\r\nicy-metaint: 100000000\r\n\r\n0123");
	if (strcmp(path, "/quiet") == 0) {
		/* Metadata, but an empty block: nothing said about the title. */
		n = (size_t)sprintf(out, "ICY 200 OK\r\nicy-name: Fake FM\r\nicy-metaint: 16\r\n\r\n0123456789abcdef");
		out[n] = 0;
		return n + 1;
	}
	/* /meta and anything else: a station, and a title after 16 bytes of audio. */
	n = (size_t)sprintf(out, "HTTP/1.0 200 OK\r\nicy-name: Fake FM\r\nicy-metaint: 16\r\n\r\n0123456789abcdef");
	return n + meta_block(out + n, "StreamTitle='Fake Song';StreamUrl='';");
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[2];
	char head[4096], out[4096], path[256];
	size_t len, n;
	ssize_t k;
	int c;

	for (;;) {
		p[0].fd = f->fd;
		p[0].events = POLLIN;
		p[1].fd = f->stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents != 0)
			return NULL;
		if ((p[0].revents & POLLIN) == 0 || (c = accept(f->fd, NULL, NULL)) < 0)
			continue;
		/* Read the request head (small; a bounded wait). */
		len = 0;
		p[0].fd = c;
		while (len + 1 < sizeof head && poll(p, 1, 2000) > 0 && (k = read(c, head + len, sizeof head - len - 1)) > 0) {
			len += (size_t)k;
			head[len] = '\0';
			if (strstr(head, "\r\n\r\n") != NULL)
				break;
		}
		head[len] = '\0';
		path[0] = '\0';
		sscanf(head, "GET %255s", path);
		pthread_mutex_lock(&f->mu);
		f->hits++;
		if (strcmp(path, "/fail") == 0) {
			f->fail_hits++;
			f->fail_ms = tc_now_ms();
		}
		snprintf(f->path, sizeof f->path, "%s", path);
		req_header(head, "User-Agent", f->agent, sizeof f->agent);
		req_header(head, "Icy-MetaData", out, sizeof out);
		f->icy = strcmp(out, "1") == 0;
		pthread_mutex_unlock(&f->mu);
		/* /slow never answers: the fetch waits until it gives up or the server stops. */
		if (strcmp(path, "/slow") == 0) {
			p[0].fd = f->stop[0];
			p[0].events = POLLIN;
			while (poll(p, 1, -1) < 0 && errno == EINTR)
				;
			close(c);
			return NULL;
		}
		n = fake_answer(f, path, out);
		/* The client may have gone; nothing to do about it. */
		if (write(c, out, n) < 0)
			errno = 0;
		close(c);
	}
}

static void
fake_start(struct fake *f)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f->fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(f->fd, 16), 0);
	ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe(f->stop), 0);
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static int
fake_hits(struct fake *f)
{
	int n;

	pthread_mutex_lock(&f->mu);
	n = f->hits;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void
fake_stop(struct fake *f)
{
	ck_assert_int_eq(write(f->stop[1], "x", 1), 1);
	pthread_join(f->th, NULL);
	close(f->fd);
	close(f->stop[0]);
	close(f->stop[1]);
	pthread_mutex_destroy(&f->mu);
}

/* A radio at a's square with streamUrl url (and enabled), its id (caller frees). */
static char *
add_radio(struct tw_user *a, const char *url)
{
	char *id = ti_add(a, "radio_station"), params[2400];

	snprintf(params, sizeof params, "{\"streamUrl\":\"%s\"}", url);
	ti_update(a, id, NULL, params);
	ti_expect(a, "update", 1, "Updated radio.");
	return id;
}

/* Move a to the item's square (as stored). */
static void
go_to_item(struct tw_user *a, const char *id)
{
	char *x = ag_sql_value("SELECT x FROM items WHERE id = '%s'", id);
	char *y = ag_sql_value("SELECT y FROM items WHERE id = '%s'", id);

	ck_assert(x != NULL && y != NULL);
	tw_goto(a, (int)strtol(x, NULL, 10), (int)strtol(y, NULL, 10));
	free(x);
	free(y);
}

/* Wait ms while reading (and dropping) what arrives, so pings are answered and nothing piles up. */

/* Wait until the scripted server has answered a request for path. */
static void
fake_wait_path(struct fake *f, const char *path, int ms)
{
	int64_t end = tc_now_ms() + td_ms(ms);
	int seen;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		seen = strcmp(f->path, path) == 0;
		pthread_mutex_unlock(&f->mu);
		if (seen)
			return;
		ck_assert_msg(tc_now_ms() < end, "no request for %s within %d ms", path, ms);
		tw_sleep_ms(50);
	}
}

/* ---- parameters ---- */

START_TEST(radio_parameters)
{
	struct td *td = ti_start("radio_station", DENY_PRIVATE, NULL);
	struct tw_user *a = tw_join(td, "rparam");
	char *id = ti_add(a, "radio_station"), *big;
	json_object *it, *types, *t = NULL, *meta, *v;
	size_t i, n;

	/* The type as clients learn it. */
	types = tw_get(tw_get(a->welcome, "uiDefinitions"), "itemTypes");
	for (i = 0; i < json_object_array_length(types); i++)
		if (strcmp(tw_str(json_object_array_get_idx(types, i), "type"), "radio_station") == 0)
			t = json_object_array_get_idx(types, i);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(tw_str(t, "label"), "radio");
	ck_assert_str_eq(tw_js(tw_get(t, "editableProperties")), "[\"title\",\"streamUrl\",\"enabled\","
	    "\"mediaVolume\",\"mediaChannel\",\"mediaEffect\",\"mediaEffectValue\",\"facing\",\"emitRange\"]");
	v = tw_get(t, "globalProperties");
	ck_assert_str_eq(tw_js(tw_get(v, "directional")), "true");
	ck_assert_int_eq(tw_int(v, "emitRange"), 10);
	ck_assert_int_eq(tw_int(v, "useCooldownMs"), 1000);
	meta = tw_get(t, "propertyMetadata");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "facing"), "visibleWhen")), "{\"directional\":true}");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "mediaEffectValue"), "visibleWhen")), "{\"mediaEffect\":\"!off\"}");
	ck_assert_int_eq(tw_int(tw_get(meta, "streamUrl"), "maxLength"), 2048);
	ck_assert_str_eq(tw_str(tw_get(meta, "mediaChannel"), "valueType"), "list");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "mediaChannel"), "options")), "[\"stereo\",\"mono\",\"left\",\"right\"]");
	ck_assert_str_eq(tw_str(tw_get(meta, "stationName"), "valueType"), "text");
	ck_assert_str_eq(tw_str(tw_get(meta, "nowPlaying"), "valueType"), "text");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "emitRange"), "range")), "{\"min\":5,\"max\":20,\"step\":1}");

	/* Normalisation; stationName and nowPlaying cannot be set; unknown keys go. */
	ti_update(a, id, NULL, "{\"streamUrl\":\"  NONE \",\"enabled\":\"off\",\"mediaVolume\":\" 12 \","
	    "\"mediaEffect\":\" ECHO \",\"mediaChannel\":\"Left\",\"mediaEffectValue\":\"25.05\","
	    "\"stationName\":\"Pirate FM\",\"nowPlaying\":\"injected\",\"facing\":122.5,\"emitRange\":12.9,"
	    "\"hackedFlag\":true}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(params_of(it), "{\"streamUrl\":\"\",\"enabled\":false,\"mediaVolume\":12,"
	    "\"mediaEffect\":\"echo\",\"mediaChannel\":\"left\",\"mediaEffectValue\":25.1,\"stationName\":\"\","
	    "\"nowPlaying\":\"\",\"facing\":122,\"emitRange\":12}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated radio.");
	/* (A public address: the radio stays off, so it is never fetched.) */
	ti_update(a, id, NULL, "{\"streamUrl\":\" https://203.0.114.7:8443/live?x=1 \",\"facing\":\"123.5\","
	    "\"enabled\":0}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "streamUrl"), "https://203.0.114.7:8443/live?x=1");
	ck_assert_int_eq(tw_int(tw_get(it, "params"), "facing"), 124);
	ck_assert_str_eq(tw_js(tw_get(tw_get(it, "params"), "enabled")), "false");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated radio.");
	tw_drain(a->c, 200);

	/* Every message, and the order: streamUrl, enabled, mediaVolume, mediaEffect, mediaChannel,
	 * mediaEffectValue, facing, emitRange. */
	big = malloc(4000);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "{\"streamUrl\":\"http://example.com/");
	for (i = 0; i < 2049 - strlen("http://example.com/"); i++)
		big[n++] = 'x';
	strcpy(big + n, "\",\"enabled\":\"maybe\"}");
	ti_update(a, id, NULL, big);
	ti_expect(a, "update", 0, "streamUrl must be 2048 characters or less.");
	free(big);
	ti_update(a, id, NULL, "{\"streamUrl\":\"ftp://example.com/x\",\"enabled\":\"maybe\"}");
	ti_expect(a, "update", 0, "streamUrl must be an http or https URL.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"radio.example.com/live\"}");
	ti_expect(a, "update", 0, "streamUrl must be an http or https URL.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://user:pw@example.com/\"}");
	ti_expect(a, "update", 0, "streamUrl must be an http or https URL.");
	ti_update(a, id, NULL, "{\"streamUrl\":[\"http://example.com/\"]}");
	ti_expect(a, "update", 0, "streamUrl must be an http or https URL.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://127.0.0.1:8000/x\",\"enabled\":\"maybe\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://[::1]/x\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://10.1.2.3/x\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://169.254.169.254/latest\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://127.1/x\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://[::ffff:192.168.0.1]/x\"}");
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	ti_update(a, id, NULL, "{\"enabled\":\"maybe\",\"mediaVolume\":\"loud\"}");
	ti_expect(a, "update", 0, "enabled must be true/false or on/off.");
	ti_update(a, id, NULL, "{\"enabled\":null}");
	ti_expect(a, "update", 0, "enabled must be true/false or on/off.");
	ti_update(a, id, NULL, "{\"mediaVolume\":\"loud\",\"mediaEffect\":\"wobble\"}");
	ti_expect(a, "update", 0, "mediaVolume must be a number.");
	ti_update(a, id, NULL, "{\"mediaVolume\":101}");
	ti_expect(a, "update", 0, "mediaVolume must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"mediaVolume\":-1}");
	ti_expect(a, "update", 0, "mediaVolume must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"mediaEffect\":\"wobble\",\"mediaChannel\":\"surround\"}");
	ti_expect(a, "update", 0, "mediaEffect must be one of reverb, echo, flanger, high_pass, low_pass, off.");
	ti_update(a, id, NULL, "{\"mediaChannel\":\"surround\",\"mediaEffectValue\":\"x\"}");
	ti_expect(a, "update", 0, "mediaChannel must be one of stereo, mono, left, right.");
	ti_update(a, id, NULL, "{\"mediaEffectValue\":\"x\",\"facing\":\"x\"}");
	ti_expect(a, "update", 0, "mediaEffectValue must be a number.");
	ti_update(a, id, NULL, "{\"mediaEffectValue\":100.5}");
	ti_expect(a, "update", 0, "mediaEffectValue must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"mediaEffectValue\":\"nan\"}");
	ti_expect(a, "update", 0, "mediaEffectValue must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"facing\":\"x\",\"emitRange\":4}");
	ti_expect(a, "update", 0, "facing must be a number between 0 and 360.");
	ti_update(a, id, NULL, "{\"facing\":361}");
	ti_expect(a, "update", 0, "facing must be between 0 and 360.");
	ti_update(a, id, NULL, "{\"emitRange\":4}");
	ti_expect(a, "update", 0, "emitRange must be between 5 and 20.");
	ti_update(a, id, NULL, "{\"emitRange\":21}");
	ti_expect(a, "update", 0, "emitRange must be between 5 and 20.");
	ti_update(a, id, NULL, "{\"emitRange\":\"far\"}");
	ti_expect(a, "update", 0, "emitRange must be an integer between 5 and 20.");
	/* A name is not resolved at validation: localhost passes (and is refused when fetched). */
	ti_update(a, id, NULL, "{\"streamUrl\":\"http://localhost:9/x\"}");
	ti_expect(a, "update", 1, "Updated radio.");
	/* Nothing of the refused updates was stored. */
	sql_soon("12,12,124", "SELECT params->>'mediaVolume' || ',' || (params->>'emitRange') || ',' || "
	    "(params->>'facing') FROM items WHERE id = '%s'", id);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* ---- use and secondary use ---- */

START_TEST(radio_use_and_secondary)
{
	struct td *td;
	struct tw_user *a, *b;
	char line[256], owner[33], *id, *dir;
	json_object *it;

	td = ti_start("radio_station", NULL, &dir);
	a = tw_join(td, "ruse");
	snprintf(owner, sizeof owner, "%s", a->user);
	b = tw_join(td, "ruse");
	tw_goto(b, a->x, a->y);
	id = ti_add(a, "radio_station");
	tw_drain(b->c, 200);

	/* Nothing known yet. */
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "No now playing data.");
	tw_none(b->c, 300, "chat_message", NULL, NULL);

	/* On by default: the first use turns it off. */
	ti_item_msg(a, "item_use", id);
	it = ti_upsert(b->c, id);
	ck_assert_str_eq(tw_js(tw_get(tw_get(it, "params"), "enabled")), "false");
	json_object_put(it);
	snprintf(line, sizeof line, "%s turns off radio.", a->nick);
	tw_sys(b->c, line);
	ti_expect(a, "use", 1, "You turn off radio.");
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "radio is off.");
	tw_sleep_ms(1000);
	ti_item_msg(b, "item_use", id);
	snprintf(line, sizeof line, "%s turns on radio.", b->nick);
	tw_sys(a->c, line);
	ti_expect(b, "use", 1, "You turn on radio.");
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);

	/* Stored values (as the poller leaves them), and a garbage enabled that counts as on. */
	ag_sql("UPDATE items SET title = 'Kitchen radio', params = params || "
	    "'{\"stationName\": \"  Test FM \", \"nowPlaying\": \"Song A\", \"enabled\": \"garbage\"}' WHERE id = '%s'", id);
	td = ti_start_dir(dir, NULL);
	a = tw_login(td, owner);
	go_to_item(a, id);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing Song A from Test FM.");
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "You turn off Kitchen radio.");
	/* An update cannot overwrite them; they are kept (trimmed) while other keys change. */
	ti_update(a, id, NULL, "{\"stationName\":\"Other\",\"nowPlaying\":\"Other\",\"mediaVolume\":33}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "stationName"), "Test FM");
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "nowPlaying"), "Song A");
	ck_assert_int_eq(tw_int(tw_get(it, "params"), "mediaVolume"), 33);
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated Kitchen radio.");
	tw_close(a);
	td_stop(td);
	td_free(td);

	ag_sql("UPDATE items SET params = params || '{\"nowPlaying\": \" \", \"enabled\": true}' WHERE id = '%s'", id);
	td = ti_start_dir(dir, NULL);
	a = tw_login(td, owner);
	go_to_item(a, id);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing from Test FM.");
	tw_close(a);
	td_stop(td);
	td_free(td);

	ag_sql("UPDATE items SET params = params || '{\"nowPlaying\": \"Song B\", \"stationName\": \"\"}' "
	    "WHERE id = '%s'", id);
	td = ti_start_dir(dir, NULL);
	a = tw_login(td, owner);
	go_to_item(a, id);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing Song B.");
	tw_close(a);
	td_stop(td);
	td_free(td);
	free(dir);
	free(id);
}
END_TEST

/* ---- polling a real Icecast ---- */

START_TEST(radio_follows_icecast)
{
	struct ice ice;
	struct td *td;
	struct tw_user *a;
	char url[256], *id, fail_line[300];
	json_object *it;
	int n;

	ice_start(&ice, 0);
	ice_source_start(&ice);
	ice_title(&ice, "Title A");
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE, NULL);
	a = tw_join(td, "rice");
	snprintf(url, sizeof url, "http://127.0.0.1:%d" ICE_MOUNT, ice.port);
	id = add_radio(a, url);

	/* The titles follow the source's. */
	it = wait_meta(a->c, id, "Test Station", "Title A", 10000);
	json_object_put(it);
	ice_title(&ice, "Title B");
	it = wait_meta(a->c, id, "Test Station", "Title B", 10000);
	json_object_put(it);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing Title B from Test Station.");
	sql_soon("Title B", "SELECT params->>'nowPlaying' FROM items WHERE id = '%s'", id);

	/* The source stops: polls fail, the values stay, and the reason is logged once. */
	ice_source_stop(&ice);
	snprintf(fail_line, sizeof fail_line, "radio %s: polling %s failed", id, url);
	wait_log(td, fail_line);
	tw_none(a->c, td_ms(3000), "item_upsert", NULL, NULL);
	/* Several failed polls by now, one line per reason (the mount is gone: 404). */
	n = log_count(td, fail_line);
	ck_assert_msg(n >= 1 && n <= 2, "the failure was logged %d times", n);
	n = log_count(td, "failed: HTTP 404");
	ck_assert_msg(n <= 1, "HTTP 404 was logged %d times", n);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing Title B from Test Station.");

	/* It comes back: polling resumes (after its backoff). */
	ice_source_start(&ice);
	ice_title(&ice, "Title C");
	it = wait_meta(a->c, id, "Test Station", "Title C", 25000);
	json_object_put(it);
	wait_log(td, "answers again");
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 1, "Playing Title C from Test Station.");

	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	ice_stop(&ice);
}
END_TEST

/* https with certificate verification and SNI, against Icecast's TLS port. */
START_TEST(radio_https)
{
	struct ice ice;
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], hop[256], cert[4096], *id;
	json_object *it;

	ice_start(&ice, 1);
	ice_source_start(&ice);
	ice_title(&ice, "Secure Song");
	snprintf(url, sizeof url, "https://localhost:%d" ICE_MOUNT, ice.tls_port);

	/* Not trusted by the system's store: refused, and said why. */
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE, NULL);
	a = tw_join(td, "rtls");
	id = add_radio(a, url);
	wait_log(td, "is not trusted");
	tw_none(a->c, td_ms(1000), "item_upsert", NULL, NULL);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);

	/*
	 * Trusted (OpenSSL's SSL_CERT_FILE names the store): the title arrives,
	 * first through an http URL that redirects to https (the first fetch of
	 * this host, so TLS must not depend on the first URL's scheme).
	 */
	snprintf(cert, sizeof cert, "%s/cert.pem", ice.dir);
	setenv("SSL_CERT_FILE", cert, 1);
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE, NULL);
	unsetenv("SSL_CERT_FILE");
	a = tw_join(td, "rtls");
	fake_start(&f);
	snprintf(hop, sizeof hop, "http://127.0.0.1:%d/tohttps/%d", f.port, ice.tls_port);
	id = add_radio(a, hop);
	it = wait_meta(a->c, id, "Test Station", "Secure Song", 10000);
	json_object_put(it);
	free(id);
	fake_stop(&f);
	id = add_radio(a, url);
	it = wait_meta(a->c, id, "Test Station", "Secure Song", 10000);
	json_object_put(it);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	ice_stop(&ice);
}
END_TEST

/* ---- polling the scripted server ---- */

/* Polls only while someone can hear the radio, and only while it is on. */
START_TEST(radio_polls_only_for_listeners)
{
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], *id;
	json_object *it;
	int x, y, h0, h1;

	fake_start(&f);
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE, NULL);
	a = tw_join(td, "rlisten");
	x = a->x;
	y = a->y;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/meta", f.port);
	id = add_radio(a, url);
	it = wait_meta(a->c, id, "Fake FM", "Fake Song", 10000);
	json_object_put(it);
	pthread_mutex_lock(&f.mu);
	ck_assert_str_eq(f.path, "/meta");
	ck_assert_msg(f.icy, "no Icy-MetaData: 1");
	ck_assert_msg(strncmp(f.agent, "chatgrid/", 9) == 0, "User-Agent %s", f.agent);
	pthread_mutex_unlock(&f.mu);
	/* Unchanged values are not published again. */
	tw_none(a->c, td_ms(1500), "item_upsert", NULL, NULL);
	ck_assert_int_ge(fake_hits(&f), 2);

	/* Out of range (emitRange 10): no more requests. */
	tw_goto(a, x > 20 ? 0 : 40, y > 20 ? 0 : 40);
	tw_read_for(a->c, 1200);
	h0 = fake_hits(&f);
	tw_read_for(a->c, td_ms(3000));
	h1 = fake_hits(&f);
	ck_assert_msg(h1 == h0, "%d requests with nobody in range", h1 - h0);

	/* Back in range: polling again. */
	tw_goto(a, x, y);
	tw_read_for(a->c, td_ms(3000));
	ck_assert_msg(fake_hits(&f) > h1 + 1, "only %d requests back in range", fake_hits(&f) - h1);

	/* Off: no requests. */
	ti_update(a, id, NULL, "{\"enabled\":false}");
	ti_expect(a, "update", 1, "Updated radio.");
	tw_read_for(a->c, 1200);
	h0 = fake_hits(&f);
	tw_read_for(a->c, td_ms(3000));
	ck_assert_int_eq(fake_hits(&f), h0);

	/* Deleted while polling: the plugin forgets it and goes on. */
	ti_update(a, id, NULL, "{\"enabled\":true}");
	ti_expect(a, "update", 1, "Updated radio.");
	ti_item_msg(a, "item_delete", id);
	ti_expect(a, "delete", 1, NULL);
	tw_read_for(a->c, 1200);
	h0 = fake_hits(&f);
	tw_read_for(a->c, td_ms(2000));
	ck_assert_int_eq(fake_hits(&f), h0);
	free(id);
	id = add_radio(a, url);
	it = wait_meta(a->c, id, "Fake FM", "Fake Song", 10000);
	json_object_put(it);

	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}
END_TEST

/* Names resolving to private addresses are never fetched unless allowed. */
START_TEST(radio_private_addresses)
{
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], *id;

	fake_start(&f);
	td = ti_start("radio_station", POLL_CONFIG DENY_PRIVATE, NULL);
	a = tw_join(td, "rpriv");
	id = ti_add(a, "radio_station");
	snprintf(url, sizeof url, "{\"streamUrl\":\"http://127.0.0.1:%d/meta\"}", f.port);
	ti_update(a, id, NULL, url);
	ti_expect(a, "update", 0, "streamUrl must point to a public address.");
	snprintf(url, sizeof url, "{\"streamUrl\":\"http://localhost:%d/meta\"}", f.port);
	ti_update(a, id, NULL, url);
	ti_expect(a, "update", 1, "Updated radio.");
	wait_log(td, "refused to fetch localhost: it resolves to");
	tw_none(a->c, td_ms(2500), "item_upsert", NULL, NULL);
	ck_assert_int_eq(fake_hits(&f), 0);
	ck_assert_int_eq(log_count(td, "refused to fetch localhost"), 1);
	sql_soon("|", "SELECT (params->>'stationName') || '|' || (params->>'nowPlaying') "
	    "FROM items WHERE id = '%s'", id);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}
END_TEST

/* Redirects by hand, each hop checked; odd answers; the byte bound. */
START_TEST(radio_redirects_and_answers)
{
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], line[400], *id, *loop, *ftp, *huge;
	json_object *it;

	fake_start(&f);
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE
	    "plugin_option radio_station.fetch_max_redirects=2\n"
	    "plugin_option radio_station.fetch_max_bytes=4096\n", NULL);
	a = tw_join(td, "rredir");

	/* Two hops (a relative and an absolute Location) to the stream. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/r1", f.port);
	id = add_radio(a, url);
	it = wait_meta(a->c, id, "Fake FM", "Fake Song", 10000);
	json_object_put(it);

	/* A server without metadata clears the title; the station follows ice-name. */
	snprintf(url, sizeof url, "{\"streamUrl\":\"http://127.0.0.1:%d/plain\"}", f.port);
	ti_update(a, id, NULL, url);
	it = wait_meta(a->c, id, "Plain Station", "", 10000);
	json_object_put(it);

	/* Metadata without a title keeps the last one. */
	snprintf(url, sizeof url, "{\"streamUrl\":\"http://127.0.0.1:%d/meta\"}", f.port);
	ti_update(a, id, NULL, url);
	it = wait_meta(a->c, id, "Fake FM", "Fake Song", 10000);
	json_object_put(it);
	snprintf(url, sizeof url, "{\"streamUrl\":\"http://127.0.0.1:%d/quiet\"}", f.port);
	ti_update(a, id, NULL, url);
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "nowPlaying"), "Fake Song");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated radio.");
	fake_wait_path(&f, "/quiet", 5000);
	tw_none(a->c, td_ms(2000), "item_upsert", NULL, NULL);
	sql_soon("Fake Song", "SELECT params->>'nowPlaying' FROM items WHERE id = '%s'", id);

	/* A redirect loop, a redirect to another scheme, a metadata interval past the bound. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/loop", f.port);
	loop = add_radio(a, url);
	snprintf(line, sizeof line, "radio %s: polling %s failed: more than 2 redirects", loop, url);
	wait_log(td, line);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/ftp", f.port);
	ftp = add_radio(a, url);
	snprintf(line, sizeof line, "radio %s: polling %s failed: redirected to ftp://127.0.0.1/x: "
	    "only http and https URLs are allowed", ftp, url);
	wait_log(td, line);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/huge", f.port);
	huge = add_radio(a, url);
	snprintf(line, sizeof line, "radio %s: polling %s failed: icy-metaint 100000000 is beyond fetch_max_bytes",
	    huge, url);
	wait_log(td, line);
	sql_soon("|", "SELECT (params->>'stationName') || '|' || (params->>'nowPlaying') "
	    "FROM items WHERE id = '%s'", huge);

	free(id);
	free(loop);
	free(ftp);
	free(huge);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}
END_TEST

/* ---- shared polling (issue 19 item 3) ---- */

/*
 * 1,000 radios on one URL, all heard: the plugin polls the URL, not each
 * radio, so the server sees at most one request per interval (plus one for
 * where the window cuts an interval).
 */
START_TEST(radio_one_poll_per_url)
{
	const int nradios = 1000, interval = 1000;
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char user[33], *dir, *acct, *v, extra[300];
	int64_t t0, t1, end;
	int h0, h1;

	fake_start(&f);
	snprintf(extra, sizeof extra, "plugin_option radio_station.fetch_interval_ms=%d\n" ALLOW_PRIVATE, interval);
	td = ti_start("radio_station", extra, &dir);
	tw_account(td, user, "rshare");
	td_stop(td);
	td_free(td);
	acct = ag_sql_value("SELECT id FROM accounts WHERE username = '%s'", user);
	ck_assert(acct != NULL);
	ag_sql("INSERT INTO items (id, type, title, x, y, params, created_by, created_by_name, updated_by_name) "
	    "SELECT gen_random_uuid(), 'radio_station', 'radio ' || g, 5 + g %% 3, 5 + g / 400, "
	    "jsonb_build_object('streamUrl', 'http://127.0.0.1:%d/meta', 'enabled', true, 'emitRange', 10, "
	    "'stationName', '', 'nowPlaying', ''), %s, '%s', '%s' FROM generate_series(0, %d) g",
	    f.port, acct, user, user, nradios - 1);
	td = ti_start_dir(dir, extra);
	free(dir);
	a = tw_login(td, user);
	tw_goto(a, 6, 6);
	/* Polling has begun: every radio heard, values published (and saved). */
	end = tc_now_ms() + td_ms(30000);
	for (;;) {
		v = ag_sql_value("SELECT count(*) FROM items WHERE params->>'nowPlaying' = 'Fake Song'");
		ck_assert(v != NULL);
		if (atoi(v) == nradios)
			break;
		ck_assert_msg(tc_now_ms() < end, "%s of %d radios have the title", v, nradios);
		free(v);
		tw_read_for(a->c, 200);
	}
	free(v);
	ck_assert_int_ge(fake_hits(&f), 1);
	h0 = fake_hits(&f);
	t0 = tc_now_ms();
	tw_read_for(a->c, td_ms(6000));
	h1 = fake_hits(&f);
	t1 = tc_now_ms();
	ck_assert_msg(h1 - h0 <= (int)((t1 - t0) / interval) + 1, "%d requests in %lld ms for one URL shared by "
	    "%d radios (at most one per %d ms)", h1 - h0, (long long)(t1 - t0), nradios, interval);
	ck_assert_msg(h1 > h0, "no polls while heard");
	free(acct);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}
END_TEST

/* A server that never answers holds up its own URL only: another radio's values still come. */
START_TEST(radio_slow_url_alone)
{
	struct fake slow, fast;
	struct td *td;
	struct tw_user *a;
	char url[256], *id_slow, *id_fast;
	json_object *it;
	int64_t end;

	fake_start(&slow);
	fake_start(&fast);
	td = ti_start("radio_station", POLL_CONFIG ALLOW_PRIVATE
	    "plugin_option radio_station.fetch_timeout_ms=120000\n", NULL);
	a = tw_join(td, "rslow");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", slow.port);
	id_slow = add_radio(a, url);
	/* The slow fetch is out (the server has the request and sits on it). */
	end = tc_now_ms() + td_ms(15000);
	while (fake_hits(&slow) == 0) {
		ck_assert_msg(tc_now_ms() < end, "the slow URL was never fetched");
		tw_read_for(a->c, 50);
	}
	snprintf(url, sizeof url, "http://127.0.0.1:%d/meta", fast.port);
	id_fast = add_radio(a, url);
	it = wait_meta(a->c, id_fast, "Fake FM", "Fake Song", 10000);
	json_object_put(it);
	ck_assert_int_eq(fake_hits(&slow), 1);
	free(id_slow);
	free(id_fast);
	tw_close(a);
	/* The plugin cancels the waiting fetch as it stops. */
	td_stop(td);
	td_free(td);
	fake_stop(&slow);
	fake_stop(&fast);
}
END_TEST

/*
 * A failing URL backs off; editing the radio to another URL and back does
 * not reset that: the next request for it comes no sooner than the backoff
 * its failures earned (a lower bound, whatever the machine's load).
 */
START_TEST(radio_backoff_survives_url_edit)
{
	const int interval = 1000;
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], params[300], *id;
	json_object *it;
	int64_t end, last, backoff;
	int n, i;

	fake_start(&f);
	snprintf(params, sizeof params, "plugin_option radio_station.fetch_interval_ms=%d\n" ALLOW_PRIVATE, interval);
	td = ti_start("radio_station", params, NULL);
	a = tw_join(td, "rbackoff");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/fail", f.port);
	id = add_radio(a, url);
	end = tc_now_ms() + td_ms(30000);
	while (fake_hits(&f) < 3) {
		ck_assert_msg(tc_now_ms() < end, "only %d polls of the failing URL", fake_hits(&f));
		tw_read_for(a->c, 20);
	}
	pthread_mutex_lock(&f.mu);
	n = f.fail_hits;
	last = f.fail_ms;
	pthread_mutex_unlock(&f.mu);
	for (backoff = interval, i = 0; i < n; i++)
		backoff *= 2;

	/* Away to a working URL, and back. */
	snprintf(params, sizeof params, "{\"streamUrl\":\"http://127.0.0.1:%d/meta\"}", f.port);
	ti_update(a, id, NULL, params);
	it = wait_meta(a->c, id, "Fake FM", "Fake Song", 10000);
	json_object_put(it);
	snprintf(params, sizeof params, "{\"streamUrl\":\"%s\"}", url);
	ti_update(a, id, NULL, params);
	ti_expect(a, "update", 1, "Updated radio.");

	end = tc_now_ms() + td_ms(60000);
	for (;;) {
		pthread_mutex_lock(&f.mu);
		i = f.fail_hits;
		pthread_mutex_unlock(&f.mu);
		if (i > n)
			break;
		ck_assert_msg(tc_now_ms() < end, "the failing URL was not polled again");
		tw_read_for(a->c, 20);
	}
	pthread_mutex_lock(&f.mu);
	ck_assert_msg(f.fail_ms - last >= backoff - 100, "polled again %lld ms after failure %d (backoff %lld ms)",
	    (long long)(f.fail_ms - last), n, (long long)backoff);
	pthread_mutex_unlock(&f.mu);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}
END_TEST

/*
 * Radios on three URLs under a budget of 12 polls a minute (a bucket of 2
 * refilled at one per 5 s): however many URLs, the server sees at most
 * 2 + t/5 s requests (an upper bound a slow machine only lowers), and the
 * wait is logged. config sets the budget under test.
 */
static void
budget_case(const char *tag, const char *config, const char *logged)
{
	struct fake f;
	struct td *td;
	struct tw_user *a;
	char url[256], *id[3];
	int64_t t0, t;
	int i, h;

	fake_start(&f);
	td = ti_start("radio_station", config, NULL);
	a = tw_join(td, tag);
	t0 = tc_now_ms();
	for (i = 0; i < 3; i++) {
		snprintf(url, sizeof url, "http://127.0.0.1:%d/meta?%d", f.port, i);
		id[i] = add_radio(a, url);
	}
	wait_log(td, logged);
	tw_read_for(a->c, td_ms(4000));
	h = fake_hits(&f);
	t = tc_now_ms() - t0;
	ck_assert_msg(h >= 2 && h <= 2 + (int)(t / 5000) + 1, "%d requests in %lld ms for 3 URLs within a budget of "
	    "12 a minute", h, (long long)t);
	for (i = 0; i < 3; i++)
		free(id[i]);
	tw_close(a);
	td_stop(td);
	td_free(td);
	fake_stop(&f);
}

/* One account's radios on several URLs share its budget (fetch_account_max_per_minute). */
START_TEST(radio_account_budget)
{
	budget_case("rbudget", POLL_CONFIG ALLOW_PRIVATE "plugin_option radio_station.fetch_account_max_per_minute=12\n",
	    "wait: fetch_account_max_per_minute (12) is spent");
}
END_TEST

/* Several URLs on one web server share its budget (fetch_site_max_per_minute). */
START_TEST(radio_site_budget)
{
	budget_case("rsite", POLL_CONFIG ALLOW_PRIVATE "plugin_option radio_station.fetch_site_max_per_minute=12\n",
	    "radio polls of 127.0.0.1 wait: fetch_site_max_per_minute (12) is spent");
}
END_TEST

/* ---- running, with skips where Icecast or ffmpeg is missing ---- */

struct tcase_def {
	const char *name;
	const TTest *fn;
	int needs_icecast;
};

int
main(void)
{
	const struct tcase_def cases[] = {
		{ "radio_parameters", radio_parameters, 0 },
		{ "radio_use_and_secondary", radio_use_and_secondary, 0 },
		{ "radio_polls_only_for_listeners", radio_polls_only_for_listeners, 0 },
		{ "radio_private_addresses", radio_private_addresses, 0 },
		{ "radio_redirects_and_answers", radio_redirects_and_answers, 0 },
		{ "radio_one_poll_per_url", radio_one_poll_per_url, 0 },
		{ "radio_slow_url_alone", radio_slow_url_alone, 0 },
		{ "radio_backoff_survives_url_edit", radio_backoff_survives_url_edit, 0 },
		{ "radio_account_budget", radio_account_budget, 0 },
		{ "radio_site_budget", radio_site_budget, 0 },
		{ "radio_follows_icecast", radio_follows_icecast, 1 },
		{ "radio_https", radio_https, 1 },
	};
	const char *skipped[sizeof cases / sizeof cases[0]];
	Suite *s = suite_create("items_radio");
	TCase *tc;
	int tools = have_tool("icecast2") && have_tool("ffmpeg"), nskip = 0;
	size_t i;

	/* One case each, so CK_RUN_CASE=<name> runs one. */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].needs_icecast && !tools) {
			skipped[nskip++] = cases[i].name;
			continue;
		}
		tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	if (nskip == 0)
		return ag_main(s);
	return ag_main_skips(s, nskip, skipped, "icecast2 or ffmpeg is not installed (scripts/install-deps --test)");
}
