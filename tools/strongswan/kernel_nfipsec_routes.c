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

#include "kernel_nfipsec_routes.h"

#include <daemon.h>

struct kernel_nfipsec_route_t {
	/** the remote selector's subnet */
	host_t *net;
	uint8_t prefixlen;
	/** next hop, NULL for none (on link) */
	host_t *gateway;
	host_t *src_ip;
	char *if_name;
	/** a bypass (pass) policy's: the route of the main table is copied */
	bool pass;
};

static void route_destroy(kernel_nfipsec_route_t *route)
{
	DESTROY_IF(route->net);
	DESTROY_IF(route->gateway);
	DESTROY_IF(route->src_ip);
	free(route->if_name);
	free(route);
}

static bool route_equals(kernel_nfipsec_route_t *a, kernel_nfipsec_route_t *b)
{
	return a->prefixlen == b->prefixlen && a->pass == b->pass &&
		   a->net->ip_equals(a->net, b->net) &&
		   streq(a->if_name, b->if_name) &&
		   a->src_ip->ip_equals(a->src_ip, b->src_ip) &&
		   (a->gateway ? b->gateway && a->gateway->ip_equals(a->gateway,
															  b->gateway)
					   : !b->gateway);
}

/** Whether a selector covers all protocols and ports */
static bool ts_plain(traffic_selector_t *ts)
{
	return !ts->get_protocol(ts) && ts->get_from_port(ts) == 0 &&
		   ts->get_to_port(ts) == 0xffff;
}

bool kernel_nfipsec_routes_enabled(void)
{
	return lib->settings->get_bool(lib->settings, "%s.install_routes", TRUE,
								   lib->ns);
}

/**
 * The route the user needs, NULL for none: kernel-netlink's install_route()
 * (kernel_netlink_ipsec.c), step by step
 */
static kernel_nfipsec_route_t *route_needed(traffic_selector_t *src_ts,
						traffic_selector_t *dst_ts, policy_type_t type,
						ipsec_mode_t mode, host_t *src, host_t *dst)
{
	kernel_nfipsec_route_t *route;
	host_t *net, *iface;
	uint8_t prefixlen;

	if (!ts_plain(src_ts) || !ts_plain(dst_ts) || !src || !dst ||
		!(type == POLICY_PASS ||
		  (type == POLICY_IPSEC && mode != MODE_TRANSPORT)))
	{
		return NULL;
	}
	INIT(route,
		.pass = type == POLICY_PASS,
	);
	if (charon->kernel->get_address_by_ts(charon->kernel, src_ts,
										  &route->src_ip, NULL) != SUCCESS)
	{
		if (!route->pass)
		{
			free(route);
			return NULL;
		}
		/* a blank source for bypass policies */
		route->src_ip = host_create_any(
					dst_ts->get_type(dst_ts) == TS_IPV4_ADDR_RANGE ? AF_INET
																   : AF_INET6);
	}
	dst_ts->to_subnet(dst_ts, &net, &prefixlen);
	route->net = net;
	route->prefixlen = prefixlen;
	if (!dst->is_anyaddr(dst))
	{
		route->gateway = charon->kernel->get_nexthop(charon->kernel, dst, -1,
													 src, &route->if_name);
	}
	else
	{	/* a shunt's */
		route->gateway = charon->kernel->get_nexthop(charon->kernel, net,
											prefixlen, route->src_ip,
											&route->if_name);
	}
	/*
	 * the interface of the SA's local address, or of the source for a
	 * shunt; bypass policies need none
	 */
	if (!route->if_name)
	{
		iface = src->is_anyaddr(src) ? route->src_ip : src;
		if (!charon->kernel->get_interface(charon->kernel, iface,
										   &route->if_name) && !route->pass)
		{
			route_destroy(route);
			return NULL;
		}
	}
	return route;
}

void kernel_nfipsec_route_remove(kernel_nfipsec_route_t *route)
{
	if (!route)
	{
		return;
	}
	if (charon->kernel->del_route(charon->kernel,
								  route->net->get_address(route->net),
								  route->prefixlen, route->gateway,
								  route->src_ip, route->if_name,
								  route->pass) != SUCCESS)
	{
		DBG1(DBG_KNL, "unable to remove the route to %H/%u src %H of an "
			 "nfipsec policy", route->net, route->prefixlen, route->src_ip);
	}
	route_destroy(route);
}

void kernel_nfipsec_route_forget(kernel_nfipsec_route_t *route)
{
	if (route)
	{
		route_destroy(route);
	}
}

kernel_nfipsec_route_t *kernel_nfipsec_route_update(
						kernel_nfipsec_route_t *old,
						traffic_selector_t *src_ts, traffic_selector_t *dst_ts,
						policy_type_t type, ipsec_mode_t mode,
						host_t *src, host_t *dst)
{
	kernel_nfipsec_route_t *route = NULL;

	if (kernel_nfipsec_routes_enabled())
	{
		route = route_needed(src_ts, dst_ts, type, mode, src, dst);
	}
	if (old && route && route_equals(old, route))
	{
		route_destroy(route);
		return old;
	}
	kernel_nfipsec_route_remove(old);
	if (!route)
	{
		return NULL;
	}
	DBG2(DBG_KNL, "installing route: %R via %H src %H dev %s", dst_ts,
		 route->gateway, route->src_ip, route->if_name);
	switch (charon->kernel->add_route(charon->kernel,
									  route->net->get_address(route->net),
									  route->prefixlen, route->gateway,
									  route->src_ip, route->if_name,
									  route->pass))
	{
		case SUCCESS:
			return route;
		case ALREADY_DONE:
			/* somebody else's: not ours to remove */
			break;
		default:
			DBG1(DBG_KNL, "unable to install the source route for %H of an "
				 "nfipsec policy %R === %R", route->src_ip, src_ts, dst_ts);
			break;
	}
	route_destroy(route);
	return NULL;
}
