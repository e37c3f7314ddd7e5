/**
 * The client's own version. The server reloads a client whose version differs
 * from welcome.serverInfo.version, so this follows the server's PACKAGE_VERSION
 * (configure.ac) and is bumped together with it.
 */
export const CLIENT_VERSION = '0.1.0';
