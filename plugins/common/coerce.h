/*
 * coerce.h: the parameter coercions of the reference's item validators
 * (reference §6.4, §6.5), shared by the bundled plugins. Users type
 * parameters into forms, so "5", 5.0 and true are all numbers, as in Python:
 *
 *   int(v)    ints; floats truncated toward zero; booleans; integer strings
 *             with surrounding white space, a sign and _ between digits
 *   float(v)  numbers, booleans and numeric strings, including nan and inf
 *             (which then fail range checks)
 *   bool-like on/true/1/yes and off/false/0/no (trimmed, any case); numbers
 *             are true when non-zero
 *
 * Compiled into each plugin; nothing here is exported.
 */
#ifndef CG_PLUGIN_COERCE_H
#define CG_PLUGIN_COERCE_H

#include <stddef.h>
#include <stdint.h>

#include <chatgrid/plugin.h>

/* Python int(v); 0 on success, -1 if v is not integral. */
int co_int(const struct cg_value *v, int64_t *out);
/* Python float(v); 0 or -1. */
int co_float(const struct cg_value *v, double *out);
/* bool-like; 0 or -1. */
int co_bool(const struct cg_value *v, int *out);
/* Python round(x, 1): correctly rounded, ties to even. */
double co_round1(double x);
/* Python round(x): half to even, as an integer. */
int64_t co_round_int(double x);

/* Python str.strip() into out (Unicode white space); returns out. */
char *co_strip(const char *s, size_t len, char *out, size_t outlen);
/* ASCII lower-case in place; returns s. */
char *co_lower(char *s);
/* Length in code points of UTF-8 s. */
size_t co_chars(const char *s);
/*
 * Python str(v) for a scalar (strings verbatim; None as "None") into out;
 * returns out, or NULL for arrays and maps.
 */
const char *co_str(const struct cg_value *v, char *out, size_t outlen);
/*
 * The sound reference normalisation (§6.5) of s into out: trimmed; "",
 * none, off -> ""; http(s):, data:, blob: kept; "/sounds/x" -> "sounds/x";
 * "sounds/x" kept; no slash -> "sounds/" prefixed; other paths kept.
 */
char *co_sound_ref(const char *s, char *out, size_t outlen);

#endif
