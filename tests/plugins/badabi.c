/*
 * badabi.c: a test plugin built for another plugin ABI major. The host must
 * refuse it from its compatibility block alone: cg_plugin_init would abort.
 */
#include <stdlib.h>

#include <chatgrid/plugin.h>

CG_EXPORT const struct cg_plugin_magic cg_plugin_magic = {
	CG_PLUGIN_MAGIC, 99, 0,
	(uint32_t)sizeof(struct cg_plugin_magic), (uint32_t)sizeof(struct cg_value),
	(uint32_t)sizeof(struct cg_property), (uint32_t)sizeof(struct cg_item_methods),
	(uint32_t)sizeof(struct cg_item_type), (uint32_t)sizeof(struct cg_request),
	(uint32_t)sizeof(struct cg_host), 0, "test-badabi", "0"
};

int
cg_plugin_init(const struct cg_host *h)
{
	(void)h;
	abort();	/* never reached: the compatibility check comes first */
}
