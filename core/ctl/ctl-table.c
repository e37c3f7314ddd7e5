/* ctl-table.c: chatgridctl's listings, as aligned plain-text tables. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "ctl-common.h"
#include "utf8.h"
#include "xmalloc.h"

/* Columns are apart by this many spaces. */
#define TABLE_GAP 2

/* Width in code points: names and keys are ASCII, messages rarely need more. */
#define table_width(s) utf8_len(s)

static const char *
table_value(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? "-" : PQgetvalue(r, row, col);
}

/*
 * Database text may hold anything (a message written by the daemon, say):
 * control characters become "?" so a listing cannot drive the terminal.
 */
static void
table_cell(FILE *f, const char *s, size_t width, int last)
{
	size_t n = table_width(s);

	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	if (!last)
		for (; n < width + TABLE_GAP; n++)
			fputc(' ', f);
}

void
ctl_table_print(FILE *f, const PGresult *r, const char *const *headers)
{
	int nf = PQnfields(r), nt = PQntuples(r), i, j;
	size_t *w = xcalloc((size_t)nf, sizeof *w), n;

	for (j = 0; j < nf; j++) {
		w[j] = table_width(headers[j]);
		for (i = 0; i < nt; i++)
			if ((n = table_width(table_value(r, i, j))) > w[j])
				w[j] = n;
	}
	for (j = 0; j < nf; j++)
		table_cell(f, headers[j], w[j], j == nf - 1);
	fputc('\n', f);
	for (i = 0; i < nt; i++) {
		for (j = 0; j < nf; j++)
			table_cell(f, table_value(r, i, j), w[j], j == nf - 1);
		fputc('\n', f);
	}
	free(w);
}
