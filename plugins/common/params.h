/*
 * params.h: validating one parameter of the proposed map (req->args) the way
 * the reference's validators do, for the bundled plugins. Each checker sets
 * the normalised value with host->set_param and returns 0, or fails the
 * reply with the reference's message and returns -1.
 */
#ifndef CG_PLUGIN_PARAMS_H
#define CG_PLUGIN_PARAMS_H

#include <stdint.h>

#include <chatgrid/plugin.h>

/* The proposed value of key, or def when the map lacks it. */
const struct cg_value *co_param(const struct cg_request *, const char *key, const struct cg_value *def);
/*
 * An integer in [lo, hi] (Python int()). parse_msg, if not NULL, replaces
 * "<key> must be an integer between <lo> and <hi>."
 */
int co_param_int(const struct cg_host *, const struct cg_request *, struct cg_reply *, const char *key,
    int64_t def, int64_t lo, int64_t hi, const char *parse_msg);
/*
 * A number in [lo, hi] (Python float(); nan fails), rounded to one decimal,
 * or with as_int to an integer (half to even). parse_msg, if not NULL,
 * replaces "<key> must be a number between <lo> and <hi>."
 */
int co_param_num(const struct cg_host *, const struct cg_request *, struct cg_reply *, const char *key,
    double def, int lo, int hi, int as_int, const char *parse_msg);
/*
 * use of an on/off item: flips params.enabled (missing or garbage counts as
 * on) and says "You turn on|off <title>." / "<nick> turns on|off <title>."
 */
void co_toggle(const struct cg_host *, const struct cg_request *, struct cg_reply *);

#endif
