/*
 * policy.h: the account rules shared by chatgridd and chatgridctl: how a
 * username is normalised and which usernames, passwords and emails pass.
 * Messages are the protocol's user-visible strings.
 */
#ifndef CG_POLICY_H
#define CG_POLICY_H

#include <stddef.h>

struct config;
struct json_object;

/* Trim and lowercase into out; returns out. */
char *policy_normalize_username(const char *in, char *out, size_t outlen);
/* NULL if the (normalised) username passes, else the message (in buf). */
const char *policy_username_error(const struct config *, const char *name, char *buf, size_t len);
const char *policy_password_error(const struct config *, const char *pw, char *buf, size_t len);
/* Trim and lowercase an email into out; empty means none. NULL if too long. */
char *policy_normalize_email(const char *in, char *out, size_t outlen);
/* Effective limits (max raised to at least min). */
void policy_limits(const struct config *, int *umin, int *umax, int *pmin, int *pmax);
/* {"usernameMinLength",...} */
struct json_object *policy_json(const struct config *);

#endif
