/*
 * sync.c: accounts kept in step across daemons sharing one database.
 * A NOTIFY chatgrid_account (from chatgridctl or another daemon) makes the
 * connected accounts concerned be read again; a failed read is retried for
 * everyone a little later.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "admin-int.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "daemon.h"
#include "db/db.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"

/* --- changes made outside this daemon (chatgridctl, another daemon) --- */

/*
 * chatgridctl sends NOTIFY chatgrid_account, '<id>' when it changes an
 * account; on such a notice (or, with no payload, after the listening
 * connection came back and notices may have been missed) the connected
 * accounts concerned are read again and their connections brought in line:
 * closed when the account is gone, disabled or its session revoked, and
 * told their permissions when their role changed.
 */
static int
connected(int64_t account)
{
	const struct client *c;

	TAILQ_FOREACH(c, &clients, entry)
		if (c->state == CS_WS && c->session->authed && c->session->account_id == account)
			return 1;
	return 0;
}

#define REFRESH_RETRY_S 5
static struct event *refresh_retry;

static void
refresh_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	admin_account_notice(NULL, arg);
}

void
admin_refresh_free(void)
{
	if (refresh_retry != NULL)
		event_free(refresh_retry);
	refresh_retry = NULL;
}

static void
account_refresh_cb(const PGresult *res, const char *error, void *arg)
{
	struct json_object *ids = arg;
	struct client *c, *next;
	const char *status, *sessions;
	char needle[68];
	int64_t id;
	size_t k, nids = json_object_array_length(ids);
	int i, n, row;
	uint64_t mask;

	if (error != NULL) {
		/* The notice came once: try again, for everyone, a little later. */
		log_warn("cannot refresh accounts changed elsewhere (again in %d s): %s", REFRESH_RETRY_S, error);
		json_object_put(ids);
		if (refresh_retry == NULL)
			refresh_retry = evtimer_new(cg_base, refresh_retry_cb, NULL);
		if (refresh_retry != NULL && !evtimer_pending(refresh_retry, NULL)) {
			struct timeval tv = { REFRESH_RETRY_S, 0 };

			evtimer_add(refresh_retry, &tv);
		}
		return;
	}
	n = PQntuples(res);
	for (k = 0; k < nids; k++) {
		id = json_object_get_int64(json_object_array_get_idx(ids, k));
		for (row = -1, i = 0; i < n; i++)
			if (strtoll(PQgetvalue(res, i, 0), NULL, 10) == id)
				row = i;
		for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (c->state != CS_WS || !c->session->authed || c->session->account_id != id)
				continue;
			if (row < 0) {
				log_notice("account %lld was deleted elsewhere; closing %s", (long long)id, c->id);
				admin_mark_deleted(c, NULL);
				admin_refuse_and_close(c, "Account deleted.");
				continue;
			}
			status = PQgetvalue(res, row, 1);
			if (strcmp(status, "active") != 0) {
				log_notice("account %lld was disabled elsewhere; closing %s", (long long)id, c->id);
				admin_refuse_and_close(c, "Account is disabled.");
				continue;
			}
			/* Revoked sessions as ",hash,hash," so that a whole hash is matched. */
			sessions = PQgetvalue(res, row, 4);
			snprintf(needle, sizeof needle, ",%s,", c->session->token_hash);
			if (c->session->token_hash[0] != '\0' && strstr(sessions, needle) != NULL) {
				log_notice("session of account %lld was revoked elsewhere; closing %s", (long long)id,
				    c->id);
				admin_refuse_and_close(c, "Session has been revoked.");
				continue;
			}
			mask = perm_mask_from_list(PQgetvalue(res, row, 3));
			if (mask != c->session->perms || strcmp(c->session->role, PQgetvalue(res, row, 2)) != 0) {
				snprintf(c->session->role, sizeof c->session->role, "%.32s", PQgetvalue(res, row, 2));
				c->session->perms = mask;
				auth_send_permissions(c);
			}
		}
	}
	json_object_put(ids);
}

void
admin_account_notice(const char *payload, void *arg)
{
	struct json_object *ids = json_object_new_array();
	struct client *c;
	struct printbuf *pb, *tb;
	const char *v[2];
	char *end;
	long long id;
	size_t i, n;

	(void)arg;
	if (payload != NULL) {
		errno = 0;
		id = strtoll(payload, &end, 10);
		if (end == payload || *end != '\0' || errno != 0 || id <= 0) {
			log_warn("NOTIFY chatgrid_account with a payload that is no account id: \"%.40s\"", payload);
			json_object_put(ids);
			return;
		}
		if (connected(id))
			json_object_array_add(ids, json_object_new_int64(id));
	} else {
		TAILQ_FOREACH(c, &clients, entry) {
			if (c->state != CS_WS || !c->session->authed)
				continue;
			n = json_object_array_length(ids);
			for (i = 0; i < n; i++)
				if (json_object_get_int64(json_object_array_get_idx(ids, i)) == c->session->account_id)
					break;
			if (i == n)
				json_object_array_add(ids, json_object_new_int64(c->session->account_id));
		}
	}
	if (json_object_array_length(ids) == 0) {
		json_object_put(ids);
		return;
	}
	pb = printbuf_new();
	printbuf_strappend(pb, "{");
	n = json_object_array_length(ids);
	for (i = 0; i < n; i++)
		sprintbuf(pb, "%s%lld", i > 0 ? "," : "", (long long)json_object_get_int64(json_object_array_get_idx(ids, i)));
	printbuf_strappend(pb, "}");
	/* The sessions those accounts' connections use (hex: no quoting needed). */
	tb = printbuf_new();
	printbuf_strappend(tb, "{");
	TAILQ_FOREACH(c, &clients, entry) {
		if (c->state != CS_WS || !c->session->authed || c->session->token_hash[0] == '\0' ||
		    strspn(c->session->token_hash, "0123456789abcdef") != strlen(c->session->token_hash))
			continue;
		for (i = 0; i < n; i++)
			if (json_object_get_int64(json_object_array_get_idx(ids, i)) == c->session->account_id)
				break;
		if (i < n)
			sprintbuf(tb, "%s%s", tb->bpos > 1 ? "," : "", c->session->token_hash);
	}
	printbuf_strappend(tb, "}");
	v[0] = pb->buf;
	v[1] = tb->buf;
	db_query("admin_account_refresh", 2, v, account_refresh_cb, ids);
	printbuf_free(pb);
	printbuf_free(tb);
}
