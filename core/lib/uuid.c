/* uuid.c: random (version 4) UUIDs from OpenSSL's generator (uuid.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <openssl/rand.h>

#include "log.h"
#include "uuid.h"

void
uuid_make(char out[UUID_STR_LEN])
{
	uint8_t b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		fatalx("no randomness available");
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, UUID_STR_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	    b[12], b[13], b[14], b[15]);
}
