// SPDX-License-Identifier: GPL-2.0
/* The fields of a packet that selectors match: addresses, protocol, ports. */

#include <linux/capability.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/sock.h>

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
 * ipv6_skip_exthdr(), but AH ends the walk as ESP does: it is IPsec's
 * (input.c), not a header to look through.
 */
int nfipsec_flow_skip6(const struct sk_buff *skb, int start, u8 *nexthdrp,
		       __be16 *frag_offp)
{
	u8 nexthdr = *nexthdrp;

	*frag_offp = 0;
	while (ipv6_ext_hdr(nexthdr) && nexthdr != NEXTHDR_AUTH) {
		struct ipv6_opt_hdr _hdr;
		const struct ipv6_opt_hdr *hp;
		__be16 _fo;
		const __be16 *fo;
		int hdrlen;

		if (nexthdr == NEXTHDR_NONE)
			return -1;
		hp = skb_header_pointer(skb, start, sizeof(_hdr), &_hdr);
		if (!hp)
			return -1;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			fo = skb_header_pointer(skb, start +
						offsetof(struct frag_hdr, frag_off),
						sizeof(_fo), &_fo);
			if (!fo)
				return -1;
			*frag_offp = *fo;
			if (ntohs(*fo) & ~0x7)
				break;
			hdrlen = 8;
		} else {
			hdrlen = ipv6_optlen(hp);
		}
		nexthdr = hp->nexthdr;
		start += hdrlen;
	}
	*nexthdrp = nexthdr;
	return start;
}

/*
 * Fill fl from the IP packet at skb's network header; *thoff gets the
 * offset of the transport header (after IPv6 extension headers; of AH,
 * for AH), or -1. Ports are read from first fragments and unfragmented
 * packets only.
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
		off = nfipsec_flow_skip6(skb, skb_network_offset(skb) +
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

/* An ICMP error whose quoted packet names a flow (XFRM's icmp_err_packet). */
static bool flow_icmp_err(const struct sk_buff *skb, u8 family, int thoff)
{
	u8 _type;
	const u8 *type = skb_header_pointer(skb, thoff, sizeof(_type), &_type);

	if (!type)
		return false;
	if (family == AF_INET)
		return *type == ICMP_DEST_UNREACH || *type == ICMP_TIME_EXCEEDED;
	return *type == ICMPV6_DEST_UNREACH || *type == ICMPV6_PKT_TOOBIG ||
	       *type == ICMPV6_TIME_EXCEED;
}

/*
 * An ICMP error fl (its transport header at thoff): the flow of the
 * packet it quotes, reversed (the direction of the flow the error is
 * about, as XFRM's xfrm_decode_session_reverse() of it), in *rev. 0, or
 * -EINVAL when fl is no such error, its quote is cut short of the
 * addresses, or the error does not go to the quoted packet's source.
 */
int nfipsec_flow_icmp_inner(const struct sk_buff *skb,
			    const struct nfipsec_flow *fl, int thoff,
			    struct nfipsec_flow *rev)
{
	/* The quote follows the 8-byte ICMP header (both families). */
	int off = thoff + 8, inner_thoff = -1;
	struct nfipsec_flow q;

	if (thoff < 0 ||
	    fl->proto != (fl->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6) ||
	    !flow_icmp_err(skb, fl->family, thoff))
		return -EINVAL;
	memset(&q, 0, sizeof(q));
	q.family = fl->family;
	if (fl->family == AF_INET) {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5)
			return -EINVAL;
		q.src.a4 = iph->saddr;
		q.dst.a4 = iph->daddr;
		q.proto = iph->protocol;
		if (!(iph->frag_off & htons(IP_OFFSET)))
			inner_thoff = off + iph->ihl * 4;
	} else {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;
		__be16 frag_off;
		u8 nexthdr;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return -EINVAL;
		q.src.a6 = ip6h->saddr;
		q.dst.a6 = ip6h->daddr;
		nexthdr = ip6h->nexthdr;
		off = nfipsec_flow_skip6(skb, off + sizeof(*ip6h), &nexthdr,
					 &frag_off);
		if (off < 0)
			return -EINVAL;
		q.proto = nexthdr;
		if (!(frag_off & htons(IP6_OFFSET)))
			inner_thoff = off;
	}
	/* The quote's ports, when it holds them (RFC 792: 8 bytes at least). */
	if (inner_thoff >= 0)
		flow_ports(skb, inner_thoff, &q);
	/*
	 * An error goes to the quoted packet's sender: one that goes
	 * elsewhere is not about that flow (XFRM takes any quote).
	 */
	if (!nfipsec_addr_equal(&q.src, &fl->dst, fl->family))
		return -EINVAL;
	*rev = q;
	rev->src = q.dst;
	rev->dst = q.src;
	rev->sport = q.dport;
	rev->dport = q.sport;
	return 0;
}

/*
 * The packet's addresses and ports as they arrived, before NAT changed
 * them (the conntrack tuple of its direction): rewrites fl and returns
 * true when they differ. ICMP errors (related) keep their own addresses.
 */
bool nfipsec_flow_prenat(const struct sk_buff *skb, struct nfipsec_flow *fl)
{
#if IS_ENABLED(CONFIG_NF_NAT)
	const struct nf_conntrack_tuple *t;
	enum ip_conntrack_info ctinfo;
	struct nfipsec_flow orig;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !(ct->status & IPS_NAT_MASK) ||
	    ctinfo == IP_CT_RELATED || ctinfo == IP_CT_RELATED_REPLY)
		return false;
	t = &ct->tuplehash[CTINFO2DIR(ctinfo)].tuple;
	if (t->dst.protonum != fl->proto)
		return false;
	orig = *fl;
	if (fl->family == AF_INET) {
		orig.src.a4 = t->src.u3.ip;
		orig.dst.a4 = t->dst.u3.ip;
	} else {
		orig.src.a6 = t->src.u3.in6;
		orig.dst.a6 = t->dst.u3.in6;
	}
	if (fl->sport || fl->dport) {
		orig.sport = t->src.u.all;
		orig.dport = t->dst.u.all;
	}
	if (!memcmp(&orig, fl, sizeof(orig)))
		return false;
	*fl = orig;
	return true;
#else
	return false;
#endif
}

static bool ike_port(const struct nfipsec_net *nn, __be16 port)
{
	/* Pairs with the store-release of netlink.c's set_info. */
	unsigned int i, n = smp_load_acquire(&nn->ike_nports);

	for (i = 0; i < n && i < NFIPSEC_IKE_PORTS_MAX; i++)
		if (READ_ONCE(nn->ike_ports[i]) == port)
			return true;
	return false;
}

/*
 * A socket opened with CAP_NET_ADMIN in the namespace: the privilege XFRM
 * asks for a socket policy (IP_XFRM_POLICY), with which an IKE daemon
 * exempts its own sockets (XFRM also asks for the opt-in itself; nfipsec
 * has no socket option). As in xt_owner, the socket is RCU-freed and its
 * file read under RCU (since 6.7 files are SLAB_TYPESAFE_BY_RCU: the file
 * may be being reused, when the socket is already going).
 */
static bool sock_admin(const struct nfipsec_net *nn, const struct sock *sk)
{
	const struct socket *sock;
	const struct file *filp;

	if (!sk || !sk_fullsock(sk) || !net_eq(sock_net(sk), nn->net))
		return false;
	sock = READ_ONCE(sk->sk_socket);
	filp = sock ? READ_ONCE(sock->file) : NULL;
	return filp && file_ns_capable(filp, nn->net->user_ns, CAP_NET_ADMIN);
}

/*
 * The UDP socket UDP's input would give a unicast datagram to this host
 * (no reference taken); NULL for broadcast and multicast, which reach
 * every socket bound to the port.
 */
static struct sock *udp_lookup(struct net *net, const struct sk_buff *skb,
			       const struct nfipsec_flow *fl)
{
	if (fl->family == AF_INET) {
		const struct rtable *rt = skb_rtable(skb);

		if (!rt || (rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)))
			return NULL;
		return nfipsec_udp4_lookup(net, fl->src.a4, fl->sport,
					   fl->dst.a4, fl->dport,
					   inet_iif(skb), inet_sdif(skb));
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_addr_is_multicast(&fl->dst.a6))
		return NULL;
	return nfipsec_udp6_lookup(net, &fl->src.a6, fl->sport, &fl->dst.a6,
				   fl->dport, inet6_iif(skb), inet6_sdif(skb));
#else
	return NULL;
#endif
}

/*
 * IKE to this host: a unicast UDP datagram to a port of the namespace's
 * IKE port set for a socket opened with CAP_NET_ADMIN. XFRM lets through
 * what the IKE daemon's socket policy bypasses, on its own sockets only;
 * any other socket on the port (an unprivileged user may bind 4500) meets
 * the policies and defaults as every other packet does. The socket is the
 * one early demux (or TPROXY) assigned, else the one UDP's lookup finds,
 * which the datagram is then given to, as TPROXY does: what runs between
 * this hook and UDP's input (a nat input chain, a reuseport program) does
 * not send it to another.
 */
bool nfipsec_flow_is_ike_in(const struct nfipsec_net *nn, struct sk_buff *skb,
			    const struct nfipsec_flow *fl)
{
	struct sock *sk;

	if (fl->proto != IPPROTO_UDP || !ike_port(nn, fl->dport))
		return false;
	if (skb->sk)
		return sock_admin(nn, skb->sk);
	sk = udp_lookup(nn->net, skb, fl);
	if (!sock_admin(nn, sk) || !refcount_inc_not_zero(&sk->sk_refcnt))
		return false;
	skb->sk = sk;
	skb->destructor = sock_edemux;
	return true;
}

/*
 * Where NAT-T's ESP in UDP may arrive: UDP to a port of the IKE port set
 * but 500 (IKE's own there has no non-ESP marker to tell it from ESP).
 */
bool nfipsec_flow_is_encap(const struct nfipsec_net *nn,
			   const struct nfipsec_flow *fl)
{
	return fl->proto == IPPROTO_UDP && fl->dport != htons(500) &&
	       ike_port(nn, fl->dport);
}

/*
 * IKE from this host: UDP generated here, from a port of the IKE port set,
 * by a socket opened with CAP_NET_ADMIN in the namespace.
 */
bool nfipsec_flow_is_ike_out(const struct nfipsec_net *nn,
			     const struct sk_buff *skb,
			     const struct nfipsec_flow *fl)
{
	if (fl->proto != IPPROTO_UDP || skb->skb_iif ||
	    !ike_port(nn, fl->sport))
		return false;
	return sock_admin(nn, skb_to_full_sk(skb));
}
