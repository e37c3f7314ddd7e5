/* ctl-session.c: chatgridctl sessions revoke. */
#include "config.h"

#include <stdio.h>

#include <json-c/json.h>

#include "ctl-common.h"
#include "policy.h"

int
ctl_session_revoke(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	struct json_object *d;
	char name[CTL_ARG_MAX + 1], msg[CTL_ARG_MAX + 64];
	int rc, found;
	long n;

	policy_normalize_username(a->arg[0], name, sizeof name);
	if ((rc = ctl_db_begin(ctl)) != CTL_OK)
		return rc;
	if ((found = ctl_db_find_account(ctl, name, 1, &acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_db_refuse(ctl, "sessions_revoke", name, "User not found.");
	if ((n = ctl_db_revoke_sessions(ctl, acc.id)) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Revoked %ld session%s of %s.", n, ctl_plural(n), acc.username);
	d = json_object_new_object();
	json_object_object_add(d, "sessions_revoked", json_object_new_int64(n));
	rc = ctl_db_finish(ctl, "sessions_revoke", acc.username, msg,
	    json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN), acc.id);
	json_object_put(d);
	return rc;
}
