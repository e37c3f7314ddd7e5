/*
 * plugin-types.h: between the host files (pluginhost.c, rpc.c) and
 * plugin-types.c (the item type registry); nothing else includes it.
 */
#ifndef CG_PLUGIN_TYPES_H
#define CG_PLUGIN_TYPES_H

#include <stddef.h>

struct cg_value;
struct plugin_host;

/*
 * Take the types a host declared (an IPC_TYPES body). A type id another
 * host provides is an error (err set, nothing registered). Types of this
 * host that it no longer declares stay registered, without a host.
 */
int plugin_types_register(struct plugin_host *, const struct cg_value *msg, char *err, size_t errlen);
/* The host's plugin file name, for messages. */
const char *plugin_host_file(const struct plugin_host *);

#endif
