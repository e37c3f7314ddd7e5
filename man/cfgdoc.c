/* cfgdoc: print the config key list for the man page, or a sample file, from cfg.c's table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "man") == 0)
		cfg_write_man(stdout);
	else if (argc == 2 && strcmp(argv[1], "sample") == 0)
		cfg_write_sample(stdout);
	else {
		fprintf(stderr, "usage: cfgdoc man|sample\n");
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
