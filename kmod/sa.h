/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_SA_H
#define _NFIPSEC_SA_H

#include <linux/in6.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <crypto/aead.h>

#include "../uapi/nfipsec.h"
#include "algs.h"
#include "counters.h"
#include "replay.h"

struct nfipsec_net;

union nfipsec_addr {
	__be32 a4;
	struct in6_addr a6;
};

static inline bool nfipsec_addr_equal(const union nfipsec_addr *a,
				      const union nfipsec_addr *b, u8 family)
{
	if (family == AF_INET)
		return a->a4 == b->a4;
	return ipv6_addr_equal(&a->a6, &b->a6);
}

/* All zero: in a template, ip xfrm's wildcard. */
static inline bool nfipsec_addr_any(const union nfipsec_addr *a, u8 family)
{
	if (family == AF_INET)
		return !a->a4;
	return ipv6_addr_any(&a->a6);
}

/* A traffic selector: prefixes, protocol, ports. */
struct nfipsec_sel {
	u8 family;
	u8 src_plen, dst_plen;
	u8 proto;			/* 0: any */
	union nfipsec_addr src, dst;	/* as given; matched by prefix */
	__be16 sport, dport;		/* 0: any */
};

/* The fields of a packet a selector looks at. */
struct nfipsec_flow {
	u8 family;
	u8 proto;
	union nfipsec_addr src, dst;
	__be16 sport, dport;
};

/* What was configured for one algorithm, kept to show it back. */
struct nfipsec_sa_alg {
	const struct nfipsec_alg *alg;	/* NULL: not configured */
	u32 icv_bits;			/* as configured; 0: default */
	u16 key_len;
	u8 key[128];
};

struct nfipsec_lifetime {
	u64 soft_bytes, hard_bytes, soft_packets, hard_packets;
	u64 soft_add, hard_add, soft_use, hard_use;
};

/*
 * A security association. Everything above "lock" is fixed once the SA is
 * published in the tables, but the encap ports, smark, smask and lft (an
 * update changes them in place); the datapath reads it under RCU, and holds a reference across
 * asynchronous crypto.
 */
struct nfipsec_sa {
	struct hlist_node by_spi;	/* input: (dst, spi, proto) */
	struct hlist_node by_dst;	/* output: (dst, proto) */
	struct list_head list;		/* nn->sa_list, oldest first */
	struct nfipsec_net *nn;
	refcount_t refcnt;
	struct rcu_work free_work;

	u8 family;			/* of src and dst: AF_INET, AF_INET6 */
	u8 proto;			/* IPPROTO_ESP or IPPROTO_AH */
	u8 mode;			/* NFIPSEC_MODE_* */
	__be32 spi;
	union nfipsec_addr src, dst;
	u32 reqid;
	u32 flags;			/* NFIPSEC_SA_F_* */
	u32 km_seq;			/* ip xfrm's seq: shown, no meaning */
	/*
	 * uapi "Owners": who added it (0: the administrator). An update may
	 * change it: WRITE_ONCE under cfg_lock, READ_ONCE by event senders.
	 */
	u32 owner;
	/*
	 * What the SA may carry (ip xfrm's "sel"), checked on output before
	 * it is chosen and on input after decryption; family 0: anything.
	 */
	struct nfipsec_sel sel;
	/* NAT-T: type 0 (none) or NFIPSEC_ENCAP_ESPINUDP; the original address */
	u16 encap_type;
	union nfipsec_addr encap_oa;
	/*
	 * Changed in place by an update (sa.c); the ports also by FOLLOW
	 * (input.c), the keepalive's time by keepalive.c:
	 */
	__be16 encap_sport, encap_dport;
	bool encap_follow;		/* follow a new port (uapi FOLLOW) */
	u32 nat_keepalive;		/* seconds; 0: none */
	u64 keepalive_sent_ns;		/* the last one, under cfg_lock */
	u32 smark, smask;		/* set-mark; smask 0: none */
	struct nfipsec_lifetime lft;	/* WRITE_ONCE, under cfg_lock */

	/* Lifetime (lifetime.c); times in CLOCK_BOOTTIME ns, to the tick. */
	u64 add_ns;
	atomic64_t use_ns;		/* first use; 0: none yet */
	atomic64_t last_ns;		/* last use, to a second */
	atomic64_t lft_bytes, lft_packets;	/* while "counted" */
	bool counted;			/* lft has a byte or packet limit */
	bool dying;			/* soft limit reached: not preferred */
	bool soft_sent;			/* under cfg_lock */
	u32 soft_limit, hard_limit;	/* enum nfipsec_limit that fired */

	/*
	 * Transport mode: the ESP path MTU an ICMP error about this SA's
	 * packets gave (pmtu.c), until pmtu_expires (jiffies); 0: none.
	 */
	u32 pmtu;
	u64 pmtu_expires;		/* jiffies_64: never wraps */
	unsigned long mapping_time;	/* NAT-T: the last MAPPING event */

	struct crypto_aead *aead;	/* ESP: behind its IV generator */
	struct crypto_ahash *ahash;	/* AH: the keyed hash */
	u8 ivlen, align, icvlen;
	struct nfipsec_sa_alg algs[3];	/* by enum nfipsec_alg_kind */

	spinlock_t lock;		/* replay window */
	bool dead;			/* removed from the tables */
	atomic64_t seq_out;		/* last sequence number sent */
	struct nfipsec_replay replay;
	struct nfipsec_counters __percpu *stats;	/* nfipsec_sa_stat */
};

/* The UDP header in front of ESP, if any (NAT-T). */
static inline unsigned int nfipsec_sa_encap_len(const struct nfipsec_sa *sa)
{
	return sa->encap_type ? sizeof(struct udphdr) : 0;
}

static inline bool nfipsec_sa_esn(const struct nfipsec_sa *sa)
{
	return sa->flags & NFIPSEC_SA_F_ESN;
}

static inline void nfipsec_sa_stat_add(struct nfipsec_sa *sa,
				       enum nfipsec_sa_stat idx, u64 n)
{
	nfipsec_counters_add(sa->stats, idx, n);
}

static inline bool nfipsec_sa_hold(struct nfipsec_sa *sa)
{
	return refcount_inc_not_zero(&sa->refcnt);
}

void nfipsec_sa_put(struct nfipsec_sa *sa);

/* The parameters of a new SA, parsed from netlink. */
struct nfipsec_sa_cfg {
	u8 family, proto, mode;
	__be32 spi;
	union nfipsec_addr src, dst;
	u32 reqid, flags, replay_window, km_seq;
	bool has_owner;			/* update: given? */
	u32 owner;
	struct nfipsec_sel sel;
	u16 encap_type;
	__be16 encap_sport, encap_dport;
	union nfipsec_addr encap_oa;
	bool has_follow, encap_follow;		/* update: given? */
	bool has_keepalive;
	u32 nat_keepalive;
	u32 smark, smask;
	u64 seq_out;
	u64 replay_top;			/* ip xfrm's replay-seq */
	bool has_seq_out, has_replay_top;	/* given? */
	struct nfipsec_lifetime lft;
	struct nfipsec_sa_alg algs[3];
};

struct nfipsec_sa *nfipsec_sa_create(struct nfipsec_net *nn,
				     const struct nfipsec_sa_cfg *cfg,
				     struct netlink_ext_ack *extack);
/* KUnit: a keyed transform of the SA without IV generator. */
struct crypto_aead *nfipsec_sa_alloc_bare_aead(const struct nfipsec_sa *sa);
int nfipsec_sa_add(struct nfipsec_net *nn, const struct nfipsec_sa_cfg *cfg,
		   bool update, struct netlink_ext_ack *extack);
struct nfipsec_sa *nfipsec_sa_lookup(struct nfipsec_net *nn, u8 family,
				     const union nfipsec_addr *dst,
				     __be32 spi, u8 proto);
bool nfipsec_sa_spi_used(struct nfipsec_net *nn, __be32 spi, u8 proto);
void nfipsec_sa_link(struct nfipsec_net *nn, struct nfipsec_sa *sa);
void nfipsec_sa_unlink(struct nfipsec_net *nn, struct nfipsec_sa *sa);
void nfipsec_sa_flush(struct nfipsec_net *nn, u8 proto, const u32 *owner);
void nfipsec_sa_follow_port(struct nfipsec_sa *sa, __be16 sport);
bool nfipsec_sa_encap_peer(struct nfipsec_net *nn, u8 family,
			   const union nfipsec_addr *addr);

struct nfipsec_tmpl;
int nfipsec_route_saddr(struct net *net, u8 family,
			const union nfipsec_addr *dst, union nfipsec_addr *src);
int nfipsec_tmpl_endpoints(struct nfipsec_net *nn,
			   const struct nfipsec_tmpl *t,
			   const struct nfipsec_flow *fl,
			   union nfipsec_addr *src, union nfipsec_addr *dst);
struct nfipsec_sa *nfipsec_sa_find_out(struct nfipsec_net *nn,
				       const struct nfipsec_tmpl *t,
				       const struct nfipsec_flow *fl,
				       const union nfipsec_addr *src,
				       const union nfipsec_addr *dst);

int nfipsec_sa_init(void);
void nfipsec_sa_exit(void);

/* NAT-T transport mode's checksum fix-up (input.c). */
bool nfipsec_natt_oa_csum(struct sk_buff *skb, u8 family,
			  const union nfipsec_addr *oa, int thoff, u8 proto);

#endif /* _NFIPSEC_SA_H */
