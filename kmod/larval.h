/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_LARVAL_H
#define _NFIPSEC_LARVAL_H

#include "sa.h"

/*
 * A larval SA (XFRM's larval or ACQ state): an SA a key manager is
 * negotiating. An ACQUIRE makes one without an SPI (the hold-down: no
 * second ACQUIRE for the same SA while it lives); SA_ALLOC_SPI gives one
 * an SPI. It carries no traffic and is never seen by the SA tables'
 * lookups. Fixed once published but spi (set once, under cfg_lock).
 */
struct nfipsec_larval {
	struct list_head list;		/* nn->larvals, oldest first */
	struct hlist_node by_key;	/* nn->larval_by_key, RCU */
	struct hlist_node by_spi;	/* nn->larval_by_spi, once it has one */
	struct rcu_head rcu;
	u8 family, proto, mode;
	__be32 spi;			/* 0: none yet */
	union nfipsec_addr src, dst;
	u32 reqid;
	u32 seq;			/* the ACQUIRE's; 0: none */
	u32 owner;			/* uapi "Owners"; changed under
					 * cfg_lock and larval_lock
					 */
	struct nfipsec_sel sel;		/* shown, as XFRM's */
	u32 expires_secs;		/* its lifetime, as made */
	u64 add_ns, expires_ns;		/* CLOCK_BOOTTIME */
};

void nfipsec_larval_net_init(struct nfipsec_net *nn);
void nfipsec_larval_net_exit(struct nfipsec_net *nn);

/* The datapath (under rcu_read_lock): ACQUIRE's hold-down and larval SA. */
bool nfipsec_larval_pending(struct nfipsec_net *nn,
			    const struct nfipsec_tmpl *t,
			    const union nfipsec_addr *src,
			    const union nfipsec_addr *dst);
int nfipsec_larval_acquire(struct nfipsec_net *nn,
			   const struct nfipsec_tmpl *t,
			   const struct nfipsec_flow *fl,
			   const union nfipsec_addr *src,
			   const union nfipsec_addr *dst, u32 owner,
			   u32 *seq);

void nfipsec_larval_acquire_lost(struct nfipsec_net *nn, u32 seq);

/* Configuration, under cfg_lock. */
int nfipsec_larval_alloc_spi(struct nfipsec_net *nn,
			     const struct nfipsec_sa_cfg *cfg, u32 min, u32 max,
			     struct nfipsec_larval *out,
			     struct netlink_ext_ack *extack);
bool nfipsec_larval_find(struct nfipsec_net *nn, u8 family,
			 const union nfipsec_addr *dst, __be32 spi, u8 proto,
			 struct nfipsec_larval *out);
bool nfipsec_larval_remove(struct nfipsec_net *nn, u8 family,
			   const union nfipsec_addr *dst, __be32 spi, u8 proto,
			   bool event);
void nfipsec_larval_answered(struct nfipsec_net *nn,
			     const struct nfipsec_sa *sa);
void nfipsec_larval_flush(struct nfipsec_net *nn, u8 proto, const u32 *owner);

/* NFIPSEC_A_SA of a larval SA (a copy, see nfipsec_larval_find()). */
int nfipsec_larval_put_attrs(struct sk_buff *skb,
			     const struct nfipsec_larval *l);
struct nfipsec_sa_filter;
int nfipsec_larval_dump(struct nfipsec_net *nn, struct sk_buff *skb,
			struct netlink_callback *cb,
			const struct nfipsec_sa_filter *f, unsigned int *skip);

#endif /* _NFIPSEC_LARVAL_H */
