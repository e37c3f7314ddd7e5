/*
 * bstats.c: histograms, /proc readings, a flat JSON scanner for the hot
 * receive path, and `chatgrid-bench compare` (two result files side by
 * side with their ratio).
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bench.h"

uint64_t
cb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
cb_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000ULL + (uint64_t)ts.tv_nsec / 1000000ULL;
}

/* ---- histogram ---- */

static size_t
hist_index(uint64_t v)
{
	int p;

	if (v < CB_HIST_SUB)
		return (size_t)v;
	p = 63 - __builtin_clzll(v);		/* v in [2^p, 2^(p+1)) */
	/* sub-bucket: the 6 bits below the top one */
	size_t sub = (size_t)((v >> (p - 6)) & (CB_HIST_SUB - 1));
	size_t i = (size_t)(p - 5) * CB_HIST_SUB + sub;

	return i < CB_HIST_POW * CB_HIST_SUB ? i : CB_HIST_POW * CB_HIST_SUB - 1;
}

static uint64_t
hist_value(size_t i)
{
	size_t p, sub;

	if (i < CB_HIST_SUB)
		return i;
	p = i / CB_HIST_SUB + 5;
	sub = i % CB_HIST_SUB;
	/* the middle of the bucket */
	return ((uint64_t)(CB_HIST_SUB + sub) << (p - 6)) + ((1ULL << (p - 6)) >> 1);
}

void
cb_hist_add(struct cb_hist *h, uint64_t ns)
{
	h->n++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->b[hist_index(ns)]++;
}

uint64_t
cb_hist_quantile(const struct cb_hist *h, double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (i = 0; i < CB_HIST_POW * CB_HIST_SUB; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t v = hist_value(i);

			return v > h->max_ns ? h->max_ns : v;
		}
	}
	return h->max_ns;
}

void
cb_hist_merge(struct cb_hist *dst, const struct cb_hist *src)
{
	size_t i;

	dst->n += src->n;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (i = 0; i < CB_HIST_POW * CB_HIST_SUB; i++)
		dst->b[i] += src->b[i];
}

/* ---- /proc ---- */

void
cb_proc_read(int pid, struct cb_proc *p)
{
	char path[64], buf[4096], *s;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	memset(p, 0, sizeof *p);
	if (pid <= 0)
		return;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: from the last ')'. */
	s = strrchr(buf, ')');
	if (s == NULL)
		return;
	s += 2;
	/* s is at field 3 (state); utime and stime are fields 14 and 15. */
	for (i = 3; i < 14 && s != NULL; i++) {
		s = strchr(s, ' ');
		if (s != NULL)
			s++;
	}
	if (s == NULL || sscanf(s, "%lu %lu", &ut, &st) != 2)
		return;
	p->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(buf, sizeof buf, f) != NULL) {
		if (strncmp(buf, "VmRSS:", 6) == 0)
			p->rss_kb = strtol(buf + 6, NULL, 10);
		else if (strncmp(buf, "VmHWM:", 6) == 0)
			p->hwm_kb = strtol(buf + 6, NULL, 10);
	}
	fclose(f);
	p->ok = 1;
}

void
cb_machine(char *cpu, size_t len, int *ncpu)
{
	char buf[512];
	FILE *f;

	snprintf(cpu, len, "unknown");
	*ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(buf, sizeof buf, f) != NULL)
		if (strncmp(buf, "model name", 10) == 0) {
			char *v = strchr(buf, ':');

			if (v != NULL) {
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				v[strcspn(v, "\n")] = '\0';
				snprintf(cpu, len, "%s", v);
			}
			break;
		}
	fclose(f);
}

/* ---- flat JSON scanning ---- */

const char *
cb_json_find(const char *p, size_t n, const char *key)
{
	char pat[64];
	size_t kl = strlen(key);
	const char *v;

	if (kl + 3 > sizeof pat)
		return NULL;
	pat[0] = '"';
	memcpy(pat + 1, key, kl);
	pat[kl + 1] = '"';
	pat[kl + 2] = ':';
	v = memmem(p, n, pat, kl + 3);
	if (v == NULL)
		return NULL;
	v += kl + 3;
	while (v < p + n && (*v == ' ' || *v == '\t'))
		v++;
	return v;
}

int
cb_json_str(const char *v, const char *end, char *out, size_t cap)
{
	size_t o = 0;

	if (v == NULL || v >= end || *v != '"')
		return -1;
	for (v++; v < end && *v != '"'; v++) {
		if (*v == '\\' && v + 1 < end)
			v++;	/* good enough for ids and our own texts */
		if (o + 1 < cap)
			out[o++] = *v;
	}
	if (v >= end)
		return -1;
	out[o] = '\0';
	return (int)o;
}

int
cb_json_int(const char *v, const char *end, long long *out)
{
	long long x = 0;
	int neg = 0, any = 0;

	if (v == NULL)
		return -1;
	if (v < end && *v == '-') {
		neg = 1;
		v++;
	}
	for (; v < end && *v >= '0' && *v <= '9'; v++) {
		x = x * 10 + (*v - '0');
		any = 1;
	}
	if (!any)
		return -1;
	*out = neg ? -x : x;
	return 0;
}

/* ---- compare ---- */

struct leaf {
	char key[160];
	double v;
};

static void
flatten(json_object *o, const char *prefix, struct leaf **out, size_t *n, size_t *cap)
{
	char key[160];

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", k);
			flatten(v, key, out, n, cap);
		}
		return;
	}
	if (!json_object_is_type(o, json_type_int) && !json_object_is_type(o, json_type_double))
		return;
	if (*n == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		*out = realloc(*out, *cap * sizeof **out);
	}
	snprintf((*out)[*n].key, sizeof (*out)[*n].key, "%s", prefix);
	(*out)[*n].v = json_object_get_double(o);
	(*n)++;
}

/* +1 when more is better, -1 when less is better, 0 when neutral. */
static int
direction(const char *k)
{
	if (strstr(k, "samples") != NULL || strstr(k, "measured_s") != NULL || strstr(k, "moves_sent") != NULL ||
	    strstr(k, "before") != NULL || strstr(k, "hwm") != NULL)
		return 0;
	if (strstr(k, "per_s") != NULL || strstr(k, "per_cpu") != NULL || strstr(k, "delivered") != NULL ||
	    strstr(k, "connected") != NULL)
		return 1;
	if (strstr(k, "latency") != NULL || strstr(k, "_ms") != NULL || strstr(k, "cpu") != NULL ||
	    strstr(k, "rss") != NULL || strstr(k, "mem") != NULL || strstr(k, "error") != NULL ||
	    strstr(k, "rejected") != NULL || strstr(k, "unmatched") != NULL || strstr(k, "late") != NULL ||
	    strstr(k, "dropped") != NULL || strstr(k, "failed") != NULL || strstr(k, "_s") != NULL)
		return -1;
	return 0;
}

static const char *
str_of(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "?";
}

int
cb_compare_main(int argc, char **argv)
{
	json_object *a, *b, *ra, *rb;
	struct leaf *la = NULL, *lb = NULL;
	size_t na = 0, nb = 0, ca = 0, cb = 0, i, j;

	if (argc != 3) {
		fprintf(stderr, "usage: chatgrid-bench compare BASELINE.json CHATGRIDD.json\n");
		return 2;
	}
	a = json_object_from_file(argv[1]);
	b = json_object_from_file(argv[2]);
	if (a == NULL || b == NULL) {
		fprintf(stderr, "chatgrid-bench compare: cannot read %s\n", a == NULL ? argv[1] : argv[2]);
		return 1;
	}
	printf("scenario %s: %s vs %s\n", str_of(b, "scenario"), str_of(a, "server"), str_of(b, "server"));
	if (!json_object_object_get_ex(a, "results", &ra) || !json_object_object_get_ex(b, "results", &rb)) {
		fprintf(stderr, "chatgrid-bench compare: no \"results\" object\n");
		return 1;
	}
	flatten(ra, "", &la, &na, &ca);
	flatten(rb, "", &lb, &nb, &cb);
	printf("  %-34s %14s %14s %9s\n", "figure", str_of(a, "server"), str_of(b, "server"), "ratio");
	for (j = 0; j < nb; j++) {
		double va = NAN, vb = lb[j].v, r;
		int d = direction(lb[j].key);
		const char *mark = "";

		for (i = 0; i < na; i++)
			if (strcmp(la[i].key, lb[j].key) == 0) {
				va = la[i].v;
				break;
			}
		if (isnan(va)) {
			printf("  %-34s %14s %14.6g %9s\n", lb[j].key, "-", vb, "");
			continue;
		}
		r = va != 0 ? vb / va : (vb == 0 ? 1 : INFINITY);
		if (d != 0 && isfinite(r) && fabs(r - 1) > 0.05)
			mark = (d > 0) == (r > 1) ? "  better" : "  worse";
		printf("  %-34s %14.6g %14.6g %9.3f%s\n", lb[j].key, va, vb, r, mark);
	}
	printf("  (ratio = %s / %s)\n\n", str_of(b, "server"), str_of(a, "server"));
	free(la);
	free(lb);
	json_object_put(a);
	json_object_put(b);
	return 0;
}
