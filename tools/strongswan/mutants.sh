#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Show that the strongSwan selftests fail when the plugin is broken: each
# mutant is kernel_nfipsec_ipsec.c with one planted defect (a sed
# expression), built as the plugin is (the same configured strongSwan
# source under build/strongswan, `make strongswan-plugin` first), and the
# lab runs its test once with each, in one guest boot (selftests/lab/run.sh
# script): selftests/strongswan.sh's first scenario (A on nfipsec, B on
# XFRM), or the selftest the mutant names. A mutant is caught when the
# checks it must break fail.
#
# Usage: mutants.sh [NAME...]   (default: all)
# Exit status: 0 when every mutant was caught.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-$top/build/strongswan}
M=$O/mutants
SRC=$here/kernel_nfipsec_ipsec.c

# NAME|SED|CHECKS THAT MUST FAIL (space-separated)[|TEST]: TEST, a
# selftest's name, strongswan (its scenario a-nfipsec-b-xfrm, whose checks
# these are) unless given.
mutants=(
"no_sa_install|/^METHOD(kernel_ipsec_t, add_sa/,/^}/s/err = request_talk(this, msg, NULL, NULL);/msg_free(msg); err = 0;/|a-nfipsec-sas ping-a-b"
"wrong_key|/^METHOD(kernel_ipsec_t, add_sa/,/^}/s/(enc \&\& !put_alg(msg, enc, data->enc_key))/(enc \&\& (data->inbound ? (data->enc_key.ptr[0] ^= 0x80) : 0, !put_alg(msg, enc, data->enc_key)))/|ping-b-a a-nfipsec-in"
"counts|s/\*bytes = reply.bytes;/*bytes = reply.packets;/|a-swanctl-counts"
# refuses: the plugin loaded critical (kernel-nfipsec!), charon does not
# start at all, so XFRM stays empty too: a-xfrm-empty passes.
"refuses|s/^\tset_acq_expires(this);/\tdestroy(this);\n\treturn NULL;/|a-plugin-backend a-nfipsec-sas"
# review s26 finding 4: the take-over's POLICY_SET (and every update's)
# without IF_OWNER, as before the kernel checked the owner: the
# administrator's policy in the way of a new CHILD_SA is taken over, the
# one put in place of a live CHILD_SA's replaced at its rekeying.
"takeover_no_owner_check|s/^\t\t(cmd == NFIPSEC_CMD_POLICY_SET \&\&$/\t\t(0 \&\&/|takeover-admin.kept takeover-admin.not-taken replace.rekey-admin-kept|strongswan_restart"
# the CHILD_SA's last POLICY_DEL without IF_OWNER: it removes the
# administrator's policy put in the place of charon's.
"delete_no_owner_check|s/^\t\tnla_put_u32(msg, NFIPSEC_POLICY_A_IF_OWNER, NFIPSEC_OWNER_CHARON))$/\t\t(0 \&\& nla_put_u32(msg, NFIPSEC_POLICY_A_IF_OWNER, NFIPSEC_OWNER_CHARON)))/|replace.terminate-admin-kept|strongswan_restart"
)

sssrc=$(ls -d "$O"/src/strongswan-*/ 2>/dev/null | head -n 1)
[ -f "$O/cfg/config.h" ] && [ -n "$sssrc" ] ||
	{ echo "mutants.sh: no configured strongSwan source in $O: make strongswan-plugin first" >&2; exit 1; }
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
declare -A must tests
names=()
for m in "${mutants[@]}"; do
	IFS='|' read -r name expr checks test <<< "$m"
	test=${test:-strongswan}
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	d=$M/$name
	mkdir -p "$d"
	cp "$here"/*.c "$here"/*.h "$d/"
	sed -i "$expr" "$d/kernel_nfipsec_ipsec.c"
	if cmp -s "$d/kernel_nfipsec_ipsec.c" "$SRC"; then
		echo "mutants.sh: $name: the sed expression changed nothing (the source moved on): fix it" >&2
		exit 1
	fi
	flags="-g -O2 -fPIC -include $O/cfg/config.h -I${sssrc}src/libstrongswan -I${sssrc}src/libcharon -I$top/uapi $nl_cflags"
	for c in "$d"/*.c; do
		cc $flags -DNFIPSEC_SS_SOURCE="\"mutant-$name\"" -c -o "${c%.c}.o" "$c" ||
			{ echo "mutants.sh: $name does not build" >&2; exit 1; }
	done
	cc -shared -Wl,-z,defs -o "$d/libstrongswan-kernel-nfipsec.so" "$d"/*.o \
		/usr/lib/ipsec/libcharon.so.0 /usr/lib/ipsec/libstrongswan.so.0 $nl_libs ||
		{ echo "mutants.sh: $name does not link" >&2; exit 1; }
	must[$name]=$checks
	tests[$name]=$test
	names+=("$name")
	if [ "$test" = strongswan ]; then
		cat >> "$guest" <<EOS
echo "=== mutant $name"
NFIPSEC_SS_PLUGIN=$d/libstrongswan-kernel-nfipsec.so NFIPSEC_SS_SCENARIOS=a-nfipsec-b-xfrm \\
	TEST=strongswan-$name bash "\$NFIPSEC_TOP/selftests/strongswan.sh"
echo "=== mutant $name: exit \$?"
EOS
	else
		cat >> "$guest" <<EOS
echo "=== mutant $name"
NFIPSEC_SS_PLUGIN=$d/libstrongswan-kernel-nfipsec.so \\
	TEST=$test-$name bash "\$NFIPSEC_TOP/selftests/$test.sh"
echo "=== mutant $name: exit \$?"
EOS
	fi
done
[ ${#names[@]} -gt 0 ] || { echo "mutants.sh: no such mutant: $*" >&2; exit 1; }

# One guest at a time on this machine: the lab's lock, and no other
# guest running (as strongswan-natt-mutants.sh; the literal is split so
# that a waiter matching command lines does not match this one).
log=$M/lab.log
flock /tmp/nfipsec-lab.lock sh -c 'while pgrep -x "qemu-system-x8""6" >/dev/null; do sleep 10; done;
	NFIPSEC_LAB_OUT=$1 "$2" script "$3"' sh "$M/lab-out" "$top/selftests/lab/run.sh" "$guest" > "$log" 2>&1
rc=0
for name in "${names[@]}"; do
	missed=
	for c in ${must[$name]}; do
		if [ "${tests[$name]}" = strongswan ]; then
			prefix=strongswan-$name.a-nfipsec-b-xfrm
		else
			prefix=${tests[$name]}-$name
		fi
		grep -q "^FAIL ${prefix//./\\.}\.${c//./\\.} " "$log" || missed+=" $c"
	done
	if ! grep -q "^=== mutant $name: exit [1-9]" "$log"; then
		echo "MISSED $name: the test passed (see $log)"
		rc=1
	elif [ -n "$missed" ]; then
		echo "MISSED $name: these checks did not fail:$missed (see $log)"
		rc=1
	else
		echo "CAUGHT $name: $(grep -c "^FAIL ${tests[$name]}-$name\." "$log") checks failed, among them ${must[$name]}"
	fi
done
exit $rc
