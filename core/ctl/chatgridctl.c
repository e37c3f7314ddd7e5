/*
 * chatgridctl.c: chatgridctl(8), one-shot administration of accounts,
 * roles, sessions and the audit log on chatgridd's database.
 *
 * Every command is one entry of ctl_cmds[]: its words, its usage, the
 * long options it takes and its positional argument count, so parsing,
 * usage text and dispatch all come from that table. The command bodies live
 * in ctl-<family>.c.
 */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl-common.h"
#include "log.h"

static const struct ctl_cmd ctl_cmds[] = {
	{ "migrate", NULL, "", { NULL }, 0, 0, ctl_admin_migrate },
	{ "bootstrap-admin", NULL, "USER [--email ADDR]", { "email" }, 1, 1, ctl_admin_bootstrap },
	{ "user", "list", "[--role ROLE] [--status active|disabled]", { "role", "status" }, 0, 0,
	  ctl_user_list },
	{ "user", "usage", "USER", { NULL }, 1, 1, ctl_user_usage },
	{ "user", "set-role", "USER ROLE", { NULL }, 2, 2, ctl_user_set_role },
	{ "user", "ban", "USER", { NULL }, 1, 1, ctl_user_ban },
	{ "user", "unban", "USER", { NULL }, 1, 1, ctl_user_unban },
	{ "user", "delete", "USER", { NULL }, 1, 1, ctl_user_delete },
	{ "user", "passwd", "USER", { NULL }, 1, 1, ctl_user_passwd },
	{ "role", "list", "", { NULL }, 0, 0, ctl_role_list },
	{ "sessions", "revoke", "USER", { NULL }, 1, 1, ctl_session_revoke },
	{ "audit", NULL, "[--since WHEN] [--limit N]", { "since", "limit" }, 0, 0, ctl_audit_list },
};
#define NCMDS (sizeof ctl_cmds / sizeof ctl_cmds[0])

int
ctl_errx(int rc, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("chatgridctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return rc;
}

const char *
ctl_plural(long n)
{
	return n == 1 ? "" : "s";
}

static void
ctl_cmd_usage(FILE *f, const struct ctl_cmd *c)
{
	fprintf(f, "%s%s%s%s%s\n", c->family, c->name != NULL ? " " : "",
	    c->name != NULL ? c->name : "", c->usage[0] != '\0' ? " " : "", c->usage);
}

static void
ctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: chatgridctl [-h] [-c file] command [args]\ncommands:\n");
	for (i = 0; i < NCMDS; i++) {
		fputs("  ", f);
		ctl_cmd_usage(f, &ctl_cmds[i]);
	}
}

/* The command named by the first words of argv; *used says how many words. */
static const struct ctl_cmd *
ctl_find(int argc, char **argv, int *used)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(ctl_cmds[i].family, argv[0]) != 0)
			continue;
		if (ctl_cmds[i].name == NULL) {
			*used = 1;
			return &ctl_cmds[i];
		}
		if (argc > 1 && strcmp(ctl_cmds[i].name, argv[1]) == 0) {
			*used = 2;
			return &ctl_cmds[i];
		}
	}
	return NULL;
}

static int ctl_bad_args(const struct ctl_cmd *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* A usage error about command c: the message and its usage line. */
static int
ctl_bad_args(const struct ctl_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fputs("chatgridctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: chatgridctl ", stderr);
	ctl_cmd_usage(stderr, c);
	return CTL_USAGE;
}

/*
 * Split a command's arguments into its long options (--name VALUE or
 * --name=VALUE, anywhere; "--" ends them) and positional arguments.
 * CTL_OK, CTL_USAGE after printing why, or -1 for -h/--help.
 */
static int
ctl_parse_args(const struct ctl_cmd *c, int argc, char **argv, struct ctl_args *a)
{
	const char *name, *eq, *value;
	size_t len;
	int i, j, opts_done = 0;

	memset(a, 0, sizeof *a);
	for (i = 0; i < argc; i++) {
		char *s = argv[i];

		if (strlen(s) > CTL_ARG_MAX)
			return ctl_bad_args(c, "%s", "argument too long");
		if (!opts_done && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0))
			return -1;
		if (!opts_done && strcmp(s, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && s[0] == '-' && s[1] == '-') {
			name = s + 2;
			eq = strchr(name, '=');
			len = eq != NULL ? (size_t)(eq - name) : strlen(name);
			for (j = 0; j < CTL_MAX_OPTS && c->opts[j] != NULL; j++)
				if (strlen(c->opts[j]) == len && strncmp(c->opts[j], name, len) == 0)
					break;
			if (j == CTL_MAX_OPTS || c->opts[j] == NULL)
				return ctl_bad_args(c, "unknown option %s", s);
			if (eq != NULL)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return ctl_bad_args(c, "option %s needs a value", s);
			if (strlen(value) > CTL_ARG_MAX)
				return ctl_bad_args(c, "%s", "argument too long");
			if (a->opt[j] != NULL)
				return ctl_bad_args(c, "option --%s given twice", c->opts[j]);
			a->opt[j] = value;
			continue;
		}
		if (!opts_done && s[0] == '-' && s[1] != '\0')
			return ctl_bad_args(c, "unknown option %s", s);
		if (a->narg == c->max_args)
			return ctl_bad_args(c, "unexpected argument '%s'", s);
		a->arg[a->narg++] = s;
	}
	if (a->narg < c->min_args)
		return ctl_bad_args(c, "%s", "missing argument");
	return CTL_OK;
}

static void
ctl_cfg_error(const char *file, int line, const char *msg, void *arg)
{
	if (line > 0)
		fprintf(stderr, "chatgridctl: %s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "chatgridctl: %s: %s\n", file, msg);
}

/* "chatgridctl:<login name of the real uid>" for the audit log. */
static void
ctl_set_actor(struct ctl *ctl)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		snprintf(ctl->actor, sizeof ctl->actor, "chatgridctl:%s", pw->pw_name);
	else
		snprintf(ctl->actor, sizeof ctl->actor, "chatgridctl:%lu", (unsigned long)getuid());
}

int
main(int argc, char **argv)
{
	const char *path = SYSCONFDIR "/chatgrid/chatgridd.conf";
	const struct ctl_cmd *c;
	struct ctl_args args;
	struct ctl ctl;
	int ch, used, rc;

	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return CTL_OK;
		default:
			ctl_usage(stderr);
			return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	if ((c = ctl_find(argc, argv, &used)) == NULL) {
		ctl_errx(CTL_USAGE, "unknown command '%s%s%s'", argv[0], argc > 1 ? " " : "",
		    argc > 1 ? argv[1] : "");
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	if ((rc = ctl_parse_args(c, argc - used, argv + used, &args)) != CTL_OK) {
		if (rc == -1) {
			fputs("usage: chatgridctl [-c file] ", stdout);
			ctl_cmd_usage(stdout, c);
			return CTL_OK;
		}
		return rc;
	}

	/* migrate.c and seed.c log through log.c; only their warnings concern us. */
	log_set_level(LOG_LVL_WARN);
	memset(&ctl, 0, sizeof ctl);
	ctl_set_actor(&ctl);
	if ((ctl.cfg = cfg_load(path, ctl_cfg_error, NULL)) == NULL)
		return CTL_FAIL;
	if ((rc = ctl_db_open(&ctl)) == CTL_OK && (rc = ctl_db_prepare(&ctl)) == CTL_OK)
		rc = c->exec(&ctl, &args);
	ctl_db_close(&ctl);
	cfg_free(ctl.cfg);
	if (fflush(stdout) != 0 && rc == CTL_OK)
		rc = CTL_FAIL;
	return rc;
}
