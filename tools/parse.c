// SPDX-License-Identifier: GPL-2.0
/* Parsing of addresses, prefixes, numbers, keys and keywords. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cli.h"
#include "names.h"
#include "parse.h"

/*
 * A dotted quad as inet_pton takes one (four decimal numbers to 255, no
 * leading zeros): true, a[] set. False for anything else, which inet_pton
 * then judges: this is only its quick way for the common case.
 */
static bool quick_ipv4(const char *s, uint8_t *addr)
{
	uint8_t a[4];
	int i;

	for (i = 0; i < 4; i++) {
		const char *start;
		unsigned int v = 0;

		if (i && *s++ != '.')
			return false;
		for (start = s; *s >= '0' && *s <= '9' && s - start < 3; s++)
			v = v * 10 + (unsigned int)(*s - '0');
		if (s == start || v > 255 || (s - start > 1 && *start == '0'))
			return false;
		a[i] = (uint8_t)v;
	}
	if (*s)
		return false;
	memcpy(addr, a, sizeof(a));
	return true;
}

int nfi_parse_addr(const char *arg, struct nfi_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (quick_ipv4(arg, a->bytes) ||
	    inet_pton(AF_INET, arg, a->bytes) == 1) {
		a->family = AF_INET;
		a->len = 4;
	} else if (inet_pton(AF_INET6, arg, a->bytes) == 1) {
		a->family = AF_INET6;
		a->len = 16;
	} else {
		return -EINVAL;
	}
	a->plen = a->len * 8;
	return 0;
}

int nfi_parse_prefix(const char *arg, struct nfi_addr *a)
{
	const char *slash = strchr(arg, '/'), *p;
	char buf[INET6_ADDRSTRLEN];
	uint64_t plen;
	size_t n;

	if (!slash)
		return nfi_parse_addr(arg, a);
	n = (size_t)(slash - arg);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, arg, n);
	buf[n] = 0;
	if (nfi_parse_addr(buf, a))
		return -EINVAL;
	/* Decimal only: "/024" is not an octal 20. */
	if (!isdigit((unsigned char)slash[1]))
		return -EINVAL;
	for (plen = 0, p = slash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		/* Past 255 it is out of range, however long. */
		if (plen <= 255)
			plen = plen * 10 + (uint64_t)(*p - '0');
	}
	if (plen > a->len * 8U)
		return -ERANGE;
	a->plen = (uint8_t)plen;
	return 0;
}

/* A number as ip(8) reads one: decimal, 0x-hex or 0-octal. */
int nfi_parse_u64(const char *arg, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(arg, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno || n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * As ip-xfrm: "0x" and hex digits (an odd count gets a leading 0), or the
 * bytes of the string itself.
 */
int nfi_parse_key(const char *arg, struct nfi_key *k)
{
	size_t slen = strlen(arg), digits, i;
	const char *p;

	if (slen <= 2 || strncmp(arg, "0x", 2)) {
		if (slen > sizeof(k->data))
			return -ERANGE;
		memcpy(k->data, arg, slen);
		k->len = slen;
		return 0;
	}
	p = arg + 2;
	digits = slen - 2;
	k->len = (digits + 1) / 2;
	if (k->len > sizeof(k->data))
		return -ERANGE;
	for (i = 0; i < k->len; i++) {
		/* With an odd count, byte 0 has one digit. */
		long pos = (long)(2 * i) - (long)(digits % 2);
		int hi = pos < 0 ? 0 : hex_digit(p[pos]);
		int lo = hex_digit(p[pos + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		k->data[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void nfi_shift(struct nfi_args *a, int n)
{
	a->argc -= n;
	a->argv += n;
}

int nfi_need(const struct nfi_args *a, int n, const char *what)
{
	if (a->argc > n)
		return 0;
	return nfi_usage_error("%s: \"%s\" needs %s", a->cmd, nfi_kw(a), what);
}

int nfi_take_str(struct nfi_args *a, const char **val)
{
	if (nfi_need(a, 1, "a value"))
		return 1;
	*val = a->argv[1];
	nfi_shift(a, 2);
	return 0;
}

/* -4 and -6 take addresses of their family only, as ip does. */
static int check_family(const struct nfi_args *a, const struct nfi_addr *addr,
			const char *what)
{
	if (!nfi_family || addr->family == nfi_family)
		return 0;
	return nfi_usage_error("%s: \"%s\" is not an %s %s (%s)", nfi_kw(a),
			       a->argv[1],
			       nfi_family == AF_INET ? "IPv4" : "IPv6", what,
			       nfi_family == AF_INET ? "-4" : "-6");
}

int nfi_take_addr(struct nfi_args *a, struct nfi_addr *addr)
{
	if (nfi_need(a, 1, "an address"))
		return 1;
	if (nfi_parse_addr(a->argv[1], addr))
		return nfi_usage_error("%s: \"%s\" is not an IPv4 or IPv6 address",
				       nfi_kw(a), a->argv[1]);
	if (check_family(a, addr, "address"))
		return 1;
	nfi_shift(a, 2);
	return 0;
}

int nfi_take_prefix(struct nfi_args *a, struct nfi_addr *addr)
{
	int err;

	if (nfi_need(a, 1, "an address or prefix"))
		return 1;
	err = nfi_parse_prefix(a->argv[1], addr);
	if (err == -ERANGE)
		return nfi_usage_error("%s: the prefix length of \"%s\" is out of range (0-%u)",
				       nfi_kw(a), a->argv[1], addr->len * 8U);
	if (err)
		return nfi_usage_error("%s: \"%s\" is not an IPv4 or IPv6 address or prefix",
				       nfi_kw(a), a->argv[1]);
	if (check_family(a, addr, "prefix"))
		return 1;
	nfi_shift(a, 2);
	return 0;
}

static int take_number(struct nfi_args *a, unsigned int bits, uint64_t *v)
{
	uint64_t max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;

	if (nfi_need(a, 1, "a number"))
		return 1;
	if (nfi_parse_u64(a->argv[1], max, v))
		return nfi_usage_error("%s: \"%s\" is not a%s %u-bit number",
				       nfi_kw(a), a->argv[1],
				       bits == 8 ? "n" : "", bits);
	nfi_shift(a, 2);
	return 0;
}

int nfi_take_u8(struct nfi_args *a, uint8_t *v)
{
	uint64_t n;

	if (take_number(a, 8, &n))
		return 1;
	*v = (uint8_t)n;
	return 0;
}

int nfi_take_u16(struct nfi_args *a, uint16_t *v)
{
	uint64_t n;

	if (take_number(a, 16, &n))
		return 1;
	*v = (uint16_t)n;
	return 0;
}

int nfi_take_u32(struct nfi_args *a, uint32_t *v)
{
	uint64_t n;

	if (take_number(a, 32, &n))
		return 1;
	*v = (uint32_t)n;
	return 0;
}

int nfi_take_u64(struct nfi_args *a, uint64_t *v)
{
	return take_number(a, 64, v);
}

/* The owners uapi names (NFIPSEC_OWNER_*), by the words the CLI takes. */
static const struct {
	const char *name;
	uint32_t owner;
} owner_names[] = {
	{ "admin", NFIPSEC_OWNER_ADMIN },
	{ "charon", NFIPSEC_OWNER_CHARON },
};

int nfi_take_owner(struct nfi_args *a, uint32_t *owner)
{
	uint64_t n;
	size_t i;

	if (nfi_need(a, 1, "an owner (admin, charon or a 32-bit number)"))
		return 1;
	for (i = 0; i < sizeof(owner_names) / sizeof(owner_names[0]); i++) {
		if (!strcmp(a->argv[1], owner_names[i].name)) {
			*owner = owner_names[i].owner;
			nfi_shift(a, 2);
			return 0;
		}
	}
	if (nfi_parse_u64(a->argv[1], UINT32_MAX, &n))
		return nfi_usage_error("%s: \"%s\" is not admin, charon or a 32-bit number",
				       nfi_kw(a), a->argv[1]);
	*owner = (uint32_t)n;
	nfi_shift(a, 2);
	return 0;
}

const char *nfi_owner_str(uint32_t owner, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(owner_names) / sizeof(owner_names[0]); i++)
		if (owner_names[i].owner == owner)
			return owner_names[i].name;
	snprintf(buf, len, "0x%x", owner);
	return buf;
}

/* IPsec protocols of ip-xfrm that nfipsec does not carry. */
static const char *const other_xfrm_protos[] = {
	"comp", "route2", "hao",
};

int nfi_take_xfrm_proto(struct nfi_args *a, uint8_t *proto)
{
	const char *arg;
	uint64_t n;

	if (nfi_need(a, 1, "esp or ah"))
		return 1;
	arg = a->argv[1];
	if (nfi_eq(arg, "esp")) {
		*proto = IPPROTO_ESP;
	} else if (nfi_eq(arg, "ah")) {
		*proto = IPPROTO_AH;
	} else if (!nfi_parse_u64(arg, 255, &n)) {
		*proto = (uint8_t)n;
	} else if (nfi_name_index(other_xfrm_protos,
				  NFI_ARRAY_SIZE(other_xfrm_protos), arg) >= 0) {
		return nfi_usage_error("%s: proto %s is not supported yet",
				       a->cmd, arg);
	} else {
		return nfi_usage_error("%s: \"%s\" is not esp, ah or a protocol number",
				       nfi_kw(a), arg);
	}
	nfi_shift(a, 2);
	return 0;
}

int nfi_take_proto(struct nfi_args *a, uint8_t *proto)
{
	const char *arg;
	uint64_t n;
	int p;

	if (nfi_need(a, 1, "a protocol"))
		return 1;
	arg = a->argv[1];
	p = nfi_proto_by_name(arg);
	if (p >= 0) {
		*proto = (uint8_t)p;
	} else if (!nfi_parse_u64(arg, 255, &n)) {
		*proto = (uint8_t)n;
	} else {
		return nfi_usage_error("%s: \"%s\" is not a protocol name or number",
				       nfi_kw(a), arg);
	}
	nfi_shift(a, 2);
	return 0;
}

static int take_word(struct nfi_args *a, const char *const *names, size_t n,
		     const char *choices, uint8_t *v)
{
	int i;

	if (nfi_need(a, 1, choices))
		return 1;
	i = nfi_name_index(names, n, a->argv[1]);
	if (i < 0)
		return nfi_usage_error("%s: \"%s\" is not %s", nfi_kw(a),
				       a->argv[1], choices);
	*v = (uint8_t)i;
	nfi_shift(a, 2);
	return 0;
}

int nfi_take_dir(struct nfi_args *a, uint8_t *dir)
{
	return take_word(a, nfi_dir_names, NFI_ARRAY_SIZE(nfi_dir_names),
			 "in, out or fwd", dir);
}

/* ip-xfrm's modes that nfipsec does not carry. */
static const char *const other_modes[] = {
	"beet", "ro", "in_trigger",
};

int nfi_take_mode(struct nfi_args *a, uint8_t *mode)
{
	size_t i;

	if (nfi_need(a, 1, "transport or tunnel"))
		return 1;
	/* ip-xfrm takes abbreviations of the mode. */
	for (i = 0; i < NFI_ARRAY_SIZE(nfi_mode_names); i++) {
		if (nfi_matches(a->argv[1], nfi_mode_names[i])) {
			*mode = (uint8_t)i;
			nfi_shift(a, 2);
			return 0;
		}
	}
	for (i = 0; i < NFI_ARRAY_SIZE(other_modes); i++)
		if (nfi_matches(a->argv[1], other_modes[i]))
			return nfi_usage_error("%s: mode %s is not supported yet",
					       a->cmd, other_modes[i]);
	return nfi_usage_error("%s: \"%s\" is not transport or tunnel",
			       nfi_kw(a), a->argv[1]);
}

int nfi_take_level(struct nfi_args *a, uint8_t *level)
{
	return take_word(a, nfi_level_names, NFI_ARRAY_SIZE(nfi_level_names),
			 "required or use", level);
}

int nfi_take_action(struct nfi_args *a, uint8_t *action)
{
	return take_word(a, nfi_action_names,
			 NFI_ARRAY_SIZE(nfi_action_names), "allow or block",
			 action);
}

int nfi_unsupported(const struct nfi_args *a)
{
	return nfi_usage_error("%s: %s is not supported yet", a->cmd,
			       nfi_kw(a));
}

int nfi_unexpected(const struct nfi_args *a)
{
	return nfi_usage_error("%s: unexpected \"%s\"", a->cmd, nfi_kw(a));
}

int nfi_duplicate(const struct nfi_args *a)
{
	return nfi_usage_error("%s: \"%s\" is given twice", a->cmd,
			       nfi_kw(a));
}

int nfi_same_family(const char *cmd, const struct nfi_addr *x,
		    const struct nfi_addr *y)
{
	if (x->family && y->family && x->family != y->family)
		return nfi_usage_error("%s: src and dst must be of the same address family",
				       cmd);
	return 0;
}
