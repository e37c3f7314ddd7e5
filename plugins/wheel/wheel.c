/*
 * wheel.c: the wheel item type (reference §6.3, §6.4). Spinning picks one
 * of its comma-separated spaces; where it lands is told 3 s later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"

CG_PLUGIN_DECLARE("wheel", "1");

#define MAX_SPACES 100
#define MAX_SPACE_CHARS 80
#define MAX_SPACES_CHARS 4000
#define LANDING_DELAY_MS 3000

static const struct cg_host *host;

/*
 * The non-empty, trimmed comma-separated parts of s[0..len): copied into
 * buf (len + 1 bytes), pointed to by parts[0..max). Returns their number;
 * *more is set when there were more than max.
 */
static int
split(const char *s, size_t len, char *buf, char **parts, int max, int *more)
{
	const char *p = s, *e = s + len, *c;
	char *out = buf;
	int n = 0;

	*more = 0;
	for (;;) {
		c = memchr(p, ',', (size_t)(e - p));
		if (c == NULL)
			c = e;
		co_strip(p, (size_t)(c - p), out, (size_t)(c - p) + 1);
		if (out[0] != '\0') {
			if (n == max)
				*more = 1;
			else {
				parts[n++] = out;
				out += strlen(out) + 1;
			}
		}
		if (c == e)
			break;
		p = c + 1;
	}
	return n;
}

static void
wheel_validate(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v = cg_map_get(req->args, "spaces");
	char *parts[MAX_SPACES], *buf, *joined;
	size_t len = 0;
	int n, i, more;

	if (v == NULL) {
		host->set_param(r, "spaces", cg_str("yes, no"));
		return;
	}
	if (v->type != CG_STR) {
		host->fail(r, "spaces must be a comma-delimited string.");
		return;
	}
	if (co_chars(v->u.s) > MAX_SPACES_CHARS) {
		host->fail(r, "spaces must be 4000 characters or less.");
		return;
	}
	buf = malloc(2 * (size_t)v->len + 2 * MAX_SPACES + 2);
	if (buf == NULL) {
		host->fail(r, "Out of memory.");
		return;
	}
	joined = buf + v->len + 1;
	n = split(v->u.s, v->len, buf, parts, MAX_SPACES, &more);
	if (n == 0)
		host->fail(r, "spaces must include at least one value, separated by commas.");
	else if (more)
		host->fail(r, "spaces supports up to 100 values.");
	else {
		for (i = 0; i < n; i++)
			if (co_chars(parts[i]) > MAX_SPACE_CHARS) {
				host->fail(r, "each space must be 80 chars or less.");
				free(buf);
				return;
			}
		for (i = 0; i < n; i++)
			len += (size_t)sprintf(joined + len, "%s%s", i > 0 ? ", " : "", parts[i]);
		host->set_param(r, "spaces", cg_str(joined));
	}
	free(buf);
}

static void
wheel_use(const struct cg_request *req, struct cg_reply *r)
{
	const struct cg_value *v = cg_map_get(req->item->params, "spaces");
	char *parts[MAX_SPACES], *buf = NULL, item[1024];
	size_t cap = 0, used = 0;
	uint32_t i;
	int n = 0, more;

	/* The stored string, or (from older data) a list of values. */
	if (v != NULL && v->type == CG_STR) {
		if ((buf = malloc((size_t)v->len + 1)) != NULL)
			n = split(v->u.s, v->len, buf, parts, MAX_SPACES, &more);
	} else if (v != NULL && v->type == CG_ARRAY) {
		cap = (size_t)MAX_SPACES * sizeof item;
		if ((buf = malloc(cap)) != NULL)
			for (i = 0; i < v->len && n < MAX_SPACES; i++)
				if (co_str(&v->u.items[i], item, sizeof item) != NULL &&
				    co_strip(item, strlen(item), buf + used, sizeof item)[0] != '\0') {
					parts[n++] = buf + used;
					used += strlen(buf + used) + 1;
				}
	}
	if (n == 0) {
		host->fail(r, "wheel spaces must contain at least one comma-delimited value.");
		free(buf);
		return;
	}
	i = host->random((uint32_t)n);
	host->say(r, "You spin %s.", req->item->title);
	host->say_others(r, "%s spins %s.", req->actor != NULL ? req->actor->nickname : "Someone",
	    req->item->title);
	host->later(r, LANDING_DELAY_MS, parts[i], parts[i]);
	free(buf);
}

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = { "title", "spaces", NULL };

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for this wheel." },
	{ .key = "spaces", .value_type = CG_PROP_TEXT, .max_length = MAX_SPACES_CHARS, .label = "Spaces",
	  .tooltip = "The values the wheel can land on, separated by commas (up to 100, each up to 80 characters)." },
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = wheel_validate,
	.use = wheel_use,
};

static const struct cg_item_type wheel_type = {
	.type = "wheel",
	.order = 50,
	.encoding_version = 1,
	.label = "wheel",
	.tooltip = "A wheel to spin; everyone nearby hears where it lands.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 4000,
	.use_sound = "sounds/spin.ogg",
	.emit_range = 15,
	.default_title = "wheel",
	.default_params = "{\"spaces\":\"yes, no\"}",
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	host = h;
	return host->register_type(&wheel_type);
}
