// SPDX-License-Identifier: GPL-2.0
/* Selectors on the command line: a policy's, an SA's "sel" (ip xfrm's). */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "cli.h"
#include "sel.h"

/* Takes a word at most once: 1 (usage error) when given before. */
static int once(const struct nfi_args *a, bool *given)
{
	if (*given)
		return nfi_duplicate(a);
	*given = true;
	return 0;
}

int nfi_take_sel_word(struct nfi_args *a, struct nfi_sel_spec *s)
{
	const char *kw = nfi_kw(a);

	if (nfi_eq(kw, "src"))
		return once(a, &s->has_src) ?: nfi_take_prefix(a, &s->src);
	if (nfi_eq(kw, "dst"))
		return once(a, &s->has_dst) ?: nfi_take_prefix(a, &s->dst);
	if (nfi_eq(kw, "proto"))
		return once(a, &s->has_proto) ?: nfi_take_proto(a, &s->proto);
	if (nfi_eq(kw, "sport"))
		return once(a, &s->has_sport) ?: nfi_take_u16(a, &s->sport);
	if (nfi_eq(kw, "dport"))
		return once(a, &s->has_dport) ?: nfi_take_u16(a, &s->dport);
	return -1;
}

int nfi_check_sel(const char *cmd, const struct nfi_sel_spec *s)
{
	if (nfi_same_family(cmd, &s->src, &s->dst))
		return 1;
	if (s->has_sport || s->has_dport) {
		switch (s->proto) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
		case IPPROTO_SCTP:
		case IPPROTO_DCCP:
			break;
		default:
			/*
			 * ip xfrm takes a port with any proto (none: 0), and
			 * XFRM compares it with whatever the packet has there
			 * (an ICMP type, 0); nfipsec reads ports of these only.
			 */
			return nfi_usage_error("%s: %s %u needs proto tcp, udp, sctp or dccp (nfipsec matches ports of these only)",
					       cmd, s->has_sport ? "sport" : "dport",
					       s->has_sport ? s->sport : s->dport);
		}
	}
	return 0;
}

static int put_addr(struct nl_msg *msg, int type, int plen_type,
		    const struct nfi_addr *addr, bool given, int family)
{
	struct nfi_addr any = { .len = family == AF_INET6 ? 16 : 4 };

	/* An address not given is the family's /0, as in ip-xfrm. */
	if (!given)
		addr = &any;
	return nfi_put(msg, type, addr->len, addr->bytes) ||
	       nfi_put_u8(msg, plen_type, addr->plen);
}

int nfi_put_sel(struct nl_msg *msg, int type, const struct nfi_sel_spec *s,
		int family)
{
	struct nlattr *nest;

	if (s->has_src)
		family = s->src.family;
	else if (s->has_dst)
		family = s->dst.family;
	else if (!family)
		/* As ip xfrm: neither address, the family of -4/-6, or IPv4. */
		family = nfi_family ?: AF_INET;
	nest = nfi_nest_start(msg, type);
	if (!nest || nfi_put_u16(msg, NFIPSEC_SEL_A_FAMILY, (uint16_t)family) ||
	    put_addr(msg, NFIPSEC_SEL_A_SRC, NFIPSEC_SEL_A_SRC_PLEN, &s->src,
		     s->has_src, family) ||
	    put_addr(msg, NFIPSEC_SEL_A_DST, NFIPSEC_SEL_A_DST_PLEN, &s->dst,
		     s->has_dst, family) ||
	    (s->proto && nfi_put_u8(msg, NFIPSEC_SEL_A_PROTO, s->proto)) ||
	    (s->sport &&
	     nfi_put_u16(msg, NFIPSEC_SEL_A_SPORT, htons(s->sport))) ||
	    (s->dport &&
	     nfi_put_u16(msg, NFIPSEC_SEL_A_DPORT, htons(s->dport))))
		return -EMSGSIZE;
	nfi_nest_end(msg, nest);
	return 0;
}

bool nfi_addr_match(const struct nlattr *a, const struct nfi_addr *f)
{
	const uint8_t *p;
	unsigned int full, rest;

	if (!a || nla_len(a) != f->len)
		return false;
	p = nla_data(a);
	full = f->plen / 8;
	rest = f->plen % 8;
	if (memcmp(p, f->bytes, full))
		return false;
	return !rest || !((p[full] ^ f->bytes[full]) & (0xff00 >> rest));
}
