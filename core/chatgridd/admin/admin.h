/*
 * admin.h: the admin messages (roles, permissions, a user's role, bans,
 * kicks, timed mutes, account deletion), their audit log, and accounts
 * kept in step across daemons sharing one database (LISTEN/NOTIFY).
 */
#ifndef CG_ADMIN_H
#define CG_ADMIN_H

/* Register the messages, statements, the mute expiry and the account listener. */
void admin_init(void);

#endif
