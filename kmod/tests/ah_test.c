// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: AH (ah.c) against packets that scapy's SecurityAssociation made,
 * an implementation no one here wrote, so that what the ICV covers is
 * checked field by field and not only against ourselves:
 *  - IPv4 transport, HMAC-SHA1-96: TOS, DF and TTL set; options Router
 *    Alert (immutable) and Record Route (mutable: zeroed whole);
 *  - IPv6 transport, HMAC-SHA-256-128 with ESN, sequence number 2^32 + 4
 *    (the high half, 1, hashed after the packet): traffic class, flow
 *    label and hop limit set; hop-by-hop options with a mutable option,
 *    destination options with an immutable one; AH padded to 8 bytes.
 * Each vector is built byte for byte (AH's header, ICV and padding), taken
 * on input as it is and with every mutable field changed on the way (the
 * headers left as they arrived), and refused (-EBADMSG) when an immutable
 * byte or the ESN high half changes.
 *
 * The vectors came from scapy 2.5.0:
 *   SecurityAssociation(AH, spi=0x711, auth_algo='HMAC-SHA1-96',
 *       auth_key=K160).encrypt(IP(src='10.0.0.1', dst='10.0.1.2',
 *       tos=0x10, ttl=64, flags='DF', id=0x1234,
 *       options=[IPOption_Router_Alert(), IPOption_RR(routers=['10.0.0.1'])])
 *       / ICMP(id=1, seq=1) / b'nfipsec', seq_num=1)
 *   SecurityAssociation(AH, spi=0x731, auth_algo='SHA2-256-128',
 *       auth_key=K256, esn_en=True, esn=1).encrypt(IPv6(src='fd00::1',
 *       dst='fd00:1::2', tc=0x20, fl=0x12345, hlim=64)
 *       / IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x3e,
 *       optdata=b'\x01\x02\x03\x04')]) / IPv6ExtHdrDestOpt(options=
 *       [HBHOptUnknown(otype=0x1e, optdata=b'\xaa\xbb\xcc\xdd')])
 *       / ICMPv6EchoRequest(id=1, seq=1, data=b'nfipsec'), seq_num=4)
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/skbuff.h>

#include "../nfipsec.h"
#include "../ah.h"
#include "../sa.h"

static const u8 k160[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04,
};

static const u8 k256[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* IP header with options (32 bytes), AH (24), ICMP echo (15) */
static const u8 ah4_vector[] = {
	0x48, 0x10, 0x00, 0x47, 0x12, 0x34, 0x40, 0x00,
	0x40, 0x33, 0x70, 0x28, 0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x01, 0x02, 0x94, 0x04, 0x00, 0x00,
	0x07, 0x07, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x00,
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x07, 0x11,
	0x00, 0x00, 0x00, 0x01, 0x46, 0xe2, 0x0b, 0xb0,
	0x95, 0x49, 0x96, 0x55, 0xb7, 0xae, 0xf3, 0x0e,
	0x08, 0x00, 0x49, 0xc1, 0x00, 0x01, 0x00, 0x01,
	0x6e, 0x66, 0x69, 0x70, 0x73, 0x65, 0x63,
};

/* IPv6 (40), hop-by-hop (8), destination options (8), AH (32), ICMPv6 (15) */
static const u8 ah6_vector[] = {
	0x62, 0x01, 0x23, 0x45, 0x00, 0x3f, 0x00, 0x40,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x3c, 0x00, 0x3e, 0x04, 0x01, 0x02, 0x03, 0x04,
	0x33, 0x00, 0x1e, 0x04, 0xaa, 0xbb, 0xcc, 0xdd,
	0x3a, 0x06, 0x00, 0x00, 0x00, 0x00, 0x07, 0x31,
	0x00, 0x00, 0x00, 0x04, 0xd3, 0x6d, 0x32, 0x4a,
	0xb9, 0x82, 0xb3, 0x9e, 0x2a, 0x19, 0xc8, 0x4b,
	0xaf, 0x28, 0xe3, 0xd3, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x00, 0xd7, 0x71, 0x00, 0x01, 0x00, 0x01,
	0x6e, 0x66, 0x69, 0x70, 0x73, 0x65, 0x63,
};

/* One vector: its SA, where AH is, what it carries. */
struct ah_case {
	const u8 *pkt;
	unsigned int len, hlen, ahlen;
	u8 family, nexthdr;
	const char *alg;
	const u8 *key;
	unsigned int key_len, icv_bits;
	__be32 spi;
	u64 seq;
	/* Bytes a router may change (offset, new value); one it may not. */
	struct { u8 off, val; } mutable[6];
	u8 immutable[3];
};

static const struct ah_case ah_cases[] = {
	{
		.pkt = ah4_vector, .len = sizeof(ah4_vector), .hlen = 32,
		.ahlen = 24, .family = AF_INET, .nexthdr = IPPROTO_ICMP,
		.alg = "hmac(sha1)", .key = k160, .key_len = sizeof(k160),
		.icv_bits = 96, .spi = htonl(0x711), .seq = 1,
		/* TOS, DF off, TTL, checksum, Record Route's pointer and hop */
		.mutable = { { 1, 0xb8 }, { 6, 0x00 }, { 8, 3 }, { 10, 0xde },
			     { 26, 8 }, { 30, 9 } },
		/* Router Alert's value, the source, the payload */
		.immutable = { 23, 15, 70 },
	},
	{
		.pkt = ah6_vector, .len = sizeof(ah6_vector), .hlen = 56,
		.ahlen = 32, .family = AF_INET6, .nexthdr = IPPROTO_ICMPV6,
		.alg = "hmac(sha256)", .key = k256, .key_len = sizeof(k256),
		.icv_bits = 128, .spi = htonl(0x731), .seq = BIT_ULL(32) + 4,
		/* traffic class, flow label, hop limit, the mutable option */
		.mutable = { { 0, 0x6f }, { 1, 0xf1 }, { 3, 0x99 }, { 7, 1 },
			     { 44, 0xee }, { 47, 0x77 } },
		/* the immutable option, the destination, the payload */
		.immutable = { 54, 39, 102 },
	},
};

static void ah_case_desc(const struct ah_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 c->family == AF_INET ? "ipv4-options" : "ipv6-ext-esn");
}

KUNIT_ARRAY_PARAM(ah_case, ah_cases, ah_case_desc);

static struct {
	struct completion done;
	int err;
} ah_res;

static void ah_test_done(struct sk_buff *skb, struct nfipsec_sa *sa, u64 seq,
			 int err)
{
	ah_res.err = err;
	complete(&ah_res.done);
}

static void ah_sa_put(void *sa)
{
	nfipsec_sa_put(sa);
}

static struct nfipsec_sa *ah_sa(struct kunit *test, const struct ah_case *c)
{
	struct nfipsec_sa_cfg *cfg;
	struct nfipsec_sa *sa;

	cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->family = c->family;
	cfg->proto = IPPROTO_AH;
	cfg->mode = NFIPSEC_MODE_TRANSPORT;
	cfg->spi = c->spi;
	cfg->replay_window = 32;
	if (c->seq > U32_MAX)
		cfg->flags = NFIPSEC_SA_F_ESN;
	cfg->algs[NFIPSEC_ALG_AUTH].alg = nfipsec_alg_find(c->alg,
							   NFIPSEC_ALG_AUTH);
	KUNIT_ASSERT_NOT_NULL(test, cfg->algs[NFIPSEC_ALG_AUTH].alg);
	cfg->algs[NFIPSEC_ALG_AUTH].icv_bits = c->icv_bits;
	cfg->algs[NFIPSEC_ALG_AUTH].key_len = c->key_len;
	memcpy(cfg->algs[NFIPSEC_ALG_AUTH].key, c->key, c->key_len);
	sa = nfipsec_sa_create(NULL, cfg, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, ah_sa_put, sa));
	KUNIT_ASSERT_EQ(test, c->ahlen, nfipsec_ah_len(sa));
	return sa;
}

static void ah_skb_free(void *skb)
{
	kfree_skb(skb);
}

/* The vector in an skb at its network header; AH zeroed when blank. */
static struct sk_buff *ah_skb(struct kunit *test, const struct ah_case *c,
			      bool blank)
{
	struct sk_buff *skb = alloc_skb(c->len + 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, ah_skb_free,
							   skb));
	skb_reserve(skb, 64);
	skb_put_data(skb, c->pkt, c->len);
	skb_reset_network_header(skb);
	if (blank)
		memset(skb->data + c->hlen, 0, c->ahlen);
	return skb;
}

static int ah_in(struct kunit *test, const struct ah_case *c,
		 struct nfipsec_sa *sa, struct sk_buff *skb)
{
	init_completion(&ah_res.done);
	nfipsec_ah_input(skb, sa, c->hlen, c->seq, ah_test_done);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&ah_res.done, 10 * HZ));
	return ah_res.err;
}

/* Built as scapy built it: AH's header, ICV and padding. */
static void nfipsec_test_ah_build(struct kunit *test)
{
	const struct ah_case *c = test->param_value;
	struct nfipsec_sa *sa = ah_sa(test, c);
	struct sk_buff *skb = ah_skb(test, c, true);

	atomic64_set(&sa->seq_out, c->seq - 1);
	init_completion(&ah_res.done);
	nfipsec_ah_output(skb, sa, c->hlen, c->nexthdr, ah_test_done);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&ah_res.done, 10 * HZ));
	KUNIT_ASSERT_EQ(test, 0, ah_res.err);
	KUNIT_ASSERT_EQ(test, c->len, skb->len);
	KUNIT_EXPECT_MEMEQ(test, c->pkt, skb->data, c->len);
}

/*
 * Taken as sent and as routers may change it; the payload left, the
 * headers in front of AH as they arrived (not as hashed).
 */
static void nfipsec_test_ah_verify(struct kunit *test)
{
	const struct ah_case *c = test->param_value;
	struct nfipsec_sa *sa = ah_sa(test, c);
	struct sk_buff *skb;
	u8 hdrs[64];
	int i;

	skb = ah_skb(test, c, false);
	KUNIT_EXPECT_EQ(test, 0, ah_in(test, c, sa, skb));
	KUNIT_EXPECT_EQ(test, c->len - c->hlen - c->ahlen, skb->len);
	KUNIT_EXPECT_EQ(test, c->nexthdr, NFIPSEC_ESP_CB(skb)->nexthdr);

	skb = ah_skb(test, c, false);
	for (i = 0; i < ARRAY_SIZE(c->mutable); i++)
		skb->data[c->mutable[i].off] = c->mutable[i].val;
	KUNIT_ASSERT_LE(test, c->hlen, sizeof(hdrs));
	memcpy(hdrs, skb->data, c->hlen);
	KUNIT_EXPECT_EQ(test, 0, ah_in(test, c, sa, skb));
	KUNIT_EXPECT_MEMEQ(test, hdrs, skb_network_header(skb), c->hlen);
}

/* One immutable byte changed, or the ESN high half wrong: refused. */
static void nfipsec_test_ah_refuse(struct kunit *test)
{
	const struct ah_case *c = test->param_value;
	struct nfipsec_sa *sa = ah_sa(test, c);
	struct sk_buff *skb;
	int i;

	for (i = 0; i < ARRAY_SIZE(c->immutable); i++) {
		skb = ah_skb(test, c, false);
		skb->data[c->immutable[i]] ^= 0x01;
		KUNIT_EXPECT_EQ_MSG(test, -EBADMSG, ah_in(test, c, sa, skb),
				    "byte %u", c->immutable[i]);
	}
	if (c->seq > U32_MAX) {
		struct ah_case other = *c;

		other.seq -= BIT_ULL(32);
		skb = ah_skb(test, c, false);
		KUNIT_EXPECT_EQ(test, -EBADMSG, ah_in(test, &other, sa, skb));
	}
}

static struct kunit_case nfipsec_ah_test_cases[] = {
	KUNIT_CASE_PARAM(nfipsec_test_ah_build, ah_case_gen_params),
	KUNIT_CASE_PARAM(nfipsec_test_ah_verify, ah_case_gen_params),
	KUNIT_CASE_PARAM(nfipsec_test_ah_refuse, ah_case_gen_params),
	{}
};

static struct kunit_suite nfipsec_ah_test_suite = {
	.name = "nfipsec_ah",
	.test_cases = nfipsec_ah_test_cases,
};

kunit_test_suite(nfipsec_ah_test_suite);
