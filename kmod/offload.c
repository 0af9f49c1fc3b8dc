// SPDX-License-Identifier: GPL-2.0
/*
 * No offload path around nfipsec. A flowtable (nft "flow add @ft", as
 * OpenWrt's firewall sets up by default) takes a confirmed conntrack
 * entry's forwarded packets from the ingress hook straight to the output
 * device: past FORWARD and POST_ROUTING, so past the policy checks and the
 * encryption. Linux XFRM's flows are safe there (their route carries the
 * transform, and decrypted packets have a secpath, which the flowtable
 * refuses); ours carry nothing of the kind.
 *
 * The flowtable never offloads an entry with a helper extension (software
 * and hardware offload alike, nft_flow_offload_eval()). A protected
 * forwarded flow's entry gets an empty one before it is confirmed. A
 * helper is only ever assigned when an entry is created, so the empty
 * extension gives the flow no helper; NAT then also gives it a sequence
 * adjustment extension, as it does to any entry with a helper extension,
 * and a "ct helper set" rule in POST_ROUTING after priority 99 finds the
 * extension taken.
 *
 * Entries confirmed without one that the policies protect are removed,
 * so that the flow's next packet makes a new entry, which gets it: when
 * the policies change (a walk of the conntrack table, from a work item:
 * never under the configuration lock or the generic netlink mutex), and
 * when one shows up in the datapath: a packet that a policy encrypts or
 * discards, or a decrypted one (an entry made by conntrackd or "conntrack
 * -I", or confirmed after a queue while the policies changed). The flowtable
 * drops a flow whose entry is dying at its next packet
 * (flow_offload_lookup()). Flows of this host are left alone: they are
 * never offloaded.
 *
 * Protected: a flow whose packets arrived on nfipsec0, or whose packets,
 * as the hooks see them (either direction, before NAT and between DNAT and
 * SNAT), meet, in dir out or fwd, a first-matching policy other than a
 * plain allow (encrypt, discard, or allow with a template). Only TCP, UDP
 * and GRE are ever offloaded.
 */

#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_extend.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "nfipsec.h"
#include "policy.h"

#if IS_ENABLED(CONFIG_NF_CONNTRACK)
static bool offloadable(const struct nf_conn *ct)
{
	switch (nf_ct_protonum(ct)) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_GRE:
		return true;
	}
	return false;
}

/* The selector fields of a packet that has tuple t. */
static void tuple_flow(const struct nf_conntrack_tuple *t, u8 family,
		       struct nfipsec_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = family;
	fl->proto = t->dst.protonum;
	if (family == AF_INET) {
		fl->src.a4 = t->src.u3.ip;
		fl->dst.a4 = t->dst.u3.ip;
	} else {
		fl->src.a6 = t->src.u3.in6;
		fl->dst.a6 = t->dst.u3.in6;
	}
	if (fl->proto != IPPROTO_GRE) {
		fl->sport = t->src.u.all;
		fl->dport = t->dst.u.all;
	}
}

static bool flow_protected(struct nfipsec_net *nn,
			   const struct nfipsec_flow *fl)
{
	static const u8 dirs[] = { NFIPSEC_DIR_OUT, NFIPSEC_DIR_FWD };
	struct nfipsec_policy *pol;
	int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		pol = nfipsec_policy_lookup(nn, dirs[i], fl);
		if (pol ? pol->action != NFIPSEC_ACTION_ALLOW || pol->has_tmpl :
			  nfipsec_default_block(nn, dirs[i]))
			return true;
	}
	return false;
}

static void flow_reverse(struct nfipsec_flow *fl)
{
	swap(fl->src, fl->dst);
	swap(fl->sport, fl->dport);
}

/*
 * Under RCU. The views of the entry's packets that the hooks match: each
 * tuple as it arrives (before NAT), and each direction between DNAT and
 * SNAT (the original tuple's source to the reply tuple's source, and back).
 */
static bool ct_protected(struct nfipsec_net *nn, const struct nf_conn *ct)
{
	u8 family = nf_ct_l3num(ct) == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	const struct nf_conntrack_tuple *o, *r;
	struct nfipsec_flow fl, rfl;

	o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	tuple_flow(o, family, &fl);
	if (flow_protected(nn, &fl))
		return true;
	tuple_flow(r, family, &rfl);
	if (flow_protected(nn, &rfl))
		return true;
	/* Between the NATs: o's source to r's source. */
	fl.dst = rfl.src;
	fl.dport = rfl.sport;
	if (flow_protected(nn, &fl))
		return true;
	flow_reverse(&fl);
	return flow_protected(nn, &fl);
}

static bool addr_local(struct net *net, u8 family,
		       const union nf_inet_addr *a)
{
	if (family == NFPROTO_IPV4)
		return inet_addr_type(net, a->ip) == RTN_LOCAL;
	return ipv6_chk_addr(net, &a->in6, NULL, 0);
}

/* A flow this host originates or terminates (without NAT of its end). */
static bool ct_local(struct net *net, const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *o, *r;
	u8 family = nf_ct_l3num(ct);

	o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	return (nf_inet_addr_cmp(&o->dst.u3, &r->src.u3) &&
		addr_local(net, family, &o->dst.u3)) ||
	       (nf_inet_addr_cmp(&o->src.u3, &r->dst.u3) &&
		addr_local(net, family, &o->src.u3));
}

/*
 * POST_ROUTING, forwarded packets (state->in set): a protected flow's new
 * entry is kept off flowtables; a decrypted packet's entry confirmed
 * without the extension (by conntrackd, ctnetlink, a queue) is removed.
 * Returns false when the entry could not be marked (no memory): the packet
 * must be dropped.
 */
bool nfipsec_offload_guard(struct nfipsec_net *nn, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	bool decrypted;

	ct = nf_ct_get(skb, &ctinfo);
	/* Multicast clones share an unconfirmed entry; never offloaded. */
	if (!ct || nf_ct_is_template(ct) || skb->pkt_type != PACKET_HOST ||
	    !offloadable(ct) || nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		return true;
	decrypted = state->in == rcu_access_pointer(nn->dev);
	if (nf_ct_is_confirmed(ct)) {
		if (decrypted)
			nf_ct_kill(ct);
		return true;
	}
	if (!decrypted &&
	    (!nfipsec_spd_active(nn) || !ct_protected(nn, ct)))
		return true;
	return nf_ct_helper_ext_add(ct, GFP_ATOMIC);
}

/*
 * POST_ROUTING, a forwarded packet that a policy encrypts or discards: an
 * entry confirmed without the extension (see above) is removed.
 */
void nfipsec_offload_recheck(struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (ct && nf_ct_is_confirmed(ct) && !nf_ct_is_template(ct) &&
	    offloadable(ct) && !nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		nf_ct_kill(ct);
}

static int offload_kill(struct nf_conn *ct, void *data)
{
	struct nfipsec_net *nn = data;
	bool kill;

	if (!offloadable(ct) || nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		return 0;
	rcu_read_lock();
	kill = ct_protected(nn, ct) && !ct_local(nn->net, ct);
	rcu_read_unlock();
	return kill;
}

static void offload_work(struct work_struct *work)
{
	struct nfipsec_net *nn = container_of(work, struct nfipsec_net,
					      offload_work);
	struct nf_ct_iter_data d = {
		.net = nn->net,
		.data = nn,
	};

	if (!nfipsec_spd_active(nn) || !nf_conntrack_count(nn->net))
		return;
	/*
	 * A packet that met the old policies in nfipsec_offload_guard() has
	 * its entry confirmed by the end of the same hook traversal, under
	 * RCU: after a grace period it is in the table, where the walk sees
	 * it.
	 */
	synchronize_net();
	nf_ct_iterate_cleanup_net(offload_kill, &d);
}

/*
 * The policies or the defaults changed: walk the conntrack table soon
 * (coalesced).
 */
void nfipsec_offload_policies_changed(struct nfipsec_net *nn)
{
	queue_work(system_unbound_wq, &nn->offload_work);
}

void nfipsec_offload_init(struct nfipsec_net *nn)
{
	INIT_WORK(&nn->offload_work, offload_work);
}

/* At namespace exit, the policies gone. */
void nfipsec_offload_exit(struct nfipsec_net *nn)
{
	cancel_work_sync(&nn->offload_work);
}
#else
bool nfipsec_offload_guard(struct nfipsec_net *nn, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	return true;
}

void nfipsec_offload_recheck(struct sk_buff *skb)
{
}

void nfipsec_offload_policies_changed(struct nfipsec_net *nn)
{
}

void nfipsec_offload_init(struct nfipsec_net *nn)
{
}

void nfipsec_offload_exit(struct nfipsec_net *nn)
{
}
#endif
