// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: NAT-T transport mode's checksum fix-up (RFC 3948 3.1.2,
 * nfipsec_natt_oa_csum() in input.c). A TCP or UDP packet is built with
 * its checksum computed in full over the sender's original address (OA),
 * then given the NAT's address as its source, as it arrives; after the
 * fix-up, the checksum computed again in full over the packet as it is
 * must verify. The oracle is the kernel's full checksum (csum_partial and
 * the pseudo-header), not the incremental update under test. Left alone:
 * IPv4 UDP without a checksum, other protocols, no OA, an OA that is the
 * packet's own source; a packet too short for its checksum is refused.
 * The packet may arrive with any ip_summed: the field is fixed as a full
 * checksum all the same.
 */

#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "../nfipsec.h"
#include "../sa.h"

static const u8 payload[] = "nfipsec over NAT-T, transport mode";

struct natt_case {
	const char *name;
	u8 family;
	u8 proto;
	bool no_udp_csum;	/* IPv4 UDP sent with checksum 0 */
};

static const struct natt_case natt_cases[] = {
	{ "ipv4-tcp", AF_INET, IPPROTO_TCP },
	{ "ipv4-udp", AF_INET, IPPROTO_UDP },
	{ "ipv4-udp-no-checksum", AF_INET, IPPROTO_UDP, true },
	{ "ipv6-tcp", AF_INET6, IPPROTO_TCP },
	{ "ipv6-udp", AF_INET6, IPPROTO_UDP },
};

static void natt_case_desc(const struct natt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(natt, natt_cases, natt_case_desc);

/* The addresses: the peer's original (OA), its NAT's, ours. */
static void natt_addrs(u8 family, union nfipsec_addr *oa,
		       union nfipsec_addr *nat, union nfipsec_addr *me)
{
	memset(oa, 0, sizeof(*oa));
	memset(nat, 0, sizeof(*nat));
	memset(me, 0, sizeof(*me));
	if (family == AF_INET) {
		oa->a4 = htonl(0xc0a80102);	/* 192.168.1.2 */
		nat->a4 = htonl(0x0a000201);	/* 10.0.2.1 */
		me->a4 = htonl(0x0a000202);	/* 10.0.2.2 */
	} else {
		oa->a6.s6_addr32[0] = htonl(0xfd000001);	/* fd00:1::2 */
		oa->a6.s6_addr32[3] = htonl(2);
		nat->a6.s6_addr32[0] = htonl(0x20010db8);	/* 2001:db8::1 */
		nat->a6.s6_addr32[3] = htonl(1);
		me->a6.s6_addr32[0] = htonl(0xfd000002);	/* fd00:2::2 */
		me->a6.s6_addr32[3] = htonl(2);
	}
}

/* The full checksum of the transport segment over src and dst. */
static __sum16 natt_full_csum(u8 family, u8 proto, const void *th, int len,
			      const union nfipsec_addr *src,
			      const union nfipsec_addr *dst)
{
	__wsum sum = csum_partial(th, len, 0);

	if (family == AF_INET)
		return csum_tcpudp_magic(src->a4, dst->a4, len, proto, sum);
	return csum_ipv6_magic(&src->a6, &dst->a6, len, proto, sum);
}

static __sum16 *natt_check_field(struct sk_buff *skb, int thoff, u8 proto)
{
	return (__sum16 *)(skb->data + thoff + (proto == IPPROTO_TCP ?
			   offsetof(struct tcphdr, check) :
			   offsetof(struct udphdr, check)));
}

/*
 * An IP packet from src to me carrying TCP or UDP with payload, its
 * checksum over OA (or 0). *thoff gets the transport header's offset.
 */
static struct sk_buff *natt_packet(struct kunit *test, const struct natt_case *c,
				   const union nfipsec_addr *oa,
				   const union nfipsec_addr *src,
				   const union nfipsec_addr *me, int *thoff)
{
	int thlen = c->proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
					      sizeof(struct udphdr);
	int l4len = thlen + sizeof(payload);
	struct sk_buff *skb;
	__sum16 *check;
	u8 *th;

	skb = alloc_skb(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	if (c->family == AF_INET) {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = c->proto;
		iph->tot_len = htons(sizeof(*iph) + l4len);
		iph->saddr = src->a4;
		iph->daddr = me->a4;
		ip_send_check(iph);
		skb->protocol = htons(ETH_P_IP);
	} else {
		struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));

		ip6h->version = 6;
		ip6h->hop_limit = 64;
		ip6h->nexthdr = c->proto;
		ip6h->payload_len = htons(l4len);
		ip6h->saddr = src->a6;
		ip6h->daddr = me->a6;
		skb->protocol = htons(ETH_P_IPV6);
	}
	*thoff = skb->len;
	th = skb_put_zero(skb, thlen);
	skb_put_data(skb, payload, sizeof(payload));
	if (c->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (struct tcphdr *)th;

		tcp->source = htons(40000);
		tcp->dest = htons(5201);
		tcp->seq = htonl(0x01020304);
		tcp->doff = 5;
		tcp->psh = 1;
		tcp->ack = 1;
		tcp->window = htons(512);
	} else {
		struct udphdr *uh = (struct udphdr *)th;

		uh->source = htons(1701);
		uh->dest = htons(1701);
		uh->len = htons(l4len);
	}
	check = natt_check_field(skb, *thoff, c->proto);
	if (!c->no_udp_csum) {
		*check = natt_full_csum(c->family, c->proto, th, l4len, oa, me);
		if (c->proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	return skb;
}

/* Is the packet's checksum right for the addresses it now carries? */
static bool natt_csum_ok(struct sk_buff *skb, const struct natt_case *c,
			 int thoff)
{
	union nfipsec_addr src = {}, dst = {};

	if (c->family == AF_INET) {
		src.a4 = ip_hdr(skb)->saddr;
		dst.a4 = ip_hdr(skb)->daddr;
	} else {
		src.a6 = ipv6_hdr(skb)->saddr;
		dst.a6 = ipv6_hdr(skb)->daddr;
	}
	return !natt_full_csum(c->family, c->proto, skb->data + thoff,
			       skb->len - thoff, &src, &dst);
}

/*
 * Through a NAT, with the OA known: fixed for the NAT's address, whatever
 * the packet arrived as (CHECKSUM_PARTIAL: a local veth peer's offload;
 * CHECKSUM_COMPLETE: a device's sum).
 */
static void nfipsec_test_natt_oa(struct kunit *test)
{
	static const u8 states[] = {
		CHECKSUM_NONE, CHECKSUM_PARTIAL, CHECKSUM_COMPLETE,
	};
	const struct natt_case *c = test->param_value;
	union nfipsec_addr oa, nat, me;
	struct sk_buff *skb;
	unsigned int i;
	int thoff;

	natt_addrs(c->family, &oa, &nat, &me);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		skb = natt_packet(test, c, &oa, &nat, &me, &thoff);
		skb->ip_summed = states[i];
		if (states[i] == CHECKSUM_PARTIAL)
			skb_partial_csum_set(skb, thoff,
					     c->proto == IPPROTO_TCP ?
					     offsetof(struct tcphdr, check) :
					     offsetof(struct udphdr, check));
		else if (states[i] == CHECKSUM_COMPLETE)
			skb->csum = skb_checksum(skb, 0, skb->len, 0);
		if (!c->no_udp_csum)
			KUNIT_EXPECT_FALSE(test, natt_csum_ok(skb, c, thoff));
		KUNIT_EXPECT_TRUE(test, nfipsec_natt_oa_csum(skb, c->family,
							     &oa, thoff,
							     c->proto));
		if (c->no_udp_csum)
			KUNIT_EXPECT_EQ(test, 0,
					(__force int)*natt_check_field(skb, thoff, c->proto));
		else
			KUNIT_EXPECT_TRUE_MSG(test, natt_csum_ok(skb, c, thoff),
					      "ip_summed %u", states[i]);
		kfree_skb(skb);
	}
}

/* No OA given, or the OA is the packet's source: nothing changes. */
static void nfipsec_test_natt_no_oa(struct kunit *test)
{
	const struct natt_case *c = test->param_value;
	union nfipsec_addr oa, nat, me, none = {};
	struct sk_buff *skb;
	__sum16 before;
	int thoff;

	natt_addrs(c->family, &oa, &nat, &me);
	skb = natt_packet(test, c, &oa, &nat, &me, &thoff);
	before = *natt_check_field(skb, thoff, c->proto);
	KUNIT_EXPECT_TRUE(test, nfipsec_natt_oa_csum(skb, c->family, &none,
						     thoff, c->proto));
	KUNIT_EXPECT_EQ(test, (__force int)before,
			(__force int)*natt_check_field(skb, thoff, c->proto));
	kfree_skb(skb);

	/* No NAT: the packet comes from its OA and verifies as it is. */
	skb = natt_packet(test, c, &oa, &oa, &me, &thoff);
	before = *natt_check_field(skb, thoff, c->proto);
	KUNIT_EXPECT_TRUE(test, nfipsec_natt_oa_csum(skb, c->family, &oa,
						     thoff, c->proto));
	KUNIT_EXPECT_EQ(test, (__force int)before,
			(__force int)*natt_check_field(skb, thoff, c->proto));
	if (!c->no_udp_csum)
		KUNIT_EXPECT_TRUE(test, natt_csum_ok(skb, c, thoff));
	kfree_skb(skb);
}

/*
 * Not TCP or UDP: left alone (ICMPv6's checksum covers the addresses too,
 * but ip xfrm's one OA and RFC 3948 speak of TCP and UDP only).
 */
static void nfipsec_test_natt_other_proto(struct kunit *test)
{
	const struct natt_case *c = test->param_value;
	union nfipsec_addr oa, nat, me;
	struct sk_buff *skb;
	__sum16 before;
	int thoff;

	natt_addrs(c->family, &oa, &nat, &me);
	skb = natt_packet(test, c, &oa, &nat, &me, &thoff);
	before = *natt_check_field(skb, thoff, c->proto);
	KUNIT_EXPECT_TRUE(test, nfipsec_natt_oa_csum(skb, c->family, &oa, thoff,
						     IPPROTO_ICMP));
	KUNIT_EXPECT_EQ(test, (__force int)before,
			(__force int)*natt_check_field(skb, thoff, c->proto));
	/* No transport header (a later fragment): nothing to fix. */
	KUNIT_EXPECT_TRUE(test, nfipsec_natt_oa_csum(skb, c->family, &oa, -1,
						     c->proto));
	KUNIT_EXPECT_EQ(test, (__force int)before,
			(__force int)*natt_check_field(skb, thoff, c->proto));
	kfree_skb(skb);
}

/* A packet that ends before its checksum field is refused, not read past. */
static void nfipsec_test_natt_short(struct kunit *test)
{
	const struct natt_case *c = test->param_value;
	union nfipsec_addr oa, nat, me;
	struct sk_buff *skb;
	int thoff;

	natt_addrs(c->family, &oa, &nat, &me);
	skb = natt_packet(test, c, &oa, &nat, &me, &thoff);
	skb_trim(skb, thoff + (c->proto == IPPROTO_TCP ?
			       offsetof(struct tcphdr, check) :
			       offsetof(struct udphdr, check)) + 1);
	KUNIT_EXPECT_FALSE(test, nfipsec_natt_oa_csum(skb, c->family, &oa,
						      thoff, c->proto));
	kfree_skb(skb);
}

static struct kunit_case nfipsec_natt_test_cases[] = {
	KUNIT_CASE_PARAM(nfipsec_test_natt_oa, natt_gen_params),
	KUNIT_CASE_PARAM(nfipsec_test_natt_no_oa, natt_gen_params),
	KUNIT_CASE_PARAM(nfipsec_test_natt_other_proto, natt_gen_params),
	KUNIT_CASE_PARAM(nfipsec_test_natt_short, natt_gen_params),
	{}
};

static struct kunit_suite nfipsec_natt_suite = {
	.name = "nfipsec_natt",
	.test_cases = nfipsec_natt_test_cases,
};

kunit_test_suite(nfipsec_natt_suite);
