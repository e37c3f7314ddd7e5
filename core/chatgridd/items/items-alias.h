/*
 * items-alias.h: the one compatibility table of type-specific message
 * names. A reference client sends some type actions as messages of their
 * own (item_piano_note, item_piano_recording); each row says which type
 * action such a message is, how it is answered and with which texts. The
 * generic alias handler (proto-item.c) reads only this table: no type's
 * message name appears in the core's logic.
 */
#ifndef CG_ITEMS_ALIAS_H
#define CG_ITEMS_ALIAS_H

#include "proto/proto.h"

struct items_alias {
	const char *msg;			/* the message type */
	const struct proto_field *fields;	/* its wire fields */
	const char *probe;			/* an action only the type has: finds the type's items */
	const char *action;			/* the type action; NULL: the message's "action" field */
	const char *answer_action;		/* the action of its item_action_result, or of the job */
	const char *error_code;			/* non-NULL: failures are an error with this code, success is silent */
	const char *label;			/* "<label> not found.", "... is not available.", "... is not on your square." */
	const char *const *args;		/* message fields passed as the action's args, or NULL */
};

/* The table, ended by a NULL msg. */
extern const struct items_alias items_aliases[];
/* The row for a message type, or NULL. */
const struct items_alias *items_alias_find(const char *msg);

#endif
