/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included (-include) in every object of the module: the one place
 * where differences between supported kernels (6.1 .. mainline) are bridged.
 * Prefer feature probes over version checks.
 */
#ifndef _NFIPSEC_COMPAT_H
#define _NFIPSEC_COMPAT_H

/* Every message of ours starts with the module's name. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>
#include <net/genetlink.h>

/*
 * Multicast groups that need CAP_NET_ADMIN came with 6.6 and reached only
 * some stable series; without the flag the events group is open to every
 * listener in the namespace, as other families' groups were before.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN 0
#endif

/*
 * Formatted extack messages came with 6.3 (at most 80 bytes). Before that,
 * NFIPSEC_ERR_FMT sets the constant message given as its second argument.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define NFIPSEC_ERR_FMT(extack, msg, fmt, ...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__)
#else
#define NFIPSEC_ERR_FMT(extack, msg, fmt, ...) NL_SET_ERR_MSG(extack, msg)
#endif

#endif /* _NFIPSEC_COMPAT_H */
