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

# The hot set (hot-set.sh, hot.tar in the work share): the tools the
# selftests exec most, their libraries, python's library and the locales,
# unpacked into a tmpfs and mounted over the same paths, on a root of
# tmpfs whose top-level symlinks (/bin, /lib, ...) are its own and whose
# directories are the host's (bind mounts): opening them costs no 9p round
# trip. The new root is taken with pivot_root (a chroot would refuse user
# namespaces to the selftests). hot_root mounts the work share at /mnt;
# hot_mounts binds the set once /run/host-tmp is there. Without it the
# guest runs on the 9p root as before, slower, and says why.
hot_root() {
	local nr=/mnt n src d moved
	mount -n -t tmpfs -o mode=0755 nfipsec-root $nr || return 1
	mkdir $nr/mnt
	if ! mount -n -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 work $nr/mnt; then
		umount -R $nr
		return 1
	fi
	# The tar is read through the root's share (cache=loose), where run.sh
	# says it is on the host: 75 MB in 1.3 s, against 19 s through the
	# work share (uncached).
	src=$nr/mnt/hot.tar
	if read -r n < $nr/mnt/hot.path && [ -r "$n" ]; then
		src=$n
	fi
	# The new root's top level and its bind mounts (hot-set.sh), with
	# paths under /mnt: nr.
	if ! tar -C $nr -xf "$src" || ! mount -n -a -T $nr/.nfipsec-hot/root.fstab; then
		umount -R $nr
		return 1
	fi
	moved=()
	for d in proc sys dev; do
		mount -n --move /$d $nr/$d || break
		moved+=("$d")
	done
	if [ ${#moved[@]} != 3 ] || ! cd $nr || ! pivot_root . .oldroot; then
		cd /
		for d in "${moved[@]}"; do
			mount -n --move $nr/$d /$d
		done
		umount -R $nr
		return 1
	fi
	cd /
}

# After /run/host-tmp: the set's bind mounts (a checkout in the host's
# /tmp is reached there), its libraries first, and the old root let go.
hot_mounts() {
	sed 's# /tmp/# /run/host-tmp/#' /.nfipsec-hot/fstab > /run/hot-fstab
	if mount -n -a -T /run/hot-fstab; then
		export LD_LIBRARY_PATH=/.nfipsec-hot/lib
	else
		echo "guest-init: some of the hot set's mounts failed: those paths stay on 9p" >&2
	fi
	umount -l /.oldroot
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
hot=
hot_root && hot=1
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
mount --bind ${hot:+/.oldroot}/tmp /run/host-tmp
[ -n "$hot" ] && hot_mounts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /run/netns /run/lock
if ! mountpoint -q /mnt &&
   ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 work /mnt; then
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
if [ -n "$hot" ]; then
	echo "guest-init: hot set in use: $(grep -c '^/.nfipsec-hot/' /run/hot-fstab) paths on tmpfs, libraries from $LD_LIBRARY_PATH"
else
	echo "guest-init: the hot set (hot-set.sh) could not be set up: running on the 9p root, slower"
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
