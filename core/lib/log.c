/* log.c: leveled logging to stderr or syslog; libevent's messages come here too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"

enum log_level log_level_cur = LOG_LVL_NOTICE;
unsigned log_trace_mask;
static int log_syslog;

static const char *const level_names[] = { "error", "warn", "notice", "info", "debug" };
static const int level_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

static const struct {
	const char *name;
	unsigned bit;
} trace_names[] = {
	{ "ws", TRACE_WS },
	{ "http", TRACE_HTTP },
	{ "db", TRACE_DB },
	{ "plugin", TRACE_PLUGIN },
	{ "tick", TRACE_TICK },
	{ "proto", TRACE_PROTO },
};

static void
log_event_cb(int severity, const char *msg)
{
	enum log_level l;

	switch (severity) {
	case EVENT_LOG_DEBUG: l = LOG_LVL_DEBUG; break;
	case EVENT_LOG_MSG: l = LOG_LVL_INFO; break;
	case EVENT_LOG_WARN: l = LOG_LVL_WARN; break;
	default: l = LOG_LVL_ERROR; break;
	}
	if (l <= log_level_cur)
		log_emit(l, "libevent", "%s", msg);
}

static void
log_event_fatal_cb(int err)
{
	log_emit(LOG_LVL_ERROR, "libevent", "fatal error %d", err);
	abort();
}

void
log_open(const char *ident, int use_syslog)
{
	log_close();
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	event_set_log_callback(log_event_cb);
	event_set_fatal_callback(log_event_fatal_cb);
}

void
log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

void
log_set_level(enum log_level l)
{
	log_level_cur = l;
}

enum log_level
log_get_level(void)
{
	return log_level_cur;
}

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

const char *
log_level_name(enum log_level l)
{
	return level_names[l];
}

int
log_trace_parse(const char *s, unsigned *mask)
{
	char buf[256], *tok, *save = NULL;
	size_t i;
	unsigned m = 0;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (strcasecmp(tok, "all") == 0) {
			m = ~0u;
			continue;
		}
		if (strcasecmp(tok, "none") == 0)
			continue;
		for (i = 0; i < sizeof trace_names / sizeof trace_names[0]; i++)
			if (strcasecmp(tok, trace_names[i].name) == 0)
				break;
		if (i == sizeof trace_names / sizeof trace_names[0])
			return -1;
		m |= trace_names[i].bit;
	}
	*mask = m;
	return 0;
}

void
log_set_trace(unsigned mask)
{
	log_trace_mask = mask;
}

unsigned
log_get_trace(void)
{
	return log_trace_mask;
}

/*
 * The escape for the bytes at s (n of them left), written to e (at least 7
 * bytes); its length, 0 when the bytes may be written as they are. *len
 * says how many input bytes the escape stands for. Escaped: C0 controls
 * and DEL (a newline would start a forged line), the backslash (so that an
 * escape in the log is always ours), C1 controls, U+2028/U+2029 (line
 * breaks to some viewers) and the bidirectional overrides and isolates
 * (U+202A..U+202E, U+2066..U+2069), which reorder what a reader sees.
 */
static size_t
log_escape_one(const unsigned char *s, size_t n, char *e, size_t *len)
{
	static const char short_esc[] = "\nn\rr\tt\\\\";
	const char *p;

	*len = 1;
	if (*s == '\n' || *s == '\r' || *s == '\t' || *s == '\\') {
		for (p = short_esc; *p != (char)*s; p += 2)
			;
		e[0] = '\\';
		e[1] = p[1];
		return 2;
	}
	if (*s < 0x20 || *s == 0x7f)
		return (size_t)snprintf(e, 7, "\\x%02x", *s);
	if (n >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
		*len = 2;
		return (size_t)snprintf(e, 7, "\\u%04x", s[1]);
	}
	if (n >= 3 && s[0] == 0xe2 && ((s[1] == 0x80 && s[2] >= 0xa8 && s[2] <= 0xae) ||
	    (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9))) {
		*len = 3;
		return (size_t)snprintf(e, 7, "\\u%04x",
		    0x2000 | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f));
	}
	return 0;
}

/*
 * Copy in to out (cap bytes, NUL included) with log_escape_one's escapes,
 * stopping before an escape or a character that would not fit. Returns how
 * many bytes of in were copied.
 */
static size_t
log_escape(const char *in, size_t inlen, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, k, len;
	char e[8];

	while (i < inlen) {
		if ((k = log_escape_one(s + i, inlen - i, e, &len)) == 0) {
			/* A whole UTF-8 sequence or nothing: a cut never splits a character. */
			k = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc0 ? 2 : 1;
			if (k > inlen - i)
				k = inlen - i;
			if (o + k >= cap)
				break;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		if (o + k >= cap)
			break;
		memcpy(out + o, e, k);
		o += k;
		i += len;
	}
	out[o] = '\0';
	return i;
}

void
log_vemit(enum log_level l, const char *func, const char *fmt, va_list ap)
{
	char raw[LOG_MSG_MAX * 2], msg[LOG_MSG_MAX + 48];
	struct timespec ts;
	struct tm tm;
	char tbuf[32];
	size_t used, n;
	int len;

	if (l > log_level_cur)
		return;
	/*
	 * Escaped here, once for every caller: a message may quote anything a
	 * client sent (a message type, a username), and one line must stay one
	 * line. Longer messages are cut and say by how much.
	 */
	len = vsnprintf(raw, sizeof raw, fmt, ap);
	if (len < 0)
		len = 0;
	n = (size_t)len < sizeof raw ? (size_t)len : sizeof raw - 1;
	used = log_escape(raw, n, msg, LOG_MSG_MAX + 1);
	if (used < (size_t)len)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "... [%zu bytes cut]",
		    (size_t)len - used);
	if (log_syslog) {
		syslog(level_prio[l], "%s: %s", func, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s: %s\n", tbuf, ts.tv_nsec / 1000000,
	    level_names[l], func, msg);
}

void
log_emit(enum log_level l, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(l, func, fmt, ap);
	va_end(ap);
}

void
log_trace_emit(unsigned cat, const char *func, const char *fmt, ...)
{
	va_list ap;
	enum log_level saved = log_level_cur;

	/* Traces show whatever the level, as the operator asked for them. */
	log_level_cur = LOG_LVL_DEBUG;
	va_start(ap, fmt);
	log_vemit(LOG_LVL_DEBUG, func, fmt, ap);
	va_end(ap);
	log_level_cur = saved;
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, "fatal", fmt, ap);
	va_end(ap);
	exit(1);
}
