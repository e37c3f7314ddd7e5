/* ctl-role.c: chatgridctl role list. */
#include "config.h"

#include <stdio.h>

#include "ctl-common.h"

int
ctl_role_list(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const headers[] = { "NAME", "SYSTEM", "USERS", "PERMISSIONS" };
	PGresult *r;

	/* Byte order (COLLATE "C"), as the daemon sorts keys with strcmp. */
	r = ctl_db_exec(ctl, "SELECT r.name, CASE WHEN r.is_system THEN 'yes' ELSE 'no' END, "
	    "(SELECT count(*) FROM accounts a WHERE a.role_id = r.id), "
	    "(SELECT string_agg(p.permission_key, ',' ORDER BY p.permission_key COLLATE \"C\") "
	    "FROM role_permissions p WHERE p.role_id = r.id) "
	    "FROM roles r ORDER BY r.name COLLATE \"C\"", 0, NULL);
	if (r == NULL)
		return ctl_db_error(ctl);
	ctl_table_print(stdout, r, headers);
	PQclear(r);
	return CTL_OK;
}
