// SPDX-License-Identifier: GPL-2.0
/* KUnit: selector matching and first-match ordering of the SPD. */

#include <kunit/test.h>
#include <linux/inet.h>

#include "../nfipsec.h"
#include "../policy.h"

static union nfipsec_addr a4(const char *s)
{
	union nfipsec_addr a = {};

	a.a4 = in_aton(s);
	return a;
}

static union nfipsec_addr a6(const char *s)
{
	union nfipsec_addr a = {};

	in6_pton(s, -1, a.a6.s6_addr, -1, NULL);
	return a;
}

static struct nfipsec_flow flow4(const char *src, const char *dst, u8 proto,
				 u16 sport, u16 dport)
{
	struct nfipsec_flow fl = {
		.family = AF_INET, .proto = proto,
		.src = a4(src), .dst = a4(dst),
		.sport = htons(sport), .dport = htons(dport),
	};
	return fl;
}

static struct nfipsec_sel sel4(const char *src, u8 splen, const char *dst,
			       u8 dplen, u8 proto, u16 dport)
{
	struct nfipsec_sel s = {
		.family = AF_INET, .src_plen = splen, .dst_plen = dplen,
		.proto = proto, .src = a4(src), .dst = a4(dst),
		.dport = htons(dport),
	};
	return s;
}

static void nfipsec_test_sel_match(struct kunit *test)
{
	struct nfipsec_sel lan = sel4("192.168.111.0", 24, "192.168.186.0", 24,
				      0, 0);
	struct nfipsec_sel ssh = sel4("192.168.111.5", 32, "0.0.0.0", 0,
				      IPPROTO_TCP, 22);
	struct nfipsec_sel v6 = { .family = AF_INET6, .src_plen = 48,
				  .dst_plen = 0, .src = a6("fd00:111::") };
	struct nfipsec_flow fl;

	fl = flow4("192.168.111.10", "192.168.186.10", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&lan, &fl));
	fl = flow4("192.168.112.10", "192.168.186.10", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&lan, &fl));
	fl = flow4("192.168.111.10", "192.168.187.1", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&lan, &fl));

	fl = flow4("192.168.111.5", "8.8.8.8", IPPROTO_TCP, 40000, 22);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&ssh, &fl));
	fl = flow4("192.168.111.5", "8.8.8.8", IPPROTO_TCP, 40000, 80);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&ssh, &fl));
	fl = flow4("192.168.111.5", "8.8.8.8", IPPROTO_UDP, 40000, 22);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&ssh, &fl));
	fl = flow4("192.168.111.6", "8.8.8.8", IPPROTO_TCP, 40000, 22);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&ssh, &fl));

	/* Families never mix. */
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&v6, &fl));
	fl = (struct nfipsec_flow){ .family = AF_INET6, .proto = IPPROTO_UDP,
				    .src = a6("fd00:111::10"),
				    .dst = a6("2001:db8::1") };
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&v6, &fl));
	fl.src = a6("fd00:112::10");
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&v6, &fl));

	/* Host bits in a selector (kept as given) do not narrow it. */
	lan = sel4("10.1.1.1", 30, "192.168.186.77", 24, 0, 0);
	fl = flow4("10.1.1.2", "192.168.186.10", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&lan, &fl));
	fl = flow4("10.1.1.4", "192.168.186.10", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&lan, &fl));
	v6.src = a6("fd00:111:0:1::1");
	fl.family = AF_INET6;
	fl.src = a6("fd00:111::10");
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&v6, &fl));
}

/*
 * Which SA a template takes and which packets an SA may carry: tunnel mode
 * compares the template's endpoints; transport mode does not (as XFRM's
 * xfrm_state_ok()), but its SA carries only packets between its own
 * endpoints, in its direction; the SA's selector applies in both modes.
 */
static void nfipsec_test_sa_match(struct kunit *test)
{
	struct nfipsec_sa *sa = kunit_kzalloc(test, sizeof(*sa), GFP_KERNEL);
	struct nfipsec_tmpl t = {
		.family = AF_INET, .proto = IPPROTO_ESP,
		.mode = NFIPSEC_MODE_TRANSPORT, .reqid = 7,
	};
	struct nfipsec_flow fl = flow4("10.0.1.1", "10.0.2.2", IPPROTO_TCP,
				       40000, 22);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	sa->family = AF_INET;
	sa->proto = IPPROTO_ESP;
	sa->mode = NFIPSEC_MODE_TRANSPORT;
	sa->reqid = 7;
	sa->src = a4("10.0.1.1");
	sa->dst = a4("10.0.2.2");

	/* Transport: template addresses (none, or others) not compared. */
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.src = a4("192.0.2.1");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.reqid = 8;
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.reqid = 0;
	t.mode = NFIPSEC_MODE_TUNNEL;
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.family = AF_INET6;
	t.mode = NFIPSEC_MODE_TRANSPORT;
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));

	/* Transport: the packet's addresses are the SA's endpoints. */
	KUNIT_EXPECT_TRUE(test, nfipsec_sa_match_flow(sa, &fl));
	fl.src = a4("10.0.1.9");	/* rewritten on the way */
	KUNIT_EXPECT_FALSE(test, nfipsec_sa_match_flow(sa, &fl));
	fl = flow4("10.0.2.2", "10.0.1.1", IPPROTO_TCP, 22, 40000);
	KUNIT_EXPECT_FALSE(test, nfipsec_sa_match_flow(sa, &fl));

	/* The selector narrows it: only TCP to port 22. */
	fl = flow4("10.0.1.1", "10.0.2.2", IPPROTO_TCP, 40000, 22);
	sa->sel = sel4("10.0.1.1", 32, "10.0.2.2", 32, IPPROTO_TCP, 22);
	KUNIT_EXPECT_TRUE(test, nfipsec_sa_match_flow(sa, &fl));
	fl.dport = htons(23);
	KUNIT_EXPECT_FALSE(test, nfipsec_sa_match_flow(sa, &fl));
	fl.dport = htons(22);
	fl.proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, nfipsec_sa_match_flow(sa, &fl));

	/* Tunnel: endpoints in the template; any inner packet the selector takes. */
	sa->mode = NFIPSEC_MODE_TUNNEL;
	t = (struct nfipsec_tmpl){
		.family = AF_INET, .proto = IPPROTO_ESP,
		.mode = NFIPSEC_MODE_TUNNEL,
		.src = a4("10.0.1.1"), .dst = a4("10.0.2.2"),
	};
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.dst = a4("10.0.2.3");
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	/* Inbound, all-zero endpoints are wildcards, each on its own. */
	t.dst = a4("0.0.0.0");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.src = a4("10.0.1.2");
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.src = a4("0.0.0.0");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	/* Both wildcards ("tmpl src :: dst ::"): an SA of either family. */
	t.family = AF_INET6;
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.dst = a6("fd00::2");
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.family = AF_INET;
	t.dst = a4("10.0.2.2");
	/* Inbound, reqid 0 takes any SA; a reqid only its own. */
	sa->reqid = 7;
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.reqid = 8;
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.reqid = 7;
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));

	/*
	 * Outbound, as XFRM's xfrm_state_find(): the reqid exactly (0 only
	 * SAs without one), the endpoints the caller resolved.
	 */
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_out(&t, sa, &sa->src,
						       &sa->dst));
	t.reqid = 0;
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_out(&t, sa, &sa->src,
							&sa->dst));
	sa->reqid = 0;
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_out(&t, sa, &sa->src,
						       &sa->dst));
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_out(&t, sa, &sa->dst,
							&sa->dst));
	t.spi = htonl(0x1234);
	sa->spi = htonl(0x1235);
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_out(&t, sa, &sa->src,
							&sa->dst));
	sa->spi = htonl(0x1234);
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_out(&t, sa, &sa->src,
						       &sa->dst));
	sa->sel = sel4("192.168.111.0", 24, "192.168.186.0", 24, 0, 0);
	fl = flow4("192.168.111.5", "192.168.186.7", IPPROTO_UDP, 1, 2);
	KUNIT_EXPECT_TRUE(test, nfipsec_sa_match_flow(sa, &fl));
	fl.dst = a4("192.168.187.7");
	KUNIT_EXPECT_FALSE(test, nfipsec_sa_match_flow(sa, &fl));
	/* No selector: anything, of either family. */
	memset(&sa->sel, 0, sizeof(sa->sel));
	fl.family = AF_INET6;
	fl.src = a6("fd00::1");
	KUNIT_EXPECT_TRUE(test, nfipsec_sa_match_flow(sa, &fl));
}

static void policy_net_free(void *data)
{
	struct nfipsec_net *nn = data;

	nfipsec_policy_flush(nn, -1);
	rcu_barrier();	/* the policies' RCU callbacks, before nn goes */
}

static struct nfipsec_policy *add(struct kunit *test, struct nfipsec_net *nn,
				  u8 dir, struct nfipsec_sel sel, u8 action,
				  u32 pos)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc();

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = dir;
	pol->sel = sel;
	pol->action = action;
	nfipsec_policy_insert(nn, pol, pos);
	return pol;
}

/* The first policy in list order that matches wins, not the most specific. */
static void nfipsec_test_first_match(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);
	struct nfipsec_policy *wide, *narrow, *other_dir, *top;
	struct nfipsec_flow fl;
	u32 pos;

	KUNIT_ASSERT_NOT_NULL(test, nn);
	INIT_LIST_HEAD(&nn->policies);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, policy_net_free, nn));

	wide = add(test, nn, NFIPSEC_DIR_OUT,
		   sel4("192.168.111.0", 24, "192.168.186.0", 24, 0, 0),
		   NFIPSEC_ACTION_ALLOW, U32_MAX);
	narrow = add(test, nn, NFIPSEC_DIR_OUT,
		     sel4("192.168.111.0", 24, "192.168.186.20", 32, 0, 0),
		     NFIPSEC_ACTION_BLOCK, U32_MAX);
	other_dir = add(test, nn, NFIPSEC_DIR_IN,
			sel4("192.168.111.0", 24, "192.168.186.20", 32, 0, 0),
			NFIPSEC_ACTION_BLOCK, 0);
	KUNIT_EXPECT_EQ(test, 3U, nn->policy_count);
	KUNIT_EXPECT_PTR_EQ(test, other_dir, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, wide, nfipsec_policy_at(nn, 1));
	KUNIT_EXPECT_PTR_EQ(test, narrow, nfipsec_policy_at(nn, 2));
	KUNIT_EXPECT_NULL(test, nfipsec_policy_at(nn, 3));

	rcu_read_lock();
	fl = flow4("192.168.111.10", "192.168.186.20", IPPROTO_ICMP, 0, 0);
	/* The wide one is above: it wins though the narrow one also matches. */
	KUNIT_EXPECT_PTR_EQ(test, wide,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	KUNIT_EXPECT_PTR_EQ(test, other_dir,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_IN, &fl));
	KUNIT_EXPECT_NULL(test, nfipsec_policy_lookup(nn, NFIPSEC_DIR_FWD, &fl));
	rcu_read_unlock();

	/* Placed at the top, a narrower policy takes over its sub-range only. */
	top = add(test, nn, NFIPSEC_DIR_OUT,
		  sel4("192.168.111.0", 24, "192.168.186.20", 32, IPPROTO_ICMP, 0),
		  NFIPSEC_ACTION_ALLOW, 0);
	KUNIT_EXPECT_PTR_EQ(test, top, nfipsec_policy_at(nn, 0));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, top,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	fl = flow4("192.168.111.10", "192.168.186.21", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, wide,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	fl = flow4("192.168.111.10", "10.0.0.1", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_NULL(test, nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	rcu_read_unlock();

	/* Identity is direction and selector. */
	KUNIT_EXPECT_PTR_EQ(test, narrow,
			    nfipsec_policy_find(nn, NFIPSEC_DIR_OUT, &narrow->sel,
						&pos));
	KUNIT_EXPECT_EQ(test, 3U, pos);
	KUNIT_EXPECT_NULL(test, nfipsec_policy_find(nn, NFIPSEC_DIR_FWD,
						    &narrow->sel, NULL));

	/* Taking one out closes the gap. */
	nfipsec_policy_unlink(nn, top);
	nfipsec_policy_free(top);
	KUNIT_EXPECT_PTR_EQ(test, other_dir, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_EQ(test, 3U, nn->policy_count);
}

/* Put pol where ip xfrm would: after every policy of its priority or lower. */
static struct nfipsec_policy *add_prio(struct kunit *test,
				       struct nfipsec_net *nn, u32 prio,
				       const char *dst, u8 plen, u8 action)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc();

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = NFIPSEC_DIR_OUT;
	pol->sel = sel4("192.168.111.0", 24, dst, plen, 0, 0);
	pol->action = action;
	pol->priority = prio;
	nfipsec_policy_insert(nn, pol, nfipsec_policy_prio_pos(nn, prio, NULL));
	return pol;
}

/*
 * ip xfrm's priorities: a lower priority wins over a list position, equal
 * priorities keep the order they were given in, and a position that would
 * break the order is refused.
 */
static void nfipsec_test_priority(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);
	struct nfipsec_policy *broad, *narrow, *later, *last, *moved;
	struct nfipsec_flow fl;
	u32 other = 0;

	KUNIT_ASSERT_NOT_NULL(test, nn);
	INIT_LIST_HEAD(&nn->policies);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, policy_net_free, nn));

	/* A broad tunnel policy, then a narrow exception with a better one. */
	broad = add_prio(test, nn, 100, "192.168.186.0", 24,
			 NFIPSEC_ACTION_ALLOW);
	narrow = add_prio(test, nn, 50, "192.168.186.20", 32,
			  NFIPSEC_ACTION_BLOCK);
	KUNIT_EXPECT_PTR_EQ(test, narrow, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, broad, nfipsec_policy_at(nn, 1));
	rcu_read_lock();
	fl = flow4("192.168.111.10", "192.168.186.20", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, narrow,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	fl = flow4("192.168.111.10", "192.168.186.21", IPPROTO_ICMP, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, broad,
			    nfipsec_policy_lookup(nn, NFIPSEC_DIR_OUT, &fl));
	rcu_read_unlock();

	/* Equal priorities: in the order given (after the earlier one). */
	later = add_prio(test, nn, 50, "192.168.186.0", 25,
			 NFIPSEC_ACTION_ALLOW);
	KUNIT_EXPECT_PTR_EQ(test, later, nfipsec_policy_at(nn, 1));
	last = add_prio(test, nn, U32_MAX, "0.0.0.0", 0, NFIPSEC_ACTION_BLOCK);
	KUNIT_EXPECT_PTR_EQ(test, last, nfipsec_policy_at(nn, 3));
	/* No priority given (0): before all of them. */
	KUNIT_EXPECT_EQ(test, 0U, nfipsec_policy_prio_pos(nn, 0, NULL));
	KUNIT_EXPECT_EQ(test, 2U, nfipsec_policy_prio_pos(nn, 50, NULL));
	KUNIT_EXPECT_EQ(test, 4U, nfipsec_policy_prio_pos(nn, U32_MAX, NULL));
	/* Counted without the policy itself (an update's new priority). */
	KUNIT_EXPECT_EQ(test, 2U, nfipsec_policy_prio_pos(nn, 100, broad));

	/* Positions: inside its priority's run, or at its edges. */
	KUNIT_EXPECT_TRUE(test, nfipsec_policy_pos_ok(nn, 0, 50, NULL, &other));
	KUNIT_EXPECT_TRUE(test, nfipsec_policy_pos_ok(nn, 2, 50, NULL, &other));
	KUNIT_EXPECT_TRUE(test, nfipsec_policy_pos_ok(nn, 2, 70, NULL, &other));
	KUNIT_EXPECT_FALSE(test, nfipsec_policy_pos_ok(nn, 3, 50, NULL, &other));
	KUNIT_EXPECT_EQ(test, 100U, other);
	KUNIT_EXPECT_FALSE(test, nfipsec_policy_pos_ok(nn, 0, 100, NULL, &other));
	KUNIT_EXPECT_EQ(test, 50U, other);
	KUNIT_EXPECT_FALSE(test, nfipsec_policy_pos_ok(nn, 4, 0, NULL, &other));
	/* Moving broad (100) to the top passes 50s; last stays last. */
	KUNIT_EXPECT_FALSE(test, nfipsec_policy_pos_ok(nn, 0, 100, broad, &other));
	KUNIT_EXPECT_TRUE(test, nfipsec_policy_pos_ok(nn, 2, 100, broad, &other));
	KUNIT_EXPECT_FALSE(test, nfipsec_policy_pos_ok(nn, 3, 100, broad, &other));
	KUNIT_EXPECT_EQ(test, (u32)U32_MAX, other);

	/*
	 * An update of broad to priority 40 moves it to the top, in broad's
	 * stead: the same count, broad's counters, the others' order kept.
	 */
	moved = nfipsec_policy_alloc();
	KUNIT_ASSERT_NOT_NULL(test, moved);
	moved->dir = broad->dir;
	moved->sel = broad->sel;
	moved->priority = 40;
	nfipsec_pol_stat_add(broad, NFIPSEC_POLICY_STAT_PACKETS, 7);
	nfipsec_policy_move_to(nn, broad, moved,
			       nfipsec_policy_prio_pos(nn, 40, broad));
	KUNIT_EXPECT_EQ(test, 4U, nn->policy_count);
	KUNIT_EXPECT_PTR_EQ(test, moved, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, narrow, nfipsec_policy_at(nn, 1));
	KUNIT_EXPECT_PTR_EQ(test, later, nfipsec_policy_at(nn, 2));
	KUNIT_EXPECT_PTR_EQ(test, last, nfipsec_policy_at(nn, 3));
	KUNIT_EXPECT_NULL(test, nfipsec_policy_at(nn, 4));
	KUNIT_EXPECT_EQ(test, 7ULL,
			nfipsec_counters_read(moved->stats,
					      NFIPSEC_POLICY_STAT_PACKETS));
	/* And to the end (priority U32_MAX, after last). */
	broad = moved;
	moved = nfipsec_policy_alloc();
	KUNIT_ASSERT_NOT_NULL(test, moved);
	moved->dir = broad->dir;
	moved->sel = broad->sel;
	moved->priority = U32_MAX;
	nfipsec_policy_move_to(nn, broad, moved,
			       nfipsec_policy_prio_pos(nn, U32_MAX, broad));
	KUNIT_EXPECT_PTR_EQ(test, narrow, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, last, nfipsec_policy_at(nn, 2));
	KUNIT_EXPECT_PTR_EQ(test, moved, nfipsec_policy_at(nn, 3));
	KUNIT_EXPECT_EQ(test, 4U, nn->policy_count);
}

/*
 * ip xfrm's policy index, made as XFRM's xfrm_gen_index() makes it: the
 * generator by 8 with the dir in the low 3 bits; an index asked for is
 * taken when free, and one in use makes the generator go on.
 */
static void nfipsec_test_index(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);
	struct nfipsec_policy *p1, *p97;

	KUNIT_ASSERT_NOT_NULL(test, nn);
	INIT_LIST_HEAD(&nn->policies);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, policy_net_free, nn));

	KUNIT_EXPECT_EQ(test, 1U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 0));
	p1 = add_prio(test, nn, 0, "192.168.186.0", 24, NFIPSEC_ACTION_ALLOW);
	p1->index = 1;
	KUNIT_EXPECT_EQ(test, 8U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_IN, 0));
	KUNIT_EXPECT_EQ(test, 97U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 97));
	p97 = add_prio(test, nn, 0, "192.168.187.0", 24, NFIPSEC_ACTION_ALLOW);
	p97->index = 97;
	KUNIT_EXPECT_EQ(test, 17U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 97));
	KUNIT_EXPECT_EQ(test, 26U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_FWD, 0));
	KUNIT_EXPECT_EQ(test, 33U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 1));
	KUNIT_EXPECT_PTR_EQ(test, p97, nfipsec_policy_by_index(nn, 97));
	KUNIT_EXPECT_PTR_EQ(test, p1, nfipsec_policy_by_index(nn, 1));
	KUNIT_EXPECT_NULL(test, nfipsec_policy_by_index(nn, 17));
	/* The generator's wrap to 0 gives 8, as XFRM's does. */
	nn->policy_index_gen = 0;
	KUNIT_EXPECT_EQ(test, 8U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_IN, 0));
}

static struct kunit_case nfipsec_policy_cases[] = {
	KUNIT_CASE(nfipsec_test_sel_match),
	KUNIT_CASE(nfipsec_test_first_match),
	KUNIT_CASE(nfipsec_test_priority),
	KUNIT_CASE(nfipsec_test_index),
	KUNIT_CASE(nfipsec_test_sa_match),
	{}
};

static struct kunit_suite nfipsec_policy_suite = {
	.name = "nfipsec_policy",
	.test_cases = nfipsec_policy_cases,
};

kunit_test_suite(nfipsec_policy_suite);
