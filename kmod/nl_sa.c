// SPDX-License-Identifier: GPL-2.0
/* Generic netlink commands on SAs: new, set, del, get (do, dump), flush. */

#include <linux/in.h>
#include <linux/slab.h>

#include "larval.h"
#include "lifetime.h"
#include "netlink.h"

static const struct nla_policy nfipsec_alg_nl_policy[NFIPSEC_ALG_A_MAX + 1] = {
	[NFIPSEC_ALG_A_NAME] = { .type = NLA_NUL_STRING, .len = 63 },
	[NFIPSEC_ALG_A_KEY] = { .type = NLA_BINARY, .len = 128 },
	[NFIPSEC_ALG_A_ICV_BITS] = { .type = NLA_U32 },
};

static const struct nla_policy nfipsec_lft_nl_policy[NFIPSEC_LFT_A_MAX + 1] = {
	[NFIPSEC_LFT_A_SOFT_BYTES] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_HARD_BYTES] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_SOFT_PACKETS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_HARD_PACKETS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_SOFT_ADD_SECS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_HARD_ADD_SECS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_SOFT_USE_SECS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_HARD_USE_SECS] = { .type = NLA_U64 },
	[NFIPSEC_LFT_A_PAD] = { .type = NLA_REJECT },
};

/* Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer. */
static struct netlink_range_validation nfipsec_keepalive_range = {
	.max = 86400,
};

static const struct nla_policy nfipsec_encap_nl_policy[NFIPSEC_ENCAP_A_MAX + 1] = {
	[NFIPSEC_ENCAP_A_TYPE] = NLA_POLICY_RANGE(NLA_U16, NFIPSEC_ENCAP_ESPINUDP,
						  NFIPSEC_ENCAP_ESPINUDP),
	[NFIPSEC_ENCAP_A_SPORT] = { .type = NLA_BE16 },
	[NFIPSEC_ENCAP_A_DPORT] = { .type = NLA_BE16 },
	[NFIPSEC_ENCAP_A_OA] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_ENCAP_A_KEEPALIVE] = NLA_POLICY_FULL_RANGE(NLA_U32, &nfipsec_keepalive_range),
	[NFIPSEC_ENCAP_A_FOLLOW] = NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy nfipsec_sa_nl_policy[NFIPSEC_SA_A_MAX + 1] = {
	[NFIPSEC_SA_A_PROTO] = { .type = NLA_U8 },
	[NFIPSEC_SA_A_SPI] = { .type = NLA_BE32 },
	[NFIPSEC_SA_A_SRC] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_SA_A_DST] = { .type = NLA_BINARY, .len = 16 },
	[NFIPSEC_SA_A_MODE] = NLA_POLICY_MAX(NLA_U8, NFIPSEC_MODE_TUNNEL),
	[NFIPSEC_SA_A_REQID] = { .type = NLA_U32 },
	[NFIPSEC_SA_A_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32,
						      NFIPSEC_REPLAY_MAX),
	[NFIPSEC_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, NFIPSEC_SA_F_ALL),
	[NFIPSEC_SA_A_ALG_AEAD] = NLA_POLICY_NESTED(nfipsec_alg_nl_policy),
	[NFIPSEC_SA_A_ALG_CRYPT] = NLA_POLICY_NESTED(nfipsec_alg_nl_policy),
	[NFIPSEC_SA_A_ALG_AUTH] = NLA_POLICY_NESTED(nfipsec_alg_nl_policy),
	[NFIPSEC_SA_A_LIFETIME] = NLA_POLICY_NESTED(nfipsec_lft_nl_policy),
	[NFIPSEC_SA_A_STATS] = { .type = NLA_REJECT },
	[NFIPSEC_SA_A_SEQ_OUT] = { .type = NLA_U64 },
	[NFIPSEC_SA_A_REPLAY_TOP] = { .type = NLA_U64 },
	[NFIPSEC_SA_A_PAD] = { .type = NLA_REJECT },
	[NFIPSEC_SA_A_SET_MARK] = { .type = NLA_U32 },
	[NFIPSEC_SA_A_SET_MARK_MASK] = { .type = NLA_U32 },
	[NFIPSEC_SA_A_CURRENT] = { .type = NLA_REJECT },
	[NFIPSEC_SA_A_SEL] = NLA_POLICY_NESTED(nfipsec_sel_nl_policy),
	[NFIPSEC_SA_A_ENCAP] = NLA_POLICY_NESTED(nfipsec_encap_nl_policy),
	[NFIPSEC_SA_A_KM_SEQ] = { .type = NLA_U32 },
	[NFIPSEC_SA_A_SPI_MIN] = { .type = NLA_BE32 },
	[NFIPSEC_SA_A_SPI_MAX] = { .type = NLA_BE32 },
	[NFIPSEC_SA_A_LARVAL] = { .type = NLA_REJECT },
	[NFIPSEC_SA_A_OWNER] = { .type = NLA_U32 },
};

static const char *const alg_kind_names[] __maybe_unused = {
	[NFIPSEC_ALG_AEAD] = "aead",
	[NFIPSEC_ALG_CRYPT] = "enc",
	[NFIPSEC_ALG_AUTH] = "auth",
};

static int sa_parse_alg(struct nlattr *attr, enum nfipsec_alg_kind kind,
			struct nfipsec_sa_alg *out, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_ALG_A_MAX + 1];
	const char *name;
	int err;

	err = nla_parse_nested(tb, NFIPSEC_ALG_A_MAX, attr,
			       nfipsec_alg_nl_policy, extack);
	if (err)
		return err;
	if (!tb[NFIPSEC_ALG_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "algorithm name missing");
		return -EINVAL;
	}
	name = nla_data(tb[NFIPSEC_ALG_A_NAME]);
	out->alg = nfipsec_alg_find(name, kind);
	if (!out->alg) {
		nfipsec_extack_fmt(extack, "unknown algorithm",
				   "unknown %s algorithm \"%s\"",
				   alg_kind_names[kind], name);
		return -ENOENT;
	}
	if (tb[NFIPSEC_ALG_A_KEY]) {
		out->key_len = nla_len(tb[NFIPSEC_ALG_A_KEY]);
		nla_memcpy(out->key, tb[NFIPSEC_ALG_A_KEY], sizeof(out->key));
	}
	if (tb[NFIPSEC_ALG_A_ICV_BITS]) {
		out->icv_bits = nla_get_u32(tb[NFIPSEC_ALG_A_ICV_BITS]);
		if (kind == NFIPSEC_ALG_CRYPT) {
			NL_SET_ERR_MSG(extack, "an encryption algorithm has no ICV length");
			return -EINVAL;
		}
	}
	return nfipsec_alg_check(out->alg, out->key_len, out->icv_bits, extack);
}

static void sa_parse_lifetime(struct nlattr *attr, struct nfipsec_lifetime *l)
{
	struct nlattr *tb[NFIPSEC_LFT_A_MAX + 1];
	u64 *v[NFIPSEC_LFT_A_MAX + 1] = {
		[NFIPSEC_LFT_A_SOFT_BYTES] = &l->soft_bytes,
		[NFIPSEC_LFT_A_HARD_BYTES] = &l->hard_bytes,
		[NFIPSEC_LFT_A_SOFT_PACKETS] = &l->soft_packets,
		[NFIPSEC_LFT_A_HARD_PACKETS] = &l->hard_packets,
		[NFIPSEC_LFT_A_SOFT_ADD_SECS] = &l->soft_add,
		[NFIPSEC_LFT_A_HARD_ADD_SECS] = &l->hard_add,
		[NFIPSEC_LFT_A_SOFT_USE_SECS] = &l->soft_use,
		[NFIPSEC_LFT_A_HARD_USE_SECS] = &l->hard_use,
	};
	int i;

	/* Validated with the command's policy already. */
	if (nla_parse_nested(tb, NFIPSEC_LFT_A_MAX, attr, nfipsec_lft_nl_policy,
			     NULL))
		return;
	for (i = 1; i <= NFIPSEC_LFT_A_MAX; i++)
		if (tb[i] && v[i])
			*v[i] = nla_get_u64(tb[i]);
}

/* The identity of an SA: dst, spi, proto; all three required. */
static int sa_parse_id(struct nlattr **tb, struct nlattr *nest,
		       struct nfipsec_sa_cfg *cfg, struct netlink_ext_ack *extack)
{
	if (!tb[NFIPSEC_SA_A_DST] || !tb[NFIPSEC_SA_A_SPI] ||
	    !tb[NFIPSEC_SA_A_PROTO]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "an SA needs dst, spi and proto");
		return -EINVAL;
	}
	cfg->proto = nla_get_u8(tb[NFIPSEC_SA_A_PROTO]);
	if (cfg->proto != IPPROTO_ESP && cfg->proto != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_PROTO],
				    "proto must be esp (50) or ah (51)");
		return -EINVAL;
	}
	cfg->spi = nla_get_be32(tb[NFIPSEC_SA_A_SPI]);
	return nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_DST], &cfg->dst, &cfg->family,
				   extack);
}

static int sa_parse_attrs(struct genl_info *info, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *nest = info->attrs[NFIPSEC_A_SA];

	if (!nest) {
		NL_SET_ERR_MSG(extack, "NFIPSEC_A_SA missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, NFIPSEC_SA_A_MAX, nest, nfipsec_sa_nl_policy,
				extack);
}

/*
 * SA_DEL, SA_GET's do: the identity, and no OWNER (uapi "Owners": it
 * selects only in a flush and a dump; refused rather than ignored, as a
 * caller might take it for a condition).
 */
static int sa_parse_id_only(struct genl_info *info, struct nlattr **tb,
			    struct nfipsec_sa_cfg *id)
{
	int err = sa_parse_attrs(info, tb, info->extack);

	if (err)
		return err;
	if (tb[NFIPSEC_SA_A_OWNER]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_OWNER],
				    "owner selects only in flush and dump");
		return -EINVAL;
	}
	return sa_parse_id(tb, info->attrs[NFIPSEC_A_SA], id, info->extack);
}

/* NAT-T: type, both ports (not 0), and the original address, optional. */
static int sa_parse_encap(struct nlattr *attr, struct nfipsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_ENCAP_A_MAX + 1];
	u8 family = cfg->family;
	int err;

	err = nla_parse_nested(tb, NFIPSEC_ENCAP_A_MAX, attr,
			       nfipsec_encap_nl_policy, extack);
	if (err)
		return err;
	if (!tb[NFIPSEC_ENCAP_A_TYPE] || !tb[NFIPSEC_ENCAP_A_SPORT] ||
	    !tb[NFIPSEC_ENCAP_A_DPORT]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "encap needs type, sport and dport");
		return -EINVAL;
	}
	cfg->encap_type = nla_get_u16(tb[NFIPSEC_ENCAP_A_TYPE]);
	cfg->encap_sport = nla_get_be16(tb[NFIPSEC_ENCAP_A_SPORT]);
	cfg->encap_dport = nla_get_be16(tb[NFIPSEC_ENCAP_A_DPORT]);
	if (!cfg->encap_sport || !cfg->encap_dport) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "encap ports cannot be 0");
		return -EINVAL;
	}
	if (tb[NFIPSEC_ENCAP_A_FOLLOW]) {
		cfg->has_follow = true;
		cfg->encap_follow = nla_get_u8(tb[NFIPSEC_ENCAP_A_FOLLOW]);
	}
	if (tb[NFIPSEC_ENCAP_A_KEEPALIVE]) {
		cfg->has_keepalive = true;
		cfg->nat_keepalive = nla_get_u32(tb[NFIPSEC_ENCAP_A_KEEPALIVE]);
	}
	/* Of the SA's family (0.0.0.0 or :: when unknown, as strongSwan). */
	if (tb[NFIPSEC_ENCAP_A_OA])
		return nfipsec_nl_get_addr(tb[NFIPSEC_ENCAP_A_OA],
					   &cfg->encap_oa, &family, extack);
	return 0;
}

/* AH: an authentication algorithm alone, and no NAT traversal. */
static int sa_check_ah(const struct nfipsec_sa_cfg *cfg, struct nlattr **tb,
		       struct netlink_ext_ack *extack)
{
	const struct nfipsec_alg *auth = cfg->algs[NFIPSEC_ALG_AUTH].alg;

	if (cfg->algs[NFIPSEC_ALG_AEAD].alg || cfg->algs[NFIPSEC_ALG_CRYPT].alg) {
		NL_SET_ERR_MSG(extack, "AH takes auth or auth-trunc only");
		return -EINVAL;
	}
	if (!auth || !strcmp(auth->name, "digest_null")) {
		NL_SET_ERR_MSG(extack, "AH needs auth or auth-trunc");
		return -EINVAL;
	}
	if (cfg->encap_type) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_ENCAP],
				    "AH cannot cross a NAT: no encap");
		return -EINVAL;
	}
	return 0;
}

/*
 * FOLLOW moves SAs on what the UDP header says: only for a packet that
 * the ICV authenticated, and only the SAs of the same reqid.
 */
static int sa_check_follow(const struct nfipsec_sa_cfg *cfg,
			   struct nlattr **tb, struct netlink_ext_ack *extack)
{
	const struct nfipsec_alg *auth = cfg->algs[NFIPSEC_ALG_AUTH].alg;

	if (!cfg->encap_follow)
		return 0;
	if (!cfg->reqid) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_ENCAP],
				    "follow-mapping needs a reqid (it moves the SAs of that reqid)");
		return -EINVAL;
	}
	if (!cfg->replay_window) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_ENCAP],
				    "follow-mapping needs a replay-window (a replayed packet must not move it)");
		return -EINVAL;
	}
	if (!cfg->algs[NFIPSEC_ALG_AEAD].alg &&
	    (!auth || !strcmp(auth->name, "digest_null"))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_ENCAP],
				    "follow-mapping needs an ICV (aead or auth)");
		return -EINVAL;
	}
	return 0;
}

static int sa_parse_cfg(struct genl_info *info, struct nfipsec_sa_cfg *cfg,
			bool update)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	static const int alg_attr[] = {
		[NFIPSEC_ALG_AEAD] = NFIPSEC_SA_A_ALG_AEAD,
		[NFIPSEC_ALG_CRYPT] = NFIPSEC_SA_A_ALG_CRYPT,
		[NFIPSEC_ALG_AUTH] = NFIPSEC_SA_A_ALG_AUTH,
	};
	int err, k;

	memset(cfg, 0, sizeof(*cfg));
	err = sa_parse_attrs(info, tb, extack);
	if (err)
		return err;
	err = sa_parse_id(tb, info->attrs[NFIPSEC_A_SA], cfg, extack);
	if (err)
		return err;
	if (tb[NFIPSEC_SA_A_SPI_MIN] || tb[NFIPSEC_SA_A_SPI_MAX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_SPI_MIN] ?:
				    tb[NFIPSEC_SA_A_SPI_MAX],
				    "an SPI range is for allocspi only");
		return -EINVAL;
	}
	if (!tb[NFIPSEC_SA_A_SRC]) {
		NL_SET_ERR_MSG(extack, "an SA needs src");
		return -EINVAL;
	}
	err = nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_SRC], &cfg->src, &cfg->family,
				  extack);
	if (err)
		return err;

	cfg->mode = tb[NFIPSEC_SA_A_MODE] ?
		    nla_get_u8(tb[NFIPSEC_SA_A_MODE]) : NFIPSEC_MODE_TRANSPORT;
	if (tb[NFIPSEC_SA_A_ENCAP]) {
		err = sa_parse_encap(tb[NFIPSEC_SA_A_ENCAP], cfg, extack);
		if (err)
			return err;
	}
	if (tb[NFIPSEC_SA_A_SEL]) {
		err = nfipsec_nl_parse_sel(tb[NFIPSEC_SA_A_SEL], &cfg->sel,
					   extack);
		if (err)
			return err;
		/* Only a tunnel may carry the other family, as in XFRM. */
		if (cfg->mode == NFIPSEC_MODE_TRANSPORT &&
		    cfg->sel.family != cfg->family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_SEL],
					    "a transport SA's selector must be of its family");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_REQID])
		cfg->reqid = nla_get_u32(tb[NFIPSEC_SA_A_REQID]);
	/* uapi "Owners": SA_NEW's, 0 when absent; SA_SET's when given. */
	if (tb[NFIPSEC_SA_A_OWNER]) {
		cfg->has_owner = true;
		cfg->owner = nla_get_u32(tb[NFIPSEC_SA_A_OWNER]);
	}
	/* Kept by SA_NEW; an update keeps the SA's own (as XFRM's). */
	if (tb[NFIPSEC_SA_A_KM_SEQ])
		cfg->km_seq = nla_get_u32(tb[NFIPSEC_SA_A_KM_SEQ]);
	if (tb[NFIPSEC_SA_A_REPLAY_WINDOW])
		cfg->replay_window = nla_get_u32(tb[NFIPSEC_SA_A_REPLAY_WINDOW]);
	if (tb[NFIPSEC_SA_A_FLAGS])
		cfg->flags = nla_get_u32(tb[NFIPSEC_SA_A_FLAGS]);
	if ((cfg->flags & NFIPSEC_SA_F_ESN) && !cfg->replay_window) {
		NL_SET_ERR_MSG(extack, "flag esn needs a replay-window");
		return -EINVAL;
	}
	/* An update refuses them, unless it turns a larval SA into an SA. */
	if (tb[NFIPSEC_SA_A_SEQ_OUT]) {
		cfg->has_seq_out = true;
		cfg->seq_out = nla_get_u64(tb[NFIPSEC_SA_A_SEQ_OUT]);
		if (!(cfg->flags & NFIPSEC_SA_F_ESN) && cfg->seq_out > U32_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_SEQ_OUT],
					    "replay-oseq-hi needs flag esn");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_REPLAY_TOP]) {
		cfg->has_replay_top = true;
		cfg->replay_top = nla_get_u64(tb[NFIPSEC_SA_A_REPLAY_TOP]);
		if (!(cfg->flags & NFIPSEC_SA_F_ESN) &&
		    cfg->replay_top > U32_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_REPLAY_TOP],
					    "replay-seq-hi needs flag esn");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_LIFETIME])
		sa_parse_lifetime(tb[NFIPSEC_SA_A_LIFETIME], &cfg->lft);
	if (tb[NFIPSEC_SA_A_SET_MARK]) {
		/* As XFRM: without a mask, the whole mark. */
		cfg->smark = nla_get_u32(tb[NFIPSEC_SA_A_SET_MARK]);
		cfg->smask = tb[NFIPSEC_SA_A_SET_MARK_MASK] ?
			     nla_get_u32(tb[NFIPSEC_SA_A_SET_MARK_MASK]) :
			     0xffffffff;
		cfg->smark &= cfg->smask;
	} else if (tb[NFIPSEC_SA_A_SET_MARK_MASK]) {
		NL_SET_ERR_MSG(extack, "a mark mask needs a mark");
		return -EINVAL;
	}

	for (k = 0; k < ARRAY_SIZE(alg_attr); k++) {
		if (!tb[alg_attr[k]])
			continue;
		err = sa_parse_alg(tb[alg_attr[k]], k, &cfg->algs[k], extack);
		if (err)
			return err;
	}
	if (cfg->algs[NFIPSEC_ALG_AEAD].alg &&
	    (cfg->algs[NFIPSEC_ALG_CRYPT].alg || cfg->algs[NFIPSEC_ALG_AUTH].alg)) {
		NL_SET_ERR_MSG(extack, "aead cannot be combined with enc or auth");
		return -EINVAL;
	}
	if (cfg->proto == IPPROTO_AH)
		return sa_check_ah(cfg, tb, extack);
	if (!cfg->algs[NFIPSEC_ALG_AEAD].alg &&
	    !cfg->algs[NFIPSEC_ALG_CRYPT].alg && !cfg->algs[NFIPSEC_ALG_AUTH].alg) {
		NL_SET_ERR_MSG(extack, "ESP needs aead, enc or auth");
		return -EINVAL;
	}
	if (cfg->flags & NFIPSEC_SA_F_ALIGN8) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_FLAGS],
				    "flag align8 is for AH");
		return -EINVAL;
	}
	return sa_check_follow(cfg, tb, extack);
}

static int sa_add(struct genl_info *info, bool replace)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nfipsec_sa_cfg *cfg;
	int err;

	/* Keys are in there: zeroed when freed. */
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	err = sa_parse_cfg(info, cfg, replace);
	if (!err)
		err = nfipsec_sa_add(nn, cfg, replace, info->extack);
	kfree_sensitive(cfg);
	return err;
}

int nfipsec_nl_sa_new(struct sk_buff *skb, struct genl_info *info)
{
	return sa_add(info, false);
}

int nfipsec_nl_sa_set(struct sk_buff *skb, struct genl_info *info)
{
	return sa_add(info, true);
}

static int sa_put_alg(struct sk_buff *skb, int type,
		      const struct nfipsec_sa_alg *a, bool keys)
{
	struct nlattr *nest;

	if (!a->alg)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest || nla_put_string(skb, NFIPSEC_ALG_A_NAME, a->alg->name) ||
	    (keys && nla_put(skb, NFIPSEC_ALG_A_KEY, a->key_len, a->key)) ||
	    (a->alg->kind != NFIPSEC_ALG_CRYPT &&
	     nla_put_u32(skb, NFIPSEC_ALG_A_ICV_BITS,
			 a->icv_bits ?: a->alg->icv_default)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sa_put_lifetime(struct sk_buff *skb, const struct nfipsec_lifetime *l)
{
	const u64 v[] = {
		0, l->soft_bytes, l->hard_bytes, l->soft_packets,
		l->hard_packets, l->soft_add, l->hard_add, l->soft_use,
		l->hard_use,
	};
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(v) != NFIPSEC_LFT_A_PAD);
	nest = nla_nest_start(skb, NFIPSEC_SA_A_LIFETIME);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < ARRAY_SIZE(v); i++)
		if (v[i] && nla_put_u64_64bit(skb, i, v[i], NFIPSEC_LFT_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Where the SA's lifetime stands: NFIPSEC_SA_A_CURRENT. */
static int sa_put_current(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	u64 use = atomic64_read(&sa->use_ns), last = atomic64_read(&sa->last_ns);
	struct nlattr *nest;

	nest = nla_nest_start(skb, NFIPSEC_SA_A_CURRENT);
	if (!nest ||
	    nla_put_u64_64bit(skb, NFIPSEC_CUR_A_ADD_TIME,
			      nfipsec_lft_wall(sa->add_ns), NFIPSEC_CUR_A_PAD) ||
	    (use && nla_put_u64_64bit(skb, NFIPSEC_CUR_A_USE_TIME,
				      nfipsec_lft_wall(use),
				      NFIPSEC_CUR_A_PAD)) ||
	    (last && nla_put_u64_64bit(skb, NFIPSEC_CUR_A_LAST_USE,
				       nfipsec_lft_wall(last),
				       NFIPSEC_CUR_A_PAD)) ||
	    (READ_ONCE(sa->counted) &&
	     (nla_put_u64_64bit(skb, NFIPSEC_CUR_A_BYTES,
				atomic64_read(&sa->lft_bytes),
				NFIPSEC_CUR_A_PAD) ||
	      nla_put_u64_64bit(skb, NFIPSEC_CUR_A_PACKETS,
				atomic64_read(&sa->lft_packets),
				NFIPSEC_CUR_A_PAD))) ||
	    (READ_ONCE(sa->dying) && nla_put_flag(skb, NFIPSEC_CUR_A_DYING)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sa_put_encap(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct nlattr *nest;

	if (!sa->encap_type)
		return 0;
	nest = nla_nest_start(skb, NFIPSEC_SA_A_ENCAP);
	if (!nest || nla_put_u16(skb, NFIPSEC_ENCAP_A_TYPE, sa->encap_type) ||
	    nla_put_be16(skb, NFIPSEC_ENCAP_A_SPORT, READ_ONCE(sa->encap_sport)) ||
	    nla_put_be16(skb, NFIPSEC_ENCAP_A_DPORT, READ_ONCE(sa->encap_dport)) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_ENCAP_A_OA, &sa->encap_oa,
				sa->family) ||
	    (READ_ONCE(sa->nat_keepalive) &&
	     nla_put_u32(skb, NFIPSEC_ENCAP_A_KEEPALIVE,
			 READ_ONCE(sa->nat_keepalive))) ||
	    (READ_ONCE(sa->encap_follow) &&
	     nla_put_u8(skb, NFIPSEC_ENCAP_A_FOLLOW, 1)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* NFIPSEC_A_SA: everything about the SA, the keys only when asked. */
static int sa_put_attrs(struct sk_buff *skb, struct nfipsec_sa *sa, bool keys)
{
	struct nlattr *nest;
	u64 replay_top;

	nest = nla_nest_start(skb, NFIPSEC_A_SA);
	if (!nest)
		return -EMSGSIZE;
	spin_lock_bh(&sa->lock);
	replay_top = sa->replay.top;
	spin_unlock_bh(&sa->lock);
	if (nla_put_u8(skb, NFIPSEC_SA_A_PROTO, sa->proto) ||
	    nla_put_be32(skb, NFIPSEC_SA_A_SPI, sa->spi) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SA_A_SRC, &sa->src, sa->family) ||
	    nfipsec_nl_put_addr(skb, NFIPSEC_SA_A_DST, &sa->dst, sa->family) ||
	    nla_put_u8(skb, NFIPSEC_SA_A_MODE, sa->mode) ||
	    (sa->sel.family &&
	     nfipsec_nl_put_sel(skb, NFIPSEC_SA_A_SEL, &sa->sel)) ||
	    sa_put_encap(skb, sa) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_REQID, sa->reqid) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_KM_SEQ, sa->km_seq) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_REPLAY_WINDOW, sa->replay.window) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_FLAGS, sa->flags) ||
	    nla_put_u32(skb, NFIPSEC_SA_A_OWNER, READ_ONCE(sa->owner)) ||
	    (sa->smask &&
	     (nla_put_u32(skb, NFIPSEC_SA_A_SET_MARK, sa->smark) ||
	      nla_put_u32(skb, NFIPSEC_SA_A_SET_MARK_MASK, sa->smask))) ||
	    sa_put_alg(skb, NFIPSEC_SA_A_ALG_AEAD,
		       &sa->algs[NFIPSEC_ALG_AEAD], keys) ||
	    sa_put_alg(skb, NFIPSEC_SA_A_ALG_CRYPT,
		       &sa->algs[NFIPSEC_ALG_CRYPT], keys) ||
	    sa_put_alg(skb, NFIPSEC_SA_A_ALG_AUTH,
		       &sa->algs[NFIPSEC_ALG_AUTH], keys) ||
	    sa_put_lifetime(skb, &sa->lft) ||
	    sa_put_current(skb, sa) ||
	    nfipsec_counters_fill(skb, NFIPSEC_SA_A_STATS, sa->stats,
				  NFIPSEC_SA_STAT_MAX) ||
	    nla_put_u64_64bit(skb, NFIPSEC_SA_A_SEQ_OUT,
			      atomic64_read(&sa->seq_out), NFIPSEC_SA_A_PAD) ||
	    nla_put_u64_64bit(skb, NFIPSEC_SA_A_REPLAY_TOP, replay_top,
			      NFIPSEC_SA_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sa_fill(struct sk_buff *skb, struct nfipsec_sa *sa, bool keys,
		   u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfipsec_genl_family, flags,
			  NFIPSEC_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (sa_put_attrs(skb, sa, keys)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* EXPIRE's NFIPSEC_A_EXPIRE: hard or soft, the limit that fired. */
int nfipsec_nl_put_expire(struct sk_buff *msg, bool hard, u8 limit)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, NFIPSEC_A_EXPIRE);
	if (!nest || nla_put_u8(msg, NFIPSEC_EXPIRE_A_HARD, hard) ||
	    nla_put_u8(msg, NFIPSEC_EXPIRE_A_LIMIT, limit))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * EXPIRE to the events group: sa reached a soft or hard limit (lifetime.c,
 * under cfg_lock, in process context).
 */
void nfipsec_nl_expire(struct nfipsec_net *nn, struct nfipsec_sa *sa,
		       bool hard, u8 limit)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nfipsec_nl_event_start(nn, NFIPSEC_CMD_EXPIRE, &hdr, GFP_KERNEL);
	if (!msg)
		return;
	if (sa_put_attrs(msg, sa, false) ||
	    nfipsec_nl_put_expire(msg, hard, limit))
		goto err;
	nfipsec_nl_event_send(nn, msg, hdr, GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

/*
 * MAPPING: an authenticated packet of sa came from src, sport (input.c),
 * in softirq. At most one a second per SA, as ACQUIRE per policy.
 */
void nfipsec_nl_mapping(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			const union nfipsec_addr *src, __be16 sport)
{
	unsigned long last = READ_ONCE(sa->mapping_time);
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (last && time_before(jiffies, last + HZ))
		return;
	if (cmpxchg(&sa->mapping_time, last, jiffies ?: 1) != last)
		return;
	msg = nfipsec_nl_event_start(nn, NFIPSEC_CMD_MAPPING, &hdr,
				     GFP_ATOMIC);
	if (!msg)
		return;
	if (sa_put_attrs(msg, sa, false))
		goto err;
	nest = nla_nest_start(msg, NFIPSEC_A_MAPPING);
	if (!nest ||
	    nfipsec_nl_put_addr(msg, NFIPSEC_MAPPING_A_SRC, src, sa->family) ||
	    nla_put_be16(msg, NFIPSEC_MAPPING_A_SPORT, sport))
		goto err;
	nla_nest_end(msg, nest);
	nfipsec_nl_event_send(nn, msg, hdr, GFP_ATOMIC);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_MAPPING);
	return;
err:
	nlmsg_free(msg);
}

/*
 * SA_NEW, SA_SET, SA_DEL to the events group: the SA as it is, or as it
 * was before its removal (under cfg_lock, so in the tables' order).
 */
void nfipsec_nl_sa_event(struct nfipsec_net *nn, u8 cmd, struct nfipsec_sa *sa)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&nn->cfg_lock);
	msg = nfipsec_nl_event_start(nn, cmd, &hdr, GFP_KERNEL);
	if (!msg)
		return;
	if (sa_put_attrs(msg, sa, false)) {
		nlmsg_free(msg);
		return;
	}
	nfipsec_nl_event_send(nn, msg, hdr, GFP_KERNEL);
}

/* A reply of one larval SA (SA_GET, SA_ALLOC_SPI). */
static int larval_fill(struct sk_buff *msg, const struct nfipsec_larval *l,
		       struct genl_info *info)
{
	void *hdr;

	hdr = nfipsec_nl_put_hdr(msg, info, NFIPSEC_CMD_SA_GET);
	if (!hdr || nfipsec_larval_put_attrs(msg, l))
		return -EMSGSIZE;
	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * SA_ALLOC_SPI (uapi): PROTO, SRC, DST, and optionally MODE, REQID,
 * KM_SEQ, SPI_MIN, SPI_MAX and OWNER; nothing else.
 */
int nfipsec_nl_sa_alloc_spi(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	struct nfipsec_larval larval[1];
	struct nfipsec_sa_cfg cfg = {};
	u32 min = 0x100, max = 0x0fffffff;
	struct sk_buff *msg;
	u8 family;
	int err, i;

	err = sa_parse_attrs(info, tb, extack);
	if (err)
		return err;
	for (i = 1; i <= NFIPSEC_SA_A_MAX; i++) {
		switch (i) {
		case NFIPSEC_SA_A_PROTO: case NFIPSEC_SA_A_SRC:
		case NFIPSEC_SA_A_DST: case NFIPSEC_SA_A_MODE:
		case NFIPSEC_SA_A_REQID: case NFIPSEC_SA_A_KM_SEQ:
		case NFIPSEC_SA_A_SPI_MIN: case NFIPSEC_SA_A_SPI_MAX:
		case NFIPSEC_SA_A_OWNER:
			continue;
		}
		if (tb[i]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "allocspi takes proto, src, dst, mode, reqid, seq, min, max and owner only");
			return -EINVAL;
		}
	}
	if (!tb[NFIPSEC_SA_A_PROTO] || !tb[NFIPSEC_SA_A_SRC] ||
	    !tb[NFIPSEC_SA_A_DST]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NFIPSEC_A_SA],
				    "allocspi needs proto, src and dst");
		return -EINVAL;
	}
	cfg.proto = nla_get_u8(tb[NFIPSEC_SA_A_PROTO]);
	if (cfg.proto != IPPROTO_ESP && cfg.proto != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_PROTO],
				    "proto must be esp (50) or ah (51)");
		return -EINVAL;
	}
	err = nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_SRC], &cfg.src, &family,
				  extack);
	if (!err)
		err = nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_DST], &cfg.dst,
					  &cfg.family, extack);
	if (err)
		return err;
	if (family != cfg.family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_DST],
				    "src and dst must be of one family");
		return -EINVAL;
	}
	if (!!tb[NFIPSEC_SA_A_SPI_MIN] != !!tb[NFIPSEC_SA_A_SPI_MAX]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NFIPSEC_A_SA],
				    "an SPI range needs both min and max");
		return -EINVAL;
	}
	if (tb[NFIPSEC_SA_A_SPI_MIN]) {
		min = ntohl(nla_get_be32(tb[NFIPSEC_SA_A_SPI_MIN]));
		max = ntohl(nla_get_be32(tb[NFIPSEC_SA_A_SPI_MAX]));
		if (min > max) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFIPSEC_SA_A_SPI_MIN],
					    "Invalid SPI range: min > max");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_MODE])
		cfg.mode = nla_get_u8(tb[NFIPSEC_SA_A_MODE]);
	if (tb[NFIPSEC_SA_A_REQID])
		cfg.reqid = nla_get_u32(tb[NFIPSEC_SA_A_REQID]);
	if (tb[NFIPSEC_SA_A_KM_SEQ])
		cfg.km_seq = nla_get_u32(tb[NFIPSEC_SA_A_KM_SEQ]);
	/* uapi "Owners": a new larval SA's (0 when absent); given, it replaces. */
	if (tb[NFIPSEC_SA_A_OWNER]) {
		cfg.has_owner = true;
		cfg.owner = nla_get_u32(tb[NFIPSEC_SA_A_OWNER]);
	}

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nn->cfg_lock);
	err = nfipsec_larval_alloc_spi(nn, &cfg, min, max, larval, extack);
	mutex_unlock(&nn->cfg_lock);
	if (!err)
		err = larval_fill(msg, larval, info);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int nfipsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	struct nfipsec_sa_cfg id = {};
	struct nfipsec_sa *sa;
	int err;

	err = sa_parse_id_only(info, tb, &id);
	if (err)
		return err;
	mutex_lock(&nn->cfg_lock);
	sa = nfipsec_sa_lookup(nn, id.family, &id.dst, id.spi, id.proto);
	if (sa) {
		nfipsec_nl_sa_event(nn, NFIPSEC_CMD_SA_DEL, sa);
		nfipsec_sa_unlink(nn, sa);
		nfipsec_net_hooks_put(nn);
	} else if (nfipsec_larval_remove(nn, id.family, &id.dst, id.spi,
					 id.proto, true)) {
		err = 0;
	} else {
		NL_SET_ERR_MSG(info->extack, "no SA with this dst, spi and proto");
		err = -ENOENT;
	}
	mutex_unlock(&nn->cfg_lock);
	return err;
}

int nfipsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	struct nfipsec_larval larval[1];
	struct nfipsec_sa_cfg id = {};
	struct nfipsec_sa *sa;
	struct sk_buff *msg;
	int err;

	err = sa_parse_id_only(info, tb, &id);
	if (err)
		return err;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nn->cfg_lock);
	sa = nfipsec_sa_lookup(nn, id.family, &id.dst, id.spi, id.proto);
	if (sa) {
		err = sa_fill(msg, sa, info->attrs[NFIPSEC_A_SHOW_KEYS],
			      info->snd_portid, info->snd_seq, 0);
	} else if (nfipsec_larval_find(nn, id.family, &id.dst, id.spi,
				       id.proto, larval)) {
		err = larval_fill(msg, larval, info);
	} else {
		NL_SET_ERR_MSG(info->extack, "no SA with this dst, spi and proto");
		err = -ENOENT;
	}
	mutex_unlock(&nn->cfg_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * SA_FLUSH: PROTO and OWNER (uapi "Owners") limit it, nothing else is
 * taken; the larval SAs go with the SAs, by the same limits.
 */
int nfipsec_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	u32 owner, *by_owner = NULL;
	u8 proto = 0;
	int err, i;

	if (info->attrs[NFIPSEC_A_SA]) {
		err = sa_parse_attrs(info, tb, info->extack);
		if (err)
			return err;
		for (i = 1; i <= NFIPSEC_SA_A_MAX; i++) {
			if (tb[i] && i != NFIPSEC_SA_A_PROTO &&
			    i != NFIPSEC_SA_A_OWNER) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
						    "a flush takes proto and owner only");
				return -EINVAL;
			}
		}
		if (tb[NFIPSEC_SA_A_PROTO])
			proto = nla_get_u8(tb[NFIPSEC_SA_A_PROTO]);
		if (tb[NFIPSEC_SA_A_OWNER]) {
			owner = nla_get_u32(tb[NFIPSEC_SA_A_OWNER]);
			by_owner = &owner;
		}
	}
	mutex_lock(&nn->cfg_lock);
	nfipsec_sa_flush(nn, proto, by_owner);
	nfipsec_larval_flush(nn, proto, by_owner);
	nfipsec_net_hooks_put(nn);
	nfipsec_nl_flush_event(nn, NFIPSEC_CMD_SA_FLUSH, NFIPSEC_A_SA,
			       NFIPSEC_SA_A_PROTO, proto ?: -1,
			       NFIPSEC_SA_A_OWNER, by_owner);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

/*
 * Parse an NFIPSEC_A_SA nest used as a dump filter: proto, spi, src, dst.
 * The nest was validated when it came through genetlink; parsing it again
 * keeps this function safe on its own (KUnit calls it).
 */
int nfipsec_nl_parse_sa_filter(const struct nlattr *attr,
			       struct nfipsec_sa_filter *filter,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	union nfipsec_addr addr;
	int err, i;

	memset(filter, 0, sizeof(*filter));
	if (!attr)
		return 0;

	err = nla_parse_nested(tb, NFIPSEC_SA_A_MAX, attr,
			       nfipsec_sa_nl_policy, extack);
	if (err)
		return err;
	for (i = 1; i <= NFIPSEC_SA_A_MAX; i++) {
		if (tb[i] && i != NFIPSEC_SA_A_PROTO && i != NFIPSEC_SA_A_SPI &&
		    i != NFIPSEC_SA_A_SRC && i != NFIPSEC_SA_A_DST &&
		    i != NFIPSEC_SA_A_OWNER) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "only proto, spi, src, dst and owner select SAs");
			return -EINVAL;
		}
	}
	if (tb[NFIPSEC_SA_A_OWNER]) {
		filter->has_owner = true;
		filter->owner = nla_get_u32(tb[NFIPSEC_SA_A_OWNER]);
	}

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
	if (tb[NFIPSEC_SA_A_SRC]) {
		err = nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_SRC], &addr,
					  &filter->src_family, extack);
		if (err)
			return err;
		memcpy(&filter->src, &addr, sizeof(filter->src));
	}
	if (tb[NFIPSEC_SA_A_DST]) {
		err = nfipsec_nl_get_addr(tb[NFIPSEC_SA_A_DST], &addr,
					  &filter->dst_family, extack);
		if (err)
			return err;
		memcpy(&filter->dst, &addr, sizeof(filter->dst));
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_nl_parse_sa_filter);

static bool sa_filter_match(const struct nfipsec_sa_filter *f,
			    const struct nfipsec_sa *sa)
{
	if (f->proto && f->proto != sa->proto)
		return false;
	if (f->has_spi && f->spi != sa->spi)
		return false;
	if (f->has_owner && f->owner != sa->owner)
		return false;
	if (f->src_family && (f->src_family != sa->family ||
			      !nfipsec_addr_equal((void *)&f->src, &sa->src,
						  sa->family)))
		return false;
	if (f->dst_family && (f->dst_family != sa->family ||
			      !nfipsec_addr_equal((void *)&f->dst, &sa->dst,
						  sa->family)))
		return false;
	return true;
}

/* Dump state kept in cb->ctx between dumpit calls. */
struct nfipsec_sa_dump_ctx {
	struct nfipsec_sa_filter *filter;
	unsigned int done;
	bool keys;
};

int nfipsec_nl_sa_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = nfipsec_dump_attrs(cb);
	struct nfipsec_sa_dump_ctx *ctx = (void *)cb->ctx;
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	ctx->done = 0;
	ctx->keys = attrs[NFIPSEC_A_SHOW_KEYS];
	ctx->filter = kmalloc(sizeof(*ctx->filter), GFP_KERNEL);
	if (!ctx->filter)
		return -ENOMEM;
	err = nfipsec_nl_parse_sa_filter(attrs[NFIPSEC_A_SA],
					 ctx->filter, cb->extack);
	if (err) {
		kfree(ctx->filter);
		ctx->filter = NULL;
	}
	return err;
}

int nfipsec_nl_sa_dump_done(struct netlink_callback *cb)
{
	struct nfipsec_sa_dump_ctx *ctx = (void *)cb->ctx;

	kfree(ctx->filter);
	return 0;
}

int nfipsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfipsec_net *nn = nfipsec_net(sock_net(skb->sk));
	struct nfipsec_sa_dump_ctx *ctx = (void *)cb->ctx;
	struct nfipsec_sa *sa;
	unsigned int i = 0, larvals;
	bool full = false;

	mutex_lock(&nn->cfg_lock);
	list_for_each_entry(sa, &nn->sa_list, list) {
		if (i++ < ctx->done)
			continue;
		if (sa_filter_match(ctx->filter, sa) &&
		    sa_fill(skb, sa, ctx->keys, NETLINK_CB(cb->skb).portid,
			    cb->nlh->nlmsg_seq, NLM_F_MULTI)) {
			i--;
			full = true;
			break;
		}
	}
	/* Then the larval SAs, counted on from the SAs (uapi: SA_GET). */
	if (!full) {
		larvals = ctx->done > i ? ctx->done - i : 0;
		nfipsec_larval_dump(nn, skb, cb, ctx->filter, &larvals);
		i += larvals;
	}
	ctx->done = i;
	mutex_unlock(&nn->cfg_lock);
	return skb->len;
}

/* SA_MIGRATE (uapi): new NAT-T ports for an SA, in place. */
int nfipsec_nl_sa_migrate(struct sk_buff *skb, struct genl_info *info)
{
	struct nfipsec_net *nn = nfipsec_net(genl_info_net(info));
	struct nlattr *tb[NFIPSEC_SA_A_MAX + 1];
	struct nfipsec_sa_cfg cfg = {};
	struct nfipsec_sa *sa;
	int err, i;

	err = sa_parse_attrs(info, tb, info->extack);
	if (!err)
		err = sa_parse_id(tb, info->attrs[NFIPSEC_A_SA], &cfg,
				  info->extack);
	if (err)
		return err;
	for (i = 0; i <= NFIPSEC_SA_A_MAX; i++) {
		if (!tb[i] || i == NFIPSEC_SA_A_DST || i == NFIPSEC_SA_A_SPI ||
		    i == NFIPSEC_SA_A_PROTO || i == NFIPSEC_SA_A_ENCAP)
			continue;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
				    "SA_MIGRATE takes dst, spi, proto and encap only");
		return -EINVAL;
	}
	if (!tb[NFIPSEC_SA_A_ENCAP]) {
		NL_SET_ERR_MSG(info->extack, "SA_MIGRATE needs encap (the new ports)");
		return -EINVAL;
	}
	err = sa_parse_encap(tb[NFIPSEC_SA_A_ENCAP], &cfg, info->extack);
	if (err)
		return err;
	if (cfg.has_follow || cfg.has_keepalive) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_ENCAP],
				    "SA_MIGRATE changes the ports only");
		return -EINVAL;
	}
	mutex_lock(&nn->cfg_lock);
	sa = nfipsec_sa_lookup(nn, cfg.family, &cfg.dst, cfg.spi, cfg.proto);
	if (!sa) {
		NL_SET_ERR_MSG(info->extack, "no SA with this dst, spi and proto");
		err = -ENOENT;
	} else if (!sa->encap_type || sa->encap_type != cfg.encap_type) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_ENCAP],
				    "the SA has no encapsulation of this type (SA_MIGRATE neither adds nor removes it)");
		err = -EINVAL;
	} else if (!nfipsec_addr_any(&cfg.encap_oa, cfg.family) &&
		   !nfipsec_addr_equal(&cfg.encap_oa, &sa->encap_oa, cfg.family)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_ENCAP],
				    "SA_MIGRATE cannot change the original address");
		err = -EINVAL;
	} else {
		WRITE_ONCE(sa->encap_sport, cfg.encap_sport);
		WRITE_ONCE(sa->encap_dport, cfg.encap_dport);
		nfipsec_nl_sa_event(nn, NFIPSEC_CMD_SA_SET, sa);
	}
	mutex_unlock(&nn->cfg_lock);
	return err;
}
