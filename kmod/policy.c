// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy database of a namespace: one ordered list, evaluated
 * top to bottom for the direction at hand; the first policy whose selector
 * matches decides. Changed under nn->cfg_lock, read under RCU.
 */

#include <kunit/visibility.h>
#include <linux/slab.h>
#include <linux/inetdevice.h>
#include <net/ipv6.h>

#include "nfipsec.h"
#include "policy.h"

static bool prefix_match(const union nfipsec_addr *net,
			 const union nfipsec_addr *a, u8 plen, u8 family)
{
	if (family == AF_INET) {
		if (!plen)
			return true;
		return !((net->a4 ^ a->a4) & inet_make_mask(plen));
	}
	return ipv6_prefix_equal(&net->a6, &a->a6, plen);
}

bool nfipsec_sel_match(const struct nfipsec_sel *sel,
		       const struct nfipsec_flow *fl)
{
	if (sel->family != fl->family)
		return false;
	if (!prefix_match(&sel->src, &fl->src, sel->src_plen, fl->family) ||
	    !prefix_match(&sel->dst, &fl->dst, sel->dst_plen, fl->family))
		return false;
	if (sel->proto && sel->proto != fl->proto)
		return false;
	if (sel->sport && sel->sport != fl->sport)
		return false;
	if (sel->dport && sel->dport != fl->dport)
		return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sel_match);

/* First match for dir, under rcu_read_lock(); NULL: no policy matches. */
struct nfipsec_policy *nfipsec_policy_lookup(struct nfipsec_net *nn, u8 dir,
					     const struct nfipsec_flow *fl)
{
	struct nfipsec_policy *pol;

	list_for_each_entry_rcu(pol, &nn->policies, list) {
		if (pol->dir == dir && nfipsec_sel_match(&pol->sel, fl))
			return pol;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_lookup);

static bool tmpl_addr_ok(const union nfipsec_addr *t,
			 const union nfipsec_addr *a, u8 family)
{
	return nfipsec_addr_any(t, family) || nfipsec_addr_equal(t, a, family);
}

/*
 * Does sa, which a packet came in on, satisfy the template of the inbound
 * policy? As XFRM's xfrm_state_ok(): reqid and spi 0 match any; a tunnel
 * template's endpoints are compared where they are not all zero (ip xfrm's
 * wildcards, "tmpl src 0.0.0.0 dst 0.0.0.0" or "::": any peer, of either
 * family when both are); a transport template's addresses, if any, are
 * not compared (the SA's endpoints are the packet's addresses:
 * nfipsec_sa_match_flow()).
 */
bool nfipsec_tmpl_match_in(const struct nfipsec_tmpl *t,
			   const struct nfipsec_sa *sa)
{
	if (t->proto != sa->proto || t->mode != sa->mode ||
	    (t->reqid && t->reqid != sa->reqid) ||
	    (t->spi && t->spi != sa->spi))
		return false;
	if (t->mode == NFIPSEC_MODE_TUNNEL &&
	    nfipsec_addr_any(&t->src, t->family) &&
	    nfipsec_addr_any(&t->dst, t->family))
		return true;
	if (t->family != sa->family)
		return false;
	return t->mode == NFIPSEC_MODE_TRANSPORT ||
	       (tmpl_addr_ok(&t->src, &sa->src, t->family) &&
		tmpl_addr_ok(&t->dst, &sa->dst, t->family));
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_tmpl_match_in);

/*
 * May sa carry what the template of an outbound policy sends from src to
 * dst (the tunnel's ends; the packet's own in transport mode)? As XFRM's
 * xfrm_state_find(): the reqid exactly (0: SAs without one), spi 0 any.
 */
bool nfipsec_tmpl_match_out(const struct nfipsec_tmpl *t,
			    const struct nfipsec_sa *sa,
			    const union nfipsec_addr *src,
			    const union nfipsec_addr *dst)
{
	return t->family == sa->family && t->proto == sa->proto &&
	       t->mode == sa->mode && t->reqid == sa->reqid &&
	       (!t->spi || t->spi == sa->spi) &&
	       nfipsec_addr_equal(src, &sa->src, t->family) &&
	       nfipsec_addr_equal(dst, &sa->dst, t->family);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_tmpl_match_out);

/*
 * May sa carry the packet fl (the cleartext one: before encryption, after
 * decryption)? Its selector (ip xfrm's "sel") must match, as XFRM checks
 * it both ways; in transport mode the packet's addresses must be the SA's
 * endpoints, in its direction: ESP leaves the IP header unauthenticated,
 * so a packet of the SA whose source was rewritten on the way is refused,
 * not delivered as if that source had sent it.
 */
bool nfipsec_sa_match_flow(const struct nfipsec_sa *sa,
			   const struct nfipsec_flow *fl)
{
	if (sa->mode == NFIPSEC_MODE_TRANSPORT &&
	    (fl->family != sa->family ||
	     !nfipsec_addr_equal(&fl->src, &sa->src, sa->family) ||
	     !nfipsec_addr_equal(&fl->dst, &sa->dst, sa->family)))
		return false;
	return !sa->sel.family || nfipsec_sel_match(&sa->sel, fl);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_sa_match_flow);

struct nfipsec_policy *nfipsec_policy_alloc(void)
{
	struct nfipsec_policy *pol;

	/* Charged to the caller's memory cgroup. */
	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return NULL;
	pol->stats = nfipsec_counters_alloc(__NFIPSEC_POLICY_STAT_MAX);
	if (!pol->stats) {
		kfree(pol);
		return NULL;
	}
	return pol;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_alloc);

static void policy_free_rcu(struct rcu_head *head)
{
	struct nfipsec_policy *pol = container_of(head, struct nfipsec_policy,
						  rcu);

	nfipsec_counters_free(pol->stats);
	kfree(pol);
}

/* Free a policy that readers may still see. */
void nfipsec_policy_free(struct nfipsec_policy *pol)
{
	call_rcu(&pol->rcu, policy_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_free);

/* The policy at position pos (0: top), or NULL. */
struct nfipsec_policy *nfipsec_policy_at(struct nfipsec_net *nn, u32 pos)
{
	struct nfipsec_policy *pol;

	list_for_each_entry(pol, &nn->policies, list)
		if (!pos--)
			return pol;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_at);

static bool sel_equal(const struct nfipsec_sel *a, const struct nfipsec_sel *b)
{
	return a->family == b->family && a->src_plen == b->src_plen &&
	       a->dst_plen == b->dst_plen && a->proto == b->proto &&
	       a->sport == b->sport && a->dport == b->dport &&
	       nfipsec_addr_equal(&a->src, &b->src, a->family) &&
	       nfipsec_addr_equal(&a->dst, &b->dst, a->family);
}

/* The policy with this direction and selector; *pos gets its position. */
struct nfipsec_policy *nfipsec_policy_find(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel,
					   u32 *pos)
{
	struct nfipsec_policy *pol;
	u32 i = 0;

	list_for_each_entry(pol, &nn->policies, list) {
		if (pol->dir == dir && sel_equal(&pol->sel, sel)) {
			if (pos)
				*pos = i;
			return pol;
		}
		i++;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_find);

/*
 * The list is kept in ip xfrm's order: by priority, lower first, and in
 * the order given among equal priorities. Where a policy of priority prio
 * goes without a position (after every policy of its priority or a lower
 * one), counted in the list without skip (NULL: none).
 */
u32 nfipsec_policy_prio_pos(struct nfipsec_net *nn, u32 prio,
			    const struct nfipsec_policy *skip)
{
	struct nfipsec_policy *pol;
	u32 pos = 0;

	list_for_each_entry(pol, &nn->policies, list) {
		if (pol == skip)
			continue;
		if (pol->priority > prio)
			break;
		pos++;
	}
	return pos;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_prio_pos);

/*
 * Can a policy of priority prio be put at position pos (of the list
 * without skip) and the list stay in order? If not, *other gets the
 * priority of a policy it would pass.
 */
bool nfipsec_policy_pos_ok(struct nfipsec_net *nn, u32 pos, u32 prio,
			   const struct nfipsec_policy *skip, u32 *other)
{
	struct nfipsec_policy *pol;
	u32 i = 0;

	list_for_each_entry(pol, &nn->policies, list) {
		if (pol == skip)
			continue;
		if (i < pos ? pol->priority > prio : pol->priority < prio) {
			*other = pol->priority;
			return false;
		}
		i++;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_pos_ok);

/* The policy with this index (ip xfrm's identifier), or NULL. */
struct nfipsec_policy *nfipsec_policy_by_index(struct nfipsec_net *nn,
					       u32 index)
{
	struct nfipsec_policy *pol;

	list_for_each_entry(pol, &nn->policies, list)
		if (pol->index == index)
			return pol;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_by_index);

/*
 * A policy index as XFRM's xfrm_gen_index() makes one: want when it is
 * free (the caller checked it is of dir), else the generator's next, whose
 * low 3 bits are dir; never 0.
 */
u32 nfipsec_policy_gen_index(struct nfipsec_net *nn, u8 dir, u32 want)
{
	u32 idx;

	for (;;) {
		if (want) {
			idx = want;
			want = 0;
		} else {
			idx = nn->policy_index_gen | dir;
			nn->policy_index_gen += 8;
		}
		if (!idx)
			idx = 8;
		if (!nfipsec_policy_by_index(nn, idx))
			return idx;
	}
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_gen_index);

/* Insert at position pos; past the end appends. */
void nfipsec_policy_insert(struct nfipsec_net *nn, struct nfipsec_policy *pol,
			   u32 pos)
{
	struct nfipsec_policy *at = nfipsec_policy_at(nn, pos);

	if (at)
		list_add_tail_rcu(&pol->list, &at->list);
	else
		list_add_tail_rcu(&pol->list, &nn->policies);
	nn->policy_count++;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_insert);

/*
 * Move old's place to new at position pos of the list without old: new
 * goes in first, and old leaves only once every reader that could have
 * passed new's place has finished, so that no reader finds neither (a
 * flow of old's, which old protected, would find no policy: cleartext).
 * Readers in between may find either; they count on old's counters,
 * which new takes. Sleeps. old is freed.
 */
void nfipsec_policy_move_to(struct nfipsec_net *nn, struct nfipsec_policy *old,
			    struct nfipsec_policy *new, u32 pos)
{
	struct list_head *where = &nn->policies;	/* none: new goes last */
	struct nfipsec_policy *at;

	list_for_each_entry(at, &nn->policies, list) {
		if (at == old)
			continue;
		if (!pos--) {
			where = &at->list;
			break;
		}
	}
	list_add_tail_rcu(&new->list, where);
	synchronize_rcu();
	swap(new->stats, old->stats);
	list_del_rcu(&old->list);
	nfipsec_policy_free(old);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_move_to);

/* Take a policy out of the list; the caller frees or reinserts it. */
void nfipsec_policy_unlink(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	list_del_rcu(&pol->list);
	nn->policy_count--;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_unlink);

/* Remove every policy (of dir, unless dir < 0). */
void nfipsec_policy_flush(struct nfipsec_net *nn, int dir)
{
	struct nfipsec_policy *pol, *tmp;

	list_for_each_entry_safe(pol, tmp, &nn->policies, list) {
		if (dir >= 0 && pol->dir != dir)
			continue;
		nfipsec_policy_unlink(nn, pol);
		nfipsec_policy_free(pol);
	}
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_flush);
