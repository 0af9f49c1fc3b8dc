#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the lab guest on the lab kernel with the module, the KUnit module and
# the CLI built, and run something in it:
#   run.sh check        the test suite (guest-check.sh; NFIPSEC_TESTS=a,b
#                       for a subset)
#   run.sh script PATH  any host script, as root, module loaded, CLI on PATH
#   run.sh shell        an interactive shell
# Environment: NFIPSEC_LAB_FLAVOUR=debug|bench (kernel), NFIPSEC_LAB_TIMEOUT
# (seconds, the whole guest run), NFIPSEC_LAB_MEM (MiB), NFIPSEC_LAB_OUT (the
# results folder, default build/lab-out; set it to run two guests at once).
#
# The results folder is emptied before anything is built, and the run's
# token (run-id) ties the guest's rc and results to this run: nothing from
# an earlier run can be read as this one's. It holds console.log (what the
# scripts printed), serial.log (the kernel's console), kmsg.txt (the kernel
# log, streamed), splats.txt, splats-allowed.txt (known reports that are not
# ours: splat-allow.txt), rc, results.txt (check mode).
# Exit status: the guest's, or 1 on a kernel splat, a lost kernel log, a
# crash or a timeout.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=${1:-}
script=${2:-}
flavour=${NFIPSEC_LAB_FLAVOUR:-debug}
out=${NFIPSEC_LAB_OUT:-$top/build/lab-out}
log() { echo "lab: $*" >&2; }

case "$mode" in
check) timeout=${NFIPSEC_LAB_TIMEOUT:-2700} ;;
script)
	[ -n "$script" ] || { log "usage: run.sh script PATH"; exit 2; }
	script=$(realpath "$script") || exit 2
	[ -r "$script" ] || { log "cannot read $script"; exit 2; }
	timeout=${NFIPSEC_LAB_TIMEOUT:-1800}
	;;
shell) timeout=${NFIPSEC_LAB_TIMEOUT:-86400} ;;
*) log "usage: run.sh check | script PATH | shell"; exit 2 ;;
esac

# First of all: nothing of an earlier run survives a failure below.
rm -rf "$out"
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
run_id=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
echo "$run_id" > "$out/run-id"

"$here/host-deps.sh" || exit 1
kdir=$("$here/kernel.sh" "$flavour") || exit 1
ko_dir=$("$here/build-module.sh" "$kdir" "$out.build-$flavour" kunit) || exit 1
make -s -C "$top/tools" >/dev/null || { log "building the CLI failed"; exit 1; }
# The kernel-nfipsec charon plugin (tools/strongswan), which
# selftests/strongswan.sh loads into the guest's charons: built against
# the installed strongSwan's source, or the newest the archive serves of
# the same upstream version (fetch-source.sh). Without it that test fails;
# the others do not need it.
if ! STRONGSWAN_SOURCE_VERSION=${STRONGSWAN_SOURCE_VERSION:-same-upstream} \
	make -s -C "$top/tools/strongswan" >"$out/strongswan-plugin.log" 2>&1; then
	log "building the strongSwan plugin failed (see $out/strongswan-plugin.log): selftests/strongswan.sh will fail"
fi

# The files the guest opens most, for a tmpfs over its 9p root (hot-set.sh,
# guest-init.sh): the tools the selftests run, the CLI, charon.
"$here/hot-set.sh" "$out/hot.tar" bash sh ip sed sort tr grep awk cat head \
	tail wc rm cut paste diff uniq tee od seq mktemp date env sleep timeout \
	kill pkill pgrep setpriv unshare nsenter mkfifo touch mkdir ls cp mv ln \
	chmod stat readlink basename dirname find xargs flock mount umount \
	sysctl python3 nft ping tcpdump conntrack tc ss iperf3 socat swanctl \
	/usr/lib/ipsec/charon "$top/tools/nfipsec" ||
	log "hot-set.sh failed: the guest runs on the 9p root alone"
# Where the guest finds it on its root (the host's /, over 9p).
realpath "$out/hot.tar" > "$out/hot.path" 2>/dev/null || rm -f "$out/hot.path"

# The guest mounts its own /tmp, /run and /mnt: a script from there travels
# in the work share.
case "$script" in
/tmp/*|/run/*|/mnt/*|/dev/*)
	cp "$script" "$out/run-script"
	script=/mnt/run-script
	;;
esac
cat > "$out/run.env" <<EOS
MODE=$mode
SCRIPT='$script'
TOP='$top'
KO_DIR='$ko_dir'
RUN_ID=$run_id
TESTS='${NFIPSEC_TESTS:-}'
JOBS='${NFIPSEC_JOBS:-}'
EOS
# The benchmark's knobs (bench.sh) and the strongSwan tests' scenario
# choice (NFIPSEC_SS_SCENARIOS) go with it, quoted for the guest's shell.
for v in ${!NFIPSEC_BENCH_@} ${!NFIPSEC_SS_@}; do
	printf 'export %s=%q\n' "$v" "${!v}"
done >> "$out/run.env"

# loglevel=5: warnings (WARN, lockdep, KASAN) reach the serial console too.
append="console=ttyS0 root=/dev/root rootfstype=9p"
append="$append rootflags=trans=virtio,version=9p2000.L,msize=1048576,cache=loose"
append="$append ro init=$here/guest-init.sh pci=noacpi panic=-1 oops=panic"
append="$append loglevel=5 kmemleak=on mitigations=off"
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max,-la57 -smp 2
	-m "${NFIPSEC_LAB_MEM:-3072}" -no-reboot -nic none
	-kernel "$kdir/arch/x86/boot/bzImage" -append "$append"
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
	-fsdev "local,id=work,path=$out,security_model=none"
	-device virtio-9p-pci,fsdev=work,mount_tag=work)

start=$(date +%s)
if [ "$mode" = shell ]; then
	log "booting; exit the guest's shell (or Ctrl-A X) to power off"
	timeout "$timeout" "${qemu[@]}" -nographic
	qrc=$?
else
	# The kernel's console to serial.log; the scripts' output (hvc0) here.
	timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none \
		-serial "file:$out/serial.log" \
		-chardev stdio,id=con,signal=off -device virtio-serial-pci \
		-device virtconsole,chardev=con </dev/null | tee "$out/console.log"
	qrc=${PIPESTATUS[0]}
fi
log "guest ran $(( $(date +%s) - start )) s"
rm -f "$out/hot.tar" "$out/hot.path"

rc=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	log "TIMEOUT: the guest ran past ${timeout} s"
	rc=1
fi
read -r grc gid 2>/dev/null < "$out/rc" || grc=
if [ -z "$grc" ]; then
	log "the guest did not finish (crash, panic or timeout)"
	rc=1
elif [ "$gid" != "$run_id" ]; then
	log "the guest's rc is not from this run"
	rc=1
elif [ "$grc" != 0 ] && [ $rc = 0 ]; then
	rc=$grc
fi
# Kernel reports, wherever they came from, fail the run; so does a gap in
# the streamed log (records lost to a ring-buffer wrap).
"$here/splat-check.sh" "$out/serial.log" "$out/kmsg.txt" "$out/splats-allowed.txt" > "$out/splats.txt"
[ -s "$out/kmsg.err" ] && sed 's/^/kmsg reader: /' "$out/kmsg.err" >> "$out/splats.txt"
if [ -s "$out/splats.txt" ]; then
	log "kernel splat in the guest's log:"
	head -50 "$out/splats.txt" >&2
	rc=1
fi
exit "$rc"
