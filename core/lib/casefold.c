/*
 * casefold.c: table lookups (O(log n)) of full case folds, confusable
 * skeletons and hidden code points; white space per Unicode's White_Space.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefold.h"

size_t
utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0 && (u[1] & 0xc0) == 0x80) {
		*cp = (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
		return 2;
	}
	if ((u[0] & 0xf0) == 0xe0 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
		*cp = (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
		return 3;
	}
	if ((u[0] & 0xf8) == 0xf0 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80 &&
	    (u[3] & 0xc0) == 0x80) {
		*cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
		    (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
		return 4;
	}
	*cp = u[0];
	return 1;
}

int
unicode_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 ||
	    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
	    cp == 0x200b || cp == 0xfeff;	/* invisible: treated as blank too */
}

int
unicode_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

char *
utf8_trim(const char *in, char *out, size_t outlen)
{
	const char *s = in, *e, *p, *last_end;
	uint32_t cp;
	size_t n;

	while (*s != '\0' && (n = utf8_decode(s, &cp)) > 0 && unicode_space(cp))
		s += n;
	last_end = s;
	for (p = s; *p != '\0'; p += n) {
		n = utf8_decode(p, &cp);
		if (!unicode_space(cp))
			last_end = p + n;
	}
	e = last_end;
	n = (size_t)(e - s);
	if (n >= outlen) {
		n = outlen - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static int
cmp_entry(const void *key, const void *e)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct casefold_entry *)e)->cp;

	return a < b ? -1 : a > b;
}

void
casefold(const char *in, char *out, size_t outlen)
{
	const struct casefold_entry *f;
	size_t o = 0, n, fl;
	uint32_t cp;

	while (*in != '\0') {
		n = utf8_decode(in, &cp);
		f = bsearch(&cp, casefold_table, casefold_count, sizeof casefold_table[0], cmp_entry);
		fl = f != NULL ? strlen(f->fold) : n;
		if (o + fl + 1 > outlen)
			break;
		memcpy(out + o, f != NULL ? f->fold : in, fl);
		o += fl;
		in += n;
	}
	out[o] = '\0';
}

static int
cmp_range(const void *key, const void *e)
{
	uint32_t cp = *(const uint32_t *)key;
	const struct unicode_range *r = e;

	return cp < r->lo ? -1 : cp > r->hi;
}

int
unicode_hidden(uint32_t cp)
{
	return bsearch(&cp, hidden_ranges, hidden_range_count, sizeof hidden_ranges[0],
	    cmp_range) != NULL;
}

int
utf8_has_hidden(const char *s)
{
	uint32_t cp;

	while (*s != '\0') {
		s += utf8_decode(s, &cp);
		if (unicode_hidden(cp))
			return 1;
	}
	return 0;
}

static int
cmp_confusable(const void *key, const void *e)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct confusable_entry *)e)->cp;

	return a < b ? -1 : a > b;
}

void
confusable_skeleton(const char *in, char *out, size_t outlen)
{
	const struct confusable_entry *f;
	const char *src;
	size_t o = 0, n, len;
	uint32_t cp;

	while (*in != '\0') {
		n = utf8_decode(in, &cp);
		f = bsearch(&cp, confusable_table, confusable_count, sizeof confusable_table[0],
		    cmp_confusable);
		src = f != NULL ? confusable_pool + f->off : in;
		len = f != NULL ? f->len : n;
		if (o + len + 1 > outlen)
			break;
		memcpy(out + o, src, len);
		o += len;
		in += n;
	}
	out[o] = '\0';
}

void
name_key(const char *in, char *out, size_t outlen)
{
	char a[NAME_KEY_MAX], b[NAME_KEY_MAX];

	casefold(in, a, sizeof a);
	confusable_skeleton(a, b, sizeof b);
	casefold(b, out, outlen);
}
