// SPDX-License-Identifier: GPL-2.0
/* nfipsec monitor: the module's events, one line (or JSON object) each. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "cli.h"
#include "names.h"
#include "parse.h"
#include "print.h"

/*
 * -timestamp: "Timestamp: Sat Nov 28 20:04:01 2026 123456 usec" on a line
 * before the event; -tshort: "[2026-11-28T20:04:01.123456] " before it
 * (as ip monitor prints them; JSON: "timestamp" or "timestamp_short").
 */
static void print_timestamp(void)
{
	struct timeval tv;
	char ts[64];
	struct tm *tm;
	size_t len;

	gettimeofday(&tv, NULL);
	tm = localtime(&tv.tv_sec);
	if (!tm)
		return;
	if (nfi_timestamp > 1) {
		len = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", tm);
		snprintf(ts + len, sizeof(ts) - len, ".%06ld",
			 (long)tv.tv_usec);
		if (nfi_json)
			jw_string("timestamp_short", ts);
		else
			printf("[%s] ", ts);
		return;
	}
	len = strftime(ts, sizeof(ts), "%a %b %e %H:%M:%S %Y", tm);
	snprintf(ts + len, sizeof(ts) - len, " %ld usec", (long)tv.tv_usec);
	if (nfi_json)
		jw_string("timestamp", ts);
	else
		printf("Timestamp: %s\n", ts);
}

/* One event: a JSON object with its name, or a text line of words. */
static void event_open(const char *json_name, const char *word,
		       const char *word2)
{
	if (nfi_json)
		jw_open_object(NULL);
	if (nfi_timestamp)
		print_timestamp();
	if (nfi_json) {
		jw_string("event", json_name);
		return;
	}
	nfi_out_word(word);
	if (word2)
		nfi_out_word(word2);
}

static void event_close(void)
{
	if (nfi_json) {
		jw_close_object();
		jw_end();
	} else {
		nfi_out_line(NULL);
	}
}

/*
 * The SA wanted: its proto, src, dst, spi, reqid and mode attributes (the
 * kernel's NFIPSEC_A_SA, endpoints resolved, or an older module's
 * template).
 */
static void print_wanted(struct nlattr *proto, struct nlattr *src,
			 struct nlattr *dst, struct nlattr *spi,
			 struct nlattr *reqid, struct nlattr *mode)
{
	char buf[INET6_ADDRSTRLEN];

	nfi_out_str("proto",
		    nfi_xfrm_proto_name(nfi_u8(proto, 0), buf, sizeof(buf)));
	nfi_print_addr("src", src);
	nfi_print_addr("dst", dst);
	if (nfi_u32(spi, 0))
		nfi_out_str("spi", nfi_spi_str(spi, buf, sizeof(buf)));
	nfi_out_u64("reqid", nfi_u32(reqid, 0));
	nfi_out_str("mode",
		    nfi_name_of(nfi_mode_names, NFI_ARRAY_SIZE(nfi_mode_names),
				nfi_u8(mode, 0), buf, sizeof(buf)));
}

/*
 * acquire proto esp src 192.168.3.107 dst 192.168.3.111 reqid 1 mode tunnel
 * policy position 0 index 1 dir out packet src 192.168.111.10 dst 192.168.186.10 proto icmp
 * seq 0x00000001
 * (one line). JSON adds the policy's selector. seq, last (nfipsec's): the
 * ACQUIRE's sequence number, its larval SA's, shown as state list -s shows
 * an SA's seq (ip's "seq 0x%08u" of the attribute) and, in JSON, as -j
 * does (the number that seq takes: ip keeps seq N as htonl(N), so the
 * module's ACQUIRE 1 is seq 16777216 there, and to allocspi).
 */
static int print_acquire(struct nlattr **tb)
{
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1];
	struct nlattr *tmpl[NFIPSEC_TMPL_A_MAX + 1];
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];
	struct nlattr *pkt[NFIPSEC_SEL_A_MAX + 1];
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	char buf[16];

	if ((tb[NFIPSEC_A_SA] && nfi_parse_sa(tb[NFIPSEC_A_SA], sa)) ||
	    nfi_parse_policy(tb[NFIPSEC_A_POLICY], pol) ||
	    nfi_parse_tmpl(pol[NFIPSEC_POLICY_A_TMPL], tmpl) ||
	    nfi_parse_sel(tb[NFIPSEC_A_PACKET], pkt) ||
	    (pol[NFIPSEC_POLICY_A_SEL] &&
	     nfi_parse_sel(pol[NFIPSEC_POLICY_A_SEL], sel)))
		return -EPROTO;
	event_open("acquire", "acquire", NULL);
	if (tb[NFIPSEC_A_SA])
		print_wanted(sa[NFIPSEC_SA_A_PROTO], sa[NFIPSEC_SA_A_SRC],
			     sa[NFIPSEC_SA_A_DST], sa[NFIPSEC_SA_A_SPI],
			     sa[NFIPSEC_SA_A_REQID], sa[NFIPSEC_SA_A_MODE]);
	else
		print_wanted(tmpl[NFIPSEC_TMPL_A_PROTO], tmpl[NFIPSEC_TMPL_A_SRC],
			     tmpl[NFIPSEC_TMPL_A_DST], tmpl[NFIPSEC_TMPL_A_SPI],
			     tmpl[NFIPSEC_TMPL_A_REQID],
			     tmpl[NFIPSEC_TMPL_A_MODE]);
	nfi_out_open("policy", "policy");
	if (pol[NFIPSEC_POLICY_A_POSITION])
		nfi_out_u64("position",
			    nla_get_u32(pol[NFIPSEC_POLICY_A_POSITION]));
	if (pol[NFIPSEC_POLICY_A_INDEX])
		nfi_out_u64("index", nla_get_u32(pol[NFIPSEC_POLICY_A_INDEX]));
	if (pol[NFIPSEC_POLICY_A_DIR])
		nfi_out_str("dir",
			    nfi_name_of(nfi_dir_names,
					NFI_ARRAY_SIZE(nfi_dir_names),
					nla_get_u8(pol[NFIPSEC_POLICY_A_DIR]),
					buf, sizeof(buf)));
	if (nfi_json && pol[NFIPSEC_POLICY_A_SEL])
		nfi_print_sel(sel, true);
	nfi_out_close();
	nfi_out_open("packet", "packet");
	nfi_print_sel(pkt, false);
	nfi_out_close();
	if (tb[NFIPSEC_A_SA] && nfi_u32(sa[NFIPSEC_SA_A_KM_SEQ], 0)) {
		uint32_t seq = nla_get_u32(sa[NFIPSEC_SA_A_KM_SEQ]);

		snprintf(buf, sizeof(buf), "0x%08u", seq);
		if (nfi_json)
			jw_u64("seq", ntohl(seq));
		else
			nfi_out_str("seq", buf);
	}
	event_close();
	return 0;
}

static const char *const limit_names[] = {
	[NFIPSEC_LIMIT_BYTES] = "bytes",
	[NFIPSEC_LIMIT_PACKETS] = "packets",
	[NFIPSEC_LIMIT_ADD_TIME] = "time-add",
	[NFIPSEC_LIMIT_USE_TIME] = "time-use",
	[NFIPSEC_LIMIT_SEQ] = "seq",
};

/*
 * As ip xfrm monitor prints it, the SA as state list does, then:
 * expire src 10.0.0.1 dst 10.0.0.2
 *	proto esp spi 0x00001000 reqid 1 mode tunnel
 *	...
 *	hard 0 limit packets
 * A larval SA's (allocspi, ACQUIRE: acq-expires passed) has its "larval"
 * line before, and hard 1 limit time-add.
 */
static int print_expire(struct nlattr **tb)
{
	static const struct nla_policy pol[NFIPSEC_EXPIRE_A_MAX + 1] = {
		[NFIPSEC_EXPIRE_A_HARD] = { .type = NLA_U8 },
		[NFIPSEC_EXPIRE_A_LIMIT] = { .type = NLA_U8 },
	};
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	struct nlattr *ex[NFIPSEC_EXPIRE_A_MAX + 1];
	char buf[16];

	if (!tb[NFIPSEC_A_EXPIRE] || nfi_parse_sa(tb[NFIPSEC_A_SA], sa) ||
	    nla_parse_nested(ex, NFIPSEC_EXPIRE_A_MAX, tb[NFIPSEC_A_EXPIRE],
			     (struct nla_policy *)pol))
		return -EPROTO;
	event_open("expire", "expire", NULL);
	nfi_print_sa(sa);
	nfi_out_line("\t");
	nfi_out_u64("hard", nfi_u8(ex[NFIPSEC_EXPIRE_A_HARD], 0));
	nfi_out_str("limit",
		    nfi_name_of(limit_names, NFI_ARRAY_SIZE(limit_names),
				nfi_u8(ex[NFIPSEC_EXPIRE_A_LIMIT], 0), buf,
				sizeof(buf)));
	event_close();
	return 0;
}

/*
 * NAT-T: where an inbound SA's packet came from, the SA as state list
 * shows it (its src and encap: the mapping it had), then:
 *	new-src 192.0.2.9 new-sport 1024
 */
static int print_mapping(struct nlattr **tb)
{
	static const struct nla_policy pol[NFIPSEC_MAPPING_A_MAX + 1] = {
		[NFIPSEC_MAPPING_A_SRC] = { .type = NLA_UNSPEC },
		[NFIPSEC_MAPPING_A_SPORT] = { .type = NLA_U16 },
	};
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	struct nlattr *m[NFIPSEC_MAPPING_A_MAX + 1];

	if (!tb[NFIPSEC_A_MAPPING] || nfi_parse_sa(tb[NFIPSEC_A_SA], sa) ||
	    nla_parse_nested(m, NFIPSEC_MAPPING_A_MAX, tb[NFIPSEC_A_MAPPING],
			     (struct nla_policy *)pol) ||
	    !m[NFIPSEC_MAPPING_A_SRC] || !m[NFIPSEC_MAPPING_A_SPORT])
		return -EPROTO;
	event_open("mapping", "mapping", NULL);
	nfi_print_sa(sa);
	nfi_out_line("\t");
	nfi_print_addr("new-src", m[NFIPSEC_MAPPING_A_SRC]);
	nfi_out_u64("new-sport", ntohs(nla_get_u16(m[NFIPSEC_MAPPING_A_SPORT])));
	event_close();
	return 0;
}

/* The table changes: their text words and JSON event names. */
static const struct {
	int cmd;
	const char *object, *op, *json;
} changes[] = {
	{ NFIPSEC_CMD_SA_NEW, "state", "add", "state-add" },
	{ NFIPSEC_CMD_SA_SET, "state", "update", "state-update" },
	{ NFIPSEC_CMD_SA_DEL, "state", "delete", "state-delete" },
	{ NFIPSEC_CMD_SA_FLUSH, "state", "flush", "state-flush" },
	{ NFIPSEC_CMD_POLICY_NEW, "policy", "add", "policy-add" },
	{ NFIPSEC_CMD_POLICY_SET, "policy", "update", "policy-update" },
	{ NFIPSEC_CMD_POLICY_DEL, "policy", "delete", "policy-delete" },
	{ NFIPSEC_CMD_POLICY_FLUSH, "policy", "flush", "policy-flush" },
	{ NFIPSEC_CMD_POLICY_MOVE, "policy", "move", "policy-move" },
};

/* What a flush emptied: "state flush proto esp", "policy flush dir out". */
static int print_flush(struct nlattr **tb, bool sa)
{
	struct nlattr *nest = tb[sa ? NFIPSEC_A_SA : NFIPSEC_A_POLICY], *a;
	char buf[16];

	if (!nest)
		return -EPROTO;
	a = nla_find(nla_data(nest), nla_len(nest),
		     sa ? NFIPSEC_SA_A_PROTO : NFIPSEC_POLICY_A_DIR);
	if (a && sa)
		nfi_out_str("proto", nfi_xfrm_proto_name(nfi_u8(a, 0), buf,
							 sizeof(buf)));
	else if (a)
		nfi_out_str("dir", nfi_name_of(nfi_dir_names,
					       NFI_ARRAY_SIZE(nfi_dir_names),
					       nfi_u8(a, 0), buf, sizeof(buf)));
	/* A flush of one owner's (uapi "Owners"). */
	a = nla_find(nla_data(nest), nla_len(nest),
		     sa ? NFIPSEC_SA_A_OWNER : NFIPSEC_POLICY_A_OWNER);
	if (a && nla_len(a) == 4) {
		if (nfi_json)
			jw_u64("owner", nla_get_u32(a));
		else
			nfi_out_str("owner",
				    nfi_owner_str(nla_get_u32(a), buf,
						  sizeof(buf)));
	}
	return 0;
}

/*
 * A change of the tables, as the command that made it reads and the
 * object as list shows it:
 * state add src 192.168.3.107 dst 192.168.3.111
 *	proto esp spi 0x00001000 reqid 1 mode tunnel ...
 * policy delete position 0 src 192.168.111.0/24 dst ... dir out ...
 */
static int print_change(int k, struct nlattr **tb)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	bool is_sa = changes[k].object[0] == 's';
	int err = 0;

	event_open(changes[k].json, changes[k].object, changes[k].op);
	if (!strcmp(changes[k].op, "flush"))
		err = print_flush(tb, is_sa);
	else if (is_sa && !(err = nfi_parse_sa(tb[NFIPSEC_A_SA], sa)))
		nfi_print_sa(sa);
	else if (!is_sa)
		err = nfi_print_policy(tb[NFIPSEC_A_POLICY]);
	event_close();
	return err;
}

/* Which events to print: a bit per command; 0: all. */
static unsigned long event_bit(unsigned int cmd)
{
	/* A later module's commands are beyond: never chosen. */
	return cmd < 8 * sizeof(unsigned long) ? 1UL << cmd : 0;
}

static int print_event(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	const unsigned long *only = arg;
	const char *which = NULL;
	size_t k;

	if (*only && !(*only & event_bit(gh->cmd)))
		return 0;
	/* Events of later versions are skipped, as are malformed ones. */
	if (gh->cmd == NFIPSEC_CMD_ACQUIRE && print_acquire(tb))
		which = "acquire";
	else if (gh->cmd == NFIPSEC_CMD_EXPIRE && print_expire(tb))
		which = "expire";
	else if (gh->cmd == NFIPSEC_CMD_MAPPING && print_mapping(tb))
		which = "mapping";
	for (k = 0; k < NFI_ARRAY_SIZE(changes); k++)
		if (gh->cmd == changes[k].cmd && print_change(k, tb))
			which = changes[k].json;
	if (which)
		fprintf(stderr, "nfipsec: monitor: a malformed %s event\n",
			which);
	fflush(stdout);
	return 0;
}

/* monitor [ all | acquire | expire | mapping | SA | policy ]... */
int do_monitor(int argc, char **argv)
{
	unsigned long only = 0;
	size_t k;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "all"))
			only = 0;
		else if (!strcmp(argv[i], "acquire"))
			only |= event_bit(NFIPSEC_CMD_ACQUIRE);
		else if (!strcmp(argv[i], "expire"))
			only |= event_bit(NFIPSEC_CMD_EXPIRE);
		else if (!strcmp(argv[i], "mapping"))
			only |= event_bit(NFIPSEC_CMD_MAPPING);
		else if (!strcmp(argv[i], "SA") || !strcmp(argv[i], "sa") ||
			 !strcmp(argv[i], "policy")) {
			for (k = 0; k < NFI_ARRAY_SIZE(changes); k++)
				if ((argv[i][0] == 'p') ==
				    (changes[k].object[0] == 'p'))
					only |= event_bit(changes[k].cmd);
		} else
			return nfi_usage_error("monitor: unexpected \"%s\"",
					       argv[i]);
		if (!strcmp(argv[i], "all") && argc > 1)
			return nfi_usage_error("monitor: \"all\" goes alone");
	}
	if (nfi_nl_dump_mode()) {
		fprintf(stderr,
			"nfipsec: monitor sends no request; it joins multicast group \"%s\"\n",
			NFIPSEC_MCGRP_EVENTS);
		return 0;
	}
	err = nfi_nl_listen(NFIPSEC_MCGRP_EVENTS, print_event, &only);
	if (err == -EPERM)
		return nfi_nl_fail("monitor", err);
	return err ? 2 : 0;
}
