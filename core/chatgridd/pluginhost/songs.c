/*
 * songs.c: the song relay. A host asks for a song (IPC_SONG_LOAD) with the
 * types it serves; whoever registered with plugin_on_song_load (the items
 * part) reads it and answers through plugin_song_answer, which sends it to
 * that host if it is still the same running process.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/bufferevent.h>
#include <json-c/json.h>

#include "host-int.h"
#include "ipc.h"
#include "log.h"
#include "pluginhost.h"
#include "xmalloc.h"

static void (*song_fn)(struct plugin_ticket *, const char *, struct json_object *);

/* A song load being answered: which host (and which run of it) asked. */
struct plugin_ticket {
	struct plugin_host *h;
	pid_t pid;
	uint32_t id;
};

void
plugin_on_song_load(void (*fn)(struct plugin_ticket *, const char *, struct json_object *))
{
	song_fn = fn;
}

void
plugin_song_answer(struct plugin_ticket *tk, struct json_object *song)
{
	struct plugin_host *h;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *f;
	size_t len;

	/* The host may have died (or been replaced) meanwhile. */
	TAILQ_FOREACH(h, &plugin_hosts, entry)
		if (h == tk->h)
			break;
	if (h != NULL && h->pid == tk->pid && h->state == H_READY && h->killed_at == 0 && h->bev != NULL) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		ipc_pack_str(&pk, "song");
		if (song != NULL)
			plugin_pack_json(&pk, song);
		else
			msgpack_pack_nil(&pk);
		if (sb.size > IPC_MAX_BODY) {
			log_warn("plugin %s: a song of %zu bytes is over the frame limit; answered as none",
			    h->file, sb.size);
			msgpack_sbuffer_clear(&sb);
			msgpack_pack_map(&pk, 1);
			ipc_pack_str(&pk, "song");
			msgpack_pack_nil(&pk);
		}
		f = ipc_frame(IPC_SONG, tk->id, &sb, &len);
		msgpack_sbuffer_destroy(&sb);
		bufferevent_write(h->bev, f, len);
		free(f);
	}
	free(tk);
}

/* IPC_SONG_LOAD: the host's types limit which songs it may read. */
void
host_song_load(struct plugin_host *h, uint32_t id, const struct cg_value *msg)
{
	struct plugin_ticket *tk = xcalloc(1, sizeof *tk);
	struct json_object *types = json_object_new_array();
	const char *song_id = ipc_get_str(msg, "songId");
	int i, n = plugin_type_count();

	tk->h = h;
	tk->pid = h->pid;
	tk->id = id;
	for (i = 0; i < n; i++)
		if (plugin_type_at(i)->host == h)
			json_object_array_add(types, json_object_new_string(plugin_type_at(i)->id));
	if (song_fn == NULL || song_id == NULL || strlen(song_id) == 0 || strlen(song_id) > 200)
		plugin_song_answer(tk, NULL);
	else
		song_fn(tk, song_id, types);
	json_object_put(types);
}
