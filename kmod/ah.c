// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302) through the kernel crypto API's keyed hashes (hmac(sha256),
 * xcbc(aes), cmac(aes), ...), synchronous or not, IPv4 and IPv6.
 *
 * The ICV covers the IP packet as its receiver sees it: the IP header and
 * the extension headers or options in front of AH with their mutable
 * fields zeroed, the AH header with its ICV field (and padding) zeroed, the
 * payload, and with ESN the high half of the sequence number, appended but
 * not sent (RFC 4302 2.5.1, 3.3.3.1). The ICV's padding is hashed as it is
 * (zero in what we send), as XFRM does:
 *  - IPv4: DS field, flags and fragment offset, TTL and checksum zeroed;
 *    options other than security, router alert and their kin zeroed
 *    (Appendix A1), a source route's final hop taken as the destination;
 *  - IPv6: traffic class, flow label and hop limit zeroed; the data of
 *    hop-by-hop and destination options whose type says they may change
 *    en route zeroed; a routing header only when no segment is left (its
 *    final values: this module neither sends nor takes one in flight).
 * The fields are restored once the hash is done. The request, its
 * scatterlist, the saved headers and the ICV live in one allocation per
 * packet, as in XFRM's AH.
 */

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "nfipsec.h"
#include "ah.h"
#include "esp.h"
#include "sa.h"

struct ah_ctx {
	struct sk_buff *skb;
	struct nfipsec_sa *sa;
	nfipsec_esp_done_t done;
	u64 seq;
	unsigned int hlen;	/* the headers in front of AH */
	unsigned int ahlen;	/* input: AH's length in the packet */
	int nsg;		/* scatterlist entries */
	__be32 seqhi;		/* ESN: hashed after the packet */
	u8 icv[NFIPSEC_AH_MAX_ICV];	/* computed */
	u8 rcv_icv[NFIPSEC_AH_MAX_ICV];	/* input: the packet's */
	/* ahash_request, scatterlist[], then the headers as they were */
};

static struct ahash_request *ah_req(struct ah_ctx *ctx)
{
	return (void *)PTR_ALIGN((u8 *)(ctx + 1), crypto_tfm_ctx_alignment());
}

static struct scatterlist *ah_sg(struct ah_ctx *ctx)
{
	struct ahash_request *req = ah_req(ctx);

	return (void *)ALIGN((unsigned long)(req + 1) +
			     crypto_ahash_reqsize(ctx->sa->ahash),
			     __alignof__(struct scatterlist));
}

/* The headers as they were, after the scatterlist. */
static u8 *ah_saved(struct ah_ctx *ctx)
{
	return (u8 *)(ah_sg(ctx) + ctx->nsg);
}

static struct ah_ctx *ah_ctx_alloc(struct sk_buff *skb, struct nfipsec_sa *sa,
				   int nsg, unsigned int hlen, u64 seq,
				   nfipsec_esp_done_t done)
{
	size_t len = sizeof(struct ah_ctx) + crypto_tfm_ctx_alignment() +
		     sizeof(struct ahash_request) +
		     crypto_ahash_reqsize(sa->ahash) +
		     __alignof__(struct scatterlist) +
		     nsg * sizeof(struct scatterlist) + hlen;
	struct ah_ctx *ctx = kmalloc(len, GFP_ATOMIC);

	if (ctx) {
		ctx->skb = skb;
		ctx->sa = sa;
		ctx->done = done;
		ctx->seq = seq;
		ctx->hlen = hlen;
		ctx->nsg = nsg;
	}
	return ctx;
}

/* AH's length on the wire: header, ICV and padding (ah.h). */
unsigned int nfipsec_ah_len(const struct nfipsec_sa *sa)
{
	unsigned int align = sa->family == AF_INET6 ||
			     sa->flags & NFIPSEC_SA_F_ALIGN8 ? 8 : 4;

	return ALIGN(sizeof(struct ip_auth_hdr) + sa->icvlen, align);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_ah_len);

/* IPv4 options (Appendix A1): the mutable ones zeroed; -EINVAL: malformed. */
static int ah_clear_options4(struct iphdr *iph, __be32 *daddr)
{
	unsigned int l = iph->ihl * 4 - sizeof(*iph), optlen;
	u8 *opt = (u8 *)(iph + 1);

	while (l > 0) {
		if (opt[0] == IPOPT_END)
			return 0;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			l--;
			continue;
		}
		if (l < 2)
			return -EINVAL;
		optlen = opt[1];
		if (optlen < 2 || optlen > l)
			return -EINVAL;
		switch (opt[0]) {
		case IPOPT_SEC:
		case 0x85:		/* extended security */
		case IPOPT_CIPSO:	/* commercial security, 0x86 */
		case IPOPT_RA:
		case 0x95:		/* RFC 1770 */
			break;		/* immutable */
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			/* The destination at the end of the route. */
			if (optlen < 7)
				return -EINVAL;
			if (daddr)
				memcpy(daddr, opt + optlen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, optlen);
		}
		opt += optlen;
		l -= optlen;
	}
	return 0;
}

/* Zero the mutable data of hop-by-hop or destination options. */
static int ah_clear_opts6(u8 *h, unsigned int len)
{
	unsigned int off = 2, optlen;

	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return -EINVAL;
		optlen = h[off + 1];
		if (off + 2 + optlen > len)
			return -EINVAL;
		if (h[off] & 0x20)	/* may change en route */
			memset(h + off + 2, 0, optlen);
		off += 2 + optlen;
	}
	return 0;
}

/*
 * The headers in front of AH (hlen bytes, linear, at the network header),
 * mutable fields zeroed. IPv4 output takes a source route's last hop as
 * the destination (its value at the receiver).
 */
static int ah_clear_mutable(struct sk_buff *skb, u8 family, unsigned int hlen,
			    bool out)
{
	u8 *h = skb_network_header(skb);
	unsigned int off, len;
	u8 nexthdr;

	if (family == AF_INET) {
		struct iphdr *iph = (struct iphdr *)h;

		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		iph->check = 0;
		if (iph->ihl == 5)
			return 0;
		return ah_clear_options4(iph, out ? &iph->daddr : NULL);
	}

	ip6_flow_hdr(ipv6_hdr(skb), 0, 0);
	ipv6_hdr(skb)->hop_limit = 0;
	nexthdr = ipv6_hdr(skb)->nexthdr;
	for (off = sizeof(struct ipv6hdr); off < hlen; off += len) {
		if (off + 8 > hlen)
			return -EINVAL;
		len = ipv6_optlen((struct ipv6_opt_hdr *)(h + off));
		if (off + len > hlen)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			if (ah_clear_opts6(h + off, len))
				return -EINVAL;
			break;
		case NEXTHDR_ROUTING:
			if (((struct ipv6_rt_hdr *)(h + off))->segments_left)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		nexthdr = h[off];
	}
	return nexthdr == IPPROTO_AH ? 0 : -EINVAL;
}

/*
 * Save the headers, zero their mutable fields and hash skb->data..end (the
 * network header first), then the ESN high half. The ICV lands in
 * ctx->icv.
 */
static int ah_hash(struct ah_ctx *ctx, bool out, crypto_completion_t cb)
{
	struct sk_buff *skb = ctx->skb;
	struct nfipsec_sa *sa = ctx->sa;
	bool esn = nfipsec_sa_esn(sa);
	struct ahash_request *req = ah_req(ctx);
	struct scatterlist *sg = ah_sg(ctx);
	int n, err;

	memcpy(ah_saved(ctx), skb_network_header(skb), ctx->hlen);
	err = ah_clear_mutable(skb, sa->family, ctx->hlen, out);
	if (err)
		return err;

	sg_init_table(sg, ctx->nsg);
	n = skb_to_sgvec_nomark(skb, sg, 0, skb->len);
	if (unlikely(n < 0))
		return n;
	if (esn) {
		ctx->seqhi = htonl(upper_32_bits(ctx->seq));
		sg_set_buf(sg + n, &ctx->seqhi, sizeof(ctx->seqhi));
		n++;
	}
	sg_mark_end(sg + n - 1);
	ahash_request_set_tfm(req, sa->ahash);
	/* No backlog, as ESP (esp.c): a full engine queue drops. */
	ahash_request_set_callback(req, 0, cb, ctx);
	ahash_request_set_crypt(req, sg, ctx->icv, skb->len + (esn ? 4 : 0));
	return crypto_ahash_digest(req);
}

static void ah_restore(struct ah_ctx *ctx)
{
	memcpy(skb_network_header(ctx->skb), ah_saved(ctx), ctx->hlen);
}

static void ah_finish(struct ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct nfipsec_sa *sa = ctx->sa;
	nfipsec_esp_done_t done = ctx->done;
	u64 seq = ctx->seq;

	kfree(ctx);
	done(skb, sa, seq, err);
}

/* Output, once hashed: the headers back, the ICV in AH. */
static void ah_output_finish(struct ah_ctx *ctx, int err)
{
	struct ip_auth_hdr *ah;

	ah_restore(ctx);
	if (!err) {
		ah = (struct ip_auth_hdr *)(skb_network_header(ctx->skb) +
					    ctx->hlen);
		memcpy(ah->auth_data, ctx->icv, ctx->sa->icvlen);
	}
	ah_finish(ctx, err);
}

static void ah_output_done(NFIPSEC_CRYPTO_DONE_ARG data, int err)
{
	struct ah_ctx *ctx = nfipsec_crypto_done_data(data);

	WARN_ON_ONCE(err == -EINPROGRESS);	/* no backlog: never */
	nfipsec_sa_stat_add(ctx->sa, NFIPSEC_SA_STAT_ASYNC, 1);
	local_bh_disable();	/* as esp.c */
	ah_output_finish(ctx, err);
	local_bh_enable();
}

/*
 * skb->data is the network header of the whole packet: hlen bytes of IP
 * header (and the extension headers or options that stay in front), then
 * room for AH (nfipsec_ah_len()), then the payload, nexthdr's. The lengths
 * and the field naming AH are set, and IPv4's ID: the caller's.
 */
void nfipsec_ah_output(struct sk_buff *skb, struct nfipsec_sa *sa,
		       unsigned int hlen, u8 nexthdr, nfipsec_esp_done_t done)
{
	unsigned int ahlen = nfipsec_ah_len(sa);
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct ah_ctx *ctx;
	int nfrags, err;
	u64 seq;

	seq = atomic64_inc_return(&sa->seq_out);
	if (unlikely(nfipsec_sa_esn(sa) ? !seq : seq > U32_MAX)) {
		atomic64_set(&sa->seq_out, nfipsec_sa_esn(sa) ? U64_MAX : U32_MAX);
		done(skb, sa, 0, -ERANGE);
		return;
	}
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0)) {
		done(skb, sa, seq, nfrags);
		return;
	}
	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ah->nexthdr = nexthdr;
	ah->hdrlen = (ahlen >> 2) - 2;
	ah->reserved = 0;
	ah->spi = sa->spi;
	ah->seq_no = htonl(lower_32_bits(seq));
	memset(ah->auth_data, 0, ahlen - sizeof(*ah));

	ctx = ah_ctx_alloc(skb, sa, nfrags + nfipsec_sa_esn(sa), hlen, seq,
			   done);
	if (unlikely(!ctx)) {
		done(skb, sa, seq, -ENOMEM);
		return;
	}
	err = ah_hash(ctx, true, ah_output_done);
	if (err == -EINPROGRESS)
		return;	/* ah_output_done finishes */
	WARN_ON_ONCE(err == -EBUSY);	/* only with a backlog */
	ah_output_finish(ctx, err);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_ah_output);

/* Input, once hashed: the headers back; the ICVs compared; AH stripped. */
static void ah_input_finish(struct ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	unsigned int ahlen = ctx->ahlen;
	struct ip_auth_hdr *ah;

	ah_restore(ctx);
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + ctx->hlen);
	if (!err) {
		/* The packet's ICV back too: nothing shows it was zeroed. */
		memcpy(ah->auth_data, ctx->rcv_icv, ctx->sa->icvlen);
		if (crypto_memneq(ctx->icv, ctx->rcv_icv, ctx->sa->icvlen))
			err = -EBADMSG;
	}
	if (!err) {
		NFIPSEC_ESP_CB(skb)->nexthdr = ah->nexthdr;
		__skb_pull(skb, ctx->hlen + ahlen);
	}
	ah_finish(ctx, err);
}

static void ah_input_done(NFIPSEC_CRYPTO_DONE_ARG data, int err)
{
	struct ah_ctx *ctx = nfipsec_crypto_done_data(data);

	WARN_ON_ONCE(err == -EINPROGRESS);
	nfipsec_sa_stat_add(ctx->sa, NFIPSEC_SA_STAT_ASYNC, 1);
	local_bh_disable();
	ah_input_finish(ctx, err);
	local_bh_enable();
}

/*
 * skb->data is the network header; AH at hlen, its sequence number seq
 * (inferred by the caller). On success skb->data is the payload after AH,
 * the headers in front untouched, and the next header value in
 * *NFIPSEC_ESP_CB(skb).
 */
void nfipsec_ah_input(struct sk_buff *skb, struct nfipsec_sa *sa,
		      unsigned int hlen, u64 seq, nfipsec_esp_done_t done)
{
	unsigned int len4 = ALIGN(sizeof(struct ip_auth_hdr) + sa->icvlen, 4);
	unsigned int ahlen;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct ah_ctx *ctx;
	int nfrags, err;

	if (unlikely(skb_network_offset(skb) ||
		     !pskb_may_pull(skb, hlen + sizeof(*ah)))) {
		done(skb, sa, seq, -EINVAL);
		return;
	}
	/*
	 * Its length is the SA's: IPv4 takes either padding (RFC 4302's
	 * 4 bytes, or the 8 that plain ip xfrm sends), IPv6 8 bytes.
	 */
	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ahlen = (ah->hdrlen + 2) << 2;
	if (unlikely((ahlen != ALIGN(len4, 8) &&
		      (sa->family == AF_INET6 || ahlen != len4)) ||
		     !pskb_may_pull(skb, hlen + ahlen))) {
		done(skb, sa, seq, -EINVAL);
		return;
	}
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0)) {
		done(skb, sa, seq, nfrags);
		return;
	}
	ctx = ah_ctx_alloc(skb, sa, nfrags + nfipsec_sa_esn(sa), hlen, seq,
			   done);
	if (unlikely(!ctx)) {
		done(skb, sa, seq, -ENOMEM);
		return;
	}
	ctx->ahlen = ahlen;
	/* skb_cow_data() may have moved the head. */
	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	memcpy(ctx->rcv_icv, ah->auth_data, sa->icvlen);
	/*
	 * The ICV only: its padding is hashed as it came (XFRM sends it
	 * unzeroed, and hashes it as sent).
	 */
	memset(ah->auth_data, 0, sa->icvlen);
	err = ah_hash(ctx, false, ah_input_done);
	if (err == -EINPROGRESS)
		return;
	WARN_ON_ONCE(err == -EBUSY);
	ah_input_finish(ctx, err);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_ah_input);
