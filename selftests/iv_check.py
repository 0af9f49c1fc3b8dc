#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The IVs of the ESP packets of a capture (no scapy: it is slow to import
in the lab guest).

iv_check.py FILE.pcap IVLEN: reads the Ethernet frames of FILE (libpcap
format), takes every IPv4 or IPv6 ESP packet (no extension header, not a
fragment), and prints one line:
    esp N ivs M shared-seq K
N ESP packets, M distinct IVs (the IVLEN bytes after the SPI and sequence
number) among them, and K sequence numbers used by more than one SPI: with
K > 0 and SAs keyed alike, IVs derived from sequence numbers alone would
repeat, so N == M shows that they do not.
"""
import struct
import sys


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = '>'
    else:
        sys.exit('iv_check: not a pcap file')
    if struct.unpack(end + 'I', data[20:24])[0] != 1:
        sys.exit('iv_check: not an Ethernet capture')
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def esp_payload(frame):
    etype = struct.unpack('!H', frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and len(ip) >= 20 and ip[9] == 50:
        if struct.unpack('!H', ip[6:8])[0] & 0x3fff:
            return None     # a fragment
        return ip[(ip[0] & 0xf) * 4:]
    if etype == 0x86dd and len(ip) >= 40 and ip[6] == 50:
        return ip[40:]
    return None


def main():
    path, ivlen = sys.argv[1], int(sys.argv[2])
    n = 0
    ivs = set()
    spis_of_seq = {}
    for frame in frames(path):
        esp = esp_payload(frame)
        if esp is None or len(esp) < 8 + ivlen:
            continue
        spi, seq = struct.unpack('!II', esp[:8])
        n += 1
        ivs.add(esp[8:8 + ivlen])
        spis_of_seq.setdefault(seq, set()).add(spi)
    shared = sum(1 for s in spis_of_seq.values() if len(s) > 1)
    print('esp %d ivs %d shared-seq %d' % (n, len(ivs), shared))


if __name__ == '__main__':
    main()
