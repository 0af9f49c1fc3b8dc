// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec: configure the nfipsec kernel module, with ip-xfrm's grammar.
 *
 *   nfipsec [OPTIONS] OBJECT COMMAND [ARGS]
 *   OPTIONS: -j (JSON), -s (statistics), -n NETNS, -V
 *   OBJECT: version | state | policy | stats
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef NFIPSEC_CLI_VERSION
#define NFIPSEC_CLI_VERSION "0.1.0"
#endif

int nfi_stats_level;

bool nfi_matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

int nfi_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nfipsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try: nfipsec help)\n", stderr);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nfipsec [OPTIONS] OBJECT COMMAND [ARGS]\n"
		"OPTIONS: -j[son]  JSON output\n"
		"         -s[tatistics]  add counters\n"
		"         -n[etns] NAME  run in network namespace NAME\n"
		"         -V[ersion]  print the CLI's version\n"
		"OBJECT and COMMAND:\n"
		"  version                      module and ABI version, table sizes\n"
		"  state { list | show } [ proto { esp | ah | NUMBER } ] [ spi SPI ]\n"
		"  policy { list | show } [ dir { in | out | fwd } ]\n"
		"  stats                        counters of the namespace\n");
}

static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "nfipsec: cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nfipsec: cannot enter network namespace \"%s\": %s\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "version", do_version },
	{ "state", do_state },
	{ "sa", do_state },
	{ "policy", do_policy },
	{ "stats", do_stats },
};

int main(int argc, char **argv)
{
	const char *netns = NULL;
	size_t i;
	int ret;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *opt = argv[0] + 1;

		if (opt[0] == '-')
			opt++;
		if (nfi_matches(opt, "json")) {
			nfi_json = true;
		} else if (nfi_matches(opt, "statistics")) {
			nfi_stats_level++;
		} else if (nfi_matches(opt, "netns")) {
			if (argc < 2)
				return nfi_usage_error("-n needs a namespace name");
			netns = argv[1];
			argc--, argv++;
		} else if (nfi_matches(opt, "Version")) {
			printf("nfipsec " NFIPSEC_CLI_VERSION "\n");
			return 0;
		} else if (nfi_matches(opt, "help")) {
			usage(stdout);
			return 0;
		} else {
			return nfi_usage_error("unknown option \"%s\"", argv[0]);
		}
	}
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (nfi_matches(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (nfi_matches(argv[0], objects[i].name))
			break;
	if (i == sizeof(objects) / sizeof(objects[0]))
		return nfi_usage_error("unknown object \"%s\"", argv[0]);

	if (netns && enter_netns(netns))
		return 2;
	if (nfi_nl_open()) {
		nfi_nl_close();
		return 2;
	}
	ret = objects[i].fn(argc - 1, argv + 1);
	nfi_nl_close();
	fflush(stdout);
	return ret;
}
