/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_PRINT_H
#define NFIPSEC_TOOLS_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <arpa/inet.h>

#include <netlink/attr.h>

#include "nfipsec.h"

/*
 * Reading the nests of the kernel's replies: each parser validates the
 * types, and that addresses are 4 or 16 bytes; 0 or -EPROTO.
 */
int nfi_parse_policy(struct nlattr *nest,
		     struct nlattr *tb[NFIPSEC_POLICY_A_MAX + 1]);
int nfi_parse_sel(struct nlattr *nest, struct nlattr *tb[NFIPSEC_SEL_A_MAX + 1]);
int nfi_parse_tmpl(struct nlattr *nest,
		   struct nlattr *tb[NFIPSEC_TMPL_A_MAX + 1]);
/* 0 when each of tb[types...] present is 4 or 16 bytes, else -EPROTO. */
int nfi_check_addrs(struct nlattr **tb, const int *types, int n);

static inline uint8_t nfi_u8(const struct nlattr *a, uint8_t def)
{
	return a ? nla_get_u8((struct nlattr *)a) : def;
}

static inline uint32_t nfi_u32(const struct nlattr *a, uint32_t def)
{
	return a ? nla_get_u32((struct nlattr *)a) : def;
}

static inline uint64_t nfi_u64(const struct nlattr *a, uint64_t def)
{
	return a ? nla_get_u64((struct nlattr *)a) : def;
}

/* An address attribute as text; buf holds INET6_ADDRSTRLEN. */
const char *nfi_addr_str(const struct nlattr *a, char *buf, size_t len);
/* "key ADDR" when the address attribute a is there. */
void nfi_print_addr(const char *key, const struct nlattr *a);
/* An SPI attribute as ip-xfrm prints it: 0x%08x. */
const char *nfi_spi_str(const struct nlattr *a, char *buf, size_t len);

/*
 * A selector (parsed with nfi_parse_sel): "src A dst B [proto P [sport N]
 * [dport N]]", with "/LEN" after the addresses when prefixes is set.
 */
void nfi_print_sel(struct nlattr **sel, bool prefixes);

/*
 * The text of list and get, in ip xfrm's layout (ipxfrm.c), written with
 * printf: nfi_sl() ends a line as ip's _SL_ does ("\\" with -o).
 */
const char *nfi_sl(void);
/* ip's strxf_time: local time, "-" for 0. */
const char *nfi_time_str(uint64_t t, char *buf, size_t len);
/*
 * ip's xfrm_selector_print: prefix, "src A/P dst B/Q ", proto and ports
 * each followed by a space, "uid 0" with -s, the line's end. family is
 * used when the selector's addresses do not say it (absent: /0 of it).
 */
void nfi_text_sel(struct nlattr **sel, int family, const char *prefix);
/* The family of a selector's addresses; AF_UNSPEC when it has none. */
int nfi_sel_family(struct nlattr **sel);

#endif
