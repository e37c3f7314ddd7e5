/*
 * cfg.c: the configuration file: "keyword value" lines, "#" comments and
 * "include FILE". Every key is declared once in cfg_keys[]; parsing,
 * validation, the sample file and chatgridd.conf(5) all come from it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "log.h"
#include "xmalloc.h"

enum cfg_type {
	CT_BOOL,
	CT_INT,		/* int field */
	CT_INT64,	/* long long field */
	CT_STRING,
	CT_LISTEN,	/* repeatable host:port */
	CT_LIST,	/* repeatable, space-separated words */
	CT_LEVEL,	/* log level name */
	CT_LOGDEST,	/* stderr | syslog */
	CT_TRACE,	/* comma list of trace categories */
};

#define CF_RELOAD 0x1	/* takes effect on SIGHUP */

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off;
	size_t off_n;		/* CT_LIST: offset of the entry count */
	long long min, max;
	const char *def;	/* default, as it would be written in the file */
	int flags;
	const char *arg;	/* argument name for the man page */
	const char *help;
	/* CT_LIST: checks one entry; returns NULL or what is wrong with it. */
	const char *(*check)(const char *entry);
};

static const char *check_origin(const char *);
static const char *check_ip(const char *);
static const char *check_ice(const char *);
static const char *check_plugin_option(const char *);
static const char *check_base_path(const char *);
static const char *check_voice_mode(const char *);
static const char *check_http_url(const char *);
static const char *check_listen_opt(const char *);

#define OFF(f) offsetof(struct config, f)

static const struct cfg_key cfg_keys[] = {
	{ "listen", CT_LISTEN, OFF(listen), 0, 0, 0, "127.0.0.1:8765", 0, "address:port",
	  "Address and port to serve HTTP and WebSocket on. Repeat for several addresses. "
	  "IPv6 addresses go in brackets, as in [::1]:8765; an empty address, as in :8765, means every address." },
	{ "tls_cert", CT_STRING, OFF(tls_cert), 0, 0, 0, "", CF_RELOAD, "file",
	  "PEM certificate chain. With tls_key, every listener speaks https and wss." },
	{ "tls_key", CT_STRING, OFF(tls_key), 0, 0, 0, "", CF_RELOAD, "file",
	  "PEM private key for tls_cert." },
	{ "tls_ciphers", CT_STRING, OFF(tls_ciphers), 0, 0, 0,
	  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
	  CF_RELOAD, "ciphers",
	  "OpenSSL cipher list for TLS 1.2 (see openssl-ciphers(1)). The default offers only ECDHE key "
	  "exchange (forward secrecy) with AEAD ciphers, so static-RSA and CBC suites such as AES128-SHA "
	  "are refused. TLS 1.3, always offered, has only such suites. chatgridd does not start (and a "
	  "reload keeps the old list) when no cipher matches." },
	{ "allow_insecure", CT_BOOL, OFF(allow_insecure), 0, 0, 0, "no", 0, "yes|no",
	  "Serve plain http and ws when no certificate is configured. Without it chatgridd refuses to start without TLS." },
	{ "allowed_origins", CT_LIST, OFF(allowed_origins), OFF(nallowed_origins), 0, 0, "", CF_RELOAD, "origin ...",
	  "Origins (scheme://host[:port]) whose pages may open the WebSocket and call the session endpoints. "
	  "When empty, only the server's own origin (the Host header) is accepted. Requests without an Origin header are not browsers and are accepted.",
	  check_origin },
	{ "www_root", CT_STRING, OFF(www_root), 0, 0, 0, DATADIR "/chatgrid/www", CF_RELOAD, "directory",
	  "Directory of the web client served over HTTP." },
	{ "web_base_paths", CT_LIST, OFF(web_base_paths), OFF(nweb_base_paths), 0, 0, "/", CF_RELOAD, "path ...",
	  "Base paths (each starting and ending with /) under which a web client lives in www_root, "
	  "as /chgrid/ for one built with that base. Under each, <base>ws is the WebSocket, "
	  "<base>auth/session/set, clear and check are the session endpoints, and <base>media_proxy.php "
	  "is the media proxy, all exactly as /ws, /auth/session/* and /media (the same checks). "
	  "/ws, /auth/session/* and /media themselves are always served; /media_proxy.php only while / is listed. "
	  "An empty value lists none.",
	  check_base_path },
	{ "max_message_bytes", CT_INT64, OFF(max_message_bytes), 0, 1024, 64LL * 1024 * 1024, "2000000", CF_RELOAD, "bytes",
	  "Largest WebSocket message accepted from a client; a larger one closes the connection with code 1009." },
	{ "max_connections", CT_INT, OFF(max_connections), 0, 1, 1000000, "10000", CF_RELOAD, "number",
	  "Most simultaneous connections; past it a new connection gets 503 and is closed." },
	{ "max_output_bytes", CT_INT64, OFF(max_output_bytes), 0, 65536, 1LL << 30, "1048576", CF_RELOAD, "bytes",
	  "Most bytes queued for one client that is not reading; past it the client is dropped." },
	{ "log_level", CT_LEVEL, OFF(log_level), 0, 0, 0, "notice", CF_RELOAD, "error|warn|notice|info|debug",
	  "Least severe messages to log." },
	{ "log_destination", CT_LOGDEST, OFF(log_syslog), 0, 0, 0, "stderr", 0, "stderr|syslog",
	  "Where log lines go. A daemon that detaches (no -f) always logs to syslog." },
	{ "trace", CT_TRACE, OFF(trace), 0, 0, 0, "", CF_RELOAD, "category,...",
	  "Trace categories to log whatever the level: ws, http, db, plugin, tick, proto, or all." },
	{ "pid_file", CT_STRING, OFF(pid_file), 0, 0, 0, "", 0, "file",
	  "Write the daemon's process id to this file." },
	{ "tick_ms", CT_INT, OFF(tick_ms), 0, 10, 1000, "50", 0, "milliseconds",
	  "Period of the timer that drives all periodic work." },
	{ "handshake_timeout_ms", CT_INT, OFF(handshake_timeout_ms), 0, 100, 600000, "10000", CF_RELOAD, "milliseconds",
	  "Time a new connection has to send a complete HTTP request head." },
	{ "idle_timeout_ms", CT_INT, OFF(idle_timeout_ms), 0, 100, 3600000, "60000", CF_RELOAD, "milliseconds",
	  "Time an HTTP keep-alive connection may sit idle." },
	{ "ws_ping_interval_ms", CT_INT, OFF(ws_ping_interval_ms), 0, 100, 3600000, "20000", CF_RELOAD, "milliseconds",
	  "Silence after which the server pings a WebSocket client." },
	{ "ws_pong_timeout_ms", CT_INT, OFF(ws_pong_timeout_ms), 0, 100, 3600000, "20000", CF_RELOAD, "milliseconds",
	  "Time a pinged client has to answer before it is dropped as half-open." },
	{ "json_max_depth", CT_INT, OFF(json_max_depth), 0, 2, 64, "16", CF_RELOAD, "levels",
	  "Deepest nesting accepted in a client's JSON message." },
	{ "msg_rate", CT_INT, OFF(msg_rate), 0, 1, 1000000, "40", CF_RELOAD, "messages/s",
	  "Messages per second a client may send on average (token bucket refill)." },
	{ "msg_burst", CT_INT, OFF(msg_burst), 0, 1, 1000000, "80", CF_RELOAD, "messages",
	  "Messages a client may send at once (token bucket size)." },
	{ "max_bad_messages", CT_INT, OFF(max_bad_messages), 0, 1, 1000000, "20", CF_RELOAD, "number",
	  "Malformed or refused messages after which a client is disconnected with code 1008." },
	{ "username_min_length", CT_INT, OFF(username_min_length), 0, 1, 128, "2", CF_RELOAD, "characters",
	  "Shortest username accepted at registration." },
	{ "username_max_length", CT_INT, OFF(username_max_length), 0, 1, 128, "32", CF_RELOAD, "characters",
	  "Longest username accepted at registration (raised to the minimum if lower)." },
	{ "password_min_length", CT_INT, OFF(password_min_length), 0, 1, 256, "8", CF_RELOAD, "characters",
	  "Shortest password accepted." },
	{ "password_max_length", CT_INT, OFF(password_max_length), 0, 1, 256, "128", CF_RELOAD, "characters",
	  "Longest password accepted (raised to the minimum if lower)." },
	{ "argon2_time_cost", CT_INT, OFF(argon2_time_cost), 0, 1, 100, "3", CF_RELOAD, "iterations",
	  "Argon2id iterations for new password hashes; older hashes are upgraded at the next login. "
	  "When a reload changes any Argon2id cost, the dummy hash that unknown usernames are verified "
	  "against is recomputed on a hashing thread (logged with its parameters), so they keep costing "
	  "what a real account costs." },
	{ "argon2_memory_kib", CT_INT, OFF(argon2_memory_kib), 0, 8, 4194304, "65536", CF_RELOAD, "KiB",
	  "Argon2id memory per hash." },
	{ "argon2_parallelism", CT_INT, OFF(argon2_parallelism), 0, 1, 16, "1", CF_RELOAD, "lanes",
	  "Argon2id lanes per hash." },
	{ "auth_workers", CT_INT, OFF(auth_workers), 0, 1, 64, "2", 0, "threads",
	  "Threads hashing passwords, off the event loop." },
	{ "auth_queue", CT_INT, OFF(auth_queue), 0, 1, 100000, "256", 0, "jobs",
	  "Password hashes that may wait for a thread. Past it a login or registration is answered "
	  "\"Server busy. Try again in N s.\" (N from the measured cost of a hash), which is not "
	  "counted as a failure. A client whose hash must wait is sent auth_queued." },
	{ "auth_hash_ip_limit", CT_INT, OFF(auth_hash_ip_limit), 0, 1, 100000, "4", CF_RELOAD, "jobs",
	  "Password hashes (logins and registrations) from one address (an IPv6 address: its /64) "
	  "waiting or running at once; "
	  "past it that address is answered \"Too many sign-ins in progress from your address. Try again "
	  "in N s.\" The default, twice the default auth_workers, lets one address keep every thread "
	  "busy but never hold the queue, so one address's flood delays others' logins by a few "
	  "hashes at most. Work for a client that has gone is dropped before it is hashed." },
	{ "auth_register_ip_limit", CT_INT, OFF(auth_register_ip_limit), 0, 1, 1000000, "10", CF_RELOAD, "registrations",
	  "Registrations from one address (an IPv6 address: its /64) in auth_register_window_s, "
	  "successful ones included, after "
	  "which it is answered \"Too many registrations from your address. Try again later.\" without "
	  "hashing. Each costs one hash (0.4 to 1 s of a core at the default costs) and an account, "
	  "so the default bounds one address to 240 accounts a day. Behind a reverse proxy set "
	  "trusted_proxies, or everyone shares the proxy's address; raise it where many users "
	  "share one address (a school's NAT)." },
	{ "auth_register_window_s", CT_INT, OFF(auth_register_window_s), 0, 1, 604800, "3600", CF_RELOAD, "seconds",
	  "Window in which registrations per address are counted." },
	{ "auth_memory_limit_mb", CT_INT, OFF(auth_memory_limit_mb), 0, 1, 65536, "512", CF_RELOAD, "MiB",
	  "Ceiling on auth_workers x argon2_memory_kib, checked when the configuration is read." },
	{ "session_lifetime_s", CT_INT, OFF(session_lifetime_s), 0, 60, 31536000, "1209600", CF_RELOAD, "seconds",
	  "Life of a session after its last use (rolling); also the cookie's Max-Age." },
	{ "session_sweep_interval_s", CT_INT, OFF(session_sweep_interval_s), 0, 1, 86400, "600", CF_RELOAD,
	  "seconds",
	  "How often sessions past their expiry are deleted from the database (revoked ones stay until "
	  "they expire too)." },
	{ "session_sweep_batch", CT_INT, OFF(session_sweep_batch), 0, 1, 1000000, "1000", CF_RELOAD, "sessions",
	  "Most expired sessions one sweep deletes; a full batch is followed by another a second later." },
	{ "auth_fail_window_s", CT_INT, OFF(auth_fail_window_s), 0, 1, 86400, "30", CF_RELOAD, "seconds",
	  "Window in which failed authentications are counted." },
	{ "auth_fail_ip_limit", CT_INT, OFF(auth_fail_ip_limit), 0, 1, 1000000, "20", CF_RELOAD, "failures",
	  "Failures from one address in the window after which it must wait." },
	{ "auth_fail_identity_limit", CT_INT, OFF(auth_fail_identity_limit), 0, 1, 1000000, "8", CF_RELOAD, "failures",
	  "Failures from one address for one username (or for session resumes) after which they must wait." },
	{ "auth_jitter_min_ms", CT_INT, OFF(auth_jitter_min_ms), 0, 0, 10000, "20", CF_RELOAD, "milliseconds",
	  "Least random delay before a failed authentication is answered." },
	{ "auth_jitter_max_ms", CT_INT, OFF(auth_jitter_max_ms), 0, 0, 10000, "80", CF_RELOAD, "milliseconds",
	  "Most random delay before a failed authentication is answered." },
	{ "trusted_proxies", CT_LIST, OFF(trusted_proxies), OFF(ntrusted_proxies), 0, 0, "", CF_RELOAD, "address ...",
	  "Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed. "
	  "The client's address is then the right-most X-Forwarded-For entry that is not a trusted proxy.",
	  check_ip },
	{ "metrics_listen", CT_STRING, OFF(metrics_listen), 0, 0, 0, "", 0, "address:port",
	  "Serve Prometheus metrics (GET /metrics, plain HTTP, nothing else) on this address of its own, "
	  "as 127.0.0.1:9464. Empty: no such listener. Whoever reaches the address can read the metrics, "
	  "so keep it on loopback or a private network.",
	  check_listen_opt },
	{ "metrics_allow", CT_LIST, OFF(metrics_allow), OFF(nmetrics_allow), 0, 0, "", CF_RELOAD, "address ...",
	  "Peer addresses allowed to read GET /metrics on the main listeners (the connection's own "
	  "address; X-Forwarded-For is not consulted). Empty: /metrics answers 404 there.",
	  check_ip },
	{ "grid_size", CT_INT, OFF(grid_size), 0, 1, 10000, "41", 0, "cells",
	  "Side of the square grid; cells run from 0 to grid_size - 1." },
	{ "movement_tick_ms", CT_INT, OFF(movement_tick_ms), 0, 10, 10000, "200", 0, "milliseconds",
	  "Length of a movement window (clients pace their steps by it)." },
	{ "movement_max_steps_per_tick", CT_INT, OFF(movement_max_steps_per_tick), 0, 1, 100, "1", 0, "steps",
	  "Steps (Chebyshev distance) a user may move in one movement window, on average." },
	{ "movement_burst_ticks", CT_INT, OFF(movement_burst_ticks), 0, 1, 100, "4", 0, "windows",
	  "Movement windows' worth of steps a user may save up by standing still, and so take at "
	  "once: moves that a slow network or a busy server bunches together are still accepted, "
	  "while a client that moves faster than the windows allow is held to the rate. "
	  "With the defaults, a walker's moves may arrive up to about half a second unevenly; "
	  "while the server's own loop runs late, the reserve grows by the windows it is behind." },
	{ "interest_radius", CT_INT, OFF(interest_radius), 0, 0, 10000, "0", 0, "cells",
	  "Users farther apart than this (Chebyshev distance) do not see each other's moves, nicknames, "
	  "teleports and sounds; 0 means the whole world, as the reference." },
	{ "chat_burst", CT_INT, OFF(chat_burst), 0, 1, 1000, "8", CF_RELOAD, "messages",
	  "Chat messages a user may send at once." },
	{ "chat_per_minute", CT_INT, OFF(chat_per_minute), 0, 1, 60000, "60", CF_RELOAD, "messages",
	  "Chat messages a user may send per minute on average." },
	{ "max_signal_bytes", CT_INT, OFF(max_signal_bytes), 0, 256, 1048576, "65536", CF_RELOAD, "bytes",
	  "Largest sdp or ice payload of the SFU voice messages (voice_offer, voice_answer, voice_ice), "
	  "and a ceiling on signal_max_sdp_bytes and signal_max_ice_bytes." },
	{ "signal_max_sdp_bytes", CT_INT, OFF(signal_max_sdp_bytes), 0, 256, 1048576, "16384", CF_RELOAD, "bytes",
	  "Largest sdp of a signal message between browsers (its JSON text). The web client's offer from "
	  "Chromium 156 measured 1.6 KB with one candidate inline (about 100 bytes more for each further one); "
	  "the default leaves four times a 4 KB offer." },
	{ "signal_max_ice_bytes", CT_INT, OFF(signal_max_ice_bytes), 0, 64, 1048576, "2048", CF_RELOAD, "bytes",
	  "Largest ice of a signal message between browsers (its JSON text). A Chromium 156 host candidate "
	  "measured 209 bytes; the default leaves room for long IPv6 and relay candidates, four times over." },
	{ "signal_pair_burst", CT_INT, OFF(signal_pair_burst), 0, 1, 100000, "60", CF_RELOAD, "messages",
	  "Signal messages one user may send to one other user at once: a negotiation is an offer or answer "
	  "and a few candidates, about 10 to 20 messages." },
	{ "signal_pair_per_minute", CT_INT, OFF(signal_pair_per_minute), 0, 1, 1000000, "120", CF_RELOAD, "messages",
	  "Signal messages one user may send to one other user per minute on average." },
	{ "signal_pair_bytes_per_minute", CT_INT, OFF(signal_pair_bytes_per_minute), 0, 1024, 1073741824, "131072",
	  CF_RELOAD, "bytes",
	  "Bytes of sdp and ice one user may send to one other user per minute on average, with as much "
	  "again at once. A signal past this budget or signal_pair_per_minute is refused with an error to "
	  "the sender (and counts as a bad message, so a flooder is disconnected); it never reaches the "
	  "target, and neither does one that would fill more than half of the target's max_output_bytes." },
	{ "state_debounce_ms", CT_INT, OFF(state_debounce_ms), 0, 0, 600000, "1000", CF_RELOAD, "milliseconds",
	  "A user's position and nickname are saved this long after their last change..." },
	{ "state_max_delay_ms", CT_INT, OFF(state_max_delay_ms), 0, 0, 600000, "5000", CF_RELOAD, "milliseconds",
	  "... or at the latest this long after the first unsaved change (and always at disconnect and shutdown)." },
	{ "ice_server", CT_LIST, OFF(ice_servers), OFF(nice_servers), 0, 0, "", CF_RELOAD, "url ...",
	  "STUN or TURN server URL handed to clients for WebRTC, as in stun:stun.example.org:3478 or "
	  "turn:turn.example.org:3478?transport=udp. Repeat for several.",
	  check_ice },
	{ "turn_secret", CT_STRING, OFF(turn_secret), 0, 0, 0, "", CF_RELOAD, "secret",
	  "Shared secret of a TURN server using the REST API scheme (coturn's use-auth-secret): each welcome "
	  "then carries short-lived credentials for the turn: URLs." },
	{ "turn_ttl_s", CT_INT, OFF(turn_ttl_s), 0, 60, 604800, "86400", CF_RELOAD, "seconds",
	  "Lifetime of TURN credentials." },
	{ "voice_mode", CT_STRING, OFF(voice_mode), 0, 0, 0, "mesh", 0, "mesh|sfu|auto",
	  "How voice travels. mesh: every browser sends its microphone to every other browser in hearing range, "
	  "as the reference (no other service needed). sfu: each browser sends one stream to a Janus server "
	  "(janus_url) and receives the voices in its hearing range from it. auto: mesh while fewer than "
	  "voice_sfu_threshold people are in anyone's hearing range in an area, the SFU above that. See docs/voice.md.",
	  check_voice_mode },
	{ "voice_sfu_threshold", CT_INT, OFF(voice_sfu_threshold), 0, 1, 100000, "8", CF_RELOAD, "people",
	  "With voice_mode auto: an area switches to the SFU when someone in it has this many others in hearing "
	  "range, and back to the mesh when everyone there has at most this number less two (after 10 s at least)." },
	{ "voice_sfu_area", CT_INT, OFF(voice_sfu_area), 0, 0, 10000, "0", 0, "cells",
	  "Side of the square areas the grid is cut into for the SFU: each area has a room of its own, on the "
	  "janus_url instances in turn (area number modulo their count). 0 makes the whole grid one area." },
	{ "janus_url", CT_LIST, OFF(janus_urls), OFF(njanus_urls), 0, 0, "", 0, "url ...",
	  "HTTP API address of a Janus instance with the VideoRoom plugin, as in http://127.0.0.1:8088/janus. "
	  "Repeat for several instances: areas are spread over them. Read at start-up. Browsers must reach the "
	  "instances' media ports; only chatgridd talks to the API.",
	  check_http_url },
	{ "janus_api_secret", CT_STRING, OFF(janus_api_secret), 0, 0, 0, "", 0, "secret",
	  "The api_secret of the Janus instances (janus.jcfg), sent with every request." },
	{ "janus_admin_key", CT_STRING, OFF(janus_admin_key), 0, 0, 0, "", 0, "key",
	  "The VideoRoom plugin's admin_key, needed to create rooms when the plugin has one." },
	{ "janus_room_base", CT_INT, OFF(janus_room_base), 0, 1, 2000000000, "1000", 0, "number",
	  "Number of the room of area 0; area n uses janus_room_base + n. Rooms found in the way at start-up "
	  "are destroyed and made again, so give each chatgridd sharing a Janus a range of its own." },
	{ "janus_timeout_ms", CT_INT, OFF(janus_timeout_ms), 0, 500, 600000, "5000", CF_RELOAD, "milliseconds",
	  "Time Janus has to answer a request before the instance is taken for down (and retried every second)." },
	{ "plugin_dir", CT_STRING, OFF(plugin_dir), 0, 0, 0, PKGLIBDIR "/plugins", 0, "directory",
	  "Directory of item plugins: each .so file in it is loaded into a chatgrid-itemhost process of its own "
	  "at start-up. SIGHUP loads files added since." },
	{ "itemhost", CT_STRING, OFF(itemhost), 0, 0, 0, PKGLIBEXECDIR "/chatgrid-itemhost", 0, "file",
	  "The plugin host program." },
	{ "plugin_timeout_ms", CT_INT, OFF(plugin_timeout_ms), 0, 100, 600000, "3000", CF_RELOAD, "milliseconds",
	  "Time a plugin has to answer a request. A plugin that does not is killed and restarted, and the "
	  "user is told that the item is temporarily unavailable." },
	{ "plugin_restart_max_backoff_ms", CT_INT, OFF(plugin_restart_max_backoff_ms), 0, 100, 3600000, "30000",
	  CF_RELOAD, "milliseconds",
	  "Longest wait before restarting a plugin that keeps failing (the wait starts at 200 ms and doubles)." },
	{ "plugin_option", CT_LIST, OFF(plugin_options), OFF(nplugin_options), 0, 0, "", CF_RELOAD, "plugin.key=value ...",
	  "An option handed to a plugin when its host starts, as in dice.seed=7 for dice.so. Repeat for several.",
	  check_plugin_option },
	{ "item_interest_radius", CT_INT, OFF(item_interest_radius), 0, 0, 10000, "24", 0, "cells",
	  "A user is sent the items within this many cells (Chebyshev distance) of where they stand: in the "
	  "welcome, as they come into range, and their changes; an item that goes out of range is sent as "
	  "item_remove. The default is the clients' hearing range (20) and their voice connection margin (4). "
	  "0 means the whole world, as the reference (each login then costs time in proportion to the "
	  "world's items)." },
	{ "item_batch_bytes", CT_INT, OFF(item_batch_bytes), 0, 16384, 16777216, "262144", CF_RELOAD, "bytes",
	  "Most bytes of items in a welcome (the nearest first); the rest of the items in range follow as "
	  "item_upsert messages, at most this many bytes per client every 50 ms and only while the client's "
	  "output queue is under a quarter of max_output_bytes. Never more than a quarter of max_output_bytes, "
	  "so a large world cannot make a login fail." },
	{ "max_item_params_bytes", CT_INT, OFF(max_item_params_bytes), 0, 1024, 1048576, "16384", CF_RELOAD, "bytes",
	  "Largest item parameters, measured as the JSON text clients receive (escapes included). An edit "
	  "past it is refused. The bundled types' largest legitimate parameters (a widget with two 2,048-character "
	  "sound URLs) take about 4.5 KB." },
	{ "max_items", CT_INT, OFF(max_items), 0, 0, 10000000, "10000", CF_RELOAD, "items",
	  "Most items the world may hold; 0 means no limit." },
	{ "max_items_per_account", CT_INT, OFF(max_items_per_account), 0, 0, 10000000, "500", CF_RELOAD, "items",
	  "Most items one account may own (placed or given to it); 0 means no limit." },
	{ "item_save_debounce_ms", CT_INT, OFF(item_save_debounce_ms), 0, 0, 600000, "200", CF_RELOAD, "milliseconds",
	  "Item changes are written to the database this long after the last one..." },
	{ "item_save_max_delay_ms", CT_INT, OFF(item_save_max_delay_ms), 0, 0, 600000, "1000", CF_RELOAD, "milliseconds",
	  "... or at the latest this long after the first unsaved one (and always at shutdown)." },
	{ "item_delete_backlog_max", CT_INT, OFF(item_delete_backlog_max), 0, 1, 10000000, "10000", CF_RELOAD,
	  "items",
	  "Item deletions held for the database while it is unavailable. At this many, further deletes are "
	  "refused with an error to the user (and a log line) until the database takes the ones held; "
	  "none is dropped." },
	{ "song_account_max_kib", CT_INT, OFF(song_account_max_kib), 0, 0, 16777216, "4096", CF_RELOAD, "KiB",
	  "Most song data (pianos' recordings, as stored JSON) the items of one owner may hold; a recording "
	  "past it is not saved and the owner and the recorder are told. 0 means no limit." },
	{ "media_proxy", CT_BOOL, OFF(media_proxy), 0, 0, 0, "yes", CF_RELOAD, "yes|no",
	  "Serve GET /media?url=..., which relays an http or https audio stream to a logged-in browser "
	  "(for streams whose server does not allow cross-origin playback through Web Audio)." },
	{ "media_allow_private", CT_BOOL, OFF(media_allow_private), 0, 0, 0, "no", CF_RELOAD, "yes|no",
	  "Let the media proxy and the radio fetcher reach loopback, private, link-local and other "
	  "non-public addresses (checked after name resolution). Only for tests and closed networks." },
	{ "media_max_streams", CT_INT, OFF(media_max_streams), 0, 0, 100000, "64", CF_RELOAD, "streams",
	  "Most streams the media proxy relays at once." },
	{ "media_max_streams_per_account", CT_INT, OFF(media_max_streams_per_account), 0, 1, 1000, "4", CF_RELOAD,
	  "streams", "Most streams one account may have relayed at once." },
	{ "media_connect_timeout_ms", CT_INT, OFF(media_connect_timeout_ms), 0, 100, 600000, "10000", CF_RELOAD,
	  "milliseconds", "Time to resolve, connect to and get the response head from a stream's server." },
	{ "media_idle_timeout_ms", CT_INT, OFF(media_idle_timeout_ms), 0, 100, 3600000, "30000", CF_RELOAD,
	  "milliseconds", "A relayed stream that moves no byte for this long is closed." },
	{ "media_max_redirects", CT_INT, OFF(media_max_redirects), 0, 0, 20, "5", CF_RELOAD, "redirects",
	  "Redirects followed for one stream, each target checked again." },
	{ "media_resolv_conf", CT_STRING, OFF(media_resolv_conf), 0, 0, 0, "/etc/resolv.conf", 0, "file",
	  "resolv.conf(5) file whose nameserver (an address, optionally with :port), search and options "
	  "lines the media proxy's resolver uses; /etc/hosts is read as well. Without a readable file "
	  "it asks 127.0.0.1." },
	{ "media_buffer_bytes", CT_INT, OFF(media_buffer_bytes), 0, 4096, 16777216, "262144", CF_RELOAD, "bytes",
	  "Bytes of a stream held for a slow browser before reading from the source pauses." },
	{ "fetch_timeout_ms", CT_INT, OFF(fetch_timeout_ms), 0, 500, 120000, "6000", 0, "milliseconds",
	  "Item plugins that fetch from the network (the radio's now-playing poller) give up on one "
	  "fetch after this long. Item plugins get the fetch_* keys and media_allow_private (as "
	  "fetch_allow_private) as options when their host starts; plugin_option overrides them per plugin." },
	{ "fetch_max_bytes", CT_INT, OFF(fetch_max_bytes), 0, 1024, 16777216, "262144", 0, "bytes",
	  "Most body bytes one such fetch reads (a stream's metadata block must come within them)." },
	{ "fetch_max_redirects", CT_INT, OFF(fetch_max_redirects), 0, 0, 20, "5", 0, "redirects",
	  "Redirects one such fetch follows, each target checked again." },
	{ "fetch_interval_ms", CT_INT, OFF(fetch_interval_ms), 0, 200, 3600000, "10000", 0, "milliseconds",
	  "How often a radio that someone can hear has its now-playing data fetched (failures back off "
	  "from there)." },
	{ "fetch_workers", CT_INT, OFF(fetch_workers), 0, 1, 64, "4", 0, "threads",
	  "Fetches such a plugin runs at once (the radio's worker threads), so one slow server delays "
	  "only its own URL." },
	{ "fetch_queue_max", CT_INT, OFF(fetch_queue_max), 0, 1, 100000, "64", 0, "fetches",
	  "Fetches waiting for a worker at most; more wait for a later tick instead of queueing." },
	{ "fetch_max_per_minute", CT_INT, OFF(fetch_max_per_minute), 0, 1, 1000000, "600", 0, "fetches",
	  "Fetches one plugin host starts per minute at most (a token bucket holding a sixth of it), "
	  "whatever the number of URLs; the radio polls each distinct URL once per interval however "
	  "many radios share it." },
	{ "fetch_account_max_per_minute", CT_INT, OFF(fetch_account_max_per_minute), 0, 1, 1000000, "60", 0,
	  "fetches",
	  "Fetches one account's items start per minute at most (likewise), so one account's radios on "
	  "many URLs cannot take the whole of fetch_max_per_minute." },
	{ "fetch_site_max_per_minute", CT_INT, OFF(fetch_site_max_per_minute), 0, 1, 1000000, "60", 0, "fetches",
	  "Fetches to one web server (a URL's host name, however many URLs on it) per minute at most "
	  "(likewise), so radios cannot be aimed at one site in numbers." },
	{ "db_conninfo", CT_STRING, OFF(db_conninfo), 0, 0, 0, "", 0, "conninfo",
	  "libpq connection string of the PostgreSQL database, as in host=/run/postgresql dbname=chatgrid." },
	{ "db_pool_size", CT_INT, OFF(db_pool_size), 0, 1, 64, "4", 0, "number",
	  "Connections to PostgreSQL." },
	{ "db_statement_timeout_ms", CT_INT, OFF(db_statement_timeout_ms), 0, 100, 600000, "5000", 0, "milliseconds",
	  "Longest a database statement may run." },
	{ "db_connect_timeout_ms", CT_INT, OFF(db_connect_timeout_ms), 0, 100, 600000, "5000", 0, "milliseconds",
	  "Longest a database connection attempt may take." },
};

#define NKEYS (sizeof cfg_keys / sizeof cfg_keys[0])

struct config *cfg;

struct cfg_ctx {
	struct config *c;
	cfg_error_cb err;
	void *arg;
	int nerr;
	int depth;
	unsigned char seen[NKEYS];	/* repeatable keys replace their default on first use */
};

static void
cfg_error(struct cfg_ctx *x, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
cfg_error(struct cfg_ctx *x, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->nerr++;
	if (x->err != NULL)
		x->err(file, line, msg, x->arg);
}

int
cfg_parse_listen(const char *s, struct cfg_listen *l)
{
	const char *colon, *host, *hend;
	char *end;
	long port;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		host = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			return -1;	/* a bare IPv6 address needs brackets */
		host = s;
		hend = colon;
	}
	if ((size_t)(hend - host) >= sizeof l->host)
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535)
		return -1;
	memcpy(l->host, host, (size_t)(hend - host));
	l->host[hend - host] = '\0';
	l->port = (int)port;
	return 0;
}

static int
cfg_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Store one value; returns 0 or -1 after reporting the error. */
static int
cfg_set(struct cfg_ctx *x, const struct cfg_key *k, const char *v, const char *file, int line)
{
	char *field = (char *)x->c + k->off;
	char *end, *copy, *tok, *save = NULL;
	const char *why;
	long long n;
	int b, lvl;
	unsigned mask;
	struct config *c = x->c;

	switch (k->type) {
	case CT_BOOL:
		if (cfg_parse_bool(v, &b) != 0) {
			cfg_error(x, file, line, "%s must be yes or no, not '%s'", k->name, v);
			return -1;
		}
		*(int *)field = b;
		return 0;
	case CT_INT:
	case CT_INT64:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0) {
			cfg_error(x, file, line, "%s must be a number, not '%s'", k->name, v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			cfg_error(x, file, line, "%s must be between %lld and %lld", k->name, k->min, k->max);
			return -1;
		}
		if (k->type == CT_INT)
			*(int *)field = (int)n;
		else
			*(long long *)field = n;
		return 0;
	case CT_STRING:
		if (k->check != NULL && *v != '\0' && (why = k->check(v)) != NULL) {
			cfg_error(x, file, line, "%s '%s' %s", k->name, v, why);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return 0;
	case CT_LISTEN:
		if (c->nlisten == CFG_MAX_LISTEN) {
			cfg_error(x, file, line, "at most %d listen addresses", CFG_MAX_LISTEN);
			return -1;
		}
		if (cfg_parse_listen(v, &c->listen[c->nlisten]) != 0) {
			cfg_error(x, file, line, "listen needs address:port, [ipv6]:port or :port, not '%s'", v);
			return -1;
		}
		c->nlisten++;
		return 0;
	case CT_LIST:
		copy = xstrdup(v);
		for (tok = strtok_r(copy, " \t,", &save); tok != NULL; tok = strtok_r(NULL, " \t,", &save)) {
			int *count = (int *)((char *)c + k->off_n);

			if (k->check != NULL && (why = k->check(tok)) != NULL) {
				cfg_error(x, file, line, "%s entry '%s' %s", k->name, tok, why);
				continue;
			}
			if (*count == CFG_MAX_LIST) {
				cfg_error(x, file, line, "%s holds at most %d entries", k->name, CFG_MAX_LIST);
				free(copy);
				return -1;
			}
			((char **)field)[(*count)++] = xstrdup(tok);
		}
		free(copy);
		return 0;
	case CT_LEVEL:
		if ((lvl = log_level_parse(v)) < 0) {
			cfg_error(x, file, line, "log_level must be error, warn, notice, info or debug, not '%s'", v);
			return -1;
		}
		*(int *)field = lvl;
		return 0;
	case CT_LOGDEST:
		if (strcasecmp(v, "stderr") == 0)
			*(int *)field = 0;
		else if (strcasecmp(v, "syslog") == 0)
			*(int *)field = 1;
		else {
			cfg_error(x, file, line, "log_destination must be stderr or syslog, not '%s'", v);
			return -1;
		}
		return 0;
	case CT_TRACE:
		if (log_trace_parse(v, &mask) != 0) {
			cfg_error(x, file, line, "trace takes ws, http, db, plugin, tick, proto or all, not '%s'", v);
			return -1;
		}
		*(unsigned *)field = mask;
		return 0;
	}
	return -1;
}

static const char *
check_origin(const char *v)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return "must start with http:// or https://";
	return NULL;
}

static const char *
check_ip(const char *v)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1)
		return "is not an IP address";
	return NULL;
}

static const char *
check_ice(const char *v)
{
	if (strncmp(v, "stun:", 5) != 0 && strncmp(v, "stuns:", 6) != 0 &&
	    strncmp(v, "turn:", 5) != 0 && strncmp(v, "turns:", 6) != 0)
		return "must be a stun:, stuns:, turn: or turns: URL";
	return NULL;
}

static const char *
check_plugin_option(const char *v)
{
	const char *dot = strchr(v, '.'), *eq = strchr(v, '=');

	if (dot == NULL || eq == NULL || dot == v || eq < dot || eq == dot + 1)
		return "must be plugin.key=value";
	return NULL;
}

static const char *
check_base_path(const char *v)
{
	const char *p;
	size_t n = strlen(v);

	if (n == 0 || v[0] != '/' || v[n - 1] != '/')
		return "must start and end with /";
	if (n > 200)
		return "is longer than 200 characters";
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("/-._~!$&'()*+,;=:@", *p) == NULL)
			return "may hold only letters, digits, / and -._~!$&'()*+,;=:@";
		if (*p == '/' && (p[1] == '/' || p[1] == '.'))
			return "may not hold an empty segment or one starting with a dot";
	}
	return NULL;
}

static const char *
check_voice_mode(const char *v)
{
	if (strcmp(v, "mesh") != 0 && strcmp(v, "sfu") != 0 && strcmp(v, "auto") != 0)
		return "must be mesh, sfu or auto";
	return NULL;
}

static const char *
check_http_url(const char *v)
{
	if (strncmp(v, "http://", 7) != 0 || v[7] == '\0' || v[7] == '/')
		return "must be an http:// URL";
	return NULL;
}

static const char *
check_listen_opt(const char *v)
{
	struct cfg_listen l;

	if (v[0] == '\0' || cfg_parse_listen(v, &l) == 0)
		return NULL;
	return "must be address:port";
}

static const struct cfg_key *
cfg_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

static void
cfg_clear_repeatable(struct config *c, const struct cfg_key *k)
{
	int i;

	char **list = (char **)((char *)c + k->off);
	int *count = (int *)((char *)c + k->off_n);

	if (k->type == CT_LISTEN)
		c->nlisten = 0;
	else if (k->type == CT_LIST) {
		for (i = 0; i < *count; i++)
			free(list[i]);
		*count = 0;
	}
}

static void cfg_read_file(struct cfg_ctx *, const char *path, const char *from, int fromline);

static void
cfg_line(struct cfg_ctx *x, char *s, const char *file, int line)
{
	char *kw, *v, *e;
	const struct cfg_key *k;
	char *dir, *inc;
	const char *slash;
	int inq;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return;
	/*
	 * A "#" after white space starts a comment; inside a word it is data
	 * (URLs), and so is anything between double quotes.
	 */
	for (e = s, inq = 0; *e != '\0'; e++) {
		if (*e == '"')
			inq = !inq;
		else if (!inq && *e == '#' && isspace((unsigned char)e[-1])) {
			*e = '\0';
			break;
		}
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	kw = s;
	while (*s != '\0' && !isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	while (isspace((unsigned char)*s))
		s++;
	v = s;
	if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
		v[strlen(v) - 1] = '\0';
		v++;
	}

	if (strcmp(kw, "include") == 0) {
		if (*v == '\0') {
			cfg_error(x, file, line, "include needs a file name");
			return;
		}
		if (*v == '/' || (slash = strrchr(file, '/')) == NULL)
			inc = xstrdup(v);
		else {
			dir = xstrndup(file, (size_t)(slash - file));
			xasprintf(&inc, "%s/%s", dir, v);
			free(dir);
		}
		cfg_read_file(x, inc, file, line);
		free(inc);
		return;
	}
	if ((k = cfg_find(kw)) == NULL) {
		cfg_error(x, file, line, "unknown keyword '%s'", kw);
		return;
	}
	if (*v == '\0' && k->type != CT_STRING && k->type != CT_LIST && k->type != CT_TRACE) {
		cfg_error(x, file, line, "%s needs a value", kw);
		return;
	}
	if ((k->type == CT_LISTEN || k->type == CT_LIST) && !x->seen[k - cfg_keys]) {
		cfg_clear_repeatable(x->c, k);
		x->seen[k - cfg_keys] = 1;
	}
	cfg_set(x, k, v, file, line);
}

static void
cfg_read_file(struct cfg_ctx *x, const char *path, const char *from, int fromline)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int line = 0;

	if (x->depth >= 8) {
		cfg_error(x, from, fromline, "includes nested too deeply at '%s'", path);
		return;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (from != NULL)
			cfg_error(x, from, fromline, "cannot open '%s': %s", path, strerror(errno));
		else
			cfg_error(x, path, 0, "cannot open: %s", strerror(errno));
		return;
	}
	x->depth++;
	while ((n = getline(&buf, &cap, f)) != -1) {
		line++;
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			cfg_error(x, path, line, "NUL byte in line");
			continue;
		}
		cfg_line(x, buf, path, line);
	}
	free(buf);
	fclose(f);
	x->depth--;
}

struct config *
cfg_defaults(void)
{
	struct cfg_ctx x;
	size_t i;
	char *v;

	memset(&x, 0, sizeof x);
	x.c = xcalloc(1, sizeof *x.c);
	for (i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].def[0] == '\0' && cfg_keys[i].type != CT_STRING)
			continue;
		v = xstrdup(cfg_keys[i].def);
		if (cfg_set(&x, &cfg_keys[i], v, "default", 0) != 0)
			fatalx("bad default for %s", cfg_keys[i].name);
		free(v);
	}
	return x.c;
}

struct config *
cfg_load(const char *path, cfg_error_cb err, void *arg)
{
	struct cfg_ctx x;

	memset(&x, 0, sizeof x);
	x.c = cfg_defaults();
	x.err = err;
	x.arg = arg;
	x.c->path = xstrdup(path);
	cfg_read_file(&x, path, NULL, 0);
	x.nerr += cfg_check(x.c, err, arg);
	if (x.nerr > 0) {
		cfg_free(x.c);
		return NULL;
	}
	return x.c;
}

int
cfg_check(const struct config *c, cfg_error_cb err, void *arg)
{
	struct cfg_ctx x;
	const char *f = c->path != NULL ? c->path : "default";
	struct stat st;

	memset(&x, 0, sizeof x);
	x.err = err;
	x.arg = arg;
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0'))
		cfg_error(&x, f, 0, "tls_cert and tls_key must be given together");
	if (c->tls_cert[0] == '\0' && !c->allow_insecure)
		cfg_error(&x, f, 0, "no TLS certificate: set tls_cert and tls_key, or allow_insecure yes for plain http");
	if (c->tls_cert[0] != '\0' && access(c->tls_cert, R_OK) != 0)
		cfg_error(&x, f, 0, "tls_cert '%s' cannot be read: %s", c->tls_cert, strerror(errno));
	if (c->tls_key[0] != '\0' && access(c->tls_key, R_OK) != 0)
		cfg_error(&x, f, 0, "tls_key '%s' cannot be read: %s", c->tls_key, strerror(errno));
	if (stat(c->www_root, &st) != 0 || !S_ISDIR(st.st_mode))
		cfg_error(&x, f, 0, "www_root '%s' is not a directory", c->www_root);
	if (c->nlisten == 0)
		cfg_error(&x, f, 0, "no listen address");
	if (c->auth_jitter_min_ms > c->auth_jitter_max_ms)
		cfg_error(&x, f, 0, "auth_jitter_min_ms must not exceed auth_jitter_max_ms");
	if (strcmp(c->voice_mode, "mesh") != 0 && c->njanus_urls == 0)
		cfg_error(&x, f, 0, "voice_mode %s needs at least one janus_url", c->voice_mode);
	if ((long long)c->auth_workers * c->argon2_memory_kib > (long long)c->auth_memory_limit_mb * 1024)
		cfg_error(&x, f, 0, "auth_workers x argon2_memory_kib (%lld MiB) exceeds auth_memory_limit_mb (%d)",
		    (long long)c->auth_workers * c->argon2_memory_kib / 1024, c->auth_memory_limit_mb);
	return x.nerr;
}

void
cfg_keep_restart_keys(struct config *n, const struct config *o, void (*note)(const char *key))
{
	size_t i;
	const struct cfg_key *k;
	char *nf;
	const char *of;

	for (i = 0; i < NKEYS; i++) {
		k = &cfg_keys[i];
		if (k->flags & CF_RELOAD)
			continue;
		nf = (char *)n + k->off;
		of = (const char *)o + k->off;
		switch (k->type) {
		case CT_STRING:
			if (strcmp(*(char **)nf, *(char *const *)of) == 0)
				continue;
			free(*(char **)nf);
			*(char **)nf = xstrdup(*(char *const *)of);
			break;
		case CT_LISTEN:
			if (n->nlisten == o->nlisten &&
			    memcmp(n->listen, o->listen, sizeof n->listen[0] * (size_t)n->nlisten) == 0)
				continue;
			memcpy(n->listen, o->listen, sizeof n->listen);
			n->nlisten = o->nlisten;
			break;
		case CT_INT64:
			if (*(long long *)nf == *(const long long *)of)
				continue;
			*(long long *)nf = *(const long long *)of;
			break;
		case CT_LIST:
			continue;	/* every list key is reloadable */
		default:
			if (*(int *)nf == *(const int *)of)
				continue;
			*(int *)nf = *(const int *)of;
			break;
		}
		note(k->name);
	}
}

void
cfg_free(struct config *c)
{
	size_t i;
	int j;

	if (c == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].type == CT_STRING)
			free(*(char **)((char *)c + cfg_keys[i].off));
		if (cfg_keys[i].type == CT_LIST)
			for (j = 0; j < *(int *)((char *)c + cfg_keys[i].off_n); j++)
				free(((char **)((char *)c + cfg_keys[i].off))[j]);
	}
	free(c->path);
	free(c);
}

static const char *
cfg_type_name(const struct cfg_key *k)
{
	return k->arg;
}

/* mdoc-escape a help string: a leading dot or a backslash would be markup. */
static void
cfg_man_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else
			fputc(*s, f);
	}
}

/*
 * A default value for .Ql: escaped as help text is, and a long one (a cipher
 * list) may break after its colons and commas, which a line cannot hold whole.
 */
static void
cfg_man_value(FILE *f, const char *s)
{
	int breakable = strlen(s) > 60;

	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else
			fputc(*s, f);
		if (breakable && (*s == ':' || *s == ','))
			fputs("\\:", f);
	}
}

void
cfg_write_man(FILE *f)
{
	size_t i;

	fputs(".Bl -tag -width Ds\n", f);
	for (i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		fprintf(f, ".It Ic %s Ar %s\n", k->name, cfg_type_name(k));
		cfg_man_text(f, k->help);
		fputc('\n', f);
		if (k->type == CT_INT || k->type == CT_INT64)
			fprintf(f, "Range %lld to %lld.\n", k->min, k->max);
		if (k->def[0] != '\0') {
			fputs("Default:\n.Ql ", f);
			cfg_man_value(f, k->def);
			fputs(" .\n", f);
		} else
			fputs("Default: empty.\n", f);
		if (k->flags & CF_RELOAD)
			fputs("Changes take effect on\n.Dv SIGHUP .\n", f);
		if (k->type == CT_LISTEN || k->type == CT_LIST)
			fputs("May be repeated.\n", f);
	}
	fputs(".El\n", f);
}

void
cfg_write_sample(FILE *f)
{
	size_t i;
	const char *h, *sp;
	int col;

	fputs("# chatgridd.conf: every key with its default. See chatgridd.conf(5).\n"
	    "# Lines are \"keyword value\"; \"#\" starts a comment; \"include FILE\" reads another file.\n", f);
	for (i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		fputs("\n#", f);
		col = 1;
		/* Wrap the help text at about 78 columns. */
		for (h = k->help; *h != '\0'; h = sp) {
			while (*h == ' ')
				h++;
			sp = strchr(h, ' ');
			if (sp == NULL)
				sp = h + strlen(h);
			if (col + 1 + (sp - h) > 78) {
				fputs("\n#", f);
				col = 1;
			}
			fprintf(f, " %.*s", (int)(sp - h), h);
			col += 1 + (int)(sp - h);
		}
		fprintf(f, "\n#%s %s\n", k->name, k->def);
	}
}
