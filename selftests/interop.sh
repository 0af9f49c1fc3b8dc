#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=50
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

# key BYTES: KEY gets a deterministic key of that many bytes, as 0x-hex.
# (printf -v, no subshell: every fork is slow in the debug guest.)
key() {
	local n=$1 i b
	KEY=0x
	for ((i = 0; i < n; i++)); do
		printf -v b %02x $(((i * 37 + n * 11 + 5) & 255))
		KEY+=$b
	done
}

names=() algos=()
add() { names+=("$1"); algos+=("$2"); }

for kb in 16 24 32; do
	key $((kb + 4))
	for icv in 64 96 128; do
		add "gcm$((kb * 8))-icv$icv" "aead 'rfc4106(gcm(aes))' $KEY $icv"
	done
done
key 36; add chacha20poly1305 "aead 'rfc7539esp(chacha20,poly1305)' $KEY 128"
key 19; add ccm128 "aead 'rfc4309(ccm(aes))' $KEY 128"
# 64-bit sequence numbers: the high half goes into the ICV, not on the wire.
key 20; add gcm128-esn "aead 'rfc4106(gcm(aes))' $KEY 128 flag esn"
key 16; k16=$KEY; key 32
add aes128-sha256-esn "enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha256)' $KEY 128 flag esn"
# HMAC keys of other lengths than the digest, as XFRM takes them: shorter,
# and longer than the hash's block (which HMAC hashes first).
key 12; add aes128-sha256-key96 "enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha256)' $KEY 128"
key 100; add aes128-sha1-key800 "enc 'cbc(aes)' $k16 auth 'hmac(sha1)' $KEY"

encs=() auths=()
for e in "aes128 cbc(aes) 16" "aes192 cbc(aes) 24" "aes256 cbc(aes) 32" \
	 "aesctr128 rfc3686(ctr(aes)) 20" "3des cbc(des3_ede) 24" \
	 "des cbc(des) 8" "blowfish128 cbc(blowfish) 16" \
	 "twofish256 cbc(twofish) 32" "camellia128 cbc(camellia) 16"; do
	set -- $e
	key "$3"
	encs+=("$1|enc '$2' $KEY")
done
encs+=("null|enc 'ecb(cipher_null)' ''")
for a in "md5 auth hmac(md5) 16" "sha1 auth hmac(sha1) 20" \
	 "sha256-96 auth hmac(sha256) 32" "sha256-128 auth-trunc hmac(sha256) 32 128" \
	 "sha384 auth hmac(sha384) 48" "sha512 auth hmac(sha512) 64"; do
	set -- $a
	key "$4"
	auths+=("$1|$2 '$3' $KEY${5:+ $5}")
done
auths+=("nullauth|")
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
		printf -v out 0x%x $((0x3000 + i))
		printf -v in 0x%x $((0x4000 + i))
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
	local role=$1 out i got addr res
	local -A echo
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
	while read -r addr res _; do echo[$addr]=$res; done <<< "$out"
	for ((i = 0; i < n; i++)); do
		check_eq "$role.${names[i]}" "1/1" "${echo[${addrs[i]}]:-}"
	done
	# The nfipsec side counted one packet on each of its SAs.
	local ns=$ra
	[ "$2" = xfrm ] && ns=$rb
	got=$(nfipsec -n "$ns" -s state list | awk '
		$1 == "proto" { spi = $4 }
		$1 == "counters:" { for (i = 2; i < NF; i++) if ($i == "packets") p[spi] = $(i + 1) }
		END { for (s in p) if (p[s] != 1) bad++; print length(p) " " bad + 0 }')
	check_eq "$role.sa-counters" "$((2 * n)) 0" "$got"
}

run ra-nfipsec-rb-xfrm nfipsec xfrm
run ra-xfrm-rb-nfipsec xfrm nfipsec
finish
