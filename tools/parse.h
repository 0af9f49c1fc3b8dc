/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_PARSE_H
#define NFIPSEC_TOOLS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address, or prefix. */
struct nfi_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* 4 or 16 bytes */
	uint8_t plen;		/* prefix length; the full length by default */
	uint8_t bytes[16];	/* network byte order */
};

/* Key material, as ip-xfrm takes it: 0x-hex or a literal string. */
#define NFI_KEY_MAX 512
struct nfi_key {
	size_t len;
	uint8_t data[NFI_KEY_MAX];
};

/* Plain parsers: 0, -EINVAL, or -ERANGE (a prefix length, a number). */
int nfi_parse_addr(const char *arg, struct nfi_addr *a);
int nfi_parse_prefix(const char *arg, struct nfi_addr *a);
int nfi_parse_u64(const char *arg, uint64_t max, uint64_t *v);
int nfi_parse_key(const char *arg, struct nfi_key *k);

/*
 * The command line, consumed keyword by keyword. The nfi_take_* helpers
 * read the value that follows the keyword at argv[0] and step over both;
 * on bad or missing input they print a usage error that names the command
 * and the keyword, and return 1 (the exit status). They return 0 otherwise.
 */
struct nfi_args {
	const char *cmd;	/* "state add", for messages */
	int argc;
	char **argv;
};

static inline const char *nfi_kw(const struct nfi_args *a)
{
	return a->argv[0];
}

void nfi_shift(struct nfi_args *a, int n);
/* Check that argv[0] has n values after it. */
int nfi_need(const struct nfi_args *a, int n, const char *what);
int nfi_take_str(struct nfi_args *a, const char **val);
int nfi_take_addr(struct nfi_args *a, struct nfi_addr *addr);
int nfi_take_prefix(struct nfi_args *a, struct nfi_addr *addr);
int nfi_take_u8(struct nfi_args *a, uint8_t *v);
int nfi_take_u16(struct nfi_args *a, uint16_t *v);
int nfi_take_u32(struct nfi_args *a, uint32_t *v);
int nfi_take_u64(struct nfi_args *a, uint64_t *v);
/* esp, ah or a protocol number (the kernel judges the number). */
int nfi_take_xfrm_proto(struct nfi_args *a, uint8_t *proto);
/* An upper-layer protocol: any, a name, or a number. */
int nfi_take_proto(struct nfi_args *a, uint8_t *proto);
int nfi_take_dir(struct nfi_args *a, uint8_t *dir);
int nfi_take_mode(struct nfi_args *a, uint8_t *mode);
int nfi_take_level(struct nfi_args *a, uint8_t *level);
int nfi_take_action(struct nfi_args *a, uint8_t *action);
/* owner OWNER (uapi "Owners"): admin, charon, or a 32-bit number. */
int nfi_take_owner(struct nfi_args *a, uint32_t *owner);
/* An owner as the CLI shows it: admin, charon, or 0x%x. */
const char *nfi_owner_str(uint32_t owner, char *buf, size_t len);

/* Usage errors about argv[0]. */
int nfi_unsupported(const struct nfi_args *a);
int nfi_unexpected(const struct nfi_args *a);
int nfi_duplicate(const struct nfi_args *a);
/* A usage error when the two addresses are of different families. */
int nfi_same_family(const char *cmd, const struct nfi_addr *x,
		    const struct nfi_addr *y);

#endif
