/* coerce.c: Python-like coercions of item parameters (see coerce.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coerce.h"

/* Python's str.isspace() code points (White_Space plus the C0 separators). */
static int
py_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
	    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Decode one code point of s[0..n); returns its byte length (1 for a stray byte). */
static size_t
decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80 || n < 2) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && n >= 3) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && n >= 4) {
		*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return 4;
	}
	*cp = s[0];
	return 1;
}

char *
co_strip(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len, *q;
	uint32_t cp;
	size_t k, n;

	while (p < e && (k = decode(p, (size_t)(e - p), &cp)) > 0 && py_space(cp))
		p += k;
	/* From the end: find the last non-space character. */
	for (q = p, n = 0; q < e; q += k) {
		k = decode(q, (size_t)(e - q), &cp);
		if (!py_space(cp))
			n = (size_t)(q + k - p);
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

char *
co_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

size_t
co_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Digits with single underscores between them; copies the digits to *out. */
static const char *
digits(const char *p, char **out)
{
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) || (*p == '_' && isdigit((unsigned char)p[1]))) {
		if (*p != '_')
			*(*out)++ = *p;
		p++;
	}
	return p;
}

int
co_int(const struct cg_value *v, int64_t *out)
{
	char buf[256], clean[256], *c = clean;
	const char *p;
	double d;

	switch (v->type) {
	case CG_BOOL:
	case CG_INT:
		*out = v->u.i;
		return 0;
	case CG_FLOAT:
		d = v->u.f;
		if (!isfinite(d))
			return -1;
		d = trunc(d);
		*out = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
		return 0;
	case CG_STR:
		if (v->len >= sizeof buf || strlen(v->u.s) != v->len)
			return -1;
		co_strip(v->u.s, v->len, buf, sizeof buf);
		p = buf;
		if (*p == '+' || *p == '-')
			*c++ = *p++;
		if ((p = digits(p, &c)) == NULL || *p != '\0')
			return -1;
		*c = '\0';
		d = strtod(clean, NULL);
		if (d >= 9.2e18 || d <= -9.2e18)
			*out = d > 0 ? INT64_MAX : INT64_MIN;
		else
			*out = strtoll(clean, NULL, 10);
		return 0;
	}
	return -1;
}

int
co_float(const struct cg_value *v, double *out)
{
	char buf[256], clean[256], *c = clean;
	const char *p, *w;

	switch (v->type) {
	case CG_BOOL:
	case CG_INT:
		*out = (double)v->u.i;
		return 0;
	case CG_FLOAT:
		*out = v->u.f;
		return 0;
	case CG_STR:
		if (v->len >= sizeof buf || strlen(v->u.s) != v->len)
			return -1;
		co_strip(v->u.s, v->len, buf, sizeof buf);
		p = buf;
		if (*p == '+' || *p == '-')
			*c++ = *p++;
		w = p;
		if (strcasecmp(w, "inf") == 0 || strcasecmp(w, "infinity") == 0 ||
		    strcasecmp(w, "nan") == 0) {
			*out = strtod(buf, NULL);
			return 0;
		}
		/* digits [. [digits]] | . digits, then an optional exponent */
		if (isdigit((unsigned char)*p)) {
			p = digits(p, &c);
			if (*p == '.') {
				*c++ = *p++;
				if (isdigit((unsigned char)*p))
					p = digits(p, &c);
			}
		} else if (*p == '.' && isdigit((unsigned char)p[1])) {
			*c++ = *p++;
			p = digits(p, &c);
		} else
			return -1;
		if (*p == 'e' || *p == 'E') {
			*c++ = *p++;
			if (*p == '+' || *p == '-')
				*c++ = *p++;
			if ((p = digits(p, &c)) == NULL)
				return -1;
		}
		if (*p != '\0')
			return -1;
		*c = '\0';
		*out = strtod(clean, NULL);
		return 0;
	}
	return -1;
}

int
co_bool(const struct cg_value *v, int *out)
{
	static const char *const yes[] = { "on", "true", "1", "yes" };
	static const char *const no[] = { "off", "false", "0", "no" };
	char buf[64];
	size_t i;

	switch (v->type) {
	case CG_BOOL:
	case CG_INT:
		*out = v->u.i != 0;
		return 0;
	case CG_FLOAT:
		*out = v->u.f != 0;
		return 0;
	case CG_STR:
		if (v->len >= sizeof buf)
			return -1;
		co_lower(co_strip(v->u.s, v->len, buf, sizeof buf));
		for (i = 0; i < 4; i++) {
			if (strcmp(buf, yes[i]) == 0) {
				*out = 1;
				return 0;
			}
			if (strcmp(buf, no[i]) == 0) {
				*out = 0;
				return 0;
			}
		}
		return -1;
	}
	return -1;
}

double
co_round1(double x)
{
	char buf[512];

	if (!isfinite(x))
		return x;
	/* glibc prints the exact binary value rounded half-to-even, as Python rounds. */
	snprintf(buf, sizeof buf, "%.1f", x);
	return strtod(buf, NULL);
}

int64_t
co_round_int(double x)
{
	double r = nearbyint(x);	/* the default rounding mode: ties to even */

	return r >= 9.2e18 ? INT64_MAX : r <= -9.2e18 ? INT64_MIN : (int64_t)r;
}

const char *
co_str(const struct cg_value *v, char *out, size_t outlen)
{
	int prec;

	switch (v->type) {
	case CG_NIL:
		snprintf(out, outlen, "None");
		return out;
	case CG_BOOL:
		snprintf(out, outlen, "%s", v->u.i ? "True" : "False");
		return out;
	case CG_INT:
		snprintf(out, outlen, "%lld", (long long)v->u.i);
		return out;
	case CG_FLOAT:
		if (isnan(v->u.f)) {
			snprintf(out, outlen, "nan");
			return out;
		}
		if (isinf(v->u.f)) {
			snprintf(out, outlen, "%sinf", v->u.f < 0 ? "-" : "");
			return out;
		}
		/* The shortest text that reads back as the same double, as repr(). */
		for (prec = 1; prec < 17; prec++) {
			snprintf(out, outlen, "%.*g", prec, v->u.f);
			if (strtod(out, NULL) == v->u.f)
				break;
		}
		snprintf(out, outlen, "%.*g", prec, v->u.f);
		if (strpbrk(out, ".en") == NULL && strlen(out) + 2 < outlen)
			strcat(out, ".0");
		return out;
	case CG_STR:
		snprintf(out, outlen, "%s", v->u.s);
		return out;
	}
	return NULL;
}

char *
co_sound_ref(const char *s, char *out, size_t outlen)
{
	char buf[8192];

	co_strip(s, strlen(s), buf, sizeof buf);
	if (buf[0] == '\0' || strcasecmp(buf, "none") == 0 || strcasecmp(buf, "off") == 0)
		snprintf(out, outlen, "%s", "");
	else if (strncasecmp(buf, "http://", 7) == 0 || strncasecmp(buf, "https://", 8) == 0 ||
	    strncasecmp(buf, "data:", 5) == 0 || strncasecmp(buf, "blob:", 5) == 0)
		snprintf(out, outlen, "%s", buf);
	else if (strncmp(buf, "/sounds/", 8) == 0)
		snprintf(out, outlen, "%s", buf + 1);
	else if (strncmp(buf, "sounds/", 7) == 0 || strchr(buf, '/') != NULL)
		snprintf(out, outlen, "%s", buf);
	else
		snprintf(out, outlen, "sounds/%s", buf);
	return out;
}
