/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_H
#define _NFIPSEC_H

#include <kunit/visibility.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "../uapi/nfipsec.h"
#include "counters.h"

#define NFIPSEC_VERSION "0.1.0"

/*
 * Functions the KUnit module tests are exported with EXPORT_SYMBOL_IF_KUNIT:
 * into the EXPORTED_FOR_KUNIT_TESTING namespace, and only on kernels built
 * with CONFIG_KUNIT.
 */

#define NFIPSEC_SA_HASH_BITS 8

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
	/* SPD, in evaluation order (policy.c). */
	struct list_head policies;
	unsigned int policy_count;
	/* enum nfipsec_stat */
	struct nfipsec_counters __percpu *stats;
};

/* netns.c */
int nfipsec_netns_init(void);
void nfipsec_netns_exit(void);
struct nfipsec_net *nfipsec_net(const struct net *net);

static inline void nfipsec_stat_inc(struct nfipsec_net *nn,
				    enum nfipsec_stat idx)
{
	nfipsec_counters_add(nn->stats, idx, 1);
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
