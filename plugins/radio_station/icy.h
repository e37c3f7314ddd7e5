/*
 * icy.h: one blocking fetch of a stream's ICY metadata (reference §6.10,
 * hardened as §9 item 10 asks). Runs on the poller's thread, never on the
 * plugin host's: it may take up to its deadline, and it calls no host
 * function.
 */
#ifndef RADIO_ICY_H
#define RADIO_ICY_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Characters kept of a station name and a title, and their UTF-8 bytes. */
#define ICY_STATION_CHARS 160
#define ICY_TITLE_CHARS 200
#define ICY_STATION_BYTES (ICY_STATION_CHARS * 4 + 1)
#define ICY_TITLE_BYTES (ICY_TITLE_CHARS * 4 + 1)

struct icy_conf {
	int allow_private;	/* fetch loopback, private, link-local ... addresses too */
	int timeout_ms;		/* the whole fetch, redirects included */
	size_t max_bytes;	/* of response body read, in all */
	int max_redirects;
	int cancel_fd;		/* readable: give up now (-1: none) */
};

/* What the answer said about the title. */
enum {
	ICY_TITLE_NONE,		/* no icy-metaint: the stream carries no metadata */
	ICY_TITLE_UNKNOWN,	/* metadata, but no StreamTitle in this block */
	ICY_TITLE_FOUND,	/* StreamTitle='...'; (possibly empty) */
};

struct icy_result {
	char station[ICY_STATION_BYTES];	/* icy-name, else ice-name; "" if neither */
	char title[ICY_TITLE_BYTES];		/* with ICY_TITLE_FOUND */
	int title_state;			/* ICY_TITLE_* */
	char error[300];			/* why it failed */
};

/*
 * Fetch url's response head and its first metadata block. ctx verifies
 * https peers (it may be NULL: https then fails). Returns 0, or -1 with
 * res->error set.
 */
int icy_fetch(SSL_CTX *ctx, const char *url, const struct icy_conf *, struct icy_result *res);

/*
 * Text from the network as stored parameters hold it: invalid UTF-8 bytes
 * become U+FFFD, NULs and other C0 controls are dropped, then trimmed and cut
 * to max_chars characters. out has room for max_chars * 4 + 1 bytes.
 */
void icy_text(const char *in, size_t len, char *out, size_t max_chars);

#endif
