/*
 * Copyright (C) 2026 The nfipsec authors
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the
 * Free Software Foundation; either version 2 of the License, or (at your
 * option) any later version.  See <http://www.fsf.org/copyleft/gpl.txt>.
 *
 * This program is distributed in the hope that it will be useful, but
 * WITHOUT ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
 * or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU General Public License
 * for more details.
 */

/**
 * @defgroup kernel_nfipsec_routes_i kernel_nfipsec_routes
 * @{ @ingroup kernel_nfipsec
 */

#ifndef KERNEL_NFIPSEC_ROUTES_H_
#define KERNEL_NFIPSEC_ROUTES_H_

#include <kernel/kernel_ipsec.h>

/**
 * The route an outbound policy of charon's needs, as kernel-netlink's IPsec
 * part installs one (charon.install_routes, default yes): to the remote
 * traffic selector, via the next hop towards the peer, with a source address
 * inside the local traffic selector (a virtual IP on a road-warrior client),
 * in kernel-netlink's routing table (220). Without it, a client's own traffic
 * leaves from its physical address, which no policy of its CHILD_SA matches.
 *
 * The plugin replaces kernel-netlink's IPsec part, which installs these, so it
 * installs them itself, through charon->kernel (kernel-netlink's net part,
 * which keeps addresses and routes). Installed for the policy's installed
 * user only: tunnel mode and bypass (pass) policies, selectors without
 * protocol or ports, as kernel-netlink.
 */
typedef struct kernel_nfipsec_route_t kernel_nfipsec_route_t;

/**
 * Whether routes are installed: charon.install_routes (kernel-netlink's own
 * option, default yes), so that a setup that turned them off keeps them off.
 */
bool kernel_nfipsec_routes_enabled(void);

/**
 * Make the route of an outbound policy the one its installed user needs.
 *
 * @param old		the route installed for the policy so far, or NULL;
 *					consumed: kept (returned) when it is the one needed, else
 *					deleted
 * @param src_ts	the policy's local selector
 * @param dst_ts	the policy's remote selector
 * @param type		the installed user's type
 * @param mode		its SA's mode (for POLICY_IPSEC)
 * @param src		its SA's local address (%any for a shunt)
 * @param dst		its SA's remote address (%any for a shunt)
 * @return			the route installed now for the policy, or NULL
 */
kernel_nfipsec_route_t *kernel_nfipsec_route_update(
						kernel_nfipsec_route_t *old,
						traffic_selector_t *src_ts, traffic_selector_t *dst_ts,
						policy_type_t type, ipsec_mode_t mode,
						host_t *src, host_t *dst);

/**
 * Delete an installed route and free it.
 *
 * @param route		route to delete, or NULL
 */
void kernel_nfipsec_route_remove(kernel_nfipsec_route_t *route);

/**
 * Free a route without deleting it (kernel-netlink's net part deletes the
 * routes it installed when it goes, at charon's stop).
 *
 * @param route		route to free, or NULL
 */
void kernel_nfipsec_route_forget(kernel_nfipsec_route_t *route);

#endif /** KERNEL_NFIPSEC_ROUTES_H_ @}*/
