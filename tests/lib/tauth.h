/*
 * tauth.h: the integration tests' accounts, sessions and SQL (prefix ag_):
 * a chatgridd on the program's private PostgreSQL cluster, greeted
 * WebSockets, register/login/resume and their auth_result checks, SQL on the
 * cluster, HTTP GETs, and main for a suite that needs the cluster.
 *
 * Each program starts one private PostgreSQL cluster in main (ag_main) and
 * a fresh chatgridd per test case; every test uses its own usernames, so the
 * cases never depend on each other's rows.
 */
#ifndef AG_TAUTH_H
#define AG_TAUTH_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "itest.h"
#include "pgtest.h"

/* The one cluster of this test program. */
extern struct pgtest *ag_pg;

/* A password every helper registers with. */
#define AG_PASSWORD "correct horse 1"

/* Exact protocol strings (reference §3, the daemon's core/chatgridd/auth/auth.c). */
#define AG_MSG_AUTHED "Authenticated."
#define AG_MSG_REQUIRED "Authentication required."
#define AG_MSG_GATE "Authenticate before sending gameplay actions."
#define AG_MSG_ALREADY "Already authenticated."
#define AG_MSG_LOGGED_OUT "Logged out."
#define AG_MSG_USER_LEN "Username must be between 2 and 32 characters."
#define AG_MSG_USER_CHARS \
	"Username may include lowercase letters, numbers, underscores, and dashes only."
#define AG_MSG_PASS_LEN "Password must be between 8 and 128 characters."
#define AG_MSG_TAKEN "Username is already taken."
#define AG_MSG_EMAIL_TAKEN "Email is already in use."
#define AG_MSG_INVALID_LOGIN "Invalid username or password."
#define AG_MSG_DISABLED "Account is disabled."
#define AG_MSG_MISSING_TOKEN "Missing session token."
#define AG_MSG_INVALID_SESSION "Invalid session."
#define AG_MSG_REVOKED "Session has been revoked."
#define AG_MSG_EXPIRED "Session has expired."
#define AG_MSG_TOO_MANY "Too many authentication attempts. Try again shortly."
#define AG_MSG_DB_DOWN "Server database unavailable. Try again shortly."

/*
 * Configuration lines every auth test gets unless it says otherwise:
 * db_conninfo of the cluster, cheap Argon2id (1 MiB, one pass), and rate
 * limits high enough that a test's deliberate failures never trip them.
 */
const char *ag_base_config(void);

/* td_start with ag_base_config() then extra (whose keys win). */
struct td *ag_start(const char *extra, int tls);
/* td_start with only db_conninfo, then extra: daemon defaults otherwise. */
struct td *ag_start_plain(const char *extra, int tls);

/*
 * A username unique in this cluster: tag (lowercase, at most 14 chars),
 * the process id and a counter, e.g. "login_4711_3". out holds 33 bytes.
 */
void ag_uname(char out[33], const char *tag);
/* Upper-case copy of s into out (for case-insensitivity checks). */
void ag_upper(char *out, size_t cap, const char *s);

/*
 * A WebSocket to /ws with extra handshake headers (may be NULL); nothing
 * is read yet. Fails the test if the handshake does not succeed.
 */
struct tc_conn *ag_ws_raw(struct td *, const char *extra_headers);
/* ag_ws_raw without headers, then the auth_required greeting (checked). */
struct tc_conn *ag_ws(struct td *);
/*
 * A connection whose upgrade request carried X-Forwarded-For: xff (NULL:
 * none, as ag_ws), its auth_required greeting read.
 */
struct tc_conn *ag_ws_from(struct td *, const char *xff);

/* Send an object (ownership taken) as one text message. */
void ag_send(struct tc_conn *, json_object *);
/*
 * Build {"type":type, k1:v1, ...} from NULL-terminated key/value string
 * pairs; a NULL value is left out. Caller owns the object.
 */
json_object *ag_msg(const char *type, ...);
/* Wait (5 s) for the next auth_result, skipping other messages; fails if none. */
json_object *ag_result(struct tc_conn *);
/* The next JSON message of any type (5 s); fails if none. */
json_object *ag_next(struct tc_conn *);

/* auth_register / auth_login / auth_resume, returning the auth_result. */
json_object *ag_register(struct tc_conn *, const char *user, const char *password,
    const char *email);
json_object *ag_login(struct tc_conn *, const char *user, const char *password);
json_object *ag_resume(struct tc_conn *, const char *token);

/* Fails unless o is an auth_result with ok and exactly message. */
void ag_expect(json_object *o, int ok, const char *message);
/* ag_expect(o, 0, message) and json_object_put(o). */
void ag_expect_fail(json_object *o, const char *message);
/* ag_expect(o, 1, "Authenticated.") plus the success fields; returns the token (copy). */
char *ag_expect_ok(json_object *o, const char *username);
/*
 * The same for a resume from the session cookie, which must not carry
 * sessionToken (page script could read it there; issue 13).
 */
void ag_expect_cookie_ok(json_object *o, const char *username);

/*
 * Register a new account (tag as for ag_uname, password AG_PASSWORD) on c,
 * expecting success; nothing after the auth_result is read.
 */
void ag_register_new(struct tc_conn *c, const char *tag);
/* ag_ws, then ag_register_new on it. */
struct tc_conn *ag_ws_registered(struct td *, const char *tag);

/*
 * Register user (password AG_PASSWORD) on a new connection and close it;
 * returns the session token (caller frees).
 */
char *ag_new_account(struct td *, const char *user);

/* A random 64-character token in the daemon's alphabet (unknown to it). */
void ag_random_token(char out[65]);

/* Fails unless s contains word, ignoring case. */
void ag_assert_has_word(const char *s, const char *word);

/* ---- SQL on the cluster's "chatgrid" database (or a given conninfo) ---- */

/* Run sql (printf format); fails the test unless it succeeds. */
void ag_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first column of the first row (malloc'd), NULL for SQL NULL or no row. */
char *ag_sql_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Poll ag_sql_value every 50 ms for up to 5 s (stretched by td_ms) until it
 * is not NULL and, unless want is NULL, equals want; returns the last value
 * (malloc'd; NULL or another value when time ran out: the caller checks).
 */
char *ag_sql_wait(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *ag_sql_value_on(const char *conninfo, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- HTTP ---- */

/* GET path on a new connection with extra headers; out must be freed. */
void ag_get(struct td *, const char *path, const char *extra_headers, struct tc_http_resp *out);
/* Fails unless the body is text (trailing newline allowed). */
void ag_body_is(const struct tc_http_resp *, const char *text);

/* Run the suite with one private cluster; returns the exit status. */
int ag_main(Suite *);
/*
 * ag_main for a suite from which nskip cases (named in skipped) were left
 * out because something they need is missing: their TAP lines say
 * "# SKIP reason" and count in the plan. Both start the cluster unless
 * ag_pg is already running (a program may probe it first).
 */
int ag_main_skips(Suite *, int nskip, const char *const *skipped, const char *reason);

#endif
