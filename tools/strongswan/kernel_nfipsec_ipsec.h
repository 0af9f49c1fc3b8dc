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
 * @defgroup kernel_nfipsec_ipsec_i kernel_nfipsec_ipsec
 * @{ @ingroup kernel_nfipsec
 */

#ifndef KERNEL_NFIPSEC_IPSEC_H_
#define KERNEL_NFIPSEC_IPSEC_H_

#include <kernel/kernel_ipsec.h>

typedef struct kernel_nfipsec_ipsec_t kernel_nfipsec_ipsec_t;

/**
 * Implementation of the kernel IPsec interface on nfipsec's generic
 * netlink family.
 */
struct kernel_nfipsec_ipsec_t {

	/**
	 * Implements kernel_ipsec_t interface
	 */
	kernel_ipsec_t interface;
};

/**
 * Create an nfipsec kernel IPsec interface instance.
 *
 * @return			kernel_nfipsec_ipsec_t instance; when the nfipsec family
 *					is missing, of another ABI or without its events group,
 *					kernel_nfipsec_closed_create()'s (refusing everything),
 *					or NULL where allow_xfrm_fallback says so
 */
kernel_nfipsec_ipsec_t *kernel_nfipsec_ipsec_create();

#endif /** KERNEL_NFIPSEC_IPSEC_H_ @}*/
