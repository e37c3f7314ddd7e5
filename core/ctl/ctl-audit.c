/* ctl-audit.c: chatgridctl audit, the newest audit_log rows, oldest first. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-common.h"

#define AUDIT_LIMIT_DEFAULT "100"
#define AUDIT_LIMIT_MAX 1000000

static const struct {
	char unit;
	long long seconds;
} audit_units[] = {
	{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
};

/* "30m", "1h", "2d": how many seconds ago, or -1 if when is not of that form. */
static long long
audit_relative(const char *when)
{
	size_t n = strspn(when, "0123456789"), i;
	long long v;

	if (n == 0 || n > 9 || when[n] == '\0' || when[n + 1] != '\0')
		return -1;
	v = strtoll(when, NULL, 10);
	for (i = 0; i < sizeof audit_units / sizeof audit_units[0]; i++)
		if (audit_units[i].unit == when[n])
			return v * audit_units[i].seconds;
	return -1;
}

/* An ISO 8601 date or date and time starts YYYY-MM; PostgreSQL parses the rest. */
static int
audit_iso(const char *when)
{
	return strlen(when) >= 7 && isdigit((unsigned char)when[0]) &&
	    isdigit((unsigned char)when[1]) && isdigit((unsigned char)when[2]) &&
	    isdigit((unsigned char)when[3]) && when[4] == '-';
}

int
ctl_audit_list(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const headers[] = {
		"TIME", "ACTOR", "ACTION", "TARGET", "OK", "MESSAGE"
	};
	const char *since = a->opt[0], *limit = a->opt[1] != NULL ? a->opt[1] : AUDIT_LIMIT_DEFAULT;
	const char *v[3] = { NULL, NULL, limit };
	char ago[32], *end;
	long long secs;
	long n;
	PGresult *r;

	errno = 0;
	n = strtol(limit, &end, 10);
	if (!isdigit((unsigned char)limit[0]) || *end != '\0' || errno != 0 || n < 1 ||
	    n > AUDIT_LIMIT_MAX)
		return ctl_errx(CTL_USAGE, "--limit is a number from 1 to %d", AUDIT_LIMIT_MAX);
	if (since != NULL) {
		if ((secs = audit_relative(since)) >= 0) {
			snprintf(ago, sizeof ago, "%lld", secs);
			v[1] = ago;
		} else if (audit_iso(since))
			v[0] = since;
		else
			goto bad_since;
	}
	/* The session's TimeZone is UTC: a time without an offset is UTC. */
	r = ctl_db_exec(ctl, "SELECT to_char(l.at, " CTL_TIME_FMT "), "
	    "coalesce(l.actor_name, '#' || l.actor_account_id), l.action, l.target, "
	    "CASE WHEN l.ok THEN 'yes' ELSE 'no' END, l.message FROM "
	    "(SELECT * FROM audit_log WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz) "
	    "AND ($2::bigint IS NULL OR at >= now() - $2::bigint * interval '1 second') "
	    "ORDER BY at DESC, id DESC LIMIT $3::bigint) l ORDER BY l.at, l.id", 3, v);
	if (r == NULL) {
		/* Class 22: PostgreSQL could not read the time. */
		if (strncmp(ctl->err_state, "22", 2) == 0)
			goto bad_since;
		return ctl_db_error(ctl);
	}
	ctl_table_print(stdout, r, headers);
	PQclear(r);
	return CTL_OK;

bad_since:
	return ctl_errx(CTL_USAGE, "--since '%s' is not a time: give YYYY-MM-DD[THH:MM[:SS]] "
	    "(UTC unless an offset follows) or an age such as 30m, 1h, 2d", since);
}
