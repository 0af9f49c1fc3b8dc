// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counter arrays (of a namespace, an SA, a policy) and their netlink
 * encoding: a nest with one u64 attribute per counter, the attribute type
 * being the counter's index.
 */

#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/slab.h>
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

/*
 * Counter pools: a per-CPU allocation costs a search of the per-CPU chunks
 * under a global mutex (and, in a debug kernel, leak and KASAN records):
 * one a policy made loading 10,000 policies a third slower. A pool's
 * chunks grow with it, 4 slots, then 8, ... up to 64, so that a namespace
 * of a few policies spends little per-CPU memory on them.
 */
#define NFIPSEC_COUNTERS_CHUNK_MIN 4
#define NFIPSEC_COUNTERS_CHUNK_MAX 64	/* slots: bits of free */

struct nfipsec_counters_chunk {
	struct list_head list;		/* in pool->partial while not full */
	struct nfipsec_counters_pool *pool;
	u64 free;			/* bit i: slot i is free */
	u64 all;			/* the bits of its nslots slots */
	unsigned int nslots;
	u8 __percpu *base;
};

void nfipsec_counters_pool_init(struct nfipsec_counters_pool *pool,
				unsigned int n)
{
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->partial);
	pool->size = ALIGN(struct_size_t(struct nfipsec_counters, cnt, n),
			   __alignof__(struct nfipsec_counters));
	/* A chunk must fit the per-CPU allocator's unit. */
	WARN_ON(pool->size * NFIPSEC_COUNTERS_CHUNK_MAX > PCPU_MIN_UNIT_SIZE);
	pool->chunks = 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_pool_init);

/* Slots are out (or on their way back, after a grace period). */
bool nfipsec_counters_pool_busy(struct nfipsec_counters_pool *pool)
{
	bool busy;

	spin_lock_bh(&pool->lock);
	busy = pool->chunks;
	spin_unlock_bh(&pool->lock);
	return busy;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_pool_busy);

/* A chunk of nslots zeroed slots, charged to the caller's memory cgroup. */
static struct nfipsec_counters_chunk *
chunk_alloc(struct nfipsec_counters_pool *pool, unsigned int nslots)
{
	struct nfipsec_counters_chunk *chunk;

	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return NULL;
	chunk->base = __alloc_percpu_gfp(pool->size * nslots,
					 __alignof__(struct nfipsec_counters),
					 GFP_KERNEL_ACCOUNT);
	if (!chunk->base) {
		kfree(chunk);
		return NULL;
	}
	INIT_LIST_HEAD(&chunk->list);
	chunk->pool = pool;
	chunk->nslots = nslots;
	chunk->all = GENMASK_ULL(nslots - 1, 0);
	chunk->free = chunk->all;
	return chunk;
}

static void chunk_free(struct nfipsec_counters_chunk *chunk)
{
	free_percpu(chunk->base);
	kfree(chunk);
}

/* A zeroed slot, and its chunk in *chunkp (for the put); may sleep. */
struct nfipsec_counters __percpu *
nfipsec_counters_get(struct nfipsec_counters_pool *pool,
		     struct nfipsec_counters_chunk **chunkp)
{
	struct nfipsec_counters_chunk *chunk, *fresh = NULL;
	struct nfipsec_counters __percpu *c;
	unsigned int slot = 0, nslots;
	bool zero = true;
	int cpu;

	for (;;) {
		spin_lock_bh(&pool->lock);
		chunk = list_first_entry_or_null(&pool->partial,
						 struct nfipsec_counters_chunk,
						 list);
		if (!chunk && fresh) {
			chunk = fresh;
			fresh = NULL;
			zero = false;	/* never used */
			list_add(&chunk->list, &pool->partial);
			pool->chunks++;
		}
		if (chunk) {
			slot = __ffs64(chunk->free);
			chunk->free &= ~BIT_ULL(slot);
			if (!chunk->free)
				list_del_init(&chunk->list);
		}
		/* The next chunk: twice the last one's size. */
		nslots = min(NFIPSEC_COUNTERS_CHUNK_MIN << min(pool->chunks, 4U),
			     NFIPSEC_COUNTERS_CHUNK_MAX);
		spin_unlock_bh(&pool->lock);
		if (chunk)
			break;
		fresh = chunk_alloc(pool, nslots);
		if (!fresh)
			return NULL;
	}
	if (fresh)	/* another made room meanwhile */
		chunk_free(fresh);

	/* No reader sees the slot: its last owner's grace period is over. */
	c = (struct nfipsec_counters __percpu *)(chunk->base +
						 slot * pool->size);
	for_each_possible_cpu(cpu) {
		struct nfipsec_counters *st = per_cpu_ptr(c, cpu);

		if (zero)
			memset(st, 0, pool->size);
		u64_stats_init(&st->syncp);
	}
	*chunkp = chunk;
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_get);

/*
 * Give back a slot of chunk that no reader can add to any more (never
 * handed to readers, or after a grace period); process or softirq context.
 */
void nfipsec_counters_put(struct nfipsec_counters_chunk *chunk,
			  struct nfipsec_counters __percpu *c)
{
	struct nfipsec_counters_pool *pool = chunk->pool;
	long off = (u8 __percpu *)c - chunk->base;
	unsigned int slot = off / pool->size;
	bool empty;

	if (WARN_ON_ONCE(off < 0 || off % pool->size || slot >= chunk->nslots))
		return;		/* not this chunk's: leak rather than corrupt */
	spin_lock_bh(&pool->lock);
	if (WARN_ON_ONCE(chunk->free & BIT_ULL(slot))) {
		spin_unlock_bh(&pool->lock);
		return;
	}
	if (!chunk->free)
		list_add(&chunk->list, &pool->partial);
	chunk->free |= BIT_ULL(slot);
	empty = chunk->free == chunk->all;
	if (empty) {
		list_del(&chunk->list);
		pool->chunks--;
	}
	spin_unlock_bh(&pool->lock);
	if (empty)
		chunk_free(chunk);	/* free_percpu: atomic context is fine */
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_counters_put);

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
