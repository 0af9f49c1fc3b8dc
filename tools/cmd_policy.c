// SPDX-License-Identifier: GPL-2.0
/* nfipsec policy ... (ip xfrm policy) */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "cli.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "sel.h"

struct tmpl_spec {
	bool set, has_src, has_dst, has_proto, has_spi, has_reqid, has_mode,
	     has_level;
	struct nfi_addr src, dst;
	uint8_t proto, mode, level;
	uint32_t spi, reqid;
};

struct pol_spec {
	struct nfi_sel_spec sel;
	bool has_dir, has_priority, has_action, has_index, has_owner;
	uint8_t dir, action;
	uint32_t priority, index;	/* index: ip xfrm's policy identifier */
	uint32_t owner;			/* uapi "Owners" */
	const char *where_kw;	/* "position", "before", "after" or NULL */
	int where;		/* NFIPSEC_POLICY_A_POSITION, _BEFORE, _AFTER */
	uint32_t pos;
	struct tmpl_spec tmpl;
};

static const char *const pol_stat_names[NFIPSEC_POLICY_STAT_MAX + 1] = {
	[NFIPSEC_POLICY_STAT_PACKETS] = "packets",
	[NFIPSEC_POLICY_STAT_BYTES] = "bytes",
	[NFIPSEC_POLICY_STAT_DROPS] = "drops",
};

/* ip-xfrm policy and selector words that nfipsec does not carry yet. */
static const char *const unsupported_words[] = {
	"mark", "if_id", "ctx", "flag", "limit", "offload", "dev", "type",
	"code", "key",
};

static int not_taken(const struct nfi_args *a)
{
	if (nfi_name_index(unsupported_words,
			   NFI_ARRAY_SIZE(unsupported_words), nfi_kw(a)) >= 0)
		return nfi_unsupported(a);
	return nfi_unexpected(a);
}

/* Takes a word at most once: 1 (usage error) when given before. */
static int once(const struct nfi_args *a, bool *given)
{
	if (*given)
		return nfi_duplicate(a);
	*given = true;
	return 0;
}

/* tmpl [src ADDR] [dst ADDR] proto P [spi SPI] [reqid N] [mode M] [level L] */
static int take_tmpl(struct nfi_args *a, struct tmpl_spec *t)
{
	int err = 0;

	if (t->set)
		return nfi_usage_error("%s: more than one tmpl is not supported yet",
				       a->cmd);
	t->set = true;
	nfi_shift(a, 1);
	/* The template ends at the first word that is not its own. */
	while (a->argc > 0 && !err) {
		const char *kw = nfi_kw(a);

		if (nfi_eq(kw, "src") && !t->has_src) {
			t->has_src = true;
			err = nfi_take_addr(a, &t->src);
		} else if (nfi_eq(kw, "dst") && !t->has_dst) {
			t->has_dst = true;
			err = nfi_take_addr(a, &t->dst);
		} else if (nfi_eq(kw, "proto") && !t->has_proto) {
			t->has_proto = true;
			err = nfi_take_xfrm_proto(a, &t->proto);
		} else if (nfi_eq(kw, "spi") && !t->has_spi) {
			t->has_spi = true;
			err = nfi_take_u32(a, &t->spi);
		} else if (nfi_eq(kw, "reqid") && !t->has_reqid) {
			t->has_reqid = true;
			err = nfi_take_u32(a, &t->reqid);
		} else if (nfi_eq(kw, "mode") && !t->has_mode) {
			t->has_mode = true;
			err = nfi_take_mode(a, &t->mode);
		} else if (nfi_eq(kw, "level") && !t->has_level) {
			t->has_level = true;
			err = nfi_take_level(a, &t->level);
		} else {
			break;
		}
	}
	if (err)
		return err;
	if (!t->has_proto)
		return nfi_usage_error("%s: tmpl needs proto esp|ah", a->cmd);
	return nfi_same_family(a->cmd, &t->src, &t->dst);
}

/* ptype main is all there is; ptype sub is not carried. */
static int take_ptype(struct nfi_args *a)
{
	const char *v;

	if (nfi_take_str(a, &v))
		return 1;
	if (!strcmp(v, "main"))
		return 0;
	if (!strcmp(v, "sub"))
		return nfi_usage_error("%s: ptype sub is not supported yet",
				       a->cmd);
	return nfi_usage_error("ptype: \"%s\" is not main or sub", v);
}

static int take_where(struct nfi_args *a, struct pol_spec *p, int type)
{
	if (p->where_kw)
		return nfi_usage_error("%s: %s and %s exclude each other",
				       a->cmd, p->where_kw, nfi_kw(a));
	p->where_kw = nfi_kw(a);
	p->where = type;
	return nfi_take_u32(a, &p->pos);
}

/* The words of add and update. -1: none of them. */
static int take_policy_word(struct nfi_args *a, struct pol_spec *p)
{
	const char *kw = nfi_kw(a);
	int err = nfi_take_sel_word(a, &p->sel);

	if (err >= 0)
		return err;
	if (nfi_eq(kw, "dir"))
		return once(a, &p->has_dir) ?: nfi_take_dir(a, &p->dir);
	if (nfi_eq(kw, "priority"))
		return once(a, &p->has_priority) ?:
		       nfi_take_u32(a, &p->priority);
	if (nfi_eq(kw, "action"))
		return once(a, &p->has_action) ?:
		       nfi_take_action(a, &p->action);
	if (nfi_eq(kw, "tmpl"))
		return take_tmpl(a, &p->tmpl);
	if (nfi_eq(kw, "index"))
		return once(a, &p->has_index) ?: nfi_take_u32(a, &p->index);
	if (nfi_eq(kw, "position"))
		return take_where(a, p, NFIPSEC_POLICY_A_POSITION);
	if (nfi_eq(kw, "before"))
		return take_where(a, p, NFIPSEC_POLICY_A_BEFORE);
	if (nfi_eq(kw, "after"))
		return take_where(a, p, NFIPSEC_POLICY_A_AFTER);
	if (nfi_eq(kw, "ptype"))
		return take_ptype(a);
	/* nfipsec's own: who added it (uapi "Owners"). */
	if (nfi_eq(kw, "owner"))
		return once(a, &p->has_owner) ?: nfi_take_owner(a, &p->owner);
	return -1;
}

static int put_tmpl(struct nl_msg *msg, const struct tmpl_spec *t)
{
	struct nlattr *nest;

	if (!t->set)
		return 0;
	nest = nfi_nest_start(msg, NFIPSEC_POLICY_A_TMPL);
	if (!nest ||
	    (t->has_src &&
	     nfi_put(msg, NFIPSEC_TMPL_A_SRC, t->src.len, t->src.bytes)) ||
	    (t->has_dst &&
	     nfi_put(msg, NFIPSEC_TMPL_A_DST, t->dst.len, t->dst.bytes)) ||
	    nfi_put_u8(msg, NFIPSEC_TMPL_A_PROTO, t->proto) ||
	    (t->has_spi &&
	     nfi_put_u32(msg, NFIPSEC_TMPL_A_SPI, htonl(t->spi))) ||
	    (t->has_reqid &&
	     nfi_put_u32(msg, NFIPSEC_TMPL_A_REQID, t->reqid)) ||
	    nfi_put_u8(msg, NFIPSEC_TMPL_A_MODE, t->mode) ||
	    nfi_put_u8(msg, NFIPSEC_TMPL_A_LEVEL, t->level))
		return -EMSGSIZE;
	nfi_nest_end(msg, nest);
	return 0;
}

/* A request with a policy nest: whichever parts p has. */
static struct nl_msg *policy_msg(uint8_t cmd, int flags,
				 const struct pol_spec *p, bool sel)
{
	/* Well over the largest policy (IPv6, a template): batches keep many. */
	struct nl_msg *msg = nfi_msg_new_size(cmd, flags, 1024);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
	if (!nest ||
	    (p->has_dir && nfi_put_u8(msg, NFIPSEC_POLICY_A_DIR, p->dir)) ||
	    (sel && nfi_put_sel(msg, NFIPSEC_POLICY_A_SEL, &p->sel, 0)) ||
	    (p->has_action &&
	     nfi_put_u8(msg, NFIPSEC_POLICY_A_ACTION, p->action)) ||
	    (p->has_priority &&
	     nfi_put_u32(msg, NFIPSEC_POLICY_A_PRIORITY, p->priority)) ||
	    put_tmpl(msg, &p->tmpl) ||
	    (p->has_index &&
	     nfi_put_u32(msg, NFIPSEC_POLICY_A_INDEX, p->index)) ||
	    (p->has_owner &&
	     nfi_put_u32(msg, NFIPSEC_POLICY_A_OWNER, p->owner)) ||
	    (p->where_kw && nfi_put_u32(msg, p->where, p->pos))) {
		fprintf(stderr, "nfipsec: the request is too large\n");
		nlmsg_free(msg);
		return NULL;
	}
	nfi_nest_end(msg, nest);
	return msg;
}

static int talk(const char *cmd, struct nl_msg *msg)
{
	int err;

	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, NULL, NULL);
	return err ? nfi_nl_fail(cmd, err) : 0;
}

/* Printing */

static void print_tmpl(struct nlattr *nest)
{
	struct nlattr *t[NFIPSEC_TMPL_A_MAX + 1];
	char buf[INET6_ADDRSTRLEN];

	if (nfi_parse_tmpl(nest, t))
		return;
	nfi_out_line("\t");
	nfi_out_open("tmpl", "tmpl");
	nfi_print_addr("src", t[NFIPSEC_TMPL_A_SRC]);
	nfi_print_addr("dst", t[NFIPSEC_TMPL_A_DST]);
	nfi_out_line("\t\t");
	nfi_out_str("proto",
		    nfi_xfrm_proto_name(nfi_u8(t[NFIPSEC_TMPL_A_PROTO], 0),
					buf, sizeof(buf)));
	if (nfi_u32(t[NFIPSEC_TMPL_A_SPI], 0))
		nfi_out_str("spi", nfi_spi_str(t[NFIPSEC_TMPL_A_SPI], buf,
					       sizeof(buf)));
	nfi_out_u64("reqid", nfi_u32(t[NFIPSEC_TMPL_A_REQID], 0));
	nfi_out_str("mode",
		    nfi_name_of(nfi_mode_names, NFI_ARRAY_SIZE(nfi_mode_names),
				nfi_u8(t[NFIPSEC_TMPL_A_MODE], 0), buf,
				sizeof(buf)));
	nfi_out_str("level",
		    nfi_name_of(nfi_level_names,
				NFI_ARRAY_SIZE(nfi_level_names),
				nfi_u8(t[NFIPSEC_TMPL_A_LEVEL], 0), buf,
				sizeof(buf)));
	nfi_out_close();
}

static void print_policy_stats(struct nlattr *stats)
{
	struct nlattr *a;
	int rem;

	nfi_out_line("\t");
	nfi_out_open("stats", "stats:");
	nla_for_each_nested(a, stats, rem) {
		int t = nla_type(a);
		char buf[24];

		if (t == NFIPSEC_POLICY_STAT_PAD || nla_len(a) != 8)
			continue;
		if (t > NFIPSEC_POLICY_STAT_MAX || !pol_stat_names[t])
			snprintf(buf, sizeof(buf), "stat-%d", t);
		else
			snprintf(buf, sizeof(buf), "%s", pol_stat_names[t]);
		nfi_out_u64(buf, nla_get_u64(a));
	}
	nfi_out_close();
}

/*
 * The filters of list and deleteall, as ip xfrm's: the selector's parts
 * (src and dst prefixes: an address and its first PLEN bits; proto, sport,
 * dport), dir, index, action, priority, and the family (-4, -6, or the
 * selector's addresses').
 */
struct pol_filter {
	struct nfi_sel_spec sel;
	bool has_dir, has_index, has_action, has_priority, has_owner;
	uint8_t dir, action;
	uint32_t index, priority, owner;
	int family;
};

static uint16_t sel_port(struct nlattr **sel, int type)
{
	return sel[type] ? ntohs(nla_get_u16(sel[type])) : 0;
}

/* Whether the filter takes a policy (its parsed nests). */
static bool pol_match(const struct pol_filter *f, struct nlattr **pol,
		      struct nlattr **sel)
{
	const struct nfi_sel_spec *s = &f->sel;
	struct nlattr *src = sel[NFIPSEC_SEL_A_SRC];
	int family = src && nla_len(src) == 16 ? AF_INET6 : AF_INET;

	return (!f->family || f->family == family) &&
	       (!s->has_src || nfi_addr_match(src, &s->src)) &&
	       (!s->has_dst || nfi_addr_match(sel[NFIPSEC_SEL_A_DST], &s->dst)) &&
	       (!s->has_proto ||
		nfi_u8(sel[NFIPSEC_SEL_A_PROTO], 0) == s->proto) &&
	       (!s->has_sport ||
		sel_port(sel, NFIPSEC_SEL_A_SPORT) == s->sport) &&
	       (!s->has_dport ||
		sel_port(sel, NFIPSEC_SEL_A_DPORT) == s->dport) &&
	       (!f->has_dir ||
		nfi_u8(pol[NFIPSEC_POLICY_A_DIR], 0xff) == f->dir) &&
	       (!f->has_index ||
		nfi_u32(pol[NFIPSEC_POLICY_A_INDEX], 0) == f->index) &&
	       (!f->has_action ||
		nfi_u8(pol[NFIPSEC_POLICY_A_ACTION], 0) == f->action) &&
	       (!f->has_priority ||
		nfi_u32(pol[NFIPSEC_POLICY_A_PRIORITY], 0) == f->priority) &&
	       (!f->has_owner || (pol[NFIPSEC_POLICY_A_OWNER] &&
				  nfi_u32(pol[NFIPSEC_POLICY_A_OWNER], 0) ==
				  f->owner));
}

/* A reply's policy nest, parsed: 0 or -EPROTO; sel[] all NULL without one. */
static int parse_reply(struct nlattr **tb, struct nlattr **pol,
		       struct nlattr **sel)
{
	memset(sel, 0, (NFIPSEC_SEL_A_MAX + 1) * sizeof(*sel));
	if (nfi_parse_policy(tb[NFIPSEC_A_POLICY], pol) ||
	    (pol[NFIPSEC_POLICY_A_SEL] &&
	     nfi_parse_sel(pol[NFIPSEC_POLICY_A_SEL], sel)))
		return -EPROTO;
	return 0;
}

/* What print_policy is given: a filter (NULL: none), the count printed. */
struct print_ctx {
	const struct pol_filter *filter;
	int count;
};

static uint64_t pol_stat(struct nlattr *stats, int type)
{
	struct nlattr *a = stats ? nla_find(nla_data(stats), nla_len(stats),
					    type) : NULL;

	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

/*
 * Text: ip xfrm's layout (ipxfrm.c's xfrm_policy_info_print), line for
 * line, then what only nfipsec has: with -s its counters, and always the
 * policy's place in the ordered list and, when not the administrator, its
 * owner, each an indented line of its own.
 *
 * src 192.168.1.0/24 dst 192.168.2.0/24
 *	dir out priority 0
 *	tmpl src 10.0.1.1 dst 10.0.1.2
 *		proto esp reqid 1 mode tunnel
 *	position 1
 *	owner charon
 */
static void text_tmpl(struct nlattr *nest)
{
	struct nlattr *t[NFIPSEC_TMPL_A_MAX + 1];
	uint32_t spi, reqid;
	uint8_t level;
	const char *sl = nfi_sl();
	int s = nfi_stats_level > 0;
	char buf[INET6_ADDRSTRLEN];

	if (nfi_parse_tmpl(nest, t))
		return;
	spi = ntohl(nfi_u32(t[NFIPSEC_TMPL_A_SPI], 0));
	reqid = nfi_u32(t[NFIPSEC_TMPL_A_REQID], 0);
	level = nfi_u8(t[NFIPSEC_TMPL_A_LEVEL], 0);
	printf("\ttmpl src %s ", t[NFIPSEC_TMPL_A_SRC] ?
	       nfi_addr_str(t[NFIPSEC_TMPL_A_SRC], buf, sizeof(buf)) : "0.0.0.0");
	printf("dst %s%s", t[NFIPSEC_TMPL_A_DST] ?
	       nfi_addr_str(t[NFIPSEC_TMPL_A_DST], buf, sizeof(buf)) : "0.0.0.0",
	       sl);
	printf("\t\tproto %s ",
	       nfi_xfrm_proto_name(nfi_u8(t[NFIPSEC_TMPL_A_PROTO], 0), buf,
				   sizeof(buf)));
	if (s || spi) {
		printf("spi 0x%08x", spi);
		if (s)
			printf("(%u)", spi);
		putchar(' ');
	}
	printf("reqid %u", reqid);
	if (s)
		printf("(0x%08x)", reqid);
	printf(" mode %s%s",
	       nfi_name_of(nfi_mode_names, NFI_ARRAY_SIZE(nfi_mode_names),
			   nfi_u8(t[NFIPSEC_TMPL_A_MODE], 0), buf, sizeof(buf)),
	       sl);
	if (s || level) {
		fputs("\t\t", stdout);
		if (level || s)
			printf("level %s ",
			       nfi_name_of(nfi_level_names,
					   NFI_ARRAY_SIZE(nfi_level_names),
					   level, buf, sizeof(buf)));
		if (s)
			fputs("share any ", stdout);
		fputs(sl, stdout);
	}
	/* Any algorithm of the SA is taken: ip's masks of all ones. */
	if (s)
		printf("\t\tenc-mask ffffffff auth-mask ffffffff comp-mask ffffffff%s",
		       sl);
}

static int text_policy(struct nlattr *nest)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1] = { NULL };
	struct nlattr *stats;
	uint8_t action;
	const char *sl = nfi_sl();
	int s = nfi_stats_level > 0;
	char buf[16];

	if (nfi_parse_policy(nest, pol) ||
	    (pol[NFIPSEC_POLICY_A_SEL] &&
	     nfi_parse_sel(pol[NFIPSEC_POLICY_A_SEL], sel)))
		return -EPROTO;
	stats = pol[NFIPSEC_POLICY_A_STATS];
	action = nfi_u8(pol[NFIPSEC_POLICY_A_ACTION], 0);
	nfi_text_sel(sel, nfi_family ? nfi_family : AF_INET, NULL);
	printf("\tdir %s ",
	       nfi_name_of(nfi_dir_names, NFI_ARRAY_SIZE(nfi_dir_names),
			   nfi_u8(pol[NFIPSEC_POLICY_A_DIR], 0), buf,
			   sizeof(buf)));
	if (action || s)
		printf("action %s ",
		       nfi_name_of(nfi_action_names,
				   NFI_ARRAY_SIZE(nfi_action_names), action,
				   buf, sizeof(buf)));
	if (s)
		printf("index %u ", nfi_u32(pol[NFIPSEC_POLICY_A_INDEX], 0));
	printf("priority %u ", nfi_u32(pol[NFIPSEC_POLICY_A_PRIORITY], 0));
	if (s)
		fputs("share any flag  (0x00000000)", stdout);
	fputs(sl, stdout);
	/*
	 * Counted packets and bytes in ip's lifetime current (XFRM: 0), with
	 * the add and use times (XFRM's).
	 */
	if (s)
		nfi_text_lifetime(NULL, pol_stat(stats,
						 NFIPSEC_POLICY_STAT_BYTES),
				  pol_stat(stats, NFIPSEC_POLICY_STAT_PACKETS),
				  nfi_u64(pol[NFIPSEC_POLICY_A_ADD_TIME], 0),
				  nfi_u64(pol[NFIPSEC_POLICY_A_USE_TIME], 0));
	if (pol[NFIPSEC_POLICY_A_TMPL])
		text_tmpl(pol[NFIPSEC_POLICY_A_TMPL]);
	if (s && stats) {
		struct nlattr *a;
		int rem;

		fputs("\tcounters:", stdout);
		nla_for_each_nested(a, stats, rem) {
			int t = nla_type(a);

			if (t == NFIPSEC_POLICY_STAT_PAD || nla_len(a) != 8)
				continue;
			if (t > NFIPSEC_POLICY_STAT_MAX || !pol_stat_names[t])
				printf(" stat-%d", t);
			else
				printf(" %s", pol_stat_names[t]);
			printf(" %llu", (unsigned long long)nla_get_u64(a));
		}
		fputs(sl, stdout);
	}
	if (pol[NFIPSEC_POLICY_A_POSITION])
		printf("\tposition %u%s",
		       nla_get_u32(pol[NFIPSEC_POLICY_A_POSITION]), sl);
	if (nfi_u32(pol[NFIPSEC_POLICY_A_OWNER], 0))
		printf("\towner %s%s",
		       nfi_owner_str(nla_get_u32(pol[NFIPSEC_POLICY_A_OWNER]),
				     buf, sizeof(buf)), sl);
	if (nfi_oneline)
		putchar('\n');
	return 0;
}

/* One policy of list or get: ip's text, or a JSON object. */
static int print_policy(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];
	struct print_ctx *ctx = arg;

	(void)nlh;
	if (ctx->filter) {
		if (parse_reply(tb, pol, sel))
			return -EPROTO;
		if (!pol_match(ctx->filter, pol, sel))
			return 0;
	}
	if (!nfi_json) {
		if (text_policy(tb[NFIPSEC_A_POLICY]))
			return -EPROTO;
		ctx->count++;
		return 0;
	}
	jw_open_object(NULL);
	if (nfi_print_policy(tb[NFIPSEC_A_POLICY]))
		return -EPROTO;
	ctx->count++;
	jw_close_object();
	return 0;
}

/* The members of one policy (policy list, monitor); -EPROTO: malformed. */
int nfi_print_policy(struct nlattr *nest)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];
	char buf[16];

	if (nfi_parse_policy(nest, pol) ||
	    (pol[NFIPSEC_POLICY_A_SEL] &&
	     nfi_parse_sel(pol[NFIPSEC_POLICY_A_SEL], sel)))
		return -EPROTO;
	if (pol[NFIPSEC_POLICY_A_POSITION])
		nfi_out_u64("position",
			    nla_get_u32(pol[NFIPSEC_POLICY_A_POSITION]));
	if (pol[NFIPSEC_POLICY_A_SEL])
		nfi_print_sel(sel, true);
	if (pol[NFIPSEC_POLICY_A_DIR])
		nfi_out_str("dir",
			    nfi_name_of(nfi_dir_names,
					NFI_ARRAY_SIZE(nfi_dir_names),
					nla_get_u8(pol[NFIPSEC_POLICY_A_DIR]),
					buf, sizeof(buf)));
	nfi_out_u64("priority", nfi_u32(pol[NFIPSEC_POLICY_A_PRIORITY], 0));
	if (pol[NFIPSEC_POLICY_A_INDEX])
		nfi_out_u64("index", nla_get_u32(pol[NFIPSEC_POLICY_A_INDEX]));
	/* Who added it (uapi "Owners"): not the administrator. */
	if (nfi_u32(pol[NFIPSEC_POLICY_A_OWNER], 0)) {
		if (nfi_json)
			jw_u64("owner", nla_get_u32(pol[NFIPSEC_POLICY_A_OWNER]));
		else
			nfi_out_str("owner",
				    nfi_owner_str(nla_get_u32(pol[NFIPSEC_POLICY_A_OWNER]),
						  buf, sizeof(buf)));
	}
	nfi_out_str("action",
		    nfi_name_of(nfi_action_names,
				NFI_ARRAY_SIZE(nfi_action_names),
				nfi_u8(pol[NFIPSEC_POLICY_A_ACTION], 0), buf,
				sizeof(buf)));
	if (pol[NFIPSEC_POLICY_A_TMPL])
		print_tmpl(pol[NFIPSEC_POLICY_A_TMPL]);
	if (nfi_stats_level && pol[NFIPSEC_POLICY_A_ADD_TIME]) {
		nfi_out_open("current", "lifetime current:");
		nfi_print_time("add", pol[NFIPSEC_POLICY_A_ADD_TIME]);
		nfi_print_time("use", pol[NFIPSEC_POLICY_A_USE_TIME]);
		nfi_out_close();
	}
	if (nfi_stats_level && pol[NFIPSEC_POLICY_A_STATS])
		print_policy_stats(pol[NFIPSEC_POLICY_A_STATS]);
	return 0;
}

/* Commands */

/* add|update SELECTOR dir DIR [priority N] [action A] [tmpl TMPL]
 * [index I] [position N | before N | after N]
 */
static int policy_modify(int argc, char **argv, bool update)
{
	struct nfi_args a = { update ? "policy update" : "policy add",
			      argc, argv };
	struct pol_spec p = { 0 };
	int err = 0;

	while (a.argc > 0 && !err) {
		err = take_policy_word(&a, &p);
		if (err < 0)
			err = not_taken(&a);
	}
	if (err)
		return err;
	if (!p.has_dir)
		return nfi_usage_error("%s: dir in|out|fwd is required", a.cmd);
	if (nfi_check_sel(a.cmd, &p.sel))
		return 1;
	if (update && p.where_kw)
		return nfi_usage_error("%s: %s is for add only: update replaces the policy in place (see policy move)",
				       a.cmd, p.where_kw);
	return talk(a.cmd, policy_msg(update ? NFIPSEC_CMD_POLICY_SET :
				      NFIPSEC_CMD_POLICY_NEW, 0, &p, true));
}

/*
 * delete|get { dir DIR SELECTOR | index I dir DIR | position N }: index
 * is ip xfrm's policy identifier, position nfipsec's place in the list.
 */
static int policy_get_delete(int argc, char **argv, bool get)
{
	struct nfi_args a = { get ? "policy get" : "policy delete",
			      argc, argv };
	struct pol_spec p = { 0 };
	struct nfi_sel_spec *s = &p.sel;
	bool has_sel;
	struct print_ctx ctx = { NULL, 0 };
	struct nl_msg *msg;
	int err = 0;

	while (a.argc > 0 && !err) {
		const char *kw = nfi_kw(&a);

		err = nfi_take_sel_word(&a, s);
		if (err >= 0)
			continue;
		if (!strcmp(kw, "dir"))
			err = once(&a, &p.has_dir) ?: nfi_take_dir(&a, &p.dir);
		else if (!strcmp(kw, "index"))
			err = once(&a, &p.has_index) ?:
			      nfi_take_u32(&a, &p.index);
		else if (!strcmp(kw, "position"))
			err = p.where_kw ? nfi_duplicate(&a) :
			      take_where(&a, &p, NFIPSEC_POLICY_A_POSITION);
		else if (!strcmp(kw, "ptype"))
			err = take_ptype(&a);
		else
			err = not_taken(&a);
	}
	if (err)
		return err;
	has_sel = s->has_src || s->has_dst || s->has_proto || s->has_sport ||
		  s->has_dport;
	if (p.where_kw) {
		if (p.has_dir || p.has_index || has_sel)
			return nfi_usage_error("%s: position N stands alone: without dir, index or a selector",
					       a.cmd);
	} else if (p.has_index) {
		if (!p.has_dir || has_sel)
			return nfi_usage_error("%s: index I goes with dir DIR and no selector",
					       a.cmd);
	} else {
		if (!p.has_dir)
			return nfi_usage_error("%s: dir DIR and a selector, index I and dir DIR, or position N are required",
					       a.cmd);
		if (nfi_check_sel(a.cmd, s))
			return 1;
	}
	msg = policy_msg(get ? NFIPSEC_CMD_POLICY_GET : NFIPSEC_CMD_POLICY_DEL,
			 0, &p, !p.where_kw && !p.has_index);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, get ? print_policy : NULL, &ctx);
	if (ctx.count && nfi_json)
		jw_end();
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* flush [dir DIR] [owner OWNER] */
/*
 * flush's words: dir DIR, ip xfrm's ptype main (sub: refused), and
 * nfipsec's owner OWNER (that owner's policies only).
 */
static int take_flush_words(struct nfi_args *a, struct pol_spec *p)
{
	int err = 0;

	while (a->argc > 0 && !err) {
		if (!strcmp(nfi_kw(a), "dir") && a->argc > 1)
			err = once(a, &p->has_dir) ?: nfi_take_dir(a, &p->dir);
		else if (!strcmp(nfi_kw(a), "owner"))
			err = once(a, &p->has_owner) ?:
			      nfi_take_owner(a, &p->owner);
		else if (!strcmp(nfi_kw(a), "ptype"))
			err = take_ptype(a);
		else
			err = nfi_unexpected(a);
	}
	return err;
}

/* One filter word of list and deleteall (not a selector's): 0, 1, -1. */
static int take_filter(struct nfi_args *a, struct pol_filter *f)
{
	const char *kw = nfi_kw(a);

	if (!strcmp(kw, "dir"))
		return once(a, &f->has_dir) ?: nfi_take_dir(a, &f->dir);
	if (!strcmp(kw, "index"))
		return once(a, &f->has_index) ?: nfi_take_u32(a, &f->index);
	if (!strcmp(kw, "action"))
		return once(a, &f->has_action) ?:
		       nfi_take_action(a, &f->action);
	if (!strcmp(kw, "priority"))
		return once(a, &f->has_priority) ?:
		       nfi_take_u32(a, &f->priority);
	if (!strcmp(kw, "owner"))
		return once(a, &f->has_owner) ?: nfi_take_owner(a, &f->owner);
	if (!strcmp(kw, "ptype"))
		return take_ptype(a);
	if (!strcmp(kw, "nosock")) {	/* nfipsec has no socket policies */
		nfi_shift(a, 1);
		return 0;
	}
	return -1;
}

/* The filters of list and deleteall: 0, or 1 after a usage error. */
static int take_filters(struct nfi_args *a, struct pol_filter *f)
{
	struct nfi_sel_spec *s = &f->sel;
	int err = 0;

	while (a->argc > 0 && !err) {
		err = nfi_take_sel_word(a, s);
		if (err < 0)
			err = take_filter(a, f);
		if (err < 0)
			err = not_taken(a);
	}
	/* As ip: ports without a protocol filter too. */
	if (err || nfi_same_family(a->cmd, &s->src, &s->dst))
		return 1;
	f->family = nfi_family ? nfi_family : s->has_src ? s->src.family :
		    s->has_dst ? s->dst.family : 0;
	return 0;
}

/* A dump of the policies (of one dir, when the filter has one). */
static struct nl_msg *dump_msg(const struct pol_filter *f)
{
	struct nl_msg *msg = nfi_msg_new(NFIPSEC_CMD_POLICY_GET, NLM_F_DUMP);
	struct nlattr *nest;

	if (msg && f && f->has_dir) {
		nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
		if (!nest || nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, f->dir)) {
			nlmsg_free(msg);
			return NULL;
		}
		nla_nest_end(msg, nest);
	}
	return msg;
}

/* list|show [SELECTOR] [dir D] [index I] [action A] [priority P] [ptype main] */
static int policy_list(int argc, char **argv)
{
	struct nfi_args a = { "policy list", argc, argv };
	struct pol_filter f = { 0 };
	struct print_ctx ctx = { &f, 0 };
	struct nl_msg *msg;
	int err;

	if (take_filters(&a, &f))
		return 1;
	msg = dump_msg(&f);
	if (!msg)
		return 2;
	if (nfi_json)
		jw_open_array(NULL);
	err = nfi_nl_talk(msg, print_policy, &ctx);
	if (nfi_json) {
		jw_close_array();
		jw_end();
	}
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* The policies a deleteall found: their index and dir. */
struct pol_found {
	struct pol_key {
		uint32_t index;
		uint8_t dir;
	} *v;
	size_t n, cap;
	const struct pol_filter *filter;
};

static int collect_policy(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];
	struct pol_found *found = arg;
	struct pol_key *k;

	(void)nlh;
	if (parse_reply(tb, pol, sel) || !pol[NFIPSEC_POLICY_A_INDEX] ||
	    !pol[NFIPSEC_POLICY_A_DIR])
		return -EPROTO;
	if (!pol_match(found->filter, pol, sel))
		return 0;
	if (found->n == found->cap) {
		size_t cap = found->cap ? 2 * found->cap : 64;

		k = realloc(found->v, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		found->v = k;
		found->cap = cap;
	}
	k = &found->v[found->n++];
	k->index = nla_get_u32(pol[NFIPSEC_POLICY_A_INDEX]);
	k->dir = nla_get_u8(pol[NFIPSEC_POLICY_A_DIR]);
	return 0;
}

/* Delete one policy found (index and dir); its error on stderr: 0 or 2. */
static int delete_found(const struct pol_key *k)
{
	struct pol_spec p = { .has_dir = true, .has_index = true,
			      .dir = k->dir, .index = k->index };
	char what[96], buf[16];
	struct nl_msg *msg;
	int err;

	msg = policy_msg(NFIPSEC_CMD_POLICY_DEL, 0, &p, false);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, NULL, NULL);
	if (!err || err == -ENOENT)	/* gone meanwhile: as wanted */
		return 0;
	snprintf(what, sizeof(what), "policy deleteall: index %u dir %s",
		 k->index, nfi_name_of(nfi_dir_names,
				       NFI_ARRAY_SIZE(nfi_dir_names), k->dir,
				       buf, sizeof(buf)));
	return nfi_nl_fail(what, err);
}

/*
 * deleteall [filters of list]: the policies the filters match, each
 * deleted by index and dir (a dump, then a delete each); one that fails
 * is reported and the rest still deleted.
 */
static int policy_deleteall(int argc, char **argv)
{
	struct nfi_args a = { "policy deleteall", argc, argv };
	struct pol_filter f = { 0 };
	struct pol_found found = { .filter = &f };
	struct nl_msg *msg;
	int err, ret = 0;
	size_t i;

	if (take_filters(&a, &f))
		return 1;
	msg = dump_msg(&f);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, collect_policy, &found);
	if (err) {
		free(found.v);
		return nfi_nl_fail(a.cmd, err);
	}
	for (i = 0; i < found.n; i++)
		if (delete_found(&found.v[i]))
			ret = 2;
	free(found.v);
	return ret;
}

/* Policies by dir, for count and spdinfo. */
static int count_policy(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	uint32_t *by_dir = arg;
	uint8_t dir;

	(void)nlh;
	if (nfi_parse_policy(tb[NFIPSEC_A_POLICY], pol))
		return -EPROTO;
	dir = nfi_u8(pol[NFIPSEC_POLICY_A_DIR], 0xff);
	if (dir < NFI_ARRAY_SIZE(nfi_dir_names))
		by_dir[dir]++;
	return 0;
}

/*
 * count: ip xfrm's policy count (its SPDINFO request), "\t SPD IN  N OUT
 * N FWD N", with -s " (Sock: IN 0 OUT 0 FWD 0)" (nfipsec has no socket
 * policies); spdinfo: the same, and a line saying that there are no hash
 * thresholds (what ip -s -s xfrm policy count adds for XFRM).
 */
static int policy_count(const char *cmd, int argc, char **argv, bool info)
{
	const char *sl = nfi_oneline ? "\\" : "\n";
	uint32_t by_dir[3] = { 0, 0, 0 };
	struct nl_msg *msg;
	int err;

	if (argc > 0)
		return nfi_usage_error("%s: unexpected \"%s\"", cmd, argv[0]);
	msg = dump_msg(NULL);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, count_policy, by_dir);
	if (err)
		return nfi_nl_fail(cmd, err);
	if (nfi_json) {
		jw_open_object(NULL);
		jw_u64("count", (uint64_t)by_dir[0] + by_dir[1] + by_dir[2]);
		jw_u64("in", by_dir[NFIPSEC_DIR_IN]);
		jw_u64("out", by_dir[NFIPSEC_DIR_OUT]);
		jw_u64("fwd", by_dir[NFIPSEC_DIR_FWD]);
		if (info)
			jw_string("hthresh", "none");
		jw_close_object();
		jw_end();
		return 0;
	}
	printf("\t SPD IN  %u OUT %u FWD %u", by_dir[NFIPSEC_DIR_IN],
	       by_dir[NFIPSEC_DIR_OUT], by_dir[NFIPSEC_DIR_FWD]);
	if (nfi_stats_level)
		printf(" (Sock: IN 0 OUT 0 FWD 0)");
	printf("%s", sl);
	if (info)
		printf("\t SPD hash thresholds: none (nfipsec's policies are an ordered list)%s",
		       sl);
	if (nfi_oneline)
		printf("\n");
	return 0;
}

/* hthresh4|hthresh6 LBITS RBITS, checked as ip xfrm checks them. */
static int take_hthresh(struct nfi_args *a, bool *has4, bool *has6)
{
	const char *kw = nfi_kw(a);
	bool v6 = !strcmp(kw, "hthresh6");
	unsigned int max = v6 ? 128 : 32;
	uint64_t bits;
	int i;

	if (!v6 && strcmp(kw, "hthresh4"))
		return nfi_unexpected(a);
	if (once(a, v6 ? has6 : has4) || nfi_need(a, 2, "LBITS RBITS"))
		return 1;
	for (i = 1; i <= 2; i++)
		if (nfi_parse_u64(a->argv[i], max, &bits))
			return nfi_usage_error("%s: %s \"%s\" is not a number of bits (0-%u)",
					       kw, i == 1 ? "LBITS" : "RBITS",
					       a->argv[i], max);
	nfi_shift(a, 3);
	return 0;
}

/*
 * set [hthresh4 LBITS RBITS] [hthresh6 LBITS RBITS]: nfipsec has no hash
 * table of policies, so nothing is set, and stderr says so.
 */
static int policy_set(int argc, char **argv)
{
	struct nfi_args a = { "policy set", argc, argv };
	bool has4 = false, has6 = false;

	while (a.argc > 0)
		if (take_hthresh(&a, &has4, &has6))
			return 1;
	fprintf(stderr,
		"nfipsec: policy set: nfipsec has no hash thresholds (its policies are an ordered list): nothing set\n");
	return 0;
}

static int policy_flush(int argc, char **argv)
{
	struct nfi_args a = { "policy flush", argc, argv };
	struct pol_spec p = { 0 };
	struct nl_msg *msg;
	struct nlattr *nest;

	if (take_flush_words(&a, &p))
		return 1;
	msg = nfi_msg_new(NFIPSEC_CMD_POLICY_FLUSH, 0);
	if (msg && (p.has_dir || p.has_owner)) {
		nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
		if (!nest ||
		    (p.has_dir && nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, p.dir)) ||
		    (p.has_owner &&
		     nla_put_u32(msg, NFIPSEC_POLICY_A_OWNER, p.owner))) {
			nlmsg_free(msg);
			return 2;
		}
		nla_nest_end(msg, nest);
	}
	return talk(a.cmd, msg);
}

/* move position N { to M | before M | after M } */
static int policy_move(int argc, char **argv)
{
	struct nfi_args a = { "policy move", argc, argv };
	const char *target_kw = NULL;
	bool has_pos = false;
	uint32_t pos = 0, target = 0;
	int type = 0, err = 0;
	struct nl_msg *msg;
	struct nlattr *nest;

	while (a.argc > 0 && !err) {
		const char *kw = nfi_kw(&a);
		int t = !strcmp(kw, "to") ? NFIPSEC_POLICY_A_TO :
			!strcmp(kw, "before") ? NFIPSEC_POLICY_A_BEFORE :
			!strcmp(kw, "after") ? NFIPSEC_POLICY_A_AFTER : 0;

		if (!strcmp(kw, "position")) {
			err = once(&a, &has_pos) ?: nfi_take_u32(&a, &pos);
		} else if (!strcmp(kw, "index")) {
			err = nfi_usage_error("%s: moves the policy at position N (index is ip xfrm's policy identifier)",
					      a.cmd);
		} else if (t && target_kw) {
			err = nfi_usage_error("%s: %s and %s exclude each other",
					      a.cmd, target_kw, kw);
		} else if (t) {
			target_kw = kw;
			type = t;
			err = nfi_take_u32(&a, &target);
		} else {
			err = nfi_unexpected(&a);
		}
	}
	if (err)
		return err;
	if (!has_pos || !target_kw)
		return nfi_usage_error("%s: position N and one of to M, before M, after M are required",
				       a.cmd);
	msg = nfi_msg_new(NFIPSEC_CMD_POLICY_MOVE, 0);
	if (!msg)
		return 2;
	nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
	if (!nest || nla_put_u32(msg, NFIPSEC_POLICY_A_POSITION, pos) ||
	    nla_put_u32(msg, type, target)) {
		nlmsg_free(msg);
		return 2;
	}
	nla_nest_end(msg, nest);
	return talk(a.cmd, msg);
}

/* ip xfrm's default policies, by dir: the INFO attribute of each. */
static const int default_attr[3] = {
	[NFIPSEC_DIR_IN] = NFIPSEC_INFO_A_DEFAULT_IN,
	[NFIPSEC_DIR_OUT] = NFIPSEC_INFO_A_DEFAULT_OUT,
	[NFIPSEC_DIR_FWD] = NFIPSEC_INFO_A_DEFAULT_FWD,
};

/*
 * setdefault { in | fwd | out } { accept | allow | block }...: what a
 * packet of that dir that no policy matches meets; a dir not given keeps
 * its default.
 */
static int policy_setdefault(int argc, char **argv)
{
	struct nfi_args a = { "policy setdefault", argc, argv };
	bool given[3] = { false, false, false };
	uint8_t action[3], dir;
	struct nl_msg *msg;
	struct nlattr *nest;
	int i;

	while (a.argc > 0) {
		i = nfi_name_index(nfi_dir_names, NFI_ARRAY_SIZE(nfi_dir_names),
				   nfi_kw(&a));
		if (i < 0)
			return nfi_usage_error("%s: \"%s\" is not in, fwd or out",
					       a.cmd, nfi_kw(&a));
		dir = (uint8_t)i;
		if (once(&a, &given[dir]) ||
		    nfi_need(&a, 1, "accept or block"))
			return 1;
		if (!strcmp(a.argv[1], "accept") || !strcmp(a.argv[1], "allow"))
			action[dir] = NFIPSEC_ACTION_ALLOW;
		else if (!strcmp(a.argv[1], "block"))
			action[dir] = NFIPSEC_ACTION_BLOCK;
		else
			return nfi_usage_error("%s: \"%s\" is not accept or block",
					       nfi_kw(&a), a.argv[1]);
		nfi_shift(&a, 2);
	}
	msg = nfi_msg_new(NFIPSEC_CMD_SET_INFO, 0);
	if (!msg)
		return 2;
	nest = nfi_nest_start(msg, NFIPSEC_A_INFO);
	if (!nest)
		goto too_big;
	for (i = 0; i < 3; i++)
		if (given[i] && nla_put_u8(msg, default_attr[i], action[i]))
			goto too_big;
	nla_nest_end(msg, nest);
	return talk(a.cmd, msg);
too_big:
	nlmsg_free(msg);
	return 2;
}

/*
 * getdefault, as ip xfrm prints it:
 * Default policies:
 *  in:  accept
 *  fwd: accept
 *  out: block
 */
static int print_defaults(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	static const struct nla_policy pol[NFIPSEC_INFO_A_MAX + 1] = {
		[NFIPSEC_INFO_A_DEFAULT_IN] = { .type = NLA_U8 },
		[NFIPSEC_INFO_A_DEFAULT_FWD] = { .type = NLA_U8 },
		[NFIPSEC_INFO_A_DEFAULT_OUT] = { .type = NLA_U8 },
	};
	static const uint8_t order[3] = {
		NFIPSEC_DIR_IN, NFIPSEC_DIR_FWD, NFIPSEC_DIR_OUT,
	};
	struct nlattr *info[NFIPSEC_INFO_A_MAX + 1];
	const char *word;
	int i;

	(void)nlh, (void)arg;
	if (!tb[NFIPSEC_A_INFO] ||
	    nla_parse_nested(info, NFIPSEC_INFO_A_MAX, tb[NFIPSEC_A_INFO],
			     (struct nla_policy *)pol))
		return -EPROTO;
	if (nfi_json)
		jw_open_object(NULL);
	else
		printf("Default policies:\n");
	for (i = 0; i < 3; i++) {
		struct nlattr *v = info[default_attr[order[i]]];
		const char *dir = nfi_dir_names[order[i]];

		word = !v ? "unspec" :
		       nla_get_u8(v) == NFIPSEC_ACTION_BLOCK ? "block" :
		       nla_get_u8(v) == NFIPSEC_ACTION_ALLOW ? "accept" :
		       "unknown";
		if (nfi_json)
			jw_string(dir, word);
		else
			printf(" %s:%s%s\n", dir, i ? " " : "  ", word);
	}
	if (nfi_json) {
		jw_close_object();
		jw_end();
	}
	return 0;
}

static int policy_getdefault(int argc, char **argv)
{
	struct nl_msg *msg;
	int err;

	if (argc > 0)
		return nfi_usage_error("policy getdefault: unexpected \"%s\"",
				       argv[0]);
	msg = nfi_msg_new(NFIPSEC_CMD_GET_INFO, 0);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, print_defaults, NULL);
	return err ? nfi_nl_fail("policy getdefault", err) : 0;
}

int do_policy(int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : "list";

	if (argc > 0)
		argc--, argv++;
	if (nfi_matches(cmd, "list") || nfi_matches(cmd, "show"))
		return policy_list(argc, argv);
	if (nfi_matches(cmd, "add"))
		return policy_modify(argc, argv, false);
	if (nfi_matches(cmd, "update"))
		return policy_modify(argc, argv, true);
	if (nfi_matches(cmd, "delete"))
		return policy_get_delete(argc, argv, false);
	if (nfi_matches(cmd, "deleteall") || nfi_matches(cmd, "delall"))
		return policy_deleteall(argc, argv);
	if (nfi_matches(cmd, "get"))
		return policy_get_delete(argc, argv, true);
	if (nfi_matches(cmd, "flush"))
		return policy_flush(argc, argv);
	if (nfi_matches(cmd, "move"))
		return policy_move(argc, argv);
	if (nfi_matches(cmd, "count"))
		return policy_count("policy count", argc, argv, false);
	if (nfi_matches(cmd, "set"))
		return policy_set(argc, argv);
	if (nfi_matches(cmd, "spdinfo"))
		return policy_count("policy spdinfo", argc, argv, true);
	if (nfi_matches(cmd, "setdefault"))
		return policy_setdefault(argc, argv);
	if (nfi_matches(cmd, "getdefault"))
		return policy_getdefault(argc, argv);
	return nfi_usage_error("unknown policy command \"%s\"", cmd);
}
