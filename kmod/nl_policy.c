// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink commands on policies: new, set, del, get (do, dump),
 * flush, move. Positions count from 0, the top of the list.
 */

#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/sched/signal.h>
#include <net/ipv6.h>

#include "netlink.h"
#include "policy.h"

const struct nla_policy nfipsec_sel_nl_policy[NFIPSEC_SEL_A_MAX + 1] = {
	[NFIPSEC_SEL_A_SRC] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_SEL_A_SRC_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[NFIPSEC_SEL_A_DST] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_SEL_A_DST_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[NFIPSEC_SEL_A_PROTO] = { .type = NLA_U8 },
	[NFIPSEC_SEL_A_SPORT] = { .type = NLA_BE16 },
	[NFIPSEC_SEL_A_DPORT] = { .type = NLA_BE16 },
	[NFIPSEC_SEL_A_FAMILY] = { .type = NLA_U16 },
};

static const struct nla_policy nfipsec_tmpl_nl_policy[NFIPSEC_TMPL_A_MAX + 1] = {
	[NFIPSEC_TMPL_A_SRC] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_TMPL_A_DST] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_TMPL_A_PROTO] = { .type = NLA_U8 },
	[NFIPSEC_TMPL_A_SPI] = { .type = NLA_BE32 },
	[NFIPSEC_TMPL_A_REQID] = { .type = NLA_U32 },
	[NFIPSEC_TMPL_A_MODE] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_MODE_TUNNEL),
	[NFIPSEC_TMPL_A_LEVEL] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_LEVEL_USE),
};

const struct nla_policy nfipsec_pol_nl_policy[NFIPSEC_POLICY_A_MAX + 1] = {
	[NFIPSEC_POLICY_A_DIR] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_DIR_MAX),
	[NFIPSEC_POLICY_A_SEL] = NLA_POLICY_NESTED(nfipsec_sel_nl_policy),
	[NFIPSEC_POLICY_A_ACTION] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_ACTION_BLOCK),
	[NFIPSEC_POLICY_A_TMPL] = NLA_POLICY_NESTED(nfipsec_tmpl_nl_policy),
	[NFIPSEC_POLICY_A_PRIORITY] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_POSITION] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_BEFORE] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_AFTER] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_TO] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_INDEX] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_STATS] = { .type = NLA_REJECT },
	[NFIPSEC_POLICY_A_ADD_TIME] = { .type = NLA_REJECT },
	[NFIPSEC_POLICY_A_USE_TIME] = { .type = NLA_REJECT },
	[NFIPSEC_POLICY_A_PAD] = { .type = NLA_REJECT },
	[NFIPSEC_POLICY_A_OWNER] = { .type = NLA_U32 },
	[NFIPSEC_POLICY_A_IF_OWNER] = { .type = NLA_U32 },
};

static int sel_parse_prefix(struct nlattr *addr, struct nlattr *plen,
			    union nfipsec_addr *a, u8 *len, u8 *family,
			    struct netlink_ext_ack *extack)
{
	int err;

	if (!addr) {
		if (plen) {
			NL_SET_ERR_MSG_ATTR(extack, plen, "prefix length without address");
			return -EINVAL;
		}
		return 0;
	}
	err = nfipsec_nl_get_addr(addr, a, family, extack);
	if (err)
		return err;
	*len = *family == AF_INET ? 32 : 128;
	if (plen) {
		if (nla_get_u8(plen) > *len) {
			NL_SET_ERR_MSG_ATTR(extack, plen, "prefix length too long for the family");
			return -EINVAL;
		}
		*len = nla_get_u8(plen);
	}
	/*
	 * The address is kept as given, host bits too (part of the policy's
	 * identity, as in ip xfrm: 10.1.1.1/30 and 10.1.1.0/30 are two
	 * policies); matching compares the prefix only.
	 */
	return 0;
}

/* A selector nest (a policy's, an SA's "sel"). */
int nfipsec_nl_parse_sel(struct nlattr *attr, struct nfipsec_sel *sel,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_SEL_A_MAX + 1];
	int err;

	memset(sel, 0, sizeof(*sel));
	err = nla_parse_nested(tb, NFIPSEC_SEL_A_MAX, attr,
			       nfipsec_sel_nl_policy, extack);
	if (err)
		return err;
	if (tb[NFIPSEC_SEL_A_FAMILY]) {
		u16 f = nla_get_u16(tb[NFIPSEC_SEL_A_FAMILY]);

		if (f != AF_INET && f != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SEL_A_FAMILY],
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
		sel->family = f;
	}
	err = sel_parse_prefix(tb[NFIPSEC_SEL_A_SRC], tb[NFIPSEC_SEL_A_SRC_PLEN],
			       &sel->src, &sel->src_plen, &sel->family, extack);
	if (!err)
		err = sel_parse_prefix(tb[NFIPSEC_SEL_A_DST],
				       tb[NFIPSEC_SEL_A_DST_PLEN], &sel->dst,
				       &sel->dst_plen, &sel->family, extack);
	if (err)
		return err;
	if (!sel->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a selector needs src, dst or family");
		return -EINVAL;
	}
	if (tb[NFIPSEC_SEL_A_PROTO])
		sel->proto = nla_get_u8(tb[NFIPSEC_SEL_A_PROTO]);
	if (tb[NFIPSEC_SEL_A_SPORT])
		sel->sport = nla_get_be16(tb[NFIPSEC_SEL_A_SPORT]);
	if (tb[NFIPSEC_SEL_A_DPORT])
		sel->dport = nla_get_be16(tb[NFIPSEC_SEL_A_DPORT]);
	if ((sel->sport || sel->dport) && sel->proto != IPPROTO_TCP &&
	    sel->proto != IPPROTO_UDP && sel->proto != IPPROTO_SCTP &&
	    sel->proto != IPPROTO_UDPLITE && sel->proto != IPPROTO_DCCP) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ports need proto tcp, udp, udplite, sctp or dccp");
		return -EINVAL;
	}
	return 0;
}

static int tmpl_parse(struct nlattr *attr, struct nfipsec_tmpl *t,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_TMPL_A_MAX + 1];
	int err;

	memset(t, 0, sizeof(*t));
	err = nla_parse_nested(tb, NFIPSEC_TMPL_A_MAX, attr,
			       nfipsec_tmpl_nl_policy, extack);
	if (err)
		return err;
	t->proto = tb[NFIPSEC_TMPL_A_PROTO] ?
		   nla_get_u8(tb[NFIPSEC_TMPL_A_PROTO]) : IPPROTO_ESP;
	if (t->proto != IPPROTO_ESP && t->proto != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "template proto must be esp or ah");
		return -EINVAL;
	}
	t->mode = tb[NFIPSEC_TMPL_A_MODE] ?
		  nla_get_u8(tb[NFIPSEC_TMPL_A_MODE]) : NFIPSEC_MODE_TRANSPORT;
	/*
	 * Tunnel mode: an address left out or all zero is a wildcard (any
	 * peer inbound; outbound, a source from the route, and no SA for a
	 * destination: as XFRM). Transport mode: optional, shown back, not
	 * compared (as XFRM). Without either, the family is the selector's.
	 */
	if (tb[NFIPSEC_TMPL_A_SRC])
		err = nfipsec_nl_get_addr(tb[NFIPSEC_TMPL_A_SRC], &t->src,
					  &t->family, extack);
	if (!err && tb[NFIPSEC_TMPL_A_DST])
		err = nfipsec_nl_get_addr(tb[NFIPSEC_TMPL_A_DST], &t->dst,
					  &t->family, extack);
	if (err)
		return err;
	if (tb[NFIPSEC_TMPL_A_SPI])
		t->spi = nla_get_be32(tb[NFIPSEC_TMPL_A_SPI]);
	if (tb[NFIPSEC_TMPL_A_REQID])
		t->reqid = nla_get_u32(tb[NFIPSEC_TMPL_A_REQID]);
	if (tb[NFIPSEC_TMPL_A_LEVEL])
		t->level = nla_get_u8(tb[NFIPSEC_TMPL_A_LEVEL]);
	return 0;
}

static int pol_parse_nest(struct nlattr *nest, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	if (!nest) {
		NL_SET_ERR_MSG(extack, "NFIPSEC_A_POLICY missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, NFIPSEC_POLICY_A_MAX, nest,
				nfipsec_pol_nl_policy, extack);
}

static int pol_parse_attrs(struct genl_info *info, struct nlattr **tb)
{
	return pol_parse_nest(info->attrs[NFIPSEC_A_POLICY], tb, info->extack);
}

/*
 * uapi "Owners": OWNER selects only in a flush and a dump (and is what
 * NEW and SET give), IF_OWNER makes only a SET or a DEL conditional:
 * refused where they would mean nothing, rather than ignored (a caller
 * who sends OWNER on DEL expecting a conditional delete would get an
 * unconditional one).
 */
static int pol_owner_refused(struct nlattr **tb, bool owner, bool if_owner,
			     struct netlink_ext_ack *extack)
{
	if (owner && tb[NFIPSEC_POLICY_A_OWNER]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_POLICY_A_OWNER],
				    "owner selects only in flush and dump");
		return -EINVAL;
	}
	if (if_owner && tb[NFIPSEC_POLICY_A_IF_OWNER]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_POLICY_A_IF_OWNER],
				    "if-owner makes only an update or a delete conditional");
		return -EINVAL;
	}
	return 0;
}

/*
 * IF_OWNER (uapi "Owners"): does the existing policy pol belong to the
 * owner tb names? Otherwise the extack says whose it is. Under cfg_lock,
 * in the critical section of the change it guards.
 */
static bool pol_if_owner(const struct nfipsec_policy *pol, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *attr = tb[NFIPSEC_POLICY_A_IF_OWNER];

	if (!attr || pol->owner == nla_get_u32(attr))
		return true;
	nfipsec_extack_fmt(extack, "the policy belongs to another owner",
			   "policy belongs to owner %u%s", pol->owner,
			   pol->owner ? "" : " (the administrator)");
	NL_SET_BAD_ATTR(extack, attr);
	return false;
}

/* DIR and SEL, which identify a policy (given in nest). */
static int pol_parse_id(struct nlattr *nest, struct nlattr **tb, u8 *dir,
			struct nfipsec_sel *sel, struct netlink_ext_ack *extack)
{
	if (!tb[NFIPSEC_POLICY_A_DIR] || !tb[NFIPSEC_POLICY_A_SEL]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a policy needs dir and a selector");
		return -EINVAL;
	}
	*dir = nla_get_u8(tb[NFIPSEC_POLICY_A_DIR]);
	return nfipsec_nl_parse_sel(tb[NFIPSEC_POLICY_A_SEL], sel, extack);
}

static int pol_parse(struct nlattr *nest, struct nlattr **tb,
		     struct nfipsec_policy *pol, struct netlink_ext_ack *extack)
{
	int err;

	err = pol_parse_id(nest, tb, &pol->dir, &pol->sel, extack);
	if (err)
		return err;
	if (tb[NFIPSEC_POLICY_A_ACTION])
		pol->action = nla_get_u8(tb[NFIPSEC_POLICY_A_ACTION]);
	if (tb[NFIPSEC_POLICY_A_PRIORITY])
		pol->priority = nla_get_u32(tb[NFIPSEC_POLICY_A_PRIORITY]);
	/* uapi "Owners": 0 when absent; an update keeps the old one then. */
	if (tb[NFIPSEC_POLICY_A_OWNER]) {
		pol->has_owner = true;
		pol->owner = nla_get_u32(tb[NFIPSEC_POLICY_A_OWNER]);
	}
	if (tb[NFIPSEC_POLICY_A_INDEX]) {
		pol->index = nla_get_u32(tb[NFIPSEC_POLICY_A_INDEX]);
		if (pol->index && (pol->index & 7) != pol->dir) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_POLICY_A_INDEX],
					    "the index is of another dir (its low 3 bits are the dir, as in ip xfrm)");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_POLICY_A_TMPL]) {
		if (pol->action == NFIPSEC_ACTION_BLOCK) {
			NL_SET_ERR_MSG(extack, "a blocking policy takes no template");
			return -EINVAL;
		}
		err = tmpl_parse(tb[NFIPSEC_POLICY_A_TMPL], &pol->tmpl,
				 extack);
		if (err)
			return err;
		/*
		 * Transport mode protects the packet itself: its SA is of
		 * the selector's family (tunnel mode may carry the other).
		 */
		if (!pol->tmpl.family)
			pol->tmpl.family = pol->sel.family;
		/*
		 * As XFRM (validate_tmpl()): an optional tunnel template
		 * would send in clear what has no SA; refused outbound.
		 */
		if (pol->dir == NFIPSEC_DIR_OUT &&
		    pol->tmpl.mode == NFIPSEC_MODE_TUNNEL &&
		    pol->tmpl.level == NFIPSEC_LEVEL_USE) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_POLICY_A_TMPL],
					    "an out policy's tunnel template cannot be optional (level use), as in XFRM");
			return -EINVAL;
		}
		if (pol->tmpl.mode == NFIPSEC_MODE_TRANSPORT) {
			if (pol->tmpl.family != pol->sel.family) {
				NL_SET_ERR_MSG_ATTR(extack,
						    tb[NFIPSEC_POLICY_A_TMPL],
						    "a transport template's addresses must be of the selector's family");
				return -EINVAL;
			}
		}
		pol->has_tmpl = true;
	}
	return 0;
}

/* A position attribute that must name an existing policy. */
static int pol_position(struct nfipsec_net *nn, struct nlattr *attr, u32 *pos,
			struct netlink_ext_ack *extack)
{
	*pos = nla_get_u32(attr);
	if (*pos >= nn->policy_count) {
		nfipsec_extack_fmt(extack, "no policy at that position",
				   "no policy at position %u (there are %u)",
				   *pos, nn->policy_count);
		return -ENOENT;
	}
	return 0;
}

/*
 * A policy of priority prio put before where in the list without skip
 * must keep it in priority order (lower first): refuse it otherwise.
 */
static int pol_order_check(struct nfipsec_net *nn, struct list_head *where,
			   u32 prio, const struct nfipsec_policy *skip,
			   struct netlink_ext_ack *extack)
{
	u32 other;

	if (nfipsec_policy_place_ok(nn, where, prio, skip, &other))
		return 0;
	nfipsec_extack_fmt(extack,
			   "that place breaks priority order (lower priorities come first)",
			   "priority %u cannot go there: it would pass a policy of priority %u (lower priorities come first)",
			   prio, other);
	return -EINVAL;
}

/* Room for one more policy, and the hooks it needs. */
static int pol_make_room(struct nfipsec_net *nn, struct netlink_ext_ack *extack)
{
	int err;

	if (nn->policy_count >= nn->max_policies) {
		nfipsec_extack_fmt(extack,
				   "the namespace's limit of policies is reached",
				   "the namespace's limit of %u policies is reached",
				   nn->max_policies);
		return -ENOSPC;
	}
	err = nfipsec_net_hooks_get(nn);
	if (err)
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
	return err;
}

/*
 * Add the policy that nest describes (POLICY_NEW's NFIPSEC_A_POLICY), under
 * cfg_lock: a bulk request takes it once for all its policies.
 */
static int pol_new(struct nfipsec_net *nn, struct nlattr *nest,
		   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct list_head *where;
	struct nfipsec_policy *pol;
	u32 pos = U32_MAX;
	int err, n;

	lockdep_assert_held(&nn->cfg_lock);
	err = pol_parse_nest(nest, tb, extack);
	if (err)
		return err;
	n = !!tb[NFIPSEC_POLICY_A_POSITION] + !!tb[NFIPSEC_POLICY_A_BEFORE] +
	    !!tb[NFIPSEC_POLICY_A_AFTER];
	if (n > 1 || tb[NFIPSEC_POLICY_A_TO]) {
		NL_SET_ERR_MSG(extack, "give at most one of position, before, after");
		return -EINVAL;
	}
	err = pol_owner_refused(tb, false, true, extack);
	if (err)
		return err;
	pol = nfipsec_policy_alloc(nn);
	if (!pol)
		return -ENOMEM;
	err = pol_parse(nest, tb, pol, extack);
	if (err)
		goto err_free;

	if (nfipsec_policy_find(nn, pol->dir, &pol->sel)) {
		NL_SET_ERR_MSG(extack, "a policy with this dir and selector exists");
		err = -EEXIST;
		goto err_free;
	}
	if (tb[NFIPSEC_POLICY_A_POSITION]) {
		pos = nla_get_u32(tb[NFIPSEC_POLICY_A_POSITION]);
		if (pos > nn->policy_count) {
			nfipsec_extack_fmt(extack, "position past the end of the list",
					   "position %u past the end (there are %u)",
					   pos, nn->policy_count);
			err = -EINVAL;
			goto err_free;
		}
	} else if (tb[NFIPSEC_POLICY_A_BEFORE]) {
		err = pol_position(nn, tb[NFIPSEC_POLICY_A_BEFORE], &pos,
				   extack);
	} else if (tb[NFIPSEC_POLICY_A_AFTER]) {
		err = pol_position(nn, tb[NFIPSEC_POLICY_A_AFTER], &pos,
				   extack);
		pos++;
	}
	if (err)
		goto err_free;
	/* Without a position: after its priority's policies, found at once. */
	if (pos == U32_MAX) {
		where = nfipsec_policy_prio_place(nn, pol->priority);
	} else {
		where = nfipsec_policy_place(nn, pos, NULL);
		err = pol_order_check(nn, where, pol->priority, NULL,
				      extack);
	}
	if (err)
		goto err_free;
	/* Last: a refused add leaves no hooks behind. */
	err = pol_make_room(nn, extack);
	if (err)
		goto err_free;
	pol->index = nfipsec_policy_gen_index(nn, pol->dir, pol->index);
	nfipsec_policy_insert(nn, pol, where);
	nfipsec_nl_policy_event(nn, NFIPSEC_CMD_POLICY_NEW, pol);
	return 0;

err_free:
	nfipsec_policy_free(pol);
	return err;
}

int nfipsec_nl_pol_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	int err;

	mutex_lock(&nn->cfg_lock);
	err = pol_new(nn, info->attrs[NFIPSEC_A_POLICY], info->extack);
	mutex_unlock(&nn->cfg_lock);
	if (!err)
		nfipsec_offload_policies_changed(nn);
	return err;
}

/*
 * POLICY_NEW_BULK: the policies of NFIPSEC_A_POLICIES added in order, each
 * as POLICY_NEW adds one, up to the first that fails: those before it stay
 * (as with ip -batch), and the error points (extack offset) into the
 * failing one, at its own bad attribute or at the whole nest.
 */
int nfipsec_nl_pol_new_bulk(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *list = info->attrs[NFIPSEC_A_POLICIES], *nest;
	int rem, err, n;

	if (!list) {
		NL_SET_ERR_MSG(info->extack, "NFIPSEC_A_POLICIES missing");
		return -EINVAL;
	}
	/* The list's shape first: nothing is added from a malformed one. */
	n = 0;
	nla_for_each_nested(nest, list, rem) {
		if (nla_type(nest) != NFIPSEC_A_POLICY) {
			NL_SET_ERR_MSG_ATTR(info->extack, nest,
					    "NFIPSEC_A_POLICIES holds NFIPSEC_A_POLICY nests only");
			return -EINVAL;
		}
		n++;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(info->extack, list,
				    "NFIPSEC_A_POLICIES is truncated");
		return -EINVAL;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(info->extack, list,
				    "NFIPSEC_A_POLICIES is empty");
		return -EINVAL;
	}
	if (n > NFIPSEC_POLICY_BULK_MAX) {
		nfipsec_extack_fmt(info->extack,
				   "NFIPSEC_A_POLICIES holds too many policies",
				   "NFIPSEC_A_POLICIES holds %d policies, at most %d a request",
				   n, NFIPSEC_POLICY_BULK_MAX);
		NL_SET_BAD_ATTR(info->extack, list);
		return -E2BIG;
	}
	err = 0;
	n = 0;
	/* One lock for the request: at most NFIPSEC_POLICY_BULK_MAX adds. */
	mutex_lock(&nn->cfg_lock);
	nla_for_each_nested(nest, list, rem) {
		/* Killed: stop between entries, pointing at the first not tried. */
		if (fatal_signal_pending(current)) {
			NL_SET_BAD_ATTR(info->extack, nest);
			err = -EINTR;
			break;
		}
		err = pol_new(nn, nest, info->extack);
		if (err) {
			if (!info->extack->bad_attr)
				NL_SET_BAD_ATTR(info->extack, nest);
			break;
		}
		n++;
		cond_resched();
	}
	mutex_unlock(&nn->cfg_lock);
	/* Once for the request: flowtable entries are checked again. */
	if (n)
		nfipsec_offload_policies_changed(nn);
	return err;
}

/*
 * Replace old by new, which takes old's index and counters: of the same
 * priority in old's place, of another where that priority goes (readers
 * always find one of them).
 */
static void pol_replace(struct nfipsec_net *nn, struct nfipsec_policy *old,
			struct nfipsec_policy *new)
{
	if (new->priority == old->priority) {
		nfipsec_policy_replace(nn, old, new);
		return;
	}
	new->index = old->index;
	new->add_time = ktime_get_real_seconds();	/* an update's */
	nfipsec_policy_move_to(nn, old, new,
			       nfipsec_policy_prio_place(nn, new->priority));
}

/*
 * Update, as ip xfrm's: replaces the policy, or adds it when absent. With
 * IF_OWNER, an existing policy of another owner stays (-EEXIST).
 */
int nfipsec_nl_pol_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nfipsec_policy *pol, *old;
	int err;

	err = pol_parse_attrs(info, tb);
	if (err)
		return err;
	if (tb[NFIPSEC_POLICY_A_POSITION] || tb[NFIPSEC_POLICY_A_BEFORE] ||
	    tb[NFIPSEC_POLICY_A_AFTER] || tb[NFIPSEC_POLICY_A_TO]) {
		NL_SET_ERR_MSG(info->extack, "update keeps the position: use move");
		return -EINVAL;
	}
	pol = nfipsec_policy_alloc(nn);
	if (!pol)
		return -ENOMEM;
	err = pol_parse(info->attrs[NFIPSEC_A_POLICY], tb, pol,
			info->extack);
	if (err) {
		nfipsec_policy_free(pol);
		return err;
	}
	mutex_lock(&nn->cfg_lock);
	old = nfipsec_policy_find(nn, pol->dir, &pol->sel);
	if (old && !pol_if_owner(old, tb, info->extack)) {
		mutex_unlock(&nn->cfg_lock);
		nfipsec_policy_free(pol);
		return -EEXIST;
	}
	if (old) {
		if (!pol->has_owner)
			pol->owner = old->owner;
		pol_replace(nn, old, pol);
		nfipsec_nl_policy_event(nn, NFIPSEC_CMD_POLICY_SET, pol);
	} else {
		err = pol_make_room(nn, info->extack);
		if (err) {
			mutex_unlock(&nn->cfg_lock);
			nfipsec_policy_free(pol);
			return err;
		}
		pol->index = nfipsec_policy_gen_index(nn, pol->dir, pol->index);
		nfipsec_policy_insert(nn, pol,
				      nfipsec_policy_prio_place(nn,
								pol->priority));
		nfipsec_nl_policy_event(nn, NFIPSEC_CMD_POLICY_NEW, pol);
	}
	nfipsec_offload_policies_changed(nn);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

/* INDEX and DIR, as ip xfrm's "index I dir D", name a policy. */
static struct nfipsec_policy *pol_lookup_index(struct nfipsec_net *nn,
					       struct genl_info *info,
					       struct nlattr **tb, int *err)
{
	u32 index = nla_get_u32(tb[NFIPSEC_POLICY_A_INDEX]);
	struct nfipsec_policy *pol;

	if (!tb[NFIPSEC_POLICY_A_DIR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_POLICY_A_INDEX],
				    "an index needs its dir");
		*err = -EINVAL;
		return NULL;
	}
	pol = nfipsec_policy_by_index(nn, index);
	if (!pol || pol->dir != nla_get_u8(tb[NFIPSEC_POLICY_A_DIR])) {
		nfipsec_extack_fmt(info->extack, "no policy with that index and dir",
				   "no policy with index %u and that dir",
				   index);
		*err = -ENOENT;
		return NULL;
	}
	return pol;
}

/*
 * The policy a del/get request names: by POSITION, by INDEX and DIR, or by
 * DIR and SEL.
 */
static struct nfipsec_policy *pol_lookup(struct nfipsec_net *nn,
					 struct genl_info *info,
					 struct nlattr **tb, int *err)
{
	struct nfipsec_policy *pol;
	struct nfipsec_sel sel;
	u32 pos;
	u8 dir;

	lockdep_assert_held(&nn->cfg_lock);
	if (tb[NFIPSEC_POLICY_A_POSITION] &&
	    (tb[NFIPSEC_POLICY_A_INDEX] || tb[NFIPSEC_POLICY_A_DIR] ||
	     tb[NFIPSEC_POLICY_A_SEL])) {
		NL_SET_ERR_MSG(info->extack,
			       "a position stands alone: without index, dir or selector");
		*err = -EINVAL;
		return NULL;
	}
	if (tb[NFIPSEC_POLICY_A_INDEX] && tb[NFIPSEC_POLICY_A_SEL]) {
		NL_SET_ERR_MSG(info->extack, "an index goes with its dir, without a selector");
		*err = -EINVAL;
		return NULL;
	}
	if (tb[NFIPSEC_POLICY_A_POSITION]) {
		*err = pol_position(nn, tb[NFIPSEC_POLICY_A_POSITION], &pos,
				    info->extack);
		return *err ? NULL : nfipsec_policy_at(nn, pos);
	}
	if (tb[NFIPSEC_POLICY_A_INDEX])
		return pol_lookup_index(nn, info, tb, err);
	*err = pol_parse_id(info->attrs[NFIPSEC_A_POLICY], tb, &dir, &sel,
			    info->extack);
	if (*err)
		return NULL;
	pol = nfipsec_policy_find(nn, dir, &sel);
	if (!pol) {
		NL_SET_ERR_MSG(info->extack, "no policy with this dir and selector");
		*err = -ENOENT;
	}
	return pol;
}

int nfipsec_nl_pol_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nfipsec_policy *pol;
	int err;

	err = pol_parse_attrs(info, tb);
	if (!err)
		err = pol_owner_refused(tb, true, false, info->extack);
	if (err)
		return err;
	mutex_lock(&nn->cfg_lock);
	pol = pol_lookup(nn, info, tb, &err);
	/* IF_OWNER: another owner's policy is not there for this delete. */
	if (pol && !pol_if_owner(pol, tb, info->extack)) {
		pol = NULL;
		err = -ENOENT;
	}
	if (pol) {
		nfipsec_nl_policy_event(nn, NFIPSEC_CMD_POLICY_DEL, pol);
		nfipsec_policy_unlink(nn, pol);
		nfipsec_policy_free(pol);
		nfipsec_offload_policies_changed(nn);
		nfipsec_net_hooks_put(nn);
	}
	mutex_unlock(&nn->cfg_lock);
	return err;
}

int nfipsec_nl_put_sel(struct sk_buff *skb, int type,
		       const struct nfipsec_sel *s)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest || nla_put_u16(skb, NFIPSEC_SEL_A_FAMILY, s->family) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SEL_A_SRC, &s->src, s->family) ||
	    nla_put_u8(skb, NFIPSEC_SEL_A_SRC_PLEN, s->src_plen) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SEL_A_DST, &s->dst, s->family) ||
	    nla_put_u8(skb, NFIPSEC_SEL_A_DST_PLEN, s->dst_plen) ||
	    (s->proto && nla_put_u8(skb, NFIPSEC_SEL_A_PROTO, s->proto)) ||
	    (s->sport && nla_put_be16(skb, NFIPSEC_SEL_A_SPORT, s->sport)) ||
	    (s->dport && nla_put_be16(skb, NFIPSEC_SEL_A_DPORT, s->dport)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A packet's fields as a selector (ACQUIRE). */
int nfipsec_nl_put_flow(struct sk_buff *skb, int type,
			const struct nfipsec_flow *fl)
{
	struct nfipsec_sel s = {
		.family = fl->family,
		.src_plen = fl->family == AF_INET ? 32 : 128,
		.dst_plen = fl->family == AF_INET ? 32 : 128,
		.proto = fl->proto,
		.src = fl->src,
		.dst = fl->dst,
		.sport = fl->sport,
		.dport = fl->dport,
	};

	return nfipsec_nl_put_sel(skb, type, &s);
}

static int tmpl_put(struct sk_buff *skb, const struct nfipsec_tmpl *t)
{
	struct nlattr *nest = nla_nest_start(skb, NFIPSEC_POLICY_A_TMPL);

	if (!nest ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_TMPL_A_SRC, &t->src, t->family) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_TMPL_A_DST, &t->dst, t->family) ||
	    nla_put_u8(skb, NFIPSEC_TMPL_A_PROTO, t->proto) ||
	    (t->spi && nla_put_be32(skb, NFIPSEC_TMPL_A_SPI, t->spi)) ||
	    nla_put_u32(skb, NFIPSEC_TMPL_A_REQID, t->reqid) ||
	    nla_put_u8(skb, NFIPSEC_TMPL_A_MODE, t->mode) ||
	    nla_put_u8(skb, NFIPSEC_TMPL_A_LEVEL, t->level))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int nfipsec_nl_fill_policy_attrs(struct sk_buff *skb,
				 const struct nfipsec_policy *pol, u32 pos)
{
	time64_t use = READ_ONCE(pol->use_time);	/* the datapath's */

	if (nla_put_u32(skb, NFIPSEC_POLICY_A_POSITION, pos) ||
	    nla_put_u8(skb, NFIPSEC_POLICY_A_DIR, pol->dir) ||
	    nla_put_u8(skb, NFIPSEC_POLICY_A_ACTION, pol->action) ||
	    nla_put_u32(skb, NFIPSEC_POLICY_A_PRIORITY, pol->priority) ||
	    nla_put_u32(skb, NFIPSEC_POLICY_A_INDEX, pol->index) ||
	    nla_put_u32(skb, NFIPSEC_POLICY_A_OWNER, pol->owner) ||
	    nfipsec_nl_put_sel(skb, NFIPSEC_POLICY_A_SEL, &pol->sel) ||
	    (pol->has_tmpl && tmpl_put(skb, &pol->tmpl)) ||
	    nla_put_u64_64bit(skb, NFIPSEC_POLICY_A_ADD_TIME, pol->add_time,
			      NFIPSEC_POLICY_A_PAD) ||
	    (use && nla_put_u64_64bit(skb, NFIPSEC_POLICY_A_USE_TIME, use,
				      NFIPSEC_POLICY_A_PAD)))
		return -EMSGSIZE;
	return 0;
}

/*
 * POLICY_NEW, _SET, _DEL, _MOVE to the events group: the policy with its
 * position, as it is (after a move: where it went) or was (delete).
 */
void nfipsec_nl_policy_event(struct nfipsec_net *nn, u8 cmd,
			     const struct nfipsec_policy *pol)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&nn->cfg_lock);
	/* Nothing to do without listeners: no position to count either. */
	msg = nfipsec_nl_event_start(nn, cmd, &hdr, GFP_KERNEL);
	if (!msg)
		return;
	nest = nla_nest_start(msg, NFIPSEC_A_POLICY);
	if (!nest ||
	    nfipsec_nl_fill_policy_attrs(msg, pol,
					 nfipsec_policy_pos(nn, pol))) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	nfipsec_nl_event_send(nn, msg, hdr, GFP_KERNEL);
}

static int pol_fill(struct sk_buff *skb, const struct nfipsec_policy *pol,
		    u32 pos, u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfipsec_genl_family, flags,
			  NFIPSEC_CMD_POLICY_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NFIPSEC_A_POLICY);
	if (!nest || nfipsec_nl_fill_policy_attrs(skb, pol, pos) ||
	    nfipsec_counters_fill(skb, NFIPSEC_POLICY_A_STATS, pol->stats,
				  NFIPSEC_POLICY_STAT_MAX)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

int nfipsec_nl_pol_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nfipsec_policy *pol;
	struct sk_buff *msg;
	int err;

	err = pol_parse_attrs(info, tb);
	if (!err)
		err = pol_owner_refused(tb, true, true, info->extack);
	if (err)
		return err;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nn->cfg_lock);
	pol = pol_lookup(nn, info, tb, &err);
	if (pol)
		err = pol_fill(msg, pol, nfipsec_policy_pos(nn, pol),
			       info->snd_portid, info->snd_seq, 0);
	mutex_unlock(&nn->cfg_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* POLICY_FLUSH: DIR and OWNER (uapi "Owners") limit it, nothing else. */
int nfipsec_nl_pol_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	u32 owner, *by_owner = NULL;
	int dir = -1, err, i;

	if (info->attrs[NFIPSEC_A_POLICY]) {
		err = pol_parse_attrs(info, tb);
		if (err)
			return err;
		for (i = 1; i <= NFIPSEC_POLICY_A_MAX; i++) {
			if (tb[i] && i != NFIPSEC_POLICY_A_DIR &&
			    i != NFIPSEC_POLICY_A_OWNER) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
						    "a flush takes dir and owner only");
				return -EINVAL;
			}
		}
		if (tb[NFIPSEC_POLICY_A_DIR])
			dir = nla_get_u8(tb[NFIPSEC_POLICY_A_DIR]);
		if (tb[NFIPSEC_POLICY_A_OWNER]) {
			owner = nla_get_u32(tb[NFIPSEC_POLICY_A_OWNER]);
			by_owner = &owner;
		}
	}
	mutex_lock(&nn->cfg_lock);
	nfipsec_policy_flush(nn, dir, by_owner);
	nfipsec_offload_policies_changed(nn);
	nfipsec_net_hooks_put(nn);
	nfipsec_nl_flush_event(nn, NFIPSEC_CMD_POLICY_FLUSH, NFIPSEC_A_POLICY,
			       NFIPSEC_POLICY_A_DIR, dir,
			       NFIPSEC_POLICY_A_OWNER, by_owner);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

int nfipsec_nl_pol_move(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nfipsec_policy *pol, *copy;
	struct list_head *where;
	struct nlattr *anchor;
	u32 from, to = 0;
	int err, n;

	err = pol_parse_attrs(info, tb);
	if (err)
		return err;
	n = !!tb[NFIPSEC_POLICY_A_TO] + !!tb[NFIPSEC_POLICY_A_BEFORE] +
	    !!tb[NFIPSEC_POLICY_A_AFTER];
	if (!tb[NFIPSEC_POLICY_A_POSITION] || n != 1 ||
	    tb[NFIPSEC_POLICY_A_INDEX]) {
		NL_SET_ERR_MSG(info->extack, "move needs a position and one of to, before, after");
		return -EINVAL;
	}
	err = pol_owner_refused(tb, true, true, info->extack);
	if (err)
		return err;
	copy = nfipsec_policy_alloc(nn);
	if (!copy)
		return -ENOMEM;

	mutex_lock(&nn->cfg_lock);
	err = pol_position(nn, tb[NFIPSEC_POLICY_A_POSITION], &from,
			   info->extack);
	if (err)
		goto out;
	pol = nfipsec_policy_at(nn, from);
	/* to: the new position, in the list without pol. */
	anchor = tb[NFIPSEC_POLICY_A_BEFORE] ?: tb[NFIPSEC_POLICY_A_AFTER];
	if (!anchor) {
		err = pol_position(nn, tb[NFIPSEC_POLICY_A_TO], &to,
				   info->extack);
	} else {
		err = pol_position(nn, anchor, &to, info->extack);
		if (!err && to == from)
			goto out;	/* before or after itself */
		to = to - (from < to) + !!tb[NFIPSEC_POLICY_A_AFTER];
	}
	if (err || to == from)
		goto out;
	where = nfipsec_policy_place(nn, to, pol);
	err = pol_order_check(nn, where, pol->priority, pol, info->extack);
	if (err)
		goto out;

	/* A copy enters at the new place, then pol leaves. */
	copy->dir = pol->dir;
	copy->action = pol->action;
	copy->has_tmpl = pol->has_tmpl;
	copy->priority = pol->priority;
	copy->index = pol->index;
	copy->owner = pol->owner;
	copy->add_time = pol->add_time;
	copy->sel = pol->sel;
	copy->tmpl = pol->tmpl;
	nfipsec_policy_move_to(nn, pol, copy, where);
	nfipsec_nl_policy_event(nn, NFIPSEC_CMD_POLICY_MOVE, copy);
	copy = NULL;
	nfipsec_offload_policies_changed(nn);
out:
	mutex_unlock(&nn->cfg_lock);
	if (copy)
		nfipsec_policy_free(copy);
	return err;
}

/*
 * A dump goes on where the previous part stopped: at next, the policy at
 * position pos, found at once while the list has not changed since
 * (policy_gen), else walked to by position.
 */
struct nfipsec_pol_dump_ctx {
	int dir;	/* -1: any */
	bool has_owner;
	u32 owner;
	u32 pos;
	unsigned long gen;
	struct nfipsec_policy *next;	/* NULL: from pos */
};

int nfipsec_nl_pol_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = nfipsec_dump_attrs(cb);
	struct nfipsec_pol_dump_ctx *ctx = (void *)cb->ctx;
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *attr = attrs[NFIPSEC_A_POLICY];
	int err, i;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	ctx->dir = -1;
	ctx->has_owner = false;
	ctx->pos = 0;
	ctx->next = NULL;
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, NFIPSEC_POLICY_A_MAX, attr,
			       nfipsec_pol_nl_policy, cb->extack);
	if (err)
		return err;
	for (i = 1; i <= NFIPSEC_POLICY_A_MAX; i++) {
		if (tb[i] && i != NFIPSEC_POLICY_A_DIR &&
		    i != NFIPSEC_POLICY_A_OWNER) {
			NL_SET_ERR_MSG_ATTR(cb->extack, tb[i],
					    "only dir and owner select policies to dump");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_POLICY_A_DIR])
		ctx->dir = nla_get_u8(tb[NFIPSEC_POLICY_A_DIR]);
	if (tb[NFIPSEC_POLICY_A_OWNER]) {
		ctx->has_owner = true;
		ctx->owner = nla_get_u32(tb[NFIPSEC_POLICY_A_OWNER]);
	}
	return 0;
}

int nfipsec_nl_pol_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfipsec_net *nn = nfipsec_net(sock_net(skb->sk));
	struct nfipsec_pol_dump_ctx *ctx = (void *)cb->ctx;
	struct nfipsec_policy *pol;
	struct list_head *l;

	mutex_lock(&nn->cfg_lock);
	if (ctx->next && ctx->gen == nn->policy_gen)
		l = &ctx->next->list;
	else
		l = nfipsec_policy_place(nn, ctx->pos, NULL);
	ctx->next = NULL;
	for (; l != &nn->policies; l = l->next, ctx->pos++) {
		pol = list_entry(l, struct nfipsec_policy, list);
		if ((ctx->dir < 0 || pol->dir == ctx->dir) &&
		    (!ctx->has_owner || pol->owner == ctx->owner) &&
		    pol_fill(skb, pol, ctx->pos, NETLINK_CB(cb->skb).portid,
			     cb->nlh->nlmsg_seq, NLM_F_MULTI)) {
			/* The message is full: pol comes first next time. */
			ctx->next = pol;
			ctx->gen = nn->policy_gen;
			break;
		}
	}
	mutex_unlock(&nn->cfg_lock);
	return skb->len;
}
