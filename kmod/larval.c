// SPDX-License-Identifier: GPL-2.0
/*
 * Larval SAs (larval.h): what XFRM keeps as larval (ACQ) states.
 *
 * An ACQUIRE makes one without an SPI, named by the ACQUIRE's sequence
 * number: while it lives, a packet that wants the same SA (protocol,
 * endpoints, mode, reqid) sends no ACQUIRE. SA_ALLOC_SPI gives one an SPI
 * (the one of an ACQUIRE, found by its sequence number, or a new one), so
 * that the key manager can tell the peer where to send before the SA
 * exists; SA_SET of that SPI then makes it a whole SA. Each lives the
 * namespace's acq_expires seconds, then goes with an EXPIRE event.
 *
 * Locking: nn->larval_lock (BH) guards the list and the key table, which
 * the datapath adds to; the datapath reads the key table under RCU. An SPI
 * is given, and the SPI table changed, only with cfg_lock held as well,
 * so configuration can read that table under cfg_lock alone. The number
 * of larval SAs is bounded by the namespace's limit of SAs.
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/timekeeping.h>

#include "nfipsec.h"
#include "larval.h"
#include "lifetime.h"
#include "netlink.h"
#include "policy.h"

static u32 larval_key_hash(u8 family, const union nfipsec_addr *dst,
			   u8 proto, u32 reqid)
{
	if (family == AF_INET)
		return jhash_2words((__force u32)dst->a4, reqid, proto);
	return jhash2((const u32 *)dst->a6.s6_addr32, 4, reqid ^ proto);
}

static u32 larval_spi_hash(__be32 spi, u8 proto)
{
	return (__force u32)spi ^ proto;
}

static bool larval_key_match(const struct nfipsec_larval *l, u8 family,
			     u8 proto, u8 mode, u32 reqid,
			     const union nfipsec_addr *src,
			     const union nfipsec_addr *dst)
{
	return l->family == family && l->proto == proto && l->mode == mode &&
	       l->reqid == reqid && nfipsec_addr_equal(&l->dst, dst, family) &&
	       nfipsec_addr_equal(&l->src, src, family);
}

static bool larval_expired(const struct nfipsec_larval *l, u64 now)
{
	return now >= l->expires_ns;
}

/*
 * Arm the expiry work for deadline, unless it runs earlier. Under
 * larval_lock.
 */
static void larval_arm(struct nfipsec_net *nn, u64 deadline)
{
	u64 now = ktime_get_coarse_boottime_ns();

	lockdep_assert_held(&nn->larval_lock);
	if (deadline >= nn->larval_armed)
		return;
	nn->larval_armed = deadline;
	/* Whole seconds: one run a second at most, however many expire. */
	mod_delayed_work(system_wq, &nn->larval_work,
			 deadline <= now ? 0 :
			 round_jiffies_up_relative(nsecs_to_jiffies(deadline - now) + 1));
}

/* l, filled in, into the tables. Under larval_lock. */
static void larval_link(struct nfipsec_net *nn, struct nfipsec_larval *l)
{
	lockdep_assert_held(&nn->larval_lock);
	list_add_tail(&l->list, &nn->larvals);
	hash_add_rcu(nn->larval_by_key, &l->by_key,
		     larval_key_hash(l->family, &l->dst, l->proto, l->reqid));
	if (l->spi)
		hash_add(nn->larval_by_spi, &l->by_spi,
			 larval_spi_hash(l->spi, l->proto));
	WRITE_ONCE(nn->larval_count, nn->larval_count + 1);
	larval_arm(nn, l->expires_ns);
}

/* Out of the tables; freed after a grace period by the caller. */
static void larval_unlink(struct nfipsec_net *nn, struct nfipsec_larval *l)
{
	lockdep_assert_held(&nn->larval_lock);
	list_del(&l->list);
	hash_del_rcu(&l->by_key);
	if (l->spi)
		hash_del(&l->by_spi);
	WRITE_ONCE(nn->larval_count, nn->larval_count - 1);
}

static void larval_init(struct nfipsec_net *nn, struct nfipsec_larval *l,
			u8 family, u8 proto, u8 mode, u32 reqid,
			const union nfipsec_addr *src,
			const union nfipsec_addr *dst)
{
	u32 secs = READ_ONCE(nn->acq_expires);
	int bits = family == AF_INET ? 32 : 128;

	l->family = family;
	l->proto = proto;
	l->mode = mode;
	l->reqid = reqid;
	l->src = *src;
	l->dst = *dst;
	/* XFRM's larval selector: the endpoints, whole. */
	l->sel.family = family;
	l->sel.src = *src;
	l->sel.dst = *dst;
	l->sel.src_plen = bits;
	l->sel.dst_plen = bits;
	l->expires_secs = secs;
	l->add_ns = ktime_get_coarse_boottime_ns();
	l->expires_ns = l->add_ns + (u64)secs * NSEC_PER_SEC;
}

/*
 * Is an ACQUIRE for this SA pending: a larval SA of the same protocol,
 * endpoints, mode and reqid (with an SPI or not, as XFRM's acquire in
 * progress)? Under rcu_read_lock().
 */
bool nfipsec_larval_pending(struct nfipsec_net *nn,
			    const struct nfipsec_tmpl *t,
			    const union nfipsec_addr *src,
			    const union nfipsec_addr *dst)
{
	u64 now = ktime_get_coarse_boottime_ns();
	struct nfipsec_larval *l;

	hash_for_each_possible_rcu(nn->larval_by_key, l, by_key,
				   larval_key_hash(t->family, dst, t->proto,
						   t->reqid),
				   lockdep_is_held(&nn->larval_lock))
		if (larval_key_match(l, t->family, t->proto, t->mode, t->reqid,
				     src, dst) && !larval_expired(l, now))
			return true;
	return false;
}

/*
 * The larval SA of an ACQUIRE for the packet fl that template t (of a
 * policy of owner) wants from src to dst, of that owner (uapi "Owners"):
 * its sequence number in *seq. -EEXIST: one is pending
 * (no ACQUIRE); -ENOSPC: the larval SAs fill half the namespace's limit
 * of SAs (traffic may not take the key manager's SA_ALLOC_SPI places);
 * -ENOMEM. Under rcu_read_lock(), in any context.
 */
int nfipsec_larval_acquire(struct nfipsec_net *nn,
			   const struct nfipsec_tmpl *t,
			   const struct nfipsec_flow *fl,
			   const union nfipsec_addr *src,
			   const union nfipsec_addr *dst, u32 owner,
			   u32 *seq)
{
	struct nfipsec_larval *l;
	int err = 0;

	l = kzalloc(sizeof(*l), GFP_ATOMIC);
	if (!l)
		return -ENOMEM;
	larval_init(nn, l, t->family, t->proto, t->mode, t->reqid, src, dst);
	l->owner = owner;
	/* XFRM's ACQ state: the packet's flow as its selector. */
	l->sel.family = fl->family;
	l->sel.src = fl->src;
	l->sel.dst = fl->dst;
	l->sel.src_plen = fl->family == AF_INET ? 32 : 128;
	l->sel.dst_plen = l->sel.src_plen;
	l->sel.proto = fl->proto;
	l->sel.sport = fl->sport;
	l->sel.dport = fl->dport;

	spin_lock_bh(&nn->larval_lock);
	if (nfipsec_larval_pending(nn, t, src, dst))
		err = -EEXIST;
	else if (nn->larval_count >= READ_ONCE(nn->max_sas) / 2)
		err = -ENOSPC;
	if (!err) {
		/* XFRM's sequence numbers skip 0 too. */
		nn->acq_seq = nn->acq_seq + 1 ?: 1;
		l->seq = nn->acq_seq;
		*seq = l->seq;
		larval_link(nn, l);
	}
	spin_unlock_bh(&nn->larval_lock);
	if (err)
		kfree(l);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_acquire);

/*
 * The ACQUIRE of seq was not delivered: its larval SA goes (no hold-down
 * for an ACQUIRE nobody got), unless SA_ALLOC_SPI gave it an SPI
 * meanwhile. Any context.
 */
void nfipsec_larval_acquire_lost(struct nfipsec_net *nn, u32 seq)
{
	struct nfipsec_larval *l, *found = NULL;

	spin_lock_bh(&nn->larval_lock);
	list_for_each_entry_reverse(l, &nn->larvals, list)
		if (l->seq == seq) {
			if (!l->spi) {
				larval_unlink(nn, l);
				found = l;
			}
			break;
		}
	spin_unlock_bh(&nn->larval_lock);
	if (found)
		kfree_rcu(found, rcu);
}

/* Under cfg_lock: the SPI tables only change with it held. */
static bool larval_spi_used(struct nfipsec_net *nn, __be32 spi, u8 proto)
{
	struct nfipsec_larval *l;

	lockdep_assert_held(&nn->cfg_lock);
	hash_for_each_possible(nn->larval_by_spi, l, by_spi,
			       larval_spi_hash(spi, proto))
		if (l->spi == spi && l->proto == proto)
			return true;
	return false;
}

static bool spi_free(struct nfipsec_net *nn, u32 spi, u8 proto)
{
	return spi && !nfipsec_sa_spi_used(nn, htonl(spi), proto) &&
	       !larval_spi_used(nn, htonl(spi), proto);
}

/*
 * A random SPI in [min, max] that no SA and no larval SA of proto has,
 * whatever their destination (as XFRM since 6.10), or 0. Random draws
 * first; then, since no more than the namespace's SAs and larval SAs can
 * be in the way, that many consecutive numbers from a random one find a
 * free one if the range has it.
 */
static u32 larval_pick_spi(struct nfipsec_net *nn, u32 min, u32 max, u8 proto)
{
	u64 range = (u64)max - min + 1, tries, i;
	u32 spi;

	for (i = 0; i < 16; i++) {
		spi = get_random_u32_inclusive(min, max);
		if (spi_free(nn, spi, proto))
			return spi;
	}
	tries = min_t(u64, range, (u64)nn->sa_count + nn->larval_count + 2);
	spi = get_random_u32_inclusive(min, max);
	for (i = 0; i < tries; i++) {
		if (spi_free(nn, spi, proto))
			return spi;
		spi = spi == max ? min : spi + 1;
		cond_resched();
	}
	return 0;
}

/*
 * The larval SA that an SA, or SA_ALLOC_SPI, with these fields is for, as
 * XFRM looks for it (__xfrm_find_acq_byseq(), then __find_acq_core()):
 * the one of seq (not 0) of the same proto and dst, else one without an
 * SPI of the same proto, endpoints, mode and reqid; one expired at now is
 * passed over (now 0: none is). Under larval_lock.
 */
static struct nfipsec_larval *larval_find_acq(struct nfipsec_net *nn, u32 seq,
					      u8 family, u8 proto, u8 mode,
					      u32 reqid,
					      const union nfipsec_addr *src,
					      const union nfipsec_addr *dst,
					      u64 now)
{
	struct nfipsec_larval *l;

	lockdep_assert_held(&nn->larval_lock);
	if (seq)
		list_for_each_entry(l, &nn->larvals, list)
			if (l->seq == seq && l->proto == proto &&
			    l->family == family &&
			    nfipsec_addr_equal(&l->dst, dst, family) &&
			    !larval_expired(l, now))
				return l;
	list_for_each_entry(l, &nn->larvals, list)
		if (!l->spi &&
		    larval_key_match(l, family, proto, mode, reqid, src, dst) &&
		    !larval_expired(l, now))
			return l;
	return NULL;
}

/*
 * SA_ALLOC_SPI (uapi): cfg's proto, src, dst, mode, reqid, km_seq, and
 * owner (a new larval SA's; one found takes it when given); the larval
 * SA that holds the SPI is copied to *out. Under cfg_lock.
 */
int nfipsec_larval_alloc_spi(struct nfipsec_net *nn,
			     const struct nfipsec_sa_cfg *cfg, u32 min, u32 max,
			     struct nfipsec_larval *out,
			     struct netlink_ext_ack *extack)
{
	struct nfipsec_larval *found, *new;
	u32 spi;

	lockdep_assert_held(&nn->cfg_lock);
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;

	/*
	 * One about to expire is passed over: it would go before the SA
	 * that its SPI is for could be added.
	 */
	spin_lock_bh(&nn->larval_lock);
	found = larval_find_acq(nn, cfg->km_seq, cfg->family, cfg->proto,
				cfg->mode, cfg->reqid, &cfg->src, &cfg->dst,
				ktime_get_coarse_boottime_ns());
	if (found && cfg->has_owner)
		found->owner = cfg->owner;
	if (found && found->spi) {
		*out = *found;
		spin_unlock_bh(&nn->larval_lock);
		kfree(new);
		return 0;
	}
	if (!found && nn->larval_count >= READ_ONCE(nn->max_sas)) {
		spin_unlock_bh(&nn->larval_lock);
		kfree(new);
		goto full;
	}
	spin_unlock_bh(&nn->larval_lock);

	/* The SPI tables change under cfg_lock only: no race from here. */
	spi = larval_pick_spi(nn, min, max, cfg->proto);
	if (!spi) {
		kfree(new);
		NL_SET_ERR_MSG(extack, "No SPI available in the requested range");
		return -ENOENT;
	}

	spin_lock_bh(&nn->larval_lock);
	/*
	 * found was unlinked meanwhile only by the expiry work or a
	 * configuration command, which hold cfg_lock: it is still here.
	 */
	if (found) {
		WRITE_ONCE(found->spi, htonl(spi));
		hash_add(nn->larval_by_spi, &found->by_spi,
			 larval_spi_hash(found->spi, found->proto));
		*out = *found;
		kfree(new);
	} else if (nn->larval_count >= READ_ONCE(nn->max_sas)) {
		/* ACQUIREs took the last places meanwhile. */
		spin_unlock_bh(&nn->larval_lock);
		kfree(new);
		goto full;
	} else {
		larval_init(nn, new, cfg->family, cfg->proto, cfg->mode,
			    cfg->reqid, &cfg->src, &cfg->dst);
		new->spi = htonl(spi);
		new->owner = cfg->owner;
		larval_link(nn, new);
		*out = *new;
	}
	spin_unlock_bh(&nn->larval_lock);
	return 0;

full:
	nfipsec_extack_fmt(extack, "the namespace's limit of larval SAs is reached",
			   "the namespace's limit of %u larval SAs is reached",
			   READ_ONCE(nn->max_sas));
	return -ENOSPC;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_alloc_spi);

/* The larval SA with an SPI of (dst, spi, proto). Under cfg_lock. */
static struct nfipsec_larval *larval_lookup(struct nfipsec_net *nn, u8 family,
					    const union nfipsec_addr *dst,
					    __be32 spi, u8 proto)
{
	struct nfipsec_larval *l;

	lockdep_assert_held(&nn->cfg_lock);
	if (!spi)
		return NULL;
	hash_for_each_possible(nn->larval_by_spi, l, by_spi,
			       larval_spi_hash(spi, proto))
		if (l->spi == spi && l->proto == proto && l->family == family &&
		    nfipsec_addr_equal(&l->dst, dst, family))
			return larval_expired(l, ktime_get_coarse_boottime_ns()) ?
			       NULL : l;
	return NULL;
}

/* Is there one (with an SPI; copied to *out if out)? Under cfg_lock. */
bool nfipsec_larval_find(struct nfipsec_net *nn, u8 family,
			 const union nfipsec_addr *dst, __be32 spi, u8 proto,
			 struct nfipsec_larval *out)
{
	struct nfipsec_larval *l;

	spin_lock_bh(&nn->larval_lock);
	l = larval_lookup(nn, family, dst, spi, proto);
	if (l && out)
		*out = *l;
	spin_unlock_bh(&nn->larval_lock);
	return l;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_find);

/* SA_DEL event, or EXPIRE (hard, add time), for a larval SA gone. */
static void larval_event(struct nfipsec_net *nn, const struct nfipsec_larval *l,
			 u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nfipsec_nl_event_start(nn, cmd, &hdr, GFP_KERNEL);
	if (!msg)
		return;
	if (nfipsec_larval_put_attrs(msg, l))
		goto err;
	if (cmd == NFIPSEC_CMD_EXPIRE &&
	    nfipsec_nl_put_expire(msg, true, NFIPSEC_LIMIT_ADD_TIME))
		goto err;
	nfipsec_nl_event_send(nn, msg, hdr, GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

/*
 * Remove the larval SA of (dst, spi, proto), with an SA_DEL event if
 * event (SA_DEL; an update that replaces it sends its own). Under cfg_lock.
 */
bool nfipsec_larval_remove(struct nfipsec_net *nn, u8 family,
			   const union nfipsec_addr *dst, __be32 spi, u8 proto,
			   bool event)
{
	struct nfipsec_larval *l;

	spin_lock_bh(&nn->larval_lock);
	l = larval_lookup(nn, family, dst, spi, proto);
	if (l)
		larval_unlink(nn, l);
	spin_unlock_bh(&nn->larval_lock);
	if (!l)
		return false;
	if (event)
		larval_event(nn, l, NFIPSEC_CMD_SA_DEL);
	kfree_rcu(l, rcu);
	return true;
}

/*
 * sa was added: the larval SA of the ACQUIRE it answers goes, without an
 * event, as in XFRM's xfrm_state_add(): the one of sa's km_seq (same dst
 * and proto), else one without an SPI of sa's proto, endpoints, mode and
 * reqid. Under cfg_lock.
 */
void nfipsec_larval_answered(struct nfipsec_net *nn,
			     const struct nfipsec_sa *sa)
{
	struct nfipsec_larval *found;

	lockdep_assert_held(&nn->cfg_lock);
	spin_lock_bh(&nn->larval_lock);
	found = larval_find_acq(nn, sa->km_seq, sa->family, sa->proto,
				sa->mode, sa->reqid, &sa->src, &sa->dst, 0);
	if (found)
		larval_unlink(nn, found);
	spin_unlock_bh(&nn->larval_lock);
	if (found)
		kfree_rcu(found, rcu);
}

/*
 * Every larval SA (of proto, unless 0; of *owner, unless owner is NULL),
 * silently. Under cfg_lock.
 */
void nfipsec_larval_flush(struct nfipsec_net *nn, u8 proto, const u32 *owner)
{
	struct nfipsec_larval *l, *tmp;
	LIST_HEAD(gone);

	lockdep_assert_held(&nn->cfg_lock);
	spin_lock_bh(&nn->larval_lock);
	list_for_each_entry_safe(l, tmp, &nn->larvals, list)
		if ((!proto || l->proto == proto) &&
		    (!owner || l->owner == *owner)) {
			larval_unlink(nn, l);
			list_add(&l->list, &gone);
		}
	spin_unlock_bh(&nn->larval_lock);
	list_for_each_entry_safe(l, tmp, &gone, list)
		kfree_rcu(l, rcu);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_flush);

/* The expired ones go, each with an EXPIRE event, as XFRM's. */
static void larval_expire_work(struct work_struct *work)
{
	struct nfipsec_net *nn = container_of(to_delayed_work(work),
					      struct nfipsec_net, larval_work);
	struct nfipsec_larval *l, *tmp;
	u64 now, next = U64_MAX;
	LIST_HEAD(gone);

	mutex_lock(&nn->cfg_lock);
	spin_lock_bh(&nn->larval_lock);
	now = ktime_get_coarse_boottime_ns();
	list_for_each_entry_safe(l, tmp, &nn->larvals, list) {
		if (larval_expired(l, now)) {
			larval_unlink(nn, l);
			list_add_tail(&l->list, &gone);
		} else {
			next = min(next, l->expires_ns);
		}
	}
	nn->larval_armed = U64_MAX;
	if (next != U64_MAX)
		larval_arm(nn, next);
	spin_unlock_bh(&nn->larval_lock);
	list_for_each_entry_safe(l, tmp, &gone, list) {
		larval_event(nn, l, NFIPSEC_CMD_EXPIRE);
		kfree_rcu(l, rcu);
	}
	mutex_unlock(&nn->cfg_lock);
}

int nfipsec_larval_put_attrs(struct sk_buff *skb,
			     const struct nfipsec_larval *l)
{
	struct nlattr *nest, *lft, *cur;

	nest = nla_nest_start(skb, NFIPSEC_A_SA);
	if (!nest || nla_put_flag(skb, NFIPSEC_SA_A_LARVAL) ||
	    nla_put_u8(skb, NFIPSEC_SA_A_PROTO, l->proto) ||
	    nla_put_be32(skb, NFIPSEC_SA_A_SPI, l->spi) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SA_A_SRC, &l->src, l->family) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SA_A_DST, &l->dst, l->family) ||
	    nla_put_u8(skb, NFIPSEC_SA_A_MODE, l->mode) ||
	    nfipsec_nl_put_sel(skb, NFIPSEC_SA_A_SEL, &l->sel) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_REQID, l->reqid) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_KM_SEQ, l->seq) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_OWNER, l->owner) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_REPLAY_WINDOW, 0) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_FLAGS, 0))
		return -EMSGSIZE;
	lft = nla_nest_start(skb, NFIPSEC_SA_A_LIFETIME);
	if (!lft || nla_put_u64_64bit(skb, NFIPSEC_LFT_A_HARD_ADD_SECS,
				      l->expires_secs, NFIPSEC_LFT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, lft);
	cur = nla_nest_start(skb, NFIPSEC_SA_A_CURRENT);
	if (!cur || nla_put_u64_64bit(skb, NFIPSEC_CUR_A_ADD_TIME,
				      nfipsec_lft_wall(l->add_ns),
				      NFIPSEC_CUR_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, cur);
	nla_nest_end(skb, nest);
	return 0;
}

static bool larval_filter_match(const struct nfipsec_sa_filter *f,
				const struct nfipsec_larval *l)
{
	return (!f->has_owner || f->owner == l->owner) &&
	       (!f->proto || f->proto == l->proto) &&
	       (!f->has_spi || f->spi == l->spi) &&
	       (!f->src_family ||
		(f->src_family == l->family &&
		 nfipsec_addr_equal((const void *)&f->src, &l->src, l->family))) &&
	       (!f->dst_family ||
		(f->dst_family == l->family &&
		 nfipsec_addr_equal((const void *)&f->dst, &l->dst, l->family)));
}

/*
 * The dump's larval part (after the SAs): *skip of them were sent
 * already; on return, *skip counts those sent now too. -EMSGSIZE: skb is
 * full (it holds at least one), go on in the next one. Under cfg_lock.
 */
int nfipsec_larval_dump(struct nfipsec_net *nn, struct sk_buff *skb,
			struct netlink_callback *cb,
			const struct nfipsec_sa_filter *f, unsigned int *skip)
{
	struct nfipsec_larval *l;
	unsigned int i = 0;
	int err = 0;
	void *hdr;

	spin_lock_bh(&nn->larval_lock);
	list_for_each_entry(l, &nn->larvals, list) {
		if (i++ < *skip || !larval_filter_match(f, l))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nfipsec_genl_family,
				  NLM_F_MULTI, NFIPSEC_CMD_SA_GET);
		if (!hdr || nfipsec_larval_put_attrs(skb, l)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			i--;
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	*skip = i;
	spin_unlock_bh(&nn->larval_lock);
	return err;
}

void nfipsec_larval_net_init(struct nfipsec_net *nn)
{
	spin_lock_init(&nn->larval_lock);
	INIT_LIST_HEAD(&nn->larvals);
	hash_init(nn->larval_by_key);
	hash_init(nn->larval_by_spi);
	INIT_DELAYED_WORK(&nn->larval_work, larval_expire_work);
	nn->larval_armed = U64_MAX;
	nn->acq_expires = NFIPSEC_ACQ_EXPIRES_DEFAULT;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_net_init);

/* After the hooks are gone: no ACQUIRE makes one any more. */
void nfipsec_larval_net_exit(struct nfipsec_net *nn)
{
	cancel_delayed_work_sync(&nn->larval_work);
	mutex_lock(&nn->cfg_lock);
	nfipsec_larval_flush(nn, 0, NULL);
	mutex_unlock(&nn->cfg_lock);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_larval_net_exit);
