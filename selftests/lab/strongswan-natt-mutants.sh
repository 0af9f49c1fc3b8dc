#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Show that selftests/strongswan_natt.sh fails when what it checks is
# broken, as tools/strongswan/mutants.sh does for strongswan.sh (whose
# recipe this copies: tools/ is not this test's to change). Each mutant
# is either the plugin (kernel_nfipsec_ipsec.c) with one planted defect,
# built as the plugin is, or the test itself with a wrong expectation
# (a sed expression on a copy of it, run with the real plugin). The lab
# runs each with the scenarios it concerns, all in one guest boot, under
# the lab's lock. A mutant is caught when the checks it must break fail.
#
# Usage: strongswan-natt-mutants.sh [NAME...]   (default: all)
# Exit status: 0 when every mutant was caught.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-$top/build/strongswan}
M=$top/build/strongswan-natt-mutants
SRC=$top/tools/strongswan/kernel_nfipsec_ipsec.c

# NAME|KIND (plugin or test)|SED|SCENARIOS|CHECKS THAT MUST FAIL
mutants=(
# add_sa leaves out the encap attribute: A's SAs send plain ESP.
"no_encap|plugin|/^METHOD(kernel_ipsec_t, add_sa/,/^}/s/^\tif (data->encap)$/\tif (0 \&\& data->encap)/|natt-a-nfipsec|natt-a-nfipsec.a-encap natt-a-nfipsec.ping-a-b natt-a-nfipsec.wire-esp-in-udp-a-b natt-a-nfipsec.wire-no-plain-esp"
# nfipsec's MAPPING never reaches charon.
"no_mapping|plugin|/^static void process_mapping/,/^}/s/charon->kernel->mapping(charon->kernel, proto, spi, dst, remote);/(void)0;/|natt-b-nfipsec|natt-b-nfipsec.rebind.resumed natt-b-nfipsec.rebind.b-mapping-to-charon natt-b-nfipsec.rebind.b-in-new-port natt-b-nfipsec.rebind.b-out-new-port natt-b-nfipsec.rebind.wire-b-to-new-port"
# update_sa says it moved the ports but sends no SA_MIGRATE.
"no_update|plugin|/^METHOD(kernel_ipsec_t, update_sa/,/^}/s/err = request_talk(this, msg, NULL, NULL);/msg_free(msg); err = 0;/|natt-b-nfipsec|natt-b-nfipsec.rebind.resumed natt-b-nfipsec.rebind.b-in-new-port natt-b-nfipsec.rebind.b-out-new-port"
# update_sa claims to have moved an SA to a new address (charon then
# does not rekey it).
"addr_claimed|plugin|/^METHOD(kernel_ipsec_t, update_sa/,/^}/{/to new addresses/,/return NOT_SUPPORTED;/s/return NOT_SUPPORTED;/return SUCCESS;/}|natt-b-nfipsec|natt-b-nfipsec.rebind-addr.resumed natt-b-nfipsec.rebind-addr.b-sas-moved natt-b-nfipsec.rebind-addr.b-out-policy"
# out policies without a template: the gateway answers in clear.
"bypass_out|plugin|s/if (psa->type == POLICY_IPSEC \&\& psa->sa.reqid)$/if (psa->type == POLICY_IPSEC \&\& psa->sa.reqid \&\& policy->dir != POLICY_OUT)/|rw|rw.ping rw.wire-nothing-in-clear rw.b-nfipsec-out"
# The plugin installs no route (as before it had routes): the client's
# traffic leaves from its own address, matches no policy and goes in
# clear (the NAT, which has no route to B's LAN, answers unreachable).
"no_route|plugin|/^static void policy_route/,/^}/s/if (policy->dir != POLICY_OUT)/if (1)/|rw-a-nfipsec|rw-a-nfipsec.a-route rw-a-nfipsec.ping rw-a-nfipsec.a-nfipsec-in rw-a-nfipsec.a-nfipsec-out rw-a-nfipsec.tcp"
# The route stays when its policy goes.
"route_kept|plugin|/^static void policy_route/,/^}/s/kernel_nfipsec_route_remove(policy->route);/kernel_nfipsec_route_forget(policy->route);/|rw-a-nfipsec|rw-a-nfipsec.a-route-removed"
# policies are never deleted from nfipsec.
"no_policy_remove|plugin|/^static int policy_remove/,/^}/s/return request_talk(this, msg, NULL, NULL);/msg_free(msg); return 0;/|rw|rw.b-nfipsec-cleared"
# The NAT rebinds to another port than the checks expect: they read the
# port the SAs, logs and wire really have (on XFRM's side too).
"wrong_port|test|s/nat_map masquerade to \":\$NEWPORT\"/nat_map masquerade to \":5007\"/|natt-a-nfipsec,natt-b-nfipsec|natt-a-nfipsec.rebind.wire-a-new-port natt-a-nfipsec.rebind.b-mapping-to-charon natt-a-nfipsec.rebind.b-in-new-port natt-a-nfipsec.rebind.b-out-new-port natt-b-nfipsec.rebind.b-in-new-port natt-b-nfipsec.rebind.b-plugin-updated"
# The NAT keeps the old mapping (no conntrack flush, the same rule):
# nothing rebinds, and the rebinding checks must say so.
"no_rebind|test|/^nat_map() {/,/^}/s/conntrack -F/true/|natt-a-nfipsec,natt-b-nfipsec|natt-a-nfipsec.rebind.wire-a-new-port natt-a-nfipsec.rebind.b-mapping-to-charon natt-a-nfipsec.rebind.b-in-new-port natt-b-nfipsec.rebind.b-mapping-counted natt-b-nfipsec.rebind-addr.b-sas-moved"
# No NAT at all (the NAT namespace only routes): the checks that say a
# NAT was there must fail (not a-ike-4500: charon moves IKE to 4500
# for MOBIKE without a NAT too).
"no_nat|test|/^nat_map() {/,/^}/s/^\tadd rule .*$//|natt-a-nfipsec,rw|natt-a-nfipsec.a-behind-nat natt-a-nfipsec.b-peer-behind-nat natt-a-nfipsec.b-ike-from-nat natt-a-nfipsec.a-encap natt-a-nfipsec.a-child-installed natt-a-nfipsec.wire-esp-in-udp-a-b rw.gw-sees-vip rw.b-encap rw.wire-esp-in-udp-to-gw rw.wire-esp-in-udp-from-gw"
# The client's virtual IP taken as another one of the pool than it got.
"wrong_vip|test|s/\[\[ \$out =~ \$re \]\] \&\& vip=\${BASH_REMATCH\[1\]}/vip=10.3.0.9/|rw|rw.gw-sees-vip rw.a-vip-installed rw.b-vip-policies rw.ping rw.tcp rw.tcp-intact"
# A's ports expected to have moved.
"wrong_a_ports|test|s/encap_lines \"\$ra\" \"\$ia\" 4500 4500/encap_lines \"\$ra\" \"\$ia\" 4500 \$NEWPORT/|natt-a-nfipsec|natt-a-nfipsec.rebind.a-ports-kept"
# The road warrior's address is expected from another pool.
"wrong_pool|test|s/'\^10\\\\.3\\\\.0\\\\./'^10\\\\.3\\\\.1\\\\./|rw|rw.vip-from-pool"
)

sssrc=$(ls -d "$O"/src/strongswan-*/ 2>/dev/null | head -n 1)
[ -f "$O/cfg/config.h" ] && [ -n "$sssrc" ] ||
	{ echo "strongswan-natt-mutants.sh: no configured strongSwan source in $O: make strongswan-plugin first" >&2; exit 1; }
nl_cflags=$(pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
nl_libs=$(pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)

rm -rf "$M"
mkdir -p "$M"
want=("$@")
guest=$M/run-in-guest.sh
{
	echo '#!/bin/bash'
	echo 'cd /tmp'
} > "$guest"
declare -A must
names=()
for m in "${mutants[@]}"; do
	IFS='|' read -r name kind expr scen checks <<< "$m"
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	d=$M/$name
	mkdir -p "$d"
	plugin=$O/libstrongswan-kernel-nfipsec.so
	test=$top/selftests/strongswan_natt.sh
	if [ "$kind" = plugin ]; then
		cp "$top"/tools/strongswan/*.c "$top"/tools/strongswan/*.h "$d/"
		sed -i "$expr" "$d/kernel_nfipsec_ipsec.c"
		if cmp -s "$d/kernel_nfipsec_ipsec.c" "$SRC"; then
			echo "strongswan-natt-mutants.sh: $name: the sed expression changed nothing (the source moved on): fix it" >&2
			exit 1
		fi
		flags="-g -O2 -fPIC -include $O/cfg/config.h -I${sssrc}src/libstrongswan -I${sssrc}src/libcharon -I$top/uapi $nl_cflags"
		# Every source of the plugin (tools/strongswan/mutants.sh
		# names two and misses kernel_nfipsec_closed.c).
		for c in "$d"/*.c; do
			c=$(basename "$c" .c)
			cc $flags -DNFIPSEC_SS_SOURCE="\"mutant-$name\"" -c -o "$d/$c.o" "$d/$c.c" ||
				{ echo "strongswan-natt-mutants.sh: $name does not build" >&2; exit 1; }
		done
		plugin=$d/libstrongswan-kernel-nfipsec.so
		cc -shared -Wl,-z,defs -o "$plugin" "$d"/*.o \
			/usr/lib/ipsec/libcharon.so.0 /usr/lib/ipsec/libstrongswan.so.0 $nl_libs ||
			{ echo "strongswan-natt-mutants.sh: $name does not link" >&2; exit 1; }
	else
		# The test and the libraries it sources, side by side.
		cp "$top"/selftests/lib.sh "$top"/selftests/lib_tunnel.sh \
			"$top"/selftests/lib_strongswan.sh "$top"/selftests/strongswan_natt.sh "$d/"
		sed -i "$expr" "$d/strongswan_natt.sh"
		if cmp -s "$d/strongswan_natt.sh" "$top/selftests/strongswan_natt.sh"; then
			echo "strongswan-natt-mutants.sh: $name: the sed expression changed nothing (the test moved on): fix it" >&2
			exit 1
		fi
		test=$d/strongswan_natt.sh
	fi
	must[$name]=$checks
	names+=("$name")
	cat >> "$guest" <<EOS
echo "=== mutant $name"
NFIPSEC_SS_PLUGIN=$plugin NFIPSEC_SS_SCENARIOS=$scen \\
	TEST=natt-$name timeout -k 10 900 bash "$test"
echo "=== mutant $name: exit \$?"
EOS
done
[ ${#names[@]} -gt 0 ] || { echo "strongswan-natt-mutants.sh: no such mutant: $*" >&2; exit 1; }

# One guest at a time on this machine: the lab's lock, and no other
# guest running (matched by process name; the literal is split so that
# a waiter matching command lines does not match this one).
log=$M/lab.log
flock /tmp/nfipsec-lab.lock sh -c 'while pgrep -x "qemu-system-x8""6" >/dev/null; do sleep 10; done;
	NFIPSEC_LAB_OUT=$1 "$2" script "$3"' sh "$M/lab-out" "$here/run.sh" "$guest" > "$log" 2>&1
rc=0
for name in "${names[@]}"; do
	missed=
	for c in ${must[$name]}; do
		grep -q "^FAIL natt-$name\.$c " "$log" || missed+=" $c"
	done
	if ! grep -q "^=== mutant $name: exit [1-9]" "$log"; then
		echo "MISSED $name: the test passed (see $log)"
		rc=1
	elif [ -n "$missed" ]; then
		echo "MISSED $name: these checks did not fail:$missed (see $log)"
		rc=1
	else
		echo "CAUGHT $name: $(grep -c "^FAIL natt-$name\." "$log") checks failed, among them ${must[$name]}"
	fi
done
exit $rc
