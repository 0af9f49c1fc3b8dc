// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters of a namespace and their netlink encoding. */

#include "nfipsec.h"

struct nfipsec_stats __percpu *nfipsec_stats_alloc(void)
{
	struct nfipsec_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct nfipsec_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}
NFIPSEC_EXPORT_FOR_KUNIT(nfipsec_stats_alloc);

void nfipsec_stats_free(struct nfipsec_stats __percpu *stats)
{
	free_percpu(stats);
}
NFIPSEC_EXPORT_FOR_KUNIT(nfipsec_stats_free);

/* Sum of one counter over all CPUs; lockless and consistent per CPU. */
u64 nfipsec_stats_read(const struct nfipsec_stats __percpu *stats,
		       enum nfipsec_stat idx)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nfipsec_stats *st = per_cpu_ptr(stats, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			v = u64_stats_read(&st->cnt[idx]);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum += v;
	}
	return sum;
}
NFIPSEC_EXPORT_FOR_KUNIT(nfipsec_stats_read);

/* Put NFIPSEC_A_STATS: one u64 attribute per counter. */
int nfipsec_stats_fill(struct sk_buff *skb,
		       const struct nfipsec_stats __percpu *stats)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, NFIPSEC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = NFIPSEC_STAT_PAD + 1; i <= NFIPSEC_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, nfipsec_stats_read(stats, i),
				      NFIPSEC_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
NFIPSEC_EXPORT_FOR_KUNIT(nfipsec_stats_fill);
