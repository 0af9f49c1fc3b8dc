// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ESP build and parse against published test vectors, through the
 * module's own ESP code (esp.c): the packet layout, the associated data
 * (SPI, sequence number, ESN high half) and the IV handling.
 *  - AES-GCM-128 (RFC 4106), the ESP packet of draft-mcgrew-gcm-test-01 as
 *    the kernel's crypto/testmgr.h carries it: built byte for byte, parsed
 *    back, and refused when one bit flips;
 *  - AES-128-CBC with HMAC-SHA-256 (full 256-bit ICV): RFC 3602's case 5
 *    ESP packet (its padding and trailer included), authenticated as the
 *    kernel's testmgr.h does: built byte for byte and parsed back;
 *  - ChaCha20-Poly1305 (RFC 7634) with ESN, and AES-GCM with ESN across a
 *    wrap of the low half: round trips, the high half authenticated;
 *  - nonces: for every IV generator and mode (seqiv: GCM, CCM, GMAC,
 *    ChaCha20-Poly1305, CTR; echainiv: CBC; with and without ESN), two SAs
 *    with the same key sending the same sequence numbers use different IVs
 *    and each decrypts the other's packets; no IV repeats, within one SA or
 *    across the two, over hundreds of packets. Null encryption (no IV).
 * The vectors' fixed IVs go through a transform without IV generator
 * (nfipsec_esp_output_iv); everything else through the datapath's.
 */

#include <crypto/aead.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/skbuff.h>
#include <linux/sort.h>

#include "../nfipsec.h"
#include "../esp.h"
#include "../sa.h"

/* draft-mcgrew-gcm-test-01 (RFC 4106), AES-128: SPI 0xa5f8, seq 10 */
static const u8 gcm_key[] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xca, 0xfe, 0xba, 0xbe,
};

static const u8 gcm_iv[] = {
	0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};

static const u8 gcm_ptext[] = {
	0x45, 0x00, 0x00, 0x3e, 0x69, 0x8f, 0x00, 0x00,
	0x80, 0x11, 0x4d, 0xcc, 0xc0, 0xa8, 0x01, 0x02,
	0xc0, 0xa8, 0x01, 0x01, 0x0a, 0x98, 0x00, 0x35,
	0x00, 0x2a, 0x23, 0x43, 0xb2, 0xd0, 0x01, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x73, 0x69, 0x70, 0x09, 0x63, 0x79, 0x62,
	0x65, 0x72, 0x63, 0x69, 0x74, 0x79, 0x02, 0x64,
	0x6b, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01,
};

static const u8 gcm_ctext[] = {
	0xde, 0xb2, 0x2c, 0xd9, 0xb0, 0x7c, 0x72, 0xc1,
	0x6e, 0x3a, 0x65, 0xbe, 0xeb, 0x8d, 0xf3, 0x04,
	0xa5, 0xa5, 0x89, 0x7d, 0x33, 0xae, 0x53, 0x0f,
	0x1b, 0xa7, 0x6d, 0x5d, 0x11, 0x4d, 0x2a, 0x5c,
	0x3d, 0xe8, 0x18, 0x27, 0xc1, 0x0e, 0x9a, 0x4f,
	0x51, 0x33, 0x0d, 0x0e, 0xec, 0x41, 0x66, 0x42,
	0xcf, 0xbb, 0x85, 0xa5, 0xb4, 0x7e, 0x48, 0xa4,
	0xec, 0x3b, 0x9b, 0xa9, 0x5d, 0x91, 0x8b, 0xd1,
	0x83, 0xb7, 0x0d, 0x3a, 0xa8, 0xbc, 0x6e, 0xe4,
	0xc3, 0x09, 0xe9, 0xd8, 0x5a, 0x41, 0xad, 0x4a,
};

/* RFC 3602 case 5 (AES-128-CBC ESP packet) with HMAC-SHA-256, full ICV */
static const u8 cbc_auth_key[] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11,
	0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22,
};

static const u8 cbc_enc_key[] = {
	0x90, 0xd3, 0x82, 0xb4, 0x10, 0xee, 0xba, 0x7a,
	0xd9, 0x38, 0xc4, 0x6c, 0xec, 0x1a, 0x82, 0xbf,
};

static const u8 cbc_iv[] = {
	0xe9, 0x6e, 0x8c, 0x08, 0xab, 0x46, 0x57, 0x63,
	0xfd, 0x09, 0x8d, 0x45, 0xdd, 0x3f, 0xf8, 0x93,
};

static const u8 cbc_ptext[] = {
	0x08, 0x00, 0x0e, 0xbd, 0xa7, 0x0a, 0x00, 0x00,
	0x8e, 0x9c, 0x08, 0x3d, 0xb9, 0x5b, 0x07, 0x00,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0e, 0x01,
};

static const u8 cbc_ctext[] = {
	0xf6, 0x63, 0xc2, 0x5d, 0x32, 0x5c, 0x18, 0xc6,
	0xa9, 0x45, 0x3e, 0x19, 0x4e, 0x12, 0x08, 0x49,
	0xa4, 0x87, 0x0b, 0x66, 0xcc, 0x6b, 0x99, 0x65,
	0x33, 0x00, 0x13, 0xb4, 0x89, 0x8d, 0xc8, 0x56,
	0xa4, 0x69, 0x9e, 0x52, 0x3a, 0x55, 0xdb, 0x08,
	0x0b, 0x59, 0xec, 0x3a, 0x8e, 0x4b, 0x7e, 0x52,
	0x77, 0x5b, 0x07, 0xd1, 0xdb, 0x34, 0xed, 0x9c,
	0x53, 0x8a, 0xb5, 0x0c, 0x55, 0x1b, 0x87, 0x4a,
	0xa2, 0x69, 0xad, 0xd0, 0x47, 0xad, 0x2d, 0x59,
	0x13, 0xac, 0x19, 0xb7, 0xcf, 0xba, 0xd4, 0xa6,
	0xbb, 0xd4, 0x0f, 0xbe, 0xa3, 0x3b, 0x4c, 0xb8,
	0x3a, 0xd2, 0xe1, 0x03, 0x86, 0xa5, 0x59, 0xb7,
	0x73, 0xc3, 0x46, 0x20, 0x2c, 0xb1, 0xef, 0x68,
	0xbb, 0x8a, 0x32, 0x7e, 0x12, 0x8c, 0x69, 0xcf,
};

/* RFC 7539 A.5's key and text, used as a ChaCha20-Poly1305 key and payload */
static const u8 chacha_key[] = {
	0x1c, 0x92, 0x40, 0xa5, 0xeb, 0x55, 0xd3, 0x8a,
	0xf3, 0x33, 0x88, 0x86, 0x04, 0xf6, 0xb5, 0xf0,
	0x47, 0x39, 0x17, 0xc1, 0x40, 0x2b, 0x80, 0x09,
	0x9d, 0xca, 0x5c, 0xbc, 0x20, 0x70, 0x75, 0xc0,
	0x00, 0x00, 0x00, 0x00,
};

static const u8 chacha_ptext[] = {
	0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74,
	0x2d, 0x44, 0x72, 0x61, 0x66, 0x74, 0x73, 0x20,
	0x61, 0x72, 0x65, 0x20, 0x64, 0x72, 0x61, 0x66,
	0x74, 0x20, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65,
	0x6e, 0x74, 0x73, 0x20, 0x76, 0x61, 0x6c, 0x69,
	0x64, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x61, 0x20,
	0x6d, 0x61, 0x78, 0x69, 0x6d, 0x75, 0x6d, 0x20,
	0x6f, 0x66, 0x20, 0x73, 0x69, 0x78, 0x20, 0x6d,
	0x6f, 0x6e, 0x74, 0x68, 0x73, 0x20, 0x61, 0x6e,
	0x64, 0x20, 0x6d, 0x61, 0x79, 0x20, 0x62, 0x65,
	0x20, 0x75, 0x70, 0x64, 0x61, 0x74, 0x65, 0x64,
	0x2c, 0x20, 0x72, 0x65, 0x70, 0x6c, 0x61, 0x63,
	0x65, 0x64, 0x2c, 0x20, 0x6f, 0x72, 0x20, 0x6f,
	0x62, 0x73, 0x6f, 0x6c, 0x65, 0x74, 0x65, 0x64,
	0x20, 0x62, 0x79, 0x20, 0x6f, 0x74, 0x68, 0x65,
	0x72, 0x20, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65,
	0x6e, 0x74, 0x73, 0x20, 0x61, 0x74, 0x20, 0x61,
	0x6e, 0x79, 0x20, 0x74, 0x69, 0x6d, 0x65, 0x2e,
	0x20, 0x49, 0x74, 0x20, 0x69, 0x73, 0x20, 0x69,
	0x6e, 0x61, 0x70, 0x70, 0x72, 0x6f, 0x70, 0x72,
	0x69, 0x61, 0x74, 0x65, 0x20, 0x74, 0x6f, 0x20,
	0x75, 0x73, 0x65, 0x20, 0x49, 0x6e, 0x74, 0x65,
	0x72, 0x6e, 0x65, 0x74, 0x2d, 0x44, 0x72, 0x61,
	0x66, 0x74, 0x73, 0x20, 0x61, 0x73, 0x20, 0x72,
	0x65, 0x66, 0x65, 0x72, 0x65, 0x6e, 0x63, 0x65,
	0x20, 0x6d, 0x61, 0x74, 0x65, 0x72, 0x69, 0x61,
	0x6c, 0x20, 0x6f, 0x72, 0x20, 0x74, 0x6f, 0x20,
	0x63, 0x69, 0x74, 0x65, 0x20, 0x74, 0x68, 0x65,
	0x6d, 0x20, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x20,
	0x74, 0x68, 0x61, 0x6e, 0x20, 0x61, 0x73, 0x20,
	0x2f, 0xe2, 0x80, 0x9c, 0x77, 0x6f, 0x72, 0x6b,
	0x20, 0x69, 0x6e, 0x20, 0x70, 0x72, 0x6f, 0x67,
	0x72, 0x65, 0x73, 0x73, 0x2e, 0x2f, 0xe2, 0x80,
	0x9d,
};

static struct {
	struct completion done;
	int err;
} esp_res;

static void esp_test_done(struct sk_buff *skb, struct nfipsec_sa *sa, u64 seq,
			  int err)
{
	esp_res.err = err;
	complete(&esp_res.done);
}

static int esp_wait(struct kunit *test)
{
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&esp_res.done, 10 * HZ));
	return esp_res.err;
}

static void aead_free_action(void *aead)
{
	crypto_free_aead(aead);
}

/*
 * Encrypt skb's data; the error. With iv, through a transform of the SA
 * without IV generator (test vectors only); else as the datapath does.
 */
static int esp_out(struct kunit *test, struct sk_buff *skb,
		   struct nfipsec_sa *sa, u8 nexthdr, const u8 *iv)
{
	struct crypto_aead *bare;
	int err;

	if (iv) {
		bare = nfipsec_sa_alloc_bare_aead(sa);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bare);
		err = kunit_add_action_or_reset(test, aead_free_action, bare);
		KUNIT_ASSERT_EQ(test, 0, err);
		KUNIT_ASSERT_EQ(test, sa->ivlen, crypto_aead_ivsize(bare));
		KUNIT_ASSERT_EQ(test, sa->icvlen, crypto_aead_authsize(bare));
		init_completion(&esp_res.done);
		nfipsec_esp_output_iv(skb, sa, bare, nexthdr, iv, esp_test_done);
	} else {
		init_completion(&esp_res.done);
		nfipsec_esp_output(skb, sa, nexthdr, esp_test_done);
	}
	return esp_wait(test);
}

/* Authenticate and decrypt the ESP packet in skb; the error. */
static int esp_in(struct kunit *test, struct sk_buff *skb,
		  struct nfipsec_sa *sa, u64 seq)
{
	init_completion(&esp_res.done);
	nfipsec_esp_input(skb, sa, 0, seq, esp_test_done);
	return esp_wait(test);
}

static void sa_put_action(void *sa)
{
	nfipsec_sa_put(sa);
}

static struct nfipsec_sa *sa_new(struct kunit *test, const char *alg,
				 const u8 *key, unsigned int klen, __be32 spi,
				 u32 flags)
{
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_sa *sa;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = IPPROTO_ESP;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->spi = spi;
	cfg->flags = flags;
	cfg->replay_window = 64;
	cfg->algs[NFIPSEC_ALG_AEAD].alg = nfipsec_alg_find(alg, NFIPSEC_ALG_AEAD);
	KUNIT_ASSERT_NOT_NULL(test, cfg->algs[NFIPSEC_ALG_AEAD].alg);
	cfg->algs[NFIPSEC_ALG_AEAD].key_len = klen;
	memcpy(cfg->algs[NFIPSEC_ALG_AEAD].key, key, klen);
	sa = nfipsec_sa_create(NULL, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sa_put_action,
							   sa));
	return sa;
}

static struct nfipsec_sa *sa_new_cbc(struct kunit *test)
{
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_sa *sa;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = IPPROTO_ESP;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->spi = htonl(0x4321);
	cfg->algs[NFIPSEC_ALG_CRYPT].alg = nfipsec_alg_find("cbc(aes)",
							    NFIPSEC_ALG_CRYPT);
	cfg->algs[NFIPSEC_ALG_CRYPT].key_len = sizeof(cbc_enc_key);
	memcpy(cfg->algs[NFIPSEC_ALG_CRYPT].key, cbc_enc_key,
	       sizeof(cbc_enc_key));
	cfg->algs[NFIPSEC_ALG_AUTH].alg = nfipsec_alg_find("hmac(sha256)",
							   NFIPSEC_ALG_AUTH);
	cfg->algs[NFIPSEC_ALG_AUTH].key_len = sizeof(cbc_auth_key);
	cfg->algs[NFIPSEC_ALG_AUTH].icv_bits = 256;
	memcpy(cfg->algs[NFIPSEC_ALG_AUTH].key, cbc_auth_key,
	       sizeof(cbc_auth_key));
	sa = nfipsec_sa_create(NULL, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sa_put_action,
							   sa));
	return sa;
}

static void skb_free_action(void *skb)
{
	kfree_skb(skb);
}

static struct sk_buff *skb_with(struct kunit *test, const void *data,
				unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len + 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, skb_free_action,
							   skb));
	skb_reserve(skb, 64);
	skb_put_data(skb, data, len);
	return skb;
}

/* SPI | seq | IV | ciphertext and ICV: the vector's ESP packet. */
static u8 *gcm_packet(struct kunit *test, unsigned int *len)
{
	static const u8 hdr[] = { 0x00, 0x00, 0xa5, 0xf8, 0x00, 0x00, 0x00, 0x0a };
	u8 *p;

	*len = sizeof(hdr) + sizeof(gcm_iv) + sizeof(gcm_ctext);
	p = kunit_kmalloc(test, *len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + sizeof(hdr), gcm_iv, sizeof(gcm_iv));
	memcpy(p + sizeof(hdr) + sizeof(gcm_iv), gcm_ctext, sizeof(gcm_ctext));
	return p;
}

static void nfipsec_test_esp_gcm_build(struct kunit *test)
{
	struct nfipsec_sa *sa = sa_new(test, "rfc4106(gcm(aes))", gcm_key,
				       sizeof(gcm_key), htonl(0xa5f8), 0);
	/* The payload is the vector's plaintext without its ESP trailer. */
	struct sk_buff *skb = skb_with(test, gcm_ptext, sizeof(gcm_ptext) - 2);
	unsigned int len;
	u8 *want = gcm_packet(test, &len);

	atomic64_set(&sa->seq_out, 9);	/* the next packet is number 10 */
	KUNIT_ASSERT_EQ(test, 0, esp_out(test, skb, sa,
					 gcm_ptext[sizeof(gcm_ptext) - 1], gcm_iv));
	KUNIT_ASSERT_EQ(test, len, skb->len);
	KUNIT_EXPECT_MEMEQ(test, want, skb->data, len);
}

static void nfipsec_test_esp_gcm_parse(struct kunit *test)
{
	struct nfipsec_sa *sa = sa_new(test, "rfc4106(gcm(aes))", gcm_key,
				       sizeof(gcm_key), htonl(0xa5f8), 0);
	struct sk_buff *skb;
	unsigned int len;
	u8 *pkt = gcm_packet(test, &len);

	skb = skb_with(test, pkt, len);
	KUNIT_ASSERT_EQ(test, 0, esp_in(test, skb, sa, 10));
	/* What is left is the payload; the trailer gave its next header. */
	KUNIT_EXPECT_EQ(test, gcm_ptext[sizeof(gcm_ptext) - 1],
			NFIPSEC_ESP_CB(skb)->nexthdr);
	KUNIT_ASSERT_EQ(test, sizeof(gcm_ptext) - 2, skb->len);
	KUNIT_EXPECT_MEMEQ(test, gcm_ptext, skb->data, skb->len);

	/* One flipped bit anywhere: the ICV check fails. */
	pkt[len / 2] ^= 0x10;
	skb = skb_with(test, pkt, len);
	KUNIT_EXPECT_EQ(test, -EBADMSG, esp_in(test, skb, sa, 10));
	pkt[len / 2] ^= 0x10;
	/* A wrong sequence number is a wrong ICV too (it is authenticated). */
	skb = skb_with(test, pkt, len);
	KUNIT_EXPECT_EQ(test, -EBADMSG, esp_in(test, skb, sa, 11));
}

static void nfipsec_test_esp_cbc_sha256(struct kunit *test)
{
	static const u8 hdr[] = { 0x00, 0x00, 0x43, 0x21, 0x00, 0x00, 0x00, 0x01 };
	struct nfipsec_sa *sa = sa_new_cbc(test);
	/* The payload: the plaintext less its 14 pad bytes and trailer. */
	unsigned int plen = sizeof(cbc_ptext) - 16;
	unsigned int len = sizeof(hdr) + sizeof(cbc_iv) + sizeof(cbc_ctext);
	struct sk_buff *skb = skb_with(test, cbc_ptext, plen);
	u8 *want;

	want = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	memcpy(want, hdr, sizeof(hdr));
	memcpy(want + sizeof(hdr), cbc_iv, sizeof(cbc_iv));
	memcpy(want + sizeof(hdr) + sizeof(cbc_iv), cbc_ctext,
	       sizeof(cbc_ctext));

	atomic64_set(&sa->seq_out, 0);
	KUNIT_ASSERT_EQ(test, 0, esp_out(test, skb, sa,
					 cbc_ptext[sizeof(cbc_ptext) - 1], cbc_iv));
	KUNIT_ASSERT_EQ(test, len, skb->len);
	KUNIT_EXPECT_MEMEQ(test, want, skb->data, len);

	skb = skb_with(test, want, len);
	KUNIT_ASSERT_EQ(test, 0, esp_in(test, skb, sa, 1));
	KUNIT_EXPECT_EQ(test, cbc_ptext[sizeof(cbc_ptext) - 1],
			NFIPSEC_ESP_CB(skb)->nexthdr);
	KUNIT_ASSERT_EQ(test, plen, skb->len);
	KUNIT_EXPECT_MEMEQ(test, cbc_ptext, skb->data, plen);

	want[len - 1] ^= 1;	/* the ICV's last bit */
	skb = skb_with(test, want, len);
	KUNIT_EXPECT_EQ(test, -EBADMSG, esp_in(test, skb, sa, 1));
}

/*
 * ChaCha20-Poly1305 (RFC 7634) with 64-bit sequence numbers: the high half
 * is not on the wire but in the ICV; with another high half the packet
 * does not authenticate. (RFC 7539's A.5 vector cannot serve here: its
 * 265-byte plaintext is no valid ESP payload, which is 4-byte aligned.)
 */
static void nfipsec_test_esp_chacha_esn(struct kunit *test)
{
	struct nfipsec_sa *sa = sa_new(test, "rfc7539esp(chacha20,poly1305)",
				       chacha_key, sizeof(chacha_key),
				       htonl(0xf3338886), NFIPSEC_SA_F_ESN);
	u64 seq = (3ULL << 32) | 0x4e91;
	/* SPI, seq | IV | 100 bytes + 2 of trailer, padded to 4 | ICV */
	const unsigned int len = 8 + 8 + 104 + 16;
	struct sk_buff *skb;
	u8 *pkt;

	skb = skb_with(test, chacha_ptext, 100);
	atomic64_set(&sa->seq_out, seq - 1);
	KUNIT_ASSERT_EQ(test, 0, esp_out(test, skb, sa, IPPROTO_IPV6, NULL));
	KUNIT_EXPECT_EQ(test, 0x4e91U, get_unaligned_be32(skb->data + 4));
	KUNIT_ASSERT_EQ(test, len, skb->len);
	pkt = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	memcpy(pkt, skb->data, len);

	KUNIT_ASSERT_EQ(test, 0, esp_in(test, skb, sa, seq));
	KUNIT_EXPECT_EQ(test, IPPROTO_IPV6, NFIPSEC_ESP_CB(skb)->nexthdr);
	KUNIT_ASSERT_EQ(test, 100U, skb->len);
	KUNIT_EXPECT_MEMEQ(test, chacha_ptext, skb->data, 100);

	/* The same packet, intact, under another high half: refused. */
	skb = skb_with(test, pkt, len);
	KUNIT_EXPECT_EQ(test, -EBADMSG,
			esp_in(test, skb, sa, seq + (1ULL << 32)));
	/* ... and accepted under its own (the packet itself is sound). */
	skb = skb_with(test, pkt, len);
	KUNIT_EXPECT_EQ(test, 0, esp_in(test, skb, sa, seq));
}

/* AES-GCM with ESN across a wrap of the low half: a round trip. */
static void nfipsec_test_esp_round_trip(struct kunit *test)
{
	struct nfipsec_sa *sa = sa_new(test, "rfc4106(gcm(aes))", gcm_key,
				       sizeof(gcm_key), htonl(0x1234),
				       NFIPSEC_SA_F_ESN);
	struct sk_buff *skb = skb_with(test, gcm_ptext, 61);
	u64 seq = (7ULL << 32) | 0xfffffffe;

	atomic64_set(&sa->seq_out, seq - 1);
	KUNIT_ASSERT_EQ(test, 0, esp_out(test, skb, sa, IPPROTO_IPIP, NULL));
	/* Only the low half of the number is on the wire. */
	KUNIT_EXPECT_EQ(test, (u32)seq, get_unaligned_be32(skb->data + 4));
	/* 61 bytes + 2 of trailer, padded to 4: 64, then 16 of ICV. */
	KUNIT_EXPECT_EQ(test, 8U + 8 + 64 + 16, skb->len);
	KUNIT_ASSERT_EQ(test, 0, esp_in(test, skb, sa, seq));
	KUNIT_EXPECT_EQ(test, IPPROTO_IPIP, NFIPSEC_ESP_CB(skb)->nexthdr);
	KUNIT_ASSERT_EQ(test, 61U, skb->len);
	KUNIT_EXPECT_MEMEQ(test, gcm_ptext, skb->data, 61);
}

/* An SA of each IV generator and mode, keyed with a fixed pattern. */
struct esp_iv_case {
	const char *desc;
	const char *aead, *enc, *auth;	/* ip-xfrm names; NULL: absent */
	u8 key_len, auth_key_len;	/* bytes, salt included */
	u16 icv_bits;			/* 0: the default */
	u32 flags;
};

static const struct esp_iv_case esp_iv_cases[] = {
	{ "seqiv-gcm", "rfc4106(gcm(aes))", NULL, NULL, 16 + 4, 0, 128, 0 },
	{ "seqiv-gcm256-esn", "rfc4106(gcm(aes))", NULL, NULL, 32 + 4, 0, 96,
	  NFIPSEC_SA_F_ESN },
	{ "seqiv-ccm", "rfc4309(ccm(aes))", NULL, NULL, 16 + 3, 0, 128, 0 },
	{ "seqiv-gmac", "rfc4543(gcm(aes))", NULL, NULL, 16 + 4, 0, 128, 0 },
	{ "seqiv-chacha20poly1305-esn", "rfc7539esp(chacha20,poly1305)",
	  NULL, NULL, 32 + 4, 0, 128, NFIPSEC_SA_F_ESN },
	{ "seqiv-ctr-sha1", NULL, "rfc3686(ctr(aes))", "hmac(sha1)", 16 + 4,
	  20, 0, 0 },
	{ "echainiv-cbc-aes-sha256", NULL, "cbc(aes)", "hmac(sha256)", 16, 32,
	  128, 0 },
	{ "echainiv-cbc-aes-sha256-esn", NULL, "cbc(aes)", "hmac(sha256)", 32,
	  32, 128, NFIPSEC_SA_F_ESN },
	{ "echainiv-cbc-3des-sha1", NULL, "cbc(des3_ede)", "hmac(sha1)", 24,
	  20, 0, 0 },
};

static void esp_iv_case_desc(const struct esp_iv_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(esp_iv, esp_iv_cases, esp_iv_case_desc);

static void esp_key_fill(u8 *key, unsigned int len, u8 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		key[i] = seed + i * 29;	/* no two 3DES subkeys alike */
}

static void esp_alg_set(struct kunit *test, struct nfipsec_sa_alg *a,
			const char *name, enum nfipsec_alg_kind kind,
			unsigned int key_len, u8 seed, u32 icv_bits)
{
	a->alg = nfipsec_alg_find(name, kind);
	KUNIT_ASSERT_NOT_NULL(test, a->alg);
	a->key_len = key_len;
	a->icv_bits = icv_bits;
	esp_key_fill(a->key, key_len, seed);
}

static struct nfipsec_sa *sa_new_case(struct kunit *test,
				      const struct esp_iv_case *c)
{
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_sa *sa;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = AF_INET;
	cfg->proto = IPPROTO_ESP;
	cfg->mode = NFIPSEC_MODE_TUNNEL;
	cfg->spi = htonl(0x1001);
	cfg->flags = c->flags;
	cfg->replay_window = 64;
	if (c->aead)
		esp_alg_set(test, &cfg->algs[NFIPSEC_ALG_AEAD], c->aead,
			    NFIPSEC_ALG_AEAD, c->key_len, 0x31, c->icv_bits);
	if (c->enc)
		esp_alg_set(test, &cfg->algs[NFIPSEC_ALG_CRYPT], c->enc,
			    NFIPSEC_ALG_CRYPT, c->key_len, 0x31, 0);
	if (c->auth)
		esp_alg_set(test, &cfg->algs[NFIPSEC_ALG_AUTH], c->auth,
			    NFIPSEC_ALG_AUTH, c->auth_key_len, 0x5a, c->icv_bits);
	sa = nfipsec_sa_create(NULL, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, sa_put_action,
							   sa));
	return sa;
}

/* The first sequence number of the case: ESN ones cross a low-half wrap. */
static u64 esp_iv_first_seq(const struct esp_iv_case *c)
{
	return c->flags & NFIPSEC_SA_F_ESN ? (5ULL << 32) | 0xffffff80 : 1;
}

/*
 * One packet of seq from sa, of 61 bytes of payload: an skb the test frees
 * (esp_iv_free() frees it earlier).
 */
static struct sk_buff *esp_iv_packet(struct kunit *test, struct nfipsec_sa *sa,
				     u64 seq)
{
	struct sk_buff *skb = skb_with(test, gcm_ptext, 61);

	atomic64_set(&sa->seq_out, seq - 1);
	KUNIT_ASSERT_EQ(test, 0, esp_out(test, skb, sa, IPPROTO_IPIP, NULL));
	KUNIT_ASSERT_EQ(test, 8U + sa->ivlen + ALIGN(61 + 2, sa->align) +
			sa->icvlen, skb->len);
	KUNIT_ASSERT_EQ(test, (u32)seq, get_unaligned_be32(skb->data + 4));
	return skb;
}

static void esp_iv_free(struct kunit *test, struct sk_buff *skb)
{
	kunit_release_action(test, skb_free_action, skb);
}

/* Decrypt a copy of pkt with sa; the error. */
static int esp_iv_open(struct kunit *test, struct nfipsec_sa *sa,
		       const struct sk_buff *pkt, u64 seq)
{
	struct sk_buff *skb = skb_with(test, pkt->data, pkt->len);
	int err = esp_in(test, skb, sa, seq);

	if (!err) {
		KUNIT_EXPECT_EQ(test, IPPROTO_IPIP, NFIPSEC_ESP_CB(skb)->nexthdr);
		KUNIT_EXPECT_EQ(test, 61U, skb->len);
		KUNIT_EXPECT_MEMEQ(test, gcm_ptext, skb->data, 61);
	}
	esp_iv_free(test, skb);
	return err;
}

/*
 * Two SAs with the same key (both directions keyed alike, or an SA added
 * again by hand) sending the same sequence numbers and the same payload:
 * their IVs differ, so do their ciphertexts, and each SA decrypts the
 * other's packets (the IV is the packet's, whichever transform made it).
 */
static void nfipsec_test_esp_same_key_iv(struct kunit *test)
{
	const struct esp_iv_case *c = test->param_value;
	struct nfipsec_sa *a = sa_new_case(test, c);
	struct nfipsec_sa *b = sa_new_case(test, c);
	u64 seq = esp_iv_first_seq(c);
	struct sk_buff *pa, *pb;
	const char *name;
	int i;

	/* The datapath's transform is the generator named by the case. */
	name = crypto_tfm_alg_name(crypto_aead_tfm(a->aead));
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(name, c->desc,
					     strcspn(c->desc, "-")) &&
			      name[strcspn(c->desc, "-")] == '(',
			      "transform %s", name);
	KUNIT_ASSERT_GE(test, a->ivlen, 8);
	for (i = 0; i < 3; i++, seq++) {
		pa = esp_iv_packet(test, a, seq);
		pb = esp_iv_packet(test, b, seq);
		KUNIT_EXPECT_EQ(test, pa->len, pb->len);
		/* The same SPI and sequence number ... */
		KUNIT_EXPECT_MEMEQ(test, pa->data, pb->data, 8);
		/*
		 * ... but another IV, and so another ciphertext (GMAC
		 * encrypts nothing: another ICV).
		 */
		KUNIT_EXPECT_MEMNEQ(test, pa->data + 8, pb->data + 8, a->ivlen);
		if (c->aead && !strcmp(c->aead, "rfc4543(gcm(aes))"))
			KUNIT_EXPECT_MEMNEQ(test, pa->data + pa->len - a->icvlen,
					    pb->data + pb->len - a->icvlen,
					    a->icvlen);
		else
			KUNIT_EXPECT_MEMNEQ(test, pa->data + 8 + a->ivlen,
					    pb->data + 8 + a->ivlen, 16);
		KUNIT_EXPECT_EQ(test, 0, esp_iv_open(test, b, pa, seq));
		KUNIT_EXPECT_EQ(test, 0, esp_iv_open(test, a, pb, seq));
		KUNIT_EXPECT_EQ(test, 0, esp_iv_open(test, a, pa, seq));
		esp_iv_free(test, pa);
		esp_iv_free(test, pb);
	}
}

#define ESP_IV_PACKETS 200

static int esp_iv_cmp(const void *a, const void *b)
{
	return memcmp(a, b, NFIPSEC_ESP_MAX_IVLEN);
}

/*
 * The IVs of ESP_IV_PACKETS packets from each of two SAs with the same
 * key, over the same sequence numbers: not one value twice, in one SA or
 * across both.
 */
static void nfipsec_test_esp_iv_unique(struct kunit *test)
{
	const struct esp_iv_case *c = test->param_value;
	struct nfipsec_sa *sa[2] = { sa_new_case(test, c), sa_new_case(test, c) };
	u64 first = esp_iv_first_seq(c);
	unsigned int n = 2 * ESP_IV_PACKETS, i, j, dups = 0;
	struct sk_buff *skb;
	u8 *ivs;

	KUNIT_ASSERT_GE(test, sa[0]->ivlen, 8);
	ivs = kunit_kcalloc(test, n, NFIPSEC_ESP_MAX_IVLEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ivs);
	for (i = 0; i < ESP_IV_PACKETS; i++) {
		for (j = 0; j < 2; j++) {
			skb = esp_iv_packet(test, sa[j], first + i);
			memcpy(ivs + (2 * i + j) * NFIPSEC_ESP_MAX_IVLEN,
			       skb->data + 8, sa[j]->ivlen);
			esp_iv_free(test, skb);
		}
	}
	sort(ivs, n, NFIPSEC_ESP_MAX_IVLEN, esp_iv_cmp, NULL);
	for (i = 1; i < n; i++)
		if (!esp_iv_cmp(ivs + (i - 1) * NFIPSEC_ESP_MAX_IVLEN,
				ivs + i * NFIPSEC_ESP_MAX_IVLEN))
			dups++;
	KUNIT_EXPECT_EQ_MSG(test, 0U, dups, "%u repeated IVs among %u packets",
			    dups, n);
}

/* Null encryption: no IV, no generator; the payload authenticated. */
static void nfipsec_test_esp_null(struct kunit *test)
{
	static const struct esp_iv_case c = {
		"null-sha1", NULL, "ecb(cipher_null)", "hmac(sha1)", 0, 20, 0, 0,
	};
	struct nfipsec_sa *sa = sa_new_case(test, &c);
	struct sk_buff *skb;

	KUNIT_ASSERT_EQ(test, 0, sa->ivlen);
	KUNIT_ASSERT_EQ(test, 12, sa->icvlen);
	skb = esp_iv_packet(test, sa, 42);
	/* SPI, seq | 61 bytes + 2 of trailer, padded to 4 | ICV */
	KUNIT_EXPECT_EQ(test, 8U + 64 + 12, skb->len);
	/* In clear: the payload follows the ESP header. */
	KUNIT_EXPECT_MEMEQ(test, gcm_ptext, skb->data + 8, 61);
	KUNIT_EXPECT_EQ(test, 0, esp_iv_open(test, sa, skb, 42));
	skb->data[20] ^= 1;
	KUNIT_EXPECT_EQ(test, -EBADMSG, esp_iv_open(test, sa, skb, 42));
}

static struct kunit_case nfipsec_esp_cases[] = {
	KUNIT_CASE(nfipsec_test_esp_gcm_build),
	KUNIT_CASE(nfipsec_test_esp_gcm_parse),
	KUNIT_CASE(nfipsec_test_esp_cbc_sha256),
	KUNIT_CASE(nfipsec_test_esp_chacha_esn),
	KUNIT_CASE(nfipsec_test_esp_round_trip),
	KUNIT_CASE_PARAM(nfipsec_test_esp_same_key_iv, esp_iv_gen_params),
	/* 400 packets a case: seconds under TCG with KASAN */
	KUNIT_CASE_PARAM_ATTR(nfipsec_test_esp_iv_unique, esp_iv_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(nfipsec_test_esp_null),
	{}
};

static struct kunit_suite nfipsec_esp_suite = {
	.name = "nfipsec_esp",
	.test_cases = nfipsec_esp_cases,
};

kunit_test_suite(nfipsec_esp_suite);
