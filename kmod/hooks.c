// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks, IPv4 and IPv6, registered in every namespace at the
 * points the datapath works on; each counts every packet it sees:
 *  - LOCAL_IN, after the user's filter chains: ESP to a local address is
 *    decrypted, what came in clear meets the "in" policies (input.c);
 *  - FORWARD, after the user's filter chains: what came in clear meets the
 *    "fwd" policies (input.c);
 *  - POST_ROUTING, before SNAT: the "out" policies, encapsulation (output.c).
 */

#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack_core.h>

#include "nfipsec.h"

/*
 * A packet we steal never reaches the conntrack confirm hook: confirm it
 * here (replies would never be "established" otherwise) and run what that
 * hook runs first, nf_confirm(): the entry's helper (FTP, TFTP, SIP: their
 * expectations make the data connections "related") and sequence
 * adjustment. 6.1's nf_confirm() takes the transport offset.
 */
unsigned int nfipsec_ct_confirm(struct sk_buff *skb,
				const struct nf_hook_state *state)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	unsigned int ret;
#ifdef NFIPSEC_HAVE_NF_CONFIRM_HOOK
	ret = nf_confirm(NULL, skb, state);
#else
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	unsigned int protoff;
	__be16 frag_off;
	int start;
	u8 pnum;

	if (!ct || ctinfo == IP_CT_RELATED_REPLY)
		return nf_conntrack_confirm(skb);
	if (state->pf == NFPROTO_IPV4) {
		protoff = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		pnum = ipv6_hdr(skb)->nexthdr;
		start = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &pnum,
					 &frag_off);
		if (start < 0 || (frag_off & htons(~0x7)))
			return nf_conntrack_confirm(skb);
		protoff = start;
	}
	ret = nf_confirm(skb, protoff, ct, ctinfo);
#endif
	if (ret != NF_ACCEPT)
		return ret;
	/* nf_confirm() leaves a VRF's packets to a later hook: not ours. */
	return nf_conntrack_confirm(skb);
#else
	return NF_ACCEPT;
#endif
}

/*
 * A frame the bridge forwards, which br_netfilter shows the IP hooks
 * (FORWARD, POST_ROUTING): not routed, never seen by XFRM, not ours.
 */
static bool bridged(const struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	return nf_bridge_get_physoutdev(skb);
#else
	return false;
#endif
}

static unsigned int nfipsec_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	enum nfipsec_stat idx = (enum nfipsec_stat)(unsigned long)priv;
	struct nfipsec_net *nn = nfipsec_net(state->net);

	nfipsec_stat_inc(nn, idx);
	if (state->hook != NF_INET_LOCAL_IN && bridged(skb)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_BRIDGED);
		return NF_ACCEPT;
	}
	switch (state->hook) {
	case NF_INET_FORWARD:
		return nfipsec_forward(nn, skb, state);
	case NF_INET_LOCAL_IN:
		return nfipsec_input(nn, skb, state);
	case NF_INET_POST_ROUTING:
		return nfipsec_output(nn, skb, state);
	default:
		return NF_ACCEPT;
	}
}

#define NFIPSEC_HOOK(_pf, _hook, _prio, _stat)			\
	{							\
		.hook = nfipsec_hook,				\
		.pf = (_pf),					\
		.hooknum = (_hook),				\
		.priority = (_prio),				\
		.priv = (void *)(unsigned long)(_stat),		\
	}

static const struct nf_hook_ops nfipsec_hook_ops[] = {
	NFIPSEC_HOOK(NFPROTO_IPV4, NF_INET_FORWARD,
		     NF_IP_PRI_FILTER + 1,
		     NFIPSEC_STAT_HOOK_IPV4_FORWARD),
	NFIPSEC_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN,
		     NF_IP_PRI_FILTER + 1,
		     NFIPSEC_STAT_HOOK_IPV4_LOCAL_IN),
	NFIPSEC_HOOK(NFPROTO_IPV4, NF_INET_POST_ROUTING,
		     NF_IP_PRI_NAT_SRC - 1,
		     NFIPSEC_STAT_HOOK_IPV4_POST_ROUTING),
	NFIPSEC_HOOK(NFPROTO_IPV6, NF_INET_FORWARD,
		     NF_IP6_PRI_FILTER + 1,
		     NFIPSEC_STAT_HOOK_IPV6_FORWARD),
	NFIPSEC_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_IN,
		     NF_IP6_PRI_FILTER + 1,
		     NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN),
	NFIPSEC_HOOK(NFPROTO_IPV6, NF_INET_POST_ROUTING,
		     NF_IP6_PRI_NAT_SRC - 1,
		     NFIPSEC_STAT_HOOK_IPV6_POST_ROUTING),
};

int nfipsec_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, nfipsec_hook_ops,
				     ARRAY_SIZE(nfipsec_hook_ops));
}

void nfipsec_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, nfipsec_hook_ops,
				ARRAY_SIZE(nfipsec_hook_ops));
}
