#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=45
# The module's netfilter hooks are live in every namespace that has SAs or
# policies, and only there. Before any configuration pings count nowhere
# (nftables sees them); with a policy in each of a, r and b, pings from a to
# b through the router r, IPv4 and IPv6, are counted at LOCAL_IN, FORWARD
# and POST_ROUTING, and the counts equal those of nftables chains on the
# same hooks (an independent counter) and, for IPv4 where nothing else is
# sent, exactly the pings; after r's policies are flushed, r counts nothing
# again.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns a r b || exit 1
veth_pair "$a" "$r" || exit 1
ns_sysctl "$b" net.ipv6.conf.default.accept_dad=0 \
	net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_ra=0
ns_sysctl "$r" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$r" -batch - <<EOF || { fail setup "router"; finish; }
link add veth1 type veth peer name veth0 netns $b
addr add 10.0.2.1/24 dev veth1
addr add fd00:2::1/64 dev veth1 nodad
link set veth1 up
EOF
ip -n "$b" -batch - <<EOF || { fail setup "b"; finish; }
addr add 10.0.2.2/24 dev veth0
addr add fd00:2::2/64 dev veth0 nodad
link set veth0 up
route add default via 10.0.2.1
route add ::/0 via fd00:2::1
EOF
ip -n "$a" -batch - <<EOF || { fail setup "a"; finish; }
route add default via 10.0.1.2
route add ::/0 via fd00:1::2
EOF

hooks="ipv4-input ipv4-forward ipv4-postrouting ipv6-input ipv6-forward ipv6-postrouting"

# nft counts every packet of each family at each hook, in every namespace.
for ns in "$a" "$r" "$b"; do
	ip netns exec "$ns" nft -f - <<EOF || { fail setup "nft in $ns"; finish; }
table inet count {
	counter ipv4-input {}
	counter ipv4-forward {}
	counter ipv4-postrouting {}
	counter ipv6-input {}
	counter ipv6-forward {}
	counter ipv6-postrouting {}
	chain input_count { type filter hook input priority 0;
		meta nfproto ipv4 counter name ipv4-input
		meta nfproto ipv6 counter name ipv6-input
	}
	chain forward_count { type filter hook forward priority 0;
		meta nfproto ipv4 counter name ipv4-forward
		meta nfproto ipv6 counter name ipv6-forward
	}
	chain post { type filter hook postrouting priority 100;
		meta nfproto ipv4 counter name ipv4-postrouting
		meta nfproto ipv6 counter name ipv6-postrouting
	}
}
EOF
done

# snapshot NS PREFIX: sets PREFIX_ours_HOOK and PREFIX_nft_HOOK (HOOK with
# _ for -) from one read of each; repeated until nft did not move while
# ours was read, so both describe the same packets.
snapshot() {
	local ns=$1 p=$2 try n1 n2 ours name line v
	for try in 1 2 3 4 5; do
		n1=$(ip netns exec "$ns" nft list counters table inet count)
		ours=$(nfipsec -n "$ns" stats)
		n2=$(ip netns exec "$ns" nft list counters table inet count)
		[ "$n1" = "$n2" ] && break
		nap 0.5
	done
	while read -r name v _; do
		case $name in hook-*) name=${name#hook-}; eval "${p}_ours_${name//-/_}=$v" ;; esac
	done <<< "$ours"
	while read -r line; do
		# shellcheck disable=SC2086 # words of the line
		set -- $line
		case ${1:-} in
		counter) name=$2 ;;
		packets) eval "${p}_nft_${name//-/_}=$2" ;;
		esac
	done <<< "$n1"
}

# Not configured: no hooks, nothing counted (nftables counts the pings).
check idle-ping ip netns exec "$a" ping -c 2 -i 0.2 -W 2 10.0.2.2
for ns in a r b; do
	snapshot "${!ns}" "idle_$ns"
	eval "ours=\$((idle_${ns}_ours_ipv4_postrouting + idle_${ns}_ours_ipv4_input + idle_${ns}_ours_ipv4_forward))"
	eval "theirs=\$idle_${ns}_nft_ipv4_postrouting"
	check_eq "$ns.idle-no-hooks" 0 "$ours"
	[ "$theirs" -gt 0 ] 2>/dev/null || fail "$ns.idle-nft-counted" "nft counted '$theirs'"
done
# A policy that matches nothing of this traffic brings the hooks.
for ns in a r b; do
	nfipsec -n "${!ns}" policy add src 192.0.2.1/32 dst 192.0.2.2/32 dir out ||
		fail "$ns.policy" "refused"
done

for ns in a r b; do snapshot "${!ns}" "before_$ns"; done
check ping4 ip netns exec "$a" ping -c 5 -i 0.2 -W 2 10.0.2.2
check ping6 ip netns exec "$a" ping -6 -c 5 -i 0.2 -W 2 fd00:2::2
for ns in a r b; do snapshot "${!ns}" "after_$ns"; done

# The IPv4 packets each hook must have seen: 5 requests, 5 replies.
declare -A want4=(
	[a.input]=5 [a.forward]=0 [a.postrouting]=5
	[r.input]=0 [r.forward]=10 [r.postrouting]=10
	[b.input]=5 [b.forward]=0 [b.postrouting]=5
)
for h in $hooks; do
	k=${h//-/_}
	for side in a r b; do
		eval "ours=\$((after_${side}_ours_$k - before_${side}_ours_$k))"
		eval "theirs=\$((after_${side}_nft_$k - before_${side}_nft_$k))"
		check_eq "$side.$h.equals-nft" "$theirs" "$ours"
		w=${want4[$side.${h#ipv?-}]}
		case $h in
		ipv4-*) check_eq "$side.$h.equals-pings" "$w" "$ours" ;;
		*) if [ "$ours" -ge "$w" ]; then pass "$side.$h.counts-pings"
		   else fail "$side.$h.counts-pings" "$ours < $w"; fi ;;
		esac
	done
done

# r's last policy gone: its hooks go with it.
nfipsec -n "$r" policy flush
nap 3	# the hooks go 2 s after the last policy (netns.c)
snapshot "$r" flushed_r
check ping4-after-flush ip netns exec "$a" ping -c 2 -i 0.2 -W 2 10.0.2.2
snapshot "$r" later_r
check_eq r.no-hooks-after-flush "$flushed_r_ours_ipv4_forward" "$later_r_ours_ipv4_forward"
finish
