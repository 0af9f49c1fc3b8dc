// SPDX-License-Identifier: GPL-2.0
/* nfipsec policy ... (ip xfrm policy) */

#include <errno.h>
#include <stdio.h>
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
	bool has_dir, has_priority, has_action, has_index;
	uint8_t dir, action;
	uint32_t priority, index;	/* index: ip xfrm's policy identifier */
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

		if (!strcmp(kw, "src") && !t->has_src) {
			t->has_src = true;
			err = nfi_take_addr(a, &t->src);
		} else if (!strcmp(kw, "dst") && !t->has_dst) {
			t->has_dst = true;
			err = nfi_take_addr(a, &t->dst);
		} else if (!strcmp(kw, "proto") && !t->has_proto) {
			t->has_proto = true;
			err = nfi_take_xfrm_proto(a, &t->proto);
		} else if (!strcmp(kw, "spi") && !t->has_spi) {
			t->has_spi = true;
			err = nfi_take_u32(a, &t->spi);
		} else if (!strcmp(kw, "reqid") && !t->has_reqid) {
			t->has_reqid = true;
			err = nfi_take_u32(a, &t->reqid);
		} else if (!strcmp(kw, "mode") && !t->has_mode) {
			t->has_mode = true;
			err = nfi_take_mode(a, &t->mode);
		} else if (!strcmp(kw, "level") && !t->has_level) {
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
	if (!strcmp(kw, "dir"))
		return once(a, &p->has_dir) ?: nfi_take_dir(a, &p->dir);
	if (!strcmp(kw, "priority"))
		return once(a, &p->has_priority) ?:
		       nfi_take_u32(a, &p->priority);
	if (!strcmp(kw, "action"))
		return once(a, &p->has_action) ?:
		       nfi_take_action(a, &p->action);
	if (!strcmp(kw, "tmpl"))
		return take_tmpl(a, &p->tmpl);
	if (!strcmp(kw, "index"))
		return once(a, &p->has_index) ?: nfi_take_u32(a, &p->index);
	if (!strcmp(kw, "position"))
		return take_where(a, p, NFIPSEC_POLICY_A_POSITION);
	if (!strcmp(kw, "before"))
		return take_where(a, p, NFIPSEC_POLICY_A_BEFORE);
	if (!strcmp(kw, "after"))
		return take_where(a, p, NFIPSEC_POLICY_A_AFTER);
	if (!strcmp(kw, "ptype"))
		return take_ptype(a);
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
	     nla_put(msg, NFIPSEC_TMPL_A_SRC, t->src.len, t->src.bytes)) ||
	    (t->has_dst &&
	     nla_put(msg, NFIPSEC_TMPL_A_DST, t->dst.len, t->dst.bytes)) ||
	    nla_put_u8(msg, NFIPSEC_TMPL_A_PROTO, t->proto) ||
	    (t->has_spi &&
	     nla_put_u32(msg, NFIPSEC_TMPL_A_SPI, htonl(t->spi))) ||
	    (t->has_reqid &&
	     nla_put_u32(msg, NFIPSEC_TMPL_A_REQID, t->reqid)) ||
	    nla_put_u8(msg, NFIPSEC_TMPL_A_MODE, t->mode) ||
	    nla_put_u8(msg, NFIPSEC_TMPL_A_LEVEL, t->level))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A request with a policy nest: whichever parts p has. */
static struct nl_msg *policy_msg(uint8_t cmd, int flags,
				 const struct pol_spec *p, bool sel)
{
	struct nl_msg *msg = nfi_msg_new(cmd, flags);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
	if (!nest ||
	    (p->has_dir && nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, p->dir)) ||
	    (sel && nfi_put_sel(msg, NFIPSEC_POLICY_A_SEL, &p->sel, 0)) ||
	    (p->has_action &&
	     nla_put_u8(msg, NFIPSEC_POLICY_A_ACTION, p->action)) ||
	    (p->has_priority &&
	     nla_put_u32(msg, NFIPSEC_POLICY_A_PRIORITY, p->priority)) ||
	    put_tmpl(msg, &p->tmpl) ||
	    (p->has_index &&
	     nla_put_u32(msg, NFIPSEC_POLICY_A_INDEX, p->index)) ||
	    (p->where_kw && nla_put_u32(msg, p->where, p->pos))) {
		fprintf(stderr, "nfipsec: the request is too large\n");
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
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
 * position 0 src 192.168.111.0/24 dst 192.168.186.0/24 dir out priority 0 index 1 action allow
 *	tmpl src 192.168.3.107 dst 192.168.3.111
 *		proto esp reqid 1 mode tunnel level required
 */
static int print_policy(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	int *count = arg;

	(void)nlh;
	if (nfi_json)
		jw_open_object(NULL);
	if (nfi_print_policy(tb[NFIPSEC_A_POLICY]))
		return -EPROTO;
	(*count)++;
	if (nfi_json)
		jw_close_object();
	else
		nfi_out_line(NULL);
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
	nfi_out_str("action",
		    nfi_name_of(nfi_action_names,
				NFI_ARRAY_SIZE(nfi_action_names),
				nfi_u8(pol[NFIPSEC_POLICY_A_ACTION], 0), buf,
				sizeof(buf)));
	if (pol[NFIPSEC_POLICY_A_TMPL])
		print_tmpl(pol[NFIPSEC_POLICY_A_TMPL]);
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
	if (nfi_check_sel(a.cmd, &p.sel, true))
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
	struct nl_msg *msg;
	int count = 0, err = 0;

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
		if (nfi_check_sel(a.cmd, s, true))
			return 1;
	}
	msg = policy_msg(get ? NFIPSEC_CMD_POLICY_GET : NFIPSEC_CMD_POLICY_DEL,
			 0, &p, !p.where_kw && !p.has_index);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, get ? print_policy : NULL, &count);
	if (count && nfi_json)
		jw_end();
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* list|show|flush [dir DIR] */
static int take_dir_only(struct nfi_args *a, struct pol_spec *p)
{
	int err = 0;

	while (a->argc > 0 && !err) {
		if (!strcmp(nfi_kw(a), "dir") && a->argc > 1)
			err = once(a, &p->has_dir) ?: nfi_take_dir(a, &p->dir);
		else
			err = nfi_unexpected(a);
	}
	return err;
}

static int policy_list(int argc, char **argv)
{
	struct nfi_args a = { "policy list", argc, argv };
	struct pol_spec p = { 0 };
	struct nl_msg *msg;
	int count = 0, err;

	err = take_dir_only(&a, &p);
	if (err)
		return err;
	msg = nfi_msg_new(NFIPSEC_CMD_POLICY_GET, NLM_F_DUMP);
	if (!msg)
		return 2;
	if (p.has_dir) {
		struct nlattr *nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);

		if (!nest || nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, p.dir)) {
			nlmsg_free(msg);
			return 2;
		}
		nla_nest_end(msg, nest);
	}
	if (nfi_json)
		jw_open_array(NULL);
	err = nfi_nl_talk(msg, print_policy, &count);
	if (nfi_json) {
		jw_close_array();
		jw_end();
	}
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

static int policy_flush(int argc, char **argv)
{
	struct nfi_args a = { "policy flush", argc, argv };
	struct pol_spec p = { 0 };
	struct nl_msg *msg;
	struct nlattr *nest;

	if (take_dir_only(&a, &p))
		return 1;
	msg = nfi_msg_new(NFIPSEC_CMD_POLICY_FLUSH, 0);
	if (msg && p.has_dir) {
		nest = nfi_nest_start(msg, NFIPSEC_A_POLICY);
		if (!nest || nla_put_u8(msg, NFIPSEC_POLICY_A_DIR, p.dir)) {
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
	if (nfi_matches(cmd, "get"))
		return policy_get_delete(argc, argv, true);
	if (nfi_matches(cmd, "flush"))
		return policy_flush(argc, argv);
	if (nfi_matches(cmd, "move"))
		return policy_move(argc, argv);
	if (nfi_matches(cmd, "count"))
		return nfi_print_count("policy count", argc, argv,
				       NFIPSEC_INFO_A_POLICY_COUNT);
	return nfi_usage_error("unknown policy command \"%s\"", cmd);
}
