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

void
log_vemit(enum log_level l, const char *func, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timespec ts;
	struct tm tm;
	char tbuf[32];

	if (l > log_level_cur)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
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
