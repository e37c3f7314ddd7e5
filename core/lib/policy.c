/* policy.c: username, password and email rules. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "policy.h"
#include "utf8.h"

static void
trim_lower(const char *in, char *out, size_t outlen)
{
	const char *e;
	size_t n, i;

	while (isspace((unsigned char)*in))
		in++;
	e = in + strlen(in);
	while (e > in && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - in);
	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
}

char *
policy_normalize_username(const char *in, char *out, size_t outlen)
{
	trim_lower(in, out, outlen);
	return out;
}

void
policy_limits(const struct config *c, int *umin, int *umax, int *pmin, int *pmax)
{
	*umin = c->username_min_length;
	*umax = c->username_max_length < *umin ? *umin : c->username_max_length;
	*pmin = c->password_min_length;
	*pmax = c->password_max_length < *pmin ? *pmin : c->password_max_length;
}

const char *
policy_username_error(const struct config *c, const char *name, char *buf, size_t len)
{
	int umin, umax, pmin, pmax;
	size_t n = utf8_len(name);
	const char *p;

	policy_limits(c, &umin, &umax, &pmin, &pmax);
	if (n < (size_t)umin || n > (size_t)umax) {
		snprintf(buf, len, "Username must be between %d and %d characters.", umin, umax);
		return buf;
	}
	for (p = name; *p != '\0'; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-')) {
			snprintf(buf, len, "Username may include lowercase letters, numbers, underscores, and dashes only.");
			return buf;
		}
	return NULL;
}

const char *
policy_password_error(const struct config *c, const char *pw, char *buf, size_t len)
{
	int umin, umax, pmin, pmax;
	size_t n = utf8_len(pw);

	policy_limits(c, &umin, &umax, &pmin, &pmax);
	if (n < (size_t)pmin || n > (size_t)pmax) {
		snprintf(buf, len, "Password must be between %d and %d characters.", pmin, pmax);
		return buf;
	}
	return NULL;
}

char *
policy_normalize_email(const char *in, char *out, size_t outlen)
{
	if (strlen(in) >= outlen)
		return NULL;
	trim_lower(in, out, outlen);
	return out;
}

struct json_object *
policy_json(const struct config *c)
{
	struct json_object *o = json_object_new_object();
	int umin, umax, pmin, pmax;

	policy_limits(c, &umin, &umax, &pmin, &pmax);
	json_object_object_add(o, "usernameMinLength", json_object_new_int(umin));
	json_object_object_add(o, "usernameMaxLength", json_object_new_int(umax));
	json_object_object_add(o, "passwordMinLength", json_object_new_int(pmin));
	json_object_object_add(o, "passwordMaxLength", json_object_new_int(pmax));
	return o;
}
