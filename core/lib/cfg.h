/* cfg.h: the configuration file. Every key is declared once in the table in cfg.c. */
#ifndef CG_CFG_H
#define CG_CFG_H

#include <stddef.h>
#include <stdio.h>

#define CFG_MAX_LISTEN 16
#define CFG_MAX_LIST 64

struct cfg_listen {
	char host[256];		/* literal address or name; "" for any */
	int port;
};

/* A parsed configuration. Strings are owned by the struct (cfg_free). */
struct config {
	char *path;			/* file it was read from, or NULL for defaults */

	struct cfg_listen listen[CFG_MAX_LISTEN];
	int nlisten;
	char *tls_cert;
	char *tls_key;
	char *tls_ciphers;
	int allow_insecure;
	char *allowed_origins[CFG_MAX_LIST];
	int nallowed_origins;
	char *www_root;
	char *web_base_paths[CFG_MAX_LIST];
	int nweb_base_paths;
	long long max_message_bytes;
	int max_connections;
	long long max_output_bytes;
	int log_level;
	int log_syslog;
	unsigned trace;
	char *pid_file;
	int tick_ms;
	int handshake_timeout_ms;
	int idle_timeout_ms;
	int ws_ping_interval_ms;
	int ws_pong_timeout_ms;
	int json_max_depth;
	int msg_rate;
	int msg_burst;
	int max_bad_messages;

	/* accounts and sessions */
	int username_min_length;
	int username_max_length;
	int password_min_length;
	int password_max_length;
	int argon2_time_cost;
	int argon2_memory_kib;
	int argon2_parallelism;
	int auth_workers;
	int auth_queue;
	int auth_hash_ip_limit;
	int auth_register_ip_limit;
	int auth_register_window_s;
	int auth_memory_limit_mb;
	int session_lifetime_s;
	int session_sweep_interval_s;
	int session_sweep_batch;
	int auth_fail_window_s;
	int auth_fail_ip_limit;
	int auth_fail_identity_limit;
	int auth_jitter_min_ms;
	int auth_jitter_max_ms;
	char *trusted_proxies[CFG_MAX_LIST];
	int ntrusted_proxies;
	char *metrics_listen;		/* "" for none */
	char *metrics_allow[CFG_MAX_LIST];
	int nmetrics_allow;

	/* the world */
	int grid_size;
	int movement_tick_ms;
	int movement_max_steps_per_tick;
	int movement_burst_ticks;
	int interest_radius;
	int chat_burst;
	int chat_per_minute;
	int max_signal_bytes;
	int signal_max_sdp_bytes;
	int signal_max_ice_bytes;
	int signal_pair_burst;
	int signal_pair_per_minute;
	int signal_pair_bytes_per_minute;
	int item_interest_radius;
	int item_batch_bytes;
	int max_item_params_bytes;
	int state_debounce_ms;
	int state_max_delay_ms;
	char *ice_servers[CFG_MAX_LIST];
	int nice_servers;
	char *turn_secret;
	int turn_ttl_s;

	/* voice through a Janus SFU (voice.c, janus.c) */
	char *voice_mode;		/* "mesh", "sfu" or "auto" */
	int voice_sfu_threshold;
	int voice_sfu_area;
	char *janus_urls[CFG_MAX_LIST];
	int njanus_urls;
	char *janus_api_secret;
	char *janus_admin_key;
	int janus_room_base;
	int janus_timeout_ms;

	/* items and their plugins */
	char *plugin_dir;
	char *itemhost;
	int plugin_timeout_ms;
	int plugin_restart_max_backoff_ms;
	char *plugin_options[CFG_MAX_LIST];
	int nplugin_options;
	int max_items;
	int max_items_per_account;
	int item_save_debounce_ms;
	int item_save_max_delay_ms;
	int item_delete_backlog_max;
	int song_account_max_kib;

	/* the media proxy and the stream fetcher */
	int media_proxy;
	int media_allow_private;
	int media_max_streams;
	int media_max_streams_per_account;
	int media_connect_timeout_ms;
	int media_idle_timeout_ms;
	int media_max_redirects;
	char *media_resolv_conf;
	int fetch_timeout_ms;
	int fetch_max_bytes;
	int fetch_max_redirects;
	int fetch_interval_ms;
	int fetch_workers;
	int fetch_queue_max;
	int fetch_max_per_minute;
	int fetch_account_max_per_minute;
	int fetch_site_max_per_minute;
	int media_buffer_bytes;

	char *db_conninfo;
	int db_pool_size;
	int db_statement_timeout_ms;
	int db_connect_timeout_ms;
};

/* The configuration in force; replaced on SIGHUP for the reloadable keys. */
extern struct config *cfg;

/* Reports one problem: file, line (0 if none) and message. */
typedef void (*cfg_error_cb)(const char *file, int line, const char *msg, void *arg);

/* Defaults for every key; never fails. */
struct config *cfg_defaults(void);
/*
 * Read path over the defaults. Every problem goes to err; returns the config,
 * or NULL when there was at least one error.
 */
struct config *cfg_load(const char *path, cfg_error_cb err, void *arg);
/* Check cross-key rules (TLS or allow_insecure, ...); returns the number of errors. */
int cfg_check(const struct config *, cfg_error_cb err, void *arg);
void cfg_free(struct config *);
/*
 * After a reload: put back into n the old value of every key that only a
 * restart can change, calling note(key) for each that differed.
 */
void cfg_keep_restart_keys(struct config *n, const struct config *o, void (*note)(const char *key));
/* Write the mdoc key list (for chatgridd.conf(5)) or a commented default file. */
void cfg_write_man(FILE *);
void cfg_write_sample(FILE *);
/* Parse "host:port", "[v6]:port" or ":port"; 0 on success. */
int cfg_parse_listen(const char *, struct cfg_listen *);

#endif
