// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "nfipsec": commands and attribute policies as
 * described in uapi/nfipsec.h. Every operation requires CAP_NET_ADMIN in the
 * user namespace owning the caller's network namespace (GENL_UNS_ADMIN_PERM)
 * and validates its attributes strictly. SA commands are in nl_sa.c, policy
 * commands in nl_policy.c.
 */

#include <linux/in.h>
#include <net/genetlink.h>

#include "larval.h"
#include "netlink.h"
#include "policy.h"

/* Commands that take no attributes: any attribute is refused. */
static const struct nla_policy nfipsec_no_attrs_policy[NFIPSEC_A_MAX + 1] = {
};

/* Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer. */
static struct netlink_range_validation acq_expires_range = {
	.min = 1,
	.max = NFIPSEC_ACQ_EXPIRES_MAX,
};

static const struct nla_policy nfipsec_info_nl_policy[NFIPSEC_INFO_A_MAX + 1] = {
	[NFIPSEC_INFO_A_IKE_PORTS] = {
		.type = NLA_BINARY,
		.len = NFIPSEC_IKE_PORTS_MAX * sizeof(__be16),
	},
	[NFIPSEC_INFO_A_MAX_SAS] = { .type = NLA_U32 },
	[NFIPSEC_INFO_A_MAX_POLICIES] = { .type = NLA_U32 },
	[NFIPSEC_INFO_A_DEFAULT_IN] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_ACTION_BLOCK),
	[NFIPSEC_INFO_A_DEFAULT_FWD] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_ACTION_BLOCK),
	[NFIPSEC_INFO_A_DEFAULT_OUT] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_ACTION_BLOCK),
	[NFIPSEC_INFO_A_LARVAL_COUNT] = { .type = NLA_REJECT },
	[NFIPSEC_INFO_A_ACQ_EXPIRES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							     &acq_expires_range),
	[NFIPSEC_INFO_A_FEATURES] = { .type = NLA_REJECT },
};

/* The default policies' attributes, by direction. */
static const int default_attr[] = {
	[NFIPSEC_DIR_IN] = NFIPSEC_INFO_A_DEFAULT_IN,
	[NFIPSEC_DIR_FWD] = NFIPSEC_INFO_A_DEFAULT_FWD,
	[NFIPSEC_DIR_OUT] = NFIPSEC_INFO_A_DEFAULT_OUT,
};

static int default_put(struct sk_buff *msg, u8 mask)
{
	int dir;

	for (dir = 0; dir < ARRAY_SIZE(default_attr); dir++)
		if (nla_put_u8(msg, default_attr[dir],
			       mask & BIT(dir) ? NFIPSEC_ACTION_BLOCK :
						 NFIPSEC_ACTION_ALLOW))
			return -EMSGSIZE;
	return 0;
}

/* The default policies' mask with those tb sets. */
static u8 default_parse(struct nlattr **tb, u8 mask, bool *any)
{
	int dir;

	for (dir = 0; dir < ARRAY_SIZE(default_attr); dir++) {
		if (!tb[default_attr[dir]])
			continue;
		*any = true;
		if (nla_get_u8(tb[default_attr[dir]]) == NFIPSEC_ACTION_BLOCK)
			mask |= BIT(dir);
		else
			mask &= ~BIT(dir);
	}
	return mask;
}

static const struct nla_policy nfipsec_set_info_policy[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_INFO] = NLA_POLICY_NESTED(nfipsec_info_nl_policy),
};

static const struct nla_policy nfipsec_cmd_policy[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_SA] = NLA_POLICY_NESTED(nfipsec_sa_nl_policy),
	[NFIPSEC_A_POLICY] = NLA_POLICY_NESTED(nfipsec_pol_nl_policy),
	[NFIPSEC_A_SHOW_KEYS] = { .type = NLA_FLAG },
};

/*
 * POLICY_NEW_BULK's entries are checked one by one as each is reached
 * (nl_policy.c), not all first: those before a bad one are added.
 */
static const struct nla_policy nfipsec_bulk_policy[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_POLICIES] = { .type = NLA_NESTED },
};

int nfipsec_nl_get_addr(const struct nlattr *attr, union nfipsec_addr *addr,
			u8 *family, struct netlink_ext_ack *extack)
{
	u8 fam;

	memset(addr, 0, sizeof(*addr));
	if (nla_len(attr) == 4) {
		fam = AF_INET;
		addr->a4 = nla_get_in_addr(attr);
	} else if (nla_len(attr) == 16) {
		fam = AF_INET6;
		addr->a6 = nla_get_in6_addr(attr);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "an address is 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (*family && *family != fam) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "addresses must all be IPv4 or all IPv6");
		return -EINVAL;
	}
	*family = fam;
	return 0;
}

int nfipsec_nl_put_addr(struct sk_buff *skb, int type,
			const union nfipsec_addr *addr, u8 family)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, type, addr->a4);
	return nla_put_in6_addr(skb, type, &addr->a6);
}

void *nfipsec_nl_put_hdr(struct sk_buff *skb, const struct genl_info *info,
			 u8 cmd)
{
	return genlmsg_put(skb, info->snd_portid, info->snd_seq,
			  &nfipsec_genl_family, 0, cmd);
}

/*
 * An event to the events group (GFP_KERNEL in process context): a message
 * with cmd's header, or NULL when no one listens (or no memory: events are
 * best effort, as XFRM's). The caller adds attributes, then sends it (with
 * the same gfp) or frees it.
 */
struct sk_buff *nfipsec_nl_event_start(struct nfipsec_net *nn, u8 cmd,
				       void **hdr, gfp_t gfp)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&nfipsec_genl_family, nn->net,
				NFIPSEC_GRP_EVENTS) &&
	    !(nfipsec_nl_km_cmd(cmd) &&
	      genl_has_listeners(&nfipsec_genl_family, nn->net,
				 NFIPSEC_GRP_KEYMGR)))
		return NULL;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &nfipsec_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void nfipsec_nl_event_send(struct nfipsec_net *nn, struct sk_buff *msg,
			   void *hdr, gfp_t gfp)
{
	genlmsg_end(msg, hdr);
	nfipsec_nl_multicast(nn, msg, gfp);
}

/*
 * Send an ended event on the events group and, for a key manager's event
 * (ACQUIRE, EXPIRE, MAPPING), on the keymgr group too (uapi "Events"): a
 * key manager's socket joins keymgr alone, which table changes, its own
 * included, do not fill. 0 when someone in the namespace got it on either
 * group, unless a key manager's socket was full (-ENOBUFS, reported to
 * sockets with NETLINK_BROADCAST_ERROR); msg is consumed.
 * (genl_has_listeners() sees every namespace's listeners: a group may have
 * some and none here, -ESRCH.)
 */
int nfipsec_nl_multicast(struct nfipsec_net *nn, struct sk_buff *msg,
			 gfp_t gfp)
{
	struct genlmsghdr *ghdr = nlmsg_data(nlmsg_hdr(msg));
	struct sk_buff *copy = NULL;
	bool km;
	int err;

	km = nfipsec_nl_km_cmd(ghdr->cmd) &&
	     genl_has_listeners(&nfipsec_genl_family, nn->net,
				NFIPSEC_GRP_KEYMGR);
	if (!km)
		return genlmsg_multicast_netns(&nfipsec_genl_family, nn->net,
					       msg, 0, NFIPSEC_GRP_EVENTS, gfp);
	if (genl_has_listeners(&nfipsec_genl_family, nn->net,
			       NFIPSEC_GRP_EVENTS))
		copy = skb_clone(msg, gfp);
	err = genlmsg_multicast_netns(&nfipsec_genl_family, nn->net, msg, 0,
				      NFIPSEC_GRP_KEYMGR, gfp);
	/*
	 * -ENOBUFS: a key manager that asked for NETLINK_BROADCAST_ERROR did
	 * not get it (its socket is full): lost, whoever else got a copy.
	 */
	if (copy &&
	    !genlmsg_multicast_netns(&nfipsec_genl_family, nn->net, copy, 0,
				     NFIPSEC_GRP_EVENTS, gfp) &&
	    err != -ENOBUFS)
		err = 0;
	return err;
}

/*
 * A flush (SA_FLUSH, POLICY_FLUSH): nest holds attr = value, if value >= 0,
 * and owner_attr = *owner, if owner.
 */
void nfipsec_nl_flush_event(struct nfipsec_net *nn, u8 cmd, int nest_type,
			    int attr, int value, int owner_attr,
			    const u32 *owner)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = nfipsec_nl_event_start(nn, cmd, &hdr, GFP_KERNEL);
	if (!msg)
		return;
	nest = nla_nest_start(msg, nest_type);
	if (!nest || (value >= 0 && nla_put_u8(msg, attr, value)) ||
	    (owner && nla_put_u32(msg, owner_attr, *owner))) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	nfipsec_nl_event_send(nn, msg, hdr, GFP_KERNEL);
}

static int nfipsec_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = nfipsec_nl_put_hdr(msg, info, NFIPSEC_CMD_GET_INFO);
	if (!hdr)
		goto err_free;

	nest = nla_nest_start(msg, NFIPSEC_A_INFO);
	if (!nest)
		goto err_free;

	mutex_lock(&nn->cfg_lock);
	if (nla_put_string(msg, NFIPSEC_INFO_A_VERSION, NFIPSEC_VERSION) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_ABI, NFIPSEC_GENL_VERSION) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_SA_COUNT, nn->sa_count) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_POLICY_COUNT, nn->policy_count) ||
	    nla_put(msg, NFIPSEC_INFO_A_IKE_PORTS,
		    nn->ike_nports * sizeof(__be16), nn->ike_ports) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_MAX_SAS, nn->max_sas) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_MAX_POLICIES, nn->max_policies) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_LARVAL_COUNT,
			READ_ONCE(nn->larval_count)) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_ACQ_EXPIRES,
			READ_ONCE(nn->acq_expires)) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_FEATURES, NFIPSEC_FEATURES_ALL) ||
	    default_put(msg, nn->default_block)) {
		mutex_unlock(&nn->cfg_lock);
		goto err_free;
	}
	mutex_unlock(&nn->cfg_lock);

	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* The IKE port set of attr into ports[*n]: no 0, no port twice. */
static int ike_ports_parse(const struct nlattr *attr, __be16 *ports,
			   unsigned int *n, struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	if (nla_len(attr) % sizeof(__be16)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "IKE ports are 2 bytes each");
		return -EINVAL;
	}
	*n = nla_len(attr) / sizeof(__be16);
	memcpy(ports, nla_data(attr), nla_len(attr));
	for (i = 0; i < *n; i++) {
		if (!ports[i]) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "IKE port 0");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (ports[j] == ports[i]) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "an IKE port given twice");
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Readers (flow.c) see the old set, then none, then the new one: during
 * the change IKE meets the policies like any packet. Under cfg_lock.
 */
static void ike_ports_set(struct nfipsec_net *nn, const __be16 *ports,
			  unsigned int n)
{
	unsigned int i;

	WRITE_ONCE(nn->ike_nports, 0);
	for (i = 0; i < n; i++)
		WRITE_ONCE(nn->ike_ports[i], ports[i]);
	/* The ports before the count: pairs with flow.c's load-acquire. */
	smp_store_release(&nn->ike_nports, n);
}

static int nfipsec_nl_set_info(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_INFO_A_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *attr, *ms, *mp, *ae;
	__be16 ports[NFIPSEC_IKE_PORTS_MAX];
	bool defaults = false;
	unsigned int n = 0;
	u8 mask;
	int err;

	if (!info->attrs[NFIPSEC_A_INFO]) {
		NL_SET_ERR_MSG(extack, "nothing to set");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, NFIPSEC_INFO_A_MAX, info->attrs[NFIPSEC_A_INFO],
			       nfipsec_info_nl_policy, extack);
	if (err)
		return err;
	attr = tb[NFIPSEC_INFO_A_IKE_PORTS];
	ms = tb[NFIPSEC_INFO_A_MAX_SAS];
	mp = tb[NFIPSEC_INFO_A_MAX_POLICIES];
	ae = tb[NFIPSEC_INFO_A_ACQ_EXPIRES];
	default_parse(tb, 0, &defaults);
	if (!attr && !ms && !mp && !ae && !defaults) {
		NL_SET_ERR_MSG(extack, "nothing to set");
		return -EINVAL;
	}
	if (attr)
		err = ike_ports_parse(attr, ports, &n, extack);
	if (err)
		return err;

	mutex_lock(&nn->cfg_lock);
	/* A container must not lift its own limits. */
	if (((ms && nla_get_u32(ms) > nn->max_sas) ||
	     (mp && nla_get_u32(mp) > nn->max_policies)) &&
	    !netlink_capable(skb, CAP_NET_ADMIN)) {
		mutex_unlock(&nn->cfg_lock);
		NL_SET_ERR_MSG(extack, "raising a limit needs the host's CAP_NET_ADMIN");
		return -EPERM;
	}
	/* A default that blocks needs the hooks, whatever else exists. */
	mask = default_parse(tb, nn->default_block, &defaults);
	if (mask) {
		err = nfipsec_net_hooks_get(nn);
		if (err) {
			mutex_unlock(&nn->cfg_lock);
			NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
			return err;
		}
	}
	if (ms)
		WRITE_ONCE(nn->max_sas, nla_get_u32(ms));
	if (mp)
		WRITE_ONCE(nn->max_policies, nla_get_u32(mp));
	if (ae)
		WRITE_ONCE(nn->acq_expires, nla_get_u32(ae));
	if (attr)
		ike_ports_set(nn, ports, n);
	if (mask != nn->default_block) {
		WRITE_ONCE(nn->default_block, mask);
		nfipsec_offload_policies_changed(nn);
	}
	nfipsec_net_hooks_put(nn);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

static int nfipsec_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = nfipsec_nl_put_hdr(msg, info, NFIPSEC_CMD_GET_STATS);
	if (!hdr || nfipsec_counters_fill(msg, NFIPSEC_A_STATS, nn->stats,
					  NFIPSEC_STAT_MAX)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ACQUIRE's NFIPSEC_A_SA: the SA that t wants, from src to dst. */
static int acquire_put_sa(struct sk_buff *msg, const struct nfipsec_tmpl *t,
			  const union nfipsec_addr *src,
			  const union nfipsec_addr *dst, u32 seq)
{
	int len = t->family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	nest = nla_nest_start(msg, NFIPSEC_A_SA);
	if (!nest ||
	    nla_put_u8(msg, NFIPSEC_SA_A_PROTO, t->proto) ||
	    nla_put(msg, NFIPSEC_SA_A_SRC, len, src) ||
	    nla_put(msg, NFIPSEC_SA_A_DST, len, dst) ||
	    nla_put_u8(msg, NFIPSEC_SA_A_MODE, t->mode) ||
	    nla_put_u32(msg, NFIPSEC_SA_A_REQID, t->reqid) ||
	    nla_put_u32(msg, NFIPSEC_SA_A_KM_SEQ, seq) ||
	    (t->spi && nla_put_be32(msg, NFIPSEC_SA_A_SPI, t->spi)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * ACQUIRE to the events group: a packet matched pol and no SA could carry
 * it; src and dst are the SA's endpoints (nfipsec_tmpl_endpoints()). None
 * while one for the same SA is pending (its larval SA lives), and at most
 * one a second per policy; called under rcu_read_lock().
 */
void nfipsec_acquire(struct nfipsec_net *nn, struct nfipsec_policy *pol,
		     const struct nfipsec_flow *fl,
		     const union nfipsec_addr *src,
		     const union nfipsec_addr *dst)
{
	unsigned long last = READ_ONCE(pol->acquire_time);
	struct nfipsec_policy *p;
	struct nlattr *nest;
	struct sk_buff *msg;
	u32 pos = 0, seq;
	void *hdr;
	int err;

	if (!genl_has_listeners(&nfipsec_genl_family, nn->net,
				NFIPSEC_GRP_KEYMGR) &&
	    !genl_has_listeners(&nfipsec_genl_family, nn->net,
				NFIPSEC_GRP_EVENTS))
		return;
	/* The cheap bound first: the hold-down's lookup walks a bucket. */
	if (last && time_before(jiffies, last + HZ))
		return;
	if (cmpxchg(&pol->acquire_time, last, jiffies ?: 1) != last)
		return;
	if (nfipsec_larval_pending(nn, &pol->tmpl, src, dst))
		return;

	/*
	 * pol's position, counted from the top: under RCU only the forward
	 * links can be followed (nfipsec_policy_pos() walks both ways, under
	 * cfg_lock). It costs what the lookup that found pol cost, at most
	 * once a second per policy, and only while someone listens.
	 */
	list_for_each_entry_rcu(p, &nn->policies, list) {
		if (p == pol)
			break;
		pos++;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto err;
	hdr = genlmsg_put(msg, 0, 0, &nfipsec_genl_family, 0,
			  NFIPSEC_CMD_ACQUIRE);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(msg, NFIPSEC_A_POLICY);
	if (!nest || nfipsec_nl_fill_policy_attrs(msg, pol, pos))
		goto err_free;
	nla_nest_end(msg, nest);
	if (nfipsec_nl_put_flow(msg, NFIPSEC_A_PACKET, fl))
		goto err_free;
	/*
	 * The larval SA (hold-down) for the ACQUIRE's number; as XFRM keeps
	 * its ACQ state only for an ACQUIRE that went out, it goes again if
	 * this one does not.
	 */
	err = nfipsec_larval_acquire(nn, &pol->tmpl, fl, src, dst, pol->owner,
				     &seq);
	if (err == -EEXIST) {
		nlmsg_free(msg);
		return;
	}
	if (err)
		goto err_free;
	if (acquire_put_sa(msg, &pol->tmpl, src, dst, seq)) {
		nfipsec_larval_acquire_lost(nn, seq);
		goto err_free;
	}
	genlmsg_end(msg, hdr);
	if (nfipsec_nl_multicast(nn, msg, GFP_ATOMIC)) {
		nfipsec_larval_acquire_lost(nn, seq);
		goto err;
	}
	nfipsec_stat_inc(nn, NFIPSEC_STAT_ACQUIRE_SENT);
	return;

err_free:
	nlmsg_free(msg);
err:
	nfipsec_stat_inc(nn, NFIPSEC_STAT_ACQUIRE_ERROR);
}

#define NFIPSEC_OP(_cmd, _doit, _pol)			\
	{						\
		.cmd = (_cmd),				\
		.doit = (_doit),			\
		.policy = (_pol),			\
		.maxattr = NFIPSEC_A_MAX,		\
		.flags = GENL_UNS_ADMIN_PERM,		\
	}

static const struct genl_ops nfipsec_genl_ops[] = {
	NFIPSEC_OP(NFIPSEC_CMD_GET_INFO, nfipsec_nl_get_info,
		   nfipsec_no_attrs_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SET_INFO, nfipsec_nl_set_info,
		   nfipsec_set_info_policy),
	NFIPSEC_OP(NFIPSEC_CMD_GET_STATS, nfipsec_nl_get_stats,
		   nfipsec_no_attrs_policy),
	{
		.cmd = NFIPSEC_CMD_SA_GET,
		.doit = nfipsec_nl_sa_get,
		.start = nfipsec_nl_sa_dump_start,
		.dumpit = nfipsec_nl_sa_dump,
		.done = nfipsec_nl_sa_dump_done,
		.policy = nfipsec_cmd_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	NFIPSEC_OP(NFIPSEC_CMD_SA_NEW, nfipsec_nl_sa_new, nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SA_SET, nfipsec_nl_sa_set, nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SA_DEL, nfipsec_nl_sa_del, nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SA_FLUSH, nfipsec_nl_sa_flush,
		   nfipsec_cmd_policy),
	{
		.cmd = NFIPSEC_CMD_POLICY_GET,
		.doit = nfipsec_nl_pol_get,
		.start = nfipsec_nl_pol_dump_start,
		.dumpit = nfipsec_nl_pol_dump,
		.policy = nfipsec_cmd_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_NEW, nfipsec_nl_pol_new,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_SET, nfipsec_nl_pol_set,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_DEL, nfipsec_nl_pol_del,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_FLUSH, nfipsec_nl_pol_flush,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_MOVE, nfipsec_nl_pol_move,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_POLICY_NEW_BULK, nfipsec_nl_pol_new_bulk,
		   nfipsec_bulk_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SA_ALLOC_SPI, nfipsec_nl_sa_alloc_spi,
		   nfipsec_cmd_policy),
	NFIPSEC_OP(NFIPSEC_CMD_SA_MIGRATE, nfipsec_nl_sa_migrate,
		   nfipsec_cmd_policy),
};

/* In the order of enum nfipsec_nl_grp. */
static const struct genl_multicast_group nfipsec_genl_mcgrps[] = {
	[NFIPSEC_GRP_EVENTS] = { .name = NFIPSEC_MCGRP_EVENTS,
				 .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NFIPSEC_GRP_KEYMGR] = { .name = NFIPSEC_MCGRP_KEYMGR,
				 .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family nfipsec_genl_family __ro_after_init = {
	.name = NFIPSEC_GENL_NAME,
	.version = NFIPSEC_GENL_VERSION,
	.netnsok = true,
	/*
	 * Without genl_mutex: every handler takes its namespace's cfg_lock
	 * (or RCU), and an SA's transform, whose allocation may sleep long
	 * (a module to load, a slow engine), is made before the lock. One
	 * namespace's commands never wait for another's.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = nfipsec_genl_ops,
	.n_ops = ARRAY_SIZE(nfipsec_genl_ops),
	.resv_start_op = NFIPSEC_CMD_GET_INFO,
	.mcgrps = nfipsec_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nfipsec_genl_mcgrps),
};

int nfipsec_genl_init(void)
{
	return genl_register_family(&nfipsec_genl_family);
}

void nfipsec_genl_exit(void)
{
	genl_unregister_family(&nfipsec_genl_family);
}
