// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy database of a namespace: one ordered list, evaluated
 * top to bottom for the direction at hand; the first policy whose selector
 * matches decides. Changed under nn->cfg_lock, read under RCU.
 *
 * The configuration side finds what it needs without walking the list:
 * a policy by dir and selector (the duplicate check, get, delete) and by
 * index in two hash tables, and where a priority goes in a tree of the
 * last policy of each priority; all three are changed with the list, under
 * cfg_lock, and only read there (the datapath walks the list). Loading a
 * configuration of n policies is O(n log n), not O(n^2); only explicit
 * positions (position N, before, after, move) still walk, from the nearer
 * end of the list.
 */

#include <kunit/visibility.h>
#include <linux/slab.h>
#include <linux/hash.h>
#include <linux/inetdevice.h>
#include <linux/jhash.h>
#include <linux/random.h>
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

/*
 * Does sa, which a packet came in on, satisfy the template of the inbound
 * policy? As XFRM's xfrm_state_ok(): reqid and spi 0 match any; of a
 * tunnel template's endpoints only the source (the peer) is compared, and
 * only when it is not all zero (ip xfrm's wildcard, "tmpl src 0.0.0.0" or
 * "::": any peer, of either family); the destination is this host's, where
 * the SA was found. A transport template's addresses, if any, are not
 * compared (the SA's endpoints are the packet's addresses:
 * nfipsec_sa_match_flow()).
 */
bool nfipsec_tmpl_match_in(const struct nfipsec_tmpl *t,
			   const struct nfipsec_sa *sa)
{
	if (t->proto != sa->proto || t->mode != sa->mode ||
	    (t->reqid && t->reqid != sa->reqid) ||
	    (t->spi && t->spi != sa->spi))
		return false;
	if (t->mode == NFIPSEC_MODE_TRANSPORT)
		return t->family == sa->family;
	if (nfipsec_addr_any(&t->src, t->family))
		return true;
	return t->family == sa->family &&
	       nfipsec_addr_equal(&t->src, &sa->src, t->family);
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

/* Buckets of each hash table: from 2^4, about one per policy, to 2^20. */
#define POL_HASH_BITS_MIN 4
#define POL_HASH_BITS_MAX 20

static struct nfipsec_policy *pol_entry(struct list_head *l)
{
	return list_entry(l, struct nfipsec_policy, list);
}

static u32 sel_hash(const struct nfipsec_net *nn, u8 dir,
		    const struct nfipsec_sel *s)
{
	u32 h;

	h = jhash_3words(dir | s->family << 8 | s->src_plen << 16 |
			 (u32)s->dst_plen << 24,
			 (__force u32)s->sport | (__force u32)s->dport << 16,
			 s->proto, nn->pol_hash_seed);
	if (s->family == AF_INET)
		return jhash_2words((__force u32)s->src.a4,
				    (__force u32)s->dst.a4, h);
	h = jhash2((const u32 *)s->src.a6.s6_addr32, 4, h);
	return jhash2((const u32 *)s->dst.a6.s6_addr32, 4, h);
}

static struct hlist_head *sel_bucket(const struct nfipsec_net *nn, u8 dir,
				     const struct nfipsec_sel *s)
{
	return &nn->pol_by_sel[hash_32(sel_hash(nn, dir, s),
				       nn->pol_hash_bits)];
}

static struct hlist_head *index_bucket(const struct nfipsec_net *nn,
				       u32 index)
{
	return &nn->pol_by_index[hash_32(index ^ nn->pol_hash_seed,
					 nn->pol_hash_bits)];
}

static struct hlist_head *hash_alloc(unsigned int bits)
{
	struct hlist_head *t;
	u32 i;

	t = kvmalloc_array(1U << bits, sizeof(*t),
			   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (t)
		for (i = 0; i < 1U << bits; i++)
			INIT_HLIST_HEAD(&t[i]);
	return t;
}

/*
 * Resize both tables to about one bucket per policy when policy_count has
 * passed the buckets or fallen under an eighth of them. A failed
 * allocation keeps the tables as they are (longer chains, still right).
 */
static void pol_hash_resize(struct nfipsec_net *nn)
{
	unsigned int bits = nn->pol_hash_bits, want, i;
	struct hlist_head *by_sel, *by_index, *old_sel, *old_index;
	struct nfipsec_policy *pol;
	struct hlist_node *tmp;

	if (nn->policy_count <= 1U << bits &&
	    (bits == POL_HASH_BITS_MIN || nn->policy_count >= 1U << (bits - 3)))
		return;
	want = clamp_t(unsigned int, order_base_2(nn->policy_count),
		       POL_HASH_BITS_MIN, POL_HASH_BITS_MAX);
	if (want == bits)
		return;
	by_sel = hash_alloc(want);
	by_index = hash_alloc(want);
	if (!by_sel || !by_index) {
		kvfree(by_sel);
		kvfree(by_index);
		return;
	}
	old_sel = nn->pol_by_sel;
	old_index = nn->pol_by_index;
	nn->pol_by_sel = by_sel;
	nn->pol_by_index = by_index;
	nn->pol_hash_bits = want;
	for (i = 0; i < 1U << bits; i++) {
		hlist_for_each_entry_safe(pol, tmp, &old_sel[i], by_sel) {
			hlist_del(&pol->by_sel);
			hlist_add_head(&pol->by_sel,
				       sel_bucket(nn, pol->dir, &pol->sel));
		}
		hlist_for_each_entry_safe(pol, tmp, &old_index[i], by_index) {
			hlist_del(&pol->by_index);
			hlist_add_head(&pol->by_index,
				       index_bucket(nn, pol->index));
		}
	}
	kvfree(old_sel);
	kvfree(old_index);
}

/* The SPD of a new namespace: empty. */
int nfipsec_policy_net_init(struct nfipsec_net *nn)
{
	INIT_LIST_HEAD(&nn->policies);
	nn->pol_runs = RB_ROOT;
	nn->pol_hash_seed = get_random_u32();
	nn->pol_hash_bits = POL_HASH_BITS_MIN;
	nfipsec_counters_pool_init(&nn->pol_stats, __NFIPSEC_POLICY_STAT_MAX);
	nn->pol_by_sel = hash_alloc(POL_HASH_BITS_MIN);
	nn->pol_by_index = hash_alloc(POL_HASH_BITS_MIN);
	if (!nn->pol_by_sel || !nn->pol_by_index) {
		kvfree(nn->pol_by_sel);
		kvfree(nn->pol_by_index);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_net_init);

/* At the namespace's exit: every policy goes, then the tables. */
void nfipsec_policy_net_exit(struct nfipsec_net *nn)
{
	/*
	 * The policies give their counters back to nn->pol_stats after a
	 * grace period: netns.c waits for that before nn goes.
	 */
	nfipsec_policy_flush(nn, -1, NULL);
	kvfree(nn->pol_by_sel);
	kvfree(nn->pol_by_index);
	nn->pol_by_sel = NULL;
	nn->pol_by_index = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_net_exit);

/* A policy of nn's (its counters come from nn's pool); may sleep. */
struct nfipsec_policy *nfipsec_policy_alloc(struct nfipsec_net *nn)
{
	struct nfipsec_policy *pol;

	/* Charged to the caller's memory cgroup. */
	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return NULL;
	pol->stats = nfipsec_counters_get(&nn->pol_stats, &pol->stats_chunk);
	if (!pol->stats) {
		kfree(pol);
		return NULL;
	}
	RB_CLEAR_NODE(&pol->run);
	return pol;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_alloc);

static void policy_free_rcu(struct rcu_head *head)
{
	struct nfipsec_policy *pol = container_of(head, struct nfipsec_policy,
						  rcu);

	if (pol->stats_chunk)	/* else another policy took them */
		nfipsec_counters_put(pol->stats_chunk, pol->stats);
	kfree(pol);
}

/* Free a policy that readers may still see; before nn's exit ends. */
void nfipsec_policy_free(struct nfipsec_policy *pol)
{
	call_rcu(&pol->rcu, policy_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_free);

/*
 * The place of position pos (the entry there; past the end, &nn->policies),
 * walked to from the nearer end of the list.
 */
struct list_head *nfipsec_policy_place(struct nfipsec_net *nn, u32 pos,
				       const struct nfipsec_policy *skip)
{
	u32 n = nn->policy_count - !!skip, k;
	struct nfipsec_policy *pol;

	if (pos >= n)
		return &nn->policies;
	if (pos < n / 2) {
		list_for_each_entry(pol, &nn->policies, list)
			if (pol != skip && !pos--)
				return &pol->list;
	} else {
		k = n - pos;	/* entries from pos to the end */
		list_for_each_entry_reverse(pol, &nn->policies, list)
			if (pol != skip && !--k)
				return &pol->list;
	}
	WARN_ON_ONCE(1);	/* policy_count out of step with the list */
	return &nn->policies;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_place);

/* The policy at position pos (0: top), or NULL. */
struct nfipsec_policy *nfipsec_policy_at(struct nfipsec_net *nn, u32 pos)
{
	struct list_head *l = nfipsec_policy_place(nn, pos, NULL);

	return l == &nn->policies ? NULL : pol_entry(l);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_at);

/*
 * The position of pol, which is in the list: counted towards both ends at
 * once, so that a policy near either end (one just appended) costs little.
 */
u32 nfipsec_policy_pos(struct nfipsec_net *nn, const struct nfipsec_policy *pol)
{
	const struct list_head *up = &pol->list, *down = &pol->list;
	u32 i;

	for (i = 0;; i++) {
		up = up->prev;
		if (up == &nn->policies)
			return i;
		down = down->next;
		if (down == &nn->policies)
			return nn->policy_count - 1 - i;
	}
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_pos);

static bool sel_equal(const struct nfipsec_sel *a, const struct nfipsec_sel *b)
{
	return a->family == b->family && a->src_plen == b->src_plen &&
	       a->dst_plen == b->dst_plen && a->proto == b->proto &&
	       a->sport == b->sport && a->dport == b->dport &&
	       nfipsec_addr_equal(&a->src, &b->src, a->family) &&
	       nfipsec_addr_equal(&a->dst, &b->dst, a->family);
}

/* The policy with this direction and selector (there is one at most). */
struct nfipsec_policy *nfipsec_policy_find(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel)
{
	struct nfipsec_policy *pol;

	hlist_for_each_entry(pol, sel_bucket(nn, dir, sel), by_sel)
		if (pol->dir == dir && sel_equal(&pol->sel, sel))
			return pol;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_find);

/* The last policy of the highest priority <= prio, or NULL. */
static struct nfipsec_policy *run_floor(struct nfipsec_net *nn, u32 prio)
{
	struct rb_node *n = nn->pol_runs.rb_node;
	struct nfipsec_policy *pol, *best = NULL;

	while (n) {
		pol = rb_entry(n, struct nfipsec_policy, run);
		if (pol->priority <= prio) {
			best = pol;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

/*
 * The list is kept in ip xfrm's order: by priority, lower first, and in
 * the order given among equal priorities. The place of a policy of
 * priority prio given no position: after every policy of its priority or a
 * lower one. A policy about to leave the list (an update's old one, of
 * another priority) may be next to that place: the place stays right
 * once it has left.
 */
struct list_head *nfipsec_policy_prio_place(struct nfipsec_net *nn, u32 prio)
{
	struct nfipsec_policy *last = run_floor(nn, prio);

	return last ? last->list.next : nn->policies.next;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_prio_place);

/*
 * Can a policy of priority prio go before where (in the list without
 * skip) and the list stay in order? The list is in order: its neighbours
 * there tell. If not, *other gets the priority of the one it would pass.
 */
bool nfipsec_policy_place_ok(struct nfipsec_net *nn, struct list_head *where,
			     u32 prio, const struct nfipsec_policy *skip,
			     u32 *other)
{
	struct list_head *prev = where->prev, *next = where;

	if (next != &nn->policies && pol_entry(next) == skip)
		next = next->next;
	if (prev != &nn->policies && pol_entry(prev) == skip)
		prev = prev->prev;
	if (prev != &nn->policies && pol_entry(prev)->priority > prio) {
		*other = pol_entry(prev)->priority;
		return false;
	}
	if (next != &nn->policies && pol_entry(next)->priority < prio) {
		*other = pol_entry(next)->priority;
		return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_place_ok);

/* The policy with this index (ip xfrm's identifier), or NULL. */
struct nfipsec_policy *nfipsec_policy_by_index(struct nfipsec_net *nn,
					       u32 index)
{
	struct nfipsec_policy *pol;

	hlist_for_each_entry(pol, index_bucket(nn, index), by_index)
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

/* Is pol, in the list, the last of the policies of its priority? */
static bool run_is_last(struct nfipsec_net *nn,
			const struct nfipsec_policy *pol)
{
	return pol->list.next == &nn->policies ||
	       pol_entry(pol->list.next)->priority != pol->priority;
}

/* pol has just entered the list: the tree of runs follows. */
static void run_enter(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	struct rb_node **link = &nn->pol_runs.rb_node, *parent = NULL;
	struct nfipsec_policy *prev;

	if (!run_is_last(nn, pol))
		return;		/* a later one of its priority stays last */
	if (pol->list.prev != &nn->policies) {
		prev = pol_entry(pol->list.prev);
		if (prev->priority == pol->priority) {
			/* prev was the last of the run: pol takes over. */
			rb_replace_node(&prev->run, &pol->run, &nn->pol_runs);
			RB_CLEAR_NODE(&prev->run);
			return;
		}
	}
	/* A priority of its own. */
	while (*link) {
		parent = *link;
		if (pol->priority < rb_entry(parent, struct nfipsec_policy,
					     run)->priority)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&pol->run, parent, link);
	rb_insert_color(&pol->run, &nn->pol_runs);
}

/* pol is about to leave the list: the tree of runs follows. */
static void run_leave(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	struct nfipsec_policy *prev;

	if (RB_EMPTY_NODE(&pol->run))
		return;
	prev = pol->list.prev == &nn->policies ? NULL :
	       pol_entry(pol->list.prev);
	if (prev && prev->priority == pol->priority)
		rb_replace_node(&pol->run, &prev->run, &nn->pol_runs);
	else
		rb_erase(&pol->run, &nn->pol_runs);
	RB_CLEAR_NODE(&pol->run);
}

static void pol_hash_add(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	hlist_add_head(&pol->by_sel, sel_bucket(nn, pol->dir, &pol->sel));
	hlist_add_head(&pol->by_index, index_bucket(nn, pol->index));
}

static void pol_hash_del(struct nfipsec_policy *pol)
{
	hlist_del(&pol->by_sel);
	hlist_del(&pol->by_index);
}

/*
 * Insert before where (a place from nfipsec_policy_place(),
 * _prio_place()). pol's dir, selector, priority and index are set and
 * stay while it is in the list.
 */
void nfipsec_policy_insert(struct nfipsec_net *nn, struct nfipsec_policy *pol,
			   struct list_head *where)
{
	pol->add_time = ktime_get_real_seconds();
	list_add_tail_rcu(&pol->list, where);
	run_enter(nn, pol);
	pol_hash_add(nn, pol);
	nn->policy_count++;
	nn->policy_gen++;
	pol_hash_resize(nn);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_insert);

/*
 * new, not yet seen by readers, takes old's counters and time of last use:
 * readers that find either count on the same counters, which new owns from
 * now on (old is freed without them). new's own were never seen: back at
 * once.
 */
static void pol_take_stats(struct nfipsec_policy *new,
			   struct nfipsec_policy *old)
{
	nfipsec_counters_put(new->stats_chunk, new->stats);
	new->stats = old->stats;
	new->stats_chunk = old->stats_chunk;
	old->stats_chunk = NULL;
	new->use_time = READ_ONCE(old->use_time);
}

/*
 * new, of old's dir, selector and priority, takes old's place, index and
 * counters at once (readers find one or the other); its add time is now
 * (an update, as XFRM's). old is freed.
 */
void nfipsec_policy_replace(struct nfipsec_net *nn, struct nfipsec_policy *old,
			    struct nfipsec_policy *new)
{
	new->index = old->index;
	new->add_time = ktime_get_real_seconds();
	pol_take_stats(new, old);
	list_replace_rcu(&old->list, &new->list);
	if (!RB_EMPTY_NODE(&old->run)) {
		rb_replace_node(&old->run, &new->run, &nn->pol_runs);
		RB_CLEAR_NODE(&old->run);
	}
	pol_hash_del(old);
	pol_hash_add(nn, new);
	nn->policy_gen++;
	nfipsec_policy_free(old);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_replace);

/*
 * Move old's place to new, of old's dir, selector and index, before where
 * (a place in the list without old): new goes in first, and old leaves
 * only once every reader that could have passed new's place has finished,
 * so that no reader finds neither (a flow of old's, which old protected,
 * would find no policy: cleartext). Readers in between may find either;
 * both count on old's counters, which new takes. Sleeps. old is freed.
 */
void nfipsec_policy_move_to(struct nfipsec_net *nn, struct nfipsec_policy *old,
			    struct nfipsec_policy *new,
			    struct list_head *where)
{
	pol_take_stats(new, old);
	list_add_tail_rcu(&new->list, where);
	run_enter(nn, new);
	synchronize_rcu();
	run_leave(nn, old);
	list_del_rcu(&old->list);
	pol_hash_del(old);
	pol_hash_add(nn, new);
	nn->policy_gen++;
	nfipsec_policy_free(old);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_move_to);

static void unlink_one(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	run_leave(nn, pol);
	list_del_rcu(&pol->list);
	pol_hash_del(pol);
	nn->policy_count--;
	nn->policy_gen++;
}

/* Take a policy out of the list; the caller frees it. */
void nfipsec_policy_unlink(struct nfipsec_net *nn, struct nfipsec_policy *pol)
{
	unlink_one(nn, pol);
	pol_hash_resize(nn);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_unlink);

/* Remove every policy (of dir, unless dir < 0; of *owner, unless NULL). */
void nfipsec_policy_flush(struct nfipsec_net *nn, int dir, const u32 *owner)
{
	struct nfipsec_policy *pol, *tmp;

	list_for_each_entry_safe(pol, tmp, &nn->policies, list) {
		if ((dir >= 0 && pol->dir != dir) ||
		    (owner && pol->owner != *owner))
			continue;
		unlink_one(nn, pol);
		nfipsec_policy_free(pol);
	}
	pol_hash_resize(nn);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_policy_flush);
