/*
 * items-alias.c: the compatibility table of type-specific message names
 * (see items-alias.h). Behaviour and texts are the reference's: its piano
 * messages, kept for its clients.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "items-alias.h"

static const struct proto_field piano_note_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	/* Wide: the piano cuts key ids to 32 characters and clamps midi (reference §6.9). */
	{ "keyId", FT_STRING, FF_REQUIRED, 1, 1024, NULL },
	{ "midi", FT_NUMBER, FF_REQUIRED, -1000000000000LL, 1000000000000LL, NULL },
	{ "on", FT_BOOL, FF_REQUIRED, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const char *const piano_note_args[] = { "keyId", "midi", "on", NULL };

static const char *const piano_actions[] = { "toggle_record", "stop_record", "playback", "stop_playback", NULL };

static const struct proto_field piano_recording_fields[] = {
	{ "itemId", FT_STRING, FF_REQUIRED, 0, 64, NULL },
	{ "action", FT_ENUM, FF_REQUIRED, 0, 0, piano_actions },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct items_alias items_aliases[] = {
	/* A key of the piano: silent when played, an error "piano_note" when not. */
	{ "item_piano_note", piano_note_fields, "note", "note", "note", "piano_note", "Piano", piano_note_args },
	/* Recording and playback: answered as a use. */
	{ "item_piano_recording", piano_recording_fields, "toggle_record", NULL, "use", NULL, "Piano", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct items_alias *
items_alias_find(const char *msg)
{
	const struct items_alias *a;

	for (a = items_aliases; msg != NULL && a->msg != NULL; a++)
		if (strcmp(a->msg, msg) == 0)
			return a;
	return NULL;
}
