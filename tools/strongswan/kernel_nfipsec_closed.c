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


/*
 * kernel-ipsec when kernel-nfipsec cannot start: see the header. Requests
 * that would key something (SPIs, SAs, policies) are refused at level 0,
 * which every charon logger shows; the rest at level 1.
 */

#include "kernel_nfipsec_closed.h"

#include <daemon.h>

typedef struct private_kernel_nfipsec_closed_t private_kernel_nfipsec_closed_t;

struct private_kernel_nfipsec_closed_t {

	/**
	 * Public part
	 */
	kernel_nfipsec_ipsec_t public;

	/**
	 * Why the plugin could not start
	 */
	char reason[320];
};

/** The refusal, with what was asked and why */
#define REFUSE(level, this, what) \
	DBG##level(DBG_KNL, "kernel-nfipsec: refusing to %s: the plugin could not " \
			   "start (%s); IPsec is closed, Linux XFRM is not used", what, \
			   this->reason)

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kernel_nfipsec_closed_t *this)
{
	return 0;
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_kernel_nfipsec_closed_t *this, host_t *src, host_t *dst,
	uint8_t protocol, uint32_t *spi)
{
	REFUSE(0, this, "allocate an SPI");
	return FAILED;
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_kernel_nfipsec_closed_t *this, host_t *src, host_t *dst,
	uint16_t *cpi)
{
	REFUSE(0, this, "allocate a CPI");
	return FAILED;
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	REFUSE(0, this, "add an SA");
	return FAILED;
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	REFUSE(0, this, "update an SA");
	return FAILED;
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time)
{
	REFUSE(1, this, "query an SA");
	return FAILED;
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	REFUSE(1, this, "delete an SA");
	return FAILED;
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_kernel_nfipsec_closed_t *this)
{
	REFUSE(1, this, "flush SAs");
	return FAILED;
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	REFUSE(0, this, "add a policy");
	return FAILED;
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	REFUSE(1, this, "query a policy");
	return FAILED;
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_kernel_nfipsec_closed_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	REFUSE(1, this, "delete a policy");
	return FAILED;
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_kernel_nfipsec_closed_t *this)
{
	REFUSE(1, this, "flush policies");
	return FAILED;
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_kernel_nfipsec_closed_t *this, int fd, int family)
{
	REFUSE(1, this, "exempt an IKE socket");
	return FALSE;
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_kernel_nfipsec_closed_t *this, int fd, int family, uint16_t port)
{
	REFUSE(1, this, "enable ESP in UDP on an IKE socket");
	return FALSE;
}

METHOD(kernel_ipsec_t, destroy, void,
	private_kernel_nfipsec_closed_t *this)
{
	free(this);
}

/*
 * Described in header.
 */
kernel_nfipsec_ipsec_t *kernel_nfipsec_closed_create(const char *reason)
{
	private_kernel_nfipsec_closed_t *this;

	if (lib->settings->get_bool(lib->settings,
						"%s.plugins.kernel-nfipsec.allow_xfrm_fallback", FALSE,
						lib->ns))
	{
		DBG0(DBG_KNL, "kernel-nfipsec cannot key nfipsec: %s; "
			 "allow_xfrm_fallback = yes: kernel-netlink (Linux XFRM) takes "
			 "IPsec instead, nfipsec's policies do not apply", reason);
		return NULL;
	}
	DBG0(DBG_KNL, "kernel-nfipsec cannot key nfipsec: %s; failing closed: "
		 "every SA and policy request will be refused, no CHILD_SA can be "
		 "installed, and Linux XFRM is not used (fix the cause and restart "
		 "charon; charon.plugins.kernel-nfipsec.allow_xfrm_fallback = yes "
		 "lets kernel-netlink key XFRM instead)", reason);

	INIT(this,
		.public = {
			.interface = {
				.get_features = _get_features,
				.get_spi = _get_spi,
				.get_cpi = _get_cpi,
				.add_sa  = _add_sa,
				.update_sa = _update_sa,
				.query_sa = _query_sa,
				.del_sa = _del_sa,
				.flush_sas = _flush_sas,
				.add_policy = _add_policy,
				.query_policy = _query_policy,
				.del_policy = _del_policy,
				.flush_policies = _flush_policies,
				.bypass_socket = _bypass_socket,
				.enable_udp_decap = _enable_udp_decap,
				.destroy = _destroy,
			},
		},
	);
	snprintf(this->reason, sizeof(this->reason), "%s", reason);
	return &this->public;
}
