#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the lab guest. The host's root is / (read-only 9p); the writable
# share "work" is mounted on /mnt and holds run.env, written by run.sh:
#   MODE=check|script|shell  SCRIPT=path  TOP=repo  KO_DIR=modules
#   RUN_ID=token  TESTS=subset  JOBS=concurrent selftests, and exports of
#   the benchmark's NFIPSEC_BENCH_* knobs
# The kernel's console is ttyS0 (serial.log on the host): kernel lines only.
# Scripts write to hvc0 (the host's standard output), so a script's own
# "WARNING:" is never taken for the kernel's. The kernel log is also
# streamed from /dev/kmsg into /mnt/kmsg.txt as it grows (record numbers let
# the host see that none was lost). Results go back through /mnt: rc,
# results.txt. Always powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=${TERM:-linux} LANG=C.UTF-8

poweroff_now() {
	# Let the kmsg reader drain, then stop it so the file is complete.
	sleep 0.5
	[ -n "${kmsg_pid:-}" ] && kill "$kmsg_pid" 2>/dev/null
	sync
	echo o > /proc/sysrq-trigger
	# init must outlive the power-off, or the kernel panics.
	while :; do sleep 60; done
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# devtmpfs lacks what udev would add: scripts write to /dev/stdout.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
# The guest's own /tmp covers the host's: a checkout there (a clone in
# /tmp) stays reachable under /run/host-tmp (paths rewritten below).
mkdir -p /run/host-tmp
mount --bind /tmp /run/host-tmp
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /run/netns /run/lock
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 work /mnt; then
	echo "guest-init: cannot mount the work share" >&2
	poweroff_now
fi
# From the first record on, as the log grows.
cat /dev/kmsg > /mnt/kmsg.txt 2>/mnt/kmsg.err &
kmsg_pid=$!
# shellcheck disable=SC1091
. /mnt/run.env
TOP=${TOP/#\/tmp\//\/run\/host-tmp\/}
KO_DIR=${KO_DIR/#\/tmp\//\/run\/host-tmp\/}
SCRIPT=${SCRIPT/#\/tmp\//\/run\/host-tmp\/}
# Scripts talk on hvc0 (shell mode keeps the serial console).
if [ "$MODE" != shell ] && [ -c /dev/hvc0 ]; then
	exec >/dev/hvc0 2>&1
fi
echo 1 > /proc/sys/kernel/sysrq
# No modules to load here: an empty modprobe path makes the kernel's
# request_module() fail at once instead of running modprobe for every
# crypto template it instantiates (seconds each under TCG).
echo > /proc/sys/kernel/modprobe
hostname nfipsec-lab
ip link set lo up
export NFIPSEC_TOP=$TOP NFIPSEC_KO_DIR=$KO_DIR NFIPSEC_OUT=/mnt
export NFIPSEC_RUN_ID=$RUN_ID NFIPSEC_TESTS=${TESTS:-}
[ -n "${JOBS:-}" ] && export NFIPSEC_JOBS=$JOBS
export PATH=$TOP/tools:$PATH

load_module() {
	insmod "$KO_DIR/nfipsec.ko" || { echo "guest-init: insmod nfipsec.ko failed" >&2; return 1; }
}

rc=0
case "$MODE" in
check)
	"$TOP/selftests/lab/guest-check.sh"
	rc=$?
	;;
script)
	load_module || rc=1
	if [ $rc = 0 ]; then
		(cd /tmp && bash "$SCRIPT")
		rc=$?
		rmmod nfipsec 2>/dev/null || true
	fi
	;;
shell)
	load_module
	[ -x "$TOP/selftests/lab/demo.sh" ] && "$TOP/selftests/lab/demo.sh"
	echo "nfipsec lab: module loaded, nfipsec on PATH. Exit the shell to power off."
	setsid -c -w bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
	;;
*)
	echo "guest-init: unknown MODE '$MODE'" >&2
	rc=1
	;;
esac
echo "$rc $RUN_ID" > /mnt/rc
poweroff_now
