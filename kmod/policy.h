/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_POLICY_H
#define _NFIPSEC_POLICY_H

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>

#include "sa.h"

struct nfipsec_net;

struct nfipsec_tmpl {
	u8 family;			/* of the endpoints */
	u8 proto, mode, level;
	union nfipsec_addr src, dst;	/* tunnel: all zero is a wildcard */
	__be32 spi;			/* 0: any */
	u32 reqid;			/* out: exact; in: 0 any */
};

struct nfipsec_policy {
	/* In nn->policies, in evaluation order: by priority, then as given. */
	struct list_head list;
	struct rcu_head rcu;
	/*
	 * Configuration only, under cfg_lock (policy.c): in nn->pol_by_sel
	 * (dir and selector) and nn->pol_by_index; in nn->pol_runs while it
	 * is the last of the policies of its priority (else RB_EMPTY_NODE).
	 */
	struct hlist_node by_sel, by_index;
	struct rb_node run;
	u8 dir;				/* NFIPSEC_DIR_* */
	u8 action;			/* NFIPSEC_ACTION_* */
	bool has_tmpl;
	u32 priority;
	u32 index;			/* ip xfrm's: identifier, dir in bits 0-2 */
	u32 owner;			/* uapi "Owners"; 0: the administrator */
	bool has_owner;			/* parsing: OWNER given (update) */
	struct nfipsec_sel sel;
	struct nfipsec_tmpl tmpl;
	unsigned long acquire_time;	/* jiffies of the last ACQUIRE */
	/*
	 * Wall clock seconds: added or updated (set before it is seen), last
	 * matched (the datapath's, READ_ONCE).
	 */
	time64_t add_time, use_time;
	struct nfipsec_counters __percpu *stats;	/* nfipsec_policy_stat */
	/* Its counters' chunk in nn->pol_stats; NULL: another took them. */
	struct nfipsec_counters_chunk *stats_chunk;
};

static inline void nfipsec_pol_stat_add(struct nfipsec_policy *pol,
					enum nfipsec_policy_stat idx, u64 n)
{
	nfipsec_counters_add(pol->stats, idx, n);
}

/*
 * A packet of len bytes matched pol: counted, and the time of its last
 * use set (written once a second at most: the line stays shared).
 */
static inline void nfipsec_pol_used(struct nfipsec_policy *pol,
				    unsigned int len)
{
	time64_t now = ktime_get_real_seconds();

	nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_PACKETS, 1);
	nfipsec_pol_stat_add(pol, NFIPSEC_POLICY_STAT_BYTES, len);
	if (READ_ONCE(pol->use_time) != now)
		WRITE_ONCE(pol->use_time, now);
}

int nfipsec_flow_skip6(const struct sk_buff *skb, int start, u8 *nexthdrp,
		       __be16 *frag_offp);
int nfipsec_flow_parse(const struct sk_buff *skb, u8 family,
		       struct nfipsec_flow *fl, int *thoff);
int nfipsec_flow_icmp_inner(const struct sk_buff *skb,
			    const struct nfipsec_flow *fl, int thoff,
			    struct nfipsec_flow *rev);
bool nfipsec_flow_prenat(const struct sk_buff *skb, struct nfipsec_flow *fl);
bool nfipsec_flow_is_ike_in(const struct nfipsec_net *nn, struct sk_buff *skb,
			    const struct nfipsec_flow *fl);
bool nfipsec_flow_is_encap(const struct nfipsec_net *nn,
			   const struct nfipsec_flow *fl);
bool nfipsec_flow_is_ike_out(const struct nfipsec_net *nn,
			     const struct sk_buff *skb,
			     const struct nfipsec_flow *fl);
bool nfipsec_sel_match(const struct nfipsec_sel *sel,
		       const struct nfipsec_flow *fl);
struct nfipsec_policy *nfipsec_policy_lookup(struct nfipsec_net *nn, u8 dir,
					     const struct nfipsec_flow *fl);
bool nfipsec_tmpl_match_in(const struct nfipsec_tmpl *t,
			   const struct nfipsec_sa *sa);
bool nfipsec_tmpl_match_out(const struct nfipsec_tmpl *t,
			    const struct nfipsec_sa *sa,
			    const union nfipsec_addr *src,
			    const union nfipsec_addr *dst);
bool nfipsec_sa_match_flow(const struct nfipsec_sa *sa,
			   const struct nfipsec_flow *fl);

/*
 * Configuration, under nn->cfg_lock. A place in the list is the entry a
 * policy goes before (&nn->policies: at the end); positions count from 0,
 * the top, in the list without skip where there is one (NULL: none).
 */
int nfipsec_policy_net_init(struct nfipsec_net *nn);
void nfipsec_policy_net_exit(struct nfipsec_net *nn);
struct nfipsec_policy *nfipsec_policy_alloc(struct nfipsec_net *nn);
void nfipsec_policy_free(struct nfipsec_policy *pol);
struct nfipsec_policy *nfipsec_policy_at(struct nfipsec_net *nn, u32 pos);
u32 nfipsec_policy_pos(struct nfipsec_net *nn,
		       const struct nfipsec_policy *pol);
struct nfipsec_policy *nfipsec_policy_find(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel);
struct list_head *nfipsec_policy_place(struct nfipsec_net *nn, u32 pos,
				       const struct nfipsec_policy *skip);
struct list_head *nfipsec_policy_prio_place(struct nfipsec_net *nn, u32 prio);
bool nfipsec_policy_place_ok(struct nfipsec_net *nn, struct list_head *where,
			     u32 prio, const struct nfipsec_policy *skip,
			     u32 *other);
struct nfipsec_policy *nfipsec_policy_by_index(struct nfipsec_net *nn,
					       u32 index);
u32 nfipsec_policy_gen_index(struct nfipsec_net *nn, u8 dir, u32 want);
void nfipsec_policy_insert(struct nfipsec_net *nn, struct nfipsec_policy *pol,
			   struct list_head *where);
void nfipsec_policy_replace(struct nfipsec_net *nn, struct nfipsec_policy *old,
			    struct nfipsec_policy *new);
void nfipsec_policy_move_to(struct nfipsec_net *nn, struct nfipsec_policy *old,
			    struct nfipsec_policy *new,
			    struct list_head *where);
void nfipsec_policy_unlink(struct nfipsec_net *nn, struct nfipsec_policy *pol);
void nfipsec_policy_flush(struct nfipsec_net *nn, int dir, const u32 *owner);

#endif /* _NFIPSEC_POLICY_H */
