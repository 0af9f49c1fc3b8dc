#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-mutants [M="name ..."]: proof that make check fails. Each
# mutant plants one deliberate defect in a scratch copy of the tree and runs
# make check there (on the subset of tests that should catch it, to keep
# this within minutes); the mutant is caught when make check exits non-zero.
# Prints each mutant's verdict with the failures that caught it, and exits
# non-zero when one was not caught or could not be planted.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${NFIPSEC_MUTANTS_DIR:-$top/build/mutants}

# replace FILE OLD NEW: exact text replacement that must match once.
replace() {
	python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:4]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"mutant: {path}: the text to replace occurs {s.count(old)} times")
open(path, "w").write(s.replace(old, new))
PY
}

# Each mutant: a description, the tests (T=) that must catch it, and how
# to plant it in the tree at $1.
desc_accept_all="the output hook accepts protected packets without encrypting them"
tests_accept_all=site2site
plant_accept_all() {
	replace "$1/kmod/output.c" $'\tif (!pol->has_tmpl)\n\t\treturn NF_ACCEPT;' \
		$'\tif (pol)\n\t\treturn NF_ACCEPT;'
}

desc_replay_frozen="the anti-replay window never advances"
tests_replay_frozen=kunit,tunnel_negative
plant_replay_frozen() {
	replace "$1/kmod/replay.c" $'\tu64 top_word, new_word, i;\n' \
		$'\tu64 top_word, new_word, i;\n\n\tif (seq)\n\t\treturn;\n'
}

desc_sa_ref_leak="every transmitted packet leaks a reference to its SA"
tests_sa_ref_leak=site2site
plant_sa_ref_leak() {
	replace "$1/kmod/output.c" $'\tnfipsec_xmit(nn, sa, skb, family);\n\treturn NF_STOLEN;' \
		$'\tWARN_ON_ONCE(!nfipsec_sa_hold(sa));\n\tnfipsec_xmit(nn, sa, skb, family);\n\treturn NF_STOLEN;'
}

desc_empty_selftest="a selftest that exits 0 without running a check"
tests_empty_selftest=mutant_empty
plant_empty_selftest() {
	printf '#!/bin/bash\n# A mutant: runs no check.\nexit 0\n' > "$1/selftests/mutant_empty.sh"
}

desc_empty_kunit="a KUnit suite that registers no case"
tests_empty_kunit=kunit
plant_empty_kunit() {
	cat > "$1/kmod/tests/mutant_test.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
/* A mutant: a suite without cases. */
#include <kunit/test.h>

static struct kunit_case nfipsec_mutant_cases[] = {
	{}
};

static struct kunit_suite nfipsec_mutant_suite = {
	.name = "nfipsec_mutant",
	.test_cases = nfipsec_mutant_cases,
};
kunit_test_suite(nfipsec_mutant_suite);
C
}

desc_offload_unguarded="protected flows may go on a flowtable's fast path"
tests_offload_unguarded=flowtable
plant_offload_unguarded() {
	replace "$1/kmod/offload.c" $'static bool offloadable(const struct nf_conn *ct)\n{\n' \
		$'static bool offloadable(const struct nf_conn *ct)\n{\n\treturn false;\n'
}

desc_udp_blackhole="transport ESP over the SA's path MTU leaves whole, with the sender's DF"
tests_udp_blackhole=transport
plant_udp_blackhole() {
	replace "$1/kmod/output.c" $'\t\t\t\tIPCB(skb)->frag_max_size = mtu;' $'\t\t\t\t(void)0;'
}

desc_frag_inside_esp="a fragment header inside transport ESP is delivered"
tests_frag_inside_esp=transport
plant_frag_inside_esp() {
	replace "$1/kmod/input.c" '!rcv_transport_whole6(skb)) {' '!rcv_transport_whole6(skb) && 0) {'
}

desc_mapping_flood="MAPPING events are not rate-limited"
tests_mapping_flood=natt
plant_mapping_flood() {
	replace "$1/kmod/nl_sa.c" $'\tif (cmpxchg(&sa->mapping_time, last, jiffies ?: 1) != last)\n\t\treturn;\n' ''
	replace "$1/kmod/nl_sa.c" $'\tif (last && time_before(jiffies, last + HZ))\n\t\treturn;\n' ''
	replace "$1/kmod/nl_sa.c" $'\tunsigned long last = READ_ONCE(sa->mapping_time);\n' ''
}

desc_nat_moved_kept="a NAT-T transport packet from another address is delivered"
tests_nat_moved_kept=natt
plant_nat_moved_kept() {
	replace "$1/kmod/policy.c" 'if (sa->mode == NFIPSEC_MODE_TRANSPORT &&' 'if (0 && sa->mode == NFIPSEC_MODE_TRANSPORT &&'
}

desc_ah_icv_unchecked="AH's ICV is computed but not compared"
tests_ah_icv_unchecked=ah
plant_ah_icv_unchecked() {
	replace "$1/kmod/ah.c" 'if (crypto_memneq(ctx->icv, ctx->rcv_icv, ctx->sa->icvlen))' 'if (0)'
}

desc_ah_pmtu_blind="ICMP errors quoting AH packets are ignored"
tests_ah_pmtu_blind=ah
plant_ah_pmtu_blind() {
	replace "$1/kmod/pmtu.c" 'proto == IPPROTO_AH ? IPPROTO_AH : IPPROTO_ESP);' 'IPPROTO_ESP);'
}

desc_follow_unauthenticated="follow-mapping moves the SAs before the ICV is checked"
tests_follow_unauthenticated=natt
plant_follow_unauthenticated() {
	replace "$1/kmod/input.c" $'\treason = replay_verdict(sa, seq, NULL);\n' $'\tif (encap && READ_ONCE(sa->encap_follow))\n\t\tnfipsec_sa_follow_port(sa, fl->sport);\n\treason = replay_verdict(sa, seq, NULL);\n'
}

desc_follow_late="follow-mapping takes the port of a late packet (not the newest)"
tests_follow_late=natt
plant_follow_late() {
	replace "$1/kmod/input.c" 'if (sa->replay.top == seq && !READ_ONCE(sa->dead))' 'if (!READ_ONCE(sa->dead))'
	replace "$1/kmod/input.c" 'if (new_port && raised && READ_ONCE(sa->encap_follow))' 'if (new_port && READ_ONCE(sa->encap_follow))'
}

desc_keepalive_busy="NAT keepalives are sent while the SA carries traffic"
tests_keepalive_busy=natt
plant_keepalive_busy() {
	replace "$1/kmod/keepalive.c" $'\tidle_since = max3(sa->add_ns, (u64)atomic64_read(&sa->last_ns),\n\t\t\t  sa->keepalive_sent_ns);' $'\tidle_since = max(sa->add_ns, sa->keepalive_sent_ns);'
}

desc_ah_mutable_hashed="AH hashes the IPv4 TTL as it is (a mutable field)"
tests_ah_mutable_hashed=nfipsec_ah
plant_ah_mutable_hashed() {
	replace "$1/kmod/ah.c" $'\t\tiph->ttl = 0;\n' ''
}

desc_ah_headers_unrestored="AH input leaves the headers as hashed (mutable fields zero)"
tests_ah_headers_unrestored=nfipsec_ah
plant_ah_headers_unrestored() {
	replace "$1/kmod/ah.c" $'\tah_restore(ctx);\n\tah = (struct ip_auth_hdr *)' $'\tah = (struct ip_auth_hdr *)'
}

desc_encap_gso_ignored="GRO bundles of ESP in UDP are left to the stack, not split"
tests_encap_gso_ignored=natt
plant_encap_gso_ignored() {
	replace "$1/kmod/input.c" $'\treturn sa && sa->encap_type;\n}' $'\treturn sa && sa->encap_type && false;\n}'
}

desc_natt_oa_ignored="NAT-T transport checksums are not fixed up for the peer's original address"
tests_natt_oa_ignored=natt
plant_natt_oa_ignored() {
	replace "$1/kmod/input.c" $'\tif (thoff < 0)\n\t\treturn true;\n\tif (family' $'\tif (thoff)\n\t\treturn true;\n\tif (family'
}

desc_priority_ignored="a new policy is appended whatever its priority"
tests_priority_ignored=tunnel_negative
plant_priority_ignored() {
	replace "$1/kmod/nl_policy.c" $'\t\tpos = nfipsec_policy_prio_pos(nn, pol->priority, NULL);\n\telse' $'\t\tpos = nn->policy_count;\n\telse'
}

desc_sel_masked="selectors lose their host bits (two ip xfrm policies collide)"
tests_sel_masked=cli
plant_sel_masked() {
	replace "$1/kmod/nl_policy.c" $'\t\t*len = nla_get_u8(plen);\n\t}\n' $'\t\t*len = nla_get_u8(plen);\n\t}\n\tif (*family == AF_INET)\n\t\ta->a4 &= *len ? inet_make_mask(*len) : 0;\n'
}

desc_index_ignored="a policy's own index is not taken (a made-up one instead)"
tests_index_ignored=cli
plant_index_ignored() {
	replace "$1/kmod/policy.c" $'\t\tif (want) {\n\t\t\tidx = want;' $'\t\tif (want && 0) {\n\t\t\tidx = want;'
}

desc_update_unhooked="a policy update that adds the namespace's first object brings no hooks"
tests_update_unhooked=cli
plant_update_unhooked() {
	replace "$1/kmod/nl_policy.c" $'\t\terr = pol_make_room(nn, info->extack);\n\t\tif (err) {\n\t\t\tmutex_unlock' $'\t\terr = 0;\n\t\tif (err) {\n\t\t\tmutex_unlock'
}

desc_tmpl_reqid_any_out="an outbound template without a reqid takes an SA of any reqid"
tests_tmpl_reqid_any_out=templates
plant_tmpl_reqid_any_out() {
	replace "$1/kmod/policy.c" $'t->mode == sa->mode && t->reqid == sa->reqid &&' $'t->mode == sa->mode && (!t->reqid || t->reqid == sa->reqid) &&'
}

desc_tmpl_zero_literal="an inbound template's all-zero source is a literal address, not a wildcard"
tests_tmpl_zero_literal=templates
plant_tmpl_zero_literal() {
	replace "$1/kmod/policy.c" $'\tif (nfipsec_addr_any(&t->src, t->family))\n\t\treturn true;' $'\tif (0)\n\t\treturn true;'
}

desc_tmpl_src_literal="an outbound tunnel template without a source looks for SAs from 0.0.0.0"
tests_tmpl_src_literal=templates
plant_tmpl_src_literal() {
	replace "$1/kmod/sa.c" $'\t} else if (nfipsec_addr_any(src, t->family)) {' $'\t} else if (0) {'
}

desc_default_ignored="what no policy matches passes whatever the default policy says"
tests_default_ignored=defaults
plant_default_ignored() {
	replace "$1/kmod/nfipsec.h" $'\treturn READ_ONCE(nn->default_block) & BIT(dir);' $'\treturn false;'
}

desc_default_unhooked="a blocking default policy alone brings no hooks"
tests_default_unhooked=defaults
plant_default_unhooked() {
	replace "$1/kmod/netlink.c" $'\tif (mask) {\n\t\terr = nfipsec_net_hooks_get(nn);' $'\tif (0) {\n\t\terr = nfipsec_net_hooks_get(nn);'
}

desc_decap_dscp_ignored="flag decap-dscp leaves the inner DSCP alone"
tests_decap_dscp_ignored=sa_flags
plant_decap_dscp_ignored() {
	replace "$1/kmod/input.c" $'\tif (sa->flags & NFIPSEC_SA_F_DECAP_DSCP) {' $'\tif (0) {'
}

desc_replay_top_ignored="replay-seq is not applied: the window starts empty at 0"
tests_replay_top_ignored=sa_flags
plant_replay_top_ignored() {
	replace "$1/kmod/sa.c" $'\tsa->replay.top = cfg->replay_top;\n' $'\n'
}

desc_wildrecv_sends="an SA with flag wildrecv is used to send"
tests_wildrecv_sends=sa_flags
plant_wildrecv_sends() {
	replace "$1/kmod/sa.c" $'\t\t    (sa->flags & NFIPSEC_SA_F_WILDRECV) ||\n' ''
}

desc_fwd_esp_exempt="forwarded ESP passes the fwd policies and default unchecked"
tests_fwd_esp_exempt=defaults
plant_fwd_esp_exempt() {
	replace "$1/kmod/input.c" $'\t    (dir == NFIPSEC_DIR_IN &&\n\t     (fl->proto == IPPROTO_ESP || fl->proto == IPPROTO_AH ||' $'\t    fl->proto == IPPROTO_ESP || (dir == NFIPSEC_DIR_IN &&\n\t     (fl->proto == IPPROTO_AH ||'
}

desc_ike_any_socket="IKE's inbound exemption holds for any socket on the port"
tests_ike_any_socket=security
plant_ike_any_socket() {
	replace "$1/kmod/flow.c" 'if (!sock_admin(nn, sk) || !refcount_inc_not_zero' 'if (!sk || !refcount_inc_not_zero'
}

desc_bridged_checked="frames br_netfilter shows the IP hooks meet the policies and defaults"
tests_bridged_checked=defaults
plant_bridged_checked() {
	replace "$1/kmod/hooks.c" 'NF_INET_LOCAL_IN && bridged(skb)) {' 'NF_INET_LOCAL_IN && bridged(skb) && false) {'
}

desc_nat_default_post_view="the default decides on the view after NAT when it has no policy"
tests_nat_default_post_view=defaults
plant_nat_default_post_view() {
	replace "$1/kmod/input.c" $'if (verdict != NF_DROP && nfipsec_flow_prenat(skb, fl))' $'if (verdict == NF_ACCEPT && nfipsec_flow_prenat(skb, fl))'
}

desc_nat_post_allow_wins="an allow for the view after NAT passes what the view before NAT leaves to a blocking default"
tests_nat_post_allow_wins=defaults
plant_nat_post_allow_wins() {
	replace "$1/kmod/input.c" $'if (verdict != NF_DROP && nfipsec_flow_prenat(skb, fl))\n' $'if (verdict != NF_DROP && nfipsec_flow_prenat(skb, fl) &&\n\t    check_clear(nn, skb, dir, fl) != NFIPSEC_NO_POLICY)\n'
}

desc_bulk_goes_on="a bulk policy add goes on after a failed one"
tests_bulk_goes_on=config_load
plant_bulk_goes_on() {
	replace "$1/kmod/nl_policy.c" $'\t\t\t\tNL_SET_BAD_ATTR(info->extack, nest);\n\t\t\tbreak;' $'\t\t\t\tNL_SET_BAD_ATTR(info->extack, nest);\n\t\t\terr = 0;\n\t\t\tcontinue;'
}

desc_acquire_tmpl_src="an ACQUIRE names the template's addresses, not the SA's resolved ones"
tests_acquire_tmpl_src=tunnel_negative
plant_acquire_tmpl_src() {
	replace "$1/kmod/netlink.c" 'acquire_put_sa(msg, &pol->tmpl, src, dst, seq))' 'acquire_put_sa(msg, &pol->tmpl, &pol->tmpl.src, &pol->tmpl.dst, seq))'
}

desc_unroutable_acquires="no route to a source-less template's peer: an ACQUIRE is sent anyway"
tests_unroutable_acquires=tunnel_negative
plant_unroutable_acquires() {
	replace "$1/kmod/output.c" 'if (nfipsec_tmpl_endpoints(nn, &pol->tmpl, &fl, &src, &dst)) {' 'if (nfipsec_tmpl_endpoints(nn, &pol->tmpl, &fl, &src, &dst) && false) {'
}

desc_bulk_list_unchecked="a truncated bulk list is not refused: the entries before the stray bytes are added"
tests_bulk_list_unchecked=config_load
plant_bulk_list_unchecked() {
	replace "$1/kmod/nl_policy.c" $'\tif (rem) {\n\t\tNL_SET_ERR_MSG_ATTR(info->extack, list,\n\t\t\t\t    "NFIPSEC_A_POLICIES is truncated");' $'\tif (rem && false) {\n\t\tNL_SET_ERR_MSG_ATTR(info->extack, list,\n\t\t\t\t    "NFIPSEC_A_POLICIES is truncated");'
}

desc_larval_no_holddown="an ACQUIRE's larval SA holds nothing down: one ACQUIRE a second"
tests_larval_no_holddown=larval
plant_larval_no_holddown() {
	replace "$1/kmod/larval.c" $'\tu64 now = ktime_get_coarse_boottime_ns();\n\tstruct nfipsec_larval *l;\n' \
		$'\tu64 now = ktime_get_coarse_boottime_ns();\n\tstruct nfipsec_larval *l;\n\n\tif (now)\n\t\treturn false;\n'
}

desc_larval_spi_free="state add takes the SPI an allocspi holds"
tests_larval_spi_free=larval
plant_larval_spi_free() {
	replace "$1/kmod/sa.c" $'\t\t\t\tcfg->proto, NULL) != larval) {' $'\t\t\t\tcfg->proto, NULL) != larval && larval) {'
}

desc_larval_seq_ignored="allocspi seq N does not find the ACQUIRE's larval SA"
tests_larval_seq_ignored=larval
plant_larval_seq_ignored() {
	replace "$1/kmod/larval.c" $'\tif (seq)\n\t\tlist_for_each_entry(l, &nn->larvals, list)\n\t\t\tif (l->seq == seq && l->proto == proto &&' \
		$'\tif (!seq)\n\t\tlist_for_each_entry(l, &nn->larvals, list)\n\t\t\tif (l->seq == seq && l->proto == proto &&'
}

desc_larval_not_answered="an SA added for an ACQUIRE leaves its larval SA"
tests_larval_not_answered=larval
plant_larval_not_answered() {
	replace "$1/kmod/sa.c" $'\tnfipsec_larval_answered(nn, sa);\n' ''
}

desc_larval_no_expire="larval SAs never expire"
tests_larval_no_expire=larval
plant_larval_no_expire() {
	replace "$1/kmod/larval.c" $'\t\tif (larval_expired(l, now)) {\n\t\t\tlarval_unlink(nn, l);' \
		$'\t\tif (larval_expired(l, now) && !now) {\n\t\t\tlarval_unlink(nn, l);'
}

desc_larval_spi_dup="allocspi may give an SPI another larval SA holds"
tests_larval_spi_dup=larval
plant_larval_spi_dup() {
	replace "$1/kmod/larval.c" $'\treturn spi && !nfipsec_sa_spi_used(nn, htonl(spi), proto) &&\n\t       !larval_spi_used(nn, htonl(spi), proto);' \
		$'\treturn spi && !nfipsec_sa_spi_used(nn, htonl(spi), proto) &&\n\t       (!larval_spi_used(nn, htonl(spi), proto) || spi);'
}

desc_icmp_no_quote_in="a decrypted ICMP error is never taken as the flow it quotes"
tests_icmp_no_quote_in=icmp_errors
plant_icmp_no_quote_in() {
	replace "$1/kmod/input.c" $'quoted = nfipsec_flow_icmp_inner(skb, fl, thoff, &rev);' \
		$'quoted = nfipsec_flow_icmp_inner(skb, fl, thoff, &rev) ?: -EINVAL;'
}

desc_pool_no_zero="a policy's counters start from the counts of the slot's last owner"
tests_pool_no_zero=kunit
plant_pool_no_zero() {
	replace "$1/kmod/counters.c" $'\t\tif (zero)\n' $'\t\tif (!zero)\n'
}

desc_pool_slot_shared="pooled counter slots are handed out twice"
tests_pool_slot_shared=kunit
plant_pool_slot_shared() {
	replace "$1/kmod/counters.c" $'\t\t\tchunk->free &= ~BIT_ULL(slot);\n' ''
}

desc_pool_chunk_not_taken="a policy that takes another's counters keeps its own chunk pointer"
tests_pool_chunk_not_taken=kunit
plant_pool_chunk_not_taken() {
	replace "$1/kmod/policy.c" $'\tnew->stats_chunk = old->stats_chunk;\n' ''
}

desc_bulk_no_cap="a bulk request adds any number of policies"
tests_bulk_no_cap=config_load
plant_bulk_no_cap() {
	replace "$1/kmod/nl_policy.c" $'\tif (n > NFIPSEC_POLICY_BULK_MAX) {' $'\tif (n > NFIPSEC_POLICY_BULK_MAX && 0) {'
}

desc_icmp_no_quote_out="a forwarded ICMP error about a protected flow leaves in clear"
tests_icmp_no_quote_out=icmp_errors
plant_icmp_no_quote_out() {
	replace "$1/kmod/output.c" $'\t    !nfipsec_flow_icmp_inner(skb, &fl, thoff, &rev)) {' \
		$'\t    !nfipsec_flow_icmp_inner(skb, &fl, thoff, &rev) && false) {'
}

desc_out_tunnel_use_allowed="an out policy's optional (level use) tunnel template is taken"
tests_out_tunnel_use_allowed=tunnel_negative
plant_out_tunnel_use_allowed() {
	replace "$1/kmod/nl_policy.c" $'\t\t    pol->tmpl.level == NFIPSEC_LEVEL_USE) {' $'\t\t    pol->tmpl.level == NFIPSEC_LEVEL_USE && false) {'
}

desc_use_no_acquire="an optional template without an SA sends no ACQUIRE"
tests_use_no_acquire=tunnel_negative
plant_use_no_acquire() {
	replace "$1/kmod/output.c" $'\t\tnfipsec_acquire(nn, pol, &fl, &src, &dst);\n\t\tif (pol->tmpl.level == NFIPSEC_LEVEL_USE)\n\t\t\treturn NF_ACCEPT;' $'\t\tif (pol->tmpl.level == NFIPSEC_LEVEL_USE)\n\t\t\treturn NF_ACCEPT;\n\t\tnfipsec_acquire(nn, pol, &fl, &src, &dst);'
}

desc_disable_policy_ignored="disable_policy on the receiving device is ignored"
tests_disable_policy_ignored=defaults
plant_disable_policy_ignored() {
	replace "$1/kmod/input.c" $'\t    dev_nopolicy(skb, fl->family) ||' $'\t    (dev_nopolicy(skb, fl->family) && false) ||'
}

desc_migrate_noop="SA_MIGRATE answers success and moves no port"
tests_migrate_noop=natt
plant_migrate_noop() {
	replace "$1/kmod/nl_sa.c" $'\t\tWRITE_ONCE(sa->encap_sport, cfg.encap_sport);\n\t\tWRITE_ONCE(sa->encap_dport, cfg.encap_dport);\n\t\tnfipsec_nl_sa_event' \
		$'\t\tnfipsec_nl_sa_event'
}

desc_keymgr_all="the keymgr group carries every event, table changes too"
tests_keymgr_all=lifetime
plant_keymgr_all() {
	replace "$1/kmod/netlink.c" $'\tkm = nfipsec_nl_km_cmd(ghdr->cmd) &&' $'\tkm = ghdr->cmd &&'
}

# Owners (review s26 findings 3, 4, 5, 6, 11, 13).
desc_if_owner_ignored="POLICY_SET and POLICY_DEL ignore IF_OWNER: another owner's policy is replaced or removed"
tests_if_owner_ignored=owner
plant_if_owner_ignored() {
	replace "$1/kmod/nl_policy.c" $'\tif (!attr || pol->owner == nla_get_u32(attr))\n' \
		$'\tif (!attr || pol->owner == nla_get_u32(attr) || true)\n'
}

desc_owner_selects_anywhere="OWNER is taken (and ignored) on SA_DEL, SA_GET, POLICY_DEL, POLICY_GET and POLICY_MOVE"
tests_owner_selects_anywhere=owner
plant_owner_selects_anywhere() {
	replace "$1/kmod/nl_policy.c" $'\tif (owner && tb[NFIPSEC_POLICY_A_OWNER]) {' \
		$'\tif (owner && tb[NFIPSEC_POLICY_A_OWNER] && false) {' &&
	replace "$1/kmod/nl_sa.c" $'\tif (tb[NFIPSEC_SA_A_OWNER]) {\n\t\tNL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_OWNER],\n' \
		$'\tif (tb[NFIPSEC_SA_A_OWNER] && false) {\n\t\tNL_SET_ERR_MSG_ATTR(info->extack, tb[NFIPSEC_SA_A_OWNER],\n'
}

# (strongswan_restart's trap.* checks catch it too: a restarted charon's
# trap held down by the dead one's larval SA; they need the plugin built.)
desc_larval_flush_by_owner_kept="a flush by owner leaves every larval SA (a restarted charon's trap is held down)"
tests_larval_flush_by_owner_kept=owner
plant_larval_flush_by_owner_kept() {
	replace "$1/kmod/nl_sa.c" $'\tnfipsec_larval_flush(nn, proto, by_owner);' \
		$'\tif (!by_owner)\n\t\tnfipsec_larval_flush(nn, proto, NULL);'
}

desc_acquire_larval_admins="an ACQUIRE's larval SA is the administrator's, whatever its policy's owner"
tests_acquire_larval_admins=owner
plant_acquire_larval_admins() {
	replace "$1/kmod/netlink.c" $'src, dst, pol->owner,\n' $'src, dst, 0,\n'
}

desc_sa_flush_owner_ignored="an SA flush by owner removes every owner's SAs"
tests_sa_flush_owner_ignored=kunit
plant_sa_flush_owner_ignored() {
	replace "$1/kmod/sa.c" $'\t\t    (!owner || sa->owner == *owner))' $'\t\t    (!owner || sa->owner == *owner || true))'
}

desc_features_none="GET_INFO says the module has no feature"
tests_features_none=owner
plant_features_none() {
	replace "$1/kmod/netlink.c" $'NFIPSEC_INFO_A_FEATURES, NFIPSEC_FEATURES_ALL)' \
		$'NFIPSEC_INFO_A_FEATURES, 0)'
}

all="accept_all replay_frozen sa_ref_leak empty_selftest empty_kunit"
all="$all offload_unguarded udp_blackhole frag_inside_esp mapping_flood"
all="$all nat_moved_kept ah_icv_unchecked ah_pmtu_blind"
all="$all follow_unauthenticated follow_late keepalive_busy ah_mutable_hashed"
all="$all ah_headers_unrestored encap_gso_ignored natt_oa_ignored"
all="$all priority_ignored sel_masked index_ignored update_unhooked"
all="$all tmpl_reqid_any_out tmpl_zero_literal tmpl_src_literal"
all="$all default_ignored default_unhooked decap_dscp_ignored replay_top_ignored"
all="$all wildrecv_sends fwd_esp_exempt ike_any_socket bridged_checked"
all="$all nat_default_post_view nat_post_allow_wins disable_policy_ignored"
all="$all bulk_goes_on acquire_tmpl_src unroutable_acquires"
all="$all bulk_list_unchecked out_tunnel_use_allowed use_no_acquire"
all="$all larval_no_holddown larval_spi_free larval_seq_ignored"
all="$all larval_not_answered larval_no_expire larval_spi_dup"
all="$all icmp_no_quote_in icmp_no_quote_out pool_no_zero pool_slot_shared pool_chunk_not_taken bulk_no_cap"
all="$all migrate_noop keymgr_all"
all="$all if_owner_ignored owner_selects_anywhere larval_flush_by_owner_kept"
all="$all acquire_larval_admins sa_flush_owner_ignored features_none"
mutants=${*:-$all}
mkdir -p "$work"
kdir=$("$here/kernel.sh" debug) || exit 1
caught=0 missed=0
for m in $mutants; do
	d=desc_$m t=tests_$m
	[ -n "${!d:-}" ] || { echo "mutants: unknown mutant $m (have: $all)" >&2; exit 2; }
	tree=$work/$m
	rm -rf "$tree"
	mkdir -p "$tree"
	# The committed and uncommitted tree, without build products.
	rsync -a --exclude=/build --exclude=.git --exclude='*.o' --exclude='*.ko' \
		"$top/" "$tree/"
	echo "=== mutant $m: ${!d} (make check T=${!t})"
	if ! "plant_$m" "$tree"; then
		echo "MISSED $m: could not be planted"
		missed=$((missed + 1))
		continue
	fi
	# A mutant that does not build proves nothing: it must compile.
	if ! "$tree/selftests/lab/build-module.sh" "$kdir" "$work/$m.build" kunit > "$work/$m.build.log" 2>&1; then
		echo "MISSED $m: does not build (log: $work/$m.build.log)"
		missed=$((missed + 1))
		continue
	fi
	t0=$(date +%s)
	(cd "$tree" && make check T="${!t}") > "$work/$m.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	if [ $rc != 0 ]; then
		echo "CAUGHT $m in ${secs} s: make check exited $rc; $(grep -c '^FAIL' "$tree/build/check-results.txt" 2>/dev/null) failure(s), first:"
		grep '^FAIL' "$tree/build/check-results.txt" 2>/dev/null | head -5 | sed 's/^/    /' | cut -c1-300
		caught=$((caught + 1))
	else
		echo "MISSED $m in ${secs} s: make check passed (log: $work/$m.log)"
		missed=$((missed + 1))
	fi
done
echo "mutants: $caught caught, $missed missed"
[ $missed = 0 ]
