// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "nfipsec": commands and attribute policies as
 * described in uapi/nfipsec.h. Every operation requires CAP_NET_ADMIN in the
 * user namespace owning the caller's network namespace (GENL_UNS_ADMIN_PERM)
 * and validates its attributes strictly.
 */

#include <linux/in.h>
#include <net/genetlink.h>

#include "nfipsec.h"

static struct genl_family nfipsec_genl_family;

/* Commands that take no attributes: any attribute is refused. */
static const struct nla_policy nfipsec_no_attrs_policy[NFIPSEC_A_MAX + 1] = {
};

static const struct nla_policy nfipsec_sa_filter_policy[NFIPSEC_SA_A_MAX + 1] = {
	[NFIPSEC_SA_A_PROTO] = { .type = NLA_U8 },
	[NFIPSEC_SA_A_SPI] = { .type = NLA_BE32 },
};

static const struct nla_policy nfipsec_sa_get_policy[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_SA] = NLA_POLICY_NESTED(nfipsec_sa_filter_policy),
};

static const struct nla_policy
nfipsec_policy_filter_policy[NFIPSEC_POLICY_A_MAX + 1] = {
	[NFIPSEC_POLICY_A_DIR] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_DIR_MAX),
};

static const struct nla_policy nfipsec_policy_get_policy[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_POLICY] = NLA_POLICY_NESTED(nfipsec_policy_filter_policy),
};

/*
 * Parse an NFIPSEC_A_SA nest used as a dump filter. The nest was already
 * validated against nfipsec_sa_filter_policy when it came through genetlink;
 * parsing it again keeps this function safe on its own (KUnit calls it).
 */
int nfipsec_nl_parse_sa_filter(const struct nlattr *attr,
			       struct nfipsec_sa_filter *filter,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	int err;

	memset(filter, 0, sizeof(*filter));
	if (!attr)
		return 0;

	err = nla_parse_nested(tb, NFIPSEC_SA_A_MAX, attr,
			       nfipsec_sa_filter_policy, extack);
	if (err)
		return err;

	if (tb[NFIPSEC_SA_A_PROTO]) {
		filter->proto = nla_get_u8(tb[NFIPSEC_SA_A_PROTO]);
		if (filter->proto != IPPROTO_ESP && filter->proto != IPPROTO_AH) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_PROTO],
					    "proto must be esp (50) or ah (51)");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_SPI]) {
		filter->has_spi = true;
		filter->spi = nla_get_be32(tb[NFIPSEC_SA_A_SPI]);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_nl_parse_sa_filter);

static void *nfipsec_genl_put(struct sk_buff *skb, const struct genl_info *info,
			      u8 cmd)
{
	return genlmsg_put(skb, info->snd_portid, info->snd_seq,
			   &nfipsec_genl_family, 0, cmd);
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

	hdr = nfipsec_genl_put(msg, info, NFIPSEC_CMD_GET_INFO);
	if (!hdr)
		goto err_free;

	nest = nla_nest_start(msg, NFIPSEC_A_INFO);
	if (!nest)
		goto err_free;

	mutex_lock(&nn->cfg_lock);
	if (nla_put_string(msg, NFIPSEC_INFO_A_VERSION, NFIPSEC_VERSION) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_ABI, NFIPSEC_GENL_VERSION) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_SA_COUNT, nn->sa_count) ||
	    nla_put_u32(msg, NFIPSEC_INFO_A_POLICY_COUNT, nn->policy_count)) {
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

static int nfipsec_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = nfipsec_genl_put(msg, info, NFIPSEC_CMD_GET_STATS);
	if (!hdr || nfipsec_counters_fill(msg, NFIPSEC_A_STATS, nn->stats,
						 NFIPSEC_STAT_MAX)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Dump state kept in cb->ctx between dumpit calls. */
struct nfipsec_sa_dump_ctx {
	struct nfipsec_sa_filter filter;
	unsigned int done;
};

static int nfipsec_nl_sa_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nfipsec_sa_dump_ctx *ctx = (void *)cb->ctx;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	ctx->done = 0;
	return nfipsec_nl_parse_sa_filter(info->attrs[NFIPSEC_A_SA],
					  &ctx->filter, cb->extack);
}

static int nfipsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	/* The SAD holds no SA until SAs can be added: nothing to dump. */
	return 0;
}

struct nfipsec_policy_dump_ctx {
	int dir;	/* -1: any */
	unsigned int done;
};

static int nfipsec_nl_policy_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nfipsec_policy_dump_ctx *ctx = (void *)cb->ctx;
	struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *attr = info->attrs[NFIPSEC_A_POLICY];
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	ctx->dir = -1;
	ctx->done = 0;
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, NFIPSEC_POLICY_A_MAX, attr,
			       nfipsec_policy_filter_policy, cb->extack);
	if (err)
		return err;
	if (tb[NFIPSEC_POLICY_A_DIR])
		ctx->dir = nla_get_u8(tb[NFIPSEC_POLICY_A_DIR]);
	return 0;
}

static int nfipsec_nl_policy_dump(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	/* The SPD holds no policy until policies can be added. */
	return 0;
}

static const struct genl_ops nfipsec_genl_ops[] = {
	{
		.cmd = NFIPSEC_CMD_GET_INFO,
		.doit = nfipsec_nl_get_info,
		.policy = nfipsec_no_attrs_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NFIPSEC_CMD_SA_GET,
		.start = nfipsec_nl_sa_dump_start,
		.dumpit = nfipsec_nl_sa_dump,
		.policy = nfipsec_sa_get_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NFIPSEC_CMD_POLICY_GET,
		.start = nfipsec_nl_policy_dump_start,
		.dumpit = nfipsec_nl_policy_dump,
		.policy = nfipsec_policy_get_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NFIPSEC_CMD_GET_STATS,
		.doit = nfipsec_nl_get_stats,
		.policy = nfipsec_no_attrs_policy,
		.maxattr = NFIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nfipsec_genl_mcgrps[] = {
	{ .name = NFIPSEC_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family nfipsec_genl_family __ro_after_init = {
	.name = NFIPSEC_GENL_NAME,
	.version = NFIPSEC_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = false,
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
