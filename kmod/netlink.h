/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_NETLINK_H
#define _NFIPSEC_NETLINK_H

#include <net/genetlink.h>

#include "nfipsec.h"
#include "sa.h"

extern struct genl_family nfipsec_genl_family;
extern const struct nla_policy nfipsec_sa_nl_policy[NFIPSEC_SA_A_MAX + 1];
extern const struct nla_policy nfipsec_pol_nl_policy[NFIPSEC_POLICY_A_MAX + 1];

int nfipsec_nl_get_addr(const struct nlattr *attr, union nfipsec_addr *addr,
			u8 *family, struct netlink_ext_ack *extack);
int nfipsec_nl_put_addr(struct sk_buff *skb, int type,
			const union nfipsec_addr *addr, u8 family);
void *nfipsec_nl_put_hdr(struct sk_buff *skb, const struct genl_info *info,
			 u8 cmd);

/* The family's multicast groups, by their index in the family. */
enum nfipsec_nl_grp {
	NFIPSEC_GRP_EVENTS,
	NFIPSEC_GRP_KEYMGR,
};

/* The events a key manager acts on, which the keymgr group carries. */
static inline bool nfipsec_nl_km_cmd(u8 cmd)
{
	return cmd == NFIPSEC_CMD_ACQUIRE || cmd == NFIPSEC_CMD_EXPIRE ||
	       cmd == NFIPSEC_CMD_MAPPING;
}

struct sk_buff *nfipsec_nl_event_start(struct nfipsec_net *nn, u8 cmd,
				       void **hdr, gfp_t gfp);
void nfipsec_nl_event_send(struct nfipsec_net *nn, struct sk_buff *msg,
			   void *hdr, gfp_t gfp);
int nfipsec_nl_multicast(struct nfipsec_net *nn, struct sk_buff *msg,
			 gfp_t gfp);
void nfipsec_nl_flush_event(struct nfipsec_net *nn, u8 cmd, int nest_type,
			    int attr, int value, int owner_attr,
			    const u32 *owner);

/* nl_sa.c */
int nfipsec_nl_sa_new(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_migrate(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_set(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_alloc_spi(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_flush(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_sa_dump_start(struct netlink_callback *cb);
int nfipsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb);
int nfipsec_nl_sa_dump_done(struct netlink_callback *cb);
void nfipsec_nl_expire(struct nfipsec_net *nn, struct nfipsec_sa *sa,
		       bool hard, u8 limit);
int nfipsec_nl_put_expire(struct sk_buff *msg, bool hard, u8 limit);
void nfipsec_nl_mapping(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			const union nfipsec_addr *src, __be16 sport);
void nfipsec_nl_sa_event(struct nfipsec_net *nn, u8 cmd, struct nfipsec_sa *sa);

/* nl_policy.c */
int nfipsec_nl_pol_new(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_new_bulk(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_set(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_del(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_get(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_flush(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_move(struct sk_buff *skb, struct genl_info *info);
int nfipsec_nl_pol_dump_start(struct netlink_callback *cb);
int nfipsec_nl_pol_dump(struct sk_buff *skb, struct netlink_callback *cb);
struct nfipsec_policy;
int nfipsec_nl_fill_policy_attrs(struct sk_buff *skb,
				 const struct nfipsec_policy *pol, u32 pos);
void nfipsec_nl_policy_event(struct nfipsec_net *nn, u8 cmd,
			     const struct nfipsec_policy *pol);
int nfipsec_nl_put_flow(struct sk_buff *skb, int type,
			const struct nfipsec_flow *fl);
extern const struct nla_policy nfipsec_sel_nl_policy[NFIPSEC_SEL_A_MAX + 1];
int nfipsec_nl_parse_sel(struct nlattr *attr, struct nfipsec_sel *sel,
			 struct netlink_ext_ack *extack);
int nfipsec_nl_put_sel(struct sk_buff *skb, int type,
		       const struct nfipsec_sel *s);

#endif /* _NFIPSEC_NETLINK_H */
