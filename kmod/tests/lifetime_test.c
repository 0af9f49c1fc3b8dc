// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the datapath's side of SA lifetimes (lifetime.c), exactly at the
 * limits: a hard packet limit of N passes N packets and refuses the next;
 * a hard byte limit passes the packet that starts under it; soft limits
 * fire when reached, not before; an SA without byte or packet limits
 * counts nothing shared; the sequence numbers' soft and hard limits; an
 * update makes a dying SA live again but does not undo a hard limit, and
 * limits it gives that the SA's totals already reach fire at once.
 * The namespace here is a bare one: its expiry work runs (kicked) and
 * finds no SA in its list, so only what the datapath recorded is seen.
 */

#include <kunit/test.h>

#include "../nfipsec.h"
#include "../lifetime.h"
#include "../sa.h"

static const u8 key[20] = { 1, 2, 3 };

static void nn_exit_action(void *nn)
{
	nfipsec_lft_net_exit(nn);
}

static void sa_put_action(void *sa)
{
	nfipsec_sa_put(sa);
}

static struct nfipsec_sa *lft_sa(struct kunit *test,
				 const struct nfipsec_lifetime *lft, u32 flags)
{
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_net *nn;
	struct nfipsec_sa *sa;

	nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nn);
	mutex_init(&nn->cfg_lock);
	INIT_LIST_HEAD(&nn->sa_list);
	nfipsec_lft_net_init(nn);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, nn_exit_action,
							   nn));
	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = IPPROTO_ESP;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->spi = htonl(0x100);
	cfg->flags = flags;
	cfg->lft = *lft;
	cfg->algs[NFIPSEC_ALG_AEAD].alg = nfipsec_alg_find("rfc4106(gcm(aes))",
							   NFIPSEC_ALG_AEAD);
	KUNIT_ASSERT_NOT_NULL(test, cfg->algs[NFIPSEC_ALG_AEAD].alg);
	cfg->algs[NFIPSEC_ALG_AEAD].key_len = sizeof(key);
	memcpy(cfg->algs[NFIPSEC_ALG_AEAD].key, key, sizeof(key));
	sa = nfipsec_sa_create(nn, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sa_put_action,
							   sa));
	return sa;
}

static void nfipsec_test_lft_packets(struct kunit *test)
{
	struct nfipsec_lifetime lft = { .soft_packets = 3, .hard_packets = 5 };
	struct nfipsec_sa *sa = lft_sa(test, &lft, 0);
	int i;

	for (i = 1; i <= 5; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, nfipsec_lft_use(sa, 100),
				      "packet %d", i);
		KUNIT_EXPECT_EQ_MSG(test, sa->soft_limit,
				    i >= 3 ? NFIPSEC_LIMIT_PACKETS : 0,
				    "after packet %d", i);
		KUNIT_EXPECT_EQ_MSG(test, sa->hard_limit,
				    i >= 5 ? NFIPSEC_LIMIT_PACKETS : 0,
				    "after packet %d", i);
	}
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 100));
	KUNIT_EXPECT_TRUE(test, nfipsec_lft_expired(sa));
	KUNIT_EXPECT_NE(test, atomic64_read(&sa->use_ns), 0);
	KUNIT_EXPECT_NE(test, atomic64_read(&sa->last_ns), 0);
}

static void nfipsec_test_lft_bytes(struct kunit *test)
{
	struct nfipsec_lifetime lft = { .soft_bytes = 200, .hard_bytes = 400 };
	struct nfipsec_sa *sa = lft_sa(test, &lft, 0);
	int i;

	/* 84, 168, 252 (soft), 336, 420: the fifth starts at 336 < 400. */
	for (i = 1; i <= 5; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, nfipsec_lft_use(sa, 84),
				      "packet %d", i);
		KUNIT_EXPECT_EQ_MSG(test, sa->soft_limit,
				    i >= 3 ? NFIPSEC_LIMIT_BYTES : 0,
				    "after packet %d", i);
	}
	KUNIT_EXPECT_EQ(test, sa->hard_limit, NFIPSEC_LIMIT_BYTES);
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 1));
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->lft_bytes), 420);
}

/* No byte or packet limit: nothing shared is written per packet. */
static void nfipsec_test_lft_uncounted(struct kunit *test)
{
	struct nfipsec_lifetime lft = { .hard_add = 3600 };
	struct nfipsec_sa *sa = lft_sa(test, &lft, 0);
	int i;

	KUNIT_EXPECT_FALSE(test, sa->counted);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->use_ns), 0);
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_TRUE(test, nfipsec_lft_use(sa, 1500));
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->lft_packets), 0);
	KUNIT_EXPECT_EQ(test, sa->soft_limit, 0);
	KUNIT_EXPECT_EQ(test, sa->hard_limit, 0);
	KUNIT_EXPECT_NE(test, atomic64_read(&sa->use_ns), 0);
}

static void nfipsec_test_lft_seq(struct kunit *test)
{
	struct nfipsec_lifetime lft = {};
	struct nfipsec_sa *sa = lft_sa(test, &lft, 0);
	struct nfipsec_sa *esn = lft_sa(test, &lft, NFIPSEC_SA_F_ESN);

	nfipsec_lft_seq_check(sa, BIT_ULL(32) - BIT_ULL(24) - 1);
	KUNIT_EXPECT_EQ(test, sa->soft_limit, 0);
	nfipsec_lft_seq_check(sa, BIT_ULL(32) - BIT_ULL(24));
	KUNIT_EXPECT_EQ(test, sa->soft_limit, NFIPSEC_LIMIT_SEQ);
	KUNIT_EXPECT_TRUE(test, nfipsec_lft_use(sa, 100));
	nfipsec_lft_seq_exhausted(sa);
	KUNIT_EXPECT_EQ(test, sa->hard_limit, NFIPSEC_LIMIT_SEQ);
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 100));

	/* ESN: 2^32 numbers are nothing; the end of 2^64 is. */
	nfipsec_lft_seq_check(esn, BIT_ULL(32));
	KUNIT_EXPECT_EQ(test, esn->soft_limit, 0);
	nfipsec_lft_seq_check(esn, U64_MAX - U32_MAX);
	KUNIT_EXPECT_EQ(test, esn->soft_limit, NFIPSEC_LIMIT_SEQ);
}

/* An update: new limits, no longer dying, counts kept; hard stays. */
static void nfipsec_test_lft_update(struct kunit *test)
{
	struct nfipsec_lifetime lft = { .soft_packets = 1, .hard_packets = 3 };
	struct nfipsec_lifetime more = { .soft_packets = 10, .hard_packets = 20 };
	struct nfipsec_sa *sa = lft_sa(test, &lft, 0);

	KUNIT_EXPECT_TRUE(test, nfipsec_lft_use(sa, 100));
	KUNIT_EXPECT_EQ(test, sa->soft_limit, NFIPSEC_LIMIT_PACKETS);
	sa->dying = true;	/* as the expiry work marks it */
	mutex_lock(&sa->nn->cfg_lock);
	nfipsec_lft_update(sa, &more);
	mutex_unlock(&sa->nn->cfg_lock);
	KUNIT_EXPECT_EQ(test, sa->soft_limit, 0);
	KUNIT_EXPECT_FALSE(test, sa->dying);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->lft_packets), 1);
	KUNIT_EXPECT_TRUE(test, nfipsec_lft_use(sa, 100));
	KUNIT_EXPECT_EQ(test, sa->soft_limit, 0);

	nfipsec_lft_seq_exhausted(sa);
	mutex_lock(&sa->nn->cfg_lock);
	nfipsec_lft_update(sa, &more);
	mutex_unlock(&sa->nn->cfg_lock);
	KUNIT_EXPECT_TRUE(test, nfipsec_lft_expired(sa));
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 100));
}

/*
 * Limits given by an update to an SA that had none: its carried totals
 * are its counts, and a limit they already reach fires at once.
 */
static void nfipsec_test_lft_update_reached(struct kunit *test)
{
	struct nfipsec_lifetime none = {};
	struct nfipsec_lifetime lft = { .soft_packets = 3, .hard_packets = 5 };
	struct nfipsec_sa *sa = lft_sa(test, &none, 0);

	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_PACKETS, 4);
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_BYTES, 400);
	mutex_lock(&sa->nn->cfg_lock);
	nfipsec_lft_update(sa, &lft);
	mutex_unlock(&sa->nn->cfg_lock);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->lft_packets), 4);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sa->lft_bytes), 400);
	KUNIT_EXPECT_EQ(test, sa->soft_limit, NFIPSEC_LIMIT_PACKETS);
	KUNIT_EXPECT_EQ(test, sa->hard_limit, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_lft_use(sa, 100));	/* the 5th */
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 100));

	lft.hard_packets = 2;
	sa = lft_sa(test, &none, 0);
	nfipsec_sa_stat_add(sa, NFIPSEC_SA_STAT_PACKETS, 2);
	mutex_lock(&sa->nn->cfg_lock);
	nfipsec_lft_update(sa, &lft);
	mutex_unlock(&sa->nn->cfg_lock);
	KUNIT_EXPECT_EQ(test, sa->hard_limit, NFIPSEC_LIMIT_PACKETS);
	KUNIT_EXPECT_FALSE(test, nfipsec_lft_use(sa, 100));
}

static struct kunit_case nfipsec_lifetime_cases[] = {
	KUNIT_CASE(nfipsec_test_lft_packets),
	KUNIT_CASE(nfipsec_test_lft_bytes),
	KUNIT_CASE(nfipsec_test_lft_uncounted),
	KUNIT_CASE(nfipsec_test_lft_seq),
	KUNIT_CASE(nfipsec_test_lft_update),
	KUNIT_CASE(nfipsec_test_lft_update_reached),
	{}
};

static struct kunit_suite nfipsec_lifetime_suite = {
	.name = "nfipsec_lifetime",
	.test_cases = nfipsec_lifetime_cases,
};

kunit_test_suite(nfipsec_lifetime_suite);
