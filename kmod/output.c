// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound: at POST_ROUTING (before SNAT), a packet, forwarded or locally
 * generated, is matched against the "out" policies; the first match decides:
 * discard, pass in clear, or encapsulate with the SA its template selects
 * (tunnel mode: a new outer IPv4 or IPv6 header between the SA's endpoints).
 *
 * The outer packet leaves through ip_local_out()/ip6_local_out(), so the
 * firewall and NAT see it; it carries IPSKB_XFRM_TRANSFORMED (or the IPv6
 * flag), by which the SPD never matches it again, as XFRM marks its own.
 *
 * The outer header, as XFRM's tunnel mode builds it: DSCP copied, ECN by
 * RFC 6040's normal mode (CE becomes ECT(0); Not-ECT with "flag noecn"),
 * an IPv4 outer header with the inner IPv4 packet's DF, or DF over an
 * inner IPv6 packet over 1280 bytes ("flag nopmtudisc": never), an IPv6
 * one with the inner IPv6 packet's flow label.
 *
 * Size: an inner packet larger than the tunnel's MTU (the route's to the
 * peer, whose PMTU ICMP errors lower, pmtu.c, less ESP's overhead) is
 * refused with frag-needed / packet-too-big when its sender must not have
 * it fragmented; a datagram that netfilter reassembled (IPv6 always) is
 * fragmented again as it arrived, and each fragment encapsulated; other
 * IPv4 packets are encapsulated whole and the outer packet fragmented, as
 * XFRM does, but never into an outer packet over 65535 bytes.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/netfilter_ipv6.h>
#include <net/addrconf.h>
#include <net/dsfield.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "nfipsec.h"
#include "ah.h"
#include "esp.h"
#include "lifetime.h"
#include "policy.h"

/*
 * Kept in skb->cb between the hook and the end of encryption, with the
 * reference on nfipsec0 that a packet in flight holds: unregistering
 * nfipsec0 (a dying namespace, the module's unload) waits for it, so no
 * completion outlives the namespace's state or the module (input.c).
 */
struct nfipsec_xmit_cb {
	struct net_device *dev;
	unsigned int inner_len;
	__be32 flowlabel;	/* the outer IPv6 header's */
	u16 hlen;		/* transport: the headers kept in front */
	u32 pmtu;		/* transport: the path MTU, as xmit_hdrs */
	u8 dsfield;		/* the outer header's */
	bool df;		/* the outer IPv4 header's */
};

#define XMIT_CB(skb) ((struct nfipsec_xmit_cb *)(skb)->cb)

static unsigned int outer_hlen(u8 family)
{
	return family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

static bool sa_transport(const struct nfipsec_sa *sa)
{
	return sa->mode == NFIPSEC_MODE_TRANSPORT;
}

/*
 * The headers in front of the ESP header: tunnel mode's new IP header, or
 * in transport mode the packet's own (hlen: with IPv4 options, or IPv6's
 * extension headers that stay before ESP); and NAT-T's UDP header.
 */
static unsigned int esp_hlen(const struct nfipsec_sa *sa, unsigned int hlen)
{
	return (sa_transport(sa) ? hlen : outer_hlen(sa->family)) +
	       nfipsec_sa_encap_len(sa);
}

/* The ESP header and IV, or AH (its header, ICV and padding). */
static unsigned int xfrm_hlen(const struct nfipsec_sa *sa)
{
	if (sa->proto == IPPROTO_AH)
		return nfipsec_ah_len(sa);
	return sizeof(struct ip_esp_hdr) + sa->ivlen;
}

/* The largest packet (headers hlen) whose ESP or AH packet fits mtu. */
static int esp_inner_mtu(const struct nfipsec_sa *sa, unsigned int mtu,
			 unsigned int hlen)
{
	int room = mtu - esp_hlen(sa, hlen) - xfrm_hlen(sa);

	if (sa->proto == IPPROTO_AH)
		room = max_t(int, room, 0);
	else
		room = max_t(int, round_down(room - sa->icvlen, sa->align) - 2,
			     0);
	return sa_transport(sa) ? room + hlen : room;
}

/* The length of the ESP or AH packet of a len-byte packet (headers hlen). */
static unsigned int esp_outer_len(const struct nfipsec_sa *sa, unsigned int len,
				  unsigned int hlen)
{
	unsigned int plen = sa_transport(sa) ? len - hlen : len;

	if (sa->proto == IPPROTO_AH)
		return esp_hlen(sa, hlen) + xfrm_hlen(sa) + plen;
	return esp_hlen(sa, hlen) + xfrm_hlen(sa) +
	       ALIGN(plen + 2, sa->align) + sa->icvlen;
}

/* Can the outer header's length field hold an ESP packet of len? */
static bool esp_outer_fits(const struct nfipsec_sa *sa, unsigned int len,
			   unsigned int hlen)
{
	unsigned int max = sa->family == AF_INET ? IP_MAX_MTU :
			   IPV6_MAXPLEN + sizeof(struct ipv6hdr);

	return esp_outer_len(sa, len, hlen) <= max;
}

/*
 * The MTU of an IPv6 route itself (its mtu attribute, or the device's),
 * not of a PMTU exception: the route a lookup returns may be one, whose
 * metric is the exception's value.
 */
static unsigned int esp_route6_own_mtu(const struct dst_entry *dst)
{
	const struct rt6_info *rt = container_of(dst, struct rt6_info, dst);
	unsigned int mtu = ip6_dst_mtu_maybe_forward(dst, true);
	const struct fib6_info *from;

	rcu_read_lock();
	from = rcu_dereference(rt->from);
	if (from && from->fib6_pmtu)
		mtu = min(mtu, from->fib6_pmtu);
	rcu_read_unlock();
	return mtu;
}

/*
 * The largest ESP packet the path to sa's peer takes. Tunnel mode: the
 * MTU of the route to the peer, PMTU exceptions included (pmtu.c lowers
 * them). Transport mode: the route's own MTU (its mtu attribute, or the
 * device's, as the output path sizes forwarded packets), and what an ICMP
 * error said of this SA's packets (pmtu.c), but not the route's PMTU
 * exception. That route is also the sockets' to the peer, and its
 * exception their view, which xmit_too_big() lowers to the MTU left after
 * ESP: if it also bounded ESP packets, each frag-needed would shrink it
 * again. (XFRM keeps the two apart in a bundle dst.)
 */
static unsigned int esp_path_mtu(const struct nfipsec_sa *sa,
				 const struct dst_entry *dst)
{
	unsigned int mtu;
	u32 pmtu;

	if (!sa_transport(sa))
		return dst_mtu(dst);
	if (sa->family == AF_INET) {
		/*
		 * Not ip_dst_mtu_maybe_forward(): with ip_forward_use_pmtu,
		 * or a locked MTU, it gives the exception.
		 */
		mtu = dst_metric_raw(dst, RTAX_MTU) ?: READ_ONCE(dst->dev->mtu);
		mtu = min_t(unsigned int, mtu, IP_MAX_MTU);
		mtu -= lwtunnel_headroom(dst->lwtstate, mtu);
	} else {
		mtu = esp_route6_own_mtu(dst);
	}
	pmtu = smp_load_acquire(&sa->pmtu);	/* then its expiry: pmtu.c */
	if (pmtu && time_before64(get_jiffies_64(), READ_ONCE(sa->pmtu_expires)))
		mtu = min(mtu, pmtu);
	return mtu;
}

/*
 * Transport mode: where ESP goes. hlen: the length of the headers that
 * stay in front of it, as XFRM places it (IPv6: ip6_find_1stfragopt(),
 * after hop-by-hop, routing and the destination options before a routing
 * header), all in the linear part; nhoff: the offset of the next-header
 * field that will say ESP. -EINVAL: not a packet transport mode can take
 * (a fragment: only whole datagrams are, RFC 4303 3.3).
 */
struct xmit_hdrs {
	u16 hlen, nhoff;
	u32 pmtu;	/* the SA's path MTU (esp_path_mtu()), once a packet */
};

static int transport_hdrs(struct sk_buff *skb, u8 family,
			  struct xmit_hdrs *h)
{
	u8 *prevhdr;
	int hlen;

	if (family == AF_INET) {
		if (ip_is_fragment(ip_hdr(skb)))
			return -EINVAL;
		h->hlen = ip_hdrlen(skb);
		h->nhoff = offsetof(struct iphdr, protocol);
		return 0;
	}
	hlen = ip6_find_1stfragopt(skb, &prevhdr);
	if (hlen < 0 || *prevhdr == NEXTHDR_FRAGMENT)
		return -EINVAL;
	h->hlen = hlen;
	h->nhoff = prevhdr - skb_network_header(skb);
	return 0;
}

static struct dst_entry *esp_route6(struct net *net, struct nfipsec_sa *sa,
				    u32 mark)
{
	struct flowi6 fl6 = {
		.daddr = sa->dst.a6,
		.saddr = sa->src.a6,
		.flowi6_proto = sa->encap_type ? IPPROTO_UDP : sa->proto,
		.flowi6_mark = mark,
	};
	struct dst_entry *dst;
	int err;

	if (sa->encap_type) {	/* routed as the IKE daemon's UDP is */
		fl6.fl6_sport = READ_ONCE(sa->encap_sport);
		fl6.fl6_dport = READ_ONCE(sa->encap_dport);
	}
	dst = ip6_route_output(net, NULL, &fl6);
	err = dst->error;

	if (err) {
		dst_release(dst);
		return ERR_PTR(err);
	}
	return dst;
}

/*
 * The source address the route to dst gives (XFRM's xfrm_get_saddr(), for
 * a tunnel template without a source). Under rcu_read_lock().
 */
int nfipsec_route_saddr(struct net *net, u8 family,
			const union nfipsec_addr *dst, union nfipsec_addr *src)
{
	struct dst_entry *d;
	int err;

	if (family == AF_INET) {
		struct flowi4 fl4 = { .daddr = dst->a4 };
		struct rtable *rt = __ip_route_output_key(net, &fl4);

		if (IS_ERR(rt))
			return PTR_ERR(rt);
		src->a4 = fl4.saddr;
		ip_rt_put(rt);
		return 0;
	}
	{
		struct flowi6 fl6 = { .daddr = dst->a6 };

		d = ip6_route_output(net, NULL, &fl6);
		err = d->error;
		if (!err && !ip6_dst_idev(d))
			err = -ENETUNREACH;
		if (!err)
			err = ipv6_dev_get_saddr(net, ip6_dst_idev(d)->dev,
						 &dst->a6, 0, &src->a6);
		dst_release(d);
	}
	return err;
}

/* The route of sa's packets (and of its NAT keepalives, keepalive.c). */
struct dst_entry *nfipsec_sa_route(struct net *net, struct nfipsec_sa *sa,
				   u32 mark)
{
	if (sa->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->dst.a4,
			.saddr = sa->src.a4,
			.flowi4_proto = sa->encap_type ? IPPROTO_UDP : sa->proto,
			.flowi4_mark = mark,
		};
		struct rtable *rt;

		if (sa->encap_type) {	/* as the IKE daemon's UDP */
			fl4.fl4_sport = READ_ONCE(sa->encap_sport);
			fl4.fl4_dport = READ_ONCE(sa->encap_dport);
		}
		rt = __ip_route_output_key(net, &fl4);

		return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
	}
	return esp_route6(net, sa, mark);
}

static void xmit_drop(struct sk_buff *skb, struct nfipsec_sa *sa,
		      enum nfipsec_stat ns, enum nfipsec_sa_stat ss)
{
	nfipsec_stat_inc(sa->nn, ns);
	nfipsec_sa_stat_add(sa, ss, 1);
	kfree_skb(skb);
}

/*
 * NAT-T: the UDP header in front of ESP (or of a NAT keepalive, keepalive.c)
 * at skb->data, from the SA's ports.
 */
void nfipsec_xmit_encap_push(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct udphdr *uh = skb_push(skb, sizeof(*uh));

	uh->source = READ_ONCE(sa->encap_sport);
	uh->dest = READ_ONCE(sa->encap_dport);
	uh->len = htons(skb->len);
	uh->check = 0;		/* IPv4: none (RFC 3948 2.1) */
	skb_reset_transport_header(skb);
}

/* IPv6 needs the UDP checksum: the device's to compute where it can. */
static void xmit_encap_csum6(struct sk_buff *skb)
{
	udp6_set_csum(false, skb, &ipv6_hdr(skb)->saddr,
		      &ipv6_hdr(skb)->daddr, ntohs(udp_hdr(skb)->len));
}

/* What ESP or AH follows: the field in front of it names this. */
static u8 xmit_proto(const struct nfipsec_sa *sa)
{
	if (sa->proto == IPPROTO_AH)
		return IPPROTO_AH;
	return sa->encap_type ? IPPROTO_UDP : IPPROTO_ESP;
}

/*
 * A new outer IP header in front of skb->data (routed already), from sa's
 * addresses, naming what xmit_proto() says follows: tunnel mode's, and a
 * NAT keepalive's (keepalive.c). skb->data becomes the network header.
 */
void nfipsec_xmit_outer(struct sk_buff *skb, struct nfipsec_sa *sa,
			u8 dsfield, bool df, __be32 flowlabel)
{
	if (sa->family == AF_INET) {
		struct iphdr *iph;

		skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = dsfield;
		iph->tot_len = htons(skb->len);
		iph->frag_off = df ? htons(IP_DF) : 0;
		iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
		iph->protocol = xmit_proto(sa);
		iph->saddr = sa->src.a4;
		iph->daddr = sa->dst.a4;
		ip_select_ident(sa->nn->net, skb, NULL);
	} else {
		struct ipv6hdr *ip6h;

		skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		ip6h = ipv6_hdr(skb);
		ip6_flow_hdr(ip6h, dsfield, flowlabel);
		ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
		ip6h->nexthdr = xmit_proto(sa);
		ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
		ip6h->saddr = sa->src.a6;
		ip6h->daddr = sa->dst.a6;
	}
}

/*
 * The headers in front of ESP (after encryption) or AH (before its ICV is
 * computed, which covers them): tunnel mode's new IP header, or transport
 * mode's own, right before the gap xmit_transport_split() left, with its
 * length set. skb->data becomes the network header.
 */
static void xmit_headers(struct sk_buff *skb, struct nfipsec_sa *sa)
{
	if (!sa_transport(sa)) {
		nfipsec_xmit_outer(skb, sa, XMIT_CB(skb)->dsfield,
				   XMIT_CB(skb)->df, XMIT_CB(skb)->flowlabel);
	} else {
		skb_push(skb, XMIT_CB(skb)->hlen);
		skb_reset_network_header(skb);
		if (sa->family == AF_INET)
			ip_hdr(skb)->tot_len = htons(skb->len);
		else
			ipv6_hdr(skb)->payload_len =
				htons(skb->len - sizeof(struct ipv6hdr));
	}
	if (sa->family == AF_INET6 && sa->encap_type)
		xmit_encap_csum6(skb);
}

/* The finished packet, at its network header: out. */
static void xmit_send(struct sk_buff *skb, struct nfipsec_sa *sa)
{
	unsigned int pmtu = XMIT_CB(skb)->pmtu;	/* before IP[6]CB() */
	struct net *net = sa->nn->net;
	unsigned int mtu;

	if (sa->family == AF_INET) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IP);
		if (sa_transport(sa)) {
			/*
			 * Sized by the route's own MTU, not its PMTU
			 * exception (esp_path_mtu()): ip_finish_output()
			 * uses that for forwarded packets. One over the
			 * SA's path MTU (from a sender that lets the stack
			 * fragment, as UDP by default: xmit_fit() allowed
			 * it) is fragmented at that MTU; left whole, with
			 * the sender's DF, the smaller hop would drop it
			 * every time.
			 */
			IPCB(skb)->flags |= IPSKB_FORWARDED;
			skb->ignore_df = 1;
			mtu = min_t(unsigned int, pmtu,
				    ip_skb_dst_mtu(skb->sk, skb));
			if (skb->len > mtu)
				IPCB(skb)->frag_max_size = mtu;
		}
		ip_local_out(net, skb->sk, skb);	/* the checksum */
		return;
	}
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
	skb->protocol = htons(ETH_P_IPV6);
	/* We are its source: it may be fragmented (xmit_fit() allowed it). */
	skb->ignore_df = 1;
	if (sa_transport(sa)) {
		/*
		 * At the SA's path MTU, as IPv4; also when over the PMTU
		 * exception of the route (local sockets were told the MTU
		 * after ESP): ip6_finish_output() has no way around it.
		 */
		mtu = min_t(unsigned int, pmtu, ip6_skb_dst_mtu(skb));
		if (skb->len > mtu)
			IP6CB(skb)->frag_max_size = mtu;
	}
	ip6_local_out(net, skb->sk, skb);
}

/*
 * Encryption (ESP) or the ICV (AH) is done: ESP's headers go on; send.
 * AH's were put on before (xmit_one()).
 */
static void xmit_encrypted(struct sk_buff *skb, struct nfipsec_sa *sa,
			   u64 seq, int err)
{
	/*
	 * The device the packet had may be gone after asynchronous crypto;
	 * the route's is held by the route (or is the blackhole device).
	 */
	skb->dev = READ_ONCE(skb_dst(skb)->dev);
	if (unlikely(err)) {
		if (err == -ERANGE) {
			/* No number left: the SA's life is over (lifetime.c). */
			nfipsec_lft_seq_exhausted(sa);
			xmit_drop(skb, sa, NFIPSEC_STAT_OUT_STATE_SEQ_ERROR,
				  NFIPSEC_SA_STAT_SEQ_OVERFLOW);
		} else if (err == -ENOSPC || err == -EAGAIN || err == -EBUSY)
			xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR,
				  NFIPSEC_SA_STAT_CRYPTO_BUSY);
		else
			xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR,
				  NFIPSEC_SA_STAT_ERROR);
		goto out;
	}
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_PACKETS, 1);
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_BYTES, XMIT_CB(skb)->inner_len);
	nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_PACKETS);
	nf_reset_ct(skb);

	if (sa->proto == IPPROTO_ESP) {
		if (sa->encap_type)
			nfipsec_xmit_encap_push(skb, sa);
		xmit_headers(skb, sa);
	}
	xmit_send(skb, sa);
out:
	nfipsec_sa_put(sa);
}

/* The end of ESP output: the packet's fate, then nfipsec0's reference. */
static void xmit_done(struct sk_buff *skb, struct nfipsec_sa *sa, u64 seq,
		      int err)
{
	struct net_device *dev = XMIT_CB(skb)->dev;

	xmit_encrypted(skb, sa, seq, err);
	dev_put(dev);
}

static int xmit_mtu6(int inner_mtu)
{
	return max_t(int, inner_mtu, IPV6_MIN_MTU);
}

enum xmit_fit {
	XMIT_WHOLE,	/* encapsulate it whole */
	XMIT_FRAGMENT,	/* fragment it at IP[6]CB()->frag_max_size first */
	XMIT_TOO_BIG,	/* refuse it: frag-needed or packet-too-big */
};

/*
 * Transport mode takes whole datagrams only: one too big (a GSO packet:
 * its segments) is refused when its sender must not have it fragmented
 * (IPv4 DF, as ip_fragment(); IPv6 from a socket that does not let the
 * stack fragment, or forwarded, as ip6_fragment(), but never below 1280),
 * and otherwise encrypted whole and the ESP packet fragmented.
 */
static enum xmit_fit xmit_fit_transport(struct sk_buff *skb, u8 family,
					int inner_mtu)
{
	unsigned int max;

	if (family == AF_INET) {
		max = IPCB(skb)->frag_max_size;
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) || inner_mtu < 68)
			return XMIT_WHOLE;
		if (max ? max > inner_mtu : !skb->ignore_df)
			return XMIT_TOO_BIG;
		return XMIT_WHOLE;
	}
	inner_mtu = xmit_mtu6(inner_mtu);
	max = IP6CB(skb)->frag_max_size;
	if (max)
		return max > inner_mtu ? XMIT_TOO_BIG : XMIT_WHOLE;
	if (skb->ignore_df || (skb_is_gso(skb) ?
			       skb_gso_validate_network_len(skb, inner_mtu) :
			       skb->len <= inner_mtu))
		return XMIT_WHOLE;
	return XMIT_TOO_BIG;
}

/*
 * An inner packet too big for the tunnel (inner_mtu): what the stack would
 * do with it on a link of that MTU (ip_forward(), ip_fragment(),
 * ip6_fragment()). A GSO packet is segmented later; its segments fit.
 */
static enum xmit_fit xmit_fit(struct sk_buff *skb, const struct nfipsec_sa *sa,
			      u8 family, int inner_mtu, unsigned int hlen)
{
	unsigned int max;

	if (sa_transport(sa))
		return xmit_fit_transport(skb, family, inner_mtu);
	if (family == AF_INET) {
		max = IPCB(skb)->frag_max_size;
		if (ip_hdr(skb)->frag_off & htons(IP_DF)) {
			/* Reassembled: its fragments, with DF, decide. */
			if (max ? max > inner_mtu : !skb->ignore_df)
				return inner_mtu < 68 ? XMIT_WHOLE : XMIT_TOO_BIG;
			if (max && !skb_is_gso(skb))
				return XMIT_FRAGMENT;
		}
		if (skb_is_gso(skb) || esp_outer_fits(sa, skb->len, hlen))
			return XMIT_WHOLE;	/* the outer packet is fragmented */
		IPCB(skb)->frag_max_size = max_t(int, inner_mtu, 68);
		return XMIT_FRAGMENT;
	}
	/*
	 * IPv6 is never told less than 1280 (xfrm6_tunnel_check_size()):
	 * up to that, the outer packet is fragmented instead.
	 */
	inner_mtu = xmit_mtu6(inner_mtu);
	max = IP6CB(skb)->frag_max_size;
	if (max ? max > inner_mtu : !skb->ignore_df && skb->len > inner_mtu)
		return XMIT_TOO_BIG;
	if (skb_is_gso(skb))
		return XMIT_WHOLE;
	if (max || skb->len > inner_mtu || !esp_outer_fits(sa, skb->len, hlen)) {
		/* Fragments no larger than those that arrived. */
		IP6CB(skb)->frag_max_size = min_not_zero(max, (unsigned int)inner_mtu);
		return XMIT_FRAGMENT;
	}
	return XMIT_WHOLE;	/* up to 1280: the outer packet is fragmented */
}

/* Tell the sender, and the route it took, the tunnel's MTU. */
static void xmit_too_big(struct sk_buff *skb, u8 family, int inner_mtu)
{
	skb_dst_update_pmtu_no_confirm(skb, inner_mtu);
	if (family == AF_INET)
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			  htonl(inner_mtu));
	else
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, inner_mtu);
}

/*
 * Transport mode: move the packet's headers (hlen) forward by the ESP
 * header and IV (and NAT-T's UDP header), so that ESP goes between them
 * and the payload; the protocol they name becomes ESP's next header.
 * skb->data is left at the payload, the headers right before the gap
 * (xmit_encrypted() takes them back). The caller made the headroom and the
 * headers writable.
 */
static u8 xmit_transport_split(struct sk_buff *skb, const struct nfipsec_sa *sa,
			       const struct xmit_hdrs *h)
{
	unsigned int gap = nfipsec_sa_encap_len(sa) + xfrm_hlen(sa);
	u8 nexthdr;

	__skb_push(skb, gap);
	memmove(skb->data, skb->data + gap, h->hlen);
	skb_reset_network_header(skb);
	nexthdr = skb->data[h->nhoff];
	skb->data[h->nhoff] = xmit_proto(sa);
	__skb_pull(skb, h->hlen + gap);
	return nexthdr;
}

/*
 * One (non-GSO) packet: resolve its checksum, encapsulate, send. Consumes
 * skb and one reference on sa. h: transport mode's headers.
 */
static void xmit_one(struct sk_buff *skb, struct nfipsec_sa *sa,
		     struct dst_entry *dst, u8 family,
		     const struct xmit_hdrs *h)
{
	struct net_device *dev;
	unsigned int headroom;
	u8 inner_ds, nexthdr;

	BUILD_BUG_ON(sizeof(struct nfipsec_xmit_cb) > sizeof_field(struct sk_buff, cb));
	dev = rcu_dereference(sa->nn->dev);
	if (unlikely(!dev))
		goto drop;	/* nfipsec0 is going, with the namespace */
	if (unlikely(!esp_outer_fits(sa, skb->len, h->hlen))) {
		/* No length field could say how long it is. */
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR,
			  NFIPSEC_SA_STAT_TOO_BIG);
		nfipsec_sa_put(sa);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	/* Counted against the SA's limits now, as XFRM does on output. */
	nfipsec_lft_seq_check(sa, atomic64_read(&sa->seq_out));
	if (unlikely(!nfipsec_lft_use(sa, skb->len))) {
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_STATE_EXPIRED,
			  NFIPSEC_SA_STAT_EXPIRED);
		nfipsec_sa_put(sa);
		return;
	}
	headroom = LL_RESERVED_SPACE(dst->dev) + dst->header_len +
		   esp_hlen(sa, 0) + xfrm_hlen(sa);
	if (skb_cow_head(skb, headroom))
		goto drop;

	XMIT_CB(skb)->inner_len = skb->len;
	if (sa_transport(sa)) {
		/* The packet's own header stays: DS field, DF and all. */
		if (!pskb_may_pull(skb, h->hlen))
			goto drop;
		nexthdr = xmit_transport_split(skb, sa, h);
		XMIT_CB(skb)->hlen = h->hlen;
		XMIT_CB(skb)->pmtu = h->pmtu;
		goto encrypt;
	}
	if (family == AF_INET) {
		inner_ds = ipv4_get_dsfield(ip_hdr(skb));
		XMIT_CB(skb)->df = ip_hdr(skb)->frag_off & htons(IP_DF) &&
				   !(sa->flags & NFIPSEC_SA_F_NOPMTUDISC);
		XMIT_CB(skb)->flowlabel = 0;
	} else {
		inner_ds = ipv6_get_dsfield(ipv6_hdr(skb));
		/* As xfrm4_tunnel_encap_add(): DF but up to 1280 bytes. */
		XMIT_CB(skb)->df = skb->len > IPV6_MIN_MTU &&
				   !(sa->flags & NFIPSEC_SA_F_NOPMTUDISC);
		XMIT_CB(skb)->flowlabel = ip6_flowlabel(ipv6_hdr(skb));
	}
	/* RFC 6040 normal mode: ECN copied, but CE (ECT(0) outside). */
	inner_ds = INET_ECN_encapsulate(inner_ds, inner_ds);
	if (sa->flags & NFIPSEC_SA_F_NOECN)
		inner_ds &= ~INET_ECN_MASK;
	XMIT_CB(skb)->dsfield = inner_ds;
	nexthdr = family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
encrypt:
	skb_dst_drop(skb);
	skb_dst_set(skb, dst_clone(dst));
	XMIT_CB(skb)->dev = dev;
	/* Untracked, as XFRM's per-packet hold: the tracker costs a lot. */
	dev_hold(dev);
	if (sa->proto == IPPROTO_AH) {
		/* The ICV covers the headers: they go on first. */
		__skb_push(skb, nfipsec_ah_len(sa));
		xmit_headers(skb, sa);
		nfipsec_ah_output(skb, sa, sa_transport(sa) ? h->hlen :
					   outer_hlen(sa->family),
				  nexthdr, xmit_done);
		return;
	}
	nfipsec_esp_output(skb, sa, nexthdr, xmit_done);
	return;
drop:
	xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR, NFIPSEC_SA_STAT_ERROR);
	nfipsec_sa_put(sa);
}

/*
 * The fragmenters hand each fragment to an output function (net, sk, skb):
 * it queues them here, on this CPU, BH off, until the fragmenter returns.
 */
static DEFINE_PER_CPU(struct sk_buff_head *, frag_queue);

static int frag_collect(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff_head *q = this_cpu_read(frag_queue);

	if (WARN_ON_ONCE(!q)) {
		kfree_skb(skb);
		return -EINVAL;
	}
	__skb_queue_tail(q, skb);
	return 0;
}

/*
 * Fragment the inner packet as the stack does (at IP[6]CB()->frag_max_size,
 * xmit_fit()) and encapsulate each fragment. Consumes skb, not sa's
 * reference.
 */
static void xmit_fragments(struct nfipsec_sa *sa, struct sk_buff *skb,
			   struct dst_entry *dst, u8 family)
{
	static const struct xmit_hdrs tunnel_hdrs;
	struct sk_buff_head q, *prev;
	const struct nf_ipv6_ops *v6ops;
	int err;

	__skb_queue_head_init(&q);
	local_bh_disable();
	/* A fragmenter's ICMP error could bring us back here: nest. */
	prev = this_cpu_read(frag_queue);
	this_cpu_write(frag_queue, &q);
	if (family == AF_INET) {
		err = ip_do_fragment(sa->nn->net, skb->sk, skb, frag_collect);
	} else {
		v6ops = nf_get_ipv6_ops();
		err = -EAFNOSUPPORT;
		if (v6ops)
			err = v6ops->fragment(sa->nn->net, skb->sk, skb,
					      frag_collect);
		else
			kfree_skb(skb);
	}
	this_cpu_write(frag_queue, prev);
	local_bh_enable();
	if (err) {
		/* Refused (too big for its route) or no memory: none leave. */
		__skb_queue_purge(&q);
		nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_ERROR);
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_TOO_BIG, 1);
		return;
	}
	while ((skb = __skb_dequeue(&q))) {
		if (nfipsec_sa_hold(sa))
			xmit_one(skb, sa, dst, family, &tunnel_hdrs);
		else
			kfree_skb(skb);
	}
}

/* Encapsulate skb (maybe GSO) with sa, whose reference this consumes. */
static void nfipsec_xmit(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			 struct sk_buff *skb, u8 family)
{
	struct xmit_hdrs h = {};
	struct sk_buff *segs, *next;
	struct dst_entry *dst;
	int inner_mtu;

	if (sa_transport(sa) && transport_hdrs(skb, family, &h)) {
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR,
			  NFIPSEC_SA_STAT_BAD_HEADER);
		nfipsec_sa_put(sa);
		return;
	}
	skb->mark = (skb->mark & ~READ_ONCE(sa->smask)) | READ_ONCE(sa->smark);
	dst = nfipsec_sa_route(nn->net, sa, skb->mark);
	if (IS_ERR(dst)) {
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR, NFIPSEC_SA_STAT_ERROR);
		nfipsec_sa_put(sa);
		return;
	}

	h.pmtu = esp_path_mtu(sa, dst);
	inner_mtu = esp_inner_mtu(sa, h.pmtu, h.hlen);
	if (skb_is_gso(skb) ? !skb_gso_validate_network_len(skb, inner_mtu) :
			      skb->len > inner_mtu) {
		switch (xmit_fit(skb, sa, family, inner_mtu, h.hlen)) {
		case XMIT_TOO_BIG:
			xmit_too_big(skb, family, family == AF_INET ? inner_mtu :
					      xmit_mtu6(inner_mtu));
			nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_FRAG_NEEDED);
			kfree_skb(skb);
			goto out;
		case XMIT_FRAGMENT:
			xmit_fragments(sa, skb, dst, family);
			goto out;
		case XMIT_WHOLE:
			break;
		}
	}

	if (!skb_is_gso(skb)) {
		if (nfipsec_sa_hold(sa))
			xmit_one(skb, sa, dst, family, &h);
		else
			kfree_skb(skb);
		goto out;
	}

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR, NFIPSEC_SA_STAT_ERROR);
		goto out;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (nfipsec_sa_hold(sa))
			xmit_one(skb, sa, dst, family, &h);
		else
			kfree_skb(skb);
	}
out:
	dst_release(dst);
	nfipsec_sa_put(sa);
}

/* POST_ROUTING, both families. */
unsigned int nfipsec_output(struct nfipsec_net *nn, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfipsec_flow fl, rev, *sfl = &fl;
	union nfipsec_addr src, dst;
	struct nfipsec_policy *pol;
	struct nfipsec_sa *sa;
	int thoff;

	/*
	 * Nothing leaves by nfipsec0, and nothing is looped back onto it
	 * (multicast, broadcast): only the decrypt path puts packets there.
	 */
	if (state->out && state->out == rcu_access_pointer(nn->dev))
		return NF_DROP;
	/* Forwarded: a protected flow stays off flowtables (offload.c). */
	if (state->in && !nfipsec_offload_guard(nn, skb, state)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ERROR);
		return NF_DROP;
	}
	if (!nfipsec_spd_active(nn))
		return NF_ACCEPT;
	/* Already transformed (by us or XFRM), or XFRM will transform it. */
	if (family == AF_INET ?
	    IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED :
	    IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED)
		return NF_ACCEPT;
	if (skb_dst(skb) && skb_dst(skb)->xfrm)
		return NF_ACCEPT;
	if (nfipsec_flow_parse(skb, family, &fl, &thoff)) {
		/* Nothing we cannot see into leaves while policies exist. */
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ERROR);
		return NF_DROP;
	}
	/* The IKE daemon's own packets pass in clear. */
	if (nfipsec_flow_is_ike_out(nn, skb, &fl))
		return NF_ACCEPT;

	pol = nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl);
	/*
	 * A forwarded ICMP error that no policy protects goes as the flow it
	 * quotes, reversed, when a tunnel protects that flow (XFRM's
	 * xfrm_out_fwd_icmp(), which needs the policy's flag icmp): the
	 * error reaches the flow's far end through the tunnel, and its quote
	 * of the flow's addresses stays inside. No SA for it: dropped (XFRM
	 * sends it in clear). Errors this host makes go as they are.
	 */
	if (state->in && (!pol || (pol->action == NFIPSEC_ACTION_ALLOW &&
				   !pol->has_tmpl)) &&
	    (fl.proto == IPPROTO_ICMP || fl.proto == IPPROTO_ICMPV6) &&
	    !nfipsec_flow_icmp_inner(skb, &fl, thoff, &rev)) {
		struct nfipsec_policy *rpol;

		rpol = nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &rev);
		if (rpol && rpol->action == NFIPSEC_ACTION_ALLOW &&
		    rpol->has_tmpl && rpol->tmpl.mode == NFIPSEC_MODE_TUNNEL) {
			pol = rpol;
			sfl = &rev;
		}
	}
	if (!pol) {
		/* The default decides, loopback aside (as XFRM). */
		if (!nfipsec_default_block(nn, NFIPSEC_DIR_OUT) ||
		    (state->out && (state->out->flags & IFF_LOOPBACK)))
			return NF_ACCEPT;
		if (state->in)
			nfipsec_offload_recheck(skb);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_NO_POLS);
		return NF_DROP;
	}
	nfipsec_pol_used(pol, skb->len);

	if (pol->action == NFIPSEC_ACTION_BLOCK) {
		if (state->in)
			nfipsec_offload_recheck(skb);
		nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_POL_BLOCK);
		return NF_DROP;
	}
	if (!pol->has_tmpl)
		return NF_ACCEPT;

	/*
	 * No route to the peer for a source: dropped before any ACQUIRE, the
	 * sender told EHOSTUNREACH, as XFRM (xfrm_tmpl_resolve_one()).
	 */
	if (nfipsec_tmpl_endpoints(nn, &pol->tmpl, sfl, &src, &dst)) {
		if (state->in)
			nfipsec_offload_recheck(skb);
		nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_POL_ERROR);
		return NF_DROP_ERR(-EHOSTUNREACH);
	}
	sa = nfipsec_sa_find_out(nn, &pol->tmpl, sfl, &src, &dst);
	if (!sa || !nfipsec_sa_hold(sa)) {
		/* As XFRM: the key manager is asked for an SA either way. */
		nfipsec_acquire(nn, pol, sfl, &src, &dst);
		if (pol->tmpl.level == NFIPSEC_LEVEL_USE)
			return NF_ACCEPT;
		if (state->in)
			nfipsec_offload_recheck(skb);
		nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_NO_STATES);
		return NF_DROP;
	}

	/* An entry that a flowtable could take is remade (offload.c). */
	if (state->in)
		nfipsec_offload_recheck(skb);
	/* The flow is established here, not after our steal. */
	if (nfipsec_ct_confirm(skb, state) != NF_ACCEPT) {
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	nfipsec_xmit(nn, sa, skb, family);
	return NF_STOLEN;
}
