#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=60
# The module's netfilter hooks are live in every namespace: packets sent
# between two namespaces over veth, IPv4 and IPv6, are counted at
# PRE_ROUTING, LOCAL_IN and POST_ROUTING, and the counts equal those of
# nftables chains on the same hooks (an independent counter) and, for IPv4
# where nothing else is sent, exactly the pings.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns a b || exit 1
veth_pair "$a" "$b" || exit 1

# nft counts every packet of each family at each hook, in both namespaces.
for ns in "$a" "$b"; do
	ip netns exec "$ns" nft -f - <<EOF2 || { fail setup "nft in $ns"; finish; }
table inet count {
	counter ipv4-prerouting {}
	counter ipv4-input {}
	counter ipv4-postrouting {}
	counter ipv6-prerouting {}
	counter ipv6-input {}
	counter ipv6-postrouting {}
	chain pre { type filter hook prerouting priority -150;
		meta nfproto ipv4 counter name ipv4-prerouting
		meta nfproto ipv6 counter name ipv6-prerouting
	}
	chain in { type filter hook input priority 0;
		meta nfproto ipv4 counter name ipv4-input
		meta nfproto ipv6 counter name ipv6-input
	}
	chain post { type filter hook postrouting priority 100;
		meta nfproto ipv4 counter name ipv4-postrouting
		meta nfproto ipv6 counter name ipv6-postrouting
	}
}
EOF2
done

hooks="ipv4-prerouting ipv4-input ipv4-postrouting ipv6-prerouting ipv6-input ipv6-postrouting"

# snapshot NS: "name ours nft" per hook; repeated until nft did not move
# while ours was read, so both describe the same packets.
snapshot() {
	local ns=$1 try n1 n2 ours h
	for try in 1 2 3 4 5; do
		n1=$(ip netns exec "$ns" nft list counters table inet count)
		ours=$(nfipsec -n "$ns" stats)
		n2=$(ip netns exec "$ns" nft list counters table inet count)
		[ "$n1" = "$n2" ] && break
		sleep 0.5
	done
	for h in $hooks; do
		echo "$h $(echo "$ours" | awk -v n="hook-$h" '$1 == n { print $2 }')" \
			"$(echo "$n1" | awk -v n="$h" '$2 == n { f = 1 } f && $1 == "packets" { print $2; exit }')"
	done
}

# delta BEFORE AFTER HOOK COLUMN(2: ours, 3: nft)
delta() {
	local b a
	b=$(echo "$1" | awk -v h="$3" -v c="$4" '$1 == h { print $c }')
	a=$(echo "$2" | awk -v h="$3" -v c="$4" '$1 == h { print $c }')
	echo $((a - b))
}

before_a=$(snapshot "$a")
before_b=$(snapshot "$b")
check ping4 ip netns exec "$a" ping -c 5 -i 0.2 -W 2 10.0.1.2
check ping6 ip netns exec "$a" ping -6 -c 5 -i 0.2 -W 2 fd00:1::2
after_a=$(snapshot "$a")
after_b=$(snapshot "$b")

for h in $hooks; do
	for side in a b; do
		eval "bef=\$before_$side aft=\$after_$side"
		ours=$(delta "$bef" "$aft" "$h" 2)
		theirs=$(delta "$bef" "$aft" "$h" 3)
		check_eq "$side.$h.equals-nft" "$theirs" "$ours"
		case $h in
		ipv4-*) check_eq "$side.$h.equals-pings" 5 "$ours" ;;
		*) [ "$ours" -ge 5 ] && pass "$side.$h.counts-pings" ||
			fail "$side.$h.counts-pings" "$ours < 5" ;;
		esac
	done
done
finish
