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
 * @defgroup kernel_nfipsec_closed_i kernel_nfipsec_closed
 * @{ @ingroup kernel_nfipsec
 */

#ifndef KERNEL_NFIPSEC_CLOSED_H_
#define KERNEL_NFIPSEC_CLOSED_H_

#include "kernel_nfipsec_ipsec.h"

/**
 * What kernel-nfipsec provides as kernel-ipsec when it cannot key nfipsec:
 * an implementation refusing every request, loudly. It takes charon's IPsec
 * slot, so that kernel-netlink's kernel-ipsec, loaded anyway for kernel-net,
 * cannot take it and key Linux XFRM behind the operator's back: fail closed.
 *
 * charon.plugins.kernel-nfipsec.allow_xfrm_fallback = yes (default no)
 * restores the fallback: NULL is returned, and kernel-netlink takes IPsec.
 *
 * @param reason	why the plugin cannot key nfipsec, repeated in each refusal
 * @return			the refusing instance, or NULL (fallback allowed)
 */
kernel_nfipsec_ipsec_t *kernel_nfipsec_closed_create(const char *reason);

#endif /** KERNEL_NFIPSEC_CLOSED_H_ @}*/
