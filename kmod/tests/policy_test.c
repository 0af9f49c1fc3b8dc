// SPDX-License-Identifier: GPL-2.0
/* KUnit: selector matching and first-match ordering of the SPD. */

#include <kunit/test.h>
#include <linux/inet.h>

#include "../nfipsec.h"
#include "../larval.h"
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
	/* Inbound, the destination is not compared (as xfrm_state_ok()). */
	t.dst = a4("10.0.2.3");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	/* The source is, unless all zero: the wildcard. */
	t.src = a4("10.0.1.2");
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.src = a4("0.0.0.0");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	/* "tmpl src :: dst ::": an SA of either family. */
	t.family = AF_INET6;
	t.dst = a6("fd00::2");
	KUNIT_EXPECT_TRUE(test, nfipsec_tmpl_match_in(&t, sa));
	t.src = a6("fd00::1");
	KUNIT_EXPECT_FALSE(test, nfipsec_tmpl_match_in(&t, sa));
	t.family = AF_INET;
	t.src = a4("10.0.1.1");
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

	nfipsec_policy_net_exit(nn);
	rcu_barrier();	/* the policies' RCU callbacks, before nn goes */
	WARN_ON(nfipsec_counters_pool_busy(&nn->pol_stats));
}

/* A namespace's SPD, empty, undone at the end of the test. */
static struct nfipsec_net *policy_net(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, nn);
	KUNIT_ASSERT_EQ(test, 0, nfipsec_policy_net_init(nn));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, policy_net_free, nn));
	return nn;
}

static struct nfipsec_policy *add(struct kunit *test, struct nfipsec_net *nn,
				  u8 dir, struct nfipsec_sel sel, u8 action,
				  u32 pos)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc(nn);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = dir;
	pol->sel = sel;
	pol->action = action;
	nfipsec_policy_insert(nn, pol, nfipsec_policy_place(nn, pos, NULL));
	return pol;
}

/* The first policy in list order that matches wins, not the most specific. */
static void nfipsec_test_first_match(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *wide, *narrow, *other_dir, *top;
	struct nfipsec_flow fl;

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
			    nfipsec_policy_find(nn, NFIPSEC_DIR_OUT, &narrow->sel));
	KUNIT_EXPECT_EQ(test, 3U, nfipsec_policy_pos(nn, narrow));
	KUNIT_EXPECT_EQ(test, 0U, nfipsec_policy_pos(nn, top));
	KUNIT_EXPECT_EQ(test, 2U, nfipsec_policy_pos(nn, wide));
	KUNIT_EXPECT_NULL(test, nfipsec_policy_find(nn, NFIPSEC_DIR_FWD,
						    &narrow->sel));

	/* Taking one out closes the gap. */
	nfipsec_policy_unlink(nn, top);
	nfipsec_policy_free(top);
	KUNIT_EXPECT_PTR_EQ(test, other_dir, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_EQ(test, 3U, nn->policy_count);
}

/*
 * Put pol where ip xfrm would: after every policy of its priority or
 * lower; with index.
 */
static struct nfipsec_policy *add_index(struct kunit *test,
					struct nfipsec_net *nn, u32 prio,
					const char *dst, u8 plen, u8 action,
					u32 index)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc(nn);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = NFIPSEC_DIR_OUT;
	pol->sel = sel4("192.168.111.0", 24, dst, plen, 0, 0);
	pol->action = action;
	pol->priority = prio;
	pol->index = index;
	nfipsec_policy_insert(nn, pol, nfipsec_policy_prio_place(nn, prio));
	return pol;
}

static struct nfipsec_policy *add_prio(struct kunit *test,
				       struct nfipsec_net *nn, u32 prio,
				       const char *dst, u8 plen, u8 action)
{
	return add_index(test, nn, prio, dst, plen, action, 0);
}

/* Can priority prio go at position pos (of the list without skip)? */
static bool pos_ok(struct nfipsec_net *nn, u32 pos, u32 prio,
		   const struct nfipsec_policy *skip, u32 *other)
{
	return nfipsec_policy_place_ok(nn, nfipsec_policy_place(nn, pos, skip),
				       prio, skip, other);
}

/*
 * ip xfrm's priorities: a lower priority wins over a list position, equal
 * priorities keep the order they were given in, and a position that would
 * break the order is refused.
 */
static void nfipsec_test_priority(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *broad, *narrow, *later, *last, *moved;
	struct nfipsec_flow fl;
	u32 other = 0;

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
	KUNIT_EXPECT_PTR_EQ(test, &narrow->list,
			    nfipsec_policy_prio_place(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, &broad->list,
			    nfipsec_policy_prio_place(nn, 50));
	KUNIT_EXPECT_PTR_EQ(test, &broad->list,
			    nfipsec_policy_prio_place(nn, 99));
	KUNIT_EXPECT_PTR_EQ(test, &last->list,
			    nfipsec_policy_prio_place(nn, 100));
	KUNIT_EXPECT_PTR_EQ(test, &nn->policies,
			    nfipsec_policy_prio_place(nn, U32_MAX));

	/* Positions: inside its priority's run, or at its edges. */
	KUNIT_EXPECT_TRUE(test, pos_ok(nn, 0, 50, NULL, &other));
	KUNIT_EXPECT_TRUE(test, pos_ok(nn, 2, 50, NULL, &other));
	KUNIT_EXPECT_TRUE(test, pos_ok(nn, 2, 70, NULL, &other));
	KUNIT_EXPECT_FALSE(test, pos_ok(nn, 3, 50, NULL, &other));
	KUNIT_EXPECT_EQ(test, 100U, other);
	KUNIT_EXPECT_FALSE(test, pos_ok(nn, 0, 100, NULL, &other));
	KUNIT_EXPECT_EQ(test, 50U, other);
	KUNIT_EXPECT_FALSE(test, pos_ok(nn, 4, 0, NULL, &other));
	/* Moving broad (100) to the top passes 50s; last stays last. */
	KUNIT_EXPECT_FALSE(test, pos_ok(nn, 0, 100, broad, &other));
	KUNIT_EXPECT_TRUE(test, pos_ok(nn, 2, 100, broad, &other));
	KUNIT_EXPECT_FALSE(test, pos_ok(nn, 3, 100, broad, &other));
	KUNIT_EXPECT_EQ(test, (u32)U32_MAX, other);

	/*
	 * An update of broad to priority 40 moves it to the top, in broad's
	 * stead: the same count, broad's counters, the others' order kept.
	 */
	moved = nfipsec_policy_alloc(nn);
	KUNIT_ASSERT_NOT_NULL(test, moved);
	moved->dir = broad->dir;
	moved->sel = broad->sel;
	moved->priority = 40;
	nfipsec_pol_stat_add(broad, NFIPSEC_POLICY_STAT_PACKETS, 7);
	nfipsec_policy_move_to(nn, broad, moved,
			       nfipsec_policy_prio_place(nn, 40));
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
	moved = nfipsec_policy_alloc(nn);
	KUNIT_ASSERT_NOT_NULL(test, moved);
	moved->dir = broad->dir;
	moved->sel = broad->sel;
	moved->priority = U32_MAX;
	nfipsec_policy_move_to(nn, broad, moved,
			       nfipsec_policy_prio_place(nn, U32_MAX));
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
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *p1, *p97;

	KUNIT_EXPECT_EQ(test, 1U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 0));
	p1 = add_index(test, nn, 0, "192.168.186.0", 24, NFIPSEC_ACTION_ALLOW,
		       1);
	KUNIT_EXPECT_EQ(test, 8U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_IN, 0));
	KUNIT_EXPECT_EQ(test, 97U,
			nfipsec_policy_gen_index(nn, NFIPSEC_DIR_OUT, 97));
	p97 = add_index(test, nn, 0, "192.168.187.0", 24, NFIPSEC_ACTION_ALLOW,
			97);
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

/* A policy of dir with selector number i (src 10.x.y.z/32, by i). */
static struct nfipsec_policy *add_nth(struct kunit *test,
				      struct nfipsec_net *nn, u8 dir, u32 i,
				      u32 prio, u32 index)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc(nn);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = dir;
	pol->sel = sel4("0.0.0.0", 32, "172.16.0.0", 16, 0, 0);
	pol->sel.src.a4 = htonl(0x0a000000 | i);
	pol->priority = prio;
	pol->index = index;
	nfipsec_policy_insert(nn, pol, nfipsec_policy_prio_place(nn, prio));
	return pol;
}

/* Are the hash tables' buckets all empty? */
static bool hashes_empty(struct nfipsec_net *nn)
{
	u32 i;

	for (i = 0; i < 1U << nn->pol_hash_bits; i++)
		if (!hlist_empty(&nn->pol_by_sel[i]) ||
		    !hlist_empty(&nn->pol_by_index[i]))
			return false;
	return true;
}

#define HASH_N 600

/*
 * The duplicate check and get/delete by selector, and the index lookup,
 * through the hash tables as they grow past their first size and shrink
 * back: every policy found, by its own dir only, nothing found once gone.
 */
static void nfipsec_test_policy_hash(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy **pols, *pol;
	struct nfipsec_sel sel;
	unsigned int bits0 = nn->pol_hash_bits;
	u32 i;

	pols = kunit_kcalloc(test, HASH_N, sizeof(*pols), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pols);
	for (i = 0; i < HASH_N; i++)
		pols[i] = add_nth(test, nn, i % 3, i, 0, 8 * (i + 1) + i % 3);
	KUNIT_EXPECT_EQ(test, (u32)HASH_N, nn->policy_count);
	KUNIT_EXPECT_GT(test, nn->pol_hash_bits, bits0);
	for (i = 0; i < HASH_N; i++) {
		sel = pols[i]->sel;	/* a copy: found by value */
		KUNIT_EXPECT_PTR_EQ(test, pols[i],
				    nfipsec_policy_find(nn, i % 3, &sel));
		KUNIT_EXPECT_NULL(test,
				  nfipsec_policy_find(nn, (i + 1) % 3, &sel));
		KUNIT_EXPECT_PTR_EQ(test, pols[i],
				    nfipsec_policy_by_index(nn,
							    8 * (i + 1) + i % 3));
	}
	/* The same prefix with other host bits is another policy. */
	sel = pols[5]->sel;
	sel.dst.a4 = htonl(0xac100001);
	KUNIT_EXPECT_NULL(test, nfipsec_policy_find(nn, 5 % 3, &sel));
	/* The generator steps over an index in use (8, found by hash). */
	nn->policy_index_gen = 8;
	KUNIT_EXPECT_EQ(test, 16U, nfipsec_policy_gen_index(nn, 0, 0));

	/* Deleted ones are gone from both tables; the others stay. */
	for (i = 0; i < HASH_N; i += 2) {
		sel = pols[i]->sel;
		nfipsec_policy_unlink(nn, pols[i]);
		nfipsec_policy_free(pols[i]);
		KUNIT_EXPECT_NULL(test, nfipsec_policy_find(nn, i % 3, &sel));
		KUNIT_EXPECT_NULL(test,
				  nfipsec_policy_by_index(nn,
							  8 * (i + 1) + i % 3));
	}
	for (i = 1; i < HASH_N; i += 2)
		KUNIT_EXPECT_PTR_EQ(test, pols[i],
				    nfipsec_policy_find(nn, i % 3,
							&pols[i]->sel));
	/* An add after deletes: found, and its own index. */
	pol = add_nth(test, nn, NFIPSEC_DIR_IN, 0, 0, 8 * 5000);
	KUNIT_EXPECT_PTR_EQ(test, pol,
			    nfipsec_policy_find(nn, NFIPSEC_DIR_IN, &pol->sel));
	KUNIT_EXPECT_PTR_EQ(test, pol, nfipsec_policy_by_index(nn, 8 * 5000));

	/* A flush of one dir empties the tables of that dir only. */
	nfipsec_policy_flush(nn, NFIPSEC_DIR_OUT, NULL);
	for (i = 1; i < HASH_N; i += 2) {
		if (i % 3 == NFIPSEC_DIR_OUT)
			continue;
		KUNIT_EXPECT_PTR_EQ(test, pols[i],
				    nfipsec_policy_find(nn, i % 3,
							&pols[i]->sel));
		KUNIT_EXPECT_PTR_EQ(test, pols[i],
				    nfipsec_policy_by_index(nn,
							    8 * (i + 1) + i % 3));
	}
	/* A flush of all: every bucket empty, the tables at their least. */
	nfipsec_policy_flush(nn, -1, NULL);
	KUNIT_EXPECT_EQ(test, 0U, nn->policy_count);
	KUNIT_EXPECT_EQ(test, bits0, nn->pol_hash_bits);
	KUNIT_EXPECT_TRUE(test, hashes_empty(nn));
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&nn->pol_runs));
	KUNIT_EXPECT_TRUE(test, list_empty(&nn->policies));
}

/* A copy of pol, for a move or a replace. */
static struct nfipsec_policy *copy_of(struct kunit *test,
				      struct nfipsec_net *nn,
				      const struct nfipsec_policy *pol)
{
	struct nfipsec_policy *c = nfipsec_policy_alloc(nn);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->dir = pol->dir;
	c->sel = pol->sel;
	c->priority = pol->priority;
	c->index = pol->index;
	return c;
}

/*
 * A move, an update in place and an update to another priority: the
 * policy that stays is the one the tables find, by selector and by
 * index, at its new place; the one that left is found nowhere. It has the
 * other's counters (the first four policies fill the pool's first chunk:
 * the copies' own come from another), and every chunk goes once all are
 * freed.
 */
static void nfipsec_test_policy_hash_move(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *p[4], *moved, *upd;
	struct nfipsec_counters __percpu *stats;
	u32 i;

	for (i = 0; i < 4; i++)
		p[i] = add_nth(test, nn, NFIPSEC_DIR_OUT, i, 10, 8 * i + 1);
	/* Move p[0] to position 2 (of the list without it). */
	nfipsec_pol_used(p[0], 100);
	stats = p[0]->stats;
	moved = copy_of(test, nn, p[0]);
	KUNIT_EXPECT_PTR_NE(test, p[0]->stats_chunk, moved->stats_chunk);
	nfipsec_policy_move_to(nn, p[0], moved,
			       nfipsec_policy_place(nn, 2, p[0]));
	KUNIT_EXPECT_PTR_EQ(test, stats, moved->stats);
	nfipsec_pol_used(moved, 50);
	KUNIT_EXPECT_EQ(test, 2ULL,
			nfipsec_counters_read(moved->stats,
					      NFIPSEC_POLICY_STAT_PACKETS));
	KUNIT_EXPECT_EQ(test, 150ULL,
			nfipsec_counters_read(moved->stats,
					      NFIPSEC_POLICY_STAT_BYTES));
	KUNIT_EXPECT_PTR_EQ(test, moved, nfipsec_policy_at(nn, 2));
	KUNIT_EXPECT_EQ(test, 2U, nfipsec_policy_pos(nn, moved));
	KUNIT_EXPECT_EQ(test, 4U, nn->policy_count);
	KUNIT_EXPECT_PTR_EQ(test, moved,
			    nfipsec_policy_find(nn, NFIPSEC_DIR_OUT,
						&moved->sel));
	KUNIT_EXPECT_PTR_EQ(test, moved, nfipsec_policy_by_index(nn, 1));
	/* Equal priorities: an add goes after all of them, moved included. */
	KUNIT_EXPECT_PTR_EQ(test, &nn->policies,
			    nfipsec_policy_prio_place(nn, 10));
	KUNIT_EXPECT_PTR_EQ(test, &p[1]->list,
			    nfipsec_policy_prio_place(nn, 9));

	/* Moved to the end: the last of priority 10 (adds go after it). */
	p[0] = moved;
	moved = copy_of(test, nn, p[0]);
	nfipsec_policy_move_to(nn, p[0], moved,
			       nfipsec_policy_place(nn, 3, p[0]));
	KUNIT_EXPECT_PTR_EQ(test, moved, nfipsec_policy_at(nn, 3));
	p[0] = add_nth(test, nn, NFIPSEC_DIR_OUT, 10, 10, 8 * 10 + 1);
	KUNIT_EXPECT_EQ(test, 4U, nfipsec_policy_pos(nn, p[0]));

	/* An update in place (the same priority). */
	nfipsec_pol_used(p[2], 7);
	stats = p[2]->stats;
	upd = copy_of(test, nn, p[2]);
	upd->index = 0;		/* the old one's is kept */
	nfipsec_policy_replace(nn, p[2], upd);
	KUNIT_EXPECT_PTR_EQ(test, stats, upd->stats);
	KUNIT_EXPECT_EQ(test, 7ULL,
			nfipsec_counters_read(upd->stats,
					      NFIPSEC_POLICY_STAT_BYTES));
	KUNIT_EXPECT_EQ(test, 8U * 2 + 1, upd->index);
	KUNIT_EXPECT_PTR_EQ(test, upd, nfipsec_policy_at(nn, 1));
	KUNIT_EXPECT_PTR_EQ(test, upd,
			    nfipsec_policy_find(nn, NFIPSEC_DIR_OUT, &upd->sel));
	KUNIT_EXPECT_PTR_EQ(test, upd, nfipsec_policy_by_index(nn, 17));
	p[2] = upd;

	/* An update to priority 5: to the top, found by both tables. */
	upd = copy_of(test, nn, p[3]);
	upd->priority = 5;
	nfipsec_policy_move_to(nn, p[3], upd,
			       nfipsec_policy_prio_place(nn, 5));
	KUNIT_EXPECT_PTR_EQ(test, upd, nfipsec_policy_at(nn, 0));
	KUNIT_EXPECT_PTR_EQ(test, upd,
			    nfipsec_policy_find(nn, NFIPSEC_DIR_OUT, &upd->sel));
	KUNIT_EXPECT_PTR_EQ(test, upd, nfipsec_policy_by_index(nn, 25));
	/* The run of 5 is upd: a later 5 goes after it, a 7 too. */
	KUNIT_EXPECT_PTR_EQ(test, upd->list.next,
			    nfipsec_policy_prio_place(nn, 5));
	KUNIT_EXPECT_PTR_EQ(test, upd->list.next,
			    nfipsec_policy_prio_place(nn, 7));
	KUNIT_EXPECT_PTR_EQ(test, &upd->list,
			    nfipsec_policy_prio_place(nn, 4));
	KUNIT_EXPECT_EQ(test, 5U, nn->policy_count);

	/* Flush: nothing left anywhere, every counter given back. */
	nfipsec_policy_flush(nn, -1, NULL);
	KUNIT_EXPECT_TRUE(test, hashes_empty(nn));
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&nn->pol_runs));
	rcu_barrier();
	KUNIT_EXPECT_FALSE(test, nfipsec_counters_pool_busy(&nn->pol_stats));
}

#define ORDER_N 400

/*
 * Priorities in a scrambled order, deletes among them: each add lands
 * where a walk of the list would put it (after every policy of its
 * priority or a lower one), and the list stays in ip xfrm's order.
 */
static void nfipsec_test_policy_prio_order(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *pol, *prev;
	u32 i, prio, want, pos;

	for (i = 0; i < ORDER_N; i++) {
		prio = (i * 7919) % 37;
		/* Where a walk from the top puts it. */
		want = 0;
		list_for_each_entry(pol, &nn->policies, list)
			want += pol->priority <= prio;
		pol = add_nth(test, nn, NFIPSEC_DIR_OUT, i, prio, 8 * i + 1);
		KUNIT_EXPECT_EQ(test, want, nfipsec_policy_pos(nn, pol));
		/* Some go again: from the middle, the ends, runs' lasts. */
		if (i % 5 == 4) {
			pos = (i * 31) % nn->policy_count;
			pol = nfipsec_policy_at(nn, pos);
			KUNIT_ASSERT_NOT_NULL(test, pol);
			KUNIT_EXPECT_EQ(test, pos, nfipsec_policy_pos(nn, pol));
			nfipsec_policy_unlink(nn, pol);
			nfipsec_policy_free(pol);
		}
	}
	/* In order of priority; among equals, of the index (given order). */
	prev = NULL;
	i = 0;
	list_for_each_entry(pol, &nn->policies, list) {
		if (prev) {
			KUNIT_EXPECT_LE(test, prev->priority, pol->priority);
			if (prev->priority == pol->priority)
				KUNIT_EXPECT_LT(test, prev->index, pol->index);
		}
		KUNIT_EXPECT_EQ(test, i, nfipsec_policy_pos(nn, pol));
		KUNIT_EXPECT_PTR_EQ(test, pol, nfipsec_policy_at(nn, i));
		prev = pol;
		i++;
	}
	KUNIT_EXPECT_EQ(test, nn->policy_count, i);
}

/*
 * uapi "Owners": a flush by owner takes that owner's policies only, in
 * every dir (or one dir), and leaves the tables consistent: the others
 * are found by selector and index, at the positions they keep in order.
 */
static void nfipsec_test_policy_flush_owner(struct kunit *test)
{
	struct nfipsec_net *nn = policy_net(test);
	struct nfipsec_policy *pols[12], *pol;
	u32 charon = NFIPSEC_OWNER_CHARON, other = 7, admin = 0, i, n;

	for (i = 0; i < ARRAY_SIZE(pols); i++) {
		pols[i] = add_nth(test, nn, i % 3, i, 0, 8 * (i + 1) + i % 3);
		pols[i]->owner = i % 4 == 0 ? admin :
				 i % 4 == 3 ? other : charon;
	}
	/* One dir first: charon's out policies go, its in and fwd stay. */
	nfipsec_policy_flush(nn, NFIPSEC_DIR_OUT, &charon);
	for (i = 0, n = 0; i < ARRAY_SIZE(pols); i++) {
		bool gone = pols[i]->owner == charon &&
			    i % 3 == NFIPSEC_DIR_OUT;

		pol = nfipsec_policy_find(nn, i % 3, &pols[i]->sel);
		KUNIT_EXPECT_PTR_EQ(test, gone ? NULL : pols[i], pol);
		n += !gone;
	}
	KUNIT_EXPECT_EQ(test, n, nn->policy_count);
	/* Then every dir: only the administrator's and owner 7's stay. */
	nfipsec_policy_flush(nn, -1, &charon);
	n = 0;
	list_for_each_entry(pol, &nn->policies, list) {
		KUNIT_EXPECT_NE(test, charon, pol->owner);
		KUNIT_EXPECT_EQ(test, n, nfipsec_policy_pos(nn, pol));
		KUNIT_EXPECT_PTR_EQ(test, pol,
				    nfipsec_policy_by_index(nn, pol->index));
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, nn->policy_count);
	/* 0, 4, 8 (admin) and 3, 7, 11 (owner 7). */
	KUNIT_EXPECT_EQ(test, 6U, nn->policy_count);
	/* Owner 0 is the administrator's: flushed as any other. */
	nfipsec_policy_flush(nn, -1, &admin);
	KUNIT_EXPECT_EQ(test, 3U, nn->policy_count);
	list_for_each_entry(pol, &nn->policies, list)
		KUNIT_EXPECT_EQ(test, other, pol->owner);
	/* No owner given: all. */
	nfipsec_policy_flush(nn, -1, NULL);
	KUNIT_EXPECT_EQ(test, 0U, nn->policy_count);
	KUNIT_EXPECT_TRUE(test, hashes_empty(nn));
}

/*
 * A bare namespace for SAs and larval SAs: no hooks, no events (none is
 * sent: the flushes are silent, and the larval SAs' expiry work, which
 * would send EXPIREs, is cancelled long before its first run).
 */
static void sa_net_free(void *data)
{
	struct nfipsec_net *nn = data;

	nfipsec_larval_net_exit(nn);
	mutex_lock(&nn->cfg_lock);
	nfipsec_sa_flush(nn, 0, NULL);
	mutex_unlock(&nn->cfg_lock);
}

static struct nfipsec_net *sa_net(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, nn);
	mutex_init(&nn->cfg_lock);
	INIT_LIST_HEAD(&nn->sa_list);
	hash_init(nn->sa_by_spi);
	hash_init(nn->sa_by_dst);
	nfipsec_larval_net_init(nn);
	nn->max_sas = 64;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sa_net_free,
							   nn));
	return nn;
}

/* An SA 10.0.0.1 -> 10.0.0.2 of proto, spi and owner, into the tables. */
static void add_owned_sa(struct kunit *test, struct nfipsec_net *nn, u8 proto,
			 u32 spi, u32 owner)
{
	static const u8 key[32] = { 7 };
	int k = proto == IPPROTO_AH ? NFIPSEC_ALG_AUTH : NFIPSEC_ALG_AEAD;
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_sa *sa;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = proto;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->spi = htonl(spi);
	cfg->src = a4("10.0.0.1");
	cfg->dst = a4("10.0.0.2");
	cfg->owner = owner;
	cfg->algs[k].alg = nfipsec_alg_find(k == NFIPSEC_ALG_AUTH ?
					    "hmac(sha256)" :
					    "rfc4106(gcm(aes))", k);
	KUNIT_ASSERT_NOT_NULL(test, cfg->algs[k].alg);
	cfg->algs[k].key_len = k == NFIPSEC_ALG_AUTH ? 32 : 20;
	memcpy(cfg->algs[k].key, key, cfg->algs[k].key_len);
	sa = nfipsec_sa_create(nn, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	mutex_lock(&nn->cfg_lock);
	nfipsec_sa_link(nn, sa);
	mutex_unlock(&nn->cfg_lock);
}

static bool sa_there(struct nfipsec_net *nn, u8 proto, u32 spi)
{
	union nfipsec_addr dst = a4("10.0.0.2");
	bool there;

	mutex_lock(&nn->cfg_lock);
	there = nfipsec_sa_lookup(nn, AF_INET, &dst, htonl(spi), proto);
	mutex_unlock(&nn->cfg_lock);
	return there;
}

/*
 * SA_ALLOC_SPI's larval SA of proto and reqid, of owner when given (else
 * the administrator's, or the one found keeps its own): its SPI.
 */
static __be32 add_owned_larval(struct kunit *test, struct nfipsec_net *nn,
			       u8 proto, u32 reqid, u32 seq, bool has_owner,
			       u32 owner, u32 want_owner)
{
	struct nfipsec_larval out = {};
	struct nfipsec_sa_cfg *cfg;
	int err;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = proto;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->reqid = reqid;
	cfg->km_seq = seq;
	cfg->src = a4("10.0.0.1");
	cfg->dst = a4("10.0.0.2");
	cfg->has_owner = has_owner;
	cfg->owner = owner;
	mutex_lock(&nn->cfg_lock);
	err = nfipsec_larval_alloc_spi(nn, cfg, 0x100, 0xfff, &out, NULL);
	mutex_unlock(&nn->cfg_lock);
	KUNIT_ASSERT_EQ(test, 0, err);
	KUNIT_EXPECT_NE(test, 0U, (u32)out.spi);
	KUNIT_EXPECT_EQ(test, want_owner, out.owner);
	return out.spi;
}

static bool larval_there(struct nfipsec_net *nn, u8 proto, __be32 spi)
{
	union nfipsec_addr dst = a4("10.0.0.2");
	bool there;

	mutex_lock(&nn->cfg_lock);
	there = nfipsec_larval_find(nn, AF_INET, &dst, spi, proto, NULL);
	mutex_unlock(&nn->cfg_lock);
	return there;
}

/* SA_FLUSH (nl_sa.c) by owner: its SAs and larval SAs, of proto (0: all). */
static void sa_flush(struct nfipsec_net *nn, u8 proto, const u32 *owner)
{
	mutex_lock(&nn->cfg_lock);
	nfipsec_sa_flush(nn, proto, owner);
	nfipsec_larval_flush(nn, proto, owner);
	mutex_unlock(&nn->cfg_lock);
}

/*
 * uapi "Owners": a flush by owner takes that owner's SAs and larval SAs
 * only, of one proto or all, owner 0 being the administrator's; the SAs
 * left are found by their identity. An ACQUIRE's larval SA is its
 * policy's owner's, and keeps it when SA_ALLOC_SPI gives it an SPI
 * without OWNER; SA_ALLOC_SPI with OWNER gives a new one that owner.
 */
static void nfipsec_test_sa_flush_owner(struct kunit *test)
{
	struct nfipsec_net *nn = sa_net(test);
	u32 charon = NFIPSEC_OWNER_CHARON, other = 7, admin = 0;
	struct nfipsec_tmpl t = {
		.family = AF_INET, .proto = IPPROTO_ESP,
		.mode = NFIPSEC_MODE_TUNNEL, .reqid = 5,
	};
	struct nfipsec_flow fl = flow4("192.168.1.1", "192.168.2.1",
				       IPPROTO_ICMP, 0, 0);
	union nfipsec_addr src = a4("10.0.0.1"), dst = a4("10.0.0.2");
	__be32 l_charon_esp, l_charon_ah, l_admin, l_acq;
	struct nfipsec_larval *l;
	u32 seq = 0;
	int err;

	add_owned_sa(test, nn, IPPROTO_ESP, 0x1001, admin);
	add_owned_sa(test, nn, IPPROTO_ESP, 0x1002, charon);
	add_owned_sa(test, nn, IPPROTO_AH, 0x1003, charon);
	add_owned_sa(test, nn, IPPROTO_ESP, 0x1004, other);
	KUNIT_EXPECT_EQ(test, 4U, nn->sa_count);
	l_charon_esp = add_owned_larval(test, nn, IPPROTO_ESP, 1, 0, true,
					charon, charon);
	l_charon_ah = add_owned_larval(test, nn, IPPROTO_AH, 1, 0, true,
				       charon, charon);
	l_admin = add_owned_larval(test, nn, IPPROTO_ESP, 2, 0, false, 0,
				   admin);
	/* An ACQUIRE of a policy of owner 7, then its SPI, owner kept. */
	rcu_read_lock();
	err = nfipsec_larval_acquire(nn, &t, &fl, &src, &dst, other, &seq);
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, 0, err);
	KUNIT_ASSERT_NE(test, 0U, seq);
	l_acq = add_owned_larval(test, nn, IPPROTO_ESP, 5, seq, false, 0,
				 other);
	KUNIT_EXPECT_EQ(test, 4U, nn->larval_count);

	/* charon's ESP: its SA and its larval SA; its AH ones stay. */
	sa_flush(nn, IPPROTO_ESP, &charon);
	KUNIT_EXPECT_FALSE(test, sa_there(nn, IPPROTO_ESP, 0x1002));
	KUNIT_EXPECT_TRUE(test, sa_there(nn, IPPROTO_AH, 0x1003));
	KUNIT_EXPECT_TRUE(test, sa_there(nn, IPPROTO_ESP, 0x1001));
	KUNIT_EXPECT_TRUE(test, sa_there(nn, IPPROTO_ESP, 0x1004));
	KUNIT_EXPECT_FALSE(test, larval_there(nn, IPPROTO_ESP, l_charon_esp));
	KUNIT_EXPECT_TRUE(test, larval_there(nn, IPPROTO_AH, l_charon_ah));
	KUNIT_EXPECT_EQ(test, 3U, nn->sa_count);
	KUNIT_EXPECT_EQ(test, 3U, nn->larval_count);

	/* charon's of every proto. */
	sa_flush(nn, 0, &charon);
	KUNIT_EXPECT_FALSE(test, sa_there(nn, IPPROTO_AH, 0x1003));
	KUNIT_EXPECT_FALSE(test, larval_there(nn, IPPROTO_AH, l_charon_ah));
	KUNIT_EXPECT_EQ(test, 2U, nn->sa_count);
	KUNIT_EXPECT_EQ(test, 2U, nn->larval_count);

	/* Owner 0 is the administrator's: flushed as any other. */
	sa_flush(nn, 0, &admin);
	KUNIT_EXPECT_FALSE(test, sa_there(nn, IPPROTO_ESP, 0x1001));
	KUNIT_EXPECT_FALSE(test, larval_there(nn, IPPROTO_ESP, l_admin));
	KUNIT_EXPECT_TRUE(test, sa_there(nn, IPPROTO_ESP, 0x1004));
	KUNIT_EXPECT_TRUE(test, larval_there(nn, IPPROTO_ESP, l_acq));
	KUNIT_EXPECT_EQ(test, 1U, nn->sa_count);
	KUNIT_EXPECT_EQ(test, 1U, nn->larval_count);
	list_for_each_entry(l, &nn->larvals, list)
		KUNIT_EXPECT_EQ(test, other, l->owner);

	/* No owner given: all. */
	sa_flush(nn, 0, NULL);
	KUNIT_EXPECT_EQ(test, 0U, nn->sa_count);
	KUNIT_EXPECT_EQ(test, 0U, nn->larval_count);
	KUNIT_EXPECT_TRUE(test, list_empty(&nn->sa_list));
	KUNIT_EXPECT_TRUE(test, list_empty(&nn->larvals));
}

static struct kunit_case nfipsec_policy_cases[] = {
	KUNIT_CASE(nfipsec_test_sel_match),
	KUNIT_CASE(nfipsec_test_first_match),
	KUNIT_CASE(nfipsec_test_priority),
	KUNIT_CASE(nfipsec_test_index),
	KUNIT_CASE(nfipsec_test_policy_hash),
	KUNIT_CASE(nfipsec_test_policy_hash_move),
	KUNIT_CASE(nfipsec_test_policy_prio_order),
	KUNIT_CASE(nfipsec_test_policy_flush_owner),
	KUNIT_CASE(nfipsec_test_sa_flush_owner),
	KUNIT_CASE(nfipsec_test_sa_match),
	{}
};

static struct kunit_suite nfipsec_policy_suite = {
	.name = "nfipsec_policy",
	.test_cases = nfipsec_policy_cases,
};

kunit_test_suite(nfipsec_policy_suite);
