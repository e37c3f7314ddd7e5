/* utf8.h: UTF-8 helpers with no dependencies. */
#ifndef CG_UTF8_H
#define CG_UTF8_H

#include <stddef.h>

/* Length of a valid UTF-8 string in code points. */
size_t utf8_len(const char *);

#endif
