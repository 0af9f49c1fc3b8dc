#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the nfipsec selftests, in the style of the kernel's
# tools/testing/selftests/net/lib.sh: namespaces that clean up after
# themselves, named checks logged one per line, kselftest exit codes.
#
# Each check prints "PASS|FAIL|SKIP <test>.<check> (<s>s)[: why]", and
# appends it to $NFIPSEC_RESULTS when set; it returns non-zero when it
# failed (check_eq ... || keep_artifact ...). The script exits 0 when every check
# passed, 1 when one failed, 4 (skip) when the module is not available.

ksft_skip=4
TEST=${TEST:-${0##*/}}
TEST=${TEST%.sh}
NFIPSEC_RESULTS=${NFIPSEC_RESULTS:-}
NFIPSEC_KO_DIR=${NFIPSEC_KO_DIR:-}
export PATH=${NFIPSEC_TOP:+$NFIPSEC_TOP/tools:}$PATH

nfailed=0
ns_list=()
bg_pids=()
# EPOCHREALTIME (microseconds) rather than date: every exec is slow in the
# debug guest.
check_t0=${EPOCHREALTIME/./}

log_result() {	# STATUS CHECK [WHY]: the time is since the previous check
	local now=${EPOCHREALTIME/./} d
	d=$(( (10#$now - 10#$check_t0) / 100000 ))
	check_t0=$now
	local line="$1 $TEST.$2 ($((d / 10)).$((d % 10))s)${3:+: $3}"

	[ -n "$NFIPSEC_RESULTS" ] && echo "$line" >> "$NFIPSEC_RESULTS"
	echo "$line"
	[ "$1" != FAIL ] && return 0
	nfailed=$((nfailed + 1))
	return 1
}

pass() { log_result PASS "$1"; }
fail() { log_result FAIL "$1" "$2"; }
skip() { log_result SKIP "$1" "$2"; }

# check NAME CMD...: the command must succeed.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "\`$*\` failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# check_fail NAME STATUS REGEX CMD...: the command must fail the way the
# check means: exit with STATUS and print (stdout or stderr) something that
# matches REGEX. Failing another way (a missing tool, a typo, a crash) fails
# the check.
check_fail() {
	local name=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		fail "$name" "\`$*\` succeeded"
	elif [ $rc != "$want" ]; then
		fail "$name" "\`$*\` exited $rc, not $want: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	elif ! text_has "$out" "$re"; then
		fail "$name" "\`$*\` exited $rc without /$re/: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

# Output of a ping that got no answer at all.
PING_LOST='100% packet loss'

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# text_has TEXT REGEX: a line of TEXT matches the extended REGEX, as
# grep -qE would say, without an exec (bash's =~ is the same POSIX ERE).
text_has() {
	local line re=$2
	while IFS= read -r line; do
		[[ $line =~ $re ]] && return 0
	done <<< "$1"
	return 1
}

# check_match NAME REGEX TEXT
check_match() {
	if text_has "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "'$(echo "$3" | head -c 300)' does not match /$2/"
	fi
}

module_loaded() {
	local line
	while read -r line; do
		[[ $line == "nfipsec "* ]] && return 0
	done < /proc/modules
	return 1
}

load_module() {
	module_loaded && return 0
	[ -n "$NFIPSEC_KO_DIR" ] && insmod "$NFIPSEC_KO_DIR/nfipsec.ko"
}

# Skip the whole test when the module cannot be had.
require_module() {
	if ! load_module; then
		skip setup "the nfipsec module is not loaded and cannot be loaded"
		exit $ksft_skip
	fi
}

# setup_ns VAR...: make one namespace per VAR, named uniquely (or just VAR
# when NFIPSEC_NS_PLAIN=1), lo up; each VAR is set to the namespace's name.
# Removed at exit.
setup_ns() {
	local var name
	for var in "$@"; do
		name=$var
		[ "${NFIPSEC_NS_PLAIN:-0}" = 1 ] || printf -v name '%s-%08x' "$var" "$SRANDOM"
		ip netns add "$name" || return 1
		ns_list+=("$name")
		ip -n "$name" link set lo up
		eval "$var=$name"
	done
}

# run_bg CMD...: start a command in the background, killed at exit.
run_bg() {
	"$@" >/dev/null 2>&1 &
	bg_pids+=($!)
}

cleanup() {
	local p n
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for n in "${ns_list[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
}
trap cleanup EXIT

# ns_sysctl NS KEY=VALUE...: set sysctls (dotted names) in namespace NS in
# one exec of a small shell: sysctl(8) costs three times as much in the
# debug guest. Fails when one cannot be written.
ns_sysctl() {
	local ns=$1 kv k script=
	shift
	for kv in "$@"; do
		k=${kv%%=*}
		script+="echo '${kv#*=}' > /proc/sys/${k//.//}; "
	done
	ip netns exec "$ns" sh -ec "$script"
}

# ns_quiet_ipv6 NS...: IPv6 without DAD, router solicitations or RA for
# the devices made after this in each NS.
ns_quiet_ipv6() {
	local n
	for n in "$@"; do
		ns_sysctl "$n" net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_ra=0 || return 1
	done
}

# Join two namespaces with a veth pair carrying 10.0.1.{1,2}/24 and
# fd00:1::{1,2}/64: veth_pair NS1 NS2. IPv6 is quiet: no DAD, no router
# solicitations.
veth_pair() {
	local a=$1 b=$2 n
	for n in "$a" "$b"; do
		ns_sysctl "$n" net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_ra=0
	done
	ip -n "$a" link add veth0 type veth peer name veth0 netns "$b" || return 1
	ip -n "$a" addr add 10.0.1.1/24 dev veth0
	ip -n "$b" addr add 10.0.1.2/24 dev veth0
	ip -n "$a" addr add fd00:1::1/64 dev veth0 nodad
	ip -n "$b" addr add fd00:1::2/64 dev veth0 nodad
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth0 up
}

# nfipsec_stat NS NAME: one counter of the namespace, from the CLI.
nfipsec_stat() {
	stat_of "$1" "$2"
	echo "${REPLY:-missing}"
}

# nft_packets NS TABLE CHAIN: the packets of the one counter in nftables
# chain CHAIN of "table ip TABLE" in NS.
nft_packets() {
	local words i
	# The words of nft's output, read without an exec (awk is one).
	read -rd '' -a words < <(ip netns exec "$1" nft list chain ip "$2" "$3")
	for ((i = 0; i + 1 < ${#words[@]}; i++)); do
		[ "${words[i]}" = packets ] && echo "${words[i + 1]}"
	done
	return 0
}

# stat_of NS NAME: REPLY = the counter, empty when the CLI shows none.
stat_of() {
	local out k v
	REPLY=
	out=$(nfipsec -n "$1" stats)
	while read -r k v _; do
		[ "$k" = "$2" ] && { REPLY=$v; return 0; }
	done <<< "$out"
}

# nap SECONDS: sleep without an exec: read times out on a pipe that no
# one writes (this shell holds its write end).
exec {nap_fd}<> <(:)
nap() { read -rt "$1" -u "$nap_fd" _; return 0; }

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; fails
# after SECONDS. Runs in this shell: keep CMD cheap (no exec in a loop that
# can be one exec, see ns_wait_until).
wait_until() {
	local end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		nap 0.1
	done
}

# ns_wait_until NS SECONDS SHELL-CONDITION: the same loop inside namespace NS,
# in one exec (every exec costs about half a second in the debug guest).
ns_wait_until() {
	ip netns exec "$1" timeout "$2" bash -c "until $3; do sleep 0.1; done" >/dev/null 2>&1
}

# wait_listen NS PORT [tcp|udp]: until a socket listens on PORT in NS (30 s).
wait_listen() {
	local flag=-ltn
	[ "${3:-tcp}" = udp ] && flag=-lun
	ns_wait_until "$1" 30 "ss -H $flag 'sport = :$2' | grep -q ."
}

# iperf3_server NS PORT: a one-shot iperf3 server, ready when this returns.
iperf3_server() {
	ip netns exec "$1" iperf3 -s -D -1 -p "$2" >/dev/null 2>&1 &&
		wait_listen "$1" "$2"
}

# capture_start VAR NS DEV FILE [FILTER...]: tcpdump on DEV in NS into FILE,
# unbuffered, returning once it captures (not after a guessed sleep); VAR
# gets its pid. capture_stop VAR ends it after every captured packet is
# written.
capture_start() {
	local var=$1 ns=$2 dev=$3 file=$4 pid
	shift 4
	# Empty before the start: a previous capture's "listening on" must not
	# pass for this one's.
	: > "$file.err"
	ip netns exec "$ns" tcpdump --immediate-mode -U -n -i "$dev" -w "$file" "$@" \
		2>"$file.err" &
	pid=$!
	bg_pids+=("$pid")
	eval "$var=$pid"
	if ! wait_until 30 file_has "$file.err" "listening on"; then
		echo "capture_start: tcpdump on $dev did not start: $(cat "$file.err")" >&2
		return 1
	fi
}

# file_has FILE TEXT: a line of FILE contains TEXT (no exec: for wait loops).
file_has() {
	local line
	[ -e "$1" ] || return 1
	while IFS= read -r line; do
		[[ $line == *"$2"* ]] && return 0
	done < "$1"
	return 1
}

# gone PID: the process has exited (a zombie counts as gone).
gone() {
	local st
	{ read -r _ _ st _ < "/proc/$1/stat"; } 2>/dev/null || return 0
	[ "$st" = Z ]
}

# tcpdump writes what it holds on SIGINT; a process that ignores it (a
# background job's SIGINT is ignored until tcpdump sets its handler) is
# killed after 10 s.
capture_stop() {
	local pid=${!1}
	kill -INT "$pid" 2>/dev/null
	wait_until 10 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Python without a python start each time: every start of python3 costs
# half a second to a second in the debug guest (its imports), and a test
# that sends a packet or holds a socket from a few lines of python pays it
# again and again. py_agent NS starts one python3 in namespace NS that
# forks a child for each script asked of it: the child runs the script as
# "python3 SCRIPT ARGS..." would (runpy, sys.argv, exit status, stdout and
# stderr to files, stdin /dev/null) in NS, as its own process. The agent
# and its children are killed at exit (the agent is in bg_pids). Start
# the agents in the test's own shell (not in a $(...) or a pipe, whose
# agent would end with it).
PY_AGENT='
import os, runpy, signal, sys, threading, traceback
import errno, json, select, socket, struct, time  # what scripts import
kids = set()
def child(out, err, script, args):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    code = 1
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        if err == out:
            os.dup2(fd, 2)
        else:
            os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
        os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
        os.closerange(3, 1024)
        sys.argv = [script] + args
        if not script.startswith("/tmp/pyagent-"):
            # As python3 SCRIPT: its folder first on the path.
            sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xff)
def run(rc, out, err, script, *args):
    # SIGTERM for the main thread only (its handler runs there).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        child(out, err, script, list(args))
    kids.add(pid)
    _, st = os.waitpid(pid, 0)
    kids.discard(pid)
    code = os.waitstatus_to_exitcode(st)
    with open(rc + ".tmp", "w") as f:
        f.write("%d\n" % (code if code >= 0 else 128 - code))
    os.rename(rc + ".tmp", rc)
def stop(*_):
    for k in list(kids):
        try:
            os.kill(k, signal.SIGTERM)
        except OSError:
            pass
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
for line in open(sys.argv[1]):
    threading.Thread(target=run, args=line.rstrip("\n").split("\x1f"),
                     daemon=True).start()
stop()
'
declare -A py_fd=()
py_seq=0
py_agent() {
	local ns=$1 fifo=/tmp/pyagent-$1 fd pid
	[ -n "${py_fd[$ns]:-}" ] && return 0
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	# Read-write: opening never waits for the agent; what is asked
	# before it reads waits in the pipe.
	exec {fd}<>"$fifo"
	ip netns exec "$ns" /usr/bin/python3 -c "$PY_AGENT" "$fifo" >/dev/null 2>&1 </dev/null {fd}>&- &
	pid=$!
	bg_pids+=("$pid")
	py_fd[$ns]=$fd
}

# py_bg NS OUT SCRIPT|-c CODE [ARGS...]: start the script in NS (py_agent)
# with its stdout and stderr to file OUT; REPLY is its id for py_wait.
py_bg() {
	local ns=$1 out=$2 script=$3 id
	shift 3
	py_agent "$ns" || return 1
	py_seq=$((py_seq + 1))
	# BASHPID: a subshell's ids are its own.
	id=/tmp/pyagent-$ns.$BASHPID-$py_seq
	if [ "$script" = -c ]; then
		printf '%s\n' "$1" > "$id.py"
		script=$id.py
		shift
	fi
	rm -f "$id.rc"
	local IFS=$'\x1f'
	printf '%s\n' "$id.rc$IFS$out$IFS${PY_ERR:-$out}$IFS$script${*:+$IFS$*}" >&"${py_fd[$ns]}"
	REPLY=$id
}

# py_wait ID [SECONDS]: wait for py_bg's script ID to end (600 s unless
# told); its exit status (124 when it did not end in time).
py_wait() {
	local rc
	wait_until "${2:-600}" test -e "$1.rc" || return 124
	read -r rc < "$1.rc"
	return "$rc"
}

# py NS SCRIPT|-c CODE [ARGS...]: run the script in NS (py_agent) and wait
# for it, as "ip netns exec NS python3 SCRIPT ARGS" would: its stdout to
# this stdout, its stderr to this stderr, its exit status.
py() {
	local ns=$1 f id rc line
	shift
	f=/tmp/pyagent-$ns.$BASHPID-$((py_seq + 1))
	PY_ERR=$f.err py_bg "$ns" "$f.out" "$@" || return 1
	id=$REPLY
	py_wait "$id"
	rc=$?
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\n' "$line"
	done < "$f.out"
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\n' "$line" >&2
	done < "$f.err"
	return $rc
}

# keep_artifact FILE...: copy FILE to the results folder (artifacts/TEST/),
# for a check that failed: what it saw travels back with the results.
keep_artifact() {
	local dir=${NFIPSEC_OUT:+$NFIPSEC_OUT/artifacts/$TEST}
	[ -n "$dir" ] || return 0
	mkdir -p "$dir" && cp -f "$@" "$dir/" 2>/dev/null
	echo "kept $* in $dir" >&2
}

# Exit with the kselftest status of what was logged.
finish() {
	[ "$nfailed" = 0 ] && exit 0
	exit 1
}
