#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=420
# Interoperability with Linux XFRM: router ra on nfipsec and rb on XFRM
# ("ip xfrm", the same keys), then swapped, for every algorithm combination
# both implement. Each combination gets its own SA pair (reqid) and its own
# address on LAN2, so one configuration carries them all; one ICMP echo to
# each address proves both directions (request encrypted by one
# implementation, reply by the other).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tunnel.sh"

require_module
tunnel_topology || { fail topology "setup failed"; finish; }

# key BYTES: a deterministic key of that many bytes, as 0x-hex.
key() {
	local n=$1 i s=
	for ((i = 0; i < n; i++)); do s+=$(printf %02x $(((i * 37 + n * 11 + 5) & 255))); done
	echo "0x$s"
}

names=() algos=()
add() { names+=("$1"); algos+=("$2"); }

for kb in 16 24 32; do
	for icv in 64 96 128; do
		add "gcm$((kb * 8))-icv$icv" "aead 'rfc4106(gcm(aes))' $(key $((kb + 4))) $icv"
	done
done
add chacha20poly1305 "aead 'rfc7539esp(chacha20,poly1305)' $(key 36) 128"
add ccm128 "aead 'rfc4309(ccm(aes))' $(key 19) 128"
# 64-bit sequence numbers: the high half goes into the ICV, not on the wire.
add gcm128-esn "aead 'rfc4106(gcm(aes))' $(key 20) 128 flag esn"
add aes128-sha256-esn "enc 'cbc(aes)' $(key 16) auth-trunc 'hmac(sha256)' $(key 32) 128 flag esn"

encs=("aes128|enc 'cbc(aes)' $(key 16)" "aes192|enc 'cbc(aes)' $(key 24)"
      "aes256|enc 'cbc(aes)' $(key 32)" "aesctr128|enc 'rfc3686(ctr(aes))' $(key 20)"
      "3des|enc 'cbc(des3_ede)' $(key 24)" "des|enc 'cbc(des)' $(key 8)"
      "blowfish128|enc 'cbc(blowfish)' $(key 16)"
      "twofish256|enc 'cbc(twofish)' $(key 32)"
      "camellia128|enc 'cbc(camellia)' $(key 16)"
      "null|enc 'ecb(cipher_null)' ''")
auths=("md5|auth 'hmac(md5)' $(key 16)" "sha1|auth 'hmac(sha1)' $(key 20)"
       "sha256-96|auth 'hmac(sha256)' $(key 32)"
       "sha256-128|auth-trunc 'hmac(sha256)' $(key 32) 128"
       "sha384|auth 'hmac(sha384)' $(key 48)"
       "sha512|auth 'hmac(sha512)' $(key 64)" "nullauth|")
for e in "${encs[@]}"; do
	for a in "${auths[@]}"; do
		[ "${e%%|*}" = null ] && [ "${a%%|*}" = nullauth ] && continue
		add "${e%%|*}-${a%%|*}" "${e#*|} ${a#*|}"
	done
done
n=${#names[@]}

# interop_conf SIDE: SAs and policies of every combination, for ra or rb.
interop_conf() {
	local side=$1 i me=$A4 peer=$B4 lan=192.168.111.0/24 out in host
	[ "$side" = b ] && me=$B4 peer=$A4
	for ((i = 0; i < n; i++)); do
		out=$(printf 0x%x $((0x3000 + i))) in=$(printf 0x%x $((0x4000 + i)))
		[ "$side" = b ] && { local t=$out; out=$in; in=$t; }
		host=192.168.186.$((100 + i))/32
		echo "state add src $me dst $peer proto esp spi $out reqid $((100 + i)) mode tunnel replay-window 32 ${algos[i]}"
		echo "state add src $peer dst $me proto esp spi $in reqid $((100 + i)) mode tunnel replay-window 32 ${algos[i]}"
		if [ "$side" = a ]; then
			echo "policy add src $lan dst $host dir out tmpl src $me dst $peer proto esp reqid $((100 + i)) mode tunnel"
			echo "policy add src $host dst $lan dir fwd tmpl src $peer dst $me proto esp reqid $((100 + i)) mode tunnel"
		else
			echo "policy add src $host dst $lan dir out tmpl src $me dst $peer proto esp reqid $((100 + i)) mode tunnel"
			echo "policy add src $lan dst $host dir fwd tmpl src $peer dst $me proto esp reqid $((100 + i)) mode tunnel"
		fi
	done
}

addrs=()
for ((i = 0; i < n; i++)); do addrs+=(192.168.186.$((100 + i))); done
printf 'addr add %s/24 dev eth0\n' "${addrs[@]}" | ip -n "$h2" -batch - ||
	fail setup "addresses on h2"

# run ROLE ANS BNS AIMPL BIMPL: configure, ping every address once, judge.
run() {
	local role=$1 out i got
	# One implementation per router: nothing left of the other role.
	tunnel_clear "$ra"
	tunnel_clear "$rb"
	interop_conf a | tunnel_apply "$ra" "$2" ||
		{ fail "$role.config-ra" "$2 refused the configuration"; return; }
	pass "$role.config-ra"
	interop_conf b | tunnel_apply "$rb" "$3" ||
		{ fail "$role.config-rb" "$3 refused the configuration"; return; }
	pass "$role.config-rb"
	out=$(ip netns exec "$h1" /usr/bin/python3 "$(dirname "$0")/pinger.py" \
		-c 1 -W 8 "${addrs[@]}")
	for ((i = 0; i < n; i++)); do
		got=$(echo "$out" | awk -v a="${addrs[i]}" '$1 == a { print $2 }')
		check_eq "$role.${names[i]}" "1/1" "$got"
	done
	# The nfipsec side counted one packet on each of its SAs.
	local ns=$ra
	[ "$2" = xfrm ] && ns=$rb
	got=$(nfipsec -n "$ns" -s state list | awk '
		$1 == "proto" { spi = $4 }
		$1 == "stats:" { for (i = 2; i < NF; i++) if ($i == "packets") p[spi] = $(i + 1) }
		END { for (s in p) if (p[s] != 1) bad++; print length(p) " " bad + 0 }')
	check_eq "$role.sa-counters" "$((2 * n)) 0" "$got"
}

run ra-nfipsec-rb-xfrm nfipsec xfrm
run ra-xfrm-rb-nfipsec xfrm nfipsec
finish
