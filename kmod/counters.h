/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_COUNTERS_H
#define _NFIPSEC_COUNTERS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

struct sk_buff;

/* Per-CPU array of 64-bit counters; index 0 is never used (netlink pad). */
struct nfipsec_counters {
	struct u64_stats_sync syncp;
	u64_stats_t cnt[];
};

struct nfipsec_counters __percpu *nfipsec_counters_alloc(unsigned int n);
void nfipsec_counters_free(struct nfipsec_counters __percpu *c);
u64 nfipsec_counters_read(const struct nfipsec_counters __percpu *c,
			  unsigned int idx);
int nfipsec_counters_fill(struct sk_buff *skb, int attr,
			  const struct nfipsec_counters __percpu *c,
			  unsigned int max);

/* Safe in any context: the datapath adds from softirq and process context. */
static inline void nfipsec_counters_add(struct nfipsec_counters __percpu *c,
					unsigned int idx, u64 n)
{
	struct nfipsec_counters *st = get_cpu_ptr(c);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_add(&st->cnt[idx], n);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(c);
}

#endif /* _NFIPSEC_COUNTERS_H */
