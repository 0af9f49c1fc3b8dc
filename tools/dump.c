// SPDX-License-Identifier: GPL-2.0
/*
 * NFIPSEC_DUMP_REQUEST=1: the request the CLI would send, printed to stderr
 * by libnl (nl_msg_dump) and then decoded attribute by attribute, with the
 * names of the uapi, for checking the parser without a kernel.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "names.h"
#include "nl.h"

enum kind { K_FLAG, K_U8, K_U16, K_BE16, K_U32, K_BE32, K_U64, K_STR,
	    K_BIN, K_ADDR, K_NEST };

struct nest;

struct field {
	const char *name;
	enum kind kind;
	const struct nest *nest;
};

struct nest {
	const struct field *fields;
	int max;
};

#define F(p, n, k) [NFIPSEC_##p##_A_##n] = { #n, k, NULL }
#define N(p, n, sub) [NFIPSEC_##p##_A_##n] = { #n, K_NEST, &(sub) }

static const struct field alg_fields[NFIPSEC_ALG_A_MAX + 1] = {
	F(ALG, NAME, K_STR), F(ALG, KEY, K_BIN), F(ALG, ICV_BITS, K_U32),
};

static const struct nest alg = { alg_fields, NFIPSEC_ALG_A_MAX };

static const struct field lft_fields[NFIPSEC_LFT_A_MAX + 1] = {
	F(LFT, SOFT_BYTES, K_U64), F(LFT, HARD_BYTES, K_U64),
	F(LFT, SOFT_PACKETS, K_U64), F(LFT, HARD_PACKETS, K_U64),
	F(LFT, SOFT_ADD_SECS, K_U64), F(LFT, HARD_ADD_SECS, K_U64),
	F(LFT, SOFT_USE_SECS, K_U64), F(LFT, HARD_USE_SECS, K_U64),
	F(LFT, PAD, K_BIN),
};

static const struct nest lft = { lft_fields, NFIPSEC_LFT_A_MAX };

static const struct field sel_fields[NFIPSEC_SEL_A_MAX + 1] = {
	F(SEL, SRC, K_ADDR), F(SEL, SRC_PLEN, K_U8), F(SEL, DST, K_ADDR),
	F(SEL, DST_PLEN, K_U8), F(SEL, PROTO, K_U8), F(SEL, SPORT, K_BE16),
	F(SEL, DPORT, K_BE16), F(SEL, FAMILY, K_U16),
};

static const struct nest sel = { sel_fields, NFIPSEC_SEL_A_MAX };

static const struct field encap_fields[NFIPSEC_ENCAP_A_MAX + 1] = {
	F(ENCAP, TYPE, K_U16), F(ENCAP, SPORT, K_BE16), F(ENCAP, DPORT, K_BE16),
	F(ENCAP, OA, K_ADDR), F(ENCAP, KEEPALIVE, K_U32), F(ENCAP, FOLLOW, K_U8),
};

static const struct nest encap = { encap_fields, NFIPSEC_ENCAP_A_MAX };

static const struct field sa_fields[NFIPSEC_SA_A_MAX + 1] = {
	F(SA, PROTO, K_U8), F(SA, SPI, K_BE32), F(SA, SRC, K_ADDR),
	F(SA, DST, K_ADDR), F(SA, MODE, K_U8), F(SA, REQID, K_U32),
	F(SA, REPLAY_WINDOW, K_U32), F(SA, FLAGS, K_U32),
	N(SA, ALG_AEAD, alg), N(SA, ALG_CRYPT, alg), N(SA, ALG_AUTH, alg),
	N(SA, LIFETIME, lft), F(SA, STATS, K_NEST), F(SA, SEQ_OUT, K_U64),
	F(SA, REPLAY_TOP, K_U64), F(SA, PAD, K_BIN), F(SA, SET_MARK, K_U32),
	F(SA, SET_MARK_MASK, K_U32), F(SA, CURRENT, K_NEST), N(SA, SEL, sel),
	N(SA, ENCAP, encap), F(SA, KM_SEQ, K_BE32), F(SA, SPI_MIN, K_BE32),
	F(SA, SPI_MAX, K_BE32), F(SA, LARVAL, K_FLAG), F(SA, OWNER, K_U32),
};

static const struct nest sa = { sa_fields, NFIPSEC_SA_A_MAX };

static const struct field tmpl_fields[NFIPSEC_TMPL_A_MAX + 1] = {
	F(TMPL, SRC, K_ADDR), F(TMPL, DST, K_ADDR), F(TMPL, PROTO, K_U8),
	F(TMPL, SPI, K_BE32), F(TMPL, REQID, K_U32), F(TMPL, MODE, K_U8),
	F(TMPL, LEVEL, K_U8),
};

static const struct nest tmpl = { tmpl_fields, NFIPSEC_TMPL_A_MAX };

static const struct field policy_fields[NFIPSEC_POLICY_A_MAX + 1] = {
	F(POLICY, DIR, K_U8), N(POLICY, SEL, sel), F(POLICY, ACTION, K_U8),
	N(POLICY, TMPL, tmpl), F(POLICY, PRIORITY, K_U32),
	F(POLICY, POSITION, K_U32), F(POLICY, BEFORE, K_U32),
	F(POLICY, AFTER, K_U32), F(POLICY, TO, K_U32),
	F(POLICY, STATS, K_NEST), F(POLICY, INDEX, K_U32),
	F(POLICY, OWNER, K_U32),
};

static const struct nest policy = { policy_fields, NFIPSEC_POLICY_A_MAX };

static const struct field info_fields[NFIPSEC_INFO_A_MAX + 1] = {
	F(INFO, VERSION, K_STR), F(INFO, ABI, K_U32), F(INFO, SA_COUNT, K_U32),
	F(INFO, POLICY_COUNT, K_U32), F(INFO, IKE_PORTS, K_BIN),
	F(INFO, MAX_SAS, K_U32), F(INFO, MAX_POLICIES, K_U32),
	F(INFO, DEFAULT_IN, K_U8), F(INFO, DEFAULT_FWD, K_U8),
	F(INFO, DEFAULT_OUT, K_U8), F(INFO, LARVAL_COUNT, K_U32),
	F(INFO, ACQ_EXPIRES, K_U32),
};

static const struct nest info = { info_fields, NFIPSEC_INFO_A_MAX };

static const struct field top_fields[NFIPSEC_A_MAX + 1] = {
	[NFIPSEC_A_INFO] = { "INFO", K_NEST, &info },
	[NFIPSEC_A_SA] = { "SA", K_NEST, &sa },
	[NFIPSEC_A_POLICY] = { "POLICY", K_NEST, &policy },
	[NFIPSEC_A_STATS] = { "STATS", K_NEST, NULL },
	[NFIPSEC_A_SHOW_KEYS] = { "SHOW_KEYS", K_FLAG, NULL },
	[NFIPSEC_A_PACKET] = { "PACKET", K_NEST, &sel },
};

static const struct nest top = { top_fields, NFIPSEC_A_MAX };

static const char *const cmd_names[NFIPSEC_CMD_MAX + 1] = {
	[NFIPSEC_CMD_GET_INFO] = "GET_INFO",
	[NFIPSEC_CMD_SA_GET] = "SA_GET",
	[NFIPSEC_CMD_POLICY_GET] = "POLICY_GET",
	[NFIPSEC_CMD_GET_STATS] = "GET_STATS",
	[NFIPSEC_CMD_SA_NEW] = "SA_NEW",
	[NFIPSEC_CMD_SA_SET] = "SA_SET",
	[NFIPSEC_CMD_SA_DEL] = "SA_DEL",
	[NFIPSEC_CMD_SA_FLUSH] = "SA_FLUSH",
	[NFIPSEC_CMD_POLICY_NEW] = "POLICY_NEW",
	[NFIPSEC_CMD_POLICY_SET] = "POLICY_SET",
	[NFIPSEC_CMD_POLICY_DEL] = "POLICY_DEL",
	[NFIPSEC_CMD_POLICY_FLUSH] = "POLICY_FLUSH",
	[NFIPSEC_CMD_POLICY_MOVE] = "POLICY_MOVE",
	[NFIPSEC_CMD_ACQUIRE] = "ACQUIRE",
	[NFIPSEC_CMD_SET_INFO] = "SET_INFO",
	[NFIPSEC_CMD_SA_ALLOC_SPI] = "SA_ALLOC_SPI",
	[NFIPSEC_CMD_SA_MIGRATE] = "SA_MIGRATE",
};

static void dump_hex(const uint8_t *p, int len)
{
	int i;

	fprintf(stderr, "%d bytes", len);
	if (len > 0)
		fputs(" 0x", stderr);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x", p[i]);
}

static const int kind_len[] = {
	[K_FLAG] = 0, [K_U8] = 1, [K_U16] = 2, [K_BE16] = 2, [K_U32] = 4,
	[K_BE32] = 4, [K_U64] = 8,
};

static void dump_value(const struct nlattr *a, enum kind kind)
{
	const uint8_t *p = nla_data(a);
	char buf[INET6_ADDRSTRLEN];
	int len = nla_len(a);

	if (kind <= K_U64 && len != kind_len[kind]) {
		fprintf(stderr, "(bad length) ");
		kind = K_BIN;
	}
	switch (kind) {
	case K_FLAG:
		fputs("flag", stderr);
		break;
	case K_U8:
		fprintf(stderr, "u8 %u", nla_get_u8(a));
		break;
	case K_U16:
		fprintf(stderr, "u16 %u", nla_get_u16(a));
		break;
	case K_BE16:
		fprintf(stderr, "be16 %u", ntohs(nla_get_u16(a)));
		break;
	case K_U32:
		fprintf(stderr, "u32 %u", nla_get_u32(a));
		break;
	case K_BE32:
		fprintf(stderr, "be32 0x%08x", ntohl(nla_get_u32(a)));
		break;
	case K_U64:
		fprintf(stderr, "u64 %" PRIu64, (uint64_t)nla_get_u64(a));
		break;
	case K_STR:
		if (len > 0 && p[len - 1] == 0) {
			fprintf(stderr, "\"%s\"", (const char *)p);
		} else {
			fputs("(not NUL-terminated) ", stderr);
			dump_hex(p, len);
		}
		break;
	case K_ADDR:
		if ((len == 4 || len == 16) &&
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, p, buf,
			      sizeof(buf))) {
			fputs(buf, stderr);
			break;
		}
		/* fall through */
	default:
		dump_hex(p, len);
	}
}

static void dump_attrs(struct nlattr *head, int len, const struct nest *n,
		       int depth)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		int type = nla_type(a);
		const struct field *f = NULL;

		if (n && type <= n->max && n->fields[type].name)
			f = &n->fields[type];
		fprintf(stderr, "%*s", depth * 2, "");
		if (f)
			fprintf(stderr, "%s ", f->name);
		else
			fprintf(stderr, "attr %d ", type);
		if (a->nla_type & NLA_F_NESTED) {
			fputs("{\n", stderr);
			dump_attrs(nla_data(a), nla_len(a), f ? f->nest : NULL,
				   depth + 1);
			fprintf(stderr, "%*s}\n", depth * 2, "");
			continue;
		}
		if (f && f->kind == K_NEST)
			fputs("(nest without NLA_F_NESTED) ", stderr);
		dump_value(a, f ? f->kind : K_BIN);
		fputc('\n', stderr);
	}
	if (rem)
		fprintf(stderr, "%*s(%d trailing bytes)\n", depth * 2, "", rem);
}

void nfi_msg_dump(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	char buf[16];

	nl_msg_dump(msg, stderr);
	fprintf(stderr, "nfipsec request: %s%s, version %u\n",
		nfi_name_of(cmd_names, NFI_ARRAY_SIZE(cmd_names), gh->cmd,
			    buf, sizeof(buf)),
		(nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? " (dump)" : "",
		gh->version);
	dump_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), &top, 1);
}
