/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nfipsec: IPsec (ESP, AH) on netfilter hooks, managed over generic netlink.
 *
 * Generic netlink family NFIPSEC_GENL_NAME, version NFIPSEC_GENL_VERSION.
 * The family is network-namespace aware: every command acts on the network
 * namespace of the socket that sends it, and every command, reads included,
 * requires CAP_NET_ADMIN in the user namespace that owns that network
 * namespace. Attributes are validated strictly: an unknown attribute, a wrong
 * type or length, or a value out of range fails the whole command with
 * -EINVAL and an extended-ack message (NLMSGERR_ATTR_MSG) saying which
 * attribute is wrong and why. A failed command changes nothing.
 *
 * Commands
 * --------
 *
 * NFIPSEC_CMD_GET_INFO (do)
 *   Request: no attributes.
 *   Reply: NFIPSEC_A_INFO, a nest of NFIPSEC_INFO_A_*:
 *     NFIPSEC_INFO_A_VERSION       string, the module's version
 *     NFIPSEC_INFO_A_ABI           u32, NFIPSEC_GENL_VERSION of the module
 *     NFIPSEC_INFO_A_SA_COUNT      u32, SAs in this namespace
 *     NFIPSEC_INFO_A_POLICY_COUNT  u32, policies in this namespace
 *
 * NFIPSEC_CMD_SA_GET (dump)
 *   Request: optionally NFIPSEC_A_SA, a nest of NFIPSEC_SA_A_* used as a
 *   filter: only SAs whose attributes equal every given one are dumped.
 *   Accepted filter attributes: NFIPSEC_SA_A_PROTO (IPPROTO_ESP or
 *   IPPROTO_AH), NFIPSEC_SA_A_SPI.
 *   Reply: one message per SA, each carrying NFIPSEC_A_SA, a nest of
 *   NFIPSEC_SA_A_*. Until SAs can be added the dump is empty.
 *
 * NFIPSEC_CMD_POLICY_GET (dump)
 *   Request: optionally NFIPSEC_A_POLICY, a nest of NFIPSEC_POLICY_A_* used
 *   as a filter. Accepted filter attributes: NFIPSEC_POLICY_A_DIR (enum
 *   nfipsec_dir).
 *   Reply: one message per policy in evaluation order, each carrying
 *   NFIPSEC_A_POLICY, a nest of NFIPSEC_POLICY_A_*. Until policies can be
 *   added the dump is empty.
 *
 * NFIPSEC_CMD_GET_STATS (do)
 *   Request: no attributes.
 *   Reply: NFIPSEC_A_STATS, a nest holding one u64 attribute per counter of
 *   the namespace, its type an enum nfipsec_stat value. Counters only grow
 *   while the module is loaded. Readers must skip counter types they do not
 *   know; NFIPSEC_STAT_PAD only aligns the u64 values.
 */
#ifndef _UAPI_NFIPSEC_H
#define _UAPI_NFIPSEC_H

#define NFIPSEC_GENL_NAME	"nfipsec"
#define NFIPSEC_GENL_VERSION	1

enum nfipsec_cmd {
	NFIPSEC_CMD_UNSPEC,
	NFIPSEC_CMD_GET_INFO,
	NFIPSEC_CMD_SA_GET,
	NFIPSEC_CMD_POLICY_GET,
	NFIPSEC_CMD_GET_STATS,

	__NFIPSEC_CMD_MAX,
	NFIPSEC_CMD_MAX = __NFIPSEC_CMD_MAX - 1
};

/* Top-level attributes of every command. */
enum nfipsec_attr {
	NFIPSEC_A_UNSPEC,
	NFIPSEC_A_INFO,		/* nest, NFIPSEC_INFO_A_* */
	NFIPSEC_A_SA,		/* nest, NFIPSEC_SA_A_* */
	NFIPSEC_A_POLICY,	/* nest, NFIPSEC_POLICY_A_* */
	NFIPSEC_A_STATS,	/* nest, enum nfipsec_stat */

	__NFIPSEC_A_MAX,
	NFIPSEC_A_MAX = __NFIPSEC_A_MAX - 1
};

enum nfipsec_info_attr {
	NFIPSEC_INFO_A_UNSPEC,
	NFIPSEC_INFO_A_VERSION,		/* string */
	NFIPSEC_INFO_A_ABI,		/* u32 */
	NFIPSEC_INFO_A_SA_COUNT,	/* u32 */
	NFIPSEC_INFO_A_POLICY_COUNT,	/* u32 */

	__NFIPSEC_INFO_A_MAX,
	NFIPSEC_INFO_A_MAX = __NFIPSEC_INFO_A_MAX - 1
};

enum nfipsec_sa_attr {
	NFIPSEC_SA_A_UNSPEC,
	NFIPSEC_SA_A_PROTO,		/* u8, IPPROTO_ESP or IPPROTO_AH */
	NFIPSEC_SA_A_SPI,		/* u32, network byte order */

	__NFIPSEC_SA_A_MAX,
	NFIPSEC_SA_A_MAX = __NFIPSEC_SA_A_MAX - 1
};

enum nfipsec_dir {
	NFIPSEC_DIR_IN,
	NFIPSEC_DIR_OUT,
	NFIPSEC_DIR_FWD,

	__NFIPSEC_DIR_MAX,
	NFIPSEC_DIR_MAX = __NFIPSEC_DIR_MAX - 1
};

enum nfipsec_policy_attr {
	NFIPSEC_POLICY_A_UNSPEC,
	NFIPSEC_POLICY_A_DIR,		/* u8, enum nfipsec_dir */

	__NFIPSEC_POLICY_A_MAX,
	NFIPSEC_POLICY_A_MAX = __NFIPSEC_POLICY_A_MAX - 1
};

/*
 * Counters of a namespace. The hook counters count every packet each
 * netfilter hook of the module saw, whatever it did with it.
 */
enum nfipsec_stat {
	NFIPSEC_STAT_PAD,
	NFIPSEC_STAT_HOOK_IPV4_PRE_ROUTING,
	NFIPSEC_STAT_HOOK_IPV4_LOCAL_IN,
	NFIPSEC_STAT_HOOK_IPV4_POST_ROUTING,
	NFIPSEC_STAT_HOOK_IPV6_PRE_ROUTING,
	NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN,
	NFIPSEC_STAT_HOOK_IPV6_POST_ROUTING,

	__NFIPSEC_STAT_MAX,
	NFIPSEC_STAT_MAX = __NFIPSEC_STAT_MAX - 1
};

/* Multicast group for events (ACQUIRE, EXPIRE) to a key manager. */
#define NFIPSEC_MCGRP_EVENTS	"events"

#endif /* _UAPI_NFIPSEC_H */
