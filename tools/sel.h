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
/* A usage error for mixed families, or ports without a protocol that has them. */
int nfi_check_sel(const char *cmd, const struct nfi_sel_spec *s);
/*
 * The selector as nest type. Neither address given: both the /0 of
 * family, or (family 0) of -4/-6's, or IPv4's, as ip xfrm does.
 */
int nfi_put_sel(struct nl_msg *msg, int type, const struct nfi_sel_spec *s,
		int family);

/*
 * An address attribute against a filter, as ip xfrm's list filters match:
 * the same family, and the first f->plen bits equal (the object's own
 * prefix length is not looked at).
 */
bool nfi_addr_match(const struct nlattr *a, const struct nfi_addr *f);

#endif
