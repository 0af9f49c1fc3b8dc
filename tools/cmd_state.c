// SPDX-License-Identifier: GPL-2.0
/* nfipsec state ... (ip xfrm state) */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cli.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "sel.h"

struct sa_alg {
	bool set;
	const char *name;
	struct nfi_key key;
	bool has_icv;
	uint32_t icv_bits;
};

/* An SA as a command line gives it. */
struct sa_spec {
	bool has_src, has_dst, has_proto, has_spi, has_reqid, has_window;
	bool has_mark, has_mask, has_oseq, has_iseq, has_sel, has_encap;
	bool has_keepalive, has_follow, follow, has_km_seq, has_owner;
	uint32_t km_seq;	/* seq, as ip stores it: big-endian */
	uint32_t owner;		/* uapi "Owners" */
	struct nfi_sel_spec sel;
	uint16_t encap_sport, encap_dport;
	uint32_t keepalive;
	struct nfi_addr encap_oa;
	uint32_t mark, mask;
	uint64_t oseq;		/* replay-oseq, replay-oseq-hi */
	uint64_t iseq;		/* replay-seq, replay-seq-hi */
	struct nfi_addr src, dst;
	uint8_t proto, mode;
	uint32_t spi, reqid, window, flags;
	struct sa_alg aead, enc, auth;
	uint32_t lft_given;	/* bit per NFIPSEC_LFT_A_* */
	uint64_t lft[NFIPSEC_LFT_A_MAX + 1];
};

/* ip-xfrm's limit words, by lifetime attribute. */
static const char *const lft_names[NFIPSEC_LFT_A_MAX + 1] = {
	[NFIPSEC_LFT_A_SOFT_BYTES] = "byte-soft",
	[NFIPSEC_LFT_A_HARD_BYTES] = "byte-hard",
	[NFIPSEC_LFT_A_SOFT_PACKETS] = "packet-soft",
	[NFIPSEC_LFT_A_HARD_PACKETS] = "packet-hard",
	[NFIPSEC_LFT_A_SOFT_ADD_SECS] = "time-soft",
	[NFIPSEC_LFT_A_HARD_ADD_SECS] = "time-hard",
	[NFIPSEC_LFT_A_SOFT_USE_SECS] = "time-use-soft",
	[NFIPSEC_LFT_A_HARD_USE_SECS] = "time-use-hard",
};

static const char *const sa_stat_names[NFIPSEC_SA_STAT_MAX + 1] = {
	[NFIPSEC_SA_STAT_PACKETS] = "packets",
	[NFIPSEC_SA_STAT_BYTES] = "bytes",
	[NFIPSEC_SA_STAT_REPLAY] = "replay",
	[NFIPSEC_SA_STAT_OUTSIDE_WINDOW] = "outside-window",
	[NFIPSEC_SA_STAT_INTEGRITY] = "integrity",
	[NFIPSEC_SA_STAT_BAD_HEADER] = "bad-header",
	[NFIPSEC_SA_STAT_POLICY] = "policy",
	[NFIPSEC_SA_STAT_EXPIRED] = "expired",
	[NFIPSEC_SA_STAT_SEQ_OVERFLOW] = "seq-overflow",
	[NFIPSEC_SA_STAT_ERROR] = "error",
	[NFIPSEC_SA_STAT_ASYNC] = "async",
	[NFIPSEC_SA_STAT_CRYPTO_BUSY] = "crypto-busy",
	[NFIPSEC_SA_STAT_ECN] = "ecn",
	[NFIPSEC_SA_STAT_TOO_BIG] = "too-big",
	[NFIPSEC_SA_STAT_ENCAP_MISMATCH] = "encap-mismatch",
};

/*
 * ip-xfrm's state flags, and nfipsec's align8, with the bit nfipsec sets;
 * bit 0: not carried yet (refused by name; a kernel that takes one gives
 * it a bit here). align4 is nfipsec's AH default: it clears align8.
 */
#define FLAG_ALIGN4	(1U << 31)	/* align4; for a filter, AH without align8 */
#define FLAG_NONE	(1U << 30)	/* for a filter: a flag no SA has here */
static const struct {
	const char *name;
	uint32_t bit;
} state_flags[] = {
	{ "noecn", NFIPSEC_SA_F_NOECN },
	{ "decap-dscp", NFIPSEC_SA_F_DECAP_DSCP },
	{ "nopmtudisc", NFIPSEC_SA_F_NOPMTUDISC },
	{ "wildrecv", NFIPSEC_SA_F_WILDRECV },
	{ "icmp", NFIPSEC_SA_F_ICMP },
	{ "af-unspec", NFIPSEC_SA_F_AF_UNSPEC },
	{ "align4", FLAG_ALIGN4 },
	{ "esn", NFIPSEC_SA_F_ESN },
	{ "align8", NFIPSEC_SA_F_ALIGN8 },
};

/* ip-xfrm state words that nfipsec does not carry yet. */
static const char *const unsupported_words[] = {
	"comp", "mark", "if_id", "offload",
	"ctx", "coa", "extra-flag", "tfcpad", "dir", "pcpu-num",
};

/* ip-xfrm allocspi words that nfipsec does not carry yet. */
static const char *const allocspi_unsupported[] = {
	"mark", "dir", "pcpu-num",
};

/* The ID words. 0: taken, 1: usage error, -1: not an ID word. */
static int take_id(struct nfi_args *a, struct sa_spec *s)
{
	const char *kw = nfi_kw(a);
	bool *given;

	if (!strcmp(kw, "src"))
		given = &s->has_src;
	else if (!strcmp(kw, "dst"))
		given = &s->has_dst;
	else if (!strcmp(kw, "proto"))
		given = &s->has_proto;
	else if (!strcmp(kw, "spi"))
		given = &s->has_spi;
	else
		return -1;
	if (*given)
		return nfi_duplicate(a);
	*given = true;
	if (!strcmp(kw, "src"))
		return nfi_take_addr(a, &s->src);
	if (!strcmp(kw, "dst"))
		return nfi_take_addr(a, &s->dst);
	if (!strcmp(kw, "proto"))
		return nfi_take_xfrm_proto(a, &s->proto);
	return nfi_take_u32(a, &s->spi);
}

/* aead NAME KEY ICV-BITS | enc NAME KEY | auth NAME KEY |
 * auth-trunc NAME KEY TRUNC-BITS; -1: not an algorithm.
 */
static int take_alg(struct nfi_args *a, struct sa_spec *s)
{
	const char *kw = nfi_kw(a);
	bool aead = !strcmp(kw, "aead"), trunc = !strcmp(kw, "auth-trunc");
	struct sa_alg *alg;
	uint64_t bits;
	int err;

	if (aead)
		alg = &s->aead;
	else if (!strcmp(kw, "enc"))
		alg = &s->enc;
	else if (trunc || !strcmp(kw, "auth"))
		alg = &s->auth;
	else
		return -1;
	if (alg->set)
		return nfi_usage_error("%s: more than one %s algorithm",
				       a->cmd, aead ? "aead" :
				       alg == &s->enc ? "enc" : "auth");
	if ((aead && (s->enc.set || s->auth.set)) || (!aead && s->aead.set))
		return nfi_usage_error("%s: aead cannot be combined with enc or auth",
				       a->cmd);
	if (nfi_need(a, aead || trunc ? 3 : 2,
		     aead ? "NAME KEY ICV-BITS" :
		     trunc ? "NAME KEY TRUNC-BITS" : "NAME KEY"))
		return 1;
	alg->set = true;
	alg->name = a->argv[1];
	err = nfi_parse_key(a->argv[2], &alg->key);
	if (err == -ERANGE)
		return nfi_usage_error("%s: the key is longer than %d bytes",
				       kw, NFI_KEY_MAX);
	if (err)
		return nfi_usage_error("%s: key \"%s\" is not valid hex",
				       kw, a->argv[2]);
	if (aead || trunc) {
		if (nfi_parse_u64(a->argv[3], UINT32_MAX, &bits))
			return nfi_usage_error("%s: %s \"%s\" is not a 32-bit number",
					       kw, aead ? "ICV-BITS" :
					       "TRUNC-BITS", a->argv[3]);
		alg->has_icv = true;
		alg->icv_bits = (uint32_t)bits;
	}
	nfi_shift(a, aead || trunc ? 4 : 3);
	return 0;
}

/*
 * flag FLAG...: as ip-xfrm, the flag words that follow it; their bits in
 * *bits. filter: for list and deleteall, where a flag not carried is
 * taken (no SA has it: FLAG_NONE).
 */
static int take_flag_bits(struct nfi_args *a, uint32_t *bits, bool filter)
{
	int taken = 0;
	size_t i;

	if (nfi_need(a, 1, "a flag"))
		return 1;
	nfi_shift(a, 1);
	while (a->argc > 0) {
		for (i = 0; i < NFI_ARRAY_SIZE(state_flags); i++)
			if (!strcmp(nfi_kw(a), state_flags[i].name))
				break;
		if (i == NFI_ARRAY_SIZE(state_flags))
			break;
		if (!state_flags[i].bit && !filter)
			return nfi_usage_error("%s: flag %s is not supported yet",
					       a->cmd, nfi_kw(a));
		*bits |= state_flags[i].bit ?: FLAG_NONE;
		nfi_shift(a, 1);
		taken++;
	}
	if (!taken)
		return nfi_usage_error("flag: \"%s\" is not a state flag",
				       nfi_kw(a));
	return 0;
}

static int take_flags(struct nfi_args *a, struct sa_spec *s)
{
	uint32_t bits = 0;

	if (take_flag_bits(a, &bits, false))
		return 1;
	/* align4 is the default: it undoes an align8 before it. */
	if (bits & FLAG_ALIGN4)
		s->flags &= ~NFIPSEC_SA_F_ALIGN8;
	s->flags |= bits & ~FLAG_ALIGN4;
	return 0;
}

static int take_limit(struct nfi_args *a, struct sa_spec *s)
{
	int t;

	if (nfi_need(a, 2, "LIMIT NUMBER"))
		return 1;
	nfi_shift(a, 1);
	t = nfi_name_index(lft_names, NFI_ARRAY_SIZE(lft_names), nfi_kw(a));
	if (t < 0)
		return nfi_usage_error("limit: \"%s\" is not byte-soft, byte-hard, packet-soft, packet-hard, time-soft, time-hard, time-use-soft or time-use-hard",
				       nfi_kw(a));
	s->lft_given |= 1U << t;
	return nfi_take_u64(a, &s->lft[t]);
}

/*
 * sel SELECTOR: as ip xfrm, the selector words that follow (src and dst
 * among them: the SA's own come before sel).
 */
static int take_sa_sel(struct nfi_args *a, struct sa_spec *s)
{
	int err = 0;

	if (s->has_sel)
		return nfi_duplicate(a);
	s->has_sel = true;
	nfi_shift(a, 1);
	while (a->argc > 0 && !err) {
		err = nfi_take_sel_word(a, &s->sel);
		if (err < 0) {
			if (!strcmp(nfi_kw(a), "dev"))
				return nfi_usage_error("%s: sel dev is not supported yet",
						       a->cmd);
			err = 0;
			break;
		}
	}
	return err ?: nfi_check_sel(a->cmd, &s->sel);
}

/* encap espinudp SPORT DPORT OADDR, as ip xfrm (NAT-T, RFC 3948). */
static int take_encap(struct nfi_args *a, struct sa_spec *s)
{
	const char *type;
	uint64_t port[2];
	int i;

	if (s->has_encap)
		return nfi_duplicate(a);
	s->has_encap = true;
	if (nfi_need(a, 4, "TYPE SPORT DPORT OADDR"))
		return 1;
	type = a->argv[1];
	if (strcmp(type, "espinudp")) {
		if (!strcmp(type, "espinudp-nonike") || !strcmp(type, "espintcp"))
			return nfi_usage_error("%s: encap %s is not supported yet",
					       a->cmd, type);
		return nfi_usage_error("encap: \"%s\" is not espinudp", type);
	}
	for (i = 0; i < 2; i++)
		if (nfi_parse_u64(a->argv[2 + i], 65535, &port[i]) || !port[i])
			return nfi_usage_error("encap: \"%s\" is not a port (1..65535)",
					       a->argv[2 + i]);
	if (nfi_parse_addr(a->argv[4], &s->encap_oa))
		return nfi_usage_error("encap: \"%s\" is not an address",
				       a->argv[4]);
	s->encap_sport = (uint16_t)port[0];
	s->encap_dport = (uint16_t)port[1];
	nfi_shift(a, 5);
	return 0;
}

/*
 * replay-oseq N, replay-seq N (the low 32 bits) and their -hi (the high
 * ones, with ESN) into one 64-bit number.
 */
static int take_seq(struct nfi_args *a, bool *given, uint64_t *seq)
{
	bool hi = strstr(nfi_kw(a), "-hi") != NULL;
	uint32_t v;

	if (nfi_take_u32(a, &v))
		return 1;
	*given = true;
	if (hi)
		*seq = (*seq & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*seq = (*seq & ~0xffffffffULL) | v;
	return 0;
}

/* mode, reqid, replay-window, flag, limit, sel, encap; -1: none of them. */
static int take_option(struct nfi_args *a, struct sa_spec *s)
{
	const char *kw = nfi_kw(a);

	if (!strcmp(kw, "sel"))
		return take_sa_sel(a, s);
	if (!strcmp(kw, "encap"))
		return take_encap(a, s);
	if (!strcmp(kw, "mode"))
		return nfi_take_mode(a, &s->mode);
	if (!strcmp(kw, "reqid")) {
		s->has_reqid = true;
		return nfi_take_u32(a, &s->reqid);
	}
	if (!strcmp(kw, "replay-window")) {
		s->has_window = true;
		return nfi_take_u32(a, &s->window);
	}
	if (!strcmp(kw, "seq")) {
		/* ip xfrm's: the number in network byte order (km.seq). */
		s->has_km_seq = true;
		if (nfi_take_u32(a, &s->km_seq))
			return 1;
		s->km_seq = htonl(s->km_seq);
		return 0;
	}
	if (!strcmp(kw, "replay-oseq") || !strcmp(kw, "replay-oseq-hi"))
		return take_seq(a, &s->has_oseq, &s->oseq);
	if (!strcmp(kw, "replay-seq") || !strcmp(kw, "replay-seq-hi"))
		return take_seq(a, &s->has_iseq, &s->iseq);
	if (!strcmp(kw, "output-mark") || !strcmp(kw, "set-mark")) {
		s->has_mark = true;
		if (nfi_take_u32(a, &s->mark))
			return 1;
		if (a->argc > 0 && !strcmp(nfi_kw(a), "mask")) {
			s->has_mask = true;
			return nfi_take_u32(a, &s->mask);
		}
		return 0;
	}
	if (!strcmp(kw, "flag"))
		return take_flags(a, s);
	if (!strcmp(kw, "limit"))
		return take_limit(a, s);
	/* nfipsec's own, with encap (see put_encap()). */
	if (!strcmp(kw, "nat-keepalive")) {
		if (s->has_keepalive)
			return nfi_duplicate(a);
		s->has_keepalive = true;
		if (nfi_take_u32(a, &s->keepalive))
			return 1;
		if (s->keepalive > 86400)
			return nfi_usage_error("nat-keepalive: %u seconds is more than a day",
					       s->keepalive);
		return 0;
	}
	/* nfipsec's own: who added it (uapi "Owners"). */
	if (!strcmp(kw, "owner")) {
		if (s->has_owner)
			return nfi_duplicate(a);
		s->has_owner = true;
		return nfi_take_owner(a, &s->owner);
	}
	if (!strcmp(kw, "follow-mapping")) {	/* [ on | off ] */
		if (s->has_follow)
			return nfi_duplicate(a);
		s->has_follow = true;
		s->follow = true;
		nfi_shift(a, 1);
		if (a->argc > 0 && (!strcmp(nfi_kw(a), "on") ||
				    !strcmp(nfi_kw(a), "off"))) {
			s->follow = !strcmp(nfi_kw(a), "on");
			nfi_shift(a, 1);
		}
		return 0;
	}
	return -1;
}

static int not_taken(const struct nfi_args *a)
{
	if (nfi_name_index(unsupported_words,
			   NFI_ARRAY_SIZE(unsupported_words), nfi_kw(a)) >= 0)
		return nfi_unsupported(a);
	return nfi_unexpected(a);
}

/* The ID words required by the command (spi: all but allocspi). */
static int require_id(const char *cmd, const struct sa_spec *s, bool src,
		      bool spi)
{
	const char *missing = NULL;

	if (src && !s->has_src)
		missing = "src ADDR";
	else if (!s->has_dst)
		missing = "dst ADDR";
	else if (!s->has_proto)
		missing = "proto esp|ah";
	else if (spi && !s->has_spi)
		missing = "spi SPI";
	if (missing)
		return nfi_usage_error("%s: %s is required", cmd, missing);
	return nfi_same_family(cmd, &s->src, &s->dst);
}

static int check_algs(const char *cmd, const struct sa_spec *s)
{
	if (s->proto == IPPROTO_AH) {
		if (s->aead.set || s->enc.set)
			return nfi_usage_error("%s: ah takes auth or auth-trunc only",
					       cmd);
		if (!s->auth.set)
			return nfi_usage_error("%s: ah needs auth or auth-trunc",
					       cmd);
	} else if (s->proto == IPPROTO_ESP) {
		if (!s->aead.set && !s->enc.set && !s->auth.set)
			return nfi_usage_error("%s: esp needs aead, or enc and/or auth",
					       cmd);
	}
	return 0;
}

static int put_id(struct nl_msg *msg, const struct sa_spec *s, bool src)
{
	return (s->has_proto &&
		nla_put_u8(msg, NFIPSEC_SA_A_PROTO, s->proto)) ||
	       (s->has_spi &&
		nla_put_u32(msg, NFIPSEC_SA_A_SPI, htonl(s->spi))) ||
	       (src && s->has_src &&
		nla_put(msg, NFIPSEC_SA_A_SRC, s->src.len, s->src.bytes)) ||
	       (s->has_dst &&
		nla_put(msg, NFIPSEC_SA_A_DST, s->dst.len, s->dst.bytes));
}

static int put_alg(struct nl_msg *msg, int type, const struct sa_alg *alg)
{
	struct nlattr *nest;

	if (!alg->set)
		return 0;
	nest = nfi_nest_start(msg, type);
	if (!nest || nla_put_string(msg, NFIPSEC_ALG_A_NAME, alg->name) ||
	    nla_put(msg, NFIPSEC_ALG_A_KEY, (int)alg->key.len, alg->key.data) ||
	    (alg->has_icv &&
	     nla_put_u32(msg, NFIPSEC_ALG_A_ICV_BITS, alg->icv_bits)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_lifetime(struct nl_msg *msg, const struct sa_spec *s)
{
	struct nlattr *nest;
	int t;

	if (!s->lft_given)
		return 0;
	nest = nfi_nest_start(msg, NFIPSEC_SA_A_LIFETIME);
	if (!nest)
		return -EMSGSIZE;
	for (t = 1; t <= NFIPSEC_LFT_A_MAX; t++)
		if ((s->lft_given & (1U << t)) &&
		    nla_put_u64(msg, t, s->lft[t]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * NAT-T. nat-keepalive SECONDS (XFRM's XFRMA_NAT_KEEPALIVE_INTERVAL; 0:
 * none) and follow-mapping [ on | off ] (nfipsec's: a hand-keyed SA takes
 * the peer's new port) go in the same nest; an update without them leaves
 * them as they are.
 */
static int put_encap(struct nl_msg *msg, const struct sa_spec *s)
{
	struct nlattr *nest;

	if (!s->has_encap)
		return 0;
	nest = nfi_nest_start(msg, NFIPSEC_SA_A_ENCAP);
	if (!nest ||
	    nla_put_u16(msg, NFIPSEC_ENCAP_A_TYPE, NFIPSEC_ENCAP_ESPINUDP) ||
	    nla_put_u16(msg, NFIPSEC_ENCAP_A_SPORT, htons(s->encap_sport)) ||
	    nla_put_u16(msg, NFIPSEC_ENCAP_A_DPORT, htons(s->encap_dport)) ||
	    nla_put(msg, NFIPSEC_ENCAP_A_OA, s->encap_oa.len,
		    s->encap_oa.bytes) ||
	    (s->has_keepalive &&
	     nla_put_u32(msg, NFIPSEC_ENCAP_A_KEEPALIVE, s->keepalive)) ||
	    (s->has_follow &&
	     nla_put_u8(msg, NFIPSEC_ENCAP_A_FOLLOW, s->follow)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_sa(struct nl_msg *msg, const struct sa_spec *s)
{
	struct nlattr *nest = nfi_nest_start(msg, NFIPSEC_A_SA);

	if (!nest || put_id(msg, s, true) ||
	    nla_put_u8(msg, NFIPSEC_SA_A_MODE, s->mode) ||
	    (s->has_reqid && nla_put_u32(msg, NFIPSEC_SA_A_REQID, s->reqid)) ||
	    (s->has_km_seq &&
	     nla_put_u32(msg, NFIPSEC_SA_A_KM_SEQ, s->km_seq)) ||
	    (s->has_owner &&
	     nla_put_u32(msg, NFIPSEC_SA_A_OWNER, s->owner)) ||
	    (s->has_window &&
	     nla_put_u32(msg, NFIPSEC_SA_A_REPLAY_WINDOW, s->window)) ||
	    (s->flags && nla_put_u32(msg, NFIPSEC_SA_A_FLAGS, s->flags)) ||
	    (s->has_oseq && nla_put_u64(msg, NFIPSEC_SA_A_SEQ_OUT, s->oseq)) ||
	    (s->has_iseq &&
	     nla_put_u64(msg, NFIPSEC_SA_A_REPLAY_TOP, s->iseq)) ||
	    /* As ip xfrm: output-mark 0 is no output-mark. */
	    (s->has_mark && s->mark &&
	     (nla_put_u32(msg, NFIPSEC_SA_A_SET_MARK, s->mark) ||
	      (s->has_mask &&
	       nla_put_u32(msg, NFIPSEC_SA_A_SET_MARK_MASK, s->mask)))) ||
	    put_alg(msg, NFIPSEC_SA_A_ALG_AEAD, &s->aead) ||
	    put_alg(msg, NFIPSEC_SA_A_ALG_CRYPT, &s->enc) ||
	    put_alg(msg, NFIPSEC_SA_A_ALG_AUTH, &s->auth) ||
	    put_lifetime(msg, s) ||
	    (s->has_sel &&
	     nfi_put_sel(msg, NFIPSEC_SA_A_SEL, &s->sel,
			 s->has_dst ? s->dst.family : s->src.family)) ||
	    put_encap(msg, s))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A request with an SA nest: the whole SA, or its ID words. */
static struct nl_msg *sa_msg(uint8_t cmd, int flags, const struct sa_spec *s,
			     bool whole, bool src)
{
	struct nl_msg *msg = nfi_msg_new(cmd, flags);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	if (whole) {
		if (put_sa(msg, s))
			goto too_big;
	} else if (s->has_src || s->has_dst || s->has_proto || s->has_spi ||
		   s->has_owner) {
		/* owner: flush's (get and delete take none) */
		nest = nfi_nest_start(msg, NFIPSEC_A_SA);
		if (!nest || put_id(msg, s, src) ||
		    (s->has_owner &&
		     nla_put_u32(msg, NFIPSEC_SA_A_OWNER, s->owner)))
			goto too_big;
		nla_nest_end(msg, nest);
	}
	return msg;
too_big:
	fprintf(stderr, "nfipsec: the request is too large\n");
	nlmsg_free(msg);
	return NULL;
}

static int show_keys(struct nl_msg *msg)
{
	if (nfi_show_keys && nla_put_flag(msg, NFIPSEC_A_SHOW_KEYS)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return 0;
}

/* Printing */

/* An algorithm: a NAME (a string), a key that fits, an ICV_BITS. */
static int parse_alg(struct nlattr *nest, struct nlattr **alg)
{
	static const struct nla_policy pol[NFIPSEC_ALG_A_MAX + 1] = {
		[NFIPSEC_ALG_A_NAME] = { .type = NLA_STRING },
		[NFIPSEC_ALG_A_ICV_BITS] = { .type = NLA_U32 },
	};

	if (nla_parse_nested(alg, NFIPSEC_ALG_A_MAX, nest,
			     (struct nla_policy *)pol) ||
	    !alg[NFIPSEC_ALG_A_NAME] ||
	    (alg[NFIPSEC_ALG_A_KEY] &&
	     nla_len(alg[NFIPSEC_ALG_A_KEY]) > NFI_KEY_MAX))
		return -EPROTO;
	return 0;
}

static int parse_encap(struct nlattr *nest, struct nlattr **e)
{
	static const struct nla_policy pol[NFIPSEC_ENCAP_A_MAX + 1] = {
		[NFIPSEC_ENCAP_A_TYPE] = { .type = NLA_U16 },
		[NFIPSEC_ENCAP_A_SPORT] = { .type = NLA_U16 },
		[NFIPSEC_ENCAP_A_DPORT] = { .type = NLA_U16 },
		[NFIPSEC_ENCAP_A_KEEPALIVE] = { .type = NLA_U32 },
		[NFIPSEC_ENCAP_A_FOLLOW] = { .type = NLA_U8 },
	};
	static const int addrs[] = { NFIPSEC_ENCAP_A_OA };

	if (nla_parse_nested(e, NFIPSEC_ENCAP_A_MAX, nest,
			     (struct nla_policy *)pol) ||
	    nfi_check_addrs(e, addrs, 1))
		return -EPROTO;
	return 0;
}

/* LIFETIME, STATS: u64s (but for pad), whatever their type. */
static int parse_u64s(struct nlattr *nest, int pad)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) != pad && nla_len(a) != 8)
			return -EPROTO;
	return 0;
}

static void print_alg(const char *kind, struct nlattr *nest)
{
	struct nlattr *alg[NFIPSEC_ALG_A_MAX + 1];
	struct nlattr *icv;
	bool aead = !strcmp(kind, "aead");

	if (parse_alg(nest, alg))
		return;
	icv = alg[NFIPSEC_ALG_A_ICV_BITS];
	/* Like ip-xfrm, an authentication with its truncation. */
	if (!aead && icv && !strcmp(kind, "auth"))
		kind = "auth-trunc";
	nfi_out_line("\t");
	nfi_out_open(kind, kind);
	nfi_out_val_str("name", nla_get_string(alg[NFIPSEC_ALG_A_NAME]));
	/* A key only when there is one; its text wiped once printed. */
	if (nfi_show_keys && alg[NFIPSEC_ALG_A_KEY] &&
	    nla_len(alg[NFIPSEC_ALG_A_KEY]) > 0) {
		const uint8_t *k = nla_data(alg[NFIPSEC_ALG_A_KEY]);
		int i, len = nla_len(alg[NFIPSEC_ALG_A_KEY]);
		char hex[2 * NFI_KEY_MAX + 3];

		if (len > NFI_KEY_MAX)
			len = NFI_KEY_MAX;
		strcpy(hex, "0x");
		for (i = 0; i < len; i++)
			sprintf(hex + 2 + 2 * i, "%02x", k[i]);
		nfi_out_val_str("key", hex);
		explicit_bzero(hex, sizeof(hex));
	}
	if (icv)
		nfi_out_val_u64(aead ? "icv-bits" : "trunc-bits",
				nla_get_u32(icv));
	nfi_out_close();
}

static void print_lifetime(struct nlattr *nest)
{
	struct nlattr *a;
	bool open = false;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t > NFIPSEC_LFT_A_MAX || !lft_names[t] || nla_len(a) != 8 ||
		    !nla_get_u64(a))
			continue;
		if (!open) {
			nfi_out_line("\t");
			nfi_out_open("lifetime", "lifetime config:");
			open = true;
		}
		nfi_out_u64(lft_names[t], nla_get_u64(a));
	}
	if (open)
		nfi_out_close();
}

/* A time of CURRENT: seconds since the epoch; local time in text. */
void nfi_print_time(const char *key, struct nlattr *a)
{
	char buf[32];
	struct tm *tm;
	time_t t;

	if (!a || nla_len(a) != 8) {
		if (!nfi_json)
			nfi_out_str(key, "-");
		return;
	}
	t = (time_t)nla_get_u64(a);
	if (nfi_json) {
		nfi_out_u64(key, (uint64_t)t);
		return;
	}
	tm = localtime(&t);
	if (!tm || !strftime(buf, sizeof(buf), "%Y-%m-%d %T", tm))
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	nfi_out_str(key, buf);
}

static uint64_t lft_get(struct nlattr *lft, int type)
{
	struct nlattr *a = lft ? nla_find(nla_data(lft), nla_len(lft), type) :
				 NULL;

	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

/*
 * What is left of each limit: bytes, packets, seconds (a use-time limit
 * not started yet: all of it).
 */
static void print_left(struct nlattr **cur, struct nlattr *lft)
{
	uint64_t now = (uint64_t)time(NULL), v, used, start;
	bool open = false;
	int t;

	for (t = NFIPSEC_LFT_A_SOFT_BYTES; t <= NFIPSEC_LFT_A_HARD_USE_SECS;
	     t++) {
		v = lft_get(lft, t);
		if (!v)
			continue;
		switch (t) {
		case NFIPSEC_LFT_A_SOFT_BYTES:
		case NFIPSEC_LFT_A_HARD_BYTES:
			used = nfi_u64(cur[NFIPSEC_CUR_A_BYTES], 0);
			break;
		case NFIPSEC_LFT_A_SOFT_PACKETS:
		case NFIPSEC_LFT_A_HARD_PACKETS:
			used = nfi_u64(cur[NFIPSEC_CUR_A_PACKETS], 0);
			break;
		case NFIPSEC_LFT_A_SOFT_ADD_SECS:
		case NFIPSEC_LFT_A_HARD_ADD_SECS:
			start = nfi_u64(cur[NFIPSEC_CUR_A_ADD_TIME], now);
			used = now > start ? now - start : 0;
			break;
		default:
			start = nfi_u64(cur[NFIPSEC_CUR_A_USE_TIME], now);
			used = now > start ? now - start : 0;
			break;
		}
		if (!open) {
			nfi_out_line("\t");
			nfi_out_open("left", "lifetime left:");
			open = true;
		}
		nfi_out_u64(lft_names[t], v > used ? v - used : 0);
	}
	if (open)
		nfi_out_close();
}

/* An SA's CURRENT nest, as print_current and text_sa read it. */
static const struct nla_policy cur_policy[NFIPSEC_CUR_A_MAX + 1] = {
	[NFIPSEC_CUR_A_ADD_TIME] = { .type = NLA_U64 },
	[NFIPSEC_CUR_A_USE_TIME] = { .type = NLA_U64 },
	[NFIPSEC_CUR_A_LAST_USE] = { .type = NLA_U64 },
	[NFIPSEC_CUR_A_BYTES] = { .type = NLA_U64 },
	[NFIPSEC_CUR_A_PACKETS] = { .type = NLA_U64 },
	[NFIPSEC_CUR_A_DYING] = { .type = NLA_FLAG },
};

/*
 *	lifetime current: add 2026-11-28 05:01:02 use - last - bytes 0
 *	packets 0 dying
 *	lifetime left: packet-soft 5 packet-hard 10 time-hard 30
 */
static void print_current(struct nlattr *nest, struct nlattr *lft)
{
	struct nlattr *cur[NFIPSEC_CUR_A_MAX + 1];

	if (nla_parse_nested(cur, NFIPSEC_CUR_A_MAX, nest,
			     (struct nla_policy *)cur_policy))
		return;
	nfi_out_line("\t");
	nfi_out_open("current", "lifetime current:");
	nfi_print_time("add", cur[NFIPSEC_CUR_A_ADD_TIME]);
	nfi_print_time("use", cur[NFIPSEC_CUR_A_USE_TIME]);
	nfi_print_time("last", cur[NFIPSEC_CUR_A_LAST_USE]);
	if (cur[NFIPSEC_CUR_A_BYTES])
		nfi_out_u64("bytes", nfi_u64(cur[NFIPSEC_CUR_A_BYTES], 0));
	if (cur[NFIPSEC_CUR_A_PACKETS])
		nfi_out_u64("packets", nfi_u64(cur[NFIPSEC_CUR_A_PACKETS], 0));
	if (cur[NFIPSEC_CUR_A_DYING]) {
		if (nfi_json)
			jw_u64("dying", 1);
		else
			nfi_out_word("dying");
	}
	nfi_out_close();
	print_left(cur, lft);
}

static void print_sa_stats(struct nlattr **sa)
{
	struct nlattr *a, *stats = sa[NFIPSEC_SA_A_STATS];
	int rem, t;

	if (!stats && !sa[NFIPSEC_SA_A_SEQ_OUT] && !sa[NFIPSEC_SA_A_REPLAY_TOP])
		return;
	nfi_out_line("\t");
	nfi_out_open("stats", "stats:");
	for (t = NFIPSEC_SA_STAT_PACKETS; stats && t <= NFIPSEC_SA_STAT_BYTES;
	     t++) {
		a = nla_find(nla_data(stats), nla_len(stats), t);
		if (a && nla_len(a) == 8)
			nfi_out_u64(sa_stat_names[t], nla_get_u64(a));
	}
	if (sa[NFIPSEC_SA_A_SEQ_OUT])
		nfi_out_u64("seq-out", nla_get_u64(sa[NFIPSEC_SA_A_SEQ_OUT]));
	if (sa[NFIPSEC_SA_A_REPLAY_TOP])
		nfi_out_u64("replay-top",
			    nla_get_u64(sa[NFIPSEC_SA_A_REPLAY_TOP]));
	if (stats) {
		nfi_out_line("\t");
		nfi_out_word("drops:");
		nla_for_each_nested(a, stats, rem) {
			char buf[24];

			t = nla_type(a);
			if (t == NFIPSEC_SA_STAT_PAD || nla_len(a) != 8 ||
			    t == NFIPSEC_SA_STAT_PACKETS ||
			    t == NFIPSEC_SA_STAT_BYTES)
				continue;
			if (t > NFIPSEC_SA_STAT_MAX || !sa_stat_names[t])
				snprintf(buf, sizeof(buf), "stat-%d", t);
			else
				snprintf(buf, sizeof(buf), "%s",
					 sa_stat_names[t]);
			nfi_out_u64(buf, nla_get_u64(a));
		}
	}
	nfi_out_close();
}

/* flag noecn esn ..., in ip-xfrm's order; bits without a name in hex. */
static void print_flags(uint32_t flags)
{
	char buf[16];
	size_t i;

	if (!flags)
		return;
	nfi_out_open_list("flag");
	for (i = 0; i < NFI_ARRAY_SIZE(state_flags); i++) {
		uint32_t bit = state_flags[i].bit;

		if (bit && bit != FLAG_ALIGN4 && (flags & bit)) {
			nfi_out_item(state_flags[i].name);
			flags &= ~bit;
		}
	}
	if (flags) {
		snprintf(buf, sizeof(buf), "0x%x", flags);
		nfi_out_item(buf);
	}
	nfi_out_close_list();
}

/*
 * The nests of a reply's SA, parsed: 0, or -EPROTO when malformed (so
 * that no part of an SA is left out unsaid).
 */
int nfi_parse_sa(struct nlattr *nest, struct nlattr **sa)
{
	static const struct nla_policy pol[NFIPSEC_SA_A_MAX + 1] = {
		[NFIPSEC_SA_A_PROTO] = { .type = NLA_U8 },
		[NFIPSEC_SA_A_SPI] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_MODE] = { .type = NLA_U8 },
		[NFIPSEC_SA_A_REQID] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_KM_SEQ] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_REPLAY_WINDOW] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_FLAGS] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_SET_MARK] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_SET_MARK_MASK] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_ALG_AEAD] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_ALG_CRYPT] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_ALG_AUTH] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_LIFETIME] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_STATS] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_SEQ_OUT] = { .type = NLA_U64 },
		[NFIPSEC_SA_A_REPLAY_TOP] = { .type = NLA_U64 },
		[NFIPSEC_SA_A_CURRENT] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_SEL] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_ENCAP] = { .type = NLA_NESTED },
		[NFIPSEC_SA_A_SPI_MIN] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_SPI_MAX] = { .type = NLA_U32 },
		[NFIPSEC_SA_A_LARVAL] = { .type = NLA_FLAG },
	};
	static const int addrs[] = { NFIPSEC_SA_A_SRC, NFIPSEC_SA_A_DST };
	static const int algs[] = { NFIPSEC_SA_A_ALG_AEAD,
				    NFIPSEC_SA_A_ALG_CRYPT,
				    NFIPSEC_SA_A_ALG_AUTH };
	struct nlattr *sub[NFIPSEC_SA_A_MAX + 1];	/* the largest */
	size_t i;

	_Static_assert((int)NFIPSEC_SA_A_MAX >= (int)NFIPSEC_ALG_A_MAX &&
		       (int)NFIPSEC_SA_A_MAX >= (int)NFIPSEC_ENCAP_A_MAX &&
		       (int)NFIPSEC_SA_A_MAX >= (int)NFIPSEC_SEL_A_MAX &&
		       (int)NFIPSEC_SA_A_MAX >= (int)NFIPSEC_CUR_A_MAX,
		       "sub[] too small");

	if (!nest || nla_parse_nested(sa, NFIPSEC_SA_A_MAX, nest, pol) ||
	    nfi_check_addrs(sa, addrs, 2))
		return -EPROTO;
	/* Its nests too: a malformed one fails the SA, none is left out. */
	for (i = 0; i < NFI_ARRAY_SIZE(algs); i++)
		if (sa[algs[i]] && parse_alg(sa[algs[i]], sub))
			return -EPROTO;
	if ((sa[NFIPSEC_SA_A_ENCAP] && parse_encap(sa[NFIPSEC_SA_A_ENCAP], sub)) ||
	    (sa[NFIPSEC_SA_A_SEL] && nfi_parse_sel(sa[NFIPSEC_SA_A_SEL], sub)) ||
	    (sa[NFIPSEC_SA_A_CURRENT] &&
	     nla_parse_nested(sub, NFIPSEC_CUR_A_MAX, sa[NFIPSEC_SA_A_CURRENT],
			      (struct nla_policy *)cur_policy)) ||
	    (sa[NFIPSEC_SA_A_LIFETIME] &&
	     parse_u64s(sa[NFIPSEC_SA_A_LIFETIME], NFIPSEC_LFT_A_PAD)) ||
	    (sa[NFIPSEC_SA_A_STATS] &&
	     parse_u64s(sa[NFIPSEC_SA_A_STATS], NFIPSEC_SA_STAT_PAD)))
		return -EPROTO;
	return 0;
}

/*
 * The filters of list and deleteall, as ip xfrm's: src and dst prefixes
 * (an address and its first PLEN bits), proto, spi, mode, reqid, flag (an
 * SA with any of the flags), and the family (-4, -6, or src's and dst's).
 * What the kernel can filter (full addresses, proto, spi) is sent too.
 */
struct sa_filter {
	struct sa_spec id;	/* the request's */
	bool has_src, has_dst, has_mode, has_reqid, has_owner;
	struct nfi_addr src, dst;
	uint8_t mode;
	uint32_t reqid, flags, owner;
	int family;
};

static bool flags_match(uint32_t want, uint32_t flags, uint8_t proto)
{
	if (!want)
		return true;
	if ((want & FLAG_ALIGN4) && proto == IPPROTO_AH &&
	    !(flags & NFIPSEC_SA_F_ALIGN8))
		return true;
	return flags & want & ~(FLAG_ALIGN4 | FLAG_NONE);
}

static bool sa_match(const struct sa_filter *f, struct nlattr **sa)
{
	struct nlattr *dst = sa[NFIPSEC_SA_A_DST];
	int family = dst && nla_len(dst) == 16 ? AF_INET6 : AF_INET;

	if (!f)
		return true;
	return (!f->family || f->family == family) &&
	       (!f->has_src || nfi_addr_match(sa[NFIPSEC_SA_A_SRC], &f->src)) &&
	       (!f->has_dst || nfi_addr_match(dst, &f->dst)) &&
	       (!f->id.has_proto ||
		nfi_u8(sa[NFIPSEC_SA_A_PROTO], 0) == f->id.proto) &&
	       (!f->id.has_spi ||
		ntohl(nfi_u32(sa[NFIPSEC_SA_A_SPI], 0)) == f->id.spi) &&
	       (!f->has_mode || nfi_u8(sa[NFIPSEC_SA_A_MODE], 0) == f->mode) &&
	       (!f->has_reqid ||
		nfi_u32(sa[NFIPSEC_SA_A_REQID], 0) == f->reqid) &&
	       /* An older module's larval SAs have none: no owner's. */
	       (!f->has_owner || (sa[NFIPSEC_SA_A_OWNER] &&
				  nfi_u32(sa[NFIPSEC_SA_A_OWNER], 0) == f->owner)) &&
	       flags_match(f->flags, nfi_u32(sa[NFIPSEC_SA_A_FLAGS], 0),
			   nfi_u8(sa[NFIPSEC_SA_A_PROTO], 0));
}

/*
 * Text: ip xfrm's layout (ipxfrm.c's xfrm_state_info_print), line for line,
 * then what only nfipsec has (with -s: lifetime left, dying, counters,
 * drops), each an indented line of its own.
 */

/* The window ip xfrm puts in XFRM's ESN replay state (ESN or over 32), or 0. */
static uint32_t esn_window(struct nlattr **sa)
{
	uint32_t w = nfi_u32(sa[NFIPSEC_SA_A_REPLAY_WINDOW], 0);

	if ((nfi_u32(sa[NFIPSEC_SA_A_FLAGS], 0) & NFIPSEC_SA_F_ESN) || w > 32)
		return w;
	return 0;
}

/*
 * XFRM's state flags byte (xfrm.h's XFRM_STATE_*, bit i), as ip prints it:
 * its words in bit order, and the mask of -s. align4 is the meaning of an
 * AH SA without align8 here (a 4-byte ICV padding over IPv4); align8,
 * XFRM's default, has no bit: nfipsec's "align8" line says it.
 */
static const struct {
	const char *name;
	uint32_t bit;	/* nfipsec's; 0: align4 */
} xfrm_flags[8] = {
	{ "noecn", NFIPSEC_SA_F_NOECN },
	{ "decap-dscp", NFIPSEC_SA_F_DECAP_DSCP },
	{ "nopmtudisc", NFIPSEC_SA_F_NOPMTUDISC },
	{ "wildrecv", NFIPSEC_SA_F_WILDRECV },
	{ "icmp", NFIPSEC_SA_F_ICMP },
	{ "af-unspec", NFIPSEC_SA_F_AF_UNSPEC },
	{ "align4", 0 },
	{ "esn", NFIPSEC_SA_F_ESN },
};
#define XFRM_FLAG_ALIGN4	(1U << 6)

static uint8_t xfrm_flag_bits(uint32_t flags, uint8_t proto)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < NFI_ARRAY_SIZE(xfrm_flags); i++)
		if (xfrm_flags[i].bit && (flags & xfrm_flags[i].bit))
			x |= 1U << i;
	if (proto == IPPROTO_AH && !(flags & NFIPSEC_SA_F_ALIGN8))
		x |= XFRM_FLAG_ALIGN4;
	return x;
}

/* "flag noecn esn": ip's words, joined by spaces, no space after the last. */
static void text_flags(uint8_t x)
{
	const char *sep = "";
	size_t i;

	fputs("flag ", stdout);
	for (i = 0; i < NFI_ARRAY_SIZE(xfrm_flags); i++) {
		if (x & (1U << i)) {
			printf("%s%s", sep, xfrm_flags[i].name);
			sep = " ";
		}
	}
}

/*
 * nfipsec's flags that ip's byte has no bit for, on a line of their own
 * after ip's: "flag align8", a bit this CLI has no name for in hex.
 */
static void text_own_flags(uint32_t flags)
{
	size_t i;

	for (i = 0; i < NFI_ARRAY_SIZE(xfrm_flags); i++)
		flags &= ~xfrm_flags[i].bit;
	if (!flags)
		return;
	fputs("\tflag", stdout);
	if (flags & NFIPSEC_SA_F_ALIGN8)
		fputs(" align8", stdout);
	flags &= ~NFIPSEC_SA_F_ALIGN8;
	if (flags)
		printf(" 0x%x", flags);
	fputs(nfi_sl(), stdout);
}

/*
 * ip's encap line ("encap type espinudp sport 4500 dport 4500 addr
 * 0.0.0.0"); extra: nfipsec's nat-keepalive and follow-mapping instead,
 * on a line of their own after ip's lines (nothing when neither is set).
 */
static void text_encap(struct nlattr *nest, int family, bool extra)
{
	struct nlattr *e[NFIPSEC_ENCAP_A_MAX + 1];
	char buf[INET6_ADDRSTRLEN];
	bool follow;

	if (parse_encap(nest, e))
		return;
	follow = nfi_u8(e[NFIPSEC_ENCAP_A_FOLLOW], 0);
	if (extra) {
		if (!e[NFIPSEC_ENCAP_A_KEEPALIVE] && !follow)
			return;
		putchar('\t');
		if (e[NFIPSEC_ENCAP_A_KEEPALIVE])
			printf("nat-keepalive %u%s",
			       nla_get_u32(e[NFIPSEC_ENCAP_A_KEEPALIVE]),
			       follow ? " " : "");
		if (follow)
			fputs("follow-mapping", stdout);
		fputs(nfi_sl(), stdout);
		return;
	}
	printf("\tencap type espinudp sport %u dport %u addr %s%s",
	       ntohs(e[NFIPSEC_ENCAP_A_SPORT] ?
		     nla_get_u16(e[NFIPSEC_ENCAP_A_SPORT]) : 0),
	       ntohs(e[NFIPSEC_ENCAP_A_DPORT] ?
		     nla_get_u16(e[NFIPSEC_ENCAP_A_DPORT]) : 0),
	       e[NFIPSEC_ENCAP_A_OA] ?
	       nfi_addr_str(e[NFIPSEC_ENCAP_A_OA], buf, sizeof(buf)) :
	       family == AF_INET6 ? "::" : "0.0.0.0", nfi_sl());
}

/* ip's __xfrm_algo_print; keys only with -k, else ip's nokeys text. */
static void text_alg(const char *kind, struct nlattr *nest)
{
	struct nlattr *alg[NFIPSEC_ALG_A_MAX + 1];
	struct nlattr *icv, *key;
	int i;

	if (parse_alg(nest, alg))
		return;
	icv = alg[NFIPSEC_ALG_A_ICV_BITS];
	key = alg[NFIPSEC_ALG_A_KEY];
	if (!strcmp(kind, "auth") && icv)
		kind = "auth-trunc";
	printf("\t%s %s ", kind, nla_get_string(alg[NFIPSEC_ALG_A_NAME]));
	if (!nfi_show_keys) {
		fputs("<<Keys hidden>>", stdout);
	} else if (key && nla_len(key) > 0) {
		const uint8_t *k = nla_data(key);

		fputs("0x", stdout);
		for (i = 0; i < nla_len(key); i++)
			printf("%02x", k[i]);
		if (nfi_stats_level > 0)
			printf(" (%d bits)", nla_len(key) * 8);
	}
	if (icv && strcmp(kind, "enc"))
		printf(" %u", nla_get_u32(icv));
	fputs(nfi_sl(), stdout);
}

static const char *limit_str(uint64_t v, char *buf, size_t len)
{
	if (!v)
		snprintf(buf, len, "(INF)");	/* nfipsec's 0: no limit */
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/*
 * ip's xfrm_lifetime_print, with -s: lft (NULL: none, all unlimited), the
 * bytes and packets counted, the add and use times (0: "-").
 */
void nfi_text_lifetime(struct nlattr *lft, uint64_t bytes, uint64_t packets,
		       uint64_t add, uint64_t use)
{
	const char *sl = nfi_sl();
	char a[24], b[24], t1[32], t2[32];

	printf("\tlifetime config:%s", sl);
	printf("\t  limit: soft %s(bytes),",
	       limit_str(lft_get(lft, NFIPSEC_LFT_A_SOFT_BYTES), a, sizeof(a)));
	printf(" hard %s(bytes)%s",
	       limit_str(lft_get(lft, NFIPSEC_LFT_A_HARD_BYTES), b, sizeof(b)),
	       sl);
	printf("\t  limit: soft %s(packets),",
	       limit_str(lft_get(lft, NFIPSEC_LFT_A_SOFT_PACKETS), a,
			 sizeof(a)));
	printf(" hard %s(packets)%s",
	       limit_str(lft_get(lft, NFIPSEC_LFT_A_HARD_PACKETS), b,
			 sizeof(b)), sl);
	printf("\t  expire add: soft %" PRIu64 "(sec), hard %" PRIu64
	       "(sec)%s", lft_get(lft, NFIPSEC_LFT_A_SOFT_ADD_SECS),
	       lft_get(lft, NFIPSEC_LFT_A_HARD_ADD_SECS), sl);
	printf("\t  expire use: soft %" PRIu64 "(sec), hard %" PRIu64
	       "(sec)%s", lft_get(lft, NFIPSEC_LFT_A_SOFT_USE_SECS),
	       lft_get(lft, NFIPSEC_LFT_A_HARD_USE_SECS), sl);
	printf("\tlifetime current:%s", sl);
	printf("\t  %" PRIu64 "(bytes), %" PRIu64 "(packets)%s", bytes,
	       packets, sl);
	printf("\t  add %s ", nfi_time_str(add, t1, sizeof(t1)));
	printf("use %s%s", nfi_time_str(use, t2, sizeof(t2)), sl);
}

static uint64_t stat_get(struct nlattr *stats, int type)
{
	struct nlattr *a = stats ? nla_find(nla_data(stats), nla_len(stats),
					    type) : NULL;

	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

/* What only nfipsec has, with -s: after ip's lines. */
static void text_sa_extra(struct nlattr **sa, struct nlattr **cur)
{
	struct nlattr *a, *stats = sa[NFIPSEC_SA_A_STATS];
	const char *sl = nfi_sl();
	uint64_t now = (uint64_t)time(NULL), v, used, start;
	bool open = false;
	int rem, t;

	for (t = NFIPSEC_LFT_A_SOFT_BYTES; t <= NFIPSEC_LFT_A_HARD_USE_SECS;
	     t++) {
		v = lft_get(sa[NFIPSEC_SA_A_LIFETIME], t);
		if (!v)
			continue;
		if (t <= NFIPSEC_LFT_A_HARD_BYTES)
			used = nfi_u64(cur[NFIPSEC_CUR_A_BYTES], 0);
		else if (t <= NFIPSEC_LFT_A_HARD_PACKETS)
			used = nfi_u64(cur[NFIPSEC_CUR_A_PACKETS], 0);
		else {
			start = nfi_u64(t <= NFIPSEC_LFT_A_HARD_ADD_SECS ?
					cur[NFIPSEC_CUR_A_ADD_TIME] :
					cur[NFIPSEC_CUR_A_USE_TIME], now);
			used = now > start ? now - start : 0;
		}
		printf("%s %s %" PRIu64, open ? "" : "\tlifetime left:",
		       lft_names[t], v > used ? v - used : 0);
		open = true;
	}
	if (open)
		fputs(sl, stdout);
	if (cur[NFIPSEC_CUR_A_DYING])
		printf("\tdying%s", sl);
	/* A larval SA has no counters. */
	if (!stats && !sa[NFIPSEC_SA_A_SEQ_OUT] && !sa[NFIPSEC_SA_A_REPLAY_TOP])
		return;
	printf("\tcounters: packets %" PRIu64 " bytes %" PRIu64,
	       stat_get(stats, NFIPSEC_SA_STAT_PACKETS),
	       stat_get(stats, NFIPSEC_SA_STAT_BYTES));
	if (sa[NFIPSEC_SA_A_SEQ_OUT])
		printf(" seq-out %" PRIu64,
		       (uint64_t)nla_get_u64(sa[NFIPSEC_SA_A_SEQ_OUT]));
	if (sa[NFIPSEC_SA_A_REPLAY_TOP])
		printf(" replay-top %" PRIu64,
		       (uint64_t)nla_get_u64(sa[NFIPSEC_SA_A_REPLAY_TOP]));
	fputs(sl, stdout);
	if (!stats)
		return;
	fputs("\tdrops:", stdout);
	nla_for_each_nested(a, stats, rem) {
		t = nla_type(a);
		if (t == NFIPSEC_SA_STAT_PAD || nla_len(a) != 8 ||
		    t == NFIPSEC_SA_STAT_PACKETS || t == NFIPSEC_SA_STAT_BYTES)
			continue;
		if (t > NFIPSEC_SA_STAT_MAX || !sa_stat_names[t])
			printf(" stat-%d", t);
		else
			printf(" %s", sa_stat_names[t]);
		printf(" %" PRIu64, (uint64_t)nla_get_u64(a));
	}
	fputs(sl, stdout);
}

/*
 * src 10.0.1.1 dst 10.0.1.2
 *	proto esp spi 0x00001001 reqid 1 mode tunnel
 *	replay-window 64 flag esn
 *	aead rfc4106(gcm(aes)) <<Keys hidden>> 128
 *	sel src 0.0.0.0/0 dst 0.0.0.0/0
 */
static void text_sa(struct nlattr **sa)
{
	struct nlattr *cur[NFIPSEC_CUR_A_MAX + 1] = { NULL };
	struct nlattr *dst = sa[NFIPSEC_SA_A_DST];
	struct nlattr *stats = sa[NFIPSEC_SA_A_STATS];
	int family = dst && nla_len(dst) == 16 ? AF_INET6 : AF_INET;
	uint32_t flags = nfi_u32(sa[NFIPSEC_SA_A_FLAGS], 0);
	uint8_t proto = nfi_u8(sa[NFIPSEC_SA_A_PROTO], 0);
	uint8_t x = xfrm_flag_bits(flags, proto);
	uint32_t spi = ntohl(nfi_u32(sa[NFIPSEC_SA_A_SPI], 0));
	uint32_t reqid = nfi_u32(sa[NFIPSEC_SA_A_REQID], 0);
	int s = nfi_stats_level > 0;
	const char *sl = nfi_sl();
	char buf[INET6_ADDRSTRLEN];

	if (sa[NFIPSEC_SA_A_CURRENT] &&
	    nla_parse_nested(cur, NFIPSEC_CUR_A_MAX, sa[NFIPSEC_SA_A_CURRENT],
			     (struct nla_policy *)cur_policy))
		memset(cur, 0, sizeof(cur));
	printf("src %s ", sa[NFIPSEC_SA_A_SRC] ?
	       nfi_addr_str(sa[NFIPSEC_SA_A_SRC], buf, sizeof(buf)) :
	       family == AF_INET6 ? "::" : "0.0.0.0");
	printf("dst %s%s", dst ? nfi_addr_str(dst, buf, sizeof(buf)) : "?",
	       sl);
	printf("\tproto %s ", nfi_xfrm_proto_name(proto, buf, sizeof(buf)));
	printf("spi 0x%08x", spi);
	if (s)
		printf("(%u)", spi);
	printf(" reqid %u", reqid);
	if (s)
		printf("(0x%08x)", reqid);
	printf(" mode %s%s",
	       nfi_name_of(nfi_mode_names, NFI_ARRAY_SIZE(nfi_mode_names),
			   nfi_u8(sa[NFIPSEC_SA_A_MODE], 0), buf, sizeof(buf)),
	       sl);
	/*
	 * ip xfrm gives XFRM a window of ESN or over 32 packets in its ESN
	 * replay state: "replay-window 0" here, the window on nfipsec's
	 * "window N" line after ip's lines.
	 */
	printf("\treplay-window %u ", esn_window(sa) ? 0 :
	       nfi_u32(sa[NFIPSEC_SA_A_REPLAY_WINDOW], 0));
	if (s)
		printf("seq 0x%08u ", nfi_u32(sa[NFIPSEC_SA_A_KM_SEQ], 0));
	if (s || x)
		text_flags(x);
	if (s) {
		int i;

		fputs(" (0x", stdout);
		for (i = 7; i >= 0; i--)
			putchar(x & (1U << i) ? '1' : '0');
		putchar(')');
	}
	fputs(sl, stdout);
	if (sa[NFIPSEC_SA_A_SET_MARK])
		printf("\toutput-mark 0x%x/0x%x%s",
		       nfi_u32(sa[NFIPSEC_SA_A_SET_MARK], 0),
		       nfi_u32(sa[NFIPSEC_SA_A_SET_MARK_MASK], 0xffffffff), sl);
	/* ip's order: auth, aead, enc. */
	if (sa[NFIPSEC_SA_A_ALG_AUTH])
		text_alg("auth", sa[NFIPSEC_SA_A_ALG_AUTH]);
	if (sa[NFIPSEC_SA_A_ALG_AEAD])
		text_alg("aead", sa[NFIPSEC_SA_A_ALG_AEAD]);
	if (sa[NFIPSEC_SA_A_ALG_CRYPT])
		text_alg("enc", sa[NFIPSEC_SA_A_ALG_CRYPT]);
	if (sa[NFIPSEC_SA_A_ENCAP])
		text_encap(sa[NFIPSEC_SA_A_ENCAP], family, false);
	if (nfi_u64(cur[NFIPSEC_CUR_A_LAST_USE], 0))
		printf("\tlastused %s%s",
		       nfi_time_str(nla_get_u64(cur[NFIPSEC_CUR_A_LAST_USE]),
				    buf, sizeof(buf)), sl);
	if (sa[NFIPSEC_SA_A_SEL]) {
		struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];

		if (!nfi_parse_sel(sa[NFIPSEC_SA_A_SEL], sel))
			nfi_text_sel(sel, family, "\tsel ");
	} else if (!(flags & NFIPSEC_SA_F_AF_UNSPEC)) {
		/* None: any packet, XFRM's selector of the SA's family. */
		struct nlattr *none[NFIPSEC_SEL_A_MAX + 1] = { NULL };

		nfi_text_sel(none, family, "\tsel ");
	}
	if (s) {
		/* Counted bytes and packets: the lifetime's, else the SA's. */
		nfi_text_lifetime(sa[NFIPSEC_SA_A_LIFETIME],
				  nfi_u64(cur[NFIPSEC_CUR_A_BYTES],
					  stat_get(stats,
						   NFIPSEC_SA_STAT_BYTES)),
				  nfi_u64(cur[NFIPSEC_CUR_A_PACKETS],
					  stat_get(stats,
						   NFIPSEC_SA_STAT_PACKETS)),
				  nfi_u64(cur[NFIPSEC_CUR_A_ADD_TIME], 0),
				  nfi_u64(cur[NFIPSEC_CUR_A_USE_TIME], 0));
		printf("\tstats:%s", sl);
		printf("\t  replay-window %" PRIu64 " replay %" PRIu64
		       " failed %" PRIu64 "%s",
		       stat_get(stats, NFIPSEC_SA_STAT_OUTSIDE_WINDOW),
		       stat_get(stats, NFIPSEC_SA_STAT_REPLAY),
		       stat_get(stats, NFIPSEC_SA_STAT_INTEGRITY), sl);
	}
	/* nfipsec's own lines. */
	if (sa[NFIPSEC_SA_A_LARVAL])
		printf("\tlarval%s", sl);
	if (nfi_u32(sa[NFIPSEC_SA_A_OWNER], 0))
		printf("\towner %s%s",
		       nfi_owner_str(nla_get_u32(sa[NFIPSEC_SA_A_OWNER]), buf,
				     sizeof(buf)), sl);
	if (s)
		text_sa_extra(sa, cur);
	text_own_flags(flags);
	if (sa[NFIPSEC_SA_A_ENCAP])
		text_encap(sa[NFIPSEC_SA_A_ENCAP], family, true);
	if (esn_window(sa))
		printf("\twindow %u%s", esn_window(sa), sl);
	if (nfi_oneline)
		putchar('\n');
}

/*
 * -k: the keys of a reply, wiped in it once printed (libnl's copy of the
 * message; its receive buffer is freed unwiped).
 */
static void wipe_keys(struct nlattr **sa)
{
	static const int algs[] = { NFIPSEC_SA_A_ALG_AEAD,
				    NFIPSEC_SA_A_ALG_CRYPT,
				    NFIPSEC_SA_A_ALG_AUTH };
	struct nlattr *alg[NFIPSEC_ALG_A_MAX + 1];
	size_t i;

	for (i = 0; i < NFI_ARRAY_SIZE(algs); i++)
		if (sa[algs[i]] && !parse_alg(sa[algs[i]], alg) &&
		    alg[NFIPSEC_ALG_A_KEY])
			explicit_bzero(nla_data(alg[NFIPSEC_ALG_A_KEY]),
				       nla_len(alg[NFIPSEC_ALG_A_KEY]));
}

/* What print_sa is given: a filter (NULL: none), the count printed. */
struct print_ctx {
	const struct sa_filter *filter;
	int count;
};

/*
 * src 192.168.3.107 dst 192.168.3.111
 *	proto esp spi 0x00001000 reqid 1 mode tunnel
 *	replay-window 64 flag esn
 *	aead rfc4106(gcm(aes)) 0x... 128
 */
static int print_sa(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	struct print_ctx *ctx = arg;

	(void)nlh;
	if (nfi_parse_sa(tb[NFIPSEC_A_SA], sa))
		return -EPROTO;
	if (!sa_match(ctx->filter, sa))
		return 0;
	ctx->count++;
	if (!nfi_json) {
		text_sa(sa);
	} else {
		jw_open_object(NULL);
		nfi_print_sa(sa);
		jw_close_object();
	}
	wipe_keys(sa);
	return 0;
}

/* As ip xfrm: sel src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp dport 22 */
static void print_sa_sel(struct nlattr *nest)
{
	struct nlattr *sel[NFIPSEC_SEL_A_MAX + 1];

	if (nfi_parse_sel(nest, sel))
		return;
	nfi_out_line("\t");
	nfi_out_open("sel", "sel");
	nfi_print_sel(sel, true);
	nfi_out_close();
}

/* As ip xfrm: encap type espinudp sport 4500 dport 4500 addr 0.0.0.0 */
static void print_sa_encap(struct nlattr *nest)
{
	struct nlattr *e[NFIPSEC_ENCAP_A_MAX + 1];

	if (parse_encap(nest, e))
		return;
	nfi_out_line("\t");
	nfi_out_open("encap", "encap");
	nfi_out_str("type", "espinudp");
	nfi_out_u64("sport", ntohs(e[NFIPSEC_ENCAP_A_SPORT] ? nla_get_u16(e[NFIPSEC_ENCAP_A_SPORT]) : 0));
	nfi_out_u64("dport", ntohs(e[NFIPSEC_ENCAP_A_DPORT] ? nla_get_u16(e[NFIPSEC_ENCAP_A_DPORT]) : 0));
	if (e[NFIPSEC_ENCAP_A_OA])
		nfi_print_addr("addr", e[NFIPSEC_ENCAP_A_OA]);
	if (e[NFIPSEC_ENCAP_A_KEEPALIVE])
		nfi_out_u64("nat-keepalive",
			    nla_get_u32(e[NFIPSEC_ENCAP_A_KEEPALIVE]));
	if (e[NFIPSEC_ENCAP_A_FOLLOW] &&
	    nla_get_u8(e[NFIPSEC_ENCAP_A_FOLLOW])) {	/* a word; JSON: 1 */
		nfi_out_word("follow-mapping");
		if (nfi_json)
			jw_u64("follow-mapping", 1);
	}
	nfi_out_close();
}

/* The members of one SA (state list, monitor's expire). */
void nfi_print_sa(struct nlattr **sa)
{
	char buf[INET6_ADDRSTRLEN];

	nfi_print_addr("src", sa[NFIPSEC_SA_A_SRC]);
	nfi_print_addr("dst", sa[NFIPSEC_SA_A_DST]);
	nfi_out_line("\t");
	if (sa[NFIPSEC_SA_A_PROTO])
		nfi_out_str("proto",
			    nfi_xfrm_proto_name(nla_get_u8(sa[NFIPSEC_SA_A_PROTO]),
						buf, sizeof(buf)));
	if (sa[NFIPSEC_SA_A_SPI])
		nfi_out_str("spi", nfi_spi_str(sa[NFIPSEC_SA_A_SPI], buf,
					       sizeof(buf)));
	nfi_out_u64("reqid", nfi_u32(sa[NFIPSEC_SA_A_REQID], 0));
	/* ip xfrm's seq, as it was given (the kernel keeps it big-endian). */
	if (nfi_u32(sa[NFIPSEC_SA_A_KM_SEQ], 0))
		nfi_out_u64("seq", ntohl(nla_get_u32(sa[NFIPSEC_SA_A_KM_SEQ])));
	nfi_out_str("mode",
		    nfi_name_of(nfi_mode_names, NFI_ARRAY_SIZE(nfi_mode_names),
				nfi_u8(sa[NFIPSEC_SA_A_MODE], 0), buf,
				sizeof(buf)));
	nfi_out_line("\t");
	nfi_out_u64("replay-window",
		    nfi_u32(sa[NFIPSEC_SA_A_REPLAY_WINDOW], 0));
	print_flags(nfi_u32(sa[NFIPSEC_SA_A_FLAGS], 0));
	if (sa[NFIPSEC_SA_A_SET_MARK]) {
		snprintf(buf, sizeof(buf), "0x%x/0x%x",
			 nfi_u32(sa[NFIPSEC_SA_A_SET_MARK], 0),
			 nfi_u32(sa[NFIPSEC_SA_A_SET_MARK_MASK], 0));
		nfi_out_str("output-mark", buf);
	}
	if (sa[NFIPSEC_SA_A_ALG_AEAD])
		print_alg("aead", sa[NFIPSEC_SA_A_ALG_AEAD]);
	if (sa[NFIPSEC_SA_A_ALG_CRYPT])
		print_alg("enc", sa[NFIPSEC_SA_A_ALG_CRYPT]);
	if (sa[NFIPSEC_SA_A_ALG_AUTH])
		print_alg("auth", sa[NFIPSEC_SA_A_ALG_AUTH]);
	if (sa[NFIPSEC_SA_A_SEL])
		print_sa_sel(sa[NFIPSEC_SA_A_SEL]);
	if (sa[NFIPSEC_SA_A_ENCAP])
		print_sa_encap(sa[NFIPSEC_SA_A_ENCAP]);
	if (sa[NFIPSEC_SA_A_LIFETIME])
		print_lifetime(sa[NFIPSEC_SA_A_LIFETIME]);
	if (nfi_stats_level && sa[NFIPSEC_SA_A_CURRENT])
		print_current(sa[NFIPSEC_SA_A_CURRENT], sa[NFIPSEC_SA_A_LIFETIME]);
	if (nfi_stats_level)
		print_sa_stats(sa);
	/* Who added it (uapi "Owners"): not the administrator. */
	if (nfi_u32(sa[NFIPSEC_SA_A_OWNER], 0)) {
		if (nfi_json) {
			jw_u64("owner", nla_get_u32(sa[NFIPSEC_SA_A_OWNER]));
		} else {
			nfi_out_line("\t");
			nfi_out_str("owner",
				    nfi_owner_str(nla_get_u32(sa[NFIPSEC_SA_A_OWNER]),
						  buf, sizeof(buf)));
		}
	}
	/* An SA a key manager is negotiating (allocspi, ACQUIRE). */
	if (sa[NFIPSEC_SA_A_LARVAL]) {
		if (nfi_json) {
			jw_bool("larval", true);
		} else {
			nfi_out_line("\t");
			nfi_out_word("larval");
		}
	}
}

/* Commands */

/*
 * Send a request that carries keys (freed), wiped once sent: libnl frees
 * a message without wiping it. (SA requests are sent at once, never kept
 * for a batch.)
 */
static int talk_wiped(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	uint32_t len = nlh->nlmsg_len;
	int err;

	nlmsg_get(msg);
	err = nfi_nl_talk(msg, NULL, NULL);
	explicit_bzero(nlh, len);
	nlmsg_free(msg);
	return err;
}

static int state_modify(int argc, char **argv, bool update)
{
	struct nfi_args a = { update ? "state update" : "state add",
			      argc, argv };
	struct sa_spec *s = calloc(1, sizeof(*s));
	struct nl_msg *msg;
	int err = 0;

	if (!s) {
		fprintf(stderr, "nfipsec: out of memory\n");
		return 2;
	}
	while (a.argc > 0 && !err) {
		err = take_id(&a, s);
		if (err < 0)
			err = take_alg(&a, s);
		if (err < 0)
			err = take_option(&a, s);
		if (err < 0)
			err = not_taken(&a);
	}
	if (!err)
		err = require_id(a.cmd, s, true, true);
	if (!err)
		err = check_algs(a.cmd, s);
	if (!err && !s->has_encap && (s->has_keepalive || s->has_follow))
		err = nfi_usage_error("%s: %s needs encap", a.cmd,
				      s->has_follow ? "follow-mapping" : "nat-keepalive");
	if (err) {
		explicit_bzero(s, sizeof(*s));
		free(s);
		return err;
	}
	msg = sa_msg(update ? NFIPSEC_CMD_SA_SET : NFIPSEC_CMD_SA_NEW, 0, s,
		     true, true);
	explicit_bzero(s, sizeof(*s));	/* the keys */
	free(s);
	if (!msg)
		return 2;
	err = talk_wiped(msg);
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* delete|get dst ADDR proto P spi SPI (src is taken and not sent) */
static int state_get_delete(int argc, char **argv, bool get)
{
	struct nfi_args a = { get ? "state get" : "state delete", argc, argv };
	struct sa_spec s = { 0 };
	struct print_ctx ctx = { NULL, 0 };
	struct nl_msg *msg;
	int err = 0;

	while (a.argc > 0 && !err) {
		err = take_id(&a, &s);
		if (err < 0)
			err = not_taken(&a);
	}
	if (!err)
		err = require_id(a.cmd, &s, false, true);
	if (err)
		return err;
	msg = sa_msg(get ? NFIPSEC_CMD_SA_GET : NFIPSEC_CMD_SA_DEL, 0, &s,
		     false, false);
	if (!msg || (get && show_keys(msg)))
		return 2;
	err = nfi_nl_talk(msg, get ? print_sa : NULL, &ctx);
	if (ctx.count && nfi_json)
		jw_end();
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* Takes a filter word at most once: 1 (usage error) when given before. */
static int once(const struct nfi_args *a, bool *given)
{
	if (*given)
		return nfi_duplicate(a);
	*given = true;
	return 0;
}

/*
 * allocspi ID [mode MODE] [reqid REQID] [seq SEQ] [min SPI max SPI], as ip
 * xfrm's (xfrm_state_allocspi, its messages): the ID without an spi (spi 0
 * is none), min and max both or neither (0x100 and 0x0fffffff, as ip).
 * The reply, the larval SA holding the SPI, is printed as get prints.
 */
static int state_allocspi(int argc, char **argv)
{
	struct nfi_args a = { "state allocspi", argc, argv };
	struct sa_spec s = { 0 };
	struct print_ctx ctx = { NULL, 0 };
	bool has_mode = false, has_min = false, has_max = false, *given;
	uint32_t min = 0x100, max = 0x0fffffff, *v;
	struct nlattr *nest;
	struct nl_msg *msg;
	const char *kw;
	int err = 0;

	while (a.argc > 0 && !err) {
		kw = nfi_kw(&a);
		if (!strcmp(kw, "mode")) {
			has_mode = true;
			err = nfi_take_mode(&a, &s.mode);
		} else if (!strcmp(kw, "reqid")) {
			s.has_reqid = true;
			err = nfi_take_u32(&a, &s.reqid);
		} else if (!strcmp(kw, "seq")) {
			/* As state add's: ip's number, in network byte order. */
			s.has_km_seq = true;
			err = nfi_take_u32(&a, &s.km_seq);
			s.km_seq = htonl(s.km_seq);
		} else if (!strcmp(kw, "min") || !strcmp(kw, "max")) {
			given = kw[1] == 'i' ? &has_min : &has_max;
			v = kw[1] == 'i' ? &min : &max;
			err = once(&a, given) ?: nfi_take_u32(&a, v);
		} else if (nfi_name_index(allocspi_unsupported,
					  NFI_ARRAY_SIZE(allocspi_unsupported),
					  kw) >= 0) {
			err = nfi_unsupported(&a);
		} else {
			err = take_id(&a, &s);
			if (err < 0)
				err = nfi_unexpected(&a);
			else if (!err && s.spi)
				err = nfi_usage_error("%s: \"spi\" is invalid",
						      a.cmd);
		}
	}
	if (!err && !s.has_src && !s.has_dst && !s.has_proto && !s.has_spi)
		err = nfi_usage_error("%s: Not enough information: ID is required",
				      a.cmd);
	if (!err)
		err = require_id(a.cmd, &s, true, false);
	if (!err && has_min && !has_max)
		err = nfi_usage_error("%s: \"max\" is missing", a.cmd);
	if (!err && has_max && !has_min)
		err = nfi_usage_error("%s: \"min\" is missing", a.cmd);
	if (!err && min > max)
		err = nfi_usage_error("%s: value after \"min\" is larger than value after \"max\"",
				      a.cmd);
	if (err)
		return err;
	s.has_spi = false;	/* spi 0: none */
	msg = nfi_msg_new(NFIPSEC_CMD_SA_ALLOC_SPI, 0);
	if (!msg)
		return 2;
	nest = nfi_nest_start(msg, NFIPSEC_A_SA);
	if (!nest || put_id(msg, &s, true) ||
	    (has_mode && nla_put_u8(msg, NFIPSEC_SA_A_MODE, s.mode)) ||
	    (s.has_reqid && nla_put_u32(msg, NFIPSEC_SA_A_REQID, s.reqid)) ||
	    (s.has_km_seq &&
	     nla_put_u32(msg, NFIPSEC_SA_A_KM_SEQ, s.km_seq)) ||
	    nla_put_u32(msg, NFIPSEC_SA_A_SPI_MIN, htonl(min)) ||
	    nla_put_u32(msg, NFIPSEC_SA_A_SPI_MAX, htonl(max))) {
		fprintf(stderr, "nfipsec: the request is too large\n");
		nlmsg_free(msg);
		return 2;
	}
	nla_nest_end(msg, nest);
	err = nfi_nl_talk(msg, print_sa, &ctx);
	if (ctx.count && nfi_json)
		jw_end();
	if (err == -EOPNOTSUPP && !nfi_nl_extack()[0]) {
		/* The generic netlink core's answer to an unknown command. */
		fprintf(stderr,
			"nfipsec: %s: the loaded nfipsec module does not know allocspi (SA_ALLOC_SPI); it is older than this nfipsec\n",
			a.cmd);
		return 2;
	}
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* src or dst PREFIX; a whole address goes to the kernel's filter too. */
static int take_addr_filter(struct nfi_args *a, bool *given,
			    struct nfi_addr *prefix, bool *sent,
			    struct nfi_addr *addr)
{
	if (once(a, given) || nfi_take_prefix(a, prefix))
		return 1;
	if (prefix->plen == prefix->len * 8) {
		*sent = true;
		*addr = *prefix;
	}
	return 0;
}

/* One filter word and its value: 0, 1 (usage error). */
static int take_filter(struct nfi_args *a, struct sa_filter *f)
{
	const char *kw = nfi_kw(a);

	if (!strcmp(kw, "src"))
		return take_addr_filter(a, &f->has_src, &f->src,
					&f->id.has_src, &f->id.src);
	if (!strcmp(kw, "dst"))
		return take_addr_filter(a, &f->has_dst, &f->dst,
					&f->id.has_dst, &f->id.dst);
	if (!strcmp(kw, "proto"))
		return once(a, &f->id.has_proto) ?:
		       nfi_take_xfrm_proto(a, &f->id.proto);
	if (!strcmp(kw, "spi"))
		return once(a, &f->id.has_spi) ?: nfi_take_u32(a, &f->id.spi);
	if (!strcmp(kw, "mode"))
		return once(a, &f->has_mode) ?: nfi_take_mode(a, &f->mode);
	if (!strcmp(kw, "reqid"))
		return once(a, &f->has_reqid) ?: nfi_take_u32(a, &f->reqid);
	if (!strcmp(kw, "owner"))
		return once(a, &f->has_owner) ?: nfi_take_owner(a, &f->owner);
	if (!strcmp(kw, "flag"))
		return take_flag_bits(a, &f->flags, true);
	if (!strcmp(kw, "nokeys")) {	/* keys are shown with -k only */
		nfi_shift(a, 1);
		return 0;
	}
	return not_taken(a);
}

static int take_filters(struct nfi_args *a, struct sa_filter *f)
{
	int err = 0;

	while (a->argc > 0 && !err)
		err = take_filter(a, f);
	if (!err)
		err = nfi_same_family(a->cmd, &f->src, &f->dst);
	f->family = nfi_family ?: f->has_src ? f->src.family :
		    f->has_dst ? f->dst.family : 0;
	return err;
}

/* list|show [ID-FILTER] [mode M] [reqid N] [flag F...] [nokeys] */
static int state_list(int argc, char **argv)
{
	struct nfi_args a = { "state list", argc, argv };
	struct sa_filter f = { 0 };
	struct print_ctx ctx = { &f, 0 };
	struct nl_msg *msg;
	int err;

	err = take_filters(&a, &f);
	if (err)
		return err;
	msg = sa_msg(NFIPSEC_CMD_SA_GET, NLM_F_DUMP, &f.id, false, true);
	if (!msg || show_keys(msg))
		return 2;
	if (nfi_json)
		jw_open_array(NULL);
	err = nfi_nl_talk(msg, print_sa, &ctx);
	if (nfi_json) {
		jw_close_array();
		jw_end();
	}
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

/* The SAs a deleteall found: what state delete takes of each. */
struct sa_found {
	struct sa_key {
		struct nfi_addr dst;
		uint8_t proto;
		uint32_t spi;
	} *v;
	size_t n, cap;
	const struct sa_filter *filter;
};

static int collect_sa(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	struct sa_found *found = arg;
	struct sa_key *k;

	(void)nlh;
	if (nfi_parse_sa(tb[NFIPSEC_A_SA], sa) || !sa[NFIPSEC_SA_A_DST])
		return -EPROTO;
	if (!sa_match(found->filter, sa))
		return 0;
	/*
	 * A larval SA without an SPI (an ACQUIRE's) has no ID to be deleted
	 * by: left, to expire (state flush removes it). ip xfrm's deleteall
	 * sends XFRM a delete of spi 0 for such a state, which fails.
	 */
	if (sa[NFIPSEC_SA_A_LARVAL] && !nfi_u32(sa[NFIPSEC_SA_A_SPI], 0))
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
	memset(k, 0, sizeof(*k));
	k->dst.len = (uint8_t)nla_len(sa[NFIPSEC_SA_A_DST]);
	memcpy(k->dst.bytes, nla_data(sa[NFIPSEC_SA_A_DST]), k->dst.len);
	k->proto = nfi_u8(sa[NFIPSEC_SA_A_PROTO], 0);
	k->spi = ntohl(nfi_u32(sa[NFIPSEC_SA_A_SPI], 0));
	return 0;
}

/* Delete one SA found; its error, naming it, on stderr: 0 or 2. */
static int delete_found(const struct sa_key *k)
{
	struct sa_spec s = { .has_dst = true, .has_proto = true,
			     .has_spi = true, .dst = k->dst,
			     .proto = k->proto, .spi = k->spi };
	char addr[INET6_ADDRSTRLEN], proto[8], what[128];
	struct nl_msg *msg;
	int err;

	msg = sa_msg(NFIPSEC_CMD_SA_DEL, 0, &s, false, false);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, NULL, NULL);
	if (!err || err == -ENOENT)	/* gone meanwhile: as wanted */
		return 0;
	inet_ntop(k->dst.len == 16 ? AF_INET6 : AF_INET, k->dst.bytes, addr,
		  sizeof(addr));
	snprintf(what, sizeof(what), "state deleteall: dst %s proto %s spi 0x%08x",
		 addr, nfi_xfrm_proto_name(k->proto, proto, sizeof(proto)),
		 k->spi);
	return nfi_nl_fail(what, err);
}

/*
 * deleteall [filters of list]: the SAs the filters match, each deleted
 * (a dump, then a delete each); one that fails is reported and the rest
 * still deleted.
 */
static int state_deleteall(int argc, char **argv)
{
	struct nfi_args a = { "state deleteall", argc, argv };
	struct sa_filter f = { 0 };
	struct sa_found found = { .filter = &f };
	struct nl_msg *msg;
	int err, ret = 0;
	size_t i;

	err = take_filters(&a, &f);
	if (err)
		return err;
	msg = sa_msg(NFIPSEC_CMD_SA_GET, NLM_F_DUMP, &f.id, false, true);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, collect_sa, &found);
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

/* flush [proto P] [owner O]: owner, nfipsec's, flushes that owner's only. */
static int state_flush(int argc, char **argv)
{
	struct nfi_args a = { "state flush", argc, argv };
	struct sa_spec s = { 0 };
	struct nl_msg *msg;
	int err = 0;

	while (a.argc > 0 && !err) {
		if (!strcmp(nfi_kw(&a), "proto") && !s.has_proto) {
			s.has_proto = true;
			err = nfi_take_xfrm_proto(&a, &s.proto);
		} else if (!strcmp(nfi_kw(&a), "owner") && !s.has_owner) {
			s.has_owner = true;
			err = nfi_take_owner(&a, &s.owner);
		} else {
			err = nfi_unexpected(&a);
		}
	}
	if (err)
		return err;
	msg = sa_msg(NFIPSEC_CMD_SA_FLUSH, 0, &s, false, false);
	if (!msg)
		return 2;
	err = nfi_nl_talk(msg, NULL, NULL);
	return err ? nfi_nl_fail(a.cmd, err) : 0;
}

int do_state(int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : "list";

	if (argc > 0)
		argc--, argv++;
	if (nfi_matches(cmd, "list") || nfi_matches(cmd, "show"))
		return state_list(argc, argv);
	if (nfi_matches(cmd, "add"))
		return state_modify(argc, argv, false);
	if (nfi_matches(cmd, "update"))
		return state_modify(argc, argv, true);
	if (nfi_matches(cmd, "allocspi"))
		return state_allocspi(argc, argv);
	if (nfi_matches(cmd, "delete"))
		return state_get_delete(argc, argv, false);
	if (nfi_matches(cmd, "deleteall") || nfi_matches(cmd, "delall"))
		return state_deleteall(argc, argv);
	if (nfi_matches(cmd, "get"))
		return state_get_delete(argc, argv, true);
	if (nfi_matches(cmd, "flush"))
		return state_flush(argc, argv);
	if (nfi_matches(cmd, "count"))
		return nfi_print_count("state count", argc, argv,
				       NFIPSEC_INFO_A_SA_COUNT);
	return nfi_usage_error("unknown state command \"%s\"", cmd);
}
