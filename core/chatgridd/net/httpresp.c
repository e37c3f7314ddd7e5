/* httpresp.c: status line and header lookup in a response head. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpresp.h"

int
httpresp_status(const char *head)
{
	const char *p;
	int status = 0, i;

	if (strncmp(head, "HTTP/1.", 7) == 0 && isdigit((unsigned char)head[7]) && head[8] == ' ')
		p = head + 9;
	else if (strncmp(head, "ICY ", 4) == 0)
		p = head + 4;
	else
		return -1;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		status = status * 10 + (p[i] - '0');
	}
	if (p[3] != ' ' && p[3] != '\r' && p[3] != '\n' && p[3] != '\0')
		return -1;
	return status >= 100 ? status : -1;
}

const char *
httpresp_header(const char *head, const char *name, char *out, size_t len)
{
	const char *p = head, *v, *e;
	size_t nl = strlen(name);

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		for (v = p + nl + 1; *v == ' ' || *v == '\t'; v++)
			;
		e = v + strcspn(v, "\r\n");
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (len > 0)
			snprintf(out, len, "%.*s", (int)(e - v), v);
		return out;
	}
	return NULL;
}
