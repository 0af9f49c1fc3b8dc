// SPDX-License-Identifier: GPL-2.0
/* nfipsec version, stats, ike-ports, limits; state count and policy count */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cli.h"
#include "names.h"
#include "parse.h"
#include "print.h"

/* NFIPSEC_INFO_A_FEATURES's bits, by name (uapi NFIPSEC_FEATURE_*). */
static const char *const feature_names[] = {
	"owners",		/* NFIPSEC_FEATURE_OWNERS */
	"if-owner",		/* NFIPSEC_FEATURE_IF_OWNER */
	"larval-owner",		/* NFIPSEC_FEATURE_LARVAL_OWNER */
};

/*
 * The features a module says it has: their names, then "0x..." for bits
 * this nfipsec does not know; "none" when there is none (an older module
 * sends no attribute: it has none of them).
 */
static void print_features(uint32_t f)
{
	uint32_t known = 0;
	unsigned int i;
	bool any = false;

	for (i = 0; i < NFI_ARRAY_SIZE(feature_names); i++) {
		known |= 1U << i;
		if (!(f & (1U << i)))
			continue;
		if (nfi_json)
			jw_string(NULL, feature_names[i]);
		else
			printf(" %s", feature_names[i]);
		any = true;
	}
	if (f & ~known) {
		if (nfi_json)
			jw_u64(NULL, f & ~known);
		else
			printf(" 0x%x", f & ~known);
		any = true;
	}
	if (!any && !nfi_json)
		printf(" none");
}

static int print_info(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *in[NFIPSEC_INFO_A_MAX + 1];
	static struct nla_policy pol[NFIPSEC_INFO_A_MAX + 1] = {
		[NFIPSEC_INFO_A_VERSION] = { .type = NLA_STRING },
		[NFIPSEC_INFO_A_ABI] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_SA_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_POLICY_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_LARVAL_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_FEATURES] = { .type = NLA_U32 },
	};
	struct nlattr *larval;
	const char *ver;
	uint32_t features;

	(void)nlh, (void)arg;
	if (!tb[NFIPSEC_A_INFO] ||
	    nla_parse_nested(in, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO], pol) ||
	    !in[NFIPSEC_INFO_A_VERSION] || !in[NFIPSEC_INFO_A_ABI] ||
	    !in[NFIPSEC_INFO_A_SA_COUNT] || !in[NFIPSEC_INFO_A_POLICY_COUNT])
		return -EPROTO;
	ver = nla_get_string(in[NFIPSEC_INFO_A_VERSION]);
	larval = in[NFIPSEC_INFO_A_LARVAL_COUNT];	/* an older module: none */
	features = nfi_u32(in[NFIPSEC_INFO_A_FEATURES], 0);
	if (nfi_json) {
		jw_open_object(NULL);
		jw_string("version", ver);
		jw_u64("abi", nla_get_u32(in[NFIPSEC_INFO_A_ABI]));
		jw_open_array("features");
		print_features(features);
		jw_close_array();
		jw_u64("sa_count", nla_get_u32(in[NFIPSEC_INFO_A_SA_COUNT]));
		jw_u64("policy_count",
		       nla_get_u32(in[NFIPSEC_INFO_A_POLICY_COUNT]));
		if (larval)
			jw_u64("larval_count", nla_get_u32(larval));
		jw_close_object();
		jw_end();
	} else {
		printf("nfipsec module %s, abi %u\n", ver,
		       nla_get_u32(in[NFIPSEC_INFO_A_ABI]));
		printf("features");
		print_features(features);
		putchar('\n');
		printf("SAs %u, policies %u",
		       nla_get_u32(in[NFIPSEC_INFO_A_SA_COUNT]),
		       nla_get_u32(in[NFIPSEC_INFO_A_POLICY_COUNT]));
		if (nfi_u32(larval, 0))
			printf(", larval SAs %u", nla_get_u32(larval));
		putchar('\n');
	}
	return 0;
}

/* GET_INFO, its answer printed by fn; what names the command in errors. */
static int info_show(const char *what, nfi_reply_fn fn, void *arg)
{
	struct nl_msg *msg = nfi_msg_new(NFIPSEC_CMD_GET_INFO, 0);
	int err;

	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, fn, arg);
	return err ? nfi_nl_fail(what, err) : 0;
}

int do_version(int argc, char **argv)
{
	if (argc > 0)
		return nfi_usage_error("version takes no arguments, got \"%s\"",
				       argv[0]);
	return info_show("version", print_info, NULL);
}

static int print_count(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *info[NFIPSEC_INFO_A_MAX + 1];
	static const struct nla_policy pol[NFIPSEC_INFO_A_MAX + 1] = {
		[NFIPSEC_INFO_A_SA_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_POLICY_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_LARVAL_COUNT] = { .type = NLA_U32 },
	};
	int type = *(int *)arg;
	struct nlattr *larval = NULL;
	uint32_t n;

	(void)nlh;
	if (!tb[NFIPSEC_A_INFO] ||
	    nla_parse_nested(info, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO],
			     pol) || !info[type])
		return -EPROTO;
	n = nla_get_u32(info[type]);
	/* As XFRM's, the SAD's count holds its larval SAs. */
	if (type == NFIPSEC_INFO_A_SA_COUNT)
		larval = info[NFIPSEC_INFO_A_LARVAL_COUNT];
	n += nfi_u32(larval, 0);
	if (nfi_json) {
		jw_open_object(NULL);
		jw_u64("count", n);
		if (larval)
			jw_u64("larval", nla_get_u32(larval));
		jw_close_object();
		jw_end();
	} else {
		/*
		 * ip xfrm's; it adds hash buckets with -s: nfipsec has none,
		 * and says how many of them are larval SAs there instead.
		 */
		printf("\t SAD count %u", n);
		if (nfi_stats_level && larval)
			printf(" (larval %u)", nla_get_u32(larval));
		putchar('\n');
	}
	return 0;
}

/* state count: "\t SAD count N", from GET_INFO. */
int nfi_print_count(const char *cmd, int argc, char **argv, int info_type)
{
	if (argc > 0)
		return nfi_usage_error("%s: unexpected \"%s\"", cmd, argv[0]);
	return info_show(cmd, print_count, &info_type);
}

static const char *const stat_names[NFIPSEC_STAT_MAX + 1] = {
	[NFIPSEC_STAT_HOOK_IPV4_FORWARD] = "hook-ipv4-forward",
	[NFIPSEC_STAT_HOOK_IPV4_LOCAL_IN] = "hook-ipv4-input",
	[NFIPSEC_STAT_HOOK_IPV4_POST_ROUTING] = "hook-ipv4-postrouting",
	[NFIPSEC_STAT_HOOK_IPV6_FORWARD] = "hook-ipv6-forward",
	[NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN] = "hook-ipv6-input",
	[NFIPSEC_STAT_HOOK_IPV6_POST_ROUTING] = "hook-ipv6-postrouting",
	[NFIPSEC_STAT_IN_PACKETS] = "in-packets",
	[NFIPSEC_STAT_OUT_PACKETS] = "out-packets",
	[NFIPSEC_STAT_IN_ERROR] = "in-error",
	[NFIPSEC_STAT_IN_HDR_ERROR] = "in-hdr-error",
	[NFIPSEC_STAT_IN_NO_STATES] = "in-no-states",
	[NFIPSEC_STAT_IN_STATE_PROTO_ERROR] = "in-state-proto-error",
	[NFIPSEC_STAT_IN_STATE_SEQ_ERROR] = "in-state-seq-error",
	[NFIPSEC_STAT_IN_STATE_EXPIRED] = "in-state-expired",
	[NFIPSEC_STAT_IN_TMPL_MISMATCH] = "in-tmpl-mismatch",
	[NFIPSEC_STAT_IN_POL_BLOCK] = "in-pol-block",
	[NFIPSEC_STAT_OUT_ERROR] = "out-error",
	[NFIPSEC_STAT_OUT_NO_STATES] = "out-no-states",
	[NFIPSEC_STAT_OUT_STATE_SEQ_ERROR] = "out-state-seq-error",
	[NFIPSEC_STAT_OUT_STATE_EXPIRED] = "out-state-expired",
	[NFIPSEC_STAT_OUT_POL_BLOCK] = "out-pol-block",
	[NFIPSEC_STAT_OUT_FRAG_NEEDED] = "out-frag-needed",
	[NFIPSEC_STAT_ACQUIRE_SENT] = "acquire-sent",
	[NFIPSEC_STAT_ACQUIRE_ERROR] = "acquire-error",
	[NFIPSEC_STAT_IN_PMTU] = "in-pmtu",
	[NFIPSEC_STAT_EXPIRE_SOFT] = "expire-soft",
	[NFIPSEC_STAT_EXPIRE_HARD] = "expire-hard",
	[NFIPSEC_STAT_IN_STATE_MISMATCH] = "in-state-mismatch",
	[NFIPSEC_STAT_MAPPING] = "mapping",
	[NFIPSEC_STAT_IN_ENCAP_GSO] = "in-encap-gso",
	[NFIPSEC_STAT_MAPPING_FOLLOWED] = "mapping-followed",
	[NFIPSEC_STAT_NAT_KEEPALIVE] = "nat-keepalive",
	[NFIPSEC_STAT_IN_NAT_KEEPALIVE] = "in-nat-keepalive",
	[NFIPSEC_STAT_IN_NO_POLS] = "in-no-pols",
	[NFIPSEC_STAT_OUT_NO_POLS] = "out-no-pols",
	[NFIPSEC_STAT_BRIDGED] = "bridged",
	[NFIPSEC_STAT_OUT_POL_ERROR] = "out-pol-error",
};

static int print_stats(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *a;
	int rem;

	(void)nlh, (void)arg;
	if (!tb[NFIPSEC_A_STATS])
		return -EPROTO;
	if (nfi_json)
		jw_open_object(NULL);
	nla_for_each_nested(a, tb[NFIPSEC_A_STATS], rem) {
		int type = nla_type(a);
		const char *name = NULL;
		char buf[32];
		uint64_t v;

		if (type == NFIPSEC_STAT_PAD || nla_len(a) != 8)
			continue;
		if (type <= NFIPSEC_STAT_MAX)
			name = stat_names[type];
		if (!name) {
			snprintf(buf, sizeof(buf), "stat-%d", type);
			name = buf;
		}
		v = nla_get_u64(a);
		if (nfi_json)
			jw_u64(name, v);
		else
			printf("%-32s %" PRIu64 "\n", name, v);
	}
	if (nfi_json) {
		jw_close_object();
		jw_end();
	}
	return 0;
}

int do_stats(int argc, char **argv)
{
	struct nl_msg *msg;
	int err;

	if (argc > 0 && !nfi_matches(argv[0], "show") &&
	    !nfi_matches(argv[0], "list"))
		return nfi_usage_error("unknown stats command \"%s\"", argv[0]);
	if (argc > 1)
		return nfi_usage_error("stats takes no arguments, got \"%s\"",
				       argv[1]);
	msg = nfi_msg_new(NFIPSEC_CMD_GET_STATS, 0);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, print_stats, NULL);
	return err ? nfi_nl_fail("stats", err) : 0;
}

static int print_ike_ports(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *in[NFIPSEC_INFO_A_MAX + 1];
	static struct nla_policy pol[NFIPSEC_INFO_A_MAX + 1] = {
		[NFIPSEC_INFO_A_IKE_PORTS] = { .type = NLA_UNSPEC },
	};
	const uint16_t *p;
	int i, n;

	(void)nlh, (void)arg;
	if (!tb[NFIPSEC_A_INFO] ||
	    nla_parse_nested(in, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO], pol) ||
	    !in[NFIPSEC_INFO_A_IKE_PORTS])
		return -EPROTO;
	p = nla_data(in[NFIPSEC_INFO_A_IKE_PORTS]);
	n = nla_len(in[NFIPSEC_INFO_A_IKE_PORTS]) / 2;
	if (nfi_json) {
		jw_open_object(NULL);
		jw_open_array("ike-ports");
		for (i = 0; i < n; i++)
			jw_u64(NULL, ntohs(p[i]));
		jw_close_array();
		jw_close_object();
		jw_end();
		return 0;
	}
	printf("ike-ports");
	for (i = 0; i < n; i++)
		printf(" %u", ntohs(p[i]));
	printf("%s\n", n ? "" : " none");
	return 0;
}

/*
 * nfipsec ike-ports [ show ]; nfipsec ike-ports set { PORT... | none }: the
 * namespace's IKE port set (see uapi/nfipsec.h).
 */
int do_ike_ports(int argc, char **argv)
{
	uint16_t ports[NFIPSEC_IKE_PORTS_MAX];
	struct nl_msg *msg;
	struct nlattr *nest;
	int i, n = 0, err;
	char *end;

	if (argc == 0 || (argc == 1 && (nfi_matches(argv[0], "show") ||
					nfi_matches(argv[0], "list")))) {
		return info_show("ike-ports", print_ike_ports, NULL);
	}
	if (!nfi_matches(argv[0], "set"))
		return nfi_usage_error("ike-ports: unknown command \"%s\"",
				       argv[0]);
	if (argc < 2)
		return nfi_usage_error("ike-ports set: ports, or none");
	if (argc == 2 && !strcmp(argv[1], "none")) {
		argc = 1;
	}
	for (i = 1; i < argc; i++) {
		unsigned long v;

		errno = 0;
		v = strtoul(argv[i], &end, 10);
		if (errno || *end || end == argv[i] || v == 0 || v > 65535)
			return nfi_usage_error("ike-ports set: \"%s\" is not a port (1-65535)",
					       argv[i]);
		if (n == NFIPSEC_IKE_PORTS_MAX)
			return nfi_usage_error("ike-ports set: at most %d ports",
					       NFIPSEC_IKE_PORTS_MAX);
		ports[n++] = htons(v);
	}
	msg = nfi_msg_new(NFIPSEC_CMD_SET_INFO, 0);
	if (!msg)
		return 2;
	nest = nfi_nest_start(msg, NFIPSEC_A_INFO);
	if (!nest || nla_put(msg, NFIPSEC_INFO_A_IKE_PORTS, n * 2, ports) < 0) {
		nlmsg_free(msg);
		return 2;
	}
	nla_nest_end(msg, nest);
	err = nfi_nl_talk(msg, NULL, NULL);
	return err ? nfi_nl_fail("ike-ports set", err) : 0;
}

/* XFRM's net.core.xfrm_acq_expires: the seconds a larval SA lives. */
#define ACQ_EXPIRES_MAX 86400

/*
 * sas 2 limit 16384
 * policies 3 limit 16384
 * larval 0 limit 16384 acq-expires 30
 * The last line (larval SAs, counted apart, bounded by the limit of SAs;
 * how long a new one lives) when the module has larval SAs.
 */
static int print_limits(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *in[NFIPSEC_INFO_A_MAX + 1];
	static struct nla_policy pol[NFIPSEC_INFO_A_MAX + 1] = {
		[NFIPSEC_INFO_A_SA_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_POLICY_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_MAX_SAS] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_MAX_POLICIES] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_LARVAL_COUNT] = { .type = NLA_U32 },
		[NFIPSEC_INFO_A_ACQ_EXPIRES] = { .type = NLA_U32 },
	};
	uint32_t sas, pols, max_sas, max_pols;
	struct nlattr *larval, *acq;

	(void)nlh, (void)arg;
	if (!tb[NFIPSEC_A_INFO] ||
	    nla_parse_nested(in, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO], pol) ||
	    !in[NFIPSEC_INFO_A_SA_COUNT] || !in[NFIPSEC_INFO_A_POLICY_COUNT] ||
	    !in[NFIPSEC_INFO_A_MAX_SAS] || !in[NFIPSEC_INFO_A_MAX_POLICIES])
		return -EPROTO;
	sas = nla_get_u32(in[NFIPSEC_INFO_A_SA_COUNT]);
	pols = nla_get_u32(in[NFIPSEC_INFO_A_POLICY_COUNT]);
	max_sas = nla_get_u32(in[NFIPSEC_INFO_A_MAX_SAS]);
	max_pols = nla_get_u32(in[NFIPSEC_INFO_A_MAX_POLICIES]);
	/* An older module has neither. */
	larval = in[NFIPSEC_INFO_A_LARVAL_COUNT];
	acq = in[NFIPSEC_INFO_A_ACQ_EXPIRES];
	if (nfi_json) {
		jw_open_object(NULL);
		jw_u64("sas", sas);
		jw_u64("sas_limit", max_sas);
		jw_u64("policies", pols);
		jw_u64("policies_limit", max_pols);
		if (larval) {
			jw_u64("larval", nla_get_u32(larval));
			jw_u64("larval_limit", max_sas);
		}
		if (acq)
			jw_u64("acq_expires", nla_get_u32(acq));
		jw_close_object();
		jw_end();
		return 0;
	}
	printf("sas %u limit %u\npolicies %u limit %u\n", sas, max_sas, pols,
	       max_pols);
	if (larval || acq) {
		fputs("larval", stdout);
		if (larval)
			printf(" %u limit %u", nla_get_u32(larval), max_sas);
		if (acq)
			printf(" acq-expires %u", nla_get_u32(acq));
		putchar('\n');
	}
	return 0;
}

/*
 * nfipsec limits [ show ]; nfipsec limits set [ sas N ] [ policies N ]
 * [ acq-expires SECONDS ]: the namespace's limits (see uapi/nfipsec.h;
 * raising one needs the host's CAP_NET_ADMIN) and how long a new larval
 * SA lives (1 to 86400 seconds; 30 by default, as XFRM's
 * net.core.xfrm_acq_expires).
 */
int do_limits(int argc, char **argv)
{
	static const char *const words[] = { "sas", "policies", "acq-expires" };
	static const int types[] = { NFIPSEC_INFO_A_MAX_SAS,
				     NFIPSEC_INFO_A_MAX_POLICIES,
				     NFIPSEC_INFO_A_ACQ_EXPIRES };
	struct nfi_args a = { .argc = argc, .argv = argv, .cmd = "limits set" };
	uint32_t v[3];
	int given[3] = { 0, 0, 0 };
	struct nl_msg *msg;
	struct nlattr *nest;
	int err, i;

	if (argc == 0 || (argc == 1 && (nfi_matches(argv[0], "show") ||
					nfi_matches(argv[0], "list")))) {
		return info_show("limits", print_limits, NULL);
	}
	if (!nfi_matches(argv[0], "set"))
		return nfi_usage_error("limits: unknown command \"%s\"", argv[0]);
	nfi_shift(&a, 1);
	if (a.argc == 0)
		return nfi_usage_error("limits set: sas N, policies N or acq-expires SECONDS");
	while (a.argc > 0) {
		i = nfi_name_index(words, NFI_ARRAY_SIZE(words), nfi_kw(&a));
		if (i < 0)
			return nfi_usage_error("limits set: unexpected \"%s\"",
					       nfi_kw(&a));
		if (given[i])
			return nfi_usage_error("limits set: %s given twice",
					       nfi_kw(&a));
		if (nfi_take_u32(&a, &v[i]))
			return 1;
		if (i == 2 && (v[i] < 1 || v[i] > ACQ_EXPIRES_MAX))
			return nfi_usage_error("limits set: acq-expires %u is not 1 to %d seconds",
					       v[i], ACQ_EXPIRES_MAX);
		given[i] = 1;
	}
	msg = nfi_msg_new(NFIPSEC_CMD_SET_INFO, 0);
	if (!msg)
		return 2;
	nest = nfi_nest_start(msg, NFIPSEC_A_INFO);
	if (!nest) {
		nlmsg_free(msg);
		return 2;
	}
	for (i = 0; i < (int)NFI_ARRAY_SIZE(words); i++) {
		if (given[i] && nla_put_u32(msg, types[i], v[i]) < 0) {
			nlmsg_free(msg);
			return 2;
		}
	}
	nla_nest_end(msg, nest);
	err = nfi_nl_talk(msg, NULL, NULL);
	return err ? nfi_nl_fail("limits set", err) : 0;
}

