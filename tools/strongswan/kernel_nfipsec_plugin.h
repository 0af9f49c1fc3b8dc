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
 * @defgroup kernel_nfipsec kernel_nfipsec
 * @ingroup cplugins
 *
 * @defgroup kernel_nfipsec_plugin kernel_nfipsec_plugin
 * @{ @ingroup kernel_nfipsec
 */

#ifndef KERNEL_NFIPSEC_PLUGIN_H_
#define KERNEL_NFIPSEC_PLUGIN_H_

#include <library.h>
#include <plugins/plugin.h>

typedef struct kernel_nfipsec_plugin_t kernel_nfipsec_plugin_t;

/**
 * nfipsec kernel interface plugin: charon's IPsec backend on the nfipsec
 * kernel module's generic netlink family (SAs, ordered policies, events).
 * kernel-netlink keeps routes and addresses.
 */
struct kernel_nfipsec_plugin_t {

	/**
	 * implements plugin interface
	 */
	plugin_t plugin;
};

#endif /** KERNEL_NFIPSEC_PLUGIN_H_ @}*/
