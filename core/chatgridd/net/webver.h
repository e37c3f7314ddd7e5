/*
 * webver.h: the version of the web client that www_root serves, read from
 * its version.js, for welcome.serverInfo. A client reloads itself when the
 * server reports another version than its own, so the server reports the
 * served client's: ours (`CLIENT_VERSION = '...'`) or the reference
 * chat_grid project's (`CHGRID_WEB_VERSION = "..."`, and in its later
 * releases `CHGRID_RELEASE_VERSION` and `CHGRID_CLIENT_REVISION`).
 */
#ifndef CG_WEBVER_H
#define CG_WEBVER_H

/* Read <www_root>/version.js (at start and on reload); a missing file is no error. */
void webver_load(const char *www_root);
/*
 * The version to report: CHGRID_SERVER_VERSION from the environment if
 * set, else the served client's version, else the package's.
 */
const char *webver_version(void);
/* The later reference client's release version and revision, or NULL. */
const char *webver_release(void);
const char *webver_revision(void);

#endif
