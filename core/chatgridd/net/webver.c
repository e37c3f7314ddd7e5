/* webver.c: the served web client's version (see webver.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "webver.h"

#define VERSION_FILE_MAX 65536
#define VALUE_MAX 64

static char web_version[VALUE_MAX + 1], release[VALUE_MAX + 1], revision[VALUE_MAX + 1];

static int
ident_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '$';
}

/*
 * The string assigned to name in text (`name = "v"`, `name: 'v'` and the
 * like, any quote), as a whole identifier; printable ASCII only, at most
 * VALUE_MAX characters. 1 when found.
 */
static int
find_value(const char *text, const char *name, char out[VALUE_MAX + 1])
{
	size_t nl = strlen(name), n;
	const char *p, *v;
	char q;

	for (p = strstr(text, name); p != NULL; p = strstr(p + 1, name)) {
		if ((p > text && ident_char(p[-1])) || ident_char(p[nl]))
			continue;
		v = p + nl;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=' && *v != ':')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '"' && *v != '\'' && *v != '`')
			continue;
		q = *v++;
		for (n = 0; v[n] != q && v[n] >= 0x20 && v[n] < 0x7f && n <= VALUE_MAX; n++)
			;
		if (v[n] != q || n == 0 || n > VALUE_MAX)
			continue;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

void
webver_load(const char *www_root)
{
	char path[4096], *text;
	size_t n;
	FILE *f;

	web_version[0] = release[0] = revision[0] = '\0';
	snprintf(path, sizeof path, "%s/version.js", www_root);
	if ((f = fopen(path, "r")) == NULL) {
		log_debug("no %s: reporting the package version to clients", path);
		return;
	}
	text = malloc(VERSION_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return;
	}
	n = fread(text, 1, VERSION_FILE_MAX, f);
	fclose(f);
	text[n] = '\0';
	if (!find_value(text, "CHGRID_WEB_VERSION", web_version))
		find_value(text, "CLIENT_VERSION", web_version);
	find_value(text, "CHGRID_RELEASE_VERSION", release);
	find_value(text, "CHGRID_CLIENT_REVISION", revision);
	/* The later reference client has no single version: its release and revision stand for it. */
	if (web_version[0] == '\0' && release[0] != '\0')
		snprintf(web_version, sizeof web_version, "%s", release);
	free(text);
	log_info("web client in %s: version %s%s%s", www_root, web_version[0] != '\0' ? web_version : "unknown",
	    revision[0] != '\0' ? ", revision " : "", revision);
}

const char *
webver_version(void)
{
	const char *v = getenv("CHGRID_SERVER_VERSION");

	if (v != NULL && *v != '\0')
		return v;
	return web_version[0] != '\0' ? web_version : PACKAGE_VERSION;
}

const char *
webver_release(void)
{
	return release[0] != '\0' ? release : NULL;
}

const char *
webver_revision(void)
{
	return revision[0] != '\0' ? revision : NULL;
}
