/* log.h: leveled logging to stderr or syslog, with trace categories. */
#ifndef CG_LOG_H
#define CG_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Trace categories, enabled with -T or the trace key; bits of a mask. */
enum log_trace {
	TRACE_WS = 1 << 0,
	TRACE_HTTP = 1 << 1,
	TRACE_DB = 1 << 2,
	TRACE_PLUGIN = 1 << 3,
	TRACE_TICK = 1 << 4,
	TRACE_PROTO = 1 << 5,
};

void log_open(const char *ident, int use_syslog);
void log_set_level(enum log_level);
enum log_level log_get_level(void);
/* Parse a level name ("error", "warn", ...); returns -1 if unknown. */
int log_level_parse(const char *);
const char *log_level_name(enum log_level);
/* Parse a comma list of trace names ("ws,http" or "all"); -1 if a name is unknown. */
int log_trace_parse(const char *, unsigned *mask);
void log_set_trace(unsigned mask);
unsigned log_get_trace(void);
void log_close(void);

/*
 * Longest message text written, in bytes after escaping. Every message is
 * escaped by the logger itself: control characters (newlines included),
 * the backslash, C1 controls, U+2028/U+2029 and bidirectional overrides
 * become \n, \xHH or \uHHHH, so text from clients can never start a line of
 * its own; a longer message is cut and ends with "... [N bytes cut]".
 */
#define LOG_MSG_MAX 2048

void log_emit(enum log_level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vemit(enum log_level, const char *func, const char *fmt, va_list)
    __attribute__((format(printf, 3, 0)));
void log_trace_emit(unsigned cat, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Log and exit(1); for start-up failures and allocation failure. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

extern enum log_level log_level_cur;
extern unsigned log_trace_mask;

#define log_error(...) log_emit(LOG_LVL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_emit(LOG_LVL_WARN, __func__, __VA_ARGS__)
#define log_notice(...) log_emit(LOG_LVL_NOTICE, __func__, __VA_ARGS__)
#define log_info(...) do { if (log_level_cur >= LOG_LVL_INFO) \
	log_emit(LOG_LVL_INFO, __func__, __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_level_cur >= LOG_LVL_DEBUG) \
	log_emit(LOG_LVL_DEBUG, __func__, __VA_ARGS__); } while (0)
#define log_trace(cat, ...) do { if (log_trace_mask & (cat)) \
	log_trace_emit((cat), __func__, __VA_ARGS__); } while (0)

#endif
