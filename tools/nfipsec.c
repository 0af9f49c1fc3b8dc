// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec: configure the nfipsec kernel module, with ip-xfrm's grammar.
 *
 *   nfipsec [OPTIONS] OBJECT COMMAND [ARGS]
 *   OPTIONS: -j (JSON), -s (statistics), -k (keys), -n NETNS, -V
 *   OBJECT: version | state | policy | monitor | stats | ike-ports | limits
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "cli.h"

#ifndef NFIPSEC_CLI_VERSION
#define NFIPSEC_CLI_VERSION "0.1.0"
#endif

int nfi_stats_level;
bool nfi_show_keys;
int nfi_family;
int nfi_details;
int nfi_timestamp;

bool nfi_matches(const char *arg, const char *word)
{
	if (!*arg)
		return false;
	/* Up to arg's end, or the first byte that differs (word's 0 too). */
	while (*arg && *arg == *word)
		arg++, word++;
	return !*arg;
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
		"         -s[tatistics] | -stats  add counters\n"
		"         -d[etails]  accepted (nfipsec prints all it has)\n"
		"         -o[neline]  one line per object, \"\\\" where a line breaks\n"
		"         -4 | -6 | -f[amily] { inet | inet6 }  one family\n"
		"         -t[imestamp] | -ts[hort]  monitor: each event's time\n"
		"         -k[eys]  show SA keys (state list, state get)\n"
		"         -n[etns] NAME  run in network namespace NAME\n"
		"         -b[atch] FILE  run the commands of FILE, one a line (- for stdin)\n"
		"         -force  with -b: go on after a failed line\n"
		"         -V[ersion]  print the CLI's version\n"
		"OBJECT and COMMAND:\n"
		"  version                      module and ABI version, table sizes\n"
		"  state { add | update } ID [ ALGO-LIST ] [ mode MODE ] [ reqid REQID ]\n"
		"        [ replay-window SIZE ] [ replay-seq SEQ ] [ replay-oseq SEQ ]\n"
		"        [ replay-seq-hi SEQ ] [ replay-oseq-hi SEQ ]\n"
		"        [ flag FLAG-LIST ] [ LIMIT-LIST ]\n"
		"        [ sel SELECTOR ] [ encap ENCAP [ nat-keepalive SECONDS ]\n"
		"        [ follow-mapping [ on | off ] ] ] [ owner OWNER ]\n"
		"  state allocspi src ADDR dst ADDR proto XFRM-PROTO [ mode MODE ]\n"
		"        [ reqid REQID ] [ seq SEQ ] [ min SPI max SPI ]\n"
		"                               an SPI, held by a larval SA\n"
		"  state { delete | get } dst ADDR proto XFRM-PROTO spi SPI\n"
		"  state { list | show | deleteall } [ ID-FILTER ] [ mode MODE ]\n"
		"        [ reqid REQID ] [ flag FLAG-LIST ] [ nokeys ] [ owner OWNER ]\n"
		"  state flush [ proto XFRM-PROTO ] [ owner OWNER ]\n"
		"  state count\n"
		"  policy { add | update } SELECTOR dir DIR [ priority PRIORITY ]\n"
		"        [ action ACTION ] [ tmpl TMPL ] [ ptype main ] [ index INDEX ]\n"
		"        [ position POSITION | before POSITION | after POSITION ] (add only)\n"
		"        [ owner OWNER ]\n"
		"  policy { delete | get } { dir DIR SELECTOR | index INDEX dir DIR |\n"
		"        position POSITION }\n"
		"  policy { list | show | deleteall } [ SELECTOR ] [ dir DIR ]\n"
		"        [ index INDEX ] [ action ACTION ] [ priority PRIORITY ]\n"
		"        [ ptype main ] [ nosock ] [ owner OWNER ]\n"
		"  policy flush [ dir DIR ] [ owner OWNER ]\n"
		"  policy move position POSITION { to POSITION | before POSITION |\n"
		"        after POSITION }\n"
		"  policy { count | spdinfo }\n"
		"  policy set [ hthresh4 LBITS RBITS ] [ hthresh6 LBITS RBITS ]\n"
		"                               accepted; nfipsec has no hash thresholds\n"
		"  policy setdefault { in | fwd | out } { accept | block }...\n"
		"  policy getdefault\n"
		"  monitor                      print events until killed\n"
		"  stats                        counters of the namespace\n"
		"  ike-ports [ set { PORT... | none } ]\n"
		"                               UDP ports IKE passes in clear on\n"
		"  limits [ set [ sas N ] [ policies N ] [ acq-expires SECONDS ] ]\n"
		"                               the namespace's limits (raising one\n"
		"                               needs the host's CAP_NET_ADMIN), how\n"
		"                               long a larval SA lives (1-86400 s)\n"
		"ID := src ADDR dst ADDR proto XFRM-PROTO spi SPI\n"
		"ID-FILTER := [ src ADDR[/PLEN] ] [ dst ADDR[/PLEN] ] [ proto XFRM-PROTO ]\n"
		"        [ spi SPI ]\n"
		"XFRM-PROTO := esp | ah\n"
		"ALGO-LIST := [ ALGO-LIST ] ALGO\n"
		"ALGO := { enc | auth } ALGO-NAME ALGO-KEYMAT |\n"
		"        auth-trunc ALGO-NAME ALGO-KEYMAT ALGO-TRUNC-LEN |\n"
		"        aead ALGO-NAME ALGO-KEYMAT ALGO-ICV-LEN\n"
		"ALGO-KEYMAT := 0xHEX | STRING\n"
		"MODE := transport | tunnel\n"
		"FLAG-LIST := [ FLAG-LIST ] FLAG\n"
		"FLAG := esn | noecn | nopmtudisc | decap-dscp | wildrecv | af-unspec |\n"
		"        align4 | align8\n"
		"ENCAP := espinudp SPORT DPORT OADDR\n"
		"LIMIT-LIST := [ LIMIT-LIST ] limit LIMIT\n"
		"LIMIT := { time-soft | time-hard | time-use-soft | time-use-hard } SECONDS |\n"
		"         { byte-soft | byte-hard } SIZE | { packet-soft | packet-hard } COUNT\n"
		"SELECTOR := [ src ADDR[/PLEN] ] [ dst ADDR[/PLEN] ] [ UPSPEC ]\n"
		"        (an address not given: 0.0.0.0/0, or ::/0 with -6 or the\n"
		"        other address IPv6)\n"
		"UPSPEC := proto { { tcp | udp | sctp | dccp } [ sport PORT ] [ dport PORT ] |\n"
		"                  PROTO }\n"
		"DIR := in | out | fwd\n"
		"ACTION := allow | block\n"
		"TMPL := [ src ADDR ] [ dst ADDR ] proto XFRM-PROTO [ spi SPI ]\n"
		"        [ reqid REQID ] [ mode MODE ] [ level LEVEL ]\n"
		"LEVEL := required | use\n"
		"POSITION: in the ordered policy list, 0 is the top (evaluated first).\n"
		"OWNER := admin | charon | NUMBER: who added an SA or a policy (admin,\n"
		"        0, by default; charon: strongSwan's kernel-nfipsec plugin);\n"
		"        update keeps it unless given.\n");
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
	{ "monitor", do_monitor },
	{ "stats", do_stats },
	{ "ike-ports", do_ike_ports },
	{ "limits", do_limits },
};

/* The command of the object word names (abbreviated as ip takes it). */
static int (*object_fn(const char *word))(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (nfi_matches(word, objects[i].name))
			return objects[i].fn;
	return NULL;
}

static int run_object(int argc, char **argv)
{
	int (*fn)(int argc, char **argv);

	if (nfi_matches(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	fn = object_fn(argv[0]);
	if (!fn)
		return nfi_usage_error("unknown object \"%s\"", argv[0]);
	return fn(argc - 1, argv + 1);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Split a batch line into words, as ip -batch does: blanks separate words,
 * single or double quotes keep blanks inside one; '#' starts a comment.
 */
static int split_line(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line, *w;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -1;
		if (*p == '\'' || *p == '"') {
			char q = *p++;

			w = p;
			while (*p && *p != q)
				p++;
			if (!*p)
				return -1;
		} else {
			w = p;
			/* A byte above ' ' is no blank: most of a line's. */
			while ((unsigned char)*p > ' ' || (*p && !is_blank(*p)))
				p++;
		}
		argv[argc++] = w;
		if (*p)
			*p++ = 0;
	}
}

/* A "policy add" line (as run_object and do_policy would take it). */
static bool policy_add_line(int argc, char **argv)
{
	/* No abbreviation of "add" is one of list's or show's. */
	return argc >= 2 && !nfi_matches(argv[0], "help") &&
	       object_fn(argv[0]) == do_policy && nfi_matches(argv[1], "add");
}

/*
 * Send the adds that wait (nl.c), saying which failed as their lines
 * would have: true when the batch stops there.
 */
static bool batch_flush(const char *name, bool force, int *ret)
{
	int err, line, upto, status;

	while ((err = nfi_nl_bulk_flush(&line, &upto))) {
		status = nfi_nl_fail("policy add", err);
		if (status > *ret)
			*ret = status;
		fprintf(stderr, "Command failed %s:%d\n", name, line);
		if (upto != line) {
			/* Not -force either: what is in the SPD is unknown. */
			fprintf(stderr,
				"nfipsec: the adds of %s:%d to %d may have been carried out; the batch stops\n",
				name, line, upto);
			nfi_nl_bulk_drop();
			return true;
		}
		if (!force) {
			nfi_nl_bulk_drop();
			return true;
		}
	}
	return false;
}

#define BATCH_STOP	(-1)	/* a failure stops the batch: said already */

/*
 * A "policy add" line from a regular file: its add may be kept, to go
 * with the next ones (nl.c). What it says on stderr (errors of its words)
 * is held until the adds kept before it are sent, so that failures come
 * in the order of their lines: 0, its exit status, or BATCH_STOP. Only
 * with glibc, whose stderr may be set (run_batch keeps no adds elsewhere).
 */
#ifdef __GLIBC__
#define BATCH_KEEPS_ADDS	true
/*
 * One stream for every held line (glibc's open_memstream zeroes 8 KiB),
 * rewound only after a line that wrote to it.
 */
static struct {
	FILE *mem;
	char *buf;
	size_t len;
	bool used;
} held;

static void held_close(void)
{
	if (held.mem)
		fclose(held.mem);
	free(held.buf);
	memset(&held, 0, sizeof(held));
}

static int run_held(int argc, char **argv, int lineno, const char *name,
		    bool force, int *ret)
{
	FILE *real = stderr;
	long n;
	int err;

	if (!held.mem)
		held.mem = open_memstream(&held.buf, &held.len);
	if (!held.mem || (held.used && fseek(held.mem, 0, SEEK_SET)))
		return batch_flush(name, force, ret) ? BATCH_STOP :
		       run_object(argc, argv);
	stderr = held.mem;
	nfi_nl_bulk_arm(lineno);
	err = run_object(argc, argv);
	nfi_nl_bulk_disarm();
	stderr = real;
	/*
	 * What this line wrote: from the start to where it stopped (ftell
	 * counts what is buffered; fflush puts it in held.buf).
	 */
	n = ftell(held.mem);
	held.used = n != 0;
	if (n > 0 && fflush(held.mem))
		n = -1;
	if (err && batch_flush(name, force, ret))
		err = BATCH_STOP;
	else if (err && n > 0)
		fwrite(held.buf, 1, n, stderr);
	return err;
}
#else
static void held_close(void)
{
}

#define BATCH_KEEPS_ADDS	false
static int run_held(int argc, char **argv, int lineno, const char *name,
		    bool force, int *ret)
{
	(void)lineno, (void)name, (void)force, (void)ret;
	return run_object(argc, argv);
}
#endif

/*
 * Run every line of a file ("-": standard input), as ip -batch does: a
 * line may start with "xfrm" (an ip -batch file's lines); a failed line
 * says "Command failed FILE:LINE" and stops the batch, or with -force the
 * batch goes on and ends with the highest status of its failed lines.
 * From a regular file, consecutive "policy add" lines go to the kernel
 * together (nl.c), with the same outcome, line by line, as one by one.
 */
static int run_batch(const char *name, bool force)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	char *line = NULL, *argv[128], **av;
	size_t cap = 0;
	int argc, lineno = 0, ret = 0, err;
	struct stat st;
	bool defer;

	if (!f) {
		fprintf(stderr, "nfipsec: cannot open %s: %s\n", name,
			strerror(errno));
		return 1;
	}
	/* A pipe or a terminal may wait for each line's outcome. */
	defer = BATCH_KEEPS_ADDS && !nfi_nl_dump_mode() &&
		!fstat(fileno(f), &st) && S_ISREG(st.st_mode);
#ifdef __GLIBC__
	/* The kept adds are freed together: keep the heap, not refault it. */
	if (defer)
		mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		av = argv;
		argc = split_line(line, argv, 128);
		if (!argc)
			continue;
		/* ip -batch's "xfrm state ...": the object after it. */
		if (argc > 0 && !strcmp(av[0], "xfrm"))
			av++, argc--;
		if (defer && argc > 0 && policy_add_line(argc, av)) {
			err = run_held(argc, av, lineno, name, force, &ret);
			if (err == BATCH_STOP)
				break;
		} else if (batch_flush(name, force, &ret)) {
			break;
		} else if (argc < 0) {
			err = nfi_usage_error("batch line %d: unbalanced quote or too many words",
					      lineno);
		} else if (!argc) {
			err = nfi_usage_error("batch line %d: \"xfrm\" needs an object",
					      lineno);
		} else {
			err = run_object(argc, av);
		}
		fflush(stdout);
		if (!err) {
			if (nfi_nl_bulk_full() && batch_flush(name, force, &ret))
				break;
			continue;
		}
		fprintf(stderr, "Command failed %s:%d\n", name, lineno);
		if (err > ret)
			ret = err;
		if (!force)
			break;
	}
	/* After a stop nothing is kept: what is, goes now. */
	batch_flush(name, force, &ret);
	held_close();
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* A usage error of take_option: -1. */
static int usage_fail(const char *msg)
{
	nfi_usage_error("%s", msg);
	return -1;
}

/* -f[amily] NAME, as ip's: inet or inet6 (nfipsec carries no other). */
static int take_family(const char *name)
{
	if (!strcmp(name, "inet")) {
		nfi_family = AF_INET;
	} else if (!strcmp(name, "inet6")) {
		nfi_family = AF_INET6;
	} else if (!strcmp(name, "link") || !strcmp(name, "mpls") ||
		   !strcmp(name, "bridge") || !strcmp(name, "help")) {
		return nfi_usage_error("-family %s is not supported (inet or inet6)",
				       name);
	} else {
		return nfi_usage_error("-family: \"%s\" is not inet or inet6",
				       name);
	}
	return 0;
}

/*
 * One global option (without its leading dash) and its value: how many
 * words it took (1 or 2), or -1 after a usage error. Abbreviations as ip
 * takes them, tried in ip's order (-f is -family, -b -batch, -t
 * -timestamp, -ts -tshort).
 */
static int take_option(const char *opt, char *val, const char **netns,
		       const char **batch, bool *force)
{
	if (!strcmp(opt, "4") || !strcmp(opt, "6")) {
		nfi_family = opt[0] == '4' ? AF_INET : AF_INET6;
		return 1;
	}
	if (nfi_matches(opt, "family")) {
		if (!val)
			return usage_fail("-family needs inet or inet6");
		return take_family(val) ? -1 : 2;
	}
	if (nfi_matches(opt, "stats") || nfi_matches(opt, "statistics")) {
		nfi_stats_level++;
		return 1;
	}
	if (nfi_matches(opt, "details")) {
		nfi_details++;
		return 1;
	}
	if (nfi_matches(opt, "oneline")) {
		nfi_oneline = true;
		return 1;
	}
	if (nfi_matches(opt, "timestamp")) {
		nfi_timestamp = nfi_timestamp ?: 1;
		return 1;
	}
	if (nfi_matches(opt, "tshort")) {
		nfi_timestamp = 2;
		return 1;
	}
	if (nfi_matches(opt, "force")) {
		*force = true;
		return 1;
	}
	if (nfi_matches(opt, "batch")) {
		if (!val)
			return usage_fail("-b needs a file name (- for standard input)");
		*batch = val;
		return 2;
	}
	if (nfi_matches(opt, "json")) {
		nfi_json = true;
		return 1;
	}
	if (nfi_matches(opt, "keys")) {
		nfi_show_keys = true;
		return 1;
	}
	if (nfi_matches(opt, "netns")) {
		if (!val)
			return usage_fail("-n needs a namespace name");
		*netns = val;
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *batch = NULL;
	bool force = false;
	int ret;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *opt = argv[0] + 1;
		int n;

		if (opt[0] == '-')
			opt++;
		n = take_option(opt, argc > 1 ? argv[1] : NULL, &netns,
				&batch, &force);
		if (n < 0)
			return 1;
		if (n == 2) {
			argc--, argv++;
		} else if (n == 1) {
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
	if (argc < 1 && !batch) {
		usage(stderr);
		return 1;
	}
	if (netns && enter_netns(netns))
		return 2;
	/* An object checks its arguments before it opens the socket. */
	ret = batch ? run_batch(batch, force) : run_object(argc, argv);
	nfi_nl_close();
	/* A full disk or a closed pipe: not an empty table (exit 2). */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "nfipsec: writing the output: %s\n",
			strerror(errno));
		ret = ret ?: 2;
	}
	return ret;
}
