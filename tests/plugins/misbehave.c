/*
 * misbehave.c: test plugins that fail in the ways the core must survive.
 * Built once per behaviour with -DBEHAVIOUR=...; each declares one item
 * type named after the behaviour:
 *
 *   crash    (type "crashy")   use dies of SIGSEGV
 *   hang     (type "hangy")    use never returns
 *   garbage  (type "garbled")  use writes junk onto the host's socket
 *   badinit  (type "badinit")  cg_plugin_init fails
 *
 * Everything but use works, so a test can tell the restarted host serves
 * again (validate accepts any "note" text).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <chatgrid/plugin.h>

#define CRASH 1
#define HANG 2
#define GARBAGE 3
#define BADINIT 4

#if BEHAVIOUR == CRASH
#define TYPE "crashy"
#elif BEHAVIOUR == HANG
#define TYPE "hangy"
#elif BEHAVIOUR == GARBAGE
#define TYPE "garbled"
#else
#define TYPE "badinit"
#endif

CG_PLUGIN_DECLARE("test-" TYPE, "0");

static const struct cg_host *host;

static void
t_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v = cg_map_get(req->args, "note");

	host->set_param(r, "note", v != NULL && v->type == CG_STR ? *v : cg_str(""));
}

static void
t_use(const struct cg_request *req, struct cg_reply *r)
{
#if BEHAVIOUR == CRASH
	raise(SIGSEGV);
#elif BEHAVIOUR == HANG
	for (;;)
		pause();
#elif BEHAVIOUR == GARBAGE
	/* Not a frame: a length far over the cap, and an unknown type. */
	static const char junk[] = "\xff\xff\xff\xff\x7f\x7fGARBAGE GARBAGE GARBAGE";

	if (write(3, junk, sizeof junk - 1) < 0)
		host->log(CG_LOG_ERROR, "cannot even write garbage");
#endif
	host->say(r, "You use %s.", req->item->title);
}

static const char *const caps[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "note", NULL };
static const struct cg_property props[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title" },
	{ .key = "note", .value_type = CG_PROP_TEXT, .max_length = 200, .label = "Note" },
};
static const struct cg_item_methods methods = { .version = CG_METHODS_VERSION, .validate = t_validate,
	.use = t_use };
static const struct cg_item_type type = {
	.type = TYPE, .order = 900, .encoding_version = 1, .label = TYPE, .tooltip = "A test plugin.",
	.capabilities = caps, .editable = editable, .properties = props, .nproperties = 2,
	.default_title = TYPE, .default_params = "{\"note\":\"\"}", .methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	if (BEHAVIOUR == BADINIT) {
		host->log(CG_LOG_ERROR, "refusing to start, as asked");
		return 1;
	}
	return host->register_type(&type);
}
