/*
 * params.c: parameter checkers shared by the bundled plugins (params.h).
 */
#include "params.h"

#include "coerce.h"

const struct cg_value *
co_param(const struct cg_request *req, const char *key, const struct cg_value *def)
{
	const struct cg_value *v = cg_map_get(req->args, key);

	return v != NULL ? v : def;
}

int
co_param_int(const struct cg_host *host, const struct cg_request *req, struct cg_reply *r, const char *key,
    int64_t def, int64_t lo, int64_t hi, const char *parse_msg)
{
	struct cg_value d = cg_int(def);
	int64_t n;

	if (co_int(co_param(req, key, &d), &n) != 0) {
		if (parse_msg != NULL)
			host->fail(r, "%s", parse_msg);
		else
			host->fail(r, "%s must be an integer between %lld and %lld.", key, (long long)lo,
			    (long long)hi);
		return -1;
	}
	if (n < lo || n > hi) {
		host->fail(r, "%s must be between %lld and %lld.", key, (long long)lo, (long long)hi);
		return -1;
	}
	host->set_param(r, key, cg_int(n));
	return 0;
}

int
co_param_num(const struct cg_host *host, const struct cg_request *req, struct cg_reply *r, const char *key,
    double def, int lo, int hi, int as_int, const char *parse_msg)
{
	struct cg_value d = cg_int((int64_t)def);
	double x;

	if (co_float(co_param(req, key, &d), &x) != 0) {
		if (parse_msg != NULL)
			host->fail(r, "%s", parse_msg);
		else
			host->fail(r, "%s must be a number between %d and %d.", key, lo, hi);
		return -1;
	}
	/* nan fails here too, as in Python. */
	if (!(x >= lo && x <= hi)) {
		host->fail(r, "%s must be between %d and %d.", key, lo, hi);
		return -1;
	}
	if (as_int)
		host->set_param(r, key, cg_int(co_round_int(x)));
	else
		host->set_param(r, key, cg_float(co_round1(x)));
	return 0;
}

void
co_toggle(const struct cg_host *host, const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v = cg_map_get(req->item->params, "enabled");
	const char *nick = req->actor != NULL ? req->actor->nickname : "Someone";
	int on = 1;

	/* Missing or garbage counts as on, so the first use turns it off. */
	if (v != NULL && co_bool(v, &on) != 0)
		on = 1;
	on = !on;
	host->set_param(r, "enabled", cg_bool(on));
	host->say(r, "You turn %s %s.", on ? "on" : "off", req->item->title);
	host->say_others(r, "%s turns %s %s.", nick, on ? "on" : "off", req->item->title);
}
