/* utf8.c: counting code points, shared by chatgridd and chatgridctl. */
#include "config.h"

#include <stddef.h>

#include "utf8.h"

size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}
