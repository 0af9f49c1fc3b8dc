#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Checks the CLI's parser without a kernel: NFIPSEC_DUMP_REQUEST=1 makes it
# print the request it would send. Good lines must give the attributes
# below; bad lines must exit 1 and send nothing.
cli=${1:-./nfipsec}
export NFIPSEC_DUMP_REQUEST=1
fails=0

# The decoded request (libnl's own dump before it varies with its version).
good() {
	local want=$1 got
	shift
	got=$("$cli" "$@" 2>&1 >/dev/null | sed -n '/^nfipsec request:/,$p')
	if [ "$got" = "$want" ]; then
		echo "PASS $*"
	else
		echo "FAIL $*"
		diff <(echo "$want") <(echo "$got")
		fails=$((fails + 1))
	fi
}

bad() {
	local out rc
	out=$("$cli" "$@" 2>&1)
	rc=$?
	if [ $rc = 1 ] && ! grep -q '^nfipsec request:' <<< "$out"; then
		echo "PASS (exit 1) $*: ${out#nfipsec: }"
	else
		echo "FAIL (exit $rc) $*: $out"
		fails=$((fails + 1))
	fi
}

good 'nfipsec request: SA_NEW, version 1
  SA {
    PROTO u8 50
    SPI be32 0x00001000
    SRC 192.168.3.107
    DST 192.168.3.111
    MODE u8 1
    REQID u32 1
    ALG_AEAD {
      NAME "rfc4106(gcm(aes))"
      KEY 20 bytes 0x0102030405060708090a0b0c0d0e0f1011121314
      ICV_BITS u32 128
    }
  }' state add src 192.168.3.107 dst 192.168.3.111 proto esp spi 0x1000 \
	reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' \
	0x0102030405060708090a0b0c0d0e0f1011121314 128

good 'nfipsec request: SA_NEW, version 1
  SA {
    PROTO u8 50
    SPI be32 0x00002000
    SRC fd00::1
    DST fd00::2
    MODE u8 1
    REPLAY_WINDOW u32 128
    FLAGS u32 1
    ALG_CRYPT {
      NAME "cbc(aes)"
      KEY 16 bytes 0x00112233445566778899aabbccddeeff
    }
    ALG_AUTH {
      NAME "hmac(sha256)"
      KEY 32 bytes 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
      ICV_BITS u32 128
    }
  }' state add src fd00::1 dst fd00::2 proto esp spi 0x2000 mode tunnel \
	enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
	auth-trunc 'hmac(sha256)' \
	0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128 \
	replay-window 128 flag esn

good 'nfipsec request: SA_SET, version 1
  SA {
    PROTO u8 51
    SPI be32 0x00000100
    SRC 10.0.0.1
    DST 10.0.0.2
    MODE u8 0
    ALG_AUTH {
      NAME "hmac(sha1)"
      KEY 16 bytes 0x6d797365637265746b65793132333435
    }
    LIFETIME {
      SOFT_BYTES u64 1048576
      HARD_ADD_SECS u64 3600
    }
  }' state update src 10.0.0.1 dst 10.0.0.2 proto ah spi 256 \
	auth 'hmac(sha1)' mysecretkey12345 limit time-hard 3600 \
	limit byte-soft 0x100000

good 'nfipsec request: SA_DEL, version 1
  SA {
    PROTO u8 50
    SPI be32 0x00000100
    DST 10.0.0.2
  }' state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 256

good 'nfipsec request: SA_GET (dump), version 1
  SA {
    PROTO u8 51
    SRC 10.0.0.1
  }
  SHOW_KEYS flag' -k state list src 10.0.0.1 proto ah nokeys

good 'nfipsec request: SA_FLUSH, version 1
  SA {
    PROTO u8 50
  }' state flush proto esp

good 'nfipsec request: POLICY_NEW, version 1
  POLICY {
    DIR u8 1
    SEL {
      FAMILY u16 2
      SRC 192.168.111.0
      SRC_PLEN u8 24
      DST 192.168.186.0
      DST_PLEN u8 24
    }
    TMPL {
      SRC 192.168.3.107
      DST 192.168.3.111
      PROTO u8 50
      REQID u32 1
      MODE u8 1
      LEVEL u8 0
    }
  }' policy add src 192.168.111.0/24 dst 192.168.186.0/24 dir out \
	tmpl src 192.168.3.107 dst 192.168.3.111 proto esp reqid 1 mode tunnel

good 'nfipsec request: POLICY_NEW, version 1
  POLICY {
    DIR u8 1
    SEL {
      FAMILY u16 2
      SRC 192.168.111.5
      SRC_PLEN u8 32
      DST 192.168.186.0
      DST_PLEN u8 24
      PROTO u8 6
      DPORT be16 22
    }
    ACTION u8 0
    POSITION u32 0
  }' policy add src 192.168.111.5/32 dst 192.168.186.0/24 proto tcp dport 22 \
	dir out action allow index 0

good 'nfipsec request: POLICY_NEW, version 1
  POLICY {
    DIR u8 1
    SEL {
      FAMILY u16 10
      SRC ::
      SRC_PLEN u8 0
      DST 2001:db8::
      DST_PLEN u8 64
      PROTO u8 58
    }
    TMPL {
      SRC 192.0.2.1
      DST 192.0.2.2
      PROTO u8 50
      SPI be32 0x00000007
      REQID u32 2
      MODE u8 1
      LEVEL u8 1
    }
    AFTER u32 1
  }' policy add src ::/0 dst 2001:db8::/64 proto ipv6-icmp dir out \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 7 reqid 2 mode tunnel \
	level use after 1

good 'nfipsec request: POLICY_DEL, version 1
  POLICY {
    POSITION u32 3
  }' policy delete index 3

good 'nfipsec request: POLICY_MOVE, version 1
  POLICY {
    POSITION u32 2
    BEFORE u32 0
  }' policy move index 2 before 0

bad state add src 192.168.3.300 dst 192.168.3.111 proto esp spi 1 enc x 0x00
bad state add src 10.0.0.1 dst fd00::1 proto esp spi 1 enc x 0x00
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp enc x 0x00
bad state add src 10.0.0.1 proto esp spi 1 enc x 0x00
bad state add src 10.0.0.1 dst 10.0.0.2 spi 1 enc x 0x00
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1ffffffff enc x 0x00
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x0g
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x00
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x00 128 enc y 0
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x00 encap espinudp 4500 4500 0.0.0.0
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x00 flag noecn
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x00 mark 1
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x00 limit bogus 1
bad state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc x 0x00 bogus
bad state delete dst 10.0.0.2 proto esp
bad state list proto bogus
bad policy add src 10.0.0.0/33 dst 10.1.0.0/16 dir out
bad policy add src 10.0.0.0/8 dst 10.1.0.0/16
bad policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out sport 22
bad policy add src 10.0.0.0/8 dst 10.1.0.0/16 proto tcp dport 65536 dir out
bad policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out ptype sub
bad policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out tmpl mode tunnel
bad policy update src 10.0.0.0/8 dst 10.1.0.0/16 dir out index 0
bad policy delete index 1 dir out
bad policy move index 1
bad policy list dir sideways

if [ $fails = 0 ]; then
	echo "selfcheck: all passed"
else
	echo "selfcheck: $fails failed"
fi
[ $fails = 0 ]
