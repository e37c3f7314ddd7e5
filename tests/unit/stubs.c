/*
 * stubs.c: stand-ins for what core/main.c defines (the process and its
 * shutdown sequence), so unit tests and fuzzers can link core objects
 * without a daemon. Nothing here runs an event loop.
 */
#include "config.h"

#include <stdlib.h>

#include "main.h"

struct event_base *cg_base;
char cg_instance_id[37] = "00000000-0000-4000-8000-000000000000";
unsigned long long cg_start_ms;

const char *
cg_version(void)
{
	return PACKAGE_VERSION;
}

void
main_on_shutdown(void (*fn)(void))
{
	(void)fn;
}

void
main_on_drain(int (*busy)(void))
{
	(void)busy;
}

void
main_hold(void)
{
}

void
main_release(void)
{
}

void
main_shutdown(int status)
{
	exit(status);
}

int
main_shutting_down(void)
{
	return 0;
}
