/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nfipsec: IPsec (ESP, AH) on netfilter hooks, managed over generic netlink.
 *
 * Generic netlink family NFIPSEC_GENL_NAME, version NFIPSEC_GENL_VERSION.
 * The family is network-namespace aware: every command acts on the network
 * namespace of the socket that sends it, and every command, reads included,
 * requires CAP_NET_ADMIN in the user namespace that owns that network
 * namespace. Attributes are validated strictly: an unknown attribute, a wrong
 * type or length, or a value out of range fails the whole command with
 * -EINVAL and an extended-ack message (NLMSGERR_ATTR_MSG) saying which
 * attribute is wrong and why. A failed command changes nothing.
 *
 * Addresses (NFIPSEC_*_A_SRC, NFIPSEC_*_A_DST) are 4 bytes (IPv4) or 16
 * bytes (IPv6) in network byte order; the length gives the family, and the
 * addresses of one object must be of one family. SPIs and ports are in
 * network byte order.
 *
 * Commands
 * --------
 *
 * NFIPSEC_CMD_GET_INFO (do)
 *   Request: no attributes.
 *   Reply: NFIPSEC_A_INFO, a nest of NFIPSEC_INFO_A_*:
 *     NFIPSEC_INFO_A_VERSION       string, the module's version
 *     NFIPSEC_INFO_A_ABI           u32, NFIPSEC_GENL_VERSION of the module
 *     NFIPSEC_INFO_A_SA_COUNT      u32, SAs in this namespace
 *     NFIPSEC_INFO_A_POLICY_COUNT  u32, policies in this namespace
 *     NFIPSEC_INFO_A_IKE_PORTS     binary, the IKE port set (below)
 *     NFIPSEC_INFO_A_MAX_SAS       u32, the namespace's limit of SAs
 *     NFIPSEC_INFO_A_MAX_POLICIES  u32, its limit of policies
 *     NFIPSEC_INFO_A_DEFAULT_IN, _FWD, _OUT  u8 each, the default policies
 *     NFIPSEC_INFO_A_LARVAL_COUNT  u32, larval SAs (SA_ALLOC_SPI, ACQUIRE)
 *     NFIPSEC_INFO_A_ACQ_EXPIRES   u32, seconds a larval SA lives
 *     NFIPSEC_INFO_A_FEATURES      u32, NFIPSEC_FEATURE_* (below the
 *                                  attribute enums): what this module
 *                                  does that an older one of the same
 *                                  ABI does not; absent: none of them
 *
 * NFIPSEC_CMD_SET_INFO (do)
 *   Request: NFIPSEC_A_INFO with one or more of:
 *   - NFIPSEC_INFO_A_IKE_PORTS: the namespace's IKE port set, 0 to
 *     NFIPSEC_IKE_PORTS_MAX UDP ports (__be16 each, none of them 0), 500 and
 *     4500 by default. UDP to a local address and one of these ports passes
 *     the "in" policies in clear; UDP sent from this host from one of them,
 *     by a socket opened with CAP_NET_ADMIN in the namespace, passes the
 *     "out" policies in clear. Empty: no exemption.
 *   - NFIPSEC_INFO_A_MAX_SAS, NFIPSEC_INFO_A_MAX_POLICIES: the namespace's
 *     limits; past one, SA_NEW or POLICY_NEW fails with -ENOSPC (objects
 *     already there stay). A new namespace gets the module parameters
 *     max_sas and max_policies (16384 each by default). Lowering a limit
 *     needs CAP_NET_ADMIN in the namespace's user namespace, as every
 *     command; raising one needs it in the initial user namespace (the
 *     host's administrator), so a container cannot lift its own.
 *   - NFIPSEC_INFO_A_DEFAULT_IN, _FWD, _OUT: ip xfrm's default policies
 *     (policy setdefault): NFIPSEC_ACTION_ALLOW (the default) or
 *     NFIPSEC_ACTION_BLOCK, what happens to a packet of that direction
 *     that no policy matches. BLOCK drops it and counts it (IN_NO_POLS
 *     for in and fwd, OUT_NO_POLS), except packets that arrive on or leave
 *     through a loopback device (XFRM exempts IPv4's only), IKE to the IKE
 *     port set above (XFRM exempts the daemon's sockets instead), and
 *     ESP, AH and ESP-in-UDP for this host; what an SA decrypted is held
 *     to the policies as always. Blocking "in" or "out" also blocks IPv6
 *     neighbour discovery unless a policy lets ICMPv6 pass (as in XFRM).
 *   - NFIPSEC_INFO_A_ACQ_EXPIRES: how long a new larval SA lives, 1 to
 *     86400 seconds; 30 by default, as XFRM's net.core.xfrm_acq_expires
 *     (strongSwan sets 165 there). Larval SAs already made keep theirs.
 *   All or nothing: a refused request changes none of them.
 *
 * NFIPSEC_CMD_SA_NEW (do), NFIPSEC_CMD_SA_SET (do)
 *   Request: NFIPSEC_A_SA with the whole SA: PROTO, SPI, SRC, DST (the SA's
 *   identity is DST, SPI, PROTO), MODE, and either ALG_AEAD, or ALG_CRYPT
 *   and/or ALG_AUTH (ESP; AH takes ALG_AUTH only); optionally REQID,
 *   REPLAY_WINDOW, FLAGS, LIFETIME, SET_MARK and SET_MARK_MASK (ip xfrm's
 *   output-mark, as XFRM applies it: the outer packets the SA sends, and
 *   the packets it decrypts, get mark = (mark & ~MASK) | (SET_MARK & MASK);
 *   MASK defaults to 0xffffffff), and, on SA_NEW (and on SA_SET of a
 *   larval SA) only, SEQ_OUT (ip xfrm's
 *   replay-oseq: the last sequence number sent; the next is one more; at
 *   most 2^32 - 1 without ESN) and REPLAY_TOP (ip xfrm's replay-seq: the
 *   window's top; the numbers in the window, the top included, are each
 *   taken once, those below it refused, as XFRM; the same bound). The IV
 *   generator's salt is new with every SA, so no SEQ_OUT makes an IV
 *   repeat. KM_SEQ is ip xfrm's seq (XFRM's km.seq): kept and shown; it
 *   names the ACQUIRE the SA answers (its larval SA goes, below); SA_SET
 *   keeps the SA's own, as XFRM's update does. SA_NEW fails with -EEXIST
 *   when the identity is taken; SA_SET updates an existing SA in place, as XFRM
 *   does (fails with -ENOENT when there is none): LIFETIME, and SET_MARK
 *   when given; its sequence numbers, window and counters go on. SA_SET
 *   must repeat SRC, MODE, REQID, FLAGS, REPLAY_WINDOW and the algorithms
 *   and keys unchanged: a change fails with -EINVAL (to rekey, add a new
 *   SA and delete the old one; a new key under the old sequence numbers
 *   would repeat nonces), and SEL.
 *   A larval SA (SA_ALLOC_SPI) is not an SA yet: SA_NEW with its DST, SPI
 *   and PROTO fails with -EEXIST, SA_SET replaces it with the whole SA
 *   given (the SPI the key manager got, as XFRM's UPDSA of a larval
 *   state). An SA that SA_NEW adds, or SA_SET makes of a larval SA,
 *   also removes, without an event, the larval SA of the ACQUIRE it
 *   answers, as XFRM does: the one whose KM_SEQ is the SA's KM_SEQ (of
 *   the same DST and PROTO), else one without an SPI of the same PROTO,
 *   SRC, DST, MODE and REQID.
 *   MODE: TUNNEL carries whole IP packets in a new outer header from SRC
 *   to DST; TRANSPORT (the default, as in ip xfrm) protects the payload of
 *   packets whose own addresses are SRC and DST, their IP header left in
 *   place (IPv6: ESP after hop-by-hop, routing and the destination options
 *   before a routing header); a decrypted transport packet whose addresses
 *   are not the SA's is dropped. SEL (ip xfrm's "sel": a nest of
 *   NFIPSEC_SEL_A_*, as a policy's selector) limits what the SA carries:
 *   it is chosen for a packet only if the cleartext packet matches, and a
 *   decrypted packet that does not match is dropped (both counted
 *   "policy"); without SEL, any packet.
 *
 * NFIPSEC_CMD_SA_ALLOC_SPI (do)
 *   ip xfrm's allocspi: an SPI for an SA the key manager is negotiating,
 *   held by a larval SA until SA_SET makes it whole or it expires.
 *   Request: NFIPSEC_A_SA with PROTO, SRC, DST, optionally MODE, REQID,
 *   KM_SEQ, OWNER (see "Owners"), and SPI_MIN, SPI_MAX (both or neither;
 *   0x100 to 0x0fffffff by default, as ip xfrm). With KM_SEQ, the larval SA of the ACQUIRE with
 *   that KM_SEQ (and DST) gets the SPI; otherwise, or when there is none,
 *   the larval SA without an SPI of the same PROTO, SRC, DST, MODE and
 *   REQID, or a new one (the namespace's limit of SAs bounds larval SAs
 *   too: -ENOSPC). A larval SA that has an SPI already keeps it and
 *   replies with it. The SPI is random in the range and used by no SA
 *   and no larval SA of PROTO (whatever their DST); none free: -ENOENT,
 *   and nothing is made (XFRM leaves a larval state behind). Reply:
 *   NFIPSEC_A_SA as SA_GET gives a larval SA. No event is sent.
 *   A larval SA carries no traffic (a packet to its SPI is dropped as one
 *   for no SA). It lives NFIPSEC_INFO_A_ACQ_EXPIRES seconds (its LIFETIME's
 *   HARD_ADD_SECS), then it is removed and EXPIRE (HARD, LIMIT ADD_TIME)
 *   is sent, as XFRM. SA_GET, SA_DEL and the dump find it by DST, SPI and
 *   PROTO, when it has an SPI (one without, an ACQUIRE's, goes by
 *   expiry, by SA_FLUSH, or when its SA comes); SA_FLUSH removes it.
 *
 * NFIPSEC_CMD_SA_MIGRATE (do)
 *   A NAT mapping changed: the SA moves to new UDP ports, in place, as a
 *   key manager's update_sa wants it (strongSwan's kernel-nfipsec). Request:
 *   NFIPSEC_A_SA with DST, SPI, PROTO (the SA), and ENCAP with the SA's
 *   TYPE and the new SPORT and DPORT (not 0), OA if at all as the SA has
 *   it (all zero: not given); anything else in NFIPSEC_A_SA or ENCAP
 *   (FOLLOW, KEEPALIVE) is refused (-EINVAL). Only
 *   the ports change: sequence numbers, replay window, counters, lifetimes
 *   (a dying SA stays dying) and keys are the SA's, and no key crosses
 *   user space (SA_SET would need them all). An SA without encapsulation,
 *   or another TYPE: -EINVAL (encapsulation is neither added nor removed).
 *   No such SA: -ENOENT. Sends SA_SET's change event. New addresses are
 *   not supported (a key manager adds new SAs instead).
 *
 * NFIPSEC_CMD_SA_DEL (do)
 *   Request: NFIPSEC_A_SA with DST, SPI, PROTO. -ENOENT when absent.
 *   OWNER is refused (-EINVAL, see "Owners").
 *
 * NFIPSEC_CMD_SA_GET (do, dump)
 *   do: NFIPSEC_A_SA with DST, SPI, PROTO (no OWNER, see "Owners");
 *   replies with one SA.
 *   dump: optionally NFIPSEC_A_SA as a filter: only SAs whose PROTO, SPI,
 *   SRC, DST, OWNER (those given) are equal are dumped, larval SAs
 *   included (see "Owners" below).
 *   Either way, NFIPSEC_A_SHOW_KEYS (flag) asks for the keys; without it the
 *   ALG_* nests carry no NFIPSEC_ALG_A_KEY.
 *   Reply: NFIPSEC_A_SA per SA, with everything given at creation plus
 *   NFIPSEC_SA_A_STATS (nest of NFIPSEC_SA_STAT_*), NFIPSEC_SA_A_SEQ_OUT and
 *   NFIPSEC_SA_A_REPLAY_TOP (u64, the highest authenticated inbound number)
 *   and NFIPSEC_SA_A_CURRENT (nest of NFIPSEC_CUR_A_*: times, counts, dying).
 *   A larval SA (SA_ALLOC_SPI, ACQUIRE) comes after the SAs, with the
 *   LARVAL flag, PROTO, SPI (0 until one is allocated), SRC, DST, MODE,
 *   REQID, KM_SEQ, SEL (XFRM's: SRC/32 DST/32, or the packet an ACQUIRE
 *   was sent for), REPLAY_WINDOW 0, FLAGS 0, LIFETIME, CURRENT (ADD_TIME);
 *   no algorithms, STATS, SEQ_OUT or REPLAY_TOP.
 *
 * NFIPSEC_CMD_SA_FLUSH (do)
 *   Request: optionally NFIPSEC_A_SA with PROTO and/or OWNER, nothing else:
 *   remove every SA (of proto), larval SAs included (one event for the
 *   flush); with OWNER, only the SAs and larval SAs of that owner (0: the
 *   administrator's).
 *
 * NFIPSEC_CMD_POLICY_NEW (do), NFIPSEC_CMD_POLICY_SET (do)
 *   Request: NFIPSEC_A_POLICY with DIR, SEL (nest of NFIPSEC_SEL_A_*),
 *   optionally ACTION (default allow), TMPL (nest of NFIPSEC_TMPL_A_*; an
 *   allowed policy with a template protects, one without bypasses),
 *   PRIORITY (default 0). Policies are evaluated top to bottom and the first
 *   match wins; the list is kept ordered by PRIORITY, lower first, and in
 *   the order given among equal priorities (ip xfrm's order). POLICY_NEW
 *   puts the policy after the last one of its priority or a lower one, or
 *   at NFIPSEC_POLICY_A_POSITION (0 is the top), or before/after the policy
 *   at position NFIPSEC_POLICY_A_BEFORE/_AFTER; a position that breaks the
 *   order fails with -EINVAL. It fails with -EEXIST when a policy with the
 *   same DIR and SEL exists, with -EINVAL for an out policy whose tunnel
 *   template is optional (LEVEL use: as XFRM, which would send in clear
 *   what has no SA). Every policy has an INDEX, its identifier as
 *   in ip xfrm: its low 3 bits are its DIR, it stays the same while the
 *   policy exists (update and move keep it). An INDEX given to POLICY_NEW
 *   or POLICY_SET must be 0 or of the policy's DIR (-EINVAL otherwise);
 *   a non-zero one is taken when no other policy has it, and in every
 *   other case one is made up, as XFRM does. POLICY_SET replaces the
 *   policy with the same DIR and SEL, keeping its INDEX and counters: in
 *   place with the same PRIORITY, moved to where a new one goes; a policy
 *   that does not exist is added (as ip xfrm's update does). With
 *   IF_OWNER, an existing policy of another owner is left as it is and
 *   POLICY_SET fails with -EEXIST (see "Owners"). POLICY_NEW refuses
 *   IF_OWNER.
 *
 * NFIPSEC_CMD_POLICY_NEW_BULK (do)
 *   Request: NFIPSEC_A_POLICIES, a nest of NFIPSEC_A_POLICY nests, each
 *   what POLICY_NEW takes. A list that is empty, truncated or holds
 *   another attribute is refused (-EINVAL) before anything is added. The
 *   entries are added in order, each checked and added as POLICY_NEW adds
 *   it, until one fails: the policies before it stay, those after it are
 *   not tried, and the error's extack offset (NLMSGERR_ATTR_OFFS) points
 *   into the failing nest (at its bad attribute, or at the nest), so that
 *   a batch loader can say which line failed. At most
 *   NFIPSEC_POLICY_BULK_MAX entries a request (more: -E2BIG, nothing
 *   added). A process killed during the request stops it between two
 *   entries (-EINTR, the offset pointing at the first one not added).
 *   For loading many policies with one request (nfipsec -b); its absence
 *   (an older module) shows as -EOPNOTSUPP.
 *
 * NFIPSEC_CMD_POLICY_DEL (do)
 *   Request: NFIPSEC_A_POLICY with DIR and SEL, with INDEX and DIR, or with
 *   POSITION alone (other combinations: -EINVAL). With IF_OWNER, only a
 *   policy of that owner is deleted (see "Owners"); OWNER is refused.
 *
 * NFIPSEC_CMD_POLICY_GET (do, dump)
 *   do: as POLICY_DEL, without OWNER and IF_OWNER (-EINVAL); replies
 *   with one policy.
 *   dump: optionally NFIPSEC_A_POLICY with DIR and/or OWNER as a filter.
 *   Reply: NFIPSEC_A_POLICY per policy in evaluation order, with POSITION,
 *   INDEX, ADD_TIME, USE_TIME and NFIPSEC_POLICY_A_STATS (nest of
 *   NFIPSEC_POLICY_STAT_*). ADD_TIME: when it was added or last updated
 *   (a move keeps it); USE_TIME: when a packet last matched it, to a
 *   second, absent when none has (XFRM's add and use times). Both in
 *   seconds since the epoch, of the wall clock.
 *
 * NFIPSEC_CMD_POLICY_FLUSH (do)
 *   Request: optionally NFIPSEC_A_POLICY with DIR and/or OWNER, nothing
 *   else: every policy (of DIR; with OWNER, of that owner only).
 *
 * NFIPSEC_CMD_POLICY_MOVE (do)
 *   Request: NFIPSEC_A_POLICY with POSITION (the policy to move) and one of
 *   NFIPSEC_POLICY_A_TO (new position), _BEFORE or _AFTER (another
 *   policy's position, counted before the move); -EINVAL when the new
 *   place breaks the priority order. OWNER and IF_OWNER are refused.
 *
 * NFIPSEC_CMD_GET_STATS (do)
 *   Request: no attributes.
 *   Reply: NFIPSEC_A_STATS, a nest holding one u64 attribute per counter of
 *   the namespace, its type an enum nfipsec_stat value. Counters only grow
 *   while the module is loaded. Readers must skip counter types they do not
 *   know; NFIPSEC_STAT_PAD only aligns the u64 values.
 *
 * Events (multicast groups NFIPSEC_MCGRP_EVENTS and NFIPSEC_MCGRP_KEYMGR)
 * ------
 *
 * Both groups need CAP_NET_ADMIN in the namespace's user namespace. The
 * events group carries every event: ACQUIRE, EXPIRE and MAPPING below, and
 * the table changes (SA_NEW, SA_SET, SA_DEL, SA_FLUSH, POLICY_NEW, ...)
 * described with their commands; a monitor joins it. The keymgr group
 * carries ACQUIRE, EXPIRE and MAPPING alone, the same messages: a key
 * manager joins it, so that table changes (its own requests echoed, an
 * administrator's script adding thousands of SAs) never fill its socket
 * and push out the events it must act on. A socket on both groups gets
 * these events twice. A key manager whose socket overflowed anyway
 * (ENOBUFS) has lost events of unknown kind: it should read the tables
 * again (SA_GET dump: CURRENT's DYING is a soft EXPIRE; an SA gone, as a
 * SA_GET of it confirms, a hard one: a dump while SAs are removed may
 * skip one), and events queued before the overflow still come after it.
 * ACQUIRE needs a listener on either group; one that a key manager with
 * NETLINK_BROADCAST_ERROR set could not receive (its socket full) counts
 * as not sent (no larval SA is left: the next packet sends it again),
 * whoever else got it.
 *
 * NFIPSEC_CMD_ACQUIRE
 *   An outbound packet matched a protecting policy and no SA could carry it:
 *   NFIPSEC_A_POLICY (POSITION, INDEX, DIR, SEL, TMPL and OWNER of the
 *   policy: a key manager leaves the ACQUIREs of other owners' policies
 *   alone, see "Owners") and
 *   NFIPSEC_A_PACKET (nest of NFIPSEC_SEL_A_*, the packet's addresses,
 *   protocol and ports) and NFIPSEC_A_SA, the SA wanted: PROTO, SRC,
 *   DST, MODE, REQID and, when the template names one, SPI; in tunnel
 *   mode SRC and DST are the template's, a source-less template's SRC
 *   being the one the route to DST gives (without such a route the packet
 *   is dropped, counted as NFIPSEC_STAT_OUT_POL_ERROR, a local sender
 *   told -EHOSTUNREACH, and no ACQUIRE is sent, as XFRM); in transport
 *   mode they are the packet's (a transport SA carries only packets
 *   between its endpoints; addresses a transport template names are not
 *   used, where XFRM would name them). Sent for an optional (LEVEL use)
 *   template too, whose packet then leaves in clear, as XFRM.
 *   NFIPSEC_A_SA's KM_SEQ is the ACQUIRE's sequence number: the key
 *   manager gives it back to SA_ALLOC_SPI and in the SAs it adds. As XFRM
 *   does, the ACQUIRE makes a larval SA (no SPI) with that KM_SEQ, PROTO,
 *   SRC, DST, MODE and REQID: while it lives (SA_ALLOC_SPI above), a
 *   packet that wants the same SA sends no ACQUIRE (hold-down; XFRM: the
 *   same). Only while someone listens to either group, as XFRM's
 *   ACQUIRE needs a listener; at most one a second per policy as well
 *   (nfipsec's own bound), and none while larval SAs fill half the
 *   namespace's limit of SAs (the other half is SA_ALLOC_SPI's: traffic
 *   cannot use up the key manager's places), counted ACQUIRE_ERROR. An
 *   ACQUIRE that could not be sent leaves no larval SA (as XFRM). The
 *   larval SA has no SPI even when the template names one (XFRM's holds
 *   the template's SPI). It is the owner's of the policy (OWNER above),
 *   so that a flush by owner removes it with that owner's SAs.
 *
 * NFIPSEC_CMD_EXPIRE
 *   An SA reached a lifetime limit: NFIPSEC_A_SA (as SA_GET replies, without
 *   keys) and NFIPSEC_A_EXPIRE (HARD, LIMIT: which limit). Limits are
 *   enforced, as XFRM does, with these differences: time runs on
 *   CLOCK_BOOTTIME (setting the date moves no deadline); the first use and
 *   byte and packet counts start at authenticated packets only, so forged
 *   packets cannot age an SA (a packet sent counts before encryption, as
 *   in XFRM, even if it is then lost); a byte or packet limit fires when
 *   the count reaches it (XFRM: at the next packet).
 *   - Soft (HARD 0), once per SA: the SA is marked dying (CURRENT's DYING)
 *     and keeps working; outbound traffic moves to a newer SA of the same
 *     template when one exists (rekeying without loss).
 *   - Hard (HARD 1): the SA is removed, then the event is sent. The packet
 *     that reaches a byte or packet limit is the last one it carries.
 *   - Sequence numbers: an SA without ESN is soft-expired (LIMIT SEQ) when
 *     2^32 - 2^24 numbers are used, and hard-expired when none is left;
 *     with ESN at 2^64 - 2^32 and at the end. XFRM drops silently instead.
 *   SA_SET replaces the limits (LIFETIME absent: none) and makes the SA
 *   live again (no longer dying), as XFRM's update does; its counts go on
 *   (an SA that had no byte or packet limit takes what it carried as its
 *   counts), and a limit they already reach fires at once.
 *
 * NFIPSEC_CMD_MAPPING
 *   NAT-T: an inbound SA with ENCAP received an authenticated packet, not a
 *   replay, from another source address or UDP port than the SA's SRC and
 *   ENCAP SPORT (a NAT between the peers gave the flow a new mapping):
 *   NFIPSEC_A_SA (the inbound SA, without keys) and NFIPSEC_A_MAPPING
 *   (SRC, SPORT: where the packet came from). As XFRM's MAPPING, which it
 *   sends from the same point but before the replay check. The key manager
 *   decides what follows (it updates the SAs); a tunnel mode packet is
 *   delivered, a transport mode one from another address is dropped and
 *   counted (POLICY): its source would be the inner one. At most one a
 *   second per SA.
 *
 * _POLICY_DEL, _POLICY_FLUSH, _POLICY_MOVE
 *   A command changed the tables (as XFRM's NEWSA, UPDSA, DELSA, ...):
 *   NFIPSEC_A_SA (as SA_GET replies, without keys) or NFIPSEC_A_POLICY (as
 *   POLICY_GET replies, without STATS, POSITION where it is now), as the
 *   object is after the change, or was before its removal; a flush carries
 *   the nest with only PROTO or DIR, and OWNER, what the flush was limited
 *   to.
 *   Sent in the order of the changes. An SA a hard limit removes gives
 *   EXPIRE only, as in XFRM.
 *
 * Events are best effort: one that cannot be allocated is lost.
 *
 * Owners
 * ------
 *
 * Every SA and policy has an owner, NFIPSEC_SA_A_OWNER or
 * NFIPSEC_POLICY_A_OWNER (u32): who added it, so that a key manager can
 * find and remove what an earlier instance of itself left behind (a crash,
 * a kill -9) without touching anyone else's entries, as kernel-netlink
 * overwrites stale XFRM policies. 0, the default, is the administrator
 * (nobody in particular: the CLI, scripts). Any other value is a key
 * manager's cookie, chosen by it; nfipsec gives no value a meaning, checks
 * no identity and keeps no registry: an owner is a label, and anyone with
 * CAP_NET_ADMIN in the namespace (which every command needs) may give or
 * remove any. Well-known values are listed below so that two key managers
 * do not pick the same one.
 *
 * SA_NEW, POLICY_NEW (and POLICY_NEW_BULK's entries) take OWNER, 0 when
 * absent. SA_SET and POLICY_SET keep the object's owner unless OWNER is
 * given (a policy SET adds with OWNER, 0 when absent); given, it replaces
 * the owner (a key manager takes over what it finds). Replies and events
 * about SAs, larval SAs and policies carry OWNER always. SA_FLUSH and
 * POLICY_FLUSH with OWNER remove only that owner's objects (with OWNER 0:
 * the administrator's), and the dumps take OWNER as a filter. Everywhere
 * else OWNER selects nothing and is refused (-EINVAL, "owner selects only
 * in flush and dump"): on SA_DEL, SA_GET's do, POLICY_DEL, POLICY_GET's
 * do and POLICY_MOVE, where a caller could take it for a condition.
 *
 * The condition is NFIPSEC_POLICY_A_IF_OWNER (u32), on POLICY_SET and
 * POLICY_DEL only (elsewhere: -EINVAL): the change applies only to a
 * policy of that owner. POLICY_SET with IF_OWNER, when a policy with the
 * same DIR and SEL exists and is another owner's, fails with -EEXIST and
 * changes nothing (extack "policy belongs to owner N"); when none exists
 * it adds the policy, as without IF_OWNER. POLICY_DEL with IF_OWNER fails
 * with -ENOENT, and removes nothing, when the policy it names is another
 * owner's (the same extack), as when there is none. The owner is compared
 * under the namespace's configuration lock, in the same critical section
 * as the change: no other command comes between the check and the change
 * (a POLICY_GET, then a POLICY_SET, would let one in). A key manager sends
 * IF_OWNER = its own owner on every update and delete of its policies, so
 * that it never replaces or removes a policy the administrator (or
 * another key manager) put in the place of one of its own.
 *
 * Larval SAs (SA_ALLOC_SPI, ACQUIRE) carry no keys and have an owner too:
 * an ACQUIRE's larval SA is the owner's of the policy that sent it, and
 * SA_ALLOC_SPI takes OWNER (a new larval SA's, 0 when absent; given, it
 * replaces the owner of the larval SA it finds). A flush by owner removes
 * that owner's larval SAs with its SAs (a restarted key manager's
 * ACQUIREs are not held down by those its earlier instance never
 * answered), and a dump by owner lists them. An SA that SA_SET makes of
 * a larval SA keeps the larval SA's owner unless OWNER is given.
 *
 * NFIPSEC_INFO_A_FEATURES (GET_INFO) says which of these the module does:
 * NFIPSEC_FEATURE_OWNERS, _IF_OWNER, _LARVAL_OWNER.
 */
#ifndef _UAPI_NFIPSEC_H
#define _UAPI_NFIPSEC_H

#define NFIPSEC_GENL_NAME	"nfipsec"

/*
 * Well-known owners (NFIPSEC_SA_A_OWNER, NFIPSEC_POLICY_A_OWNER; "Owners"
 * above). NFIPSEC_OWNER_CHARON: strongSwan's charon through the
 * kernel-nfipsec plugin (tools/strongswan), which removes every SA and
 * larval SA of this owner in its namespace when it starts (its policies
 * stay, to be taken over) and every SA and policy of it when it stops,
 * and updates and deletes its policies with IF_OWNER: one charon per
 * network namespace. The value is "chrn" in ASCII.
 */
#define NFIPSEC_OWNER_ADMIN	0
#define NFIPSEC_OWNER_CHARON	0x6368726e
#define NFIPSEC_GENL_VERSION	1

enum nfipsec_cmd {
	NFIPSEC_CMD_UNSPEC,
	NFIPSEC_CMD_GET_INFO,
	NFIPSEC_CMD_SA_GET,
	NFIPSEC_CMD_POLICY_GET,
	NFIPSEC_CMD_GET_STATS,
	NFIPSEC_CMD_SA_NEW,
	NFIPSEC_CMD_SA_SET,
	NFIPSEC_CMD_SA_DEL,
	NFIPSEC_CMD_SA_FLUSH,
	NFIPSEC_CMD_POLICY_NEW,
	NFIPSEC_CMD_POLICY_SET,
	NFIPSEC_CMD_POLICY_DEL,
	NFIPSEC_CMD_POLICY_FLUSH,
	NFIPSEC_CMD_POLICY_MOVE,
	NFIPSEC_CMD_ACQUIRE,
	NFIPSEC_CMD_SET_INFO,
	NFIPSEC_CMD_EXPIRE,
	NFIPSEC_CMD_MAPPING,
	NFIPSEC_CMD_POLICY_NEW_BULK,
	NFIPSEC_CMD_SA_ALLOC_SPI,
	NFIPSEC_CMD_SA_MIGRATE,

	__NFIPSEC_CMD_MAX,
	NFIPSEC_CMD_MAX = __NFIPSEC_CMD_MAX - 1
};

/* Top-level attributes of every command. */
enum nfipsec_attr {
	NFIPSEC_A_UNSPEC,
	NFIPSEC_A_INFO,		/* nest, NFIPSEC_INFO_A_* */
	NFIPSEC_A_SA,		/* nest, NFIPSEC_SA_A_* */
	NFIPSEC_A_POLICY,	/* nest, NFIPSEC_POLICY_A_* */
	NFIPSEC_A_STATS,	/* nest, enum nfipsec_stat */
	NFIPSEC_A_SHOW_KEYS,	/* flag */
	NFIPSEC_A_PACKET,	/* nest, NFIPSEC_SEL_A_* */
	NFIPSEC_A_EXPIRE,	/* nest, NFIPSEC_EXPIRE_A_* */
	NFIPSEC_A_MAPPING,	/* nest, NFIPSEC_MAPPING_A_* */
	NFIPSEC_A_POLICIES,	/* nest of NFIPSEC_A_POLICY nests */

	__NFIPSEC_A_MAX,
	NFIPSEC_A_MAX = __NFIPSEC_A_MAX - 1
};

enum nfipsec_info_attr {
	NFIPSEC_INFO_A_UNSPEC,
	NFIPSEC_INFO_A_VERSION,		/* string */
	NFIPSEC_INFO_A_ABI,		/* u32 */
	NFIPSEC_INFO_A_SA_COUNT,	/* u32 */
	NFIPSEC_INFO_A_POLICY_COUNT,	/* u32 */
	NFIPSEC_INFO_A_IKE_PORTS,	/* binary, __be16[] */
	NFIPSEC_INFO_A_MAX_SAS,		/* u32 */
	NFIPSEC_INFO_A_MAX_POLICIES,	/* u32 */
	NFIPSEC_INFO_A_DEFAULT_IN,	/* u8, NFIPSEC_ACTION_* */
	NFIPSEC_INFO_A_DEFAULT_FWD,	/* u8, NFIPSEC_ACTION_* */
	NFIPSEC_INFO_A_DEFAULT_OUT,	/* u8, NFIPSEC_ACTION_* */
	NFIPSEC_INFO_A_LARVAL_COUNT,	/* u32 */
	NFIPSEC_INFO_A_ACQ_EXPIRES,	/* u32, seconds */
	NFIPSEC_INFO_A_FEATURES,	/* u32, NFIPSEC_FEATURE_* (reply) */

	__NFIPSEC_INFO_A_MAX,
	NFIPSEC_INFO_A_MAX = __NFIPSEC_INFO_A_MAX - 1
};

/*
 * NFIPSEC_INFO_A_FEATURES: what this module does that an older one with
 * the same NFIPSEC_GENL_VERSION does not (attributes are added without a
 * new version: an older module refuses an attribute it does not know with
 * -EINVAL). A key manager checks the bits it relies on before it sends
 * anything; a module without the attribute has none of them. Readers
 * ignore bits they do not know.
 *   OWNERS: NFIPSEC_SA_A_OWNER, NFIPSEC_POLICY_A_OWNER ("Owners").
 *   IF_OWNER: NFIPSEC_POLICY_A_IF_OWNER on POLICY_SET and POLICY_DEL, and
 *     OWNER refused where it selects nothing ("Owners").
 *   LARVAL_OWNER: larval SAs have an owner: an ACQUIRE's is its policy's,
 *     SA_ALLOC_SPI takes OWNER, a flush and a dump by owner take them.
 */
#define NFIPSEC_FEATURE_OWNERS		(1U << 0)
#define NFIPSEC_FEATURE_IF_OWNER	(1U << 1)
#define NFIPSEC_FEATURE_LARVAL_OWNER	(1U << 2)
#define NFIPSEC_FEATURES_ALL		(NFIPSEC_FEATURE_OWNERS | \
					 NFIPSEC_FEATURE_IF_OWNER | \
					 NFIPSEC_FEATURE_LARVAL_OWNER)

#define NFIPSEC_IKE_PORTS_MAX 8
/* Entries of one NFIPSEC_CMD_POLICY_NEW_BULK request, at most. */
#define NFIPSEC_POLICY_BULK_MAX 1024

enum nfipsec_mode {
	NFIPSEC_MODE_TRANSPORT,		/* = XFRM_MODE_TRANSPORT */
	NFIPSEC_MODE_TUNNEL,		/* = XFRM_MODE_TUNNEL */
};

/* NFIPSEC_SA_A_FLAGS */
#define NFIPSEC_SA_F_ESN	(1U << 0)	/* 64-bit sequence numbers */
/*
 * As ip-xfrm's "flag noecn": the outer header's ECN field is Not-ECT, and
 * decapsulation leaves the inner packet's ECN field alone. Without it,
 * RFC 6040's normal mode both ways: on encapsulation as XFRM; on
 * decapsulation as Linux's IP tunnels (an outer CE is copied inside, and
 * CE over a Not-ECT inner packet is dropped, where XFRM delivers it).
 */
#define NFIPSEC_SA_F_NOECN	(1U << 1)
/*
 * As ip-xfrm's "flag nopmtudisc": an outer IPv4 header never has DF, so
 * routers on the path may fragment it. Without it the outer header copies
 * the inner packet's DF (XFRM's default).
 */
#define NFIPSEC_SA_F_NOPMTUDISC	(1U << 2)
/*
 * AH over IPv4: pad the ICV to 8 bytes, as plain ip xfrm does (without its
 * "flag align4"). Without it, to 4 bytes as RFC 4302 2.2 says. Received
 * AH is taken in either length; IPv6 is always 8.
 */
#define NFIPSEC_SA_F_ALIGN8	(1U << 3)
/*
 * As ip-xfrm's "flag decap-dscp": decapsulation (tunnel mode) copies the
 * outer header's DSCP into the inner packet. Without it the inner DSCP
 * stays as the peer sent it.
 */
#define NFIPSEC_SA_F_DECAP_DSCP	(1U << 4)
/* As ip-xfrm's "flag wildrecv": the SA only receives; no policy sends on it. */
#define NFIPSEC_SA_F_WILDRECV	(1U << 5)
/*
 * As ip-xfrm's "flag af-unspec": kept and shown. An SA without a selector
 * carries inner packets of either family with or without it (as XFRM's
 * 0/0 selector does).
 */
#define NFIPSEC_SA_F_AF_UNSPEC	(1U << 6)
/*
 * As ip-xfrm's "flag icmp": an ICMP error (IPv4 destination unreachable or
 * time exceeded; IPv6 destination unreachable, packet too big or time
 * exceeded) that the SA decrypted and that its selector, or for this host
 * the "in" policies, would refuse is checked as the packet it quotes,
 * reversed: an error about a flow the SA carries, from a router the
 * selectors do not name, is taken. (Forwarded, such an error is checked
 * against the "fwd" policies as the packet it quotes when no "fwd" policy
 * matches it as it is, flag or not, as XFRM does.) Only an error to the
 * quoted packet's source, a unicast address, is taken so (XFRM takes any).
 */
#define NFIPSEC_SA_F_ICMP	(1U << 7)
#define NFIPSEC_SA_F_ALL	(NFIPSEC_SA_F_ESN | NFIPSEC_SA_F_NOECN | \
				 NFIPSEC_SA_F_NOPMTUDISC | NFIPSEC_SA_F_ALIGN8 | \
				 NFIPSEC_SA_F_DECAP_DSCP | NFIPSEC_SA_F_WILDRECV | \
				 NFIPSEC_SA_F_AF_UNSPEC | NFIPSEC_SA_F_ICMP)

enum nfipsec_sa_attr {
	NFIPSEC_SA_A_UNSPEC,
	NFIPSEC_SA_A_PROTO,		/* u8, IPPROTO_ESP or IPPROTO_AH */
	NFIPSEC_SA_A_SPI,		/* be32 */
	NFIPSEC_SA_A_SRC,		/* binary, 4 or 16 bytes */
	NFIPSEC_SA_A_DST,		/* binary, 4 or 16 bytes */
	NFIPSEC_SA_A_MODE,		/* u8, enum nfipsec_mode */
	NFIPSEC_SA_A_REQID,		/* u32 */
	NFIPSEC_SA_A_REPLAY_WINDOW,	/* u32, packets, at most 4096 */
	NFIPSEC_SA_A_FLAGS,		/* u32, NFIPSEC_SA_F_* */
	NFIPSEC_SA_A_ALG_AEAD,		/* nest, NFIPSEC_ALG_A_* */
	NFIPSEC_SA_A_ALG_CRYPT,		/* nest, NFIPSEC_ALG_A_* */
	NFIPSEC_SA_A_ALG_AUTH,		/* nest, NFIPSEC_ALG_A_* */
	NFIPSEC_SA_A_LIFETIME,		/* nest, NFIPSEC_LFT_A_* */
	NFIPSEC_SA_A_STATS,		/* nest, NFIPSEC_SA_STAT_* (reply) */
	NFIPSEC_SA_A_SEQ_OUT,		/* u64 */
	NFIPSEC_SA_A_REPLAY_TOP,	/* u64 */
	NFIPSEC_SA_A_PAD,
	NFIPSEC_SA_A_SET_MARK,		/* u32, see below */
	NFIPSEC_SA_A_SET_MARK_MASK,	/* u32, default 0xffffffff */
	NFIPSEC_SA_A_CURRENT,		/* nest, NFIPSEC_CUR_A_* (reply) */
	NFIPSEC_SA_A_SEL,		/* nest, NFIPSEC_SEL_A_*, see below */
	NFIPSEC_SA_A_ENCAP,		/* nest, NFIPSEC_ENCAP_A_*, see below */
	NFIPSEC_SA_A_KM_SEQ,		/* u32, ip xfrm's seq */
	NFIPSEC_SA_A_SPI_MIN,		/* be32, SA_ALLOC_SPI */
	NFIPSEC_SA_A_SPI_MAX,		/* be32, SA_ALLOC_SPI */
	NFIPSEC_SA_A_LARVAL,		/* flag (reply) */
	NFIPSEC_SA_A_OWNER,		/* u32, see "Owners"; 0: admin */

	__NFIPSEC_SA_A_MAX,
	NFIPSEC_SA_A_MAX = __NFIPSEC_SA_A_MAX - 1
};

/*
 * An algorithm, named as ip-xfrm names it (for instance "rfc4106(gcm(aes))",
 * "cbc(aes)", "hmac(sha256)"). The key includes the salt or nonce where the
 * RFC says so (4 bytes after the AES key for rfc4106, rfc3686, rfc7539esp).
 * ICV_BITS: the ICV length of an AEAD, the truncation of an authentication
 * algorithm; absent means ip-xfrm's default for the algorithm.
 */
enum nfipsec_alg_attr {
	NFIPSEC_ALG_A_UNSPEC,
	NFIPSEC_ALG_A_NAME,		/* string, at most 63 bytes */
	NFIPSEC_ALG_A_KEY,		/* binary, at most 128 bytes */
	NFIPSEC_ALG_A_ICV_BITS,		/* u32 */

	__NFIPSEC_ALG_A_MAX,
	NFIPSEC_ALG_A_MAX = __NFIPSEC_ALG_A_MAX - 1
};

/* Lifetime limits of an SA; 0 or absent: no limit. */
enum nfipsec_lft_attr {
	NFIPSEC_LFT_A_UNSPEC,
	NFIPSEC_LFT_A_SOFT_BYTES,	/* u64 */
	NFIPSEC_LFT_A_HARD_BYTES,	/* u64 */
	NFIPSEC_LFT_A_SOFT_PACKETS,	/* u64 */
	NFIPSEC_LFT_A_HARD_PACKETS,	/* u64 */
	NFIPSEC_LFT_A_SOFT_ADD_SECS,	/* u64 */
	NFIPSEC_LFT_A_HARD_ADD_SECS,	/* u64 */
	NFIPSEC_LFT_A_SOFT_USE_SECS,	/* u64 */
	NFIPSEC_LFT_A_HARD_USE_SECS,	/* u64 */
	NFIPSEC_LFT_A_PAD,

	__NFIPSEC_LFT_A_MAX,
	NFIPSEC_LFT_A_MAX = __NFIPSEC_LFT_A_MAX - 1
};

/*
 * NAT traversal (RFC 3948, ip xfrm's "encap espinudp SPORT DPORT OA"):
 * the SA's ESP packets travel in UDP from SPORT to DPORT (normally the
 * IKE daemon's port 4500 and the peer's, as the NAT maps it). TYPE is
 * NFIPSEC_ENCAP_ESPINUDP, the only one. OA, the original address, is kept
 * and shown, not used. Inbound, a UDP datagram to a local address and to a
 * port of the namespace's IKE port set but 500 whose first four bytes are
 * not zero (not IKE's non-ESP marker) is ESP when they are the SPI of an
 * SA with ENCAP, and is left to the stack (the IKE daemon, XFRM)
 * otherwise; ESP in UDP for an SA without ENCAP, and plain ESP for one
 * with it, is dropped (counted "encap-mismatch"). The UDP checksum is verified when
 * it is not zero (IPv4) and always over IPv6; sent, it is zero over IPv4.
 * Transport mode: the decrypted TCP or UDP packet's checksum is not
 * checked again (the NAT changed the addresses it covers; the ICV
 * authenticated the payload), as in Linux XFRM. SA_SET may change the
 * ports (as XFRM, the ports given), KEEPALIVE and FOLLOW (when given;
 * absent, they stay), not ENCAP's presence or TYPE.
 *
 * KEEPALIVE (seconds, at most 86400; 0: none), as XFRM's
 * XFRMA_NAT_KEEPALIVE_INTERVAL: when the SA has sent nothing for that
 * long, a NAT keepalive (a UDP datagram of one byte, 0xFF, RFC 3948 2.3)
 * goes from SPORT to DPORT, so that the NAT keeps the mapping (counted
 * "nat-keepalive"). Only from an SA whose source is an address of this
 * host. Received, a keepalive from the peer of one of our SAs with ENCAP
 * is dropped (counted "in-nat-keepalive"), as XFRM's encapsulation
 * socket drops it; others are left to the stack.
 *
 * FOLLOW (u8, 0 or 1; nfipsec's own, for hand-keyed SAs: a key manager
 * follows MAPPING events itself): on an inbound SA with a reqid, an ICV
 * and a replay window (not AH: it has no ENCAP), a packet that passed
 * every check (ICV, replay window, lifetime, selector, policy), raised the
 * window's top and is still its top, and comes from the SA's peer address
 * but another port moves the SA's SPORT to that port, and the DPORT of
 * this host's SAs to that peer with the same reqid (from the inbound SA's
 * DPORT): replies follow the NAT's new mapping (counted
 * "mapping-followed"). An update restates an SA's ports: after a follow,
 * give the ports the SA shows. As any NAT-T follower (RFC 3948 5.2), it trusts
 * the UDP header, which no ICV covers: whoever delivers a copy of the
 * peer's packet before the packet itself moves the port, until the
 * peer's next packet moves it back. A new address is reported (MAPPING),
 * not followed: the policies name the peer's address.
 */
#define NFIPSEC_ENCAP_ESPINUDP	2	/* = UDP_ENCAP_ESPINUDP */

enum nfipsec_encap_attr {
	NFIPSEC_ENCAP_A_UNSPEC,
	NFIPSEC_ENCAP_A_TYPE,		/* u16 */
	NFIPSEC_ENCAP_A_SPORT,		/* be16 */
	NFIPSEC_ENCAP_A_DPORT,		/* be16 */
	NFIPSEC_ENCAP_A_OA,		/* binary, 4 or 16 bytes */
	NFIPSEC_ENCAP_A_KEEPALIVE,	/* u32, seconds */
	NFIPSEC_ENCAP_A_FOLLOW,		/* u8, 0 or 1 */

	__NFIPSEC_ENCAP_A_MAX,
	NFIPSEC_ENCAP_A_MAX = __NFIPSEC_ENCAP_A_MAX - 1
};

/*
 * Where an SA's lifetime stands (replies, events). Times are the wall
 * clock's, in seconds since the epoch, computed from the monotonic clock
 * nfipsec enforces limits with (setting the date changes no deadline).
 * USE_TIME is the first use, LAST_USE the last one, to a second: a packet
 * sent, or received and authenticated; absent when the SA was never used.
 * BYTES and PACKETS are what the byte and packet limits count (present
 * when the SA has such a limit): inner packets, as XFRM counts them, sent
 * or authenticated. DYING: the soft limit was reached (see EXPIRE).
 */
enum nfipsec_cur_attr {
	NFIPSEC_CUR_A_UNSPEC,
	NFIPSEC_CUR_A_ADD_TIME,		/* u64 */
	NFIPSEC_CUR_A_USE_TIME,		/* u64 */
	NFIPSEC_CUR_A_LAST_USE,		/* u64 */
	NFIPSEC_CUR_A_BYTES,		/* u64 */
	NFIPSEC_CUR_A_PACKETS,		/* u64 */
	NFIPSEC_CUR_A_DYING,		/* flag */
	NFIPSEC_CUR_A_PAD,

	__NFIPSEC_CUR_A_MAX,
	NFIPSEC_CUR_A_MAX = __NFIPSEC_CUR_A_MAX - 1
};

/* Which limit ended an SA's life (NFIPSEC_EXPIRE_A_LIMIT). */
enum nfipsec_limit {
	NFIPSEC_LIMIT_UNSPEC,
	NFIPSEC_LIMIT_BYTES,
	NFIPSEC_LIMIT_PACKETS,
	NFIPSEC_LIMIT_ADD_TIME,		/* seconds since it was added */
	NFIPSEC_LIMIT_USE_TIME,		/* seconds since its first use */
	NFIPSEC_LIMIT_SEQ,		/* outbound sequence numbers */
};

enum nfipsec_expire_attr {
	NFIPSEC_EXPIRE_A_UNSPEC,
	NFIPSEC_EXPIRE_A_HARD,		/* u8: 0 soft, 1 hard */
	NFIPSEC_EXPIRE_A_LIMIT,		/* u8, enum nfipsec_limit */

	__NFIPSEC_EXPIRE_A_MAX,
	NFIPSEC_EXPIRE_A_MAX = __NFIPSEC_EXPIRE_A_MAX - 1
};

/* Counters of one SA (u64 each). */
enum nfipsec_sa_stat {
	NFIPSEC_SA_STAT_PAD,
	NFIPSEC_SA_STAT_PACKETS,	/* carried: sent or received */
	NFIPSEC_SA_STAT_BYTES,		/* of the inner packets */
	NFIPSEC_SA_STAT_REPLAY,		/* dropped: number already seen */
	NFIPSEC_SA_STAT_OUTSIDE_WINDOW,	/* dropped: left of the window */
	NFIPSEC_SA_STAT_INTEGRITY,	/* dropped: ICV or decryption failed */
	NFIPSEC_SA_STAT_BAD_HEADER,	/* dropped: malformed header/padding */
	NFIPSEC_SA_STAT_POLICY,		/* dropped: inner packet not allowed */
	NFIPSEC_SA_STAT_EXPIRED,	/* dropped: hard lifetime reached */
	NFIPSEC_SA_STAT_SEQ_OVERFLOW,	/* dropped: sequence numbers used up */
	NFIPSEC_SA_STAT_ERROR,		/* dropped: no memory, route, crypto */
	NFIPSEC_SA_STAT_ASYNC,		/* crypto requests completed later,
					 * by a callback (hardware, cryptd)
					 */
	NFIPSEC_SA_STAT_CRYPTO_BUSY,	/* dropped: the crypto engine's
					 * queue was full
					 */
	NFIPSEC_SA_STAT_ECN,		/* dropped: outer header CE, inner
					 * packet Not-ECT (RFC 6040)
					 */
	NFIPSEC_SA_STAT_TOO_BIG,	/* dropped: no outer packet over
					 * 65535 bytes, or the inner packet
					 * could not be fragmented
					 */
	NFIPSEC_SA_STAT_ENCAP_MISMATCH,	/* dropped: in UDP for an SA without
					 * encap, or plain for one with it
					 */

	__NFIPSEC_SA_STAT_MAX,
	NFIPSEC_SA_STAT_MAX = __NFIPSEC_SA_STAT_MAX - 1
};

enum nfipsec_dir {
	NFIPSEC_DIR_IN,
	NFIPSEC_DIR_OUT,
	NFIPSEC_DIR_FWD,

	__NFIPSEC_DIR_MAX,
	NFIPSEC_DIR_MAX = __NFIPSEC_DIR_MAX - 1
};

enum nfipsec_action {
	NFIPSEC_ACTION_ALLOW,	/* protect with TMPL, or bypass without */
	NFIPSEC_ACTION_BLOCK,	/* discard */
};

enum nfipsec_level {
	NFIPSEC_LEVEL_REQUIRED,
	NFIPSEC_LEVEL_USE,
};

enum nfipsec_policy_attr {
	NFIPSEC_POLICY_A_UNSPEC,
	NFIPSEC_POLICY_A_DIR,		/* u8, enum nfipsec_dir */
	NFIPSEC_POLICY_A_SEL,		/* nest, NFIPSEC_SEL_A_* */
	NFIPSEC_POLICY_A_ACTION,	/* u8, enum nfipsec_action */
	NFIPSEC_POLICY_A_TMPL,		/* nest, NFIPSEC_TMPL_A_* */
	NFIPSEC_POLICY_A_PRIORITY,	/* u32 */
	NFIPSEC_POLICY_A_POSITION,	/* u32, 0 is the top */
	NFIPSEC_POLICY_A_BEFORE,	/* u32, a position */
	NFIPSEC_POLICY_A_AFTER,		/* u32, a position */
	NFIPSEC_POLICY_A_TO,		/* u32, a position */
	NFIPSEC_POLICY_A_STATS,		/* nest, NFIPSEC_POLICY_STAT_* */
	NFIPSEC_POLICY_A_INDEX,		/* u32, ip xfrm's policy index */
	NFIPSEC_POLICY_A_ADD_TIME,	/* u64, replies and events */
	NFIPSEC_POLICY_A_USE_TIME,	/* u64, replies and events */
	NFIPSEC_POLICY_A_PAD,
	NFIPSEC_POLICY_A_OWNER,		/* u32, see "Owners"; 0: admin */
	NFIPSEC_POLICY_A_IF_OWNER,	/* u32, SET and DEL: see "Owners" */

	__NFIPSEC_POLICY_A_MAX,
	NFIPSEC_POLICY_A_MAX = __NFIPSEC_POLICY_A_MAX - 1
};

/* A traffic selector; an absent attribute matches anything. */
enum nfipsec_sel_attr {
	NFIPSEC_SEL_A_UNSPEC,
	NFIPSEC_SEL_A_SRC,		/* binary, 4 or 16 bytes */
	NFIPSEC_SEL_A_SRC_PLEN,		/* u8, default: full length */
	NFIPSEC_SEL_A_DST,		/* binary, 4 or 16 bytes */
	NFIPSEC_SEL_A_DST_PLEN,		/* u8, default: full length */
	NFIPSEC_SEL_A_PROTO,		/* u8, 0: any */
	NFIPSEC_SEL_A_SPORT,		/* be16 */
	NFIPSEC_SEL_A_DPORT,		/* be16 */
	NFIPSEC_SEL_A_FAMILY,		/* u16, AF_INET or AF_INET6 */

	__NFIPSEC_SEL_A_MAX,
	NFIPSEC_SEL_A_MAX = __NFIPSEC_SEL_A_MAX - 1
};

enum nfipsec_tmpl_attr {
	NFIPSEC_TMPL_A_UNSPEC,
	NFIPSEC_TMPL_A_SRC,		/* binary; tunnel mode: outer source */
	NFIPSEC_TMPL_A_DST,		/* binary; tunnel mode: outer dest */
	NFIPSEC_TMPL_A_PROTO,		/* u8, IPPROTO_ESP or IPPROTO_AH */
	NFIPSEC_TMPL_A_SPI,		/* be32, 0: any */
	NFIPSEC_TMPL_A_REQID,		/* u32, 0: any */
	NFIPSEC_TMPL_A_MODE,		/* u8, enum nfipsec_mode */
	NFIPSEC_TMPL_A_LEVEL,		/* u8, enum nfipsec_level */

	__NFIPSEC_TMPL_A_MAX,
	NFIPSEC_TMPL_A_MAX = __NFIPSEC_TMPL_A_MAX - 1
};

enum nfipsec_policy_stat {
	NFIPSEC_POLICY_STAT_PAD,
	NFIPSEC_POLICY_STAT_PACKETS,	/* matched */
	NFIPSEC_POLICY_STAT_BYTES,
	NFIPSEC_POLICY_STAT_DROPS,	/* discarded, or no SA to carry them */

	__NFIPSEC_POLICY_STAT_MAX,
	NFIPSEC_POLICY_STAT_MAX = __NFIPSEC_POLICY_STAT_MAX - 1
};

/*
 * Counters of a namespace. The hook counters count every packet each
 * netfilter hook of the module saw, whatever it did with it. The others are
 * named after their /proc/net/xfrm_stat equivalents.
 */
enum nfipsec_stat {
	NFIPSEC_STAT_PAD,
	NFIPSEC_STAT_HOOK_IPV4_FORWARD,
	NFIPSEC_STAT_HOOK_IPV4_LOCAL_IN,
	NFIPSEC_STAT_HOOK_IPV4_POST_ROUTING,
	NFIPSEC_STAT_HOOK_IPV6_FORWARD,
	NFIPSEC_STAT_HOOK_IPV6_LOCAL_IN,
	NFIPSEC_STAT_HOOK_IPV6_POST_ROUTING,
	NFIPSEC_STAT_IN_PACKETS,		/* decapsulated */
	NFIPSEC_STAT_OUT_PACKETS,		/* encapsulated */
	NFIPSEC_STAT_IN_ERROR,			/* XfrmInError */
	NFIPSEC_STAT_IN_HDR_ERROR,		/* XfrmInHdrError */
	NFIPSEC_STAT_IN_NO_STATES,		/* XfrmInNoStates */
	NFIPSEC_STAT_IN_STATE_PROTO_ERROR,	/* XfrmInStateProtoError */
	NFIPSEC_STAT_IN_STATE_SEQ_ERROR,	/* XfrmInStateSeqError */
	NFIPSEC_STAT_IN_STATE_EXPIRED,		/* XfrmInStateExpired */
	NFIPSEC_STAT_IN_TMPL_MISMATCH,		/* XfrmInTmplMismatch */
	NFIPSEC_STAT_IN_POL_BLOCK,		/* XfrmInPolBlock */
	NFIPSEC_STAT_OUT_ERROR,			/* XfrmOutError */
	NFIPSEC_STAT_OUT_NO_STATES,		/* XfrmOutNoStates */
	NFIPSEC_STAT_OUT_STATE_SEQ_ERROR,	/* XfrmOutStateSeqError */
	NFIPSEC_STAT_OUT_STATE_EXPIRED,		/* XfrmOutStateExpired */
	NFIPSEC_STAT_OUT_POL_BLOCK,		/* XfrmOutPolBlock */
	NFIPSEC_STAT_OUT_FRAG_NEEDED,		/* ICMP frag-needed / PTB sent */
	NFIPSEC_STAT_ACQUIRE_SENT,
	NFIPSEC_STAT_ACQUIRE_ERROR,		/* XfrmAcquireError */
	NFIPSEC_STAT_IN_PMTU,			/* ICMP frag-needed / PTB about
						 * an ESP packet of ours, applied
						 * to the route to its peer
						 */
	NFIPSEC_STAT_EXPIRE_SOFT,		/* SAs that reached a soft
						 * limit (EXPIRE, hard 0)
						 */
	NFIPSEC_STAT_EXPIRE_HARD,		/* SAs a hard limit removed */
	NFIPSEC_STAT_IN_STATE_MISMATCH,		/* XfrmInStateMismatch: ESP
						 * in UDP or not, as its SA
						 * is not
						 */
	NFIPSEC_STAT_MAPPING,			/* MAPPING events sent */
	NFIPSEC_STAT_IN_ENCAP_GSO,		/* NAT-T: bundles of UDP
						 * datagrams (GRO) split
						 */
	NFIPSEC_STAT_MAPPING_FOLLOWED,		/* NAT-T: SAs with FOLLOW
						 * moved to a new port
						 */
	NFIPSEC_STAT_NAT_KEEPALIVE,		/* NAT-T keepalives sent */
	NFIPSEC_STAT_IN_NAT_KEEPALIVE,		/* ... received and dropped */
	NFIPSEC_STAT_IN_NO_POLS,		/* XfrmInNoPols: no policy, and
						 * the default blocks
						 */
	NFIPSEC_STAT_OUT_NO_POLS,		/* the same, out */
	NFIPSEC_STAT_BRIDGED,			/* frames a bridge forwards
						 * (br_netfilter), passed
						 * unchecked
						 */
	NFIPSEC_STAT_OUT_POL_ERROR,		/* XfrmOutPolError: no route
						 * to a tunnel template's peer
						 * (for its source address)
						 */

	__NFIPSEC_STAT_MAX,
	NFIPSEC_STAT_MAX = __NFIPSEC_STAT_MAX - 1
};

/* NFIPSEC_A_MAPPING (NFIPSEC_CMD_MAPPING) */
enum nfipsec_mapping_attr {
	NFIPSEC_MAPPING_A_UNSPEC,
	NFIPSEC_MAPPING_A_SRC,		/* binary, 4 or 16 bytes */
	NFIPSEC_MAPPING_A_SPORT,	/* be16 */

	__NFIPSEC_MAPPING_A_MAX,
	NFIPSEC_MAPPING_A_MAX = __NFIPSEC_MAPPING_A_MAX - 1
};

/* Multicast group for events (ACQUIRE, EXPIRE, MAPPING, changes). */
#define NFIPSEC_MCGRP_EVENTS	"events"
/* Multicast group for a key manager: ACQUIRE, EXPIRE and MAPPING only. */
#define NFIPSEC_MCGRP_KEYMGR	"keymgr"

#endif /* _UAPI_NFIPSEC_H */
