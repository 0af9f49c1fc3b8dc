/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_ALGS_H
#define _NFIPSEC_ALGS_H

#include <linux/types.h>

struct netlink_ext_ack;

enum nfipsec_alg_kind {
	NFIPSEC_ALG_AEAD,
	NFIPSEC_ALG_CRYPT,
	NFIPSEC_ALG_AUTH,
};

/*
 * An algorithm as ip-xfrm names it, and what ESP needs to know of it.
 * Key lengths in bits, without the salt/nonce, which follows the key.
 */
struct nfipsec_alg {
	const char *name;	/* ip-xfrm name, also the crypto API name */
	const char *alias;	/* ip-xfrm's compatibility name, or NULL */
	enum nfipsec_alg_kind kind;
	u16 key_min, key_max, key_step;
	u8 salt;		/* bytes after the key (RFC 4106, 3686, 7634) */
	const char *geniv;	/* IV generator template (as XFRM's): seqiv
				 * for counter modes (unique IVs), echainiv
				 * for CBC (unpredictable ones); NULL: no IV
				 */
	u16 icv_default;	/* bits; AEAD and AUTH */
	u16 icv_full;		/* bits: the largest allowed */
	u16 icv_min;		/* bits: the smallest allowed */
};

const struct nfipsec_alg *nfipsec_alg_find(const char *name,
					   enum nfipsec_alg_kind kind);
int nfipsec_alg_check(const struct nfipsec_alg *alg, unsigned int key_bytes,
		      unsigned int icv_bits, struct netlink_ext_ack *extack);

#endif /* _NFIPSEC_ALGS_H */
