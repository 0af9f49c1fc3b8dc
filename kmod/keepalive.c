// SPDX-License-Identifier: GPL-2.0
/*
 * NAT keepalives (RFC 3948 2.3): an SA with ENCAP's KEEPALIVE interval
 * that has sent nothing for that long sends a UDP datagram of one byte,
 * 0xFF, from its encapsulation port to the peer's, so that a NAT on the
 * way keeps the mapping its ESP in UDP uses. As XFRM's
 * xfrm_nat_keepalive.c: idleness is the SA's own (its last use, to a
 * second; for an SA this host sends with, its last packet sent).
 *
 * One delayed work per namespace walks the SAs under cfg_lock, sends what
 * is due within the next second and is armed again for the nearest next
 * one, on a whole second: it runs at most about once a second however
 * many SAs there are. An SA added or updated with an interval arms it for
 * its own deadline when that is nearer (keepalive_armed, under cfg_lock).
 * An SA past its hard limit sends none.
 *
 * The datagram leaves as the SA's ESP in UDP does, with output.c's
 * helpers (its UDP header, and tunnel mode's IP header): routed as the
 * SA's UDP (with its output-mark), marked as transformed so that no policy
 * takes it, and only from an address of this host. The IPv6 UDP checksum
 * of one byte is computed here in full.
 */

#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "nfipsec.h"
#include "lifetime.h"
#include "sa.h"

#define KA_HDRS	(MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr))

static void ka_send(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	struct net *net = nn->net;
	struct dst_entry *dst;
	struct sk_buff *skb;

	/* IPv6 routes a foreign source as well: never send as another host. */
	if (sa->family == AF_INET6 &&
	    !ipv6_chk_addr(net, &sa->src.a6, NULL, 0))
		return;
	skb = alloc_skb(KA_HDRS + 1, GFP_KERNEL);
	if (!skb)
		return;
	skb_reserve(skb, KA_HDRS);
	skb_put_u8(skb, 0xff);
	nfipsec_xmit_encap_push(skb, sa);
	skb->mark = READ_ONCE(sa->smark);	/* masked when set */

	dst = nfipsec_sa_route(net, sa, skb->mark);
	if (IS_ERR(dst)) {	/* IPv4: not one of our addresses either */
		kfree_skb(skb);
		return;
	}
	skb_dst_set(skb, dst);
	/* As ESP in UDP leaves, tunnel mode's header (nfipsec_xmit_outer). */
	nfipsec_xmit_outer(skb, sa, 0, false, 0);
	if (sa->family == AF_INET6) {
		/* One byte: in full here, whatever the device offloads. */
		struct udphdr *uh = udp_hdr(skb);
		unsigned int len = ntohs(uh->len);

		uh->check = csum_ipv6_magic(&sa->src.a6, &sa->dst.a6, len,
					    IPPROTO_UDP, csum_partial(uh, len, 0));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	if (sa->family == AF_INET) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IP);
		ip_local_out(net, NULL, skb);	/* the IP checksum */
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IPV6);
		ip6_local_out(net, NULL, skb);
	}
	nfipsec_stat_inc(nn, NFIPSEC_STAT_NAT_KEEPALIVE);
}

/* When sa's next keepalive is due (CLOCK_BOOTTIME ns); 0: never. */
static u64 ka_due(const struct nfipsec_sa *sa)
{
	u32 interval = READ_ONCE(sa->nat_keepalive);
	u64 idle_since;

	if (!interval || !sa->encap_type || nfipsec_lft_expired(sa))
		return 0;
	idle_since = max3(sa->add_ns, (u64)atomic64_read(&sa->last_ns),
			  sa->keepalive_sent_ns);
	return idle_since + (u64)interval * NSEC_PER_SEC;
}

/* Under cfg_lock: run the work at deadline unless it runs before. */
static void ka_arm(struct nfipsec_net *nn, u64 deadline, u64 now)
{
	lockdep_assert_held(&nn->cfg_lock);
	if (nn->keepalive_armed && nn->keepalive_armed <= deadline)
		return;
	nn->keepalive_armed = deadline;
	mod_delayed_work(system_wq, &nn->keepalive_work,
			 round_jiffies_relative(deadline > now ?
						nsecs_to_jiffies(deadline - now) : 0));
}

static void ka_work(struct work_struct *work)
{
	struct nfipsec_net *nn = container_of(to_delayed_work(work),
					      struct nfipsec_net,
					      keepalive_work);
	u64 now, due, next = 0;
	struct nfipsec_sa *sa;

	mutex_lock(&nn->cfg_lock);
	nn->keepalive_armed = 0;
	now = ktime_get_coarse_boottime_ns();
	list_for_each_entry(sa, &nn->sa_list, list) {
		due = ka_due(sa);
		if (!due)
			continue;
		/* Early by less than a second: one run for all of them. */
		if (due <= now + NSEC_PER_SEC) {
			ka_send(nn, sa);
			/* The idle time starts again from this one. */
			sa->keepalive_sent_ns = now;
			due = ka_due(sa);
		}
		if (!next || due < next)
			next = due;
		cond_resched();
	}
	if (next)
		ka_arm(nn, next, now);
	mutex_unlock(&nn->cfg_lock);
}

/* sa was added, or updated: under cfg_lock. */
void nfipsec_keepalive_kick(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	u64 due = ka_due(sa);

	if (due)
		ka_arm(nn, due, ktime_get_coarse_boottime_ns());
}

void nfipsec_keepalive_net_init(struct nfipsec_net *nn)
{
	INIT_DELAYED_WORK(&nn->keepalive_work, ka_work);
}

/* After the SAs are gone: nothing arms the work again. */
void nfipsec_keepalive_net_exit(struct nfipsec_net *nn)
{
	cancel_delayed_work_sync(&nn->keepalive_work);
}
