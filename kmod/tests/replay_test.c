// SPDX-License-Identifier: GPL-2.0
/* KUnit: the anti-replay window, as a table of cases (cf. RFC 4303, 6479). */

#include <kunit/test.h>

#include "../replay.h"

#define OK	NFIPSEC_REPLAY_OK
#define DUP	NFIPSEC_REPLAY_DUP
#define OLD	NFIPSEC_REPLAY_OLD
#define H(x)	((u64)(x) << 32)

struct replay_step {
	u32 seq;		/* as on the wire */
	int verdict;		/* expected from check */
	bool forged;		/* ICV fails: must not advance */
	u64 full;		/* expected inferred number, 0: skip */
};

struct replay_case {
	const char *name;
	u32 window;
	bool esn;
	u64 start;		/* top before the first step */
	struct replay_step steps[16];
};

static const struct replay_case replay_cases[] = {
	{ "in order, then duplicates", 32, false, 0, {
		{ 1, OK }, { 2, OK }, { 3, OK }, { 2, DUP }, { 3, DUP },
		{ 4, OK }, { 1, DUP } } },
	{ "sequence number zero is never valid", 32, false, 0, {
		{ 0, OLD }, { 1, OK }, { 0, OLD } } },
	{ "left and right edges of the window", 32, false, 100, {
		{ 69, OK }, { 68, OLD }, { 100, OK }, { 100, DUP },
		{ 69, DUP }, { 101, OK }, { 69, OLD }, { 70, OK } } },
	{ "out of order inside the window", 64, false, 0, {
		{ 10, OK }, { 5, OK }, { 7, OK }, { 5, DUP }, { 6, OK },
		{ 9, OK }, { 8, OK }, { 10, DUP }, { 1, OK } } },
	{ "far-ahead jump", 64, false, 0, {
		{ 1, OK }, { 1000000, OK }, { 1, OLD }, { 999937, OK },
		{ 999936, OLD }, { 999999, OK }, { 999999, DUP } } },
	{ "forged packets do not move the window", 32, false, 0, {
		{ 10, OK }, { 1000, OK, true }, { 5, OK }, { 1000, OK },
		{ 1000, DUP }, { 968, OLD } } },
	{ "window 4096, edges", 4096, false, 5000, {
		{ 905, OK }, { 904, OLD }, { 905, DUP }, { 4999, OK },
		{ 5000, OK }, { 4999, DUP } } },
	{ "window 4096, ring wrap clears stale bits", 4096, false, 0, {
		{ 4997, OK }, { 4998, OK }, { 5000, OK }, { 13180, OK },
		{ 13190, OK }, { 13189, OK }, { 13190, DUP }, { 13180, DUP },
		{ 9095, OK }, { 9094, OLD } } },
	{ "jump by exactly one ring", 128, false, 0, {
		{ 64, OK }, { 64 + 8192, OK }, { 64 + 8192 - 1, OK },
		{ 64 + 8192 - 64, OK }, { 64, OLD } } },
	{ "window 0 disables the check", 0, false, 0, {
		{ 5, OK }, { 5, OK }, { 1, OK }, { 0, OLD } } },
	{ "no ESN: a wrapped number is old", 64, false, 0xffffffff, {
		{ 1, OLD }, { 0xffffffc0, OK }, { 0xffffffbf, OLD } } },
	{ "ESN: crossing into the next half", 64, true, H(0) | 0xfffffff0, {
		{ 0xfffffff5, OK, false, 0xfffffff5 },
		{ 5, OK, false, H(1) | 5 },
		{ 0xfffffff6, OK, false, 0xfffffff6 },
		{ 0xfffffff5, DUP, false, 0xfffffff5 },
		{ 6, OK, false, H(1) | 6 },
		{ 0xffffffc7, OK, false, 0xffffffc7 },
		/* Below the window: taken as the next half; its ICV fails. */
		{ 0xffffffc6, OK, true, H(1) | 0xffffffc6 } } },
	{ "ESN: high half inferred from the window", 128, true, H(7) | 1000, {
		{ 900, OK, false, H(7) | 900 },
		{ 873, OK, false, H(7) | 873 },
		{ 872, OK, true, H(8) | 872 },
		{ 1001, OK, false, H(7) | 1001 } } },
	{ "ESN: forged far-ahead packet does not move the high half", 64,
	  true, H(2) | 0x10, {
		{ 0x80000000, OK, true, H(2) | 0x80000000 },
		{ 0x11, OK, false, H(2) | 0x11 },
		{ 0x0f, OK, false, H(2) | 0x0f } } },
	{ "ESN: first packets of an SA", 64, true, 0, {
		{ 1, OK, false, 1 }, { 0xfffffff0, OLD, false, 0 },
		{ 2, OK, false, 2 } } },
};

static void replay_case_desc(const struct replay_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(replay, replay_cases, replay_case_desc);

static void nfipsec_test_replay(struct kunit *test)
{
	const struct replay_case *c = test->param_value;
	struct nfipsec_replay *r;
	int i;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nfipsec_replay_init(r, c->window);
	r->top = c->start;

	for (i = 0; i < ARRAY_SIZE(c->steps); i++) {
		const struct replay_step *s = &c->steps[i];
		u64 seq, top = r->top;
		int v;

		if (!s->seq && !s->verdict && i)
			break;	/* end of the steps */
		seq = nfipsec_replay_infer(r, s->seq, c->esn);
		if (s->full || c->esn)
			KUNIT_EXPECT_EQ_MSG(test, s->full, seq, "step %d", i);
		v = nfipsec_replay_check(r, seq);
		KUNIT_EXPECT_EQ_MSG(test, s->verdict, v, "step %d seq %u", i,
				    s->seq);
		if (v != NFIPSEC_REPLAY_OK)
			continue;
		if (s->forged) {
			KUNIT_EXPECT_EQ(test, top, r->top);
			continue;
		}
		nfipsec_replay_advance(r, seq);
		KUNIT_EXPECT_EQ(test, max(top, seq), r->top);
		if (c->window)
			KUNIT_EXPECT_EQ(test, NFIPSEC_REPLAY_DUP,
					nfipsec_replay_check(r, seq));
	}
}

/* Every number of a long in-order run is accepted once, then refused. */
static void nfipsec_test_replay_long_run(struct kunit *test)
{
	struct nfipsec_replay *r;
	u64 seq;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nfipsec_replay_init(r, 1024);
	for (seq = 1; seq <= 100000; seq++) {
		if (nfipsec_replay_check(r, seq) != NFIPSEC_REPLAY_OK)
			KUNIT_FAIL(test, "seq %llu refused", seq);
		nfipsec_replay_advance(r, seq);
		if (seq > 1 && nfipsec_replay_check(r, seq - 1) !=
		    NFIPSEC_REPLAY_DUP)
			KUNIT_FAIL(test, "seq %llu accepted twice", seq - 1);
	}
	KUNIT_EXPECT_EQ(test, NFIPSEC_REPLAY_OLD,
			nfipsec_replay_check(r, 100000 - 1024));
	KUNIT_EXPECT_EQ(test, NFIPSEC_REPLAY_DUP,
			nfipsec_replay_check(r, 100000 - 1023));
}

/* The window never exceeds what the ring can hold. */
static void nfipsec_test_replay_clamp(struct kunit *test)
{
	struct nfipsec_replay *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nfipsec_replay_init(r, 1 << 20);
	KUNIT_EXPECT_EQ(test, NFIPSEC_REPLAY_MAX, r->window);
}

static struct kunit_case nfipsec_replay_test_cases[] = {
	KUNIT_CASE_PARAM(nfipsec_test_replay, replay_gen_params),
	KUNIT_CASE(nfipsec_test_replay_long_run),
	KUNIT_CASE(nfipsec_test_replay_clamp),
	{}
};

static struct kunit_suite nfipsec_replay_suite = {
	.name = "nfipsec_replay",
	.test_cases = nfipsec_replay_test_cases,
};

kunit_test_suite(nfipsec_replay_suite);
