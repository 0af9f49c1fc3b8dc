#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""NAT-T (ESP in UDP, RFC 3948) against scapy's SecurityAssociation, an
implementation no one here wrote. One process (scapy's import is slow in
the lab guest):

natt_check.py WIRE.pcap SPI KEYHEX SRC DST INNER_SRC INNER_DST SEQ
    Decrypts the ESP-in-UDP packets of SPI (AES-GCM-128 with its 4-byte
    salt, ICV 16) captured in WIRE.pcap and counts those carrying an ICMP
    echo request INNER_SRC > INNER_DST. Then sends one packet scapy
    encrypted itself: ESP of SPI in UDP 4500 > 4500 from SRC to DST (an
    ICMP echo request INNER_SRC > INNER_DST, id 0x7e57, sequence number
    SEQ). Prints "decoded N inner M sent 1".
"""
import sys

import scapy.layers.inet6  # noqa: F401 (dissects IPv6 read from a pcap)
from scapy.config import conf
from scapy.layers.inet import ICMP, IP, UDP
from scapy.compat import raw
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw
from scapy.sendrecv import send
from scapy.utils import rdpcap

conf.verb = 0


def main(wire, spi, key, src, dst, inner_src, inner_dst, seq):
    spi = int(spi, 0)
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM',
                             crypt_key=bytes.fromhex(key[2:]),
                             auth_algo='NULL',
                             tunnel_header=IP(src=src, dst=dst),
                             nat_t_header=UDP(sport=4500, dport=4500))
    decoded = inner = 0
    for p in rdpcap(wire):
        if UDP not in p or ESP not in p or p[ESP].spi != spi:
            continue
        i = sa.decrypt(p[IP])
        decoded += 1
        if (IP in i and ICMP in i and i[IP].src == inner_src and
                i[IP].dst == inner_dst and i[ICMP].type == 8):
            inner += 1
    pkt = sa.encrypt(IP(src=inner_src, dst=inner_dst) /
                     ICMP(id=0x7e57, seq=1) / b'nfipsec natt scapy',
                     seq_num=int(seq))
    # scapy 2.5 leaves the UDP length at 8 (the ESP is pasted after the
    # built header): the same ESP bytes in a UDP header of the right
    # length, checksum 0 as RFC 3948 has it over IPv4.
    esp = raw(pkt)[pkt[IP].ihl * 4 + 8:]
    send(IP(src=src, dst=dst) / UDP(sport=4500, dport=4500, chksum=0) /
         Raw(esp))
    print('decoded %d inner %d sent 1' % (decoded, inner))


if __name__ == '__main__':
    main(*sys.argv[1:])
