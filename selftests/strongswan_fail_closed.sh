#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: exclusive cost=40 timeout=600
# strongswan.sh's no-module scenario, alone (it unloads nfipsec, which the
# other selftests use): with the module absent, as when charon starts
# before modprobe nfipsec, a charon configured for nfipsec must fail closed
# (the plugin's refusing kernel-ipsec holds charon's IPsec slot: no SPI, no
# CHILD_SA, nothing in XFRM) instead of falling back to kernel-netlink's
# XFRM; the module is loaded again at the end.
TEST=${TEST:-strongswan_fail_closed}
export TEST NFIPSEC_SS_SCENARIOS=no-module
exec bash "$(dirname "$0")/strongswan.sh"
