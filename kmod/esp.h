/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_ESP_H
#define _NFIPSEC_ESP_H

#include <linux/skbuff.h>

struct crypto_aead;
struct nfipsec_sa;

/* The largest IV of the algorithms ESP takes (16: AES-CBC and its kin). */
#define NFIPSEC_ESP_MAX_IVLEN 16

/*
 * Called when ESP processing of an skb ends, synchronously or from the
 * crypto completion: err is 0 or a negative errno (-ENOSPC: the crypto
 * engine's queue was full, nothing was done); the callee owns the skb
 * and the SA reference the caller of nfipsec_esp_* gave.
 */
typedef void (*nfipsec_esp_done_t)(struct sk_buff *skb, struct nfipsec_sa *sa,
				   u64 seq, int err);

/*
 * Encrypt skb->data..end (the payload: an inner IP packet in tunnel mode)
 * into an ESP packet: ESP header and IV pushed in front, padding, pad
 * length, next header and ICV appended. The IV is the SA's IV generator's
 * (seqiv, echainiv): never the same twice under one key, even across SAs
 * that share it. The caller holds a reference on the SA, which passes to
 * done, and left headroom for the ESP header and IV.
 */
void nfipsec_esp_output(struct sk_buff *skb, struct nfipsec_sa *sa,
			u8 nexthdr, nfipsec_esp_done_t done);

/*
 * KUnit only, for published test vectors: nfipsec_esp_output with a given
 * IV, through aead, a transform of the SA without IV generator
 * (nfipsec_sa_alloc_bare_aead()). Never used by the datapath.
 */
void nfipsec_esp_output_iv(struct sk_buff *skb, struct nfipsec_sa *sa,
			   struct crypto_aead *aead, u8 nexthdr, const u8 *iv,
			   nfipsec_esp_done_t done);

/*
 * Authenticate and decrypt the ESP packet at skb->data + offset, whose full
 * sequence number is seq. On success (err 0) skb->data is the payload, the
 * next header value is in *NFIPSEC_ESP_CB(skb), and the ESP trailer is gone.
 */
void nfipsec_esp_input(struct sk_buff *skb, struct nfipsec_sa *sa,
		       unsigned int offset, u64 seq, nfipsec_esp_done_t done);

struct nfipsec_esp_cb {
	u8 nexthdr;
};

#define NFIPSEC_ESP_CB(skb) ((struct nfipsec_esp_cb *)(skb)->cb)

#endif /* _NFIPSEC_ESP_H */
