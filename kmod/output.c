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
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/dsfield.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "nfipsec.h"
#include "esp.h"
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
	u8 dsfield;
};

#define XMIT_CB(skb) ((struct nfipsec_xmit_cb *)(skb)->cb)

static unsigned int outer_hlen(u8 family)
{
	return family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

/* The largest inner packet whose ESP packet fits mtu. */
static int esp_inner_mtu(const struct nfipsec_sa *sa, unsigned int mtu)
{
	int room = mtu - outer_hlen(sa->family) - sizeof(struct ip_esp_hdr) -
		   sa->ivlen - sa->icvlen;

	return round_down(room, sa->align) - 2;
}

static struct dst_entry *esp_route6(struct net *net, struct nfipsec_sa *sa,
				    const struct sk_buff *skb)
{
	struct flowi6 fl6 = {
		.daddr = sa->dst.a6,
		.saddr = sa->src.a6,
		.flowi6_proto = IPPROTO_ESP,
		.flowi6_mark = skb->mark,
	};
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);
	int err = dst->error;

	if (err) {
		dst_release(dst);
		return ERR_PTR(err);
	}
	return dst;
}

static struct dst_entry *esp_route(struct net *net, struct nfipsec_sa *sa,
				   const struct sk_buff *skb)
{
	if (sa->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->dst.a4,
			.saddr = sa->src.a4,
			.flowi4_proto = IPPROTO_ESP,
			.flowi4_mark = skb->mark,
		};
		struct rtable *rt = __ip_route_output_key(net, &fl4);

		return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
	}
	return esp_route6(net, sa, skb);
}

static void xmit_drop(struct sk_buff *skb, struct nfipsec_sa *sa,
		      enum nfipsec_stat ns, enum nfipsec_sa_stat ss)
{
	nfipsec_stat_inc(sa->nn, ns);
	nfipsec_sa_stat_add(sa, ss, 1);
	kfree_skb(skb);
}

/* Encryption is done: put the outer header on and send. */
static void xmit_encrypted(struct sk_buff *skb, struct nfipsec_sa *sa,
			   u64 seq, int err)
{
	struct net *net = sa->nn->net;
	u8 dsfield = XMIT_CB(skb)->dsfield;

	/*
	 * The device the packet had may be gone after asynchronous crypto;
	 * the route's is held by the route (or is the blackhole device).
	 */
	skb->dev = READ_ONCE(skb_dst(skb)->dev);
	if (unlikely(err)) {
		if (err == -ERANGE)
			xmit_drop(skb, sa, NFIPSEC_STAT_OUT_STATE_SEQ_ERROR,
				  NFIPSEC_SA_STAT_SEQ_OVERFLOW);
		else if (err == -ENOSPC || err == -EAGAIN || err == -EBUSY)
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

	if (sa->family == AF_INET) {
		struct iphdr *iph;

		skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = dsfield;
		iph->tot_len = htons(skb->len);
		iph->frag_off = 0;	/* the outer packet may be fragmented */
		iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
		iph->protocol = IPPROTO_ESP;
		iph->saddr = sa->src.a4;
		iph->daddr = sa->dst.a4;
		ip_select_ident(net, skb, NULL);
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IP);
		ip_local_out(net, skb->sk, skb);
	} else {
		struct ipv6hdr *ip6h;

		skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		ip6h = ipv6_hdr(skb);
		ip6_flow_hdr(ip6h, dsfield, 0);
		ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
		ip6h->nexthdr = IPPROTO_ESP;
		ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
		ip6h->saddr = sa->src.a6;
		ip6h->daddr = sa->dst.a6;
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IPV6);
		skb->ignore_df = 1;	/* we are its source: may fragment */
		ip6_local_out(net, skb->sk, skb);
	}
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

/*
 * Tell the sender the inner packet is too big for the tunnel. IPv4 only
 * when it has DF set; IPv6 always (routers do not fragment IPv6).
 * Returns true when the packet must be dropped.
 */
static bool xmit_too_big(struct sk_buff *skb, u8 family, int inner_mtu)
{
	if (family == AF_INET) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) || inner_mtu < 68)
			return false;
		skb_dst_update_pmtu_no_confirm(skb, inner_mtu);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			  htonl(inner_mtu));
		return true;
	}
	if (inner_mtu < IPV6_MIN_MTU)
		return false;	/* the outer packet is fragmented instead */
	skb_dst_update_pmtu_no_confirm(skb, inner_mtu);
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, inner_mtu);
	return true;
}

/*
 * One (non-GSO) packet: resolve its checksum, encapsulate, send. Consumes
 * skb and one reference on sa.
 */
static void xmit_one(struct sk_buff *skb, struct nfipsec_sa *sa,
		     struct dst_entry *dst, u8 family)
{
	struct net_device *dev;
	unsigned int headroom;

	BUILD_BUG_ON(sizeof(struct nfipsec_xmit_cb) > sizeof_field(struct sk_buff, cb));
	dev = rcu_dereference(sa->nn->dev);
	if (unlikely(!dev))
		goto drop;	/* nfipsec0 is going, with the namespace */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	headroom = LL_RESERVED_SPACE(dst->dev) + dst->header_len +
		   outer_hlen(sa->family) + sizeof(struct ip_esp_hdr) +
		   sa->ivlen;
	if (skb_cow_head(skb, headroom))
		goto drop;

	XMIT_CB(skb)->inner_len = skb->len;
	XMIT_CB(skb)->dsfield = family == AF_INET ?
				ipv4_get_dsfield(ip_hdr(skb)) :
				ipv6_get_dsfield(ipv6_hdr(skb));
	skb_dst_drop(skb);
	skb_dst_set(skb, dst_clone(dst));
	XMIT_CB(skb)->dev = dev;
	/* Untracked, as XFRM's per-packet hold: the tracker costs a lot. */
	dev_hold(dev);
	nfipsec_esp_output(skb, sa, family == AF_INET ? IPPROTO_IPIP :
							IPPROTO_IPV6, xmit_done);
	return;
drop:
	xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR, NFIPSEC_SA_STAT_ERROR);
	nfipsec_sa_put(sa);
}

/* Encapsulate skb (maybe GSO) with sa, whose reference this consumes. */
static void nfipsec_xmit(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			 struct sk_buff *skb, u8 family)
{
	struct sk_buff *segs, *next;
	struct dst_entry *dst;
	int inner_mtu;

	skb->mark = (skb->mark & ~READ_ONCE(sa->smask)) | READ_ONCE(sa->smark);
	dst = esp_route(nn->net, sa, skb);
	if (IS_ERR(dst)) {
		xmit_drop(skb, sa, NFIPSEC_STAT_OUT_ERROR, NFIPSEC_SA_STAT_ERROR);
		nfipsec_sa_put(sa);
		return;
	}

	inner_mtu = esp_inner_mtu(sa, dst_mtu(dst));
	if (skb_is_gso(skb) ? !skb_gso_validate_network_len(skb, inner_mtu) :
			      skb->len > inner_mtu) {
		if (xmit_too_big(skb, family, inner_mtu)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_FRAG_NEEDED);
			kfree_skb(skb);
			goto out;
		}
	}

	if (!skb_is_gso(skb)) {
		if (nfipsec_sa_hold(sa))
			xmit_one(skb, sa, dst, family);
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
			xmit_one(skb, sa, dst, family);
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
	struct nfipsec_policy *pol;
	struct nfipsec_flow fl;
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
	if (list_empty(&nn->policies))
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
	if (!pol)
		return NF_ACCEPT;
	nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_PACKETS, 1);
	nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_BYTES, skb->len);

	if (pol->action == NFIPSEC_ACTION_BLOCK) {
		if (state->in)
			nfipsec_offload_recheck(skb);
		nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_POL_BLOCK);
		return NF_DROP;
	}
	if (!pol->has_tmpl)
		return NF_ACCEPT;

	sa = nfipsec_sa_find_out(nn, &pol->tmpl);
	if (!sa || !nfipsec_sa_hold(sa)) {
		if (pol->tmpl.level == NFIPSEC_LEVEL_USE)
			return NF_ACCEPT;
		nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_NO_STATES);
		nfipsec_acquire(nn, pol, &fl);
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
