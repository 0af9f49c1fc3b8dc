/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_COUNTERS_H
#define _NFIPSEC_COUNTERS_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>

struct sk_buff;

/* Per-CPU array of 64-bit counters; index 0 is never used (netlink pad). */
struct nfipsec_counters {
	struct u64_stats_sync syncp;
	u64_stats_t cnt[];
};

struct nfipsec_counters __percpu *nfipsec_counters_alloc(unsigned int n);
void nfipsec_counters_free(struct nfipsec_counters __percpu *c);
/*
 * Counter arrays of one size handed out from shared per-CPU chunks, for
 * objects made by the thousand (policies): a few per-CPU allocations serve
 * all of them. A slot is zero when handed out; put it back only when no
 * reader can add to it any more.
 */
struct nfipsec_counters_chunk;

struct nfipsec_counters_pool {
	spinlock_t lock;		/* BH: slots go back from RCU callbacks */
	struct list_head partial;	/* chunks with a free slot */
	size_t size;			/* bytes of one slot */
	unsigned int chunks;		/* allocated, under lock */
};

void nfipsec_counters_pool_init(struct nfipsec_counters_pool *pool,
				unsigned int n);
bool nfipsec_counters_pool_busy(struct nfipsec_counters_pool *pool);
struct nfipsec_counters __percpu *
nfipsec_counters_get(struct nfipsec_counters_pool *pool,
		     struct nfipsec_counters_chunk **chunkp);
void nfipsec_counters_put(struct nfipsec_counters_chunk *chunk,
			  struct nfipsec_counters __percpu *c);

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
