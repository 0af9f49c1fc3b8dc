// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: the eight limits of ip-xfrm's "limit" (bytes, packets,
 * seconds since the SA was added, seconds since its first use; soft and
 * hard), and the sequence numbers, enforced.
 *
 * The datapath counts: first and last use, and, for an SA with a byte or
 * packet limit only, bytes and packets in two shared atomics (an SA
 * without such a limit pays no shared write per packet). It counts what
 * the SA carries: packets sent, before encryption, and packets received
 * once authenticated and past the replay window (a forged or replayed
 * packet ages nothing). When a count reaches a limit, the datapath records
 * which (soft_limit, hard_limit: set once, by cmpxchg) and kicks the
 * namespace's expiry work; from a hard limit on, the SA carries nothing.
 *
 * The expiry work, in process context under cfg_lock, does the rest for
 * every SA of the namespace: times (boot-time clock, so setting the date
 * moves no deadline), then soft expiry (marked dying, one EXPIRE event)
 * and hard expiry (removed, then an EXPIRE event). It runs when kicked
 * and at the next deadline, never otherwise.
 */

#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "nfipsec.h"
#include "lifetime.h"
#include "netlink.h"

/* Soft limits of the sequence numbers: room left to rekey. */
#define LFT_SEQ_SOFT	(BIT_ULL(32) - BIT_ULL(24))
#define LFT_SEQ_SOFT_ESN	(U64_MAX - U32_MAX)

static void lft_kick(struct nfipsec_sa *sa)
{
	mod_delayed_work(system_wq, &sa->nn->lft_work, 0);
}

/* Record the limit that fired, first one only; kick the work then. */
static void lft_fire(struct nfipsec_sa *sa, u8 *slot, u8 limit)
{
	if (!READ_ONCE(*slot) && !cmpxchg(slot, 0, limit))
		lft_kick(sa);
}

bool nfipsec_lft_use(struct nfipsec_sa *sa, unsigned int len)
{
	u64 now = ktime_get_coarse_boottime_ns(), bytes, packets, soft, hard;

	if (unlikely(nfipsec_lft_expired(sa)))
		return false;
	if (unlikely(!READ_ONCE(sa->use_ns)) && !cmpxchg64(&sa->use_ns, 0, now) &&
	    (READ_ONCE(sa->lft.soft_use) || READ_ONCE(sa->lft.hard_use)))
		lft_kick(sa);	/* the use-time deadlines start now */
	/* One write a second at most: the line stays shared. */
	if (now - READ_ONCE(sa->last_ns) >= NSEC_PER_SEC)
		WRITE_ONCE(sa->last_ns, now);
	if (likely(!READ_ONCE(sa->counted)))
		return true;

	packets = atomic64_inc_return(&sa->lft_packets);
	bytes = atomic64_add_return(len, &sa->lft_bytes);
	/* A packet passes when the counts before it are under the limits. */
	hard = READ_ONCE(sa->lft.hard_packets);
	if (hard && packets >= hard) {
		lft_fire(sa, &sa->hard_limit, NFIPSEC_LIMIT_PACKETS);
		return packets == hard;
	}
	hard = READ_ONCE(sa->lft.hard_bytes);
	if (hard && bytes >= hard) {
		lft_fire(sa, &sa->hard_limit, NFIPSEC_LIMIT_BYTES);
		return bytes - len < hard;
	}
	soft = READ_ONCE(sa->lft.soft_packets);
	if (soft && packets >= soft)
		lft_fire(sa, &sa->soft_limit, NFIPSEC_LIMIT_PACKETS);
	soft = READ_ONCE(sa->lft.soft_bytes);
	if (soft && bytes >= soft)
		lft_fire(sa, &sa->soft_limit, NFIPSEC_LIMIT_BYTES);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_use);

void nfipsec_lft_seq_check(struct nfipsec_sa *sa, u64 seq)
{
	if (unlikely(seq >= (nfipsec_sa_esn(sa) ? LFT_SEQ_SOFT_ESN :
						  LFT_SEQ_SOFT)))
		lft_fire(sa, &sa->soft_limit, NFIPSEC_LIMIT_SEQ);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_seq_check);

void nfipsec_lft_seq_exhausted(struct nfipsec_sa *sa)
{
	lft_fire(sa, &sa->hard_limit, NFIPSEC_LIMIT_SEQ);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_seq_exhausted);

static bool lft_counted(const struct nfipsec_lifetime *lft)
{
	return lft->soft_bytes || lft->hard_bytes || lft->soft_packets ||
	       lft->hard_packets;
}

void nfipsec_lft_init_sa(struct nfipsec_sa *sa)
{
	sa->add_ns = ktime_get_coarse_boottime_ns();
	sa->last_ns = 0;
	sa->counted = lft_counted(&sa->lft);
}

void nfipsec_lft_start(struct nfipsec_sa *sa)
{
	const struct nfipsec_lifetime *lft = &sa->lft;

	lockdep_assert_held(&sa->nn->cfg_lock);
	if (lft->soft_add || lft->hard_add || lft->soft_use || lft->hard_use)
		lft_kick(sa);
}

/*
 * As XFRM's update: new limits, counts kept, and no longer dying (a soft
 * limit fires again when reached). A hard limit that fired stays fired.
 */
void nfipsec_lft_update(struct nfipsec_sa *sa,
			const struct nfipsec_lifetime *lft)
{
	struct nfipsec_lifetime *l = &sa->lft;

	lockdep_assert_held(&sa->nn->cfg_lock);
	WRITE_ONCE(l->soft_bytes, lft->soft_bytes);
	WRITE_ONCE(l->hard_bytes, lft->hard_bytes);
	WRITE_ONCE(l->soft_packets, lft->soft_packets);
	WRITE_ONCE(l->hard_packets, lft->hard_packets);
	WRITE_ONCE(l->soft_add, lft->soft_add);
	WRITE_ONCE(l->hard_add, lft->hard_add);
	WRITE_ONCE(l->soft_use, lft->soft_use);
	WRITE_ONCE(l->hard_use, lft->hard_use);
	WRITE_ONCE(sa->counted, lft_counted(lft));
	sa->soft_sent = false;
	WRITE_ONCE(sa->soft_limit, 0);
	WRITE_ONCE(sa->dying, false);
	lft_kick(sa);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_update);

/* start + secs, in ns; U64_MAX: no such limit (or beyond any time). */
static u64 lft_deadline(u64 start, u64 secs)
{
	if (!start || !secs || secs > (U64_MAX - start) / NSEC_PER_SEC)
		return U64_MAX;
	return start + secs * NSEC_PER_SEC;
}

/*
 * The time limit of add (seconds since added) or use (since first use)
 * that has passed, or 0; *next: the nearest deadline still ahead.
 */
static u8 lft_time_due(const struct nfipsec_sa *sa, u64 add, u64 use,
		       u64 now, u64 *next)
{
	u64 d_add = lft_deadline(sa->add_ns, add);
	u64 d_use = lft_deadline(READ_ONCE(sa->use_ns), use);

	if (now >= d_add)
		return NFIPSEC_LIMIT_ADD_TIME;
	if (now >= d_use)
		return NFIPSEC_LIMIT_USE_TIME;
	*next = min3(*next, d_add, d_use);
	return 0;
}

static void lft_expire_soft(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			    u8 limit)
{
	sa->soft_sent = true;
	WRITE_ONCE(sa->dying, true);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_EXPIRE_SOFT);
	nfipsec_nl_expire(nn, sa, false, limit);
}

/* Removed first, then told: the key manager never sees it back. */
static void lft_expire_hard(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			    u8 limit)
{
	refcount_inc(&sa->refcnt);	/* the tables' reference goes */
	nfipsec_sa_unlink(nn, sa);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_EXPIRE_HARD);
	nfipsec_nl_expire(nn, sa, true, limit);
	nfipsec_sa_put(sa);
}

static void lft_work(struct work_struct *work)
{
	struct nfipsec_net *nn = container_of(to_delayed_work(work),
					      struct nfipsec_net, lft_work);
	struct nfipsec_sa *sa, *tmp;
	bool removed = false;
	u64 now, next;
	u8 limit;

	mutex_lock(&nn->cfg_lock);
	now = ktime_get_coarse_boottime_ns();
	next = U64_MAX;
	list_for_each_entry_safe(sa, tmp, &nn->sa_list, list) {
		const struct nfipsec_lifetime *l = &sa->lft;

		limit = READ_ONCE(sa->hard_limit) ?:
			lft_time_due(sa, l->hard_add, l->hard_use, now, &next);
		if (limit) {
			/* Recorded for the datapath, which stops at once. */
			cmpxchg(&sa->hard_limit, 0, limit);
			lft_expire_hard(nn, sa, READ_ONCE(sa->hard_limit));
			removed = true;
			continue;
		}
		if (sa->soft_sent)
			continue;
		limit = READ_ONCE(sa->soft_limit) ?:
			lft_time_due(sa, l->soft_add, l->soft_use, now, &next);
		if (limit) {
			cmpxchg(&sa->soft_limit, 0, limit);
			lft_expire_soft(nn, sa, READ_ONCE(sa->soft_limit));
		}
	}
	if (removed)
		nfipsec_net_hooks_put(nn);
	/* The nearest deadline, rechecked at least daily. */
	if (next != U64_MAX)
		queue_delayed_work(system_wq, &nn->lft_work,
				   min_t(u64, nsecs_to_jiffies64(next - now) + 1,
					 24 * 3600 * HZ));
	mutex_unlock(&nn->cfg_lock);
}

void nfipsec_lft_net_init(struct nfipsec_net *nn)
{
	INIT_DELAYED_WORK(&nn->lft_work, lft_work);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_net_init);

/* After the namespace's SAs are gone: nothing kicks the work again. */
void nfipsec_lft_net_exit(struct nfipsec_net *nn)
{
	cancel_delayed_work_sync(&nn->lft_work);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_net_exit);

u64 nfipsec_lft_wall(u64 ns)
{
	u64 ago = ktime_get_coarse_boottime_ns() - ns;

	return ktime_get_real_seconds() - div_u64(ago, NSEC_PER_SEC);
}
