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
 * Formatted extack messages (at most 80 bytes) came with 6.3. Before that,
 * nfipsec_extack_fmt() sets the constant message given as fallback.
 */
static inline __printf(3, 4)
void nfipsec_extack_fmt(struct netlink_ext_ack *extack, const char *fallback,
			const char *fmt, ...)
{
#ifdef NETLINK_MAX_FMTMSG_LEN
	va_list ap;

	if (!extack)
		return;
	va_start(ap, fmt);
	vsnprintf(extack->_msg_buf, NETLINK_MAX_FMTMSG_LEN, fmt, ap);
	va_end(ap);
	extack->_msg = extack->_msg_buf;
#else
	if (extack)
		extack->_msg = fallback;
#endif
}

/*
 * Crypto completion callbacks took the request until 6.3, which made them
 * take crypto_completion_data_t, until 6.4 made them take the data pointer
 * itself. Kbuild defines NFIPSEC_HAVE_COMPLETION_DATA_T when the kernel has
 * that type (a probe of include/linux/crypto.h).
 */
#include <linux/crypto.h>
#ifdef NFIPSEC_HAVE_COMPLETION_DATA_T
#define NFIPSEC_CRYPTO_DONE_ARG crypto_completion_data_t *
#define nfipsec_crypto_done_data(d) crypto_get_completion_data(d)
#else
#define NFIPSEC_CRYPTO_DONE_ARG void *
#define nfipsec_crypto_done_data(d) (d)
#endif

/* get_unaligned() and friends moved to <linux/unaligned.h> in 6.12. */
#ifdef NFIPSEC_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* A dump's parsed attributes moved into a struct genl_info in 6.2. */
#ifdef NFIPSEC_HAVE_GENL_INFO_DUMP
#define nfipsec_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define nfipsec_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/* skb_gso_segment() moved to <net/gso.h> in 6.5. */
#ifdef NFIPSEC_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/*
 * A device that cannot change namespace: a feature bit until 6.12, then a
 * field, named netns_local and later netns_immutable (Kbuild probes).
 */
#include <linux/netdevice.h>
static inline void nfipsec_netdev_set_netns_local(struct net_device *dev)
{
#if defined(NFIPSEC_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(NFIPSEC_HAVE_NETNS_LOCAL_FIELD)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/*
 * The UDP socket lookups (RCU, no reference taken) took the table to search
 * until after 6.12, when each namespace's own became implicit; before 6.2
 * one table served every namespace (Kbuild probes).
 */
#include <net/udp.h>
static inline struct udp_table *nfipsec_udp_table(struct net *net)
{
#ifdef NFIPSEC_HAVE_NETNS_UDP_TABLE
	return net->ipv4.udp_table;
#else
	return &udp_table;
#endif
}

static inline struct sock *nfipsec_udp4_lookup(struct net *net, __be32 saddr,
					       __be16 sport, __be32 daddr,
					       __be16 dport, int dif, int sdif)
{
#ifdef NFIPSEC_HAVE_UDP4_LOOKUP_TABLE
	return __udp4_lib_lookup(net, saddr, sport, daddr, dport, dif, sdif,
				 nfipsec_udp_table(net), NULL);
#else
	return __udp4_lib_lookup(net, saddr, sport, daddr, dport, dif, sdif,
				 NULL);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
static inline struct sock *nfipsec_udp6_lookup(struct net *net,
					       const struct in6_addr *saddr,
					       __be16 sport,
					       const struct in6_addr *daddr,
					       __be16 dport, int dif, int sdif)
{
#ifdef NFIPSEC_HAVE_UDP6_LOOKUP_TABLE
	return __udp6_lib_lookup(net, saddr, sport, daddr, dport, dif, sdif,
				 nfipsec_udp_table(net), NULL);
#else
	return __udp6_lib_lookup(net, saddr, sport, daddr, dport, dif, sdif,
				 NULL);
#endif
}
#endif

#endif /* _NFIPSEC_COMPAT_H */
