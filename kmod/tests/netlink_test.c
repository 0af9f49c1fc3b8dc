// SPDX-License-Identifier: GPL-2.0
/* KUnit: validation of netlink attributes sent by user space. */

#include <kunit/test.h>
#include <linux/in.h>

#include "../nfipsec.h"

struct nl_filter_case {
	const char *name;
	/* Attributes put inside the NFIPSEC_A_SA nest. */
	int proto_type, proto_len;	/* type 0: absent */
	u32 proto;
	int spi_len;			/* 0: absent */
	u32 spi;
	bool extra;			/* put an attribute of extra_type */
	int extra_type;
	int owner_len;			/* 0: absent (uapi "Owners") */
	u64 owner;
	/* Expected outcome. */
	int err;
	const char *msg;		/* extack message, NULL: any */
	bool bad_attr_is_proto;
};

static const struct nl_filter_case nl_filter_cases[] = {
	{ .name = "empty nest" },
	{ .name = "esp", .proto_type = NFIPSEC_SA_A_PROTO, .proto_len = 1,
	  .proto = IPPROTO_ESP },
	{ .name = "ah and spi", .proto_type = NFIPSEC_SA_A_PROTO,
	  .proto_len = 1, .proto = IPPROTO_AH, .spi_len = 4, .spi = 0x1000 },
	{ .name = "spi only", .spi_len = 4, .spi = 0xc0ffee },
	{ .name = "owner", .owner_len = 4, .owner = NFIPSEC_OWNER_CHARON },
	{ .name = "owner 0 (admin)", .proto_type = NFIPSEC_SA_A_PROTO,
	  .proto_len = 1, .proto = IPPROTO_ESP, .owner_len = 4 },
	{ .name = "owner as u64 refused", .owner_len = 8, .owner = 1,
	  .err = -EINVAL },
	{ .name = "owner as u8 refused", .owner_len = 1, .owner = 1,
	  .err = -EINVAL },
	{ .name = "udp refused", .proto_type = NFIPSEC_SA_A_PROTO,
	  .proto_len = 1, .proto = IPPROTO_UDP, .err = -EINVAL,
	  .msg = "proto must be esp (50) or ah (51)",
	  .bad_attr_is_proto = true },
	{ .name = "proto as u32 refused", .proto_type = NFIPSEC_SA_A_PROTO,
	  .proto_len = 4, .proto = IPPROTO_ESP, .err = -EINVAL,
	  .bad_attr_is_proto = true },
	{ .name = "short spi refused", .spi_len = 2, .spi = 1,
	  .err = -EINVAL },
	{ .name = "unknown attribute refused", .proto_type = NFIPSEC_SA_A_PROTO,
	  .proto_len = 1, .proto = IPPROTO_ESP,
	  .extra = true, .extra_type = NFIPSEC_SA_A_MAX + 1, .err = -EINVAL },
	{ .name = "unspec attribute refused", .extra = true,
	  .extra_type = NFIPSEC_SA_A_UNSPEC, .err = -EINVAL },
};

/*
 * An integer attribute of len bytes holding v: the value in an integer
 * of that width, so that a u32 of a u64 is its value on any byte order
 * (the first bytes of a u64 are its high half on big-endian machines).
 * Lengths that are no integer's width take v's low bytes as they lie in
 * a u64, which only refused cases use.
 */
static int put_int(struct sk_buff *skb, int type, int len, u64 v)
{
	u8 b8 = v;
	u16 b16 = v;
	u32 b32 = v;

	switch (len) {
	case 1:
		return nla_put(skb, type, len, &b8);
	case 2:
		return nla_put(skb, type, len, &b16);
	case 4:
		return nla_put(skb, type, len, &b32);
	default:
		return nla_put(skb, type, len, &v);
	}
}

static void nl_filter_case_desc(const struct nl_filter_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nl_filter, nl_filter_cases, nl_filter_case_desc);

static void nfipsec_test_sa_filter(struct kunit *test)
{
	const struct nl_filter_case *c = test->param_value;
	struct netlink_ext_ack extack = {};
	struct nfipsec_sa_filter filter;
	struct nlattr *nest, *proto = NULL;
	struct sk_buff *skb;
	__be32 spi = htonl(c->spi);
	int err;

	skb = alloc_skb(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);

	nest = nla_nest_start(skb, NFIPSEC_A_SA);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	if (c->proto_type) {
		proto = (struct nlattr *)skb_tail_pointer(skb);
		KUNIT_ASSERT_EQ(test, 0, put_int(skb, c->proto_type,
						 c->proto_len, c->proto));
	}
	if (c->spi_len)
		KUNIT_ASSERT_EQ(test, 0, nla_put(skb, NFIPSEC_SA_A_SPI,
						 c->spi_len, &spi));
	if (c->owner_len)
		KUNIT_ASSERT_EQ(test, 0, put_int(skb, NFIPSEC_SA_A_OWNER,
						 c->owner_len, c->owner));
	if (c->extra)
		KUNIT_ASSERT_EQ(test, 0, nla_put_u32(skb, c->extra_type, 7));
	nla_nest_end(skb, nest);

	memset(&filter, 0xa5, sizeof(filter));
	err = nfipsec_nl_parse_sa_filter(nest, &filter, &extack);
	KUNIT_EXPECT_EQ(test, c->err, err);
	if (c->err) {
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
		if (c->msg && extack._msg)
			KUNIT_EXPECT_STREQ(test, c->msg, extack._msg);
		if (c->bad_attr_is_proto)
			KUNIT_EXPECT_PTR_EQ(test, (const struct nlattr *)proto,
					    extack.bad_attr);
	} else {
		KUNIT_EXPECT_EQ(test, c->proto_type ? c->proto : 0,
				(u32)filter.proto);
		KUNIT_EXPECT_EQ(test, !!c->spi_len, filter.has_spi);
		if (c->spi_len)
			KUNIT_EXPECT_EQ(test, spi, filter.spi);
		KUNIT_EXPECT_EQ(test, !!c->owner_len, filter.has_owner);
		if (c->owner_len)
			KUNIT_EXPECT_EQ(test, (u32)c->owner, filter.owner);
	}
	kfree_skb(skb);
}

static void nfipsec_test_sa_filter_absent(struct kunit *test)
{
	struct nfipsec_sa_filter filter;

	memset(&filter, 0xa5, sizeof(filter));
	KUNIT_EXPECT_EQ(test, 0, nfipsec_nl_parse_sa_filter(NULL, &filter,
							    NULL));
	KUNIT_EXPECT_EQ(test, 0, (int)filter.proto);
	KUNIT_EXPECT_FALSE(test, filter.has_spi);
	KUNIT_EXPECT_FALSE(test, filter.has_owner);
}

static struct kunit_case nfipsec_netlink_cases[] = {
	KUNIT_CASE_PARAM(nfipsec_test_sa_filter, nl_filter_gen_params),
	KUNIT_CASE(nfipsec_test_sa_filter_absent),
	{}
};

static struct kunit_suite nfipsec_netlink_suite = {
	.name = "nfipsec_netlink",
	.test_cases = nfipsec_netlink_cases,
};

kunit_test_suite(nfipsec_netlink_suite);
