#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which events reach which multicast group (uapi "Events"), seen by three
sockets of this namespace: one on keymgr, one on events, one on both. The
script adds (with the CLI, argv[2]) an SA whose soft limit is 1 s, updates
and deletes another one, waits for the EXPIRE, and prints one line per
socket: "NAME CMD CMD ..." (the commands' names, in order)."""

import subprocess
import sys
import time

from genl import Nfipsec

nl = Nfipsec(sys.argv[1])
names = {v: k[len("NFIPSEC_CMD_"):] for k, v in nl.E.items()
         if k.startswith("NFIPSEC_CMD_") and not k.startswith("NFIPSEC_CMD_MAX")}
socks = {"keymgr": nl.listener("keymgr"), "events": nl.listener("events"),
         "both": nl.listener("keymgr", "events")}
key = "aead rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff01020304 128"
sa = "src 10.88.0.1 dst 10.88.0.2 proto esp mode tunnel " + key
batch = "\n".join([
    "state add %s spi 0x8801 limit time-soft 1" % sa,
    "state add %s spi 0x8802" % sa,
    "state update %s spi 0x8802 limit time-hard 99" % sa,
    "state delete dst 10.88.0.2 proto esp spi 0x8802",
]) + "\n"
subprocess.run([sys.argv[2], "-b", "-"], input=batch.encode(), check=True)
got = {n: [] for n in socks}
end = time.time() + 10
while time.time() < end:
    for n, sk in socks.items():
        got[n] += [names.get(c, str(c)) for c in Nfipsec.events(sk)]
    if "EXPIRE" in got["keymgr"] and got["both"].count("EXPIRE") >= 2:
        break
    time.sleep(0.1)
time.sleep(0.5)
for n, sk in socks.items():
    got[n] += [names.get(c, str(c)) for c in Nfipsec.events(sk)]
    print(n, " ".join(got[n]))
