// SPDX-License-Identifier: GPL-2.0
/* The fields of a packet that selectors match: addresses, protocol, ports. */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "nfipsec.h"
#include "policy.h"

static void flow_ports(const struct sk_buff *skb, int thoff,
		       struct nfipsec_flow *fl)
{
	__be16 _ports[2];
	const __be16 *ports;

	switch (fl->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
		if (ports) {
			fl->sport = ports[0];
			fl->dport = ports[1];
		}
		break;
	}
}

/*
 * Fill fl from the IP packet at skb's network header; *thoff gets the
 * offset of the transport header (after IPv6 extension headers), or -1.
 * Ports are read from first fragments and unfragmented packets only.
 */
int nfipsec_flow_parse(const struct sk_buff *skb, u8 family,
		       struct nfipsec_flow *fl, int *thoff)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = family;
	*thoff = -1;

	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		fl->src.a4 = iph->saddr;
		fl->dst.a4 = iph->daddr;
		fl->proto = iph->protocol;
		if (iph->frag_off & htons(IP_OFFSET))
			return 0;
		*thoff = skb_network_offset(skb) + iph->ihl * 4;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		__be16 frag_off = 0;
		u8 nexthdr = ip6h->nexthdr;
		int off;

		fl->src.a6 = ip6h->saddr;
		fl->dst.a6 = ip6h->daddr;
		off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
				       sizeof(*ip6h), &nexthdr, &frag_off);
		if (off < 0)
			return -EINVAL;
		fl->proto = nexthdr;
		if (frag_off & htons(IP6_OFFSET))
			return 0;
		*thoff = off;
	}
	flow_ports(skb, *thoff, fl);
	return 0;
}

/* IKE (UDP 500, 4500) passes in clear, whatever the policies say. */
bool nfipsec_flow_is_ike(const struct nfipsec_flow *fl)
{
	return fl->proto == IPPROTO_UDP &&
	       (fl->sport == htons(500) || fl->dport == htons(500) ||
		fl->sport == htons(4500) || fl->dport == htons(4500));
}
