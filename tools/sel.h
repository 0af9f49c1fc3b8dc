/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_SEL_H
#define NFIPSEC_TOOLS_SEL_H

#include <netlink/msg.h>

#include "parse.h"

/* A selector as a command line gives it (a policy's, an SA's "sel"). */
struct nfi_sel_spec {
	bool has_src, has_dst, has_proto, has_sport, has_dport;
	struct nfi_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;
};

/*
 * One selector word at argv[0] (src PREFIX, dst PREFIX, proto P, sport N,
 * dport N) with its value: 0 taken, 1 usage error, -1 not a selector word.
 */
int nfi_take_sel_word(struct nfi_args *a, struct nfi_sel_spec *s);
/*
 * A usage error for mixed families, or ports without a protocol that has
 * them; need_addr: also for a selector with neither address.
 */
int nfi_check_sel(const char *cmd, const struct nfi_sel_spec *s,
		  bool need_addr);
/* The selector as nest type; family: when neither address is given. */
int nfi_put_sel(struct nl_msg *msg, int type, const struct nfi_sel_spec *s,
		int family);

#endif
