#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Independent checks of nfipsec's ESP with scapy (one process: every exec is
slow in the lab guest).

decode WIRE.pcap H2.pcap SPI KEYHEX SRC DST
    Decrypt the ESP packets of SPI (AES-GCM-128, ICV 16) captured on the
    wire, and compare each inner packet byte for byte with what h2 received
    (which went through one more router: TTL one less). Prints
    "decoded N matched M".
inject IFACE_A MAC_A IFACE_B MAC_B WIRE.pcap SPI SRC DST
    From the wire: replay the captured ESP packets of SPI towards rb, send
    two ESP packets with an unknown SPI to rb and three cleartext ICMP
    packets spoofed from LAN2 to ra. Prints what it sent.
serve IFACE MAC SPI KEYHEX SRC DST INNER_SRC INNER_DST
    An ESP sender driven one command a line on stdin (scapy is imported
    once: it is slow in the lab guest). Prints "ready" once set up, then
    answers each command with one line:
      send SEQ good|badkey|badicv
        sends to MAC on IFACE one ESP packet of SPI (AES-GCM-128, ICV 16,
        tunnel SRC > DST) with sequence number SEQ, carrying an ICMP echo
        request INNER_SRC > INNER_DST with id 0x7e57 and ICMP sequence SEQ
        (mod 2^16). good: encrypted with KEYHEX; badkey: with another key;
        badicv: with KEYHEX, the last byte of the ICV flipped. Answers
        "sent SEQ KIND".
    Ends at end of input.
"""
import sys

# The modules needed, not scapy.all: half the start-up time (about ten
# seconds in the debug guest).
import scapy.layers.inet6  # noqa: F401 (dissects IPv6 read from a pcap)
from scapy.arch import get_if_hwaddr
from scapy.compat import raw
from scapy.config import conf
from scapy.layers.inet import ICMP, IP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.sendrecv import sendp
from scapy.utils import rdpcap

conf.verb = 0


def decode(wire, h2, spi, key, src, dst):
    spi = int(spi, 0)
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM',
                             crypt_key=bytes.fromhex(key[2:]),
                             auth_algo='NULL',
                             tunnel_header=IP(src=src, dst=dst))
    inner = []
    for p in rdpcap(wire):
        if ESP in p and p[ESP].spi == spi:
            inner.append(sa.decrypt(p[IP]))
    received = [p[IP] for p in rdpcap(h2) if IP in p]
    matched = 0
    for i in inner:
        expect = i.copy()
        expect.ttl -= 1
        del expect.chksum
        expect = IP(raw(expect))
        if any(raw(expect) == raw(r) for r in received):
            matched += 1
    print('decoded %d matched %d' % (len(inner), matched))


def inject(if_a, mac_a, if_b, mac_b, wire, spi, src, dst):
    spi = int(spi, 0)
    esp = [p for p in rdpcap(wire) if ESP in p and p[ESP].spi == spi]
    sendp(esp, iface=if_b)
    print('replayed %d' % len(esp))
    bogus = [Ether(dst=mac_b) / IP(src=src, dst=dst) / ESP(spi=0xdead, seq=n) /
             Raw(b'\x00' * 64) for n in (1, 2)]
    sendp(bogus, iface=if_b)
    print('unknown-spi %d' % len(bogus))
    spoof = [Ether(dst=mac_a) / IP(src='192.168.186.10', dst='192.168.111.10') /
             ICMP(id=7, seq=n) for n in (1, 2, 3)]
    sendp(spoof, iface=if_a)
    print('spoofed %d' % len(spoof))


ECHO_ID = 0x7e57


def gcm_sa(spi, key, src, dst):
    return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM',
                               crypt_key=key, auth_algo='NULL',
                               tunnel_header=IP(src=src, dst=dst))


def serve(iface, mac, spi, key, src, dst, inner_src, inner_dst):
    spi = int(spi, 0)
    key = bytes.fromhex(key[2:])
    sas = {'good': gcm_sa(spi, key, src, dst),
           'badkey': gcm_sa(spi, bytes(b ^ 0x5a for b in key), src, dst),
           'badicv': gcm_sa(spi, key, src, dst)}
    sock = conf.L2socket(iface=iface)
    hwaddr = get_if_hwaddr(iface)
    print('ready', flush=True)
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        if len(w) != 3 or w[0] != 'send' or w[2] not in sas:
            print('error: bad command %r' % line.strip(), flush=True)
            continue
        seq, kind = int(w[1], 0), w[2]
        inner = (IP(src=inner_src, dst=inner_dst) /
                 ICMP(id=ECHO_ID, seq=seq & 0xffff) /
                 Raw(b'nfipsec replay test %d' % seq))
        data = bytearray(raw(sas[kind].encrypt(inner, seq_num=seq)))
        if kind == 'badicv':
            data[-1] ^= 0x01
        sock.send(Ether(src=hwaddr, dst=mac, type=0x0800) / Raw(bytes(data)))
        print('sent %d %s' % (seq, kind), flush=True)
    sock.close()


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'decode': decode, 'inject': inject, 'serve': serve}[cmd](*args)
