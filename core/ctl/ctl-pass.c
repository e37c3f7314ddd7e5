/*
 * ctl-pass.c: reading a new password for chatgridctl, never from argv.
 *
 * From a terminal the password is typed twice with echo off; otherwise it
 * is the first line of stdin, so scripts can pipe it in. stdin is switched
 * to unbuffered first so no copy of the password is left in a stdio buffer,
 * and every buffer that held it is wiped before it is freed.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl-common.h"
#include "policy.h"
#include "xmalloc.h"

/*
 * Room for any password the policy can accept (password_max_length is at
 * most 256 characters of at most 4 bytes); a longer line is cut here and
 * still fails the length rule.
 */
#define PASS_BUF 2048
#define PASS_TRIES 3

static struct termios pass_saved;
static volatile sig_atomic_t pass_hidden;

static const int pass_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIGNALS (sizeof pass_signals / sizeof pass_signals[0])

static void
pass_echo_on(void)
{
	if (pass_hidden) {
		tcsetattr(STDIN_FILENO, TCSANOW, &pass_saved);
		pass_hidden = 0;
	}
}

/* A signal during a hidden prompt must not leave the terminal without echo. */
static void
pass_signal(int sig)
{
	pass_echo_on();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line of stdin into buf without its line ending; 1, or 0 at end of input. */
static int
pass_line(char *buf, size_t len)
{
	size_t n;
	int ch;

	if (fgets(buf, (int)len, stdin) == NULL)
		return 0;
	n = strcspn(buf, "\n");
	if (buf[n] != '\n')		/* cut: drop the rest of the line */
		while ((ch = getchar()) != EOF && ch != '\n')
			;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[n - 1] = '\0';
	return 1;
}

/* Prompt on stderr and read a line from the terminal with echo off. */
static int
pass_prompt(const char *prompt, char *buf, size_t len)
{
	struct sigaction sa, old[NSIGNALS];
	struct termios t;
	size_t i;
	int rc;

	fputs(prompt, stderr);
	fflush(stderr);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pass_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSIGNALS; i++)
		sigaction(pass_signals[i], &sa, &old[i]);
	if (tcgetattr(STDIN_FILENO, &pass_saved) == 0) {
		t = pass_saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
			pass_hidden = 1;
	}
	rc = pass_line(buf, len);
	pass_echo_on();
	for (i = 0; i < NSIGNALS; i++)
		sigaction(pass_signals[i], &old[i], NULL);
	fputc('\n', stderr);
	return rc;
}

void
ctl_pass_rules(const struct config *c, int username, int password)
{
	int umin, umax, pmin, pmax;

	if (!isatty(STDIN_FILENO))
		return;
	policy_limits(c, &umin, &umax, &pmin, &pmax);
	if (username)
		fprintf(stderr, "Usernames have %d to %d characters: lowercase letters, numbers, "
		    "underscores and dashes.\n", umin, umax);
	if (password)
		fprintf(stderr, "Passwords have %d to %d characters.\n", pmin, pmax);
}

void
ctl_pass_free(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, PASS_BUF);
	free(pw);
}

char *
ctl_pass_read(const struct config *c)
{
	char *pw = xmalloc(PASS_BUF), *again = NULL, ebuf[160];
	const char *e;
	int tries;

	setvbuf(stdin, NULL, _IONBF, 0);
	if (!isatty(STDIN_FILENO)) {
		if (!pass_line(pw, PASS_BUF)) {
			ctl_errx(CTL_FAIL, "no password on standard input");
			goto fail;
		}
		if ((e = policy_password_error(c, pw, ebuf, sizeof ebuf)) != NULL) {
			ctl_errx(CTL_FAIL, "%s", e);
			goto fail;
		}
		return pw;
	}

	again = xmalloc(PASS_BUF);
	for (tries = 0; tries < PASS_TRIES; tries++) {
		if (!pass_prompt("Password: ", pw, PASS_BUF))
			break;
		if ((e = policy_password_error(c, pw, ebuf, sizeof ebuf)) != NULL) {
			ctl_errx(CTL_FAIL, "%s", e);
			continue;
		}
		if (!pass_prompt("Confirm password: ", again, PASS_BUF))
			break;
		if (strcmp(pw, again) != 0)
			ctl_errx(CTL_FAIL, "Passwords do not match.");
		else {
			ctl_pass_free(again);
			return pw;
		}
	}
	/* Out of tries, the reason printed; or end of input. */
	if (tries < PASS_TRIES)
		ctl_errx(CTL_FAIL, "no password given");
fail:
	ctl_pass_free(again);
	ctl_pass_free(pw);
	return NULL;
}
