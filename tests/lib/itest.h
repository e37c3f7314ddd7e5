/* itest.h: fixtures shared by the integration test programs. */
#ifndef IT_ITEST_H
#define IT_ITEST_H

#include <check.h>

#include "tassert.h"
#include "tclient.h"
#include "tdaemon.h"

/* Bodies of the files it_www creates, for comparisons. */
#define IT_INDEX_HTML "<!doctype html>\n<title>chatgrid test root</title>\n"
#define IT_SUB_INDEX_HTML "<!doctype html>\n<title>sub index</title>\n"
#define IT_APP_JS "export const answer = 42;\n"

/*
 * A web root made once per test process (removed at exit): index.html,
 * app.js, style.css, sound.ogg, sound.wav, data.json, icon.svg, img.png,
 * sub/index.html, empty/ (no index, one file listing-canary.txt) and
 * .git/config.
 */
const char *it_www(void);
/* td_start with www_root set to it_www(), then extra lines. */
struct td *it_start(const char *extra_config_lines, int tls);
/* Stop the daemon, fail unless it exits 0, free it. */
void it_stop(struct td *);
/* Run the suite with CK_ENV settings; the process exit status. */
int it_run(Suite *);

/*
 * Proof that a WebSocket is open and its messages are handled, without
 * logging in (ping needs authentication): send {"type":"probe_<n>"}, an
 * unknown type, and fail unless an error with code unknown_type naming
 * probe_<n> arrives (other messages, such as the auth_required greeting,
 * are skipped). Each probe counts as one of the connection's
 * max_bad_messages.
 */
#define it_ws_probe(c, n) it_ws_probe_at(__FILE__, __LINE__, (c), (n))
void it_ws_probe_at(const char *file, int line, struct tc_conn *, int n);

/* A loopback TCP port free right now (for a second server); fails the test if none. */
int it_free_port(void);
/* 1 if something accepts TCP connections on 127.0.0.1:port. */
int it_port_open(int port);

#endif
