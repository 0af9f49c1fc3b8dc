// SPDX-License-Identifier: GPL-2.0
/* KUnit: per-CPU counter arrays and their netlink encoding. */

#include <kunit/test.h>

#include "../nfipsec.h"

static void stats_free(void *stats)
{
	nfipsec_counters_free((struct nfipsec_counters __percpu *)stats);
}

static struct nfipsec_counters __percpu *stats_new(struct kunit *test)
{
	struct nfipsec_counters __percpu *stats;

	stats = nfipsec_counters_alloc(__NFIPSEC_STAT_MAX);

	KUNIT_ASSERT_NOT_NULL(test, stats);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, stats_free,
							   (void __force *)stats));
	return stats;
}

/* Counter i on CPU c gets (c + 1) * i: every CPU and every index differ. */
static u64 expected(int idx, int ncpu)
{
	return (u64)idx * ncpu * (ncpu + 1) / 2;
}

static int fill_all_cpus(struct nfipsec_counters __percpu *stats)
{
	int cpu, i, n = 0;

	for_each_possible_cpu(cpu) {
		struct nfipsec_counters *st = per_cpu_ptr(stats, cpu);

		n++;
		for (i = 1; i <= NFIPSEC_STAT_MAX; i++)
			u64_stats_add(&st->cnt[i], (u64)n * i);
	}
	return n;
}

static void nfipsec_test_stats_sum(struct kunit *test)
{
	struct nfipsec_counters __percpu *stats = stats_new(test);
	struct nfipsec_net nn = { .stats = stats };
	int i, ncpu;

	for (i = 1; i <= NFIPSEC_STAT_MAX; i++)
		KUNIT_EXPECT_EQ(test, 0ULL, nfipsec_counters_read(stats, i));

	ncpu = fill_all_cpus(stats);
	for (i = 1; i <= NFIPSEC_STAT_MAX; i++)
		KUNIT_EXPECT_EQ(test, expected(i, ncpu),
				nfipsec_counters_read(stats, i));

	/* The datapath's increment touches exactly one counter. */
	nfipsec_stat_inc(&nn, NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN);
	for (i = 1; i <= NFIPSEC_STAT_MAX; i++)
		KUNIT_EXPECT_EQ(test, expected(i, ncpu) +
				(i == NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN),
				nfipsec_counters_read(stats, i));
}

static void nfipsec_test_stats_netlink(struct kunit *test)
{
	struct nfipsec_counters __percpu *stats = stats_new(test);
	struct nlattr *tb[NFIPSEC_STAT_MAX + 1];
	struct nla_policy pol[NFIPSEC_STAT_MAX + 1] = {};
	struct nlattr *nest, *a;
	struct sk_buff *skb;
	int i, rem, ncpu, err, seen = 0;

	ncpu = fill_all_cpus(stats);
	skb = alloc_skb(1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);

	err = nfipsec_counters_fill(skb, NFIPSEC_A_STATS, stats,
				    NFIPSEC_STAT_MAX);
	KUNIT_ASSERT_EQ(test, 0, err);
	nest = (struct nlattr *)skb->data;
	KUNIT_EXPECT_EQ(test, NFIPSEC_A_STATS, nla_type(nest));
	KUNIT_EXPECT_EQ(test, skb->len, nla_total_size(nla_len(nest)));

	/* Every counter exactly once, as a 64-bit value, and nothing else. */
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) == NFIPSEC_STAT_PAD)
			continue;
		KUNIT_EXPECT_GE(test, nla_type(a), 1);
		KUNIT_EXPECT_LE(test, nla_type(a), NFIPSEC_STAT_MAX);
		KUNIT_EXPECT_EQ(test, 8, nla_len(a));
		seen++;
	}
	KUNIT_EXPECT_EQ(test, NFIPSEC_STAT_MAX, seen);

	for (i = 1; i <= NFIPSEC_STAT_MAX; i++)
		pol[i].type = NLA_U64;
	KUNIT_ASSERT_EQ(test, 0, nla_parse_nested(tb, NFIPSEC_STAT_MAX, nest,
						  pol, NULL));
	for (i = 1; i <= NFIPSEC_STAT_MAX; i++) {
		KUNIT_ASSERT_NOT_NULL(test, tb[i]);
		KUNIT_EXPECT_EQ(test, expected(i, ncpu), nla_get_u64(tb[i]));
	}
	kfree_skb(skb);
}

/* A message too small for all counters fails cleanly and leaves no nest. */
static void nfipsec_test_stats_emsgsize(struct kunit *test)
{
	struct nfipsec_counters __percpu *stats = stats_new(test);
	struct sk_buff *skb;
	unsigned int len;
	int err;

	skb = alloc_skb(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	/* Room for the nest and a few counters, not for all of them. */
	skb_put_zero(skb, skb_tailroom(skb) - 40);
	len = skb->len;
	err = nfipsec_counters_fill(skb, NFIPSEC_A_STATS, stats,
				    NFIPSEC_STAT_MAX);
	KUNIT_EXPECT_EQ(test, -EMSGSIZE, err);
	KUNIT_EXPECT_EQ(test, len, skb->len);
	kfree_skb(skb);
}

/*
 * Pooled counters: slots of chunks of 4, 8, 16, 32, 64 and 64 slots, each
 * its own and zero; a slot given back comes out again (its chunk, the last
 * to get one back, is used first) zeroed; the chunks go with their last
 * slot.
 */
#define POOL_N 130

static void nfipsec_test_stats_pool(struct kunit *test)
{
	struct nfipsec_counters_chunk **chunk;
	struct nfipsec_counters __percpu **c;
	struct nfipsec_counters_pool pool;
	struct nfipsec_counters __percpu *again;
	struct nfipsec_counters_chunk *again_chunk;
	int i, j, n;

	c = kunit_kcalloc(test, POOL_N, sizeof(*c), GFP_KERNEL);
	chunk = kunit_kcalloc(test, POOL_N, sizeof(*chunk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	nfipsec_counters_pool_init(&pool, __NFIPSEC_STAT_MAX);
	KUNIT_EXPECT_FALSE(test, nfipsec_counters_pool_busy(&pool));

	for (n = 0; n < POOL_N; n++) {
		c[n] = nfipsec_counters_get(&pool, &chunk[n]);
		if (!c[n])
			break;
		/* The last counter of each slot: an overlap would show. */
		nfipsec_counters_add(c[n], NFIPSEC_STAT_MAX, n + 1);
		nfipsec_counters_add(c[n], 1, n + 1);
	}
	KUNIT_EXPECT_EQ(test, POOL_N, n);
	KUNIT_EXPECT_EQ(test, 6U, pool.chunks);
	KUNIT_EXPECT_TRUE(test, nfipsec_counters_pool_busy(&pool));
	/* A new chunk at 4, 4 + 8, 4 + 8 + 16, ... */
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_EQ(test, i == 4 || i == 12 || i == 28 || i == 60 ||
				i == 124, chunk[i] != chunk[i - 1]);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, (u64)i + 1,
				nfipsec_counters_read(c[i], 1));
		KUNIT_EXPECT_EQ(test, (u64)i + 1,
				nfipsec_counters_read(c[i], NFIPSEC_STAT_MAX));
		for (j = 2; j < NFIPSEC_STAT_MAX; j++)
			KUNIT_EXPECT_EQ(test, 0ULL,
					nfipsec_counters_read(c[i], j));
	}

	if (n > 70) {
		/* Slot 70 (fifth chunk, full) back and out again: zeroed. */
		nfipsec_counters_put(chunk[70], c[70]);
		again = nfipsec_counters_get(&pool, &again_chunk);
		KUNIT_EXPECT_PTR_EQ(test, c[70], again);
		KUNIT_EXPECT_PTR_EQ(test, chunk[70], again_chunk);
		if (again)
			c[70] = again;
		KUNIT_EXPECT_EQ(test, 0ULL, nfipsec_counters_read(c[70], 1));
		KUNIT_EXPECT_EQ(test, 0ULL,
				nfipsec_counters_read(c[70], NFIPSEC_STAT_MAX));
		KUNIT_EXPECT_EQ(test, 6U, pool.chunks);
	}

	for (i = 0; i < n; i++)
		nfipsec_counters_put(chunk[i], c[i]);
	KUNIT_EXPECT_EQ(test, 0U, pool.chunks);
	KUNIT_EXPECT_FALSE(test, nfipsec_counters_pool_busy(&pool));
}

static struct kunit_case nfipsec_stats_cases[] = {
	KUNIT_CASE(nfipsec_test_stats_sum),
	KUNIT_CASE(nfipsec_test_stats_netlink),
	KUNIT_CASE(nfipsec_test_stats_emsgsize),
	KUNIT_CASE(nfipsec_test_stats_pool),
	{}
};

static struct kunit_suite nfipsec_stats_suite = {
	.name = "nfipsec_stats",
	.test_cases = nfipsec_stats_cases,
};

kunit_test_suite(nfipsec_stats_suite);
