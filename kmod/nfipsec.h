/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_H
#define _NFIPSEC_H

#include <kunit/visibility.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <linux/netfilter.h>
#include <net/netlink.h>
#include <net/netfilter/nf_conntrack_core.h>

#include "../uapi/nfipsec.h"
#include "counters.h"

#define NFIPSEC_VERSION "0.1.0"

/*
 * Functions the KUnit module tests are exported with EXPORT_SYMBOL_IF_KUNIT:
 * into the EXPORTED_FOR_KUNIT_TESTING namespace, and only on kernels built
 * with CONFIG_KUNIT.
 */

#define NFIPSEC_SA_HASH_BITS 8
#define NFIPSEC_LARVAL_HASH_BITS 6
/* A larval SA's life, as XFRM's net.core.xfrm_acq_expires (seconds). */
#define NFIPSEC_ACQ_EXPIRES_DEFAULT 30
#define NFIPSEC_ACQ_EXPIRES_MAX 86400

/* Everything nfipsec keeps for one network namespace. */
struct nfipsec_net {
	struct net *net;
	/* Serialises configuration changes; the datapath reads under RCU. */
	struct mutex cfg_lock;
	/* SAD: every SA, and two lookup tables (sa.c). */
	struct list_head sa_list;
	DECLARE_HASHTABLE(sa_by_spi, NFIPSEC_SA_HASH_BITS);
	DECLARE_HASHTABLE(sa_by_dst, NFIPSEC_SA_HASH_BITS);
	unsigned int sa_count;
	/*
	 * Larval SAs (larval.c): by key (protocol, endpoints, mode, reqid)
	 * and by SPI; larval_lock, with BH, as the datapath adds to them.
	 */
	spinlock_t larval_lock;
	struct list_head larvals;
	DECLARE_HASHTABLE(larval_by_key, NFIPSEC_LARVAL_HASH_BITS);
	DECLARE_HASHTABLE(larval_by_spi, NFIPSEC_LARVAL_HASH_BITS);
	unsigned int larval_count;
	u32 acq_seq;			/* the last ACQUIRE's */
	u32 acq_expires;		/* seconds */
	struct delayed_work larval_work;
	u64 larval_armed;
	/* SPD, in evaluation order (policy.c). */
	struct list_head policies;
	unsigned int policy_count;
	u32 policy_index_gen;		/* the next policy index, by 8 */
	/*
	 * The SPD's configuration side, under cfg_lock (policy.c): policies
	 * by dir and selector and by index (2^pol_hash_bits buckets each,
	 * resized with policy_count), the last policy of each priority by
	 * priority, and a count of the list's changes (dumps resume from
	 * where they stopped while it stays).
	 */
	struct hlist_head *pol_by_sel, *pol_by_index;
	unsigned int pol_hash_bits;
	u32 pol_hash_seed;
	struct rb_root pol_runs;
	unsigned long policy_gen;
	/* The policies' counters (policy.c). */
	struct nfipsec_counters_pool pol_stats;
	/* enum nfipsec_stat */
	struct nfipsec_counters __percpu *stats;
	/* nfipsec0, where decrypted packets arrive (device.c) */
	struct net_device __rcu *dev;
	/*
	 * The IKE port set (flow.c): UDP to these ports passes in clear, and
	 * from them when a socket opened with CAP_NET_ADMIN sends it.
	 */
	unsigned int ike_nports;
	__be16 ike_ports[NFIPSEC_IKE_PORTS_MAX];
	/*
	 * ip xfrm's default policies: the directions (bit NFIPSEC_DIR_*)
	 * in which what no policy matches is dropped (netlink.c).
	 */
	u8 default_block;
	/* Limits of sa_count and policy_count (netlink.c). */
	u32 max_sas, max_policies;
	/*
	 * The hooks are registered: there are SAs or policies, or a default
	 * blocks (netns.c).
	 */
	bool hooks_on;
	struct delayed_work hooks_idle_work;
	/* Enforce the SAs' lifetimes (lifetime.c): at the next deadline
	 * (lft_armed, under cfg_lock), and when the datapath kicks.
	 */
	struct delayed_work lft_work;
	struct work_struct lft_kick;
	u64 lft_armed;
	/* Removes conntrack entries the policies now protect (offload.c). */
	struct work_struct offload_work;
	/* Sends NAT keepalives (keepalive.c), armed for keepalive_armed. */
	struct delayed_work keepalive_work;
	u64 keepalive_armed;		/* CLOCK_BOOTTIME ns; 0: not armed */
};

/* netns.c */
int nfipsec_netns_init(void);
void nfipsec_netns_exit(void);
int nfipsec_net_hooks_get(struct nfipsec_net *nn);
void nfipsec_net_hooks_put(struct nfipsec_net *nn);
struct nfipsec_net *nfipsec_net(const struct net *net);

static inline void nfipsec_stat_inc(struct nfipsec_net *nn,
				    enum nfipsec_stat idx)
{
	nfipsec_counters_add(nn->stats, idx, 1);
}

/* Does what no policy of dir matches get dropped? */
static inline bool nfipsec_default_block(const struct nfipsec_net *nn, u8 dir)
{
	return READ_ONCE(nn->default_block) & BIT(dir);
}

/* Is there anything to meet: a policy, or a default that blocks? */
static inline bool nfipsec_spd_active(struct nfipsec_net *nn)
{
	return !list_empty(&nn->policies) || READ_ONCE(nn->default_block);
}

/* device.c */
int nfipsec_dev_init(void);
void nfipsec_dev_exit(void);
bool nfipsec_dev_rx(struct nfipsec_net *nn, struct sk_buff *skb, bool csum_ok);

/* Did skb arrive on nn's nfipsec0 from the decrypt path (not looped back)? */
static inline bool nfipsec_from_dev(struct nfipsec_net *nn,
				    const struct sk_buff *skb,
				    const struct net_device *in)
{
	return in && in == rcu_access_pointer(nn->dev) &&
	       skb->pkt_type != PACKET_LOOPBACK;
}

/* hooks.c */
int nfipsec_hooks_register(struct net *net);
void nfipsec_hooks_unregister(struct net *net);

/* input.c, output.c: the datapath behind the hooks */
unsigned int nfipsec_input(struct nfipsec_net *nn, struct sk_buff *skb,
			   const struct nf_hook_state *state);
unsigned int nfipsec_forward(struct nfipsec_net *nn, struct sk_buff *skb,
			     const struct nf_hook_state *state);
struct nfipsec_flow;
void nfipsec_pmtu_rcv(struct nfipsec_net *nn, struct sk_buff *skb,
		      const struct nfipsec_flow *fl, int thoff);
unsigned int nfipsec_output(struct nfipsec_net *nn, struct sk_buff *skb,
			    const struct nf_hook_state *state);
struct nfipsec_sa;
struct dst_entry *nfipsec_sa_route(struct net *net, struct nfipsec_sa *sa,
				   u32 mark);
void nfipsec_xmit_encap_push(struct sk_buff *skb, const struct nfipsec_sa *sa);
void nfipsec_xmit_outer(struct sk_buff *skb, struct nfipsec_sa *sa,
			u8 dsfield, bool df, __be32 flowlabel);

/* keepalive.c */
void nfipsec_keepalive_net_init(struct nfipsec_net *nn);
void nfipsec_keepalive_net_exit(struct nfipsec_net *nn);
void nfipsec_keepalive_kick(struct nfipsec_net *nn, struct nfipsec_sa *sa);

/* hooks.c: confirm a packet we steal as the confirm hook would have. */
unsigned int nfipsec_ct_confirm(struct sk_buff *skb,
				const struct nf_hook_state *state);

/* offload.c: protected flows never go on a flowtable's fast path. */
bool nfipsec_offload_guard(struct nfipsec_net *nn, struct sk_buff *skb,
			   const struct nf_hook_state *state);
void nfipsec_offload_recheck(struct sk_buff *skb);
void nfipsec_offload_policies_changed(struct nfipsec_net *nn);
void nfipsec_offload_init(struct nfipsec_net *nn);
void nfipsec_offload_exit(struct nfipsec_net *nn);

/* nl_sa.c: a dump's filter; zero fields match anything. */
struct nfipsec_sa_filter {
	u8 proto;
	bool has_spi, has_owner;
	__be32 spi;
	u32 owner;			/* uapi "Owners" */
	u8 src_family, dst_family;
	union {
		__be32 a4;
		struct in6_addr a6;
	} src, dst;
};

int nfipsec_nl_parse_sa_filter(const struct nlattr *attr,
			       struct nfipsec_sa_filter *filter,
			       struct netlink_ext_ack *extack);
struct nfipsec_policy;
struct nfipsec_flow;
union nfipsec_addr;
void nfipsec_acquire(struct nfipsec_net *nn, struct nfipsec_policy *pol,
		     const struct nfipsec_flow *fl,
		     const union nfipsec_addr *src,
		     const union nfipsec_addr *dst);
int nfipsec_genl_init(void);
void nfipsec_genl_exit(void);

#endif /* _NFIPSEC_H */
