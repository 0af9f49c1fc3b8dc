/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPSEC_TOOLS_NAMES_H
#define NFIPSEC_TOOLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * The words of the grammar for enumerated values, shared by the parsers and
 * the printers: index i of each table is the value i of the uapi enum.
 */
extern const char *const nfi_dir_names[3];	/* enum nfipsec_dir */
extern const char *const nfi_mode_names[2];	/* enum nfipsec_mode */
extern const char *const nfi_level_names[2];	/* enum nfipsec_level */
extern const char *const nfi_action_names[2];	/* enum nfipsec_action */

#define NFI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The index of word in names, or -1. */
int nfi_name_index(const char *const *names, size_t n, const char *word);
/* names[v], or v as a number in buf. */
const char *nfi_name_of(const char *const *names, size_t n, unsigned int v,
			char *buf, size_t len);

/* An IPsec protocol: "esp", "ah", or the number. */
const char *nfi_xfrm_proto_name(uint8_t proto, char *buf, size_t len);
/* An upper-layer protocol, named as /etc/protocols names it. */
const char *nfi_proto_name(uint8_t proto, char *buf, size_t len);
/* An upper-layer protocol by name ("any" is 0): its number, or -1. */
int nfi_proto_by_name(const char *name);

#endif
