#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Independent checks of nfipsec's AH with scapy's SecurityAssociation (one
process: scapy takes seconds to import in the lab guest).

ah_check.py SA... [verify PCAP SRC...]... [send IFACE MAC SA SRC DST SEQ]...

SA: SPI:ALGO:KEYHEX[:esn], ALGO as scapy names it (HMAC-SHA1-96,
SHA2-256-128); every SA the other words name is one of these.

verify PCAP SRC...: the ICV of every AH packet in PCAP sent from one of
    the addresses SRC (at most 20 an SPI), computed by scapy over the
    packet as received (mutable fields zeroed, ESN's high bits appended);
    IPv6 fragments (the stack fragments AH packets over a route's PMTU
    exception) reassembled first, as the receiver does.
    Prints "PCAP SPI ok N bad M" for each SPI seen, in SPI order.
send IFACE MAC SPI SRC DST SEQ: three ICMP (or ICMPv6) echo requests SRC
    to DST, id 0xa4a4, in AH transport mode with the SA of SPI and
    sequence numbers SEQ, SEQ+1, SEQ+2, sent on IFACE to MAC. Prints
    "sent SPI 3".
"""
import sys

# The modules needed, not scapy.all (half the start-up time).
import scapy.layers.inet6  # noqa: F401 (dissects IPv6 read from a pcap)
from scapy.compat import raw
from scapy.config import conf
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6, IPv6ExtHdrFragment,
                                defragment6)
from scapy.layers.ipsec import AH, IPSecIntegrityError, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.sendrecv import sendp
from scapy.utils import rdpcap

conf.verb = 0


def parse_sa(word):
    f = word.split(':')
    esn = len(f) > 3 and f[3] == 'esn'
    spi = int(f[0], 0)
    return spi, SecurityAssociation(AH, spi=spi, auth_algo=f[1],
                                    auth_key=bytes.fromhex(f[2][2:]),
                                    esn_en=esn, esn=0)


def packets(pcap):
    """(number, IP or IPv6 packet) of pcap, IPv6 fragments reassembled
    (numbered as their last fragment)."""
    frags = {}
    for n, p in enumerate(rdpcap(pcap)):
        if IPv6 in p and IPv6ExtHdrFragment in p:
            f = p[IPv6ExtHdrFragment]
            key = (p[IPv6].src, p[IPv6].dst, f.id)
            frags.setdefault(key, []).append(p[IPv6])
            whole = sum(len(x[IPv6ExtHdrFragment].payload) for x in frags[key])
            last = [x for x in frags[key] if not x[IPv6ExtHdrFragment].m]
            if last and whole == last[0][IPv6ExtHdrFragment].offset * 8 + \
                    len(last[0][IPv6ExtHdrFragment].payload):
                yield n, IPv6(raw(defragment6(frags.pop(key))))
            continue
        yield n, p[IP] if IP in p else p[IPv6] if IPv6 in p else None


def verify(sas, pcap, srcs):
    seen = {}
    for n, ip in packets(pcap):
        p = ip
        if ip is None or AH not in p or ip.src not in srcs:
            continue
        spi = p[AH].spi
        counts = seen.setdefault(spi, [0, 0])
        if sum(counts) >= 20:
            continue
        sa = sas.get(spi)
        try:
            if sa is None:
                raise IPSecIntegrityError('no SA')
            sa.decrypt(ip.copy())
            counts[0] += 1
        except IPSecIntegrityError as e:
            counts[1] += 1
            if counts[1] <= 2:
                print('%s packet %d: 0x%x %s: %s' % (pcap, n + 1, spi,
                                                   p.summary(), e))
    for spi in sorted(seen):
        print('%s 0x%x ok %d bad %d' % (pcap, spi, seen[spi][0], seen[spi][1]))


def send(sas, iface, mac, spi, src, dst, seq):
    sa = sas[int(spi, 0)]
    if ':' in src:
        inner = [IPv6(src=src, dst=dst) / ICMPv6EchoRequest(id=0xa4a4, seq=i)
                 for i in range(3)]
    else:
        inner = [IP(src=src, dst=dst) / ICMP(id=0xa4a4, seq=i)
                 for i in range(3)]
    pkts = [Ether(dst=mac) / sa.encrypt(p, seq_num=int(seq, 0) + i)
            for i, p in enumerate(inner)]
    sendp(pkts, iface=iface)
    print('sent %s 3' % spi)


def main(argv):
    sas = {}
    i = 0
    while i < len(argv) and argv[i] not in ('verify', 'send'):
        spi, sa = parse_sa(argv[i])
        sas[spi] = sa
        i += 1
    while i < len(argv):
        if argv[i] == 'verify':
            j = i + 2
            while j < len(argv) and argv[j] not in ('verify', 'send'):
                j += 1
            verify(sas, argv[i + 1], set(argv[i + 2:j]))
            i = j
        else:
            send(sas, *argv[i + 1:i + 7])
            i += 7
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
