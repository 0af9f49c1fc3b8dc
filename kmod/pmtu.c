// SPDX-License-Identifier: GPL-2.0
/*
 * The path MTU of the tunnels. A router between this host and a peer that
 * cannot forward one of our ESP (or AH) packets (DF set, or IPv6) answers
 * with an ICMP frag-needed or ICMPv6 packet-too-big quoting it. At
 * LOCAL_IN, once the error passed the "in" policies, one that quotes a
 * packet this host sent for one of our SAs (its source, destination and
 * SPI) lowers the PMTU of the route to the peer, as XFRM's esp4_err() and
 * esp6_err() do for XFRM's SAs (XFRM ignores SPIs it does not know, so
 * ours need this). The next inner packet too big for the smaller tunnel
 * MTU is then refused to its sender (output.c): the inner path MTU
 * follows.
 *
 * It runs before icmp_rcv(), so it checks what that would: the checksum,
 * and that the error came to this host alone (not broadcast). A forged
 * error must also name a live SA's addresses and SPI, and for IPv4 quote
 * a packet with DF (ours have it, but "flag nopmtudisc" SAs' never do);
 * the kernel keeps the PMTU at or above min_pmtu (IPv4) or 1280 (IPv6),
 * ignores IPv4 ones when ip_no_pmtu_disc is set, and lets the value expire
 * (mtu_expires), as for any ICMP. The error is left to the stack either
 * way. The route updated is the one looked up without the SA's mark for
 * IPv4 (as XFRM's esp4_err()), with it for IPv6.
 *
 * A transport mode SA keeps the value itself instead (sa->pmtu, for
 * ip_rt_mtu_expires' default of 10 minutes): its packets share the route
 * with the sockets they carry, whose PMTU exception says the MTU left after
 * ESP (output.c's esp_path_mtu()).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/netfilter.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "nfipsec.h"
#include "policy.h"

/*
 * The SA whose ESP or AH packet (proto; ESP for UDP) from its source the
 * error quotes, or NULL.
 */
static struct nfipsec_sa *quoted_sa(struct nfipsec_net *nn, u8 family,
				    const union nfipsec_addr *src,
				    const union nfipsec_addr *dst, __be32 spi,
				    u8 proto)
{
	struct nfipsec_sa *sa;

	sa = nfipsec_sa_lookup(nn, family, dst, spi,
			       proto == IPPROTO_AH ? IPPROTO_AH : IPPROTO_ESP);

	return sa && nfipsec_addr_equal(&sa->src, src, family) ? sa : NULL;
}

#define NFIPSEC_PMTU_EXPIRES (10 * 60 * HZ)

/*
 * A transport SA learns its path MTU, as the kernel a route's: at least
 * min, and only lower than the value it has until that expires. Errors
 * may come on several CPUs at once: the lowest stays.
 */
static void pmtu_learn(struct nfipsec_net *nn, struct nfipsec_sa *sa, u32 mtu,
		       u32 min)
{
	u32 old;

	mtu = max(mtu, min);
	do {
		old = READ_ONCE(sa->pmtu);
		if (old && old <= mtu &&
		    time_before64(get_jiffies_64(),
				  READ_ONCE(sa->pmtu_expires)))
			return;
		/* Before the value: a reader never sees it expired. */
		WRITE_ONCE(sa->pmtu_expires,
			   get_jiffies_64() + NFIPSEC_PMTU_EXPIRES);
	} while (cmpxchg(&sa->pmtu, old, mtu) != old);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU);
}

/* Where the SPI is in the quoted ESP, ESP in UDP, or AH (proto) header. */
static unsigned int quoted_spi_off(u8 proto)
{
	if (proto == IPPROTO_UDP)
		return sizeof(struct udphdr);
	return proto == IPPROTO_AH ? 4 : 0;
}

/*
 * The quoted packet is ESP in UDP (proto; its UDP header at uoff) exactly
 * when the SA has encap, and then from the SA's ports: a local user's own
 * UDP to the peer quotes whatever it put where the SPI would be.
 */
static bool quoted_encap_ok(const struct sk_buff *skb,
			    const struct nfipsec_sa *sa, u8 proto, int uoff)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	if (!sa->encap_type)
		return proto != IPPROTO_UDP;
	if (proto != IPPROTO_UDP)
		return false;
	uh = skb_header_pointer(skb, uoff, sizeof(_uh), &_uh);
	return uh && uh->source == READ_ONCE(sa->encap_sport) &&
	       uh->dest == READ_ONCE(sa->encap_dport);
}

/* skb->data at off (linear up to off + len) while update() runs. */
static bool pull_quoted(struct sk_buff *skb, unsigned int off, unsigned int len)
{
	if (!pskb_may_pull(skb, off + len))
		return false;
	__skb_pull(skb, off);
	return true;
}

static void pmtu_icmp4(struct nfipsec_net *nn, struct sk_buff *skb, int thoff)
{
	struct {
		struct icmphdr icmp;
		struct iphdr ip;
	} _q;
	const typeof(_q) *q;
	union nfipsec_addr src = {}, dst = {};
	unsigned int qoff;
	struct nfipsec_sa *sa;
	__be32 _spi;
	const __be32 *spi;
	u32 mtu;

	q = skb_header_pointer(skb, thoff, sizeof(_q), &_q);
	if (!q || q->icmp.type != ICMP_DEST_UNREACH ||
	    q->icmp.code != ICMP_FRAG_NEEDED || q->ip.version != 4 ||
	    q->ip.ihl < 5 ||
	    (q->ip.protocol != IPPROTO_ESP && q->ip.protocol != IPPROTO_UDP &&
	     q->ip.protocol != IPPROTO_AH) ||
	    (q->ip.frag_off & htons(IP_OFFSET | IP_DF)) != htons(IP_DF))
		return;
	if (READ_ONCE(nn->net->ipv4.sysctl_ip_no_pmtu_disc))
		return;
	qoff = thoff + sizeof(struct icmphdr);
	/* NAT-T: the SPI follows the UDP header (the SA must have encap). */
	spi = skb_header_pointer(skb, qoff + q->ip.ihl * 4 +
				 quoted_spi_off(q->ip.protocol),
				 sizeof(_spi), &_spi);
	if (!spi)
		return;
	src.a4 = q->ip.saddr;
	dst.a4 = q->ip.daddr;
	sa = quoted_sa(nn, AF_INET, &src, &dst, *spi, q->ip.protocol);
	if (!sa ||
	    !quoted_encap_ok(skb, sa, q->ip.protocol, qoff + q->ip.ihl * 4) ||
	    sa->flags & NFIPSEC_SA_F_NOPMTUDISC ||
	    nf_checksum(skb, NF_INET_LOCAL_IN, thoff, IPPROTO_ICMP, AF_INET))
		return;
	mtu = ntohs(q->icmp.un.frag.mtu);	/* q is gone after the pull */
	if (sa->mode == NFIPSEC_MODE_TRANSPORT) {
		pmtu_learn(nn, sa, mtu,
			   READ_ONCE(nn->net->ipv4.ip_rt_min_pmtu));
		return;
	}
	/* ipv4_update_pmtu() reads the quoted header at skb->data. */
	if (!pull_quoted(skb, qoff, sizeof(struct iphdr)))
		return;
	ipv4_update_pmtu(skb, nn->net, mtu, 0, sa->proto);
	__skb_push(skb, qoff);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU);
}

static void pmtu_icmp6(struct nfipsec_net *nn, struct sk_buff *skb, int thoff)
{
	struct {
		struct icmp6hdr icmp;
		struct ipv6hdr ip;
	} _q;
	const typeof(_q) *q;
	union nfipsec_addr src, dst;
	struct nfipsec_sa *sa;
	unsigned int qoff;
	int uoff;
	__be32 mtu, _spi;
	const __be32 *spi;
	__be16 frag_off;
	int espoff;
	u32 mark;
	u8 nexthdr;

	q = skb_header_pointer(skb, thoff, sizeof(_q), &_q);
	if (!q || q->icmp.icmp6_type != ICMPV6_PKT_TOOBIG || q->ip.version != 6)
		return;
	/*
	 * Tunnel mode's ESP follows the IPv6 header; transport mode's may
	 * follow extension headers, or a fragment header (the stack
	 * fragments what is over the route's PMTU exception, output.c).
	 */
	qoff = thoff + sizeof(struct icmp6hdr);
	nexthdr = q->ip.nexthdr;
	espoff = nfipsec_flow_skip6(skb, qoff + sizeof(struct ipv6hdr),
				    &nexthdr, &frag_off);
	if (espoff < 0 || (nexthdr != IPPROTO_ESP && nexthdr != IPPROTO_UDP &&
			   nexthdr != IPPROTO_AH) ||
	    frag_off & htons(IP6_OFFSET))
		return;
	uoff = espoff;
	espoff += quoted_spi_off(nexthdr);
	spi = skb_header_pointer(skb, espoff, sizeof(_spi), &_spi);
	if (!spi)
		return;
	src.a6 = q->ip.saddr;
	dst.a6 = q->ip.daddr;
	sa = quoted_sa(nn, AF_INET6, &src, &dst, *spi, nexthdr);
	if (!sa || !quoted_encap_ok(skb, sa, nexthdr, uoff) ||
	    nf_checksum(skb, NF_INET_LOCAL_IN, thoff, IPPROTO_ICMPV6, AF_INET6))
		return;
	mark = READ_ONCE(sa->smark);
	mtu = q->icmp.icmp6_mtu;
	if (sa->mode == NFIPSEC_MODE_TRANSPORT) {
		pmtu_learn(nn, sa, ntohl(mtu), IPV6_MIN_MTU);
		return;
	}
	/* ip6_update_pmtu() reads the quoted header at skb->data. */
	if (!pull_quoted(skb, qoff, sizeof(struct ipv6hdr)))
		return;
	ip6_update_pmtu(skb, nn->net, mtu, 0, mark, sock_net_uid(nn->net, NULL));
	__skb_push(skb, qoff);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU);
}

/* An ICMP or ICMPv6 packet to this host, its header at thoff. */
void nfipsec_pmtu_rcv(struct nfipsec_net *nn, struct sk_buff *skb,
		      const struct nfipsec_flow *fl, int thoff)
{
	/*
	 * icmp_rcv() takes no error sent to a broadcast or multicast. One
	 * this host sent itself (output.c's, to a local sender whose packet
	 * was too big) says nothing of the path.
	 */
	if (thoff < 0 || skb->pkt_type != PACKET_HOST ||
	    (skb->dev && skb->dev->flags & IFF_LOOPBACK))
		return;
	if (fl->family == AF_INET && fl->proto == IPPROTO_ICMP)
		pmtu_icmp4(nn, skb, thoff);
	else if (fl->family == AF_INET6 && fl->proto == IPPROTO_ICMPV6)
		pmtu_icmp6(nn, skb, thoff);
}
