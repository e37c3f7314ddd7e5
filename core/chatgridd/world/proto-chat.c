/* proto-chat.c: chat_message and the slash commands. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "auth/session.h"
#include "cfg.h"
#include "daemon.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"
#include "tick.h"
#include "world.h"
#include "xmalloc.h"

/* Exit status asking the service manager for a restart (see chatgridd.service). */
#define EXIT_RESTART 75

static int reboot_pending;

static void
chat_broadcast(struct client *c, struct player *p, const char *text, int action)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("chat_message"));
	json_object_object_add(o, "message", json_object_new_string(text));
	json_object_object_add(o, "senderId", json_object_new_string(c->id));
	json_object_object_add(o, "senderNickname", json_object_new_string(p->nickname));
	json_object_object_add(o, "system", json_object_new_boolean(0));
	json_object_object_add(o, "action", json_object_new_boolean(action));
	world_send_json_all(o, NULL);
}

/* "1d 2h 3m 4s", zero parts left out, "0s" for nothing. */
static void
uptime_text(char *out, size_t len)
{
	unsigned long long s = (tick_mono_ms() - cg_start_ms) / 1000;
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
	size_t n = 0;

	out[0] = '\0';
	if (d > 0)
		n += (size_t)snprintf(out + n, len - n, "%llud ", d);
	if (h > 0)
		n += (size_t)snprintf(out + n, len - n, "%lluh ", h);
	if (m > 0)
		n += (size_t)snprintf(out + n, len - n, "%llum ", m);
	if (sec > 0 || n == 0)
		n += (size_t)snprintf(out + n, len - n, "%llus ", sec);
	if (n > 0)
		out[n - 1] = '\0';
}

static void
reboot_now(evutil_socket_t fd, short what, void *arg)
{
	log_notice("restarting as requested by /reboot");
	daemon_shutdown(EXIT_RESTART);
}

static void
command(struct client *c, struct player *p, const char *text)
{
	const char *sp = strchr(text, ' ');
	size_t wl = sp != NULL ? (size_t)(sp - text - 1) : strlen(text) - 1;
	const char *rest = sp != NULL ? sp + 1 : NULL;
	char word[64], up[64], *full;
	struct timeval tv = { 5, 0 };

	snprintf(word, sizeof word, "%.*s", (int)(wl < sizeof word - 1 ? wl : sizeof word - 1), text + 1);
	if (strcasecmp(word, "me") == 0) {
		if (rest == NULL || *rest == '\0') {
			world_system_chat(c, "Usage: /me <action>");
			return;
		}
		xasprintf(&full, "%s %s", p->nickname, rest);
		chat_broadcast(c, p, full, 1);
		free(full);
	} else if (strcasecmp(word, "up") == 0) {
		uptime_text(up, sizeof up);
		world_system_chat(c, "Server uptime: %s", up);
	} else if (strcasecmp(word, "version") == 0)
		world_system_chat(c, "Server version: %s", cg_version());
	else if (strcasecmp(word, "reboot") == 0) {
		if (!(c->session->perms & PERM(P_SERVER_REBOOT))) {
			world_system_chat(c, "Not authorized to reboot server.");
			return;
		}
		if (reboot_pending) {
			world_system_chat(c, "Server reboot already in progress.");
			return;
		}
		reboot_pending = 1;
		log_notice("%s (%s) asked for a restart", c->session->username, c->id);
		if (rest != NULL && *rest != '\0')
			world_system_chat_others(NULL, "Server rebooting in 5 seconds. %s", rest);
		else
			world_system_chat_others(NULL, "Server rebooting in 5 seconds.");
		if (event_base_once(cg_base, -1, EV_TIMEOUT, reboot_now, NULL, &tv) != 0)
			reboot_now(-1, 0, NULL);
	} else
		world_system_chat(c, "Unknown command: /%.*s", (int)wl, text + 1);
}

static void
deny_chat(struct client *c, struct json_object *msg)
{
	world_system_chat(c, "You are not allowed to send chat messages.");
}

static void
chat_message(struct client *c, struct json_object *msg)
{
	struct player *p = world_player(c);
	const char *text = proto_str(msg, "message");
	uint64_t now = tick_wall_ms();

	if (p == NULL)
		return;
	if (c->session->mute_chat_until_ms > now) {
		world_system_chat(c, "You are muted for %llu more seconds.",
		    (unsigned long long)((c->session->mute_chat_until_ms - now + 999) / 1000));
		return;
	}
	/* A flood gets a clear word, not silence. */
	if (!bucket_take(&p->chat, cfg->chat_per_minute / 60.0, cfg->chat_burst, tick_mono_ms())) {
		world_system_chat(c, "You are sending messages too quickly. Wait a moment.");
		return;
	}
	if (text[0] == '/')
		command(c, p, text);
	else
		chat_broadcast(c, p, text, 0);
}

static const struct proto_field chat_fields[] = {
	{ "message", FT_STRING, FF_REQUIRED, 1, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_chat_msgs[] = {
	{ "chat_message", chat_fields, PERM(P_CHAT_SEND), 0, chat_message, deny_chat },
	{ NULL, NULL, 0, 0, NULL, NULL },
};
