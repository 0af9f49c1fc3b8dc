#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nfipsec-test: cost=65
# The CLI talks to the module over generic netlink: per-namespace state,
# JSON output, strict validation with the kernel's extack text, and
# CAP_NET_ADMIN in the namespace's owning user namespace for every command.
. "$(dirname "$0")/lib.sh"

require_module
setup_ns a b c t x y p q || exit 1
veth_pair "$a" "$b" || exit 1

out=$(nfipsec -n "$a" version)
check_match version-text '^nfipsec module [0-9]+\.[0-9]+\.[0-9]+, abi 1$' "$(echo "$out" | head -1)"
check_match version-tables '^SAs 0, policies 0$' "$(echo "$out" | tail -1)"
check_eq state-list-empty "" "$(nfipsec -n "$a" state list)"
check_eq state-list-json-empty "[]" "$(nfipsec -n "$a" -j state list)"
check_eq policy-list-empty "" "$(nfipsec -n "$a" policy list dir out)"
check_eq policy-list-json-empty "[]" "$(nfipsec -n "$a" -j policy list)"
check state-list-filter nfipsec -n "$a" state list proto esp spi 0x1000

# Tables with content, in namespace t (no traffic there): IPv4 and IPv6 SAs
# with different algorithms, policies of every direction; the text and JSON
# of list, get and count show exactly what was added.
KG=0x00112233445566778899aabbccddeeff01020304
KE=0x000102030405060708090a0b0c0d0e0f
KA=0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
KC=0x91b6db00254a6f94b9de03284d7297bce1062b50759abfe4092e53789dc2e70c31567ba0
KS=0xe1062b50759abfe4092e53789dc2e70c31567ba0
tn() { nfipsec -n "$t" "$@"; }
check add-sa-gcm4 tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1001 reqid 1 \
	mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' $KG 128
check add-sa-cbc4-mark tn state add src 10.0.1.2 dst 10.0.1.1 proto esp spi 0x1002 reqid 2 \
	mode tunnel replay-window 32 enc 'cbc(aes)' $KE auth-trunc 'hmac(sha256)' $KA 128 \
	output-mark 0x10
check add-sa-chacha6-esn tn state add src fd00:1::1 dst fd00:1::2 proto esp spi 0x6001 reqid 6 \
	mode tunnel replay-window 128 flag esn aead 'rfc7539esp(chacha20,poly1305)' $KC 128
check add-sa-cbc6-sha1 tn state add src fd00:1::2 dst fd00:1::1 proto esp spi 0x6002 reqid 7 \
	mode tunnel enc 'cbc(aes)' $KE auth 'hmac(sha1)' $KS
check add-pol-out4 tn policy add src 192.168.1.0/24 dst 192.168.2.0/24 dir out \
	tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 1 mode tunnel
check add-pol-in4-use tn policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir in \
	tmpl src 10.0.1.2 dst 10.0.1.1 proto esp reqid 2 mode tunnel level use
check add-pol-out6-tcp tn policy add src fd00:a::/64 dst fd00:b::/64 proto tcp dport 443 \
	dir out priority 5 tmpl src fd00:1::1 dst fd00:1::2 proto esp spi 0x6001 reqid 6 mode tunnel
check add-pol-fwd-block-top tn policy add src 192.168.1.5/32 dst 192.168.2.0/24 dir fwd \
	action block position 0

# Counts as ip xfrm prints them (a tab, a space; policies by dir).
check_eq state-count $'\t SAD count 4' "$(tn state count)"
check_eq policy-count $'\t SPD IN  1 OUT 2 FWD 1' "$(tn policy count)"
check_eq state-count-json '{"count":4,"larval":0}' "$(tn -j state count)"
check_eq version-tables-full "SAs 4, policies 4" "$(tn version | tail -1)"
flat() { tr -s '\n\t' '  '; }
# ol: -o's lines, an object a line, its breaks (\ and tabs) as spaces.
ol() { tr '\\\t' '  ' | tr -s ' '; }
out=$(tn state list)
check_eq state-list-4-sas 4 "$(echo "$out" | grep -c '^src ')"
check_match state-list-gcm4 "src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x00001001 reqid 1 mode tunnel replay-window 0 aead rfc4106\(gcm\(aes\)\) <<Keys hidden>> 128( |$)" "$(echo "$out" | flat)"
check_match state-list-mark "output-mark 0x10/0xffffffff" "$out"
check_match state-list-esn "replay-window 0 flag esn" "$out"
# A window ip xfrm keeps in the ESN replay state: nfipsec's own line.
check_eq state-list-windows "2 64 128" "$(echo "$out" | grep -c $'^\twindow ') $(echo "$out" | sed -n 's/^\twindow //p' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_match state-list-sha1-trunc "auth-trunc hmac\(sha1\) <<Keys hidden>> 96" "$out"
check_eq state-list-no-keys 0 "$(echo "$out" | grep -ciF -e "${KG#0x}" -e "${KE#0x}" -e "${KA#0x}" -e "${KC#0x}" -e "${KS#0x}")"
out=$(tn -k state list)
check_match state-list-keys "aead rfc4106\(gcm\(aes\)\) $KG 128" "$out"
check_match state-list-keys-enc "enc cbc\(aes\) $KE" "$out"
check_match state-list-keys-auth "auth-trunc hmac\(sha256\) $KA 128" "$out"
out=$(tn state get dst fd00:1::2 proto esp spi 0x6001)
check_match state-get-v6 "^src fd00:1::1 dst fd00:1::2" "$out"
check_match state-get-v6-alg "aead rfc7539esp\(chacha20,poly1305\) <<Keys hidden>> 128" "$out"
check_eq state-get-one "1" "$(echo "$out" | grep -c '^src ')"
check_match state-get-keys "$KC" "$(tn -k state get dst fd00:1::2 proto esp spi 0x6001)"
out=$(tn -s -o policy list | ol)
# Positions in the list (nfipsec's last line); indexes (-s) as ip xfrm
# gives them (dir in the low 3 bits, by 8 in the order added: out 1, in 8,
# out 17, fwd 26).
check_match policy-list-order "^src 192.168.1.5/32 dst 192.168.2.0/24 uid 0 dir fwd action block index 26 priority 0 .* position 0 $" "$(echo "$out" | head -1)"
check_match policy-list-v6 "^src fd00:a::/64 dst fd00:b::/64 proto tcp dport 443 uid 0 dir out action allow index 17 priority 5 .* position 3 $" "$out"
check_match policy-list-tmpl "^src 192.168.2.0/24 dst 192.168.1.0/24 dir in priority 0 tmpl src 10.0.1.2 dst 10.0.1.1 proto esp reqid 2 mode tunnel level use position 2 $" "$(tn -o policy list | ol)"
check_match policy-get-sel "^src 192.168.1.0/24 dst 192.168.2.0/24 uid 0 dir out action allow index 1 priority 0 .* position 1 $" \
	"$(tn -s -o policy get dir out src 192.168.1.0/24 dst 192.168.2.0/24 | ol)"

# The JSON: exactly the fields and values added; keys only with -k,
# counters only with -s.
JSON_CHECK='
import json, subprocess, sys, time
ns, keys = sys.argv[1], dict(a.split("=") for a in sys.argv[2:])
run = lambda *a: json.loads(subprocess.check_output(["nfipsec", "-n", ns, "-j", *a]))
def sas(k):
    K = (lambda n: {"key": keys[n]}) if k else (lambda n: {})
    return [
        {"src": "10.0.1.1", "dst": "10.0.1.2", "proto": "esp", "spi": "0x00001001",
         "reqid": 1, "mode": "tunnel", "replay-window": 64,
         "aead": {"name": "rfc4106(gcm(aes))", **K("KG"), "icv-bits": 128}},
        {"src": "10.0.1.2", "dst": "10.0.1.1", "proto": "esp", "spi": "0x00001002",
         "reqid": 2, "mode": "tunnel", "replay-window": 32, "output-mark": "0x10/0xffffffff",
         "enc": {"name": "cbc(aes)", **K("KE")},
         "auth-trunc": {"name": "hmac(sha256)", **K("KA"), "trunc-bits": 128}},
        {"src": "fd00:1::1", "dst": "fd00:1::2", "proto": "esp", "spi": "0x00006001",
         "reqid": 6, "mode": "tunnel", "replay-window": 128, "flag": ["esn"],
         "aead": {"name": "rfc7539esp(chacha20,poly1305)", **K("KC"), "icv-bits": 128}},
        {"src": "fd00:1::2", "dst": "fd00:1::1", "proto": "esp", "spi": "0x00006002",
         "reqid": 7, "mode": "tunnel", "replay-window": 0,
         "enc": {"name": "cbc(aes)", **K("KE")},
         "auth-trunc": {"name": "hmac(sha1)", **K("KS"), "trunc-bits": 96}}]
pols = [
    {"position": 0, "index": 26, "src": "192.168.1.5/32", "dst": "192.168.2.0/24", "dir": "fwd",
     "priority": 0, "action": "block"},
    {"position": 1, "index": 1, "src": "192.168.1.0/24", "dst": "192.168.2.0/24", "dir": "out",
     "priority": 0, "action": "allow",
     "tmpl": {"src": "10.0.1.1", "dst": "10.0.1.2", "proto": "esp", "reqid": 1,
              "mode": "tunnel", "level": "required"}},
    {"position": 2, "index": 8, "src": "192.168.2.0/24", "dst": "192.168.1.0/24", "dir": "in",
     "priority": 0, "action": "allow",
     "tmpl": {"src": "10.0.1.2", "dst": "10.0.1.1", "proto": "esp", "reqid": 2,
              "mode": "tunnel", "level": "use"}},
    {"position": 3, "index": 17, "src": "fd00:a::/64", "dst": "fd00:b::/64", "proto": "tcp", "dport": 443,
     "dir": "out", "priority": 5, "action": "allow",
     "tmpl": {"src": "fd00:1::1", "dst": "fd00:1::2", "proto": "esp", "spi": "0x00006001",
              "reqid": 6, "mode": "tunnel", "level": "required"}}]
def same(what, want, got):
    if want != got:
        sys.exit("%s:\n want %s\n got  %s" % (what, json.dumps(want, sort_keys=True), json.dumps(got, sort_keys=True)))
bykey = lambda l: sorted(l, key=lambda s: s["spi"])
same("state list", sas(False), bykey(run("state", "list")))
same("state list -k", sas(True), bykey(run("-k", "state", "list")))
same("state get", sas(False)[2], run("state", "get", "dst", "fd00:1::2", "proto", "esp", "spi", "0x6001"))
same("state get -k", sas(True)[1], run("-k", "state", "get", "dst", "10.0.1.1", "proto", "esp", "spi", "0x1002"))
same("state list filter", sas(False)[:2], bykey(run("state", "list", "src", "10.0.1.1")) + bykey(run("state", "list", "src", "10.0.1.2")))
same("policy list", pols, run("policy", "list"))
same("policy list dir out", [pols[1], pols[3]], run("policy", "list", "dir", "out"))
same("policy get position", pols[2], run("policy", "get", "position", "2"))
same("policy get index", pols[2], run("policy", "get", "index", "8", "dir", "in"))
same("policy count", {"count": 4, "in": 1, "out": 2, "fwd": 1}, run("policy", "count"))
v = run("version")
same("version counts", (4, 4), (v["sa_count"], v["policy_count"]))
# -s: per-SA and per-policy counters, zero without traffic; the rest the same.
def split_stats(l, what):
    for x in l:
        if "stats" not in x:
            sys.exit("%s: no stats in %s" % (what, json.dumps(x)))
    return [x.pop("stats") for x in l], l
st, rest = split_stats(run("-s", "state", "list"), "-s state list")
# -s adds each SA lifetime: added within the last minute, never used,
# no byte or packet count (no such limit), not dying, nothing "left".
now = int(time.time())
for x in rest:
    cur = x.pop("current", None)
    if not cur or set(cur) != {"add"} or not now - 60 <= cur["add"] <= now + 1:
        sys.exit("-s state list: current %s, now %d" % (json.dumps(cur), now))
same("-s state list without stats", sas(False), bykey(rest))
for s in st:
    for c in ("packets", "bytes", "replay", "outside-window", "integrity",
              "bad-header", "policy", "expired", "seq-overflow", "error",
              "async", "crypto-busy", "ecn", "too-big"):
        same("-s state list counter " + c, 0, s.get(c))
st, rest = split_stats(run("-s", "policy", "list"), "-s policy list")
# -s adds the times of each policy: added within the last minute, never used.
for x in rest:
    cur = x.pop("current", None)
    if not cur or set(cur) != {"add"} or not now - 60 <= cur["add"] <= now + 1:
        sys.exit("-s policy list: current %s, now %d" % (json.dumps(cur), now))
same("-s policy list without stats", pols, rest)
same("-s policy list counters", [{"packets": 0, "bytes": 0, "drops": 0}] * 4, st)
'
json_tables() { python3 -c "$JSON_CHECK" "$@"; }
check json-tables json_tables "$t" KG=$KG KE=$KE KA=$KA KC=$KC KS=$KS
out=$(tn -s state list)
check_eq stats-text-per-sa 4 "$(echo "$out" | grep -c 'counters: packets 0 bytes 0')"
check_eq stats-text-drops 4 "$(echo "$out" | grep -c 'drops: .*integrity 0')"
check_eq stats-text-policy 4 "$(tn -s policy list | grep -c 'counters: packets 0 bytes 0 drops 0')"

# A refused command changes nothing: the tables (keys included) are the
# same after it, status and message as promised.
before=$(tn -j -k state list; tn -j policy list)
check_fail refused-key-length 2 'rfc4106\(gcm\(aes\)\): key must be 128\.\.256 bits \+ salt, not 120' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1003 reqid 1 mode tunnel \
	aead 'rfc4106(gcm(aes))' 0x00112233445566778899aabbccddee01020304 128
check_fail refused-duplicate-spi 2 'an SA with this dst, spi and proto exists' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1001 reqid 9 mode tunnel \
	aead 'rfc4106(gcm(aes))' 0xffeeddccbbaa99887766554433221100ffeeddcc 128
check_fail refused-update-key-length 2 'rfc4106\(gcm\(aes\)\): key must be 128\.\.256 bits \+ salt, not 120' \
	tn state update src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1001 reqid 1 mode tunnel \
	replay-window 64 aead 'rfc4106(gcm(aes))' 0xffeeddccbbaa99887766554433221100ffeedd 128
check_fail refused-transport-sel-family 2 'a transport SA.s selector must be of its family' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1004 mode transport \
	aead 'rfc4106(gcm(aes))' $KG 128 sel src fd00::1 dst fd00::2
check_fail refused-ah-encap 2 'AH cannot cross a NAT: no encap' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto ah spi 0x1005 mode tunnel auth 'hmac(sha1)' $KS \
	encap espinudp 4500 4500 0.0.0.0
check_fail refused-esp-align8 2 'flag align8 is for AH' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1007 mode tunnel \
	aead 'rfc4106(gcm(aes))' $KG 128 flag align8
check_fail refused-duplicate-policy 2 'a policy with this dir and selector exists' \
	tn policy add src 192.168.1.0/24 dst 192.168.2.0/24 dir out action block
check_fail refused-usage-encap 1 'encap espintcp is not supported yet' \
	tn state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x1006 mode tunnel \
	aead 'rfc4106(gcm(aes))' $KG 128 encap espintcp 4500 4500 0.0.0.0
check_fail refused-delete-unknown 2 'state delete: .*No such file or directory' tn state delete dst 10.0.1.2 proto esp spi 0x9999
check_fail refused-policy-delete-unknown 2 'policy delete: no policy at position 9 .*No such file or directory' tn policy delete position 9
check_fail refused-policy-delete-index-dir 2 'policy delete: no policy with index 8 and that dir' tn policy delete index 8 dir out
check_fail refused-policy-add-index-dir 2 'policy add: the index is of another dir' \
	tn policy add src 10.8.0.0/16 dst 10.9.0.0/16 dir out index 8
check_eq refused-left-tables-unchanged "$before" "$(tn -j -k state list; tn -j policy list)"
check_eq refused-counts-unchanged "SAs 4, policies 4" "$(tn version | tail -1)"

# ip xfrm's update adds a policy that does not exist (where its priority
# goes), and a new priority moves an existing one there.
U="src 192.168.7.0/24 dst 192.168.8.0/24 dir out"
check update-adds tn policy update $U priority 3 action block
check_eq update-adds-count 5 "$(tn -j policy count | python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])')"
check_match update-adds-place "^src 192.168.7.0/24 dst 192.168.8.0/24 dir out action block priority 3 position 3 $" "$(tn -o policy list | ol)"
check update-moves tn policy update $U priority 9 action block
check_match update-moves-place "^src 192.168.7.0/24 dst 192.168.8.0/24 dir out action block priority 9 position 4 $" "$(tn -o policy list | ol)"
check delete-updated tn policy delete $U
# Selectors keep their addresses: host bits make another policy (both
# of priority 0: above the priority-5 one).
check sel-host-bits-a tn policy add src 10.1.1.1/30 dst 10.2.0.0/16 dir out action block
check sel-host-bits-b tn policy add src 10.1.1.0/30 dst 10.2.0.0/16 dir out action block
check_match sel-host-bits-kept "^src 10.1.1.1/30 dst 10.2.0.0/16 dir out .* position 3 $" "$(tn -o policy list | ol)"
check_match sel-host-bits-shown "^src 10.1.1.0/30 dst 10.2.0.0/16 dir out .* position 4 $" "$(tn -o policy list | ol)"
check sel-host-bits-get tn policy get src 10.1.1.1/30 dst 10.2.0.0/16 dir out
check sel-host-bits-del-a tn policy delete src 10.1.1.1/30 dst 10.2.0.0/16 dir out
check sel-host-bits-del-b tn policy delete src 10.1.1.0/30 dst 10.2.0.0/16 dir out

# Delete and flush empty the tables again.
check delete-sa tn state delete dst 10.0.1.2 proto esp spi 0x1001
check_eq delete-sa-count $'\t SAD count 3' "$(tn state count)"
check_fail deleted-sa-gone 2 'state get: .*No such file or directory' tn state get dst 10.0.1.2 proto esp spi 0x1001
check delete-policy-position tn policy delete position 0
check delete-policy-sel tn policy delete dir out src 192.168.1.0/24 dst 192.168.2.0/24
check_eq delete-policy-left "0 192.168.2.0/24 in|1 fd00:a::/64 out" "$(tn -j policy list |
	python3 -c 'import json, sys; print("|".join("%d %s %s" % (p["position"], p["src"], p["dir"]) for p in json.load(sys.stdin)))')"
check flush-policy-dir tn policy flush dir in
check_eq flush-policy-dir-count $'\t SPD IN  0 OUT 1 FWD 0' "$(tn policy count)"
check flush-sa tn state flush
check flush-policy tn policy flush
check_eq flushed-state-json "[]" "$(tn -j state list)"
check_eq flushed-policy-json "[]" "$(tn -j policy list)"
check_eq flushed-state-text "" "$(tn state list)"
check_eq flushed-counts "SAs 0, policies 0" "$(tn version | tail -1)"

# ip xfrm's policy index, the same lines on Linux XFRM (namespace x) and on
# nfipsec (y), both fresh: an index given is taken when it is free and of
# the policy's dir, made up (as XFRM's generator does) when taken; update
# keeps or makes one up the same way; get and delete by index and dir.
IDX='policy add src 10.2.0.0/16 dst 10.0.0.0/8 dir out index 97
policy add src 10.3.0.0/16 dst 10.0.0.0/8 dir out index 97
policy add src 10.4.0.0/16 dst 10.0.0.0/8 dir out
policy add src 10.5.0.0/16 dst 10.0.0.0/8 dir in
policy add src 10.6.0.0/16 dst 10.0.0.0/8 dir fwd index 0
policy update src 10.9.0.0/16 dst 10.0.0.0/8 dir out index 9 priority 3
policy update src 10.4.0.0/16 dst 10.0.0.0/8 dir out index 33 priority 2
policy delete index 97 dir out'
sed 's/^/xfrm /' <<< "$IDX" | ip -n "$x" -batch - || fail index-xfrm "ip xfrm refused the lines"
nfipsec -n "$y" -b - <<< "$IDX" || fail index-nfipsec "nfipsec refused the lines"
xfrm_idx=$(ip -n "$x" -s xfrm policy | grep -o '^src [^ ]*\|index [0-9]*' | paste -d' ' - - | sort)
nfi_idx=$(nfipsec -n "$y" -j policy list | python3 -c 'import json, sys
for p in json.load(sys.stdin): print("src %s index %d" % (p["src"], p["index"]))' | sort)
check_eq index-as-xfrm "$xfrm_idx" "$nfi_idx"
check_eq index-xfrm-values "src 10.3.0.0/16 index 1|src 10.4.0.0/16 index 9|src 10.5.0.0/16 index 16|src 10.6.0.0/16 index 26|src 10.9.0.0/16 index 33" "$(tr '\n' '|' <<< "$xfrm_idx" | sed 's/|$//')"
check_fail index-get-other-dir-xfrm 2 'No such file or directory' ip -n "$x" xfrm policy get index 8 dir out
check_fail index-get-other-dir 2 'no policy with index 8 and that dir' nfipsec -n "$y" policy get index 8 dir out
check_match index-get "^src 10.5.0.0/16 dst 10.0.0.0/8 uid 0 dir in action allow index 16 priority 0 " "$(nfipsec -n "$y" -s -o policy get index 16 dir in | ol)"
check index-delete nfipsec -n "$y" policy delete index 16 dir in
check_eq index-deleted $'\t SPD IN  0 OUT 3 FWD 1' "$(nfipsec -n "$y" policy count)"
# Moves among equal priorities (the list: 10.3 and 10.6 of priority 0,
# 10.4 of 2, 10.9 of 3) keep each policy's index; one past a better
# priority is refused.
order() { nfipsec -n "$y" -j policy list | python3 -c 'import json, sys
print(" ".join("%s=%d" % (p["src"].split("/")[0], p["index"]) for p in json.load(sys.stdin)))'; }
check_eq move-start "10.3.0.0=1 10.6.0.0=26 10.4.0.0=9 10.9.0.0=33" "$(order)"
check move-before nfipsec -n "$y" policy move position 1 before 0
check_eq move-before-order "10.6.0.0=26 10.3.0.0=1 10.4.0.0=9 10.9.0.0=33" "$(order)"
check move-after nfipsec -n "$y" policy move position 0 after 1
check_eq move-after-order "10.3.0.0=1 10.6.0.0=26 10.4.0.0=9 10.9.0.0=33" "$(order)"
check move-to nfipsec -n "$y" policy move position 0 to 1
check_eq move-to-order "10.6.0.0=26 10.3.0.0=1 10.4.0.0=9 10.9.0.0=33" "$(order)"
check_fail move-past-priority 2 'priority 3 cannot go there: it would pass a policy of priority 0' \
	nfipsec -n "$y" policy move position 3 before 1
check_eq move-refused-order "10.6.0.0=26 10.3.0.0=1 10.4.0.0=9 10.9.0.0=33" "$(order)"

# ip xfrm's list filters, deleteall, counts and -4/-6/-o: the same lines on
# Linux XFRM (namespace p) and nfipsec (q); each list, with a filter, must
# show the same objects (SAs by spi, policies by selector and dir, both
# read from -o's one line per object).
KP=0x0102030405060708090a0b0c0d0e0f1011121314
AG="aead 'rfc4106(gcm(aes))' $KP 128"
FLT="state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 reqid 1 mode tunnel $AG
state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x101 reqid 2 mode transport flag esn replay-window 32 $AG
state add src 192.0.2.9 dst 192.0.2.1 proto esp spi 0x102 reqid 2 mode tunnel flag noecn decap-dscp $AG
state add src fd00::1 dst fd00::2 proto esp spi 0x103 reqid 1 mode tunnel flag esn noecn replay-window 64 $AG
policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out priority 5 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel
policy add src 10.1.1.0/24 dst 10.2.0.0/16 proto tcp dport 22 dir out priority 3 action block
policy add dir in action block priority 9
policy add src fd00:1::/64 dst fd00:2::/64 dir fwd
policy add dst 10.9.0.0/16 proto udp sport 53 dir fwd priority 9"
sed 's/^/xfrm /' <<< "$FLT" | ip -n "$p" -batch - || fail filter-xfrm "ip xfrm refused the lines"
# nfipsec takes ip -batch's lines as they are.
sed 's/^/xfrm /' <<< "$FLT" | nfipsec -n "$q" -b - || fail filter-nfipsec "nfipsec refused the lines"
# ip xfrm's text layout, byte for byte (trailing spaces included): the
# same tables on Linux XFRM (lp) and nfipsec (lq), FLT's objects and LAY's
# (other algorithms, AH, encap, output-mark, limits, an SA sel with ports,
# a window over 32; templates with spi, level use (inbound: XFRM refuses an
# optional tunnel template outbound), transport, IPv6, AH),
# one object a line (-o, or the lines of an object joined) and sorted (the
# dump orders differ). What differs by design, and only that, is rewritten
# before comparing:
# - ip's anti-replay lines: nfipsec has none (its sequence numbers are on
#   its counters line), but the window of ip's ESN context (ESN or over
#   32) is compared with nfipsec's "window N" line, its last;
# - ptype (XFRM_SUB_POLICY kernels);
# - date digits (add and use times), not "-";
# - a policy's "add" time: XFRM's, "-" here (nfipsec keeps none);
# - nfipsec's own lines (position, counters, drops, lifetime left, dying,
#   flag align8, nat-keepalive, window), taken off the end of the object
#   only: one before or among ip's lines is a difference.
setup_ns lp lq || exit 1
LAY="state add src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x200 reqid 3 mode tunnel replay-window 32 enc 'cbc(aes)' $KE auth-trunc 'hmac(sha256)' $KA 128 output-mark 0x10 mask 0xff
state add src 198.51.100.2 dst 198.51.100.1 proto ah spi 0x201 reqid 4 mode transport replay-window 16 flag align4 auth 'hmac(sha1)' $KS
state add src 198.51.100.3 dst 198.51.100.1 proto esp spi 0x202 reqid 5 mode tunnel $AG encap espinudp 4500 4501 0.0.0.0
state add src 198.51.100.1 dst 198.51.100.4 proto esp spi 0x203 reqid 6 mode transport $AG sel src 198.51.100.1/32 dst 198.51.100.4/32 proto tcp sport 1024 dport 22 limit byte-soft 100000 limit byte-hard 200000 limit packet-soft 100 limit packet-hard 200 limit time-soft 3000 limit time-hard 3600 limit time-use-soft 600 limit time-use-hard 1200
state add src fd00::1 dst fd00::3 proto esp spi 0x204 reqid 7 mode tunnel replay-window 256 $AG
policy add src 10.3.0.0/16 dst 10.4.0.0/16 dir out tmpl src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x200 reqid 3 mode tunnel
policy add src 198.51.100.1/32 dst 198.51.100.4/32 proto tcp sport 1024 dir out tmpl proto esp reqid 6 mode transport
policy add src fd00:3::/64 dst fd00:4::/64 dir in tmpl src fd00::3 dst fd00::1 proto esp reqid 7 mode tunnel level use
policy add src 10.5.0.0/16 dst 10.6.0.0/16 dir fwd priority 7 tmpl src 198.51.100.2 dst 198.51.100.1 proto ah reqid 4 mode tunnel"
printf '%s\n%s\n' "$FLT" "$LAY" | sed 's/^/xfrm /' | ip -n "$lp" -batch - ||
	fail layout-xfrm "ip xfrm refused the lines"
printf '%s\n%s\n' "$FLT" "$LAY" | sed 's/^/xfrm /' | nfipsec -n "$lq" -b - ||
	fail layout-nfipsec "nfipsec refused the lines"
# joined: text without -o as -o has it (an object's lines joined by "\").
joined() { awk '/^[^\t]/ { if (o != "") print o; o = "" } { o = o $0 "\\" } END { if (o != "") print o }'; }
DATE_RE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'
layout_xfrm() {
	sed -E -e 's/\t(anti-replay context: [^\\]*|anti-replay esn context:| seq-hi [^\\]*| ([0-9a-f]{8} )+)\\//g' \
		-e 's/\t replay_window ([0-9]+), bitmap-length [0-9]+\\(.*)$/\2\tWINDOW \1\\/' \
		-e 's/ptype main //' -e "s/$DATE_RE/DATE/g" | sort
}
NFI_EXTRA='position [0-9]+|counters:[^\\]*|drops:[^\\]*|lifetime left:[^\\]*|dying|flag align8|nat-keepalive [^\\]*|follow-mapping'
layout_nfi() {
	sed -E -e 's/\twindow ([0-9]+)\\$/\tWINDOW \1\\/' \
		-e ':a' -e "s/\t($NFI_EXTRA)\\\\(\tWINDOW [0-9]+\\\\)?\$/\2/" -e 'ta' \
		-e "s/$DATE_RE/DATE/g" | sort
}
same_layout() {	# NAME "IP ARGS" "NFIPSEC ARGS" [-o | joined]
	local want got how=${4:--o}
	if [ "$how" = -o ]; then
		want=$(ip -n "$lp" -o $2 | layout_xfrm)
		got=$(nfipsec -n "$lq" -o $3 | layout_nfi)
	else
		want=$(ip -n "$lp" $2 | joined | layout_xfrm)
		got=$(nfipsec -n "$lq" $3 | joined | layout_nfi)
	fi
	[ -n "$want" ] && [ "$want" = "$got" ] && { pass "$1"; return; }
	fail "$1" "layouts differ: $(diff <(echo "$want") <(echo "$got") | head -c 1500 | cat -A | tr '\n' ' ')"
}
same_layout layout-state-list "xfrm state list nokeys" "state list"
same_layout layout-state-list-keys "xfrm state list" "-k state list"
same_layout layout-state-list-stats "-s xfrm state list nokeys" "-s state list"
same_layout layout-state-list-stats-keys "-s xfrm state list" "-s -k state list"
same_layout layout-state-text "xfrm state list nokeys" "state list" joined
same_layout layout-state-text-stats-keys "-s xfrm state list" "-s -k state list" joined
same_layout layout-state-get "xfrm state get dst 192.0.2.1 proto esp spi 0x101" "-k state get dst 192.0.2.1 proto esp spi 0x101"
same_layout layout-state-get-stats "-s xfrm state get dst 198.51.100.4 proto esp spi 0x203" "-s -k state get dst 198.51.100.4 proto esp spi 0x203"
same_layout layout-state-get-ah "-s xfrm state get dst 198.51.100.1 proto ah spi 0x201" "-s -k state get dst 198.51.100.1 proto ah spi 0x201" joined
same_layout layout-policy-list "xfrm policy list" "policy list"
same_layout layout-policy-list-stats "-s xfrm policy list" "-s policy list"
same_layout layout-policy-text "xfrm policy list" "policy list" joined
same_layout layout-policy-text-stats "-s xfrm policy list" "-s policy list" joined
same_layout layout-policy-get "xfrm policy get src 10.1.0.0/16 dst 10.2.0.0/16 dir out" "policy get src 10.1.0.0/16 dst 10.2.0.0/16 dir out"
same_layout layout-policy-get-stats "-s xfrm policy get src 10.3.0.0/16 dst 10.4.0.0/16 dir out" "-s policy get src 10.3.0.0/16 dst 10.4.0.0/16 dir out"
# The normalisation keeps what it must compare: windows (ESN and over 32),
# AH's align4, the encap line, (N bits), limits, ports, level use.
out=$(nfipsec -n "$lq" -s -k -o state list | layout_nfi)
check_eq layout-kept-windows 3 "$(grep -c $'\tWINDOW [0-9]' <<< "$out")"
check_match layout-kept-window-256 $'\tWINDOW 256\\\\$' "$(grep 'spi 0x00000204' <<< "$out")"
check_match layout-kept-align4 'flag align4 \(0x01000000\)' "$(grep 'proto ah' <<< "$out")"
check_match layout-kept-encap $'\tencap type espinudp sport 4500 dport 4501 addr 0.0.0.0\\\\' "$out"
check_match layout-kept-key-bits '0x[0-9a-f]{64} \(256 bits\) 128\\' "$out"
check_match layout-kept-limits 'limit: soft 100000\(bytes\), hard 200000\(bytes\).*expire use: soft 600\(sec\), hard 1200\(sec\)' "$out"
check_match layout-kept-sel-ports $'\tsel src 198.51.100.1/32 dst 198.51.100.4/32 proto tcp sport 1024 dport 22 uid 0\\\\' "$out"
check_match layout-kept-level-use $'\t\tlevel use \\\\' "$(nfipsec -n "$lq" -o policy list | layout_nfi)"
# Without -o the same text, a line for each "\".
check_eq layout-lines-as-oneline "$(nfipsec -n "$q" -o -s policy list | sed 's/\\$//' | tr '\\' '\n')" "$(nfipsec -n "$q" -s policy list)"
sas_of() { grep -o 'spi 0x[0-9a-f]*' | sort | tr '\n' ' '; }
pols_of() { sed -E 's/^(position [0-9]+ )?(src [^ ]+ dst [^ ]+).*[[:space:]]dir ([a-z]+).*/\2 \3/' | sort | tr '\n' '|'; }
same_states() {	# NAME [OPTIONS] -- FILTER...
	local name=$1 opts=() want got
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	want=$(ip -n "$p" "${opts[@]}" -o xfrm state list "$@" | sas_of)
	got=$(nfipsec -n "$q" "${opts[@]}" -o state list "$@" | sas_of)
	check_eq "$name" "$want" "$got"
}
same_policies() {
	local name=$1 opts=() want got
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	want=$(ip -n "$p" "${opts[@]}" -o xfrm policy list "$@" | pols_of)
	got=$(nfipsec -n "$q" "${opts[@]}" -o policy list "$@" | pols_of)
	check_eq "$name" "$want" "$got"
}
check_eq filter-sas-all "spi 0x00000100 spi 0x00000101 spi 0x00000102 spi 0x00000103 " "$(nfipsec -n "$q" state list | sas_of)"
same_states filter-sa-none --
same_states filter-sa-mode-tunnel -- mode tunnel
same_states filter-sa-mode-transport -- mode transport
same_states filter-sa-reqid -- reqid 2
same_states filter-sa-flag-esn -- flag esn
same_states filter-sa-flag-any -- flag noecn esn
same_states filter-sa-flag-decap-dscp -- flag decap-dscp
same_states filter-sa-flag-wildrecv -- flag wildrecv
same_states filter-sa-flag-not-carried -- flag icmp
same_states filter-sa-src-prefix -- src 192.0.2.0/24
same_states filter-sa-src-prefix-host-bits -- src 192.0.2.8/29
same_states filter-sa-dst-v6 -- dst fd00::/16
same_states filter-sa-id -- dst 192.0.2.1 proto esp spi 0x101
same_states filter-sa-mixed -- src 192.0.2.0/24 reqid 2 mode tunnel
same_states filter-sa-4 -4 --
same_states filter-sa-6 -6 --
same_states filter-sa-4-reqid -4 -- reqid 1
check_eq filter-sa-none-empty "" "$(nfipsec -n "$q" state list reqid 77)"
same_policies filter-pol-none --
same_policies filter-pol-dir -- dir out
same_policies filter-pol-src-prefix -- src 10.1.0.0/16
same_policies filter-pol-src-shorter -- src 10.0.0.0/8
same_policies filter-pol-dst-longer -- dst 10.2.0.0/24
same_policies filter-pol-proto -- proto tcp
same_policies filter-pol-dport -- dport 22
same_policies filter-pol-sport-alone -- sport 53
same_policies filter-pol-action -- action block
same_policies filter-pol-priority -- priority 9
same_policies filter-pol-ptype-nosock -- ptype main nosock
same_policies filter-pol-any-sel -- src 0.0.0.0/0 dir in
same_policies filter-pol-4 -4 --
same_policies filter-pol-6 -6 --
same_policies filter-pol-4-fwd -4 -- dir fwd
idx=$(ip -n "$p" -o xfrm policy list src 10.1.1.0/24 | grep -o 'index [0-9]*')
[ -n "$idx" ] || idx=$(ip -n "$p" -s -o xfrm policy list src 10.1.1.0/24 | grep -o 'index [0-9]*')
same_policies filter-pol-index -- $idx
check_match filter-pol-index-one "^src 10.1.1.0/24 dst 10.2.0.0/16 out\|$" "$(nfipsec -n "$q" -o policy list $idx | pols_of)"
# Counts, exactly as ip xfrm prints them (-s adds the socket policies).
check_eq count-sa-as-xfrm "$(ip -n "$p" xfrm state count)" "$(nfipsec -n "$q" state count)"
check_eq count-pol-as-xfrm "$(ip -n "$p" xfrm policy count)" "$(nfipsec -n "$q" policy count)"
check_eq count-pol-s-as-xfrm "$(ip -n "$p" -s xfrm policy count)" "$(nfipsec -n "$q" -s policy count)"
check_eq count-pol-o-as-xfrm "$(ip -n "$p" -o xfrm policy count)" "$(nfipsec -n "$q" -o policy count)"
check_eq spdinfo-no-hthresh $'\t SPD IN  1 OUT 2 FWD 2\n\t SPD hash thresholds: none (nfipsec\'s policies are an ordered list)' "$(nfipsec -n "$q" policy spdinfo)"
out=$(nfipsec -n "$q" policy set hthresh4 24 24 hthresh6 64 64 2>&1)
check_eq policy-set-status 0 "$?"
check_match policy-set-nothing 'no hash thresholds.*nothing set' "$out"
# -o: one line per object, "\" where the text breaks a line.
check_eq oneline-sa-lines 4 "$(nfipsec -n "$q" -o state list | wc -l)"
check_eq oneline-sa-as-xfrm "$(ip -n "$p" -o xfrm state list | wc -l)" "$(nfipsec -n "$q" -o state list | wc -l)"
check_match oneline-sa-breaks '^src 192.0.2.1 dst 192.0.2.2\\'$'\t''proto esp spi 0x00000100 reqid 1 mode tunnel\\' "$(nfipsec -n "$q" -o state list spi 0x100)"
check_eq oneline-pol-lines 5 "$(nfipsec -n "$q" -o policy list | wc -l)"
check_eq details-same-as-plain "$(nfipsec -n "$q" state list)" "$(nfipsec -n "$q" -d state list)"
check_eq stats-long-same "$(nfipsec -n "$q" -s policy list | grep -c counters:)" "$(nfipsec -n "$q" -stats policy list | grep -c counters:)"
# get and delete of a selector without addresses: 0.0.0.0/0 (IPv4).
check_match get-any-sel "^src 0.0.0.0/0 dst 0.0.0.0/0 dir in action block priority 9 " "$(nfipsec -n "$q" -o policy get dir in | ol)"
# deleteall with filters, then the same lists and counts as XFRM.
for del in "state deleteall reqid 2 mode tunnel" "state deleteall -6" \
	"policy deleteall dir fwd priority 9" "policy deleteall src 10.1.1.0/24 action block"; do
	if [ "${del##* }" = -6 ]; then
		ip -n "$p" -6 xfrm ${del% -6}
		check "deleteall-${del// /-}" nfipsec -n "$q" -6 ${del% -6}
	else
		ip -n "$p" xfrm $del
		check "deleteall-${del// /-}" nfipsec -n "$q" $del
	fi
done
same_states deleteall-sa-left --
check_eq deleteall-sa-left-spis "spi 0x00000100 spi 0x00000101 " "$(nfipsec -n "$q" state list | sas_of)"
same_policies deleteall-pol-left --
check_eq deleteall-count-sa "$(ip -n "$p" xfrm state count)" "$(nfipsec -n "$q" state count)"
check_eq deleteall-count-pol "$(ip -n "$p" xfrm policy count)" "$(nfipsec -n "$q" policy count)"
check_eq deleteall-nothing-matches 0 "$(nfipsec -n "$q" state deleteall reqid 77; echo $?)"

# Batch files: a failed line stops the batch ("Command failed FILE:LINE");
# with -force the rest runs and the status is the failed line's (2: the
# kernel refused). ip's own -force cannot go on past a failed xfrm line
# (ip xfrm exits): nfipsec does.
BATCH=$(mktemp)
printf '%s\n' "xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 reqid 1 mode tunnel $AG" \
	'xfrm policy add src 10.77.0.0/16 dst 10.78.0.0/16 dir out' > "$BATCH"
out=$(nfipsec -n "$q" -b "$BATCH" 2>&1)
check_eq batch-stop-status 2 "$?"
check_match batch-stop-message "Command failed $BATCH:1" "$out"
check_fail batch-stop-rest-not-run 2 'No such file' nfipsec -n "$q" policy get src 10.77.0.0/16 dst 10.78.0.0/16 dir out
out=$(nfipsec -n "$q" -force -b "$BATCH" 2>&1)
check_eq batch-force-status 2 "$?"
check_match batch-force-message "Command failed $BATCH:1" "$out"
check batch-force-rest-run nfipsec -n "$q" policy get src 10.77.0.0/16 dst 10.78.0.0/16 dir out
rm -f "$BATCH"
# The same through ip netns exec, without -n.
check_eq netns-exec-batch "$(nfipsec -n "$q" state count)" "$(echo 'xfrm state count' | ip netns exec "$q" nfipsec -b -)"

# monitor -ts / -timestamp: ip monitor's time stamps before each event.
MONF=$(mktemp)
nfipsec -n "$q" -ts monitor policy > "$MONF" 2>&1 </dev/null &
bg_pids+=($!)
mon_seen() {
	grep -q 'policy add' "$MONF" && return 0
	nfipsec -n "$q" policy delete src 10.79.0.0/16 dst 10.80.0.0/16 dir out 2>/dev/null
	nfipsec -n "$q" policy add src 10.79.0.0/16 dst 10.80.0.0/16 dir out
	nap 0.3
	grep -q 'policy add' "$MONF"
}
wait_until 10 mon_seen
check_match monitor-tshort '^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\] policy add ' "$(grep 'policy add' "$MONF" | head -1)"
nfipsec -n "$q" -timestamp monitor policy > "$MONF.2" 2>&1 </dev/null &
bg_pids+=($!)
MONF=$MONF.2
wait_until 10 mon_seen
check_match monitor-timestamp '^Timestamp: [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} [0-9]+ usec$' "$(grep -B1 'policy add' "$MONF" | head -1)"
rm -f "${MONF%.2}" "$MONF"

# JSON is JSON, with the fields promised.
check json-valid python3 -c '
import json, subprocess, sys
run = lambda *a: json.loads(subprocess.check_output(["nfipsec", "-n", sys.argv[1], "-j", *a]))
v = run("version")
assert v["abi"] == 1 and v["sa_count"] == 0 and v["policy_count"] == 0, v
s = run("stats")
assert len(s) >= 6 and all(isinstance(x, int) for x in s.values()), s
assert "hook-ipv4-input" in s and "hook-ipv6-postrouting" in s, s
' "$a"

# Each namespace has its own counters: traffic in a and b, none in c. The
# hooks count in namespaces with SAs or policies: a policy matching nothing
# (in a, added by an update: the first object brings the hooks all the same).
for ns in "$a" "$b"; do
	op=add
	[ "$ns" = "$a" ] && op=update
	nfipsec -n "$ns" policy $op src 192.0.2.1/32 dst 192.0.2.2/32 dir out ||
		fail policy-for-hooks "refused in $ns"
done
check ping ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.0.1.2
check_eq netns-a-counted 3 "$(nfipsec_stat "$a" hook-ipv4-postrouting)"
check_eq netns-b-counted 3 "$(nfipsec_stat "$b" hook-ipv4-input)"
check_eq netns-c-untouched 0 "$(nfipsec -n "$c" stats | awk '{ s += $2 } END { print s + 0 }')"
check_eq netns-exec-same-as-n "$(nfipsec -n "$c" stats)" "$(ip netns exec "$c" nfipsec stats)"

# Bad input: the kernel's extack reaches the user, and the CLI's own checks.
out=$(nfipsec -n "$a" state list proto 17 2>&1)
check_eq extack-status 2 "$?"
check_match extack-text 'proto must be esp \(50\) or ah \(51\)' "$out"
out=$(nfipsec -n "$a" state list proto bogus 2>&1)
check_eq usage-status 1 "$?"
check_match usage-text 'is not esp, ah or a protocol number' "$out"
out=$(nfipsec -n nfipsec-no-such-netns version 2>&1)
check_eq bad-netns-status 2 "$?"
check_match bad-netns-text 'cannot open network namespace' "$out"

# Unprivileged callers are refused, reads included.
unpriv=/tmp/nfipsec-unpriv
cp "$(command -v nfipsec)" "$unpriv" && chmod 755 "$unpriv"
for cmd in version stats "state list" "policy list"; do
	out=$(ip netns exec "$a" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all $unpriv $cmd 2>&1)
	rc=$?
	check_eq "unprivileged-${cmd// /-}-status" 2 "$rc"
	check_match "unprivileged-${cmd// /-}-text" 'permission denied' "$out"
done
# Root of a new user namespace has CAP_NET_ADMIN there, not over a
# namespace that the initial user namespace owns...
out=$(ip netns exec "$a" unshare --user --map-root-user $unpriv version 2>&1)
check_eq userns-foreign-netns-status 2 "$?"
check_match userns-foreign-netns-text 'permission denied' "$out"
# ...but it does over a network namespace its own user namespace owns.
out=$(unshare --user --map-root-user --net $unpriv -j stats 2>&1)
check_eq userns-own-netns-status 0 "$?"
check_match userns-own-netns-fresh '"hook-ipv4-input":0' "$out"
rm -f "$unpriv"
finish
