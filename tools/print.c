// SPDX-License-Identifier: GPL-2.0
/* Reading and printing what the kernel's replies share: addresses, selectors. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli.h"

#include "names.h"
#include "output.h"
#include "print.h"

int nfi_check_addrs(struct nlattr **tb, const int *types, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct nlattr *a = tb[types[i]];

		if (a && nla_len(a) != 4 && nla_len(a) != 16)
			return -EPROTO;
	}
	return 0;
}

int nfi_parse_policy(struct nlattr *nest,
		     struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1])
{
	static struct nla_policy pol[NFIPSEC_POLICY_A_MAX + 1] = {
		[NFIPSEC_POLICY_A_DIR] = { .type = NLA_U8 },
		[NFIPSEC_POLICY_A_SEL] = { .type = NLA_NESTED },
		[NFIPSEC_POLICY_A_ACTION] = { .type = NLA_U8 },
		[NFIPSEC_POLICY_A_TMPL] = { .type = NLA_NESTED },
		[NFIPSEC_POLICY_A_PRIORITY] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_INDEX] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_POSITION] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_BEFORE] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_AFTER] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_TO] = { .type = NLA_U32 },
		[NFIPSEC_POLICY_A_STATS] = { .type = NLA_NESTED },
		[NFIPSEC_POLICY_A_ADD_TIME] = { .type = NLA_U64 },
		[NFIPSEC_POLICY_A_USE_TIME] = { .type = NLA_U64 },
	};
	struct nlattr *sub[NFIPSEC_POLICY_A_MAX + 1], *a;
	int rem;

	_Static_assert((int)NFIPSEC_POLICY_A_MAX >= (int)NFIPSEC_SEL_A_MAX &&
		       (int)NFIPSEC_POLICY_A_MAX >= (int)NFIPSEC_TMPL_A_MAX,
		       "sub[] too small");
	if (!nest || nla_parse_nested(tb, NFIPSEC_POLICY_A_MAX, nest, pol))
		return -EPROTO;
	/* Its nests too: a malformed one fails the policy, none is left out. */
	if ((tb[NFIPSEC_POLICY_A_SEL] &&
	     nfi_parse_sel(tb[NFIPSEC_POLICY_A_SEL], sub)) ||
	    (tb[NFIPSEC_POLICY_A_TMPL] &&
	     nfi_parse_tmpl(tb[NFIPSEC_POLICY_A_TMPL], sub)))
		return -EPROTO;
	if (tb[NFIPSEC_POLICY_A_STATS]) {
		nla_for_each_nested(a, tb[NFIPSEC_POLICY_A_STATS], rem)
			if (nla_type(a) != NFIPSEC_POLICY_STAT_PAD &&
			    nla_len(a) != 8)
				return -EPROTO;
	}
	return 0;
}

int nfi_parse_sel(struct nlattr *nest, struct nlattr *tb[NFIPSEC_SEL_A_MAX + 1])
{
	static struct nla_policy pol[NFIPSEC_SEL_A_MAX + 1] = {
		[NFIPSEC_SEL_A_SRC_PLEN] = { .type = NLA_U8 },
		[NFIPSEC_SEL_A_DST_PLEN] = { .type = NLA_U8 },
		[NFIPSEC_SEL_A_PROTO] = { .type = NLA_U8 },
		[NFIPSEC_SEL_A_SPORT] = { .type = NLA_U16 },
		[NFIPSEC_SEL_A_DPORT] = { .type = NLA_U16 },
		[NFIPSEC_SEL_A_FAMILY] = { .type = NLA_U16 },
	};
	static const int addrs[] = { NFIPSEC_SEL_A_SRC, NFIPSEC_SEL_A_DST };

	if (!nest || nla_parse_nested(tb, NFIPSEC_SEL_A_MAX, nest, pol))
		return -EPROTO;
	return nfi_check_addrs(tb, addrs, 2);
}

int nfi_parse_tmpl(struct nlattr *nest,
		   struct nlattr *tb[NFIPSEC_TMPL_A_MAX + 1])
{
	static struct nla_policy pol[NFIPSEC_TMPL_A_MAX + 1] = {
		[NFIPSEC_TMPL_A_PROTO] = { .type = NLA_U8 },
		[NFIPSEC_TMPL_A_SPI] = { .type = NLA_U32 },
		[NFIPSEC_TMPL_A_REQID] = { .type = NLA_U32 },
		[NFIPSEC_TMPL_A_MODE] = { .type = NLA_U8 },
		[NFIPSEC_TMPL_A_LEVEL] = { .type = NLA_U8 },
	};
	static const int addrs[] = { NFIPSEC_TMPL_A_SRC, NFIPSEC_TMPL_A_DST };

	if (!nest || nla_parse_nested(tb, NFIPSEC_TMPL_A_MAX, nest, pol))
		return -EPROTO;
	return nfi_check_addrs(tb, addrs, 2);
}

const char *nfi_addr_str(const struct nlattr *a, char *buf, size_t len)
{
	int af = nla_len(a) == 4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, nla_data(a), buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

void nfi_print_addr(const char *key, const struct nlattr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a)
		nfi_out_str(key, nfi_addr_str(a, buf, sizeof(buf)));
}

const char *nfi_spi_str(const struct nlattr *a, char *buf, size_t len)
{
	snprintf(buf, len, "0x%08x", ntohl(nla_get_u32((struct nlattr *)a)));
	return buf;
}

int nfi_sel_family(struct nlattr **sel)
{
	const struct nlattr *a = sel[NFIPSEC_SEL_A_SRC];

	if (sel[NFIPSEC_SEL_A_FAMILY])
		return nla_get_u16(sel[NFIPSEC_SEL_A_FAMILY]);
	if (!a)
		a = sel[NFIPSEC_SEL_A_DST];
	if (!a)
		return AF_UNSPEC;
	return nla_len(a) == 4 ? AF_INET : AF_INET6;
}

static void print_sel_addr(const char *key, const struct nlattr *addr,
			   const struct nlattr *plen, int family,
			   bool prefixes)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned int full;

	if (!addr && !prefixes)
		return;
	if (!addr) {
		/* Absent matches anything: the family's /0, as ip-xfrm. */
		if (family == AF_INET)
			snprintf(buf, sizeof(buf), "0.0.0.0/0");
		else if (family == AF_INET6)
			snprintf(buf, sizeof(buf), "::/0");
		else
			snprintf(buf, sizeof(buf), "any");
		nfi_out_str(key, buf);
		return;
	}
	nfi_addr_str(addr, buf, INET6_ADDRSTRLEN);
	full = (unsigned int)nla_len(addr) * 8;
	if (prefixes)
		snprintf(buf + strlen(buf), 8, "/%u", nfi_u8(plen, full));
	nfi_out_str(key, buf);
}

void nfi_print_sel(struct nlattr **sel, bool prefixes)
{
	int family = nfi_sel_family(sel);
	uint8_t proto = nfi_u8(sel[NFIPSEC_SEL_A_PROTO], 0);
	char buf[32];

	print_sel_addr("src", sel[NFIPSEC_SEL_A_SRC],
		       sel[NFIPSEC_SEL_A_SRC_PLEN], family, prefixes);
	print_sel_addr("dst", sel[NFIPSEC_SEL_A_DST],
		       sel[NFIPSEC_SEL_A_DST_PLEN], family, prefixes);
	if (proto)
		nfi_out_str("proto", nfi_proto_name(proto, buf, sizeof(buf)));
	if (sel[NFIPSEC_SEL_A_SPORT])
		nfi_out_u64("sport", ntohs(nla_get_u16(sel[NFIPSEC_SEL_A_SPORT])));
	if (sel[NFIPSEC_SEL_A_DPORT])
		nfi_out_u64("dport", ntohs(nla_get_u16(sel[NFIPSEC_SEL_A_DPORT])));
}

const char *nfi_sl(void)
{
	return nfi_oneline ? "\\" : "\n";
}

const char *nfi_time_str(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm *tm;

	if (!t) {
		snprintf(buf, len, "-");
		return buf;
	}
	tm = localtime(&tt);
	if (!tm)
		snprintf(buf, len, "invalid-time");
	else if (!strftime(buf, len, "%Y-%m-%d %T", tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

static void text_sel_addr(const char *key, const struct nlattr *addr,
			  const struct nlattr *plen, int family)
{
	char buf[INET6_ADDRSTRLEN];

	if (addr) {
		printf("%s %s/%u ", key, nfi_addr_str(addr, buf, sizeof(buf)),
		       nfi_u8(plen, (uint8_t)(nla_len(addr) * 8)));
		return;
	}
	/* Absent matches anything: the family's zero address, as ip. */
	printf("%s %s/0 ", key, family == AF_INET6 ? "::" : "0.0.0.0");
}

void nfi_text_sel(struct nlattr **sel, int family, const char *prefix)
{
	uint8_t proto = nfi_u8(sel[NFIPSEC_SEL_A_PROTO], 0);
	struct nlattr *sp = sel[NFIPSEC_SEL_A_SPORT];
	struct nlattr *dp = sel[NFIPSEC_SEL_A_DPORT];
	unsigned int sport = sp ? ntohs(nla_get_u16(sp)) : 0;
	unsigned int dport = dp ? ntohs(nla_get_u16(dp)) : 0;
	char buf[32];

	if (nfi_sel_family(sel) != AF_UNSPEC)
		family = nfi_sel_family(sel);
	if (prefix)
		fputs(prefix, stdout);
	text_sel_addr("src", sel[NFIPSEC_SEL_A_SRC],
		      sel[NFIPSEC_SEL_A_SRC_PLEN], family);
	text_sel_addr("dst", sel[NFIPSEC_SEL_A_DST],
		      sel[NFIPSEC_SEL_A_DST_PLEN], family);
	if (proto)
		printf("proto %s ", nfi_proto_name(proto, buf, sizeof(buf)));
	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* ip keeps an ICMP type and code where the ports are. */
		if (sp)
			printf("type %u ", sport);
		if (dp)
			printf("code %u ", dport);
		break;
	case IPPROTO_GRE:
		if (sp || dp)
			printf("key %u ", (sport << 16) + dport);
		break;
	case IPPROTO_MH:
		if (sp)
			printf("type %u ", sport);
		break;
	default:
		if (sp)
			printf("sport %u ", sport);
		if (dp)
			printf("dport %u ", dport);
		break;
	}
	if (nfi_stats_level > 0)
		printf("uid 0");
	fputs(nfi_sl(), stdout);
}
