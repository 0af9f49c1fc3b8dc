// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counter arrays (of a namespace, an SA, a policy) and their netlink
 * encoding: a nest with one u64 attribute per counter, the attribute type
 * being the counter's index.
 */

#include <kunit/visibility.h>
#include <net/netlink.h>

#include "counters.h"

struct nfipsec_counters __percpu *nfipsec_counters_alloc(unsigned int n)
{
	struct nfipsec_counters __percpu *c;
	int cpu;

	/* Charged to the caller's memory cgroup, as the SA or policy. */
	c = __alloc_percpu_gfp(struct_size_t(struct nfipsec_counters, cnt, n),
			       __alignof__(struct nfipsec_counters),
			       GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(c, cpu)->syncp);
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_alloc);

void nfipsec_counters_free(struct nfipsec_counters __percpu *c)
{
	free_percpu(c);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_free);

/* Sum of one counter over all CPUs; lockless and consistent per CPU. */
u64 nfipsec_counters_read(const struct nfipsec_counters __percpu *c,
			  unsigned int idx)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nfipsec_counters *st = per_cpu_ptr(c, cpu);
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
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_read);

/*
 * Put a nest of type attr holding counters 1..max as u64 attributes
 * (index 0 is the pad attribute).
 */
int nfipsec_counters_fill(struct sk_buff *skb, int attr,
			  const struct nfipsec_counters __percpu *c,
			  unsigned int max)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= max; i++) {
		if (nla_put_u64_64bit(skb, i, nfipsec_counters_read(c, i), 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_fill);
