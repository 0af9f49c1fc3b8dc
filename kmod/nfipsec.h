/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_H
#define _NFIPSEC_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "../uapi/nfipsec.h"

#define NFIPSEC_VERSION "0.1.0"

/*
 * Symbols the KUnit module needs are exported only in the lab build
 * (NFIPSEC_KUNIT defined), never in the module DKMS installs.
 */
#ifdef NFIPSEC_KUNIT
#define NFIPSEC_EXPORT_FOR_KUNIT(sym) EXPORT_SYMBOL_GPL(sym)
#else
#define NFIPSEC_EXPORT_FOR_KUNIT(sym)
#endif

/* Per-CPU counters of a namespace, indexed by enum nfipsec_stat. */
struct nfipsec_stats {
	u64_stats_t cnt[__NFIPSEC_STAT_MAX];
	struct u64_stats_sync syncp;
};

#define NFIPSEC_SA_HASH_BITS 8

/* Everything nfipsec keeps for one network namespace. */
struct nfipsec_net {
	struct net *net;
	/* Serialises configuration changes; the datapath reads under RCU. */
	struct mutex cfg_lock;
	/* SAD, by SPI; empty until SAs can be added. */
	DECLARE_HASHTABLE(sa_by_spi, NFIPSEC_SA_HASH_BITS);
	unsigned int sa_count;
	/* SPD, in evaluation order; empty until policies can be added. */
	struct list_head policies;
	unsigned int policy_count;
	struct nfipsec_stats __percpu *stats;
};

/* netns.c */
int nfipsec_netns_init(void);
void nfipsec_netns_exit(void);
struct nfipsec_net *nfipsec_net(const struct net *net);

/* stats.c */
struct nfipsec_stats __percpu *nfipsec_stats_alloc(void);
void nfipsec_stats_free(struct nfipsec_stats __percpu *stats);
u64 nfipsec_stats_read(const struct nfipsec_stats __percpu *stats,
		       enum nfipsec_stat idx);
int nfipsec_stats_fill(struct sk_buff *skb,
		       const struct nfipsec_stats __percpu *stats);

static inline void nfipsec_stat_inc(struct nfipsec_net *nn,
				    enum nfipsec_stat idx)
{
	struct nfipsec_stats *st = get_cpu_ptr(nn->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_inc(&st->cnt[idx]);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(nn->stats);
}

/* hooks.c */
int nfipsec_hooks_register(struct net *net);
void nfipsec_hooks_unregister(struct net *net);

/* netlink.c */
struct nfipsec_sa_filter {
	u8 proto;	/* 0: any */
	bool has_spi;
	__be32 spi;
};

int nfipsec_nl_parse_sa_filter(const struct nlattr *attr,
			       struct nfipsec_sa_filter *filter,
			       struct netlink_ext_ack *extack);
int nfipsec_genl_init(void);
void nfipsec_genl_exit(void);

#endif /* _NFIPSEC_H */
