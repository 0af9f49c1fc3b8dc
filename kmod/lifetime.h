/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_LIFETIME_H
#define _NFIPSEC_LIFETIME_H

#include "sa.h"

/*
 * The datapath's part, for each packet an SA carries: sent (before
 * encryption), or received (after authentication and the replay check).
 * len is the inner packet's. False: a hard limit is reached, drop it.
 */
bool nfipsec_lft_use(struct nfipsec_sa *sa, unsigned int len);
/* Outbound, also: the sequence numbers' soft limit. */
void nfipsec_lft_seq_check(struct nfipsec_sa *sa, u64 seq);
/* No sequence number left (esp.c refused the packet). */
void nfipsec_lft_seq_exhausted(struct nfipsec_sa *sa);
/* Has a hard limit fired (the SA goes, or is gone)? */
static inline bool nfipsec_lft_expired(const struct nfipsec_sa *sa)
{
	return READ_ONCE(sa->hard_limit);
}

/* A new SA, before it is published. */
void nfipsec_lft_init_sa(struct nfipsec_sa *sa);
/* Published, or its limits changed (SA_SET). Under cfg_lock. */
void nfipsec_lft_start(struct nfipsec_sa *sa);
void nfipsec_lft_update(struct nfipsec_sa *sa,
			const struct nfipsec_lifetime *lft);

/* The namespace's expiry work: init, and stop after its SAs are gone. */
void nfipsec_lft_net_init(struct nfipsec_net *nn);
void nfipsec_lft_net_exit(struct nfipsec_net *nn);

/* Boot-time ns to the wall clock's seconds since the epoch. */
u64 nfipsec_lft_wall(u64 ns);

#endif /* _NFIPSEC_LIFETIME_H */
