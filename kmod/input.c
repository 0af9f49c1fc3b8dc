// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound. At LOCAL_IN (after the user's filter chains, so a rule that
 * drops ESP stops the tunnel; after reassembly), ESP for an SPI of ours is
 * taken, checked against the replay window, authenticated and decrypted,
 * and the window moves only then. The inner packet must be allowed by the
 * first matching "in" policy (or "fwd" when it is not for this host) with
 * a template this SA satisfies; it is then received on the namespace's
 * nfipsec0 device (device.c), so routing, conntrack and the firewall see
 * it anew, coming from nfipsec0.
 *
 * Decapsulation follows RFC 6040's normal mode, as Linux's IP tunnels do:
 * an outer CE mark reaches the inner packet, and a CE-marked packet whose
 * inner packet is Not-ECT is dropped ("flag noecn": the inner ECN field is
 * left alone).
 *
 * ESP whose SPI is not ours is left to the rest of the stack (Linux XFRM).
 * Every other packet that did not arrive on nfipsec0 came in clear: after
 * routing and NAT it meets the "in" policies at LOCAL_IN and the "fwd"
 * ones at FORWARD, and is dropped when the first match blocks, or requires
 * IPsec. Linux XFRM matches forwarded packets against their addresses
 * before DNAT; here both the addresses after NAT (the packet's) and before
 * it (the conntrack entry's original tuple) are checked, so a cleartext
 * packet sent to a port forward cannot reach a protected host.
 */

#include <kunit/visibility.h>
#include <linux/netdevice.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/xfrm.h>

#include "nfipsec.h"
#include "ah.h"
#include "esp.h"
#include "lifetime.h"
#include "netlink.h"
#include "policy.h"

/*
 * Between the hook and the end of decryption: the ESP state and the
 * reference on nfipsec0 that a packet in flight holds (skb->dev is
 * nfipsec0 meanwhile). Unregistering nfipsec0, as a dying namespace or the
 * module's unload does, waits for those references: no completion can
 * outlive the namespace's state, the device or the module.
 */
struct nfipsec_rcv_cb {
	struct nfipsec_esp_cb esp;
	struct net_device *dev;
	u16 hlen;		/* transport: the headers in front of ESP/AH */
	u16 nhoff;		/* transport: the next-header field naming it */
	u8 outer_ds;		/* the outer header's DS field */
	__be16 sport;		/* NAT-T: the UDP source port */
	union nfipsec_addr src;	/* NAT-T: the outer source address */
};

#define RCV_CB(skb) ((struct nfipsec_rcv_cb *)(skb)->cb)

static bool flow_is_local(struct net *net, const struct nfipsec_flow *fl)
{
	if (fl->family == AF_INET)
		return inet_addr_type(net, fl->dst.a4) == RTN_LOCAL;
	return ipv6_chk_addr(net, &fl->dst.a6, NULL, 0);
}

/*
 * Policy check of a cleartext packet; dir is in or fwd. NF_ACCEPT when
 * the policy that matches lets it in clear, NF_DROP (counted) when it
 * does not, and NFIPSEC_NO_POLICY when none matches: the caller applies
 * the default then.
 */
#define NFIPSEC_NO_POLICY (NF_MAX_VERDICT + 1)

static unsigned int check_clear(struct nfipsec_net *nn, struct sk_buff *skb,
				u8 dir, const struct nfipsec_flow *fl)
{
	struct nfipsec_policy *pol;

	pol = nfipsec_policy_lookup(nn, dir, fl);
	if (!pol)
		return NFIPSEC_NO_POLICY;
	nfipsec_pol_used(pol, skb->len);
	if (pol->action == NFIPSEC_ACTION_BLOCK) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_POL_BLOCK);
	} else if (pol->has_tmpl && pol->tmpl.level == NFIPSEC_LEVEL_REQUIRED) {
		/* Protection required, and this came in clear. */
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_TMPL_MISMATCH);
	} else {
		return NF_ACCEPT;
	}
	nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
	return NF_DROP;
}

/*
 * The policy of dir that fl meets (NULL: none), and whether it lets sa's
 * packet in. Under rcu_read_lock().
 */
static struct nfipsec_policy *decrypted_pol(struct nfipsec_net *nn,
					    struct nfipsec_sa *sa, u8 dir,
					    const struct nfipsec_flow *fl,
					    bool *ok)
{
	struct nfipsec_policy *pol = nfipsec_policy_lookup(nn, dir, fl);

	*ok = pol && pol->action == NFIPSEC_ACTION_ALLOW && pol->has_tmpl &&
	      nfipsec_tmpl_match_in(&pol->tmpl, sa);
	return pol;
}

/* A unicast destination (an ICMP error to a group is never a quote's). */
static bool flow_dst_unicast(struct net *net, const struct nfipsec_flow *fl)
{
	if (fl->family == AF_INET) {
		unsigned int type = inet_addr_type(net, fl->dst.a4);

		return type == RTN_UNICAST || type == RTN_LOCAL;
	}
	return !ipv6_addr_is_multicast(&fl->dst.a6);
}

/*
 * What sa may carry: its selector (and endpoints), then the policies of
 * the packet's direction. An ICMP error (thoff: its header) to a unicast
 * address may be taken as the packet it quotes, reversed, as XFRM takes
 * it: for this host, with the SA's flag icmp, when the error as it is
 * fails (selector or "in" policy), the quote must pass both; forwarded,
 * the selector passes the error or (flag icmp) the quote, and the quote
 * meets the "fwd" policies when no policy matches the error as it is.
 * The policy whose verdict stands counts the packet.
 */
static bool check_decrypted(struct nfipsec_net *nn, struct sk_buff *skb,
			    struct nfipsec_sa *sa, const struct nfipsec_flow *fl,
			    int thoff)
{
	u8 dir = flow_is_local(nn->net, fl) ? NFIPSEC_DIR_IN : NFIPSEC_DIR_FWD;
	bool icmp = sa->flags & NFIPSEC_SA_F_ICMP, ok = false, sel, rok;
	struct nfipsec_policy *pol, *rpol;
	struct nfipsec_flow rev;
	int quoted = -EINVAL;

	if ((icmp || dir == NFIPSEC_DIR_FWD) &&
	    (fl->proto == IPPROTO_ICMP || fl->proto == IPPROTO_ICMPV6) &&
	    flow_dst_unicast(nn->net, fl))
		quoted = nfipsec_flow_icmp_inner(skb, fl, thoff, &rev);

	rcu_read_lock();
	sel = nfipsec_sa_match_flow(sa, fl);
	pol = NULL;
	if (dir == NFIPSEC_DIR_IN) {
		if (sel)
			pol = decrypted_pol(nn, sa, dir, fl, &ok);
		if (!ok && icmp && !quoted && nfipsec_sa_match_flow(sa, &rev)) {
			rpol = decrypted_pol(nn, sa, dir, &rev, &rok);
			if (rok || !pol) {
				pol = rpol;
				ok = rok;
			}
		}
	} else if (sel || (icmp && !quoted && nfipsec_sa_match_flow(sa, &rev))) {
		pol = decrypted_pol(nn, sa, dir, fl, &ok);
		if (!pol && !quoted)
			pol = decrypted_pol(nn, sa, dir, &rev, &ok);
	}
	if (pol) {
		nfipsec_pol_used(pol, skb->len);
		if (!ok)
			nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_DROPS, 1);
	}
	rcu_read_unlock();
	return ok;
}

static void rcv_drop(struct sk_buff *skb, struct nfipsec_sa *sa,
		     enum nfipsec_stat ns, enum nfipsec_sa_stat ss)
{
	nfipsec_stat_inc(sa->nn, ns);
	nfipsec_sa_stat_add(sa, ss, 1);
	kfree_skb(skb);
	nfipsec_sa_put(sa);
}

/*
 * Returns the replay verdict as a drop reason, or 0 when acceptable.
 * raised: not NULL when seq is authenticated, to be recorded; true there
 * when seq raised the top of the window (the newest so far, first seen).
 */
static int replay_verdict(struct nfipsec_sa *sa, u64 seq, bool *raised)
{
	enum nfipsec_replay_verdict v;

	spin_lock_bh(&sa->lock);
	v = nfipsec_replay_check(&sa->replay, seq);
	if (v == NFIPSEC_REPLAY_OK && raised) {
		*raised = seq > sa->replay.top;
		nfipsec_replay_advance(&sa->replay, seq);
	}
	spin_unlock_bh(&sa->lock);
	if (v == NFIPSEC_REPLAY_DUP)
		return NFIPSEC_SA_STAT_REPLAY;
	if (v == NFIPSEC_REPLAY_OLD)
		return NFIPSEC_SA_STAT_OUTSIDE_WINDOW;
	return 0;
}

/*
 * Tunnel decapsulation of the DS field: decap-dscp, then RFC 6040 ECN;
 * false: drop (outer CE, inner Not-ECT).
 */
static bool rcv_ecn(struct sk_buff *skb, const struct nfipsec_sa *sa,
		    u8 family)
{
	u8 inner;

	/* decap-dscp: the outer DSCP inside, as XFRM (before ECN, as it). */
	if (sa->flags & NFIPSEC_SA_F_DECAP_DSCP) {
		if (family == AF_INET)
			ipv4_copy_dscp(RCV_CB(skb)->outer_ds, ip_hdr(skb));
		else
			ipv6_copy_dscp(RCV_CB(skb)->outer_ds, ipv6_hdr(skb));
	}
	if (sa->flags & NFIPSEC_SA_F_NOECN)
		return true;
	inner = family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb)) :
				    ipv6_get_dsfield(ipv6_hdr(skb));
	return INET_ECN_decapsulate(skb, RCV_CB(skb)->outer_ds, inner) != 2;
}

/*
 * Transport mode: the headers that were in front of ESP go back in front
 * of the payload, the field that named ESP names what ESP carried, and
 * the lengths (and IPv4's checksum) are fixed. skb->data is the payload.
 */
static void rcv_transport(struct sk_buff *skb, const struct nfipsec_sa *sa,
			  u8 nexthdr)
{
	unsigned int hlen = RCV_CB(skb)->hlen;

	memmove(skb->data - hlen, skb_network_header(skb), hlen);
	__skb_push(skb, hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);
	skb->data[RCV_CB(skb)->nhoff] = nexthdr;
	if (sa->family == AF_INET) {
		ip_hdr(skb)->tot_len = htons(skb->len);
		ip_send_check(ip_hdr(skb));
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len -
						   sizeof(struct ipv6hdr));
	}
}

/*
 * NAT-T: an authenticated, new packet from another address or port than
 * the SA's peer means the NAT between moved the flow (or the peer moved):
 * the key manager is told (MAPPING), as by XFRM's esp_input_done2(), and
 * updates the SAs. A tunnel's packet goes on; a transport packet from
 * another address is dropped by nfipsec_sa_match_flow() (its source is
 * the one its socket would see). true: a new port, same address.
 */
static bool rcv_nat(struct sk_buff *skb, struct nfipsec_sa *sa)
{
	const union nfipsec_addr *src = &RCV_CB(skb)->src;
	__be16 sport = RCV_CB(skb)->sport;
	bool same_addr = nfipsec_addr_equal(src, &sa->src, sa->family);

	if (same_addr && sport == READ_ONCE(sa->encap_sport))
		return false;
	nfipsec_nl_mapping(sa->nn, sa, src, sport);
	return same_addr;
}

/*
 * NAT-T transport mode, RFC 3948 3.1.2: the peer computed its TCP or UDP
 * checksum over its own (original) address, the SA's OA as the key
 * manager learned it; the packet came from its NAT's address. The checksum
 * is fixed up for the address the packet has (an IPv4 UDP checksum of 0
 * stays 0), so that what nfipsec0 delivers, forwards or shows a capture
 * is consistent. Nothing without an OA, or with the packet's own. Our own
 * address may have been translated too (RFC 3948's second OA, which
 * ip xfrm has no place for), so the caller still does not check it, as
 * XFRM does not. thoff: the transport header's offset from skb->data (the
 * network header), -1 for none. false: the packet could not be written.
 */
bool nfipsec_natt_oa_csum(struct sk_buff *skb, u8 family,
			  const union nfipsec_addr *oa, int thoff, u8 proto)
{
	unsigned int off;
	__sum16 *check;

	if (proto == IPPROTO_TCP)
		off = offsetof(struct tcphdr, check);
	else if (proto == IPPROTO_UDP)
		off = offsetof(struct udphdr, check);
	else
		return true;
	if (thoff < 0)
		return true;
	if (family == AF_INET ? !oa->a4 || oa->a4 == ip_hdr(skb)->saddr :
	    ipv6_addr_any(&oa->a6) ||
	    ipv6_addr_equal(&oa->a6, &ipv6_hdr(skb)->saddr))
		return true;
	if (skb_ensure_writable(skb, thoff + off + sizeof(*check)))
		return false;
	check = (__sum16 *)(skb->data + thoff + off);
	if (proto == IPPROTO_UDP && !*check)
		return true;	/* IPv4 UDP without a checksum (IPv6 needs one) */
	/*
	 * The field is a full checksum now, whatever the packet arrived as
	 * (CHECKSUM_PARTIAL from a local veth peer: csum_replace would take
	 * it for a pseudo-header sum). The caller marks it not to be checked.
	 */
	skb->ip_summed = CHECKSUM_NONE;
	if (family == AF_INET)
		inet_proto_csum_replace4(check, skb, oa->a4, ip_hdr(skb)->saddr,
					 true);
	else
		inet_proto_csum_replace16(check, skb, oa->a6.s6_addr32,
					  ipv6_hdr(skb)->saddr.s6_addr32, true);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_natt_oa_csum);

/*
 * FOLLOW: the packet passed every check and raised the window's top (a
 * late or replayed packet moves nothing); while seq is still the top, the
 * SAs take its port.
 */
static void rcv_follow(struct nfipsec_sa *sa, u64 seq, __be16 sport)
{
	spin_lock_bh(&sa->lock);
	if (sa->replay.top == seq && !READ_ONCE(sa->dead))
		nfipsec_sa_follow_port(sa, sport);
	spin_unlock_bh(&sa->lock);
}

/*
 * Transport mode carries whole datagrams (RFC 4303 3.3): a fragment
 * header after ESP would put authenticated fragments in the reassembly
 * queue that cleartext ones share (nf_defrag_ipv6 keys it on addresses
 * and ID, not on the device). XFRM would take them; no peer sends them.
 */
static bool rcv_transport_whole6(struct sk_buff *skb)
{
	unsigned int off = 0;
	int flags = 0;

	return ipv6_find_hdr(skb, &off, -1, NULL, &flags) >= 0 &&
	       !(flags & IP6_FH_F_FRAG);
}

static void rcv_decrypted(struct sk_buff *skb, struct nfipsec_sa *sa,
			  u64 seq, int err)
{
	u8 nexthdr = NFIPSEC_ESP_CB(skb)->nexthdr;
	struct nfipsec_net *nn = sa->nn;
	bool sa_csum_ok, new_port = false, raised = false;
	struct nfipsec_flow fl;
	int reason, thoff;
	u8 family;

	if (unlikely(err)) {
		if (err == -EBADMSG)
			rcv_drop(skb, sa, NFIPSEC_STAT_IN_STATE_PROTO_ERROR,
				 NFIPSEC_SA_STAT_INTEGRITY);
		else if (err == -ENOSPC || err == -EAGAIN || err == -EBUSY)
			rcv_drop(skb, sa, NFIPSEC_STAT_IN_ERROR,
				 NFIPSEC_SA_STAT_CRYPTO_BUSY);
		else if (err == -EINVAL)
			rcv_drop(skb, sa, NFIPSEC_STAT_IN_HDR_ERROR,
				 NFIPSEC_SA_STAT_BAD_HEADER);
		else
			rcv_drop(skb, sa, NFIPSEC_STAT_IN_ERROR,
				 NFIPSEC_SA_STAT_ERROR);
		return;
	}
	/* Authenticated: now the window may move (if no one else took seq). */
	reason = replay_verdict(sa, seq, &raised);
	if (reason) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_STATE_SEQ_ERROR, reason);
		return;
	}
	/* Authenticated and new: counted against the SA's limits. */
	if (unlikely(!nfipsec_lft_use(sa, skb->len))) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_STATE_EXPIRED,
			 NFIPSEC_SA_STAT_EXPIRED);
		return;
	}
	if (sa->encap_type)
		new_port = rcv_nat(skb, sa);

	if (sa->mode == NFIPSEC_MODE_TRANSPORT) {
		rcv_transport(skb, sa, nexthdr);
		family = sa->family;
		if (family == AF_INET6 && !rcv_transport_whole6(skb)) {
			rcv_drop(skb, sa, NFIPSEC_STAT_IN_HDR_ERROR,
				 NFIPSEC_SA_STAT_BAD_HEADER);
			return;
		}
		goto parse;
	}
	/* Tunnel mode: the payload is an IP packet. */
	skb_reset_network_header(skb);
	if (nexthdr == IPPROTO_IPIP && pskb_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4) {
		family = AF_INET;
		skb->protocol = htons(ETH_P_IP);
	} else if (nexthdr == IPPROTO_IPV6 &&
		   pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
		   ipv6_hdr(skb)->version == 6) {
		family = AF_INET6;
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_HDR_ERROR,
			 NFIPSEC_SA_STAT_BAD_HEADER);
		return;
	}
parse:
	if (nfipsec_flow_parse(skb, family, &fl, &thoff)) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_HDR_ERROR,
			 NFIPSEC_SA_STAT_BAD_HEADER);
		return;
	}
	if (sa->mode == NFIPSEC_MODE_TUNNEL && !rcv_ecn(skb, sa, family)) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_HDR_ERROR,
			 NFIPSEC_SA_STAT_ECN);
		return;
	}
	/* What the SA may carry: its selector and endpoints, the policies. */
	if (!check_decrypted(nn, skb, sa, &fl, thoff)) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_TMPL_MISMATCH,
			 NFIPSEC_SA_STAT_POLICY);
		return;
	}
	/*
	 * NAT-T transport mode: the checksum is fixed up for the peer's
	 * original address, not checked again (as XFRM).
	 */
	sa_csum_ok = sa->encap_type && sa->mode == NFIPSEC_MODE_TRANSPORT;
	if (sa_csum_ok &&
	    !nfipsec_natt_oa_csum(skb, family, &sa->encap_oa, thoff, fl.proto)) {
		rcv_drop(skb, sa, NFIPSEC_STAT_IN_ERROR, NFIPSEC_SA_STAT_ERROR);
		return;
	}
	if (new_port && raised && READ_ONCE(sa->encap_follow))
		rcv_follow(sa, seq, RCV_CB(skb)->sport);
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_PACKETS, 1);
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_BYTES, skb->len);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PACKETS);
	/* output-mark, as XFRM applies it on input: bits outside the mask stay. */
	skb->mark = (skb->mark & ~READ_ONCE(sa->smask)) | READ_ONCE(sa->smark);
	nfipsec_sa_put(sa);
	if (!nfipsec_dev_rx(nn, skb, sa_csum_ok))
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ERROR);
}

/* The end of ESP input: the packet's fate, then nfipsec0's reference. */
static void rcv_done(struct sk_buff *skb, struct nfipsec_sa *sa, u64 seq,
		     int err)
{
	struct net_device *dev = RCV_CB(skb)->dev;

	rcv_decrypted(skb, sa, seq, err);
	dev_put(dev);
}

/*
 * Transport mode, before decryption: the packet must come from the SA's
 * peer (the IP header is not authenticated: a packet whose source was
 * rewritten on the way moves no state; NAT-T's is checked after the ICV,
 * rcv_nat()), and the headers in front of ESP or AH are noted for
 * rcv_transport(): their length, and the offset of the next-header field
 * that names ESP, AH or NAT-T's UDP (IPv4's protocol; IPv6: the header
 * before it). Any header among them but hop-by-hop, routing without
 * segments left and destination options (a fragment header: a datagram
 * netfilter did not reassemble; AH before ESP: bundles are not supported)
 * refuses the packet.
 */
static bool rcv_transport_hdrs(const struct sk_buff *skb,
			       const struct nfipsec_sa *sa,
			       const struct nfipsec_flow *fl, int thoff,
			       u16 *hlen, u16 *nhoffp)
{
	u8 proto = sa->proto == IPPROTO_AH ? IPPROTO_AH :
		   sa->encap_type ? IPPROTO_UDP : IPPROTO_ESP;
	int noff = skb_network_offset(skb), off, nhoff;
	struct ipv6_opt_hdr _hp;
	const struct ipv6_opt_hdr *hp;
	const u8 *sl;
	u8 nexthdr, _sl;

	/* NAT-T: a new source is a new mapping, seen after ICV (rcv_nat). */
	if (!sa->encap_type &&
	    !nfipsec_addr_equal(&fl->src, &sa->src, sa->family))
		return false;
	if (sa->family == AF_INET) {
		*nhoffp = offsetof(struct iphdr, protocol);
		*hlen = thoff - noff;
		return true;
	}
	nexthdr = ipv6_hdr(skb)->nexthdr;
	nhoff = offsetof(struct ipv6hdr, nexthdr);
	off = sizeof(struct ipv6hdr);
	while (nexthdr != proto) {
		if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING &&
		    nexthdr != NEXTHDR_DEST)
			return false;
		hp = skb_header_pointer(skb, noff + off, sizeof(_hp), &_hp);
		if (!hp)
			return false;
		/*
		 * A routing header with segments left: this host is not the
		 * final destination (XFRM forwards it still encrypted).
		 */
		if (nexthdr == NEXTHDR_ROUTING) {
			sl = skb_header_pointer(skb, noff + off +
						offsetof(struct ipv6_rt_hdr,
							 segments_left),
						sizeof(_sl), &_sl);
			if (!sl || *sl)
				return false;
		}
		nhoff = off;
		off += ipv6_optlen(hp);
		nexthdr = hp->nexthdr;
	}
	if (noff + off != thoff)
		return false;
	*nhoffp = nhoff;
	*hlen = off;
	return true;
}

static bool udp_hdr_csum_zero(const struct sk_buff *skb, int thoff)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	return uh && !uh->check;
}

/*
 * NAT-T's UDP checksum: none (zero) or right over IPv4 (RFC 3948 2.1),
 * right over IPv6, where zero is refused as udpv6_rcv() does.
 */
static bool encap_csum_bad(struct sk_buff *skb,
			   const struct nf_hook_state *state, u8 family,
			   int thoff)
{
	bool zero = udp_hdr_csum_zero(skb, thoff);

	if (zero)
		return family == AF_INET6;
	return nf_checksum(skb, state->hook, thoff, IPPROTO_UDP, family);
}

/*
 * The SPI and sequence number of the ESP or AH header (proto) at off, or
 * false when the packet is too short for it.
 */
static bool rcv_spi_seq(const struct sk_buff *skb, int off, u8 proto,
			__be32 *spi, u32 *seq)
{
	__be32 _w[2];
	const __be32 *w;

	/* ESP: SPI, sequence number; AH: 4 bytes, SPI, sequence number. */
	if (proto == IPPROTO_AH)
		off += 4;
	w = skb_header_pointer(skb, off, sizeof(_w), _w);
	if (!w)
		return false;
	*spi = w[0];
	*seq = ntohl(w[1]);
	return true;
}

/*
 * ESP (proto) at espoff: right after the IP headers (thoff), or after
 * NAT-T's UDP header (encap); or AH (proto) at espoff = thoff.
 * NF_ACCEPT: not an SA of ours, the stack's to deliver.
 */
static unsigned int esp_rcv(struct nfipsec_net *nn, struct sk_buff *skb,
			    const struct nf_hook_state *state,
			    const struct nfipsec_flow *fl, int thoff,
			    int espoff, bool encap, u8 proto)
{
	struct net_device *dev;
	struct nfipsec_sa *sa;
	u16 hlen = 0, nhoff = 0;
	__be32 spi;
	int reason;
	u32 seq32;
	u64 seq;

	BUILD_BUG_ON(sizeof(struct nfipsec_rcv_cb) > sizeof_field(struct sk_buff, cb));

	if (!rcv_spi_seq(skb, espoff, proto, &spi, &seq32))
		return NF_ACCEPT;
	sa = nfipsec_sa_lookup(nn, fl->family, &fl->dst, spi, proto);
	if (!sa || !nfipsec_sa_hold(sa)) {
		/* Not ours: XFRM may know it. */
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NO_STATES);
		return NF_ACCEPT;
	}

	if (encap != !!sa->encap_type) {
		/* In UDP for a plain SA, or plain for a NAT-T one. */
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_ENCAP_MISMATCH, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_STATE_MISMATCH);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	if (encap && encap_csum_bad(skb, state, fl->family, thoff)) {
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_BAD_HEADER, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_HDR_ERROR);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	if (sa->mode == NFIPSEC_MODE_TRANSPORT &&
	    !rcv_transport_hdrs(skb, sa, fl, thoff, &hlen, &nhoff)) {
		/* Not from the SA's peer, or headers we cannot place. */
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_POLICY, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_TMPL_MISMATCH);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	if (unlikely(nfipsec_lft_expired(sa))) {
		/* A hard limit ended it: it is being removed. */
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_EXPIRED, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_STATE_EXPIRED);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	seq = nfipsec_replay_infer(&sa->replay, seq32, nfipsec_sa_esn(sa));
	reason = replay_verdict(sa, seq, NULL);
	if (reason) {
		nfipsec_sa_stat_add(sa, reason, 1);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_STATE_SEQ_ERROR);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	if (nfipsec_ct_confirm(skb, state) != NF_ACCEPT) {
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	dev = rcu_dereference(nn->dev);
	if (unlikely(!dev)) {
		/* nfipsec0 is going, with the namespace or the module. */
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ERROR);
		nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_ERROR, 1);
		nfipsec_sa_put(sa);
		return NF_DROP;
	}
	/* Untracked, as XFRM's per-packet hold: the tracker costs a lot. */
	dev_hold(dev);
	RCV_CB(skb)->dev = dev;
	RCV_CB(skb)->hlen = hlen;
	RCV_CB(skb)->nhoff = nhoff;
	if (encap) {
		RCV_CB(skb)->src = fl->src;
		RCV_CB(skb)->sport = fl->sport;
	}
	RCV_CB(skb)->outer_ds = fl->family == AF_INET ?
				ipv4_get_dsfield(ip_hdr(skb)) :
				ipv6_get_dsfield(ipv6_hdr(skb));
	skb->dev = dev;
	if (proto == IPPROTO_AH)
		nfipsec_ah_input(skb, sa, espoff, seq, rcv_done);
	else
		nfipsec_esp_input(skb, sa, espoff, seq, rcv_done);
	return NF_STOLEN;
}

/*
 * A NAT keepalive (RFC 3948 2.3: one byte, 0xFF) from the peer of one of
 * our SAs with ENCAP: dropped, as XFRM's encapsulation socket drops it (a
 * hand-keyed host has no socket to take it: the stack would answer port
 * unreachable every time).
 */
static bool encap_keepalive(struct nfipsec_net *nn, const struct sk_buff *skb,
			    const struct nfipsec_flow *fl, int thoff)
{
	const u8 *b;
	u8 _b;

	if (skb->len - thoff != sizeof(struct udphdr) + 1)
		return false;
	b = skb_header_pointer(skb, thoff + sizeof(struct udphdr), 1, &_b);
	return b && *b == 0xff &&
	       nfipsec_sa_encap_peer(nn, fl->family, &fl->src);
}

/*
 * NAT-T (RFC 3948): a UDP datagram to an encapsulation port (the IKE port
 * set but 500), classified as XFRM's xfrm4_udp_encap_rcv() does: the
 * 1-byte keepalive is dropped when it comes from a peer of ours (left to
 * the daemon otherwise), IKE behind its zero non-ESP marker is the
 * daemon's, and a datagram whose first four bytes are the SPI of one of
 * our SAs is ESP. true: taken, *verdict is the hook's; false: not ours.
 */
static bool encap_rcv(struct nfipsec_net *nn, struct sk_buff *skb,
		      const struct nf_hook_state *state,
		      const struct nfipsec_flow *fl, int thoff,
		      unsigned int *verdict)
{
	struct {
		struct udphdr uh;
		__be32 marker;
	} _h;
	const typeof(_h) *h;

	if (skb->pkt_type == PACKET_HOST && encap_keepalive(nn, skb, fl, thoff)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NAT_KEEPALIVE);
		*verdict = NF_DROP;
		return true;
	}
	h = skb_header_pointer(skb, thoff, sizeof(_h), &_h);
	if (!h || !h->marker || ntohs(h->uh.len) != skb->len - thoff ||
	    skb->pkt_type != PACKET_HOST)
		return false;
	*verdict = esp_rcv(nn, skb, state, fl, thoff,
			   thoff + sizeof(struct udphdr), true, IPPROTO_ESP);
	return *verdict != NF_ACCEPT;
}

/*
 * Is the first datagram of a GRO bundle (UDP at thoff) ESP of one of our
 * NAT-T SAs? Only such bundles are ours to split.
 */
static bool encap_gso_ours(struct nfipsec_net *nn, const struct sk_buff *skb,
			   const struct nfipsec_flow *fl, int thoff)
{
	struct nfipsec_sa *sa;
	__be32 _spi;
	const __be32 *spi;

	if (!(skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4) ||
	    skb->pkt_type != PACKET_HOST)
		return false;
	spi = skb_header_pointer(skb, thoff + sizeof(struct udphdr),
				 sizeof(_spi), &_spi);
	if (!spi || !*spi)
		return false;
	sa = nfipsec_sa_lookup(nn, fl->family, &fl->dst, *spi, IPPROTO_ESP);
	return sa && sa->encap_type;
}

/*
 * A bundle of datagrams GRO made (fraglist GRO, a socket with UDP_GRO,
 * UDP GRO forwarding) is one skb whose UDP length covers them all. One
 * whose first datagram is ESP of ours is split, as udp_rcv_segment() does
 * before a socket's encap_rcv, and each datagram taken on its own; one in
 * it that is not ours (it could only be handed to the stack past the
 * LOCAL_IN hooks after ours) is dropped and counted. Other bundles, and
 * UFO ones (whose pieces would be IP fragments), are left to the stack,
 * which splits them for the socket.
 */
static unsigned int encap_rcv_gso(struct nfipsec_net *nn, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct sk_buff *segs, *next;
	struct nfipsec_flow fl;
	unsigned int verdict;
	int thoff;

	segs = __skb_gso_segment(skb, NETIF_F_SG, false);
	if (IS_ERR_OR_NULL(segs)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ERROR);
		return NF_DROP;
	}
	consume_skb(skb);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ENCAP_GSO);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (!nfipsec_flow_parse(skb, family, &fl, &thoff) &&
		    thoff >= 0 && nfipsec_flow_is_encap(nn, &fl) &&
		    encap_rcv(nn, skb, state, &fl, thoff, &verdict)) {
			if (verdict != NF_STOLEN)
				kfree_skb(skb);
			continue;
		}
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_HDR_ERROR);
		kfree_skb(skb);
	}
	return NF_STOLEN;
}

/*
 * What XFRM does not check, in or forwarded, for disable_policy (the route
 * lookup marks it): IPv4, net.ipv4.conf.DEV.disable_policy of the device
 * it came in on; IPv6, net.ipv6.conf.DEV.disable_policy of the route's
 * device (for local delivery, the one holding the destination address).
 * Block policies and required templates are overridden too, as in XFRM.
 */
static bool dev_nopolicy(const struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return IPCB(skb)->flags & IPSKB_NOPOLICY;
	return skb_dst(skb) && (skb_dst(skb)->flags & DST_NOPOLICY);
}

/*
 * The policy check of what came in clear, dir in or fwd: anything that did
 * not arrive on nfipsec0 or on a device with disable_policy set, and is not
 * IPsec or IKE to this host (ESP and AH that are forwarded meet the fwd
 * policies and default, as in XFRM). With NAT, the addresses before it
 * (the conntrack entry's tuple of the packet's direction) are checked too:
 * the policy that matches each view must let the packet pass, and when
 * none matches the view before NAT (the one XFRM checks, alone), the
 * default decides.
 */
static unsigned int clear_rcv(struct nfipsec_net *nn, struct sk_buff *skb,
			      const struct nf_hook_state *state, u8 dir,
			      struct nfipsec_flow *fl)
{
	unsigned int verdict;

	if (nfipsec_from_dev(nn, skb, state->in) ||
	    dev_nopolicy(skb, fl->family) ||
	    (dir == NFIPSEC_DIR_IN &&
	     (fl->proto == IPPROTO_ESP || fl->proto == IPPROTO_AH ||
	      nfipsec_flow_is_ike_in(nn, skb, fl))))
		return NF_ACCEPT;
	verdict = check_clear(nn, skb, dir, fl);
	if (verdict != NF_DROP && nfipsec_flow_prenat(skb, fl))
		verdict = check_clear(nn, skb, dir, fl);
	if (verdict != NFIPSEC_NO_POLICY)
		return verdict;
	/*
	 * No policy for the view before NAT: the default decides, for what
	 * did not arrive on a loopback device (XFRM's IPv4 never checks
	 * loopback's packets).
	 */
	if (!nfipsec_default_block(nn, dir) ||
	    (skb->dev && (skb->dev->flags & IFF_LOOPBACK)))
		return NF_ACCEPT;
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NO_POLS);
	return NF_DROP;
}

/* A packet we cannot see into, while policies exist: dropped, counted. */
static unsigned int rcv_unparsable(struct nfipsec_net *nn)
{
	if (!nfipsec_spd_active(nn))
		return NF_ACCEPT;
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_HDR_ERROR);
	return NF_DROP;
}

/*
 * LOCAL_IN, both families: ESP for us (also when it arrived decrypted, for
 * nested tunnels), then the "in" policies. Nothing we cannot see into
 * passes while policies exist.
 */
unsigned int nfipsec_input(struct nfipsec_net *nn, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfipsec_flow fl;
	unsigned int verdict;
	int thoff;

	if (nfipsec_flow_parse(skb, family, &fl, &thoff))
		return rcv_unparsable(nn);
	if ((fl.proto == IPPROTO_ESP || fl.proto == IPPROTO_AH) && thoff >= 0)
		return esp_rcv(nn, skb, state, &fl, thoff, thoff, false,
			       fl.proto);
	if (thoff >= 0 && nfipsec_flow_is_encap(nn, &fl)) {
		if (!skb_is_gso(skb)) {
			if (encap_rcv(nn, skb, state, &fl, thoff, &verdict))
				return verdict;
		} else if (encap_gso_ours(nn, skb, &fl, thoff)) {
			return encap_rcv_gso(nn, skb, state);
		}
	}
	if (nfipsec_spd_active(nn) &&
	    clear_rcv(nn, skb, state, NFIPSEC_DIR_IN, &fl) != NF_ACCEPT)
		return NF_DROP;
	/* Allowed in: an ICMP error may lower a tunnel's path MTU. */
	nfipsec_pmtu_rcv(nn, skb, &fl, thoff);
	return NF_ACCEPT;
}

/* FORWARD, both families: the "fwd" policies, after routing and DNAT. */
unsigned int nfipsec_forward(struct nfipsec_net *nn, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfipsec_flow fl;
	int thoff;

	if (!nfipsec_spd_active(nn))
		return NF_ACCEPT;
	if (nfipsec_flow_parse(skb, family, &fl, &thoff))
		return rcv_unparsable(nn);
	return clear_rcv(nn, skb, state, NFIPSEC_DIR_FWD, &fl);
}
