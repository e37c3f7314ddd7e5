/*
 * casefold.h: Unicode full case folding and white-space trimming of UTF-8,
 * independent of the C library's locale, for comparing nicknames.
 */
#ifndef CG_CASEFOLD_H
#define CG_CASEFOLD_H

#include <stddef.h>
#include <stdint.h>

struct casefold_entry {
	uint32_t cp;
	const char *fold;	/* UTF-8 */
};

extern const struct casefold_entry casefold_table[];
extern const unsigned casefold_count;

/* Fold a valid UTF-8 string into out (always NUL-terminated; cut at a character). */
void casefold(const char *in, char *out, size_t outlen);
/* Decode one code point; returns its length in bytes (1 for a stray byte). */
size_t utf8_decode(const char *s, uint32_t *cp);
/* Is cp white space (Unicode White_Space)? */
int unicode_space(uint32_t cp);
/* Is cp a control character (C0, DEL, C1)? */
int unicode_control(uint32_t cp);
/* Trim Unicode white space from both ends into out; returns out. */
char *utf8_trim(const char *in, char *out, size_t outlen);

#endif
