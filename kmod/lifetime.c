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
 * A scan of the namespace's SAs, in process context under cfg_lock, does
 * the rest: times (CLOCK_BOOTTIME, so setting the date moves no
 * deadline), then soft expiry (marked dying, one EXPIRE event) and hard
 * expiry (removed, then an EXPIRE event). Two work items run it: one the
 * datapath kicks, and a delayed one armed (under cfg_lock) for the
 * nearest deadline; adding an SA only re-arms it when its own deadline is
 * nearer, so adding many SAs scans none.
 */

#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "nfipsec.h"
#include "lifetime.h"
#include "netlink.h"

/* Soft limits of the sequence numbers: room left to rekey. */
#define LFT_SEQ_SOFT	(BIT_ULL(32) - BIT_ULL(24))
#define LFT_SEQ_SOFT_ESN	(U64_MAX - U32_MAX)

/* From the datapath: a limit fired, or a use-time deadline started. */
static void lft_kick(struct nfipsec_sa *sa)
{
	queue_work(system_wq, &sa->nn->lft_kick);
}

/* Record the limit that fired, first one only; kick the work then. */
static void lft_fire(struct nfipsec_sa *sa, u32 *slot, u32 limit)
{
	if (!READ_ONCE(*slot) && !cmpxchg(slot, 0, limit))
		lft_kick(sa);
}

/*
 * The counts (after a packet of len, or 0: none) against the limits; soft
 * and hard recorded when reached. False: that packet is over a hard one.
 */
static bool lft_check(struct nfipsec_sa *sa, u64 packets, u64 bytes,
		      unsigned int len)
{
	u64 soft, hard;

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

static bool lft_count(struct nfipsec_sa *sa, unsigned int len)
{
	u64 packets = atomic64_inc_return(&sa->lft_packets);
	u64 bytes = atomic64_add_return(len, &sa->lft_bytes);

	return lft_check(sa, packets, bytes, len);
}

bool nfipsec_lft_use(struct nfipsec_sa *sa, unsigned int len)
{
	u64 now = ktime_get_coarse_boottime_ns();

	if (unlikely(nfipsec_lft_expired(sa)))
		return false;
	if (unlikely(!atomic64_read(&sa->use_ns)) &&
	    !atomic64_cmpxchg(&sa->use_ns, 0, now) &&
	    (READ_ONCE(sa->lft.soft_use) || READ_ONCE(sa->lft.hard_use)))
		lft_kick(sa);	/* the use-time deadlines start now */
	/* One write a second at most: the line stays shared. */
	if (now - atomic64_read(&sa->last_ns) >= NSEC_PER_SEC)
		atomic64_set(&sa->last_ns, now);
	if (likely(!READ_ONCE(sa->counted)))
		return true;
	return lft_count(sa, len);
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
	sa->counted = lft_counted(&sa->lft);
}

/* start + secs, in ns; U64_MAX: no such limit (or beyond any time). */
static u64 lft_deadline(u64 start, u64 secs)
{
	if (!start || !secs || secs > (U64_MAX - start) / NSEC_PER_SEC)
		return U64_MAX;
	return start + secs * NSEC_PER_SEC;
}

/* Arm the timed scan for deadline, unless it runs earlier. Under cfg_lock. */
static void lft_arm(struct nfipsec_net *nn, u64 deadline)
{
	u64 now = ktime_get_coarse_boottime_ns();

	lockdep_assert_held(&nn->cfg_lock);
	if (deadline >= nn->lft_armed)
		return;
	nn->lft_armed = deadline;
	/* Rechecked at least daily. */
	mod_delayed_work(system_wq, &nn->lft_work,
			 deadline <= now ? 0 :
			 min_t(u64, nsecs_to_jiffies64(deadline - now) + 1,
			       24 * 3600 * HZ));
}

/* The SA's nearest time deadline known now (a use time once used). */
static u64 lft_next_deadline(const struct nfipsec_sa *sa)
{
	const struct nfipsec_lifetime *l = &sa->lft;
	u64 use = atomic64_read(&sa->use_ns);

	return min(min(lft_deadline(sa->add_ns, l->soft_add),
		       lft_deadline(sa->add_ns, l->hard_add)),
		   min(lft_deadline(use, l->soft_use),
		       lft_deadline(use, l->hard_use)));
}

void nfipsec_lft_start(struct nfipsec_sa *sa)
{
	lft_arm(sa->nn, lft_next_deadline(sa));
}

/*
 * As XFRM's update: the limits replaced (none given: none), no longer
 * dying (a soft limit fires again when reached), counts kept, and limits
 * already reached fire now. A hard limit that fired stays fired. Counts
 * start with the first byte or packet limit: an SA that had none takes
 * its carried totals (sa->stats) as its counts.
 */
void nfipsec_lft_update(struct nfipsec_sa *sa,
			const struct nfipsec_lifetime *lft)
{
	struct nfipsec_lifetime *l = &sa->lft;
	bool counted = lft_counted(lft);

	lockdep_assert_held(&sa->nn->cfg_lock);
	if (counted && !sa->counted) {
		atomic64_set(&sa->lft_packets,
			     nfipsec_counters_read(sa->stats,
						   NFIPSEC_SA_STAT_PACKETS));
		atomic64_set(&sa->lft_bytes,
			     nfipsec_counters_read(sa->stats,
						   NFIPSEC_SA_STAT_BYTES));
	}
	WRITE_ONCE(l->soft_bytes, lft->soft_bytes);
	WRITE_ONCE(l->hard_bytes, lft->hard_bytes);
	WRITE_ONCE(l->soft_packets, lft->soft_packets);
	WRITE_ONCE(l->hard_packets, lft->hard_packets);
	WRITE_ONCE(l->soft_add, lft->soft_add);
	WRITE_ONCE(l->hard_add, lft->hard_add);
	WRITE_ONCE(l->soft_use, lft->soft_use);
	WRITE_ONCE(l->hard_use, lft->hard_use);
	WRITE_ONCE(sa->counted, counted);
	sa->soft_sent = false;
	WRITE_ONCE(sa->soft_limit, 0);
	WRITE_ONCE(sa->dying, false);
	if (counted)
		lft_check(sa, atomic64_read(&sa->lft_packets),
			  atomic64_read(&sa->lft_bytes), 0);
	lft_arm(sa->nn, lft_next_deadline(sa));
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_update);

/*
 * The time limit of add (seconds since added) or use (since first use)
 * that has passed, or 0; *next: the nearest deadline still ahead.
 */
static u32 lft_time_due(const struct nfipsec_sa *sa, u64 add, u64 use,
			u64 now, u64 *next)
{
	u64 d_add = lft_deadline(sa->add_ns, add);
	u64 d_use = lft_deadline(atomic64_read(&sa->use_ns), use);

	if (now >= d_add)
		return NFIPSEC_LIMIT_ADD_TIME;
	if (now >= d_use)
		return NFIPSEC_LIMIT_USE_TIME;
	*next = min3(*next, d_add, d_use);
	return 0;
}

static void lft_expire_soft(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			    u32 limit)
{
	sa->soft_sent = true;
	WRITE_ONCE(sa->dying, true);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_EXPIRE_SOFT);
	nfipsec_nl_expire(nn, sa, false, limit);
}

/* Removed first, then told: the key manager never sees it back. */
static void lft_expire_hard(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			    u32 limit)
{
	refcount_inc(&sa->refcnt);	/* the tables' reference goes */
	nfipsec_sa_unlink(nn, sa);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_EXPIRE_HARD);
	nfipsec_nl_expire(nn, sa, true, limit);
	nfipsec_sa_put(sa);
}

/*
 * Every SA of the namespace: limits the datapath recorded and times
 * passed are acted on; the timed scan is armed for the next deadline.
 */
static void lft_scan(struct nfipsec_net *nn)
{
	struct nfipsec_sa *sa, *tmp;
	bool removed = false;
	u64 now, next;
	u32 limit;

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
	nn->lft_armed = U64_MAX;
	if (next != U64_MAX)
		lft_arm(nn, next);
	mutex_unlock(&nn->cfg_lock);
}

static void lft_timed_work(struct work_struct *work)
{
	lft_scan(container_of(to_delayed_work(work), struct nfipsec_net,
			      lft_work));
}

static void lft_kick_work(struct work_struct *work)
{
	lft_scan(container_of(work, struct nfipsec_net, lft_kick));
}

void nfipsec_lft_net_init(struct nfipsec_net *nn)
{
	INIT_DELAYED_WORK(&nn->lft_work, lft_timed_work);
	INIT_WORK(&nn->lft_kick, lft_kick_work);
	nn->lft_armed = U64_MAX;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_net_init);

/*
 * After the namespace's SAs are gone: nothing queues them again (the
 * scans remove no SA, so they queue no hooks work either).
 */
void nfipsec_lft_net_exit(struct nfipsec_net *nn)
{
	cancel_work_sync(&nn->lft_kick);
	cancel_delayed_work_sync(&nn->lft_work);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_lft_net_exit);

u64 nfipsec_lft_wall(u64 ns)
{
	u64 ago = ktime_get_coarse_boottime_ns() - ns;

	return ktime_get_real_seconds() - div_u64(ago, NSEC_PER_SEC);
}
