/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_CLI_H
#define NFIPSEC_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nl.h"
#include "output.h"

/* Global options, as ip(8) has them. */
extern int nfi_stats_level;	/* -s, repeatable */
extern bool nfi_show_keys;	/* -k: ask for and print SA keys */
extern int nfi_family;		/* -4, -6: AF_INET, AF_INET6; 0: both */
extern int nfi_details;		/* -d: accepted; nfipsec prints all it has */
extern int nfi_timestamp;	/* monitor: 1 -timestamp, 2 -tshort */

/* True when arg is a prefix of word (ip's "matches"). */
bool nfi_matches(const char *arg, const char *word);

/*
 * !strcmp(arg, word), for the keywords a line is parsed by: most words
 * that are not the one are told by their first byte, without a call.
 */
static inline bool nfi_eq(const char *arg, const char *word)
{
	return arg[0] == word[0] && !strcmp(arg, word);
}

int nfi_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

int do_version(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_ike_ports(int argc, char **argv);
int do_limits(int argc, char **argv);
int do_state(int argc, char **argv);
int do_policy(int argc, char **argv);
int do_monitor(int argc, char **argv);
/* state count: "\t SAD count N", as ip xfrm prints it. */
int nfi_print_count(const char *cmd, int argc, char **argv, int info_type);
/* An NFIPSEC_A_SA nest: parsed (-EPROTO when malformed), printed. */
int nfi_parse_sa(struct nlattr *nest, struct nlattr **sa);
void nfi_print_sa(struct nlattr **sa);
/*
 * ip's "lifetime config:" and "lifetime current:" lines (-s): lft, a
 * NFIPSEC_LFT_A_* nest or NULL (no limit: ip's (INF) and 0), the counts and
 * times (0: "-").
 */
void nfi_text_lifetime(struct nlattr *lft, uint64_t bytes, uint64_t packets,
		       uint64_t add, uint64_t use);
/* An NFIPSEC_A_POLICY nest's members; -EPROTO when malformed. */
int nfi_print_policy(struct nlattr *nest);
void nfi_print_time(const char *key, struct nlattr *a);

#endif
