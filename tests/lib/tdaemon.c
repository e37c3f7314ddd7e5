/* tdaemon.c: run chatgridd for integration tests (config, port, log, signals). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <check.h>

#include "tdaemon.h"

#define TD_START_MS 10000
#define TD_STOP_MS 10000
#define TD_RUN_MS 10000

struct td {
	char *dir;		/* owned: the temporary directory */
	char *conf;		/* owned: dir/chatgridd.conf */
	char *log;		/* owned: dir/daemon.log */
	char *base;		/* owned: the lines written before the extra ones */
	int port;
	int tls;
	pid_t pid;		/* 0 once reaped */
	int status;		/* decoded exit status once reaped */
	int expect_exit;	/* the test asked it to stop */
	struct td *next;	/* the registry the exit handler walks */
};

/* Every td not yet freed, so a failed test does not leave daemons behind. */
static struct td *td_registry;

static void
td_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const char *
td_env_dir(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : ".";
}

const char *
td_srcdir(void)
{
	return td_env_dir("CG_SRCDIR");
}

const char *
td_daemon_path(void)
{
	static char path[PATH_MAX];

	if (path[0] == '\0')
		snprintf(path, sizeof path, "%s/core/chatgridd/chatgridd", td_env_dir("CG_BUILDDIR"));
	return path;
}

static int
td_valgrind(void)
{
	const char *v = getenv("CG_VALGRIND");

	return v != NULL && *v != '\0';
}

/*
 * How many times over the machine is booked now: the last minute's load
 * average per CPU, rounded up, from 1 to 30. A wait for something the
 * daemon must do gets that much longer when other work shares the CPUs.
 */
static int
td_load_factor(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double load;
	int f;

	if (ncpu < 1 || getloadavg(&load, 1) != 1)
		return 1;
	f = (int)(load / (double)ncpu);
	if ((double)f < load / (double)ncpu)
		f++;
	return f < 1 ? 1 : f > 30 ? 30 : f;
}

int
td_ms(int ms)
{
	const char *s = getenv("CG_TIMEOUT_SCALE");
	int scale = s != NULL ? atoi(s) : 0;

	if (scale <= 0)
		scale = td_valgrind() ? 10 : 1;
	scale *= td_load_factor();
	return ms > INT_MAX / scale ? INT_MAX : ms * scale;
}

static int
td_decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* ---- files ---- */

static int
td_keep_tmp(void)
{
	const char *v = getenv("CG_KEEP_TMP");

	return v != NULL && *v != '\0';
}

static int
td_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * The janitor: a process of its own session (so Check's killpg after each
 * test spares it) that reads "+dir" and "-dir" lines from a socket and, when
 * the test process's end of it closes, removes every directory still listed.
 * Check ends a failed test with _exit(), which runs no atexit handler; this
 * cleans up after that, after a timeout's SIGKILL, and after a crash.
 */
static void
td_janitor_run(int rfd)
{
	char line[PATH_MAX + 2], **dirs = NULL, **nd;
	size_t n = 0, i;
	FILE *in;

	if ((in = fdopen(rfd, "r")) == NULL)
		_exit(1);
	while (fgets(line, sizeof line, in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '+' && (nd = realloc(dirs, (n + 1) * sizeof *dirs)) != NULL) {
			dirs = nd;
			if ((dirs[n] = strdup(line + 1)) != NULL)
				n++;
		} else if (line[0] == '-') {
			for (i = 0; i < n; i++)
				if (strcmp(dirs[i], line + 1) == 0) {
					free(dirs[i]);
					dirs[i] = dirs[--n];
					break;
				}
		}
	}
	/* The test process is gone: give its daemons a moment to die first. */
	if (n > 0)
		td_sleep_ms(300);
	for (i = 0; i < n; i++)
		(void)nftw(dirs[i], td_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	_exit(0);
}

/* Tell the janitor (started on first use by this process) about dir. */
static void
td_janitor(char op, const char *dir)
{
	static int wfd = -1;
	static pid_t owner;
	char line[PATH_MAX + 2];
	int p[2], fd, n;
	pid_t pid;

	if (td_keep_tmp())
		return;
	if (wfd < 0 || owner != getpid()) {
		/* A forked test process gets its own janitor, not its parent's. */
		if (wfd >= 0)
			close(wfd);
		wfd = -1;
		/* A socket rather than a pipe: send() can refuse SIGPIPE. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
			return;
		fflush(NULL);
		if ((pid = fork()) < 0) {
			close(p[0]);
			close(p[1]);
			return;
		}
		if (pid == 0) {
			/*
			 * Keep nothing of the test's: no sockets, and not the
			 * output pipe the TAP driver waits to see closed.
			 */
			for (fd = 0; fd < 1024; fd++)
				if (fd != p[0])
					close(fd);
			if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2 ||
			    setsid() < 0)
				_exit(1);
			td_janitor_run(p[0]);
		}
		close(p[0]);
		wfd = p[1];
		owner = getpid();
	}
	/* One line per send, from one process: never interleaved. */
	n = snprintf(line, sizeof line, "%c%s\n", op, dir);
	if (n < 0 || (size_t)n >= sizeof line ||
	    send(wfd, line, (size_t)n, MSG_NOSIGNAL) != (ssize_t)n) {
		close(wfd);
		wfd = -1;
	}
}

char *
td_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&d, "%s/chatgrid-test.XXXXXX", tmp) < 0)
		return NULL;
	if (mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	td_janitor('+', d);
	return d;
}

int
td_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int
td_write_text(const char *dir, const char *name, const char *text)
{
	return td_write_file(dir, name, text, strlen(text));
}

int
td_mkdir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir(path, 0755);
}

void
td_rmtree(const char *dir)
{
	if (dir == NULL || td_keep_tmp())
		return;
	/* A leftover directory in /tmp is not worth failing a test over. */
	(void)nftw(dir, td_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	td_janitor('-', dir);
}

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *
td_slurp(const char *path, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf != NULL)
		buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static int
make_cert(const char *dir, int rsa)
{
	char path[PATH_MAX];
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	FILE *f = NULL;
	uint32_t serial;
	int fd, ok = 0;

	if ((pkey = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto out;
	if (RAND_bytes((unsigned char *)&serial, sizeof serial) != 1)
		goto out;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(serial >> 1)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 7L * 86400) == NULL ||
	    X509_set_pubkey(x, pkey) != 1)
		goto out;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto out;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1");
	if (ext == NULL)
		goto out;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	if (!ok || X509_sign(x, pkey, EVP_sha256()) <= 0) {
		ok = 0;
		goto out;
	}
	ok = 0;

	snprintf(path, sizeof path, "%s/key.pem", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto out;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	snprintf(path, sizeof path, "%s/cert.pem", dir);
	if ((f = fopen(path, "we")) == NULL)
		goto out;
	if (PEM_write_X509(f, x) != 1)
		goto out;
	ok = fclose(f) == 0;
	f = NULL;
out:
	if (f != NULL)
		fclose(f);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

int
td_make_cert(const char *dir)
{
	return make_cert(dir, 0);
}

int
td_make_rsa_cert(const char *dir)
{
	return make_cert(dir, 1);
}

/* ---- processes ---- */

/*
 * The command line that runs the daemon with args: plain, or under valgrind
 * through libtool (the binary may be a libtool wrapper script). Returns a
 * NULL-terminated array (static storage, valid until the next call).
 */
static const char *const *
td_argv(const char *const args[])
{
	static const char *argv[64];
	static char *vgopts;
	static char libtool[PATH_MAX];
	const char *v = getenv("CG_VALGRIND");
	size_t n = 0, i;
	char *w, *save;

	if (td_valgrind()) {
		snprintf(libtool, sizeof libtool, "%s/libtool", td_env_dir("CG_BUILDDIR"));
		if (access(libtool, X_OK) == 0) {
			argv[n++] = libtool;
			argv[n++] = "--mode=execute";
		}
		argv[n++] = "valgrind";
		argv[n++] = "--quiet";
		argv[n++] = "--error-exitcode=99";
		if (strcmp(v, "1") != 0 && strcmp(v, "yes") != 0) {
			free(vgopts);
			if ((vgopts = strdup(v)) != NULL)
				for (w = strtok_r(vgopts, " \t", &save); w != NULL && n < 40;
				    w = strtok_r(NULL, " \t", &save))
					argv[n++] = w;
		}
	}
	argv[n++] = td_daemon_path();
	for (i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return argv;
}

/*
 * Fork and exec argv with stdout and stderr on outfd and stdin on /dev/null,
 * in a process group of its own. The child dies with the test process
 * (PR_SET_PDEATHSIG), so a test killed by Check's timeout leaves no daemon
 * behind. Returns the pid or -1.
 */
static pid_t
td_spawn(const char *const *argv, int outfd)
{
	pid_t parent = getpid(), pid;
	int nul;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	/*
	 * Its own process group, as a shell starts a job: td_signal_group can
	 * then do what Ctrl-C does without reaching the test.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent || setpgid(0, 0) != 0)
		_exit(127);
	if ((nul = open("/dev/null", O_RDONLY)) < 0 || dup2(nul, 0) < 0 ||
	    dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	/* The product is held to leak checks even where the test programs are not. */
	if (getenv("CG_PRODUCT_ASAN_OPTIONS") != NULL)
		setenv("ASAN_OPTIONS", getenv("CG_PRODUCT_ASAN_OPTIONS"), 1);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "tdaemon: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
td_run(const char *const args[], char **output)
{
	int64_t deadline = tc_now_ms() + td_ms(TD_RUN_MS);
	struct pollfd pfd;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	pid_t pid;
	int p[2], st, r;

	*output = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid = td_spawn(td_argv(args), p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if (cap - len < 1024) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		r = poll(&pfd, 1, (int)(deadline - tc_now_ms() > 0 ? deadline - tc_now_ms() : 0));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if ((n = read(p[0], buf + len, cap - len - 1)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (buf != NULL)
		buf[len] = '\0';
	*output = buf != NULL ? buf : strdup("");
	/* Wait for the exit within what is left of the deadline, then give up. */
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return td_decode_status(st);
		if (r < 0 && errno != EINTR)
			return -1;
		if (tc_now_ms() > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		td_sleep_ms(5);
	}
}

int
td_run_check(const char *config_text, char **output)
{
	char *dir, path[PATH_MAX];
	const char *args[] = { "-n", "-c", path, NULL };
	int st;

	*output = NULL;
	if ((dir = td_mkdtemp()) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/chatgridd.conf", dir);
	if (td_write_text(dir, "chatgridd.conf", config_text) != 0)
		st = -1;
	else
		st = td_run(args, output);
	td_rmtree(dir);
	free(dir);
	return st;
}

/* ---- the daemon ---- */

static void
td_print_tail(FILE *f, struct td *td, const char *why)
{
	char *tail = td_log_tail(td, 4096), *line, *save;

	fprintf(f, "# tdaemon: %s (log %s):\n", why, td->log);
	if (tail != NULL)
		for (line = strtok_r(tail, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			fprintf(f, "#   %s\n", line);
	free(tail);
	fflush(f);
}

static void
td_exit_handler(void)
{
	struct td *td;
	char why[64];
	int st;

	for (td = td_registry; td != NULL; td = td->next) {
		if (!td_alive(td) && !td->expect_exit) {
			snprintf(why, sizeof why, "chatgridd had exited with status %d", td->status);
			td_print_tail(stderr, td, why);
		}
		if (td->pid > 0) {
			td_print_tail(stderr, td, "chatgridd still running when the test ended");
			kill(td->pid, SIGKILL);
			while (waitpid(td->pid, &st, 0) < 0 && errno == EINTR)
				;
			td->pid = 0;
		}
		td_rmtree(td->dir);
	}
}

static void
td_register(struct td *td)
{
	static int registered;

	if (!registered) {
		registered = atexit(td_exit_handler) == 0;
		if (!registered)
			ck_abort_msg("atexit failed");
	}
	td->next = td_registry;
	td_registry = td;
}

static void
td_unregister(struct td *td)
{
	struct td **pp;

	for (pp = &td_registry; *pp != NULL; pp = &(*pp)->next)
		if (*pp == td) {
			*pp = td->next;
			return;
		}
}

/* The last lines of the log squeezed onto one line, for a failure message. */
static void
td_tail_oneline(struct td *td, char *out, size_t cap)
{
	char *t = td_log_tail(td, cap > 1 ? cap - 1 : 0), *p;

	snprintf(out, cap, "%s", t != NULL ? t : "(no log)");
	for (p = out; *p != '\0'; p++)
		if (*p == '\n')
			*p = '|';
	free(t);
}

/* A loopback port nobody listens on right now. */
static int
td_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* 1 if something accepts TCP connections on 127.0.0.1:port. */
static int
td_port_open(int port)
{
	struct sockaddr_in sin;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

static int
td_write_config(struct td *td, const char *extra)
{
	char tmp[PATH_MAX], *text;
	size_t el = extra != NULL ? strlen(extra) : 0;
	int r;

	if (asprintf(&text, "%s# extra lines from the test\n%s%s", td->base,
	    extra != NULL ? extra : "", el > 0 && extra[el - 1] != '\n' ? "\n" : "") < 0)
		return -1;
	/* Write then rename, so a reload never reads half a file. */
	r = td_write_text(td->dir, "chatgridd.conf.new", text);
	free(text);
	snprintf(tmp, sizeof tmp, "%s.new", td->conf);
	if (r == 0)
		r = rename(tmp, td->conf);
	return r;
}

int
td_rewrite_config(struct td *td, const char *extra_config_lines)
{
	return td_write_config(td, extra_config_lines);
}

struct td *
td_start(const char *extra_config_lines, int tls)
{
	const char *args[] = { "-f", "-c", NULL, NULL };
	char tail[1500];
	struct td *td;
	int64_t deadline;
	int logfd, r;

	if ((td = calloc(1, sizeof *td)) == NULL)
		ck_abort_msg("out of memory");
	td->tls = tls;
	if ((td->dir = td_mkdtemp()) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	td_register(td);
	if (asprintf(&td->conf, "%s/chatgridd.conf", td->dir) < 0 ||
	    asprintf(&td->log, "%s/daemon.log", td->dir) < 0)
		ck_abort_msg("out of memory");
	if ((td->port = td_free_port()) < 0)
		ck_abort_msg("no free loopback port: %s", strerror(errno));
	if (tls && td_make_cert(td->dir) != 0)
		ck_abort_msg("cannot make a test certificate in %s", td->dir);
	if (tls)
		r = asprintf(&td->base, "# written by tests/lib/tdaemon.c\n"
		    "listen 127.0.0.1:%d\nwww_root %s/www\nlog_level debug\n"
		    "pid_file %s/chatgridd.pid\ntls_cert %s/cert.pem\ntls_key %s/key.pem\n",
		    td->port, td_srcdir(), td->dir, td->dir, td->dir);
	else
		r = asprintf(&td->base, "# written by tests/lib/tdaemon.c\n"
		    "listen 127.0.0.1:%d\nwww_root %s/www\nlog_level debug\n"
		    "pid_file %s/chatgridd.pid\nallow_insecure yes\n",
		    td->port, td_srcdir(), td->dir);
	if (r < 0)
		ck_abort_msg("out of memory");
	if (td_write_config(td, extra_config_lines) != 0)
		ck_abort_msg("cannot write %s: %s", td->conf, strerror(errno));

	logfd = open(td->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		ck_abort_msg("cannot create %s: %s", td->log, strerror(errno));
	args[2] = td->conf;
	td->pid = td_spawn(td_argv(args), logfd);
	close(logfd);
	if (td->pid < 0) {
		td->pid = 0;
		ck_abort_msg("fork: %s", strerror(errno));
	}

	deadline = tc_now_ms() + td_ms(TD_START_MS);
	for (;;) {
		if (!td_alive(td)) {
			td->expect_exit = 1;	/* reported here, not again at exit */
			td_print_tail(stderr, td, "chatgridd exited at start");
			td_tail_oneline(td, tail, sizeof tail);
			ck_abort_msg("chatgridd exited with status %d before listening on port %d: %s",
			    td->status, td->port, tail);
		}
		if (td_port_open(td->port))
			return td;
		if (tc_now_ms() > deadline) {
			td_print_tail(stderr, td, "chatgridd does not listen");
			td_tail_oneline(td, tail, sizeof tail);
			ck_abort_msg("chatgridd did not listen on port %d within %d ms: %s",
			    td->port, td_ms(TD_START_MS), tail);
		}
		td_sleep_ms(20);
	}
}

int
td_port(const struct td *td)
{
	return td->port;
}

int
td_tls(const struct td *td)
{
	return td->tls;
}

pid_t
td_pid(const struct td *td)
{
	return td->pid;
}

const char *
td_dir(const struct td *td)
{
	return td->dir;
}

const char *
td_config_path(const struct td *td)
{
	return td->conf;
}

const char *
td_log_path(const struct td *td)
{
	return td->log;
}

struct tc_conn *
td_connect(struct td *td)
{
	struct tc_conn *c = tc_connect("127.0.0.1", td->port, td->tls, td_ms(5000));

	ck_assert_msg(c != NULL, "cannot connect to chatgridd on port %d (%s)%s",
	    td->port, td->tls ? "tls" : "tcp", td_health());
	return c;
}

struct tc_conn *
td_ws(struct td *td)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp resp;
	int r;

	r = tc_ws_handshake(c, "/ws", NULL, &resp, td_ms(5000));
	ck_assert_msg(r == TC_OK, "WebSocket handshake to /ws failed (%s): %s%s",
	    tc_strerror(r), tc_error(c), td_health());
	tc_http_resp_free(&resp);
	return c;
}

int
td_log_contains(struct td *td, const char *substring)
{
	size_t len;
	char *log = td_slurp(td->log, &len);
	int found;

	if (log == NULL)
		return 0;
	found = memmem(log, len, substring, strlen(substring)) != NULL;
	free(log);
	return found;
}

int
td_wait_log(struct td *td, const char *substring, int timeout_ms)
{
	int64_t deadline = tc_now_ms() + timeout_ms;

	for (;;) {
		if (td_log_contains(td, substring))
			return 1;
		if (tc_now_ms() > deadline)
			return 0;
		td_sleep_ms(20);
	}
}

char *
td_log_tail(struct td *td, size_t max)
{
	size_t len;
	char *log = td_slurp(td->log, &len), *start, *nl, *t;

	if (log == NULL)
		return NULL;
	start = log;
	if (len > max) {
		start = log + len - max;
		/* Start at a line boundary when there is one. */
		if ((nl = strchr(start, '\n')) != NULL && nl[1] != '\0')
			start = nl + 1;
	}
	t = strdup(start);
	free(log);
	return t;
}

int
td_alive(struct td *td)
{
	int st;
	pid_t r;

	if (td->pid <= 0)
		return 0;
	do
		r = waitpid(td->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 1;
	td->status = r == td->pid ? td_decode_status(st) : -1;
	td->pid = 0;
	return 0;
}

const char *
td_health(void)
{
	static char msg[800];
	char tail[600];
	struct td *td;

	int64_t deadline = tc_now_ms() + 200;

	for (td = td_registry; td != NULL; td = td->next) {
		if (td->expect_exit)
			continue;
		/*
		 * A crash resets the connections before the parent can reap the
		 * process: give a dying daemon a moment to be seen as dead.
		 */
		while (td_alive(td) && tc_now_ms() < deadline)
			td_sleep_ms(10);
		if (td_alive(td))
			continue;
		td_tail_oneline(td, tail, sizeof tail);
		snprintf(msg, sizeof msg, " [chatgridd on port %d exited with status %d; log: %s]",
		    td->port, td->status, tail);
		return msg;
	}
	return "";
}

int
td_signal(struct td *td, int sig)
{
	if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || sig == SIGKILL)
		td->expect_exit = 1;
	if (td->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(td->pid, sig);
}

int
td_signal_group(struct td *td, int sig)
{
	if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || sig == SIGKILL)
		td->expect_exit = 1;
	if (td->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(-td->pid, sig);
}

int
td_wait(struct td *td, int timeout_ms)
{
	int64_t deadline = tc_now_ms() + timeout_ms;

	while (td_alive(td)) {
		if (tc_now_ms() > deadline)
			return -1;
		td_sleep_ms(10);
	}
	return td->status;
}

/* Does the daemon's log hold text? */
static int
td_log_has(const struct td *td, const char *text)
{
	char line[4096];
	FILE *f = fopen(td->log, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

int
td_stop(struct td *td)
{
	char tail[1500];
	int st;

	if (!td_alive(td))
		return td->status;
	td->expect_exit = 1;
	if (td_signal(td, SIGTERM) != 0)
		ck_abort_msg("kill %d: %s", (int)td->pid, strerror(errno));
	if ((st = td_wait(td, td_ms(TD_STOP_MS))) >= 0) {
		/*
		 * A plugin host that failed its clean exit (a sanitizer report from
		 * the plugin's cleanup or its leaks, a crash) makes the stop fail.
		 */
		if (st == 0 && td_log_has(td, "while shutting down")) {
			td_print_tail(stderr, td, "a plugin host failed at shutdown");
			return 98;
		}
		return st;
	}
	td_print_tail(stderr, td, "chatgridd ignored SIGTERM");
	td_tail_oneline(td, tail, sizeof tail);
	kill(td->pid, SIGKILL);
	(void)td_wait(td, td_ms(TD_STOP_MS));
	ck_abort_msg("chatgridd did not exit within %d ms of SIGTERM: %s", td_ms(TD_STOP_MS),
	    tail);
	return -1;
}

void
td_free(struct td *td)
{
	if (td == NULL)
		return;
	td->expect_exit = 1;
	if (td_alive(td)) {
		kill(td->pid, SIGKILL);
		(void)td_wait(td, td_ms(TD_STOP_MS));
	}
	td_unregister(td);
	td_rmtree(td->dir);
	free(td->dir);
	free(td->conf);
	free(td->log);
	free(td->base);
	free(td);
}
