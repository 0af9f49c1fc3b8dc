// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303) through the kernel crypto API, synchronous or not.
 *
 * Every algorithm is an AEAD behind the kernel's IV generator, as XFRM's
 * ESP (net/ipv4/esp4.c) uses it: seqiv(rfc4106(gcm(aes))),
 * seqiv(rfc7539esp(chacha20,poly1305)), seqiv(authenc(...,rfc3686(...))),
 * echainiv(authenc(hmac(sha256),cbc(aes))), authencesn(...) for ESN;
 * null encryption alone has no IV and no generator. The associated data
 * is the SPI, [the high half of the sequence number,] the low half; the
 * IV's place in the packet starts the crypt range, and the request's IV is
 * the 64-bit sequence number. The generator writes the packet's IV: seqiv
 * the sequence number XOR a salt drawn at random for each transform
 * (unique within the SA), echainiv the encryption of the sequence number
 * times such a salt (unpredictable). Two SAs that share a key (both
 * directions keyed alike, an SA deleted and added again by hand) have
 * their own transforms and salts, so they do not send the same IVs, as
 * they did when the IV was the sequence number itself: with seqiv two IVs
 * of theirs meet only if the salts' XOR is one of the sequence numbers'
 * XORs (a chance of 2^-32 per pair of SAs with 32-bit numbers). Decryption
 * goes through the same transform: the generator takes the IV from the
 * packet.
 *
 * The request, its scatterlist and the per-packet state live in one
 * allocation freed when the packet is done, as XFRM's ESP does it.
 */

#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <linux/ip.h>

#include <kunit/visibility.h>

#include "nfipsec.h"
#include "esp.h"
#include "sa.h"

struct esp_ctx {
	struct sk_buff *skb;
	struct nfipsec_sa *sa;
	struct crypto_aead *aead;	/* sa->aead, or KUnit's bare one */
	nfipsec_esp_done_t done;
	u64 seq;
	unsigned int offset;	/* of the ESP header in the skb (input) */
	u8 ad[12];		/* SPI, [seq hi,] seq lo */
	u8 iv[NFIPSEC_ESP_MAX_IVLEN] __aligned(8);	/* the request's IV */
	/* struct aead_request, then struct scatterlist[] */
};

static struct aead_request *esp_req(struct esp_ctx *ctx)
{
	return (void *)PTR_ALIGN((u8 *)(ctx + 1),
				 crypto_tfm_ctx_alignment());
}

static struct scatterlist *esp_sg(struct esp_ctx *ctx)
{
	struct aead_request *req = esp_req(ctx);

	return (void *)ALIGN((unsigned long)(req + 1) +
			     crypto_aead_reqsize(ctx->aead),
			     __alignof__(struct scatterlist));
}

/* The per-packet state, request and scatterlist (nsg entries), or NULL. */
static struct esp_ctx *esp_ctx_alloc(struct sk_buff *skb, struct nfipsec_sa *sa,
				     struct crypto_aead *aead, int nsg, u64 seq,
				     nfipsec_esp_done_t done)
{
	size_t len = sizeof(struct esp_ctx) + crypto_tfm_ctx_alignment() +
		     sizeof(struct aead_request) +
		     crypto_aead_reqsize(aead) +
		     __alignof__(struct scatterlist) +
		     nsg * sizeof(struct scatterlist);
	struct esp_ctx *ctx = kmalloc(len, GFP_ATOMIC);

	if (ctx) {
		ctx->skb = skb;
		ctx->sa = sa;
		ctx->aead = aead;
		ctx->done = done;
		ctx->seq = seq;
	}
	return ctx;
}

/* The associated data: 8 bytes, or 12 with ESN. */
static unsigned int esp_fill_ad(struct esp_ctx *ctx, __be32 spi, u64 seq)
{
	__be32 *ad = (__be32 *)ctx->ad;

	ad[0] = spi;
	if (nfipsec_sa_esn(ctx->sa)) {
		ad[1] = htonl(upper_32_bits(seq));
		ad[2] = htonl(lower_32_bits(seq));
		return 12;
	}
	ad[1] = htonl(lower_32_bits(seq));
	return 8;
}

/*
 * A scatterlist of the associated data followed by len bytes of the skb
 * from offset; returns the aead_request, set up but for its lengths.
 */
static struct aead_request *esp_setup(struct esp_ctx *ctx, int nfrags,
				      unsigned int adlen, unsigned int offset,
				      unsigned int len, crypto_completion_t cb)
{
	struct aead_request *req = esp_req(ctx);
	struct scatterlist *sg = esp_sg(ctx);
	int n;

	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, ctx->ad, adlen);
	n = skb_to_sgvec_nomark(ctx->skb, sg + 1, offset, len);
	if (unlikely(n < 0))
		return NULL;
	sg_mark_end(sg + n);

	aead_request_set_tfm(req, ctx->aead);
	/*
	 * No backlog, as XFRM's ESP: when an engine's queue is full the
	 * request fails with -ENOSPC and the packet is dropped (counted as
	 * crypto-busy), so forged packets cannot queue without bound.
	 */
	aead_request_set_callback(req, 0, cb, ctx);
	return req;
}

static void esp_finish(struct esp_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct nfipsec_sa *sa = ctx->sa;
	nfipsec_esp_done_t done = ctx->done;
	u64 seq = ctx->seq;

	kfree(ctx);
	done(skb, sa, seq, err);
}

static void esp_output_done(NFIPSEC_CRYPTO_DONE_ARG data, int err)
{
	struct esp_ctx *ctx = nfipsec_crypto_done_data(data);

	WARN_ON_ONCE(err == -EINPROGRESS);	/* no backlog: never */
	nfipsec_sa_stat_add(ctx->sa, NFIPSEC_SA_STAT_ASYNC, 1);
	/*
	 * BH off, whatever context the engine completes from: the stack
	 * expects it, and module unload's grace period (main.c) then covers
	 * this function up to its return.
	 */
	local_bh_disable();
	esp_finish(ctx, err);
	local_bh_enable();
}

/*
 * aead: sa->aead, whose IV generator makes the IV (iv NULL); or, for
 * KUnit's test vectors only, a bare transform of the SA and the IV to use.
 */
static void esp_output(struct sk_buff *skb, struct nfipsec_sa *sa,
		       struct crypto_aead *aead, u8 nexthdr, const u8 *iv,
		       nfipsec_esp_done_t done)
{
	unsigned int plen = skb->len, padlen, tail, hlen, adlen, clen, i;
	struct aead_request *req;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	struct esp_ctx *ctx;
	int nfrags, err;
	u8 *tp;
	u64 seq;

	seq = atomic64_inc_return(&sa->seq_out);
	if (unlikely(nfipsec_sa_esn(sa) ? !seq : seq > U32_MAX)) {
		/* Never reuse a number: the key manager must rekey. */
		atomic64_set(&sa->seq_out, nfipsec_sa_esn(sa) ? U64_MAX : U32_MAX);
		done(skb, sa, 0, -ERANGE);
		return;
	}

	padlen = ALIGN(plen + 2, sa->align) - (plen + 2);
	clen = plen + padlen + 2;
	tail = padlen + 2 + sa->icvlen;
	hlen = sizeof(*esph) + sa->ivlen;

	nfrags = skb_cow_data(skb, tail, &trailer);
	if (unlikely(nfrags < 0)) {
		done(skb, sa, seq, nfrags);
		return;
	}
	tp = pskb_put(skb, trailer, tail);
	for (i = 0; i < padlen; i++)
		tp[i] = i + 1;	/* RFC 4303 2.4: 1, 2, 3, ... */
	tp[padlen] = padlen;
	tp[padlen + 1] = nexthdr;

	esph = skb_push(skb, hlen);
	esph->spi = sa->spi;
	esph->seq_no = htonl(lower_32_bits(seq));

	ctx = esp_ctx_alloc(skb, sa, aead, nfrags + 1, seq, done);
	if (unlikely(!ctx)) {
		done(skb, sa, seq, -ENOMEM);
		return;
	}
	adlen = esp_fill_ad(ctx, sa->spi, seq);
	req = esp_setup(ctx, nfrags, adlen, sizeof(*esph),
			sa->ivlen + clen + sa->icvlen, esp_output_done);
	if (unlikely(!req)) {
		esp_finish(ctx, -EINVAL);
		return;
	}
	sg = esp_sg(ctx);
	if (unlikely(iv)) {
		/* A bare transform takes the IV as the end of the AD. */
		memcpy(esph + 1, iv, sa->ivlen);
		memcpy(ctx->iv, iv, sa->ivlen);
		aead_request_set_ad(req, adlen + sa->ivlen);
		aead_request_set_crypt(req, sg, sg, clen, ctx->iv);
	} else {
		/*
		 * As esp_output_tail(): the generator takes the sequence
		 * number, big-endian in the IV's last 8 bytes, and writes the
		 * packet's IV at the start of the crypt range.
		 */
		memset(ctx->iv, 0, sa->ivlen);
		if (sa->ivlen)
			put_unaligned_be64(seq, ctx->iv + sa->ivlen - 8);
		aead_request_set_ad(req, adlen);
		aead_request_set_crypt(req, sg, sg, sa->ivlen + clen, ctx->iv);
	}

	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;	/* esp_output_done finishes */
	WARN_ON_ONCE(err == -EBUSY);	/* only with a backlog */
	esp_finish(ctx, err);
}

void nfipsec_esp_output(struct sk_buff *skb, struct nfipsec_sa *sa,
			u8 nexthdr, nfipsec_esp_done_t done)
{
	esp_output(skb, sa, sa->aead, nexthdr, NULL, done);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_esp_output);

#if IS_ENABLED(CONFIG_KUNIT)
void nfipsec_esp_output_iv(struct sk_buff *skb, struct nfipsec_sa *sa,
			   struct crypto_aead *aead, u8 nexthdr, const u8 *iv,
			   nfipsec_esp_done_t done)
{
	esp_output(skb, sa, aead, nexthdr, iv, done);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_esp_output_iv);
#endif

/* After decryption: check and strip the trailer, leave the payload. */
static int esp_input_trailer(struct sk_buff *skb, struct nfipsec_sa *sa,
			     unsigned int offset)
{
	unsigned int hlen = offset + sizeof(struct ip_esp_hdr) + sa->ivlen;
	u8 tail[2], pad[255];
	unsigned int padlen, i;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, tail, 2))
		return -EINVAL;
	padlen = tail[0];
	if (hlen + padlen + 2 + sa->icvlen > skb->len)
		return -EINVAL;
	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2 - padlen, pad, padlen))
		return -EINVAL;
	for (i = 0; i < padlen; i++)
		if (pad[i] != i + 1)
			return -EINVAL;
	if (pskb_trim(skb, skb->len - sa->icvlen - 2 - padlen))
		return -ENOMEM;
	if (!pskb_pull(skb, hlen))
		return -EINVAL;
	NFIPSEC_ESP_CB(skb)->nexthdr = tail[1];
	return 0;
}

static void esp_input_finish(struct esp_ctx *ctx, int err)
{
	if (!err)
		err = esp_input_trailer(ctx->skb, ctx->sa, ctx->offset);
	esp_finish(ctx, err);
}

static void esp_input_done(NFIPSEC_CRYPTO_DONE_ARG data, int err)
{
	struct esp_ctx *ctx = nfipsec_crypto_done_data(data);

	WARN_ON_ONCE(err == -EINPROGRESS);	/* no backlog: never */
	nfipsec_sa_stat_add(ctx->sa, NFIPSEC_SA_STAT_ASYNC, 1);
	local_bh_disable();	/* as esp_output_done() */
	esp_input_finish(ctx, err);
	local_bh_enable();
}

void nfipsec_esp_input(struct sk_buff *skb, struct nfipsec_sa *sa,
		       unsigned int offset, u64 seq, nfipsec_esp_done_t done)
{
	unsigned int hlen = sizeof(struct ip_esp_hdr) + sa->ivlen;
	struct aead_request *req;
	struct sk_buff *trailer;
	struct esp_ctx *ctx;
	unsigned int adlen;
	int elen, nfrags, err;

	elen = skb->len - offset - hlen - sa->icvlen;
	if (unlikely(elen < 2 || elen % sa->align)) {
		done(skb, sa, seq, -EINVAL);
		return;
	}
	if (unlikely(!pskb_may_pull(skb, offset + hlen))) {
		done(skb, sa, seq, -EINVAL);
		return;
	}
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0)) {
		done(skb, sa, seq, nfrags);
		return;
	}
	ctx = esp_ctx_alloc(skb, sa, sa->aead, nfrags + 1, seq, done);
	if (unlikely(!ctx)) {
		done(skb, sa, seq, -ENOMEM);
		return;
	}
	ctx->offset = offset;
	adlen = esp_fill_ad(ctx, sa->spi, seq);
	req = esp_setup(ctx, nfrags, adlen, offset + sizeof(struct ip_esp_hdr),
			sa->ivlen + elen + sa->icvlen, esp_input_done);
	if (unlikely(!req)) {
		esp_finish(ctx, -EINVAL);
		return;
	}
	/* As esp_input(): the generator reads the IV from the packet. */
	aead_request_set_ad(req, adlen);
	aead_request_set_crypt(req, esp_sg(ctx), esp_sg(ctx),
			       sa->ivlen + elen + sa->icvlen, ctx->iv);

	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;	/* esp_input_done finishes */
	WARN_ON_ONCE(err == -EBUSY);	/* only with a backlog */
	esp_input_finish(ctx, err);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_esp_input);
