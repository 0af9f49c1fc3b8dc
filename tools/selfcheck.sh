#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI's grammar without a kernel: NFIPSEC_DUMP_REQUEST=1 makes nfipsec
# print the request it would send instead of sending it. Every case of the
# corpus (tools/corpus.txt, format at its top) is run twice, as arguments
# and as a line of -b - (the way the selftests feed it), and must give the
# outcome written there: accepted with that request, or refused (exit 1,
# nothing sent) with that message. Then the drift check: every
# nfipsec / ip xfrm line of README.md (code blocks and inline code) must be
# a line of the corpus, so that the README cannot show an untested line;
# and every example line of iproute2's ip-xfrm(8), as kept in
# ip-xfrm-examples.txt (and, with IP_XFRM_MAN=path/to/ip-xfrm.8, as that man
# page has them), must be a line of the corpus.
#
# Usage: selfcheck.sh [CLI [CORPUS [README [EXAMPLES]]]]   (CLI: ./nfipsec)
#
# Output, one line per result, for the test harness:
#   PASS selfcheck.NAME
#   FAIL selfcheck.NAME: WHY
# The details of a failure and the summary go to stderr. The exit status is
# 0 only when every result passed and at least one case ran.

set -u
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-./nfipsec}
corpus=${2:-$here/corpus.txt}
readme=${3:-$here/../README.md}
examples=${4:-$here/ip-xfrm-examples.txt}
export NFIPSEC_DUMP_REQUEST=1
export LC_ALL=C

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

npass=0 nfail=0 ncases=0
declare -A result	# NAME -> PASS | FAIL
declare -A defined_at	# NAME -> corpus line
declare -A cvar		# corpus variables
declare -A cvar_seen	# "NAME=VALUE" of every var line
declare -A corpus_cmd	# normalised command lines of the corpus
format_errors=()
syntax_names=() syntax_covers=() syntax_lines=()

report() {	# NAME WHY (empty WHY: passed)
	result[$1]=FAIL
	if [ -z "$2" ]; then
		result[$1]=PASS
		npass=$((npass + 1))
		echo "PASS selfcheck.$1"
	else
		nfail=$((nfail + 1))
		echo "FAIL selfcheck.$1: $2"
	fi
}

# Collapse blanks, trim: how command lines are compared.
norm() {
	local s=$1
	s=${s//$'\t'/ }
	while [[ $s == *"  "* ]]; do s=${s//  / }; done
	s=${s# }
	s=${s% }
	printf '%s' "$s"
}

# expand TEXT: $NAME and ${NAME} replaced by corpus variables, as text (the
# way tunnel_conf pastes its algorithm words into a line). Sets $expanded;
# fails on a variable the corpus does not define.
expand() {
	local s=$1 name
	expanded=
	while [[ $s =~ ^([^\$]*)\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))(.*)$ ]]; do
		name=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
		if [ -z "${cvar[$name]+set}" ]; then
			expand_error="\$$name is not defined (var $name VALUE)"
			return 1
		fi
		expanded+=${BASH_REMATCH[1]}${cvar[$name]}
		s=${BASH_REMATCH[5]}
	done
	if [[ $s == *'$'* ]]; then
		expand_error="a \$ that is no variable"
		return 1
	fi
	expanded+=$s
}

# split TEXT: the words a POSIX shell makes of TEXT (quotes removed, no
# expansion), into the array $words. Command substitution, pipes, lists and
# redirections are not allowed in the corpus.
split() {
	local text=$1 w
	words=()
	if [[ $text =~ [\`\;\&\|\<\>\\] ]]; then
		split_error="the line has a character the corpus does not allow (\` ; & | < > \\)"
		return 1
	fi
	while IFS= read -r -d '' w; do
		words+=("$w")
	done < <(set -f; eval "set -- $text" 2>/dev/null && printf '%s\0' "$@" '<end>')
	if [ ${#words[@]} = 0 ] || [ "${words[-1]}" != '<end>' ]; then
		split_error="the line is not valid shell words"
		return 1
	fi
	unset 'words[-1]'
}

# A word as nfipsec -b reads it (ip -batch: quotes only around a whole
# word), in $bw; fails when no quoting keeps it one word.
batch_word() {
	local w=$1
	if [[ -n $w && $w != *[\ $'\t\n']* && $w != [\'\"#]* ]]; then
		bw=$w
	elif [[ $w != *"'"* && $w != *$'\n'* ]]; then
		bw="'$w'"
	elif [[ $w != *'"'* && $w != *$'\n'* ]]; then
		bw="\"$w\""
	else
		return 1
	fi
}

# judge KIND BATCH: $why for the run in $tmp/{out,err} with status $rc,
# against the expectations of the case ($want_eq, $want_has, $want_err).
judge() {
	local kind=$1 batch=$2 got line i n
	local -a gotl wantl
	why=
	if [ "$kind" = ok ]; then
		if [ "$rc" != 0 ]; then
			why="exit $rc, not 0: $(tail -n 1 "$tmp/err")"
			return
		fi
		got=$(sed -n '/^nfipsec request:/,$p' "$tmp/err")
		[ -n "$got" ] || got=$(cat "$tmp/err")
		if [ ${#want_eq[@]} -gt 0 ]; then
			mapfile -t gotl <<< "$got"
			n=${#want_eq[@]}
			[ ${#gotl[@]} -gt "$n" ] && n=${#gotl[@]}
			for ((i = 0; i < n; i++)); do
				if [ "${want_eq[i]-<none>}" != "${gotl[i]-<none>}" ]; then
					why="request line $((i + 1)) is '${gotl[i]-<none>}', not '${want_eq[i]-<none>}'"
					break
				fi
			done
		fi
		# Compared without the indentation.
		local -A gotset=()
		# (An empty key is an error that ends the corpus loop: skipped.)
		while IFS= read -r line; do
			line=${line#"${line%%[! ]*}"}
			[ -n "$line" ] && gotset["$line"]=1
		done <<< "$got"
		for line in "${want_has[@]}"; do
			[ -n "$why" ] && break
			[ -n "$line" ] && [ -n "${gotset["$line"]-}" ] ||
				why="the request has no line '$line'"
		done
		[ -n "$why" ] && { echo "--- request of selfcheck.$case_name:"; echo "$got"; } >&2
		return
	fi
	# refuse
	if [ "$rc" != 1 ]; then
		why="exit $rc, not 1: $(tail -n 1 "$tmp/err")"
	elif grep -q '^nfipsec request:' "$tmp/err"; then
		why="refused, but a request was built"
	elif [ -s "$tmp/out" ]; then
		why="refused, but printed '$(head -c 100 "$tmp/out")' to stdout"
	elif [ ${#want_err[@]} -gt 0 ]; then
		wantl=("${want_err[@]}")
		[ "$batch" = 1 ] && wantl+=("Command failed -:1")
		got=$(< "$tmp/err")
		printf -v line '%s\n' "${wantl[@]}"
		if [ "$got" != "${line%$'\n'}" ]; then
			why="message is '$(echo $got)', not '${wantl[*]}'"
		fi
	fi
	for line in "${want_has[@]}"; do
		[ -n "$why" ] && break
		grep -qF -- "$line" "$tmp/err" ||
			why="message '$(head -n 1 "$tmp/err")' lacks '$line'"
	done
}

# Run the case gathered so far (case_kind, case_name, case_cmd, want_*).
run_case() {
	local i opts=() rest=() line w q batch_ok=1
	ncases=$((ncases + 1))
	if ! expand "$case_cmd"; then
		report "$case_name" "$expand_error"
		return
	fi
	if ! split "$expanded"; then
		report "$case_name" "$split_error"
		return
	fi
	if [ "${words[0]-}" = nfipsec ]; then
		words=("${words[@]:1}")
	elif [ "${words[0]-}" = ip ] && [ "${words[1]-}" = xfrm ]; then
		words=("${words[@]:2}")
	else
		report "$case_name" "the line starts neither with nfipsec nor with ip xfrm"
		return
	fi
	timeout 10 "$cli" "${words[@]}" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	judge "$case_kind" 0
	if [ -n "$why" ]; then
		report "$case_name" "$why"
		return
	fi

	# The same as a line of -b -: options stay on the command line.
	for ((i = 0; i < ${#words[@]}; i++)); do
		w=${words[i]}
		[[ $w == -* ]] || break
		case $w in
		-j|-s|-k|-json|-statistics|-stats|-keys|-4|-6|-o|-oneline|-d|-details|-t|-ts|-timestamp) ;;
		-n|-netns) opts+=("$w"); i=$((i + 1)); w=${words[i]-} ;;
		*) batch_ok=0 ;;	# -V, -help, -b, an unknown option
		esac
		opts+=("$w")
	done
	rest=("${words[@]:i}")
	[ ${#rest[@]} -gt 0 ] || batch_ok=0
	line=
	for w in "${rest[@]}"; do
		batch_word "$w" || { batch_ok=0; break; }
		line+="${line:+ }$bw"
	done
	if [ "$batch_ok" = 1 ]; then
		printf '%s\n' "$line" | timeout 10 "$cli" "${opts[@]}" -b - \
			> "$tmp/out" 2> "$tmp/err"
		rc=$?
		judge "$case_kind" 1
		[ -n "$why" ] && why="with -b: $why"
	fi
	report "$case_name" "$why"
}

# The header line of a case or a syntax line ends the previous case.
end_case() {
	[ -n "$case_kind" ] || return 0
	case $case_kind in
	ok)
		[ ${#want_eq[@]} -gt 0 ] || [ ${#want_has[@]} -gt 0 ] ||
			{ format_errors+=("line $case_line: ok $case_name has no = or ~ line"); case_kind=; return; }
		;;
	refuse)
		[ ${#want_err[@]} -gt 0 ] || [ ${#want_has[@]} -gt 0 ] ||
			{ format_errors+=("line $case_line: refuse $case_name has no ! or ~ line"); case_kind=; return; }
		;;
	syntax)
		[ ${#want_cover[@]} -gt 0 ] ||
			{ format_errors+=("line $case_line: syntax $case_name has no @ line"); case_kind=; return; }
		syntax_names+=("$case_name")
		syntax_covers+=("${want_cover[*]}")
		syntax_lines+=("$case_line")
		case_kind=
		return
		;;
	esac
	run_case
	case_kind=
}

if ! [ -x "$cli" ] && ! command -v "$cli" > /dev/null; then
	report cli "$cli is not an executable"
	exit 1
fi
if ! [ -r "$corpus" ]; then
	report corpus-format "cannot read $corpus"
	exit 1
fi

case_kind= lineno=0
while IFS= read -r raw || [ -n "$raw" ]; do
	lineno=$((lineno + 1))
	[[ $raw =~ ^[[:space:]]*(#.*)?$ ]] && continue
	if [[ $raw =~ ^[[:space:]]+([=~!@])(\ (.*))?$ ]]; then
		mark=${BASH_REMATCH[1]} text=${BASH_REMATCH[3]}
		if [ -z "$case_kind" ]; then
			format_errors+=("line $lineno: '$mark' line outside a case")
			continue
		fi
		case $mark in
		'=') want_eq+=("$text") ;;
		'~') want_has+=("$text") ;;
		'!') want_err+=("$text") ;;
		'@') read -ra w <<< "${text//,/ }"; want_cover+=("${w[@]}") ;;
		esac
		case $case_kind$mark in
		ok=|ok~|refuse!|refuse~|syntax@) ;;
		*) format_errors+=("line $lineno: '$mark' line in a $case_kind case") ;;
		esac
		continue
	fi
	end_case
	if [[ $raw =~ ^var\ ([A-Z][A-Z0-9_]*)\ (.*)$ ]]; then
		name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
		if expand "$value"; then
			cvar[$name]=$expanded
			cvar_seen["$name=$value"]=1
		else
			format_errors+=("line $lineno: var $name: $expand_error")
		fi
	elif [[ $raw =~ ^(ok|refuse|syntax)\ ([A-Za-z0-9][A-Za-z0-9._-]*)\ (.+)$ ]]; then
		case_kind=${BASH_REMATCH[1]} case_name=${BASH_REMATCH[2]}
		case_cmd=${BASH_REMATCH[3]} case_line=$lineno
		want_eq=() want_has=() want_err=() want_cover=()
		corpus_cmd["$(norm "$case_cmd")"]=1
		if [ -n "${defined_at[$case_name]-}" ]; then
			format_errors+=("line $lineno: $case_name is also the name at line ${defined_at[$case_name]}")
			case_kind=
		else
			defined_at[$case_name]=$lineno
		fi
	else
		format_errors+=("line $lineno: not a var, ok, refuse or syntax line: $raw")
	fi
done < "$corpus"
end_case
# A bash error in a case (a bad subscript) ends the loop above without a
# word: every line must have been read.
if [ "$lineno" != "$(grep -c '' "$corpus")" ]; then
	format_errors+=("line $lineno: the corpus was not read to its end (a shell error above?)")
fi

# A syntax line (a README synopsis) passes when its examples passed.
for i in "${!syntax_names[@]}"; do
	why=
	for n in ${syntax_covers[i]}; do
		if [ -z "${result[$n]-}" ]; then
			why="its example $n is not a case of the corpus"
		elif [ "${result[$n]}" != PASS ]; then
			why="its example $n failed"
		fi
		[ -n "$why" ] && break
	done
	report "${syntax_names[i]}" "$why"
done

if [ ${#format_errors[@]} = 0 ]; then
	report corpus-format ""
else
	printf 'corpus: %s\n' "${format_errors[@]}" >&2
	report corpus-format "${#format_errors[@]} bad line(s) in $(basename "$corpus"): ${format_errors[0]}"
fi

# Batch files as ip -batch takes them: "xfrm" before the object is
# dropped, a failed line says "Command failed FILE:LINE" and stops the
# batch, or with -force does not (the status is then the highest of the
# failed lines').
batch_check() {	# NAME FILE OPTS... : sets $rc, $tmp/err, $reqs (requests)
	local name=$1 file=$2
	shift 2
	"$cli" "$@" -b "$file" < "$tmp/batch" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	reqs=$(sed -n 's/^nfipsec request: //p' "$tmp/err" | tr '\n' ' ')
}
printf '%s\n' 'xfrm policy flush' 'xfrm state bogus' '  # a comment' \
	'state flush' 'xfrm' 'xfrm state count' > "$tmp/batch"
why=
batch_check batch-stop "$tmp/batch"
[ "$rc" = 1 ] || why="exit $rc, not 1"
[ -z "$why" ] && [ "$reqs" != "POLICY_FLUSH, version 1 " ] && why="requests '$reqs', not the first line's only"
[ -z "$why" ] && ! grep -qxF "Command failed $tmp/batch:2" "$tmp/err" && why="no 'Command failed $tmp/batch:2' in '$(tr '\n' ' ' < "$tmp/err")'"
[ -z "$why" ] && grep -q 'Command failed .*:5' "$tmp/err" && why="went on after line 2"
report batch-xfrm-stop "$why"
why=
batch_check batch-force "$tmp/batch" -force
[ "$rc" = 1 ] || why="exit $rc, not 1"
[ -z "$why" ] && [ "$reqs" != "POLICY_FLUSH, version 1 SA_FLUSH, version 1 GET_INFO, version 1 " ] && why="requests '$reqs', not lines 1, 4 and 6's"
[ -z "$why" ] && [ "$(grep -c '^Command failed' "$tmp/err")" != 2 ] && why="not two failed lines: '$(grep '^Command failed' "$tmp/err" | tr '\n' ' ')'"
[ -z "$why" ] && ! grep -qxF "Command failed $tmp/batch:5" "$tmp/err" && why="a lone xfrm (line 5) did not fail"
report batch-xfrm-force "$why"
why=
batch_check batch-stdin - -fo
[ "$rc" = 1 ] || why="exit $rc, not 1"
[ -z "$why" ] && ! grep -qxF 'Command failed -:2' "$tmp/err" && why="no 'Command failed -:2' (stdin)"
report batch-force-stdin "$why"
printf '%s\n' 'xfrm policy add dir out' 'xfrm policy set hthresh4 0 0' > "$tmp/batch"
why=
batch_check batch-ok "$tmp/batch"
[ "$rc" = 0 ] || why="exit $rc, not 0: $(tail -n 1 "$tmp/err")"
[ -z "$why" ] && [ "$reqs" != "POLICY_NEW, version 1 " ] && why="requests '$reqs'"
report batch-xfrm-ok "$why"

# Drift: the nfipsec / ip xfrm lines of the README (code-block lines, with
# their more indented continuation lines, and inline code), and the
# variables its code blocks set, must be in the corpus.
readme_items() {
	awk '
	function indent(s) { match(s, /^[ \t]*/); return RLENGTH }
	function norm(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
	function flush() { if (cur != "") print "C\t" curnr "\t" norm(cur); cur = "" }
	function spans(text, nr,   s) {
		while (match(text, /`[^`]*`/)) {
			s = norm(substr(text, RSTART + 1, RLENGTH - 2))
			if (s ~ /^(nfipsec|ip xfrm) /)
				print "I\t" nr "\t" s
			text = substr(text, RSTART + RLENGTH)
		}
	}
	function endpara() { if (para != "") spans(para, paranr); para = "" }
	/^[ \t]*```/ { flush(); endpara(); inblock = !inblock; next }
	inblock {
		line = $0
		sub(/[ \t]+#[ \t].*$/, "", line)
		if (line ~ /^[ \t]*(nfipsec|ip[ \t]+xfrm)([ \t]|$)/) {
			flush(); cur = line; curnr = NR; curind = indent(line); next
		}
		if (cur != "" && line !~ /^[ \t]*$/ && indent(line) > curind) {
			cur = cur " " line; next
		}
		flush()
		if (line ~ /^[A-Z][A-Z0-9_]*=/)
			print "V\t" NR "\t" norm(line)
		next
	}
	/^[ \t]*$/ { endpara(); next }
	{ if (para == "") paranr = NR; para = para " " $0 }
	END { flush(); endpara() }
	' "$1"
}

if ! [ -r "$readme" ]; then
	report readme-in-corpus "cannot read $readme"
else
	missing=()
	while IFS=$'\t' read -r kind nr text; do
		case $kind in
		V)
			[ -n "${cvar_seen[$text]-}" ] ||
				missing+=("variable $text (README.md:$nr) is no var line")
			;;
		*)
			[ -n "${corpus_cmd[$text]-}" ] ||
				missing+=("'$text' (README.md:$nr)")
			;;
		esac
	done < <(readme_items "$readme")
	if [ ${#missing[@]} = 0 ]; then
		report readme-in-corpus ""
	else
		printf 'README line not in the corpus: %s\n' "${missing[@]}" >&2
		report readme-in-corpus "${#missing[@]} README line(s) not in $(basename "$corpus"): ${missing[0]}"
	fi
fi

# Drift from iproute2's ip-xfrm(8): every example line of the man page
# must be a LINE of the corpus. The lines are kept in ip-xfrm-examples.txt
# (the man page is not read at check time: CI has no iproute2 tree); with
# IP_XFRM_MAN=path/to/ip-xfrm.8 the man page's own lines are checked too,
# which is how a newer man page's examples are found.
man_examples() {	# ip-xfrm.8: its ip ... xfrm command lines, outside SYNOPSIS
	awk '
	/^\.SH/ { syn = ($0 ~ /SYNOPSIS/); next }
	syn { next }
	{
		s = $0
		sub(/\t.*$/, "", s)	# a table: the first column
		sub(/^\.(B|BR|RB|I|IR|RI)[ \t]+/, "", s)
		gsub(/"/, "", s)
		gsub(/\\-/, "-", s); gsub(/\\\\/, "\\", s); gsub(/\\&/, "", s)
		sub(/^[$#][ \t]+/, "", s)
		gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
		if (s ~ /^ip( -[^ ]+( [^- ][^ ]*)?)* xfrm( |$)/)
			print s
	}
	' "$1"
}
examples_in_corpus() {	# NAME WHERE: the lines on stdin
	local name=$1 where=$2 line n=0
	local -a missing=()
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
		n=$((n + 1))
		line=$(norm "$line")
		[ -n "${corpus_cmd[$line]-}" ] || missing+=("'$line'")
	done
	if [ "$n" = 0 ]; then
		report "$name" "no example line in $where"
	elif [ ${#missing[@]} = 0 ]; then
		report "$name" ""
	else
		printf 'ip-xfrm(8) example not in the corpus (%s): %s\n' "$where" "${missing[@]}" >&2
		report "$name" "${#missing[@]} of the $n example line(s) of $where not in $(basename "$corpus"): ${missing[0]}"
	fi
}
if ! [ -r "$examples" ]; then
	report ip-xfrm-examples-in-corpus "cannot read $examples"
else
	examples_in_corpus ip-xfrm-examples-in-corpus "$(basename "$examples")" < "$examples"
fi
if [ -n "${IP_XFRM_MAN-}" ]; then
	if ! [ -r "$IP_XFRM_MAN" ]; then
		report ip-xfrm-man-in-corpus "cannot read IP_XFRM_MAN=$IP_XFRM_MAN"
	else
		examples_in_corpus ip-xfrm-man-in-corpus "$IP_XFRM_MAN" < <(man_examples "$IP_XFRM_MAN")
	fi
fi

# Every counter of the uapi has a name in the CLI (else it shows up as
# "stat-N" and the selftests that read it by name see nothing).
uapi=$here/../uapi/nfipsec.h
if ! [ -r "$uapi" ]; then
	report stat-names "cannot read $uapi"
else
	missing=()
	for e in $(grep -oE '^[[:space:]]+NFIPSEC_(SA_|POLICY_)?STAT_[A-Z0-9_]+' "$uapi"); do
		case $e in *_PAD | *_MAX) continue ;; esac
		grep -q "\[$e\] = \"" "$here"/*.c || missing+=("$e")
	done
	if [ ${#missing[@]} = 0 ]; then
		report stat-names ""
	else
		report stat-names "${#missing[@]} counter(s) without a CLI name: ${missing[*]}"
	fi
fi

# Write errors: output that cannot be written is a failure (exit 2, said
# on stderr), not an empty table.
why=
if [ -w /dev/full ]; then
	"$cli" help > /dev/full 2> "$tmp/err"
	rc=$?
	[ "$rc" = 2 ] || why="help > /dev/full: exit $rc, not 2"
	[ -z "$why" ] && ! grep -q 'writing the output' "$tmp/err" && why="no error on stderr: '$(head -c 200 "$tmp/err")'"
	report write-error-fails "$why"
fi

# The text and JSON of replies, without a kernel: a harness built from the
# CLI's sources (cmd_state.c, cmd_monitor.c and cmd_info.c included) gives
# text_sa, nfi_parse_sa, nfi_parse_policy, nfi_print_sa, deleteall's
# collect_sa, the monitor's events, state count, version and limits
# hand-made nests. Needs a C compiler and libnl's headers (skipped, said on
# stderr, without them).
text_harness() {
	local cflags
	cflags=$(pkg-config --cflags libnl-genl-3.0 2>/dev/null) || return 1
	command -v "${CC:-cc}" > /dev/null && [ -r "$here/cmd_state.c" ] || return 1
	cat > "$tmp/harness.c" <<'HARNESS'
#include "cmd_state.c"
#include "cmd_monitor.c"
#include "cmd_info.c"

static struct nl_msg *m;

static void addr4(int type, const char *a)
{
	struct in_addr in;

	inet_pton(AF_INET, a, &in);
	nla_put(m, type, 4, &in);
}

/* An SA nest: id, mode, window, flags, an auth alg (key: key bytes). */
static struct nlattr *sa_nest(uint8_t proto, uint32_t flags, uint32_t win,
			      int keylen)
{
	static const uint8_t key[] = { 1, 2, 3, 4 };
	struct nlattr *sa, *alg;

	m = nlmsg_alloc();
	sa = nla_nest_start(m, NFIPSEC_A_SA);
	nla_put_u8(m, NFIPSEC_SA_A_PROTO, proto);
	nla_put_u32(m, NFIPSEC_SA_A_SPI, htonl(0x201));
	addr4(NFIPSEC_SA_A_SRC, "198.51.100.2");
	addr4(NFIPSEC_SA_A_DST, "198.51.100.1");
	nla_put_u8(m, NFIPSEC_SA_A_MODE, NFIPSEC_MODE_TRANSPORT);
	nla_put_u32(m, NFIPSEC_SA_A_REQID, 4);
	nla_put_u32(m, NFIPSEC_SA_A_REPLAY_WINDOW, win);
	nla_put_u32(m, NFIPSEC_SA_A_FLAGS, flags);
	alg = nla_nest_start(m, NFIPSEC_SA_A_ALG_AUTH);
	nla_put_string(m, NFIPSEC_ALG_A_NAME, "hmac(sha1)");
	if (keylen >= 0)
		nla_put(m, NFIPSEC_ALG_A_KEY, keylen, key);
	nla_put_u32(m, NFIPSEC_ALG_A_ICV_BITS, 96);
	nla_nest_end(m, alg);
	return sa;
}

static char *run_text(struct nlattr *nest, bool json)
{
	struct nlattr *sa[NFIPSEC_SA_A_MAX + 1];
	FILE *real = stdout;
	char *buf = NULL;
	size_t len = 0;

	stdout = open_memstream(&buf, &len);
	if (nfi_parse_sa(nest, sa))
		printf("EPROTO");
	else if (json)
		nfi_print_sa(sa);
	else
		text_sa(sa);
	fclose(stdout);
	stdout = real;
	return buf;
}

static int fails;

static void expect(const char *name, const char *got, const char *want)
{
	if (!strcmp(got, want)) {
		printf("PASS selfcheck.%s\n", name);
		return;
	}
	printf("FAIL selfcheck.%s: got '", name);
	for (; *got; got++)
		printf(*got == '\n' ? "\\n" : *got == '\t' ? "\\t" : "%c", *got);
	printf("'\n");
	fails++;
}

static void expect_has(const char *name, const char *got, const char *want,
		       bool has)
{
	if (!!strstr(got, want) == has)
		printf("PASS selfcheck.%s\n", name);
	else
		printf("FAIL selfcheck.%s: %s '%s' in '%s'\n", name,
		       has ? "no" : "a", want, got);
	fails += !!strstr(got, want) != has;
}

/* A nest of one attribute of TYPE, LEN bytes of 0xff, in an SA. */
static const char *bad_sub(int outer, int type, int len)
{
	static const uint8_t ff[32] = { [0 ... 31] = 0xff };
	struct nlattr *sa, *n;

	m = nlmsg_alloc();
	sa = nla_nest_start(m, NFIPSEC_A_SA);
	nla_put_u8(m, NFIPSEC_SA_A_PROTO, IPPROTO_ESP);
	addr4(NFIPSEC_SA_A_DST, "198.51.100.1");
	n = nla_nest_start(m, outer);
	nla_put(m, type, len, ff);
	if (outer == NFIPSEC_SA_A_ALG_AEAD && type != NFIPSEC_ALG_A_NAME)
		nla_put_string(m, NFIPSEC_ALG_A_NAME, "rfc4106(gcm(aes))");
	nla_nest_end(m, n);
	nla_nest_end(m, sa);
	return run_text(sa, false);
}

static int bad_policy(int type, int len)
{
	static const uint8_t ff[32] = { [0 ... 31] = 0xff };
	struct nlattr *pol[NFIPSEC_POLICY_A_MAX + 1], *p, *n;

	m = nlmsg_alloc();
	p = nla_nest_start(m, NFIPSEC_A_POLICY);
	nla_put_u8(m, NFIPSEC_POLICY_A_DIR, 1);
	n = nla_nest_start(m, type);
	if (type == NFIPSEC_POLICY_A_TMPL) {
		nla_put_u8(m, NFIPSEC_TMPL_A_PROTO, IPPROTO_ESP);
		nla_put(m, NFIPSEC_TMPL_A_SPI, len, ff);
	} else {
		nla_put(m, NFIPSEC_SEL_A_SRC, len, ff);
	}
	nla_nest_end(m, n);
	nla_nest_end(m, p);
	return nfi_parse_policy(p, pol);
}

/*
 * A larval SA as the module dumps it (allocspi, ACQUIRE): the LARVAL flag,
 * id, mode, reqid, seq, sel src/32 dst/32, window and flags 0, a lifetime
 * of time-hard 30, added a while ago; no algorithms, stats or sequence
 * numbers.
 */
static struct nlattr *put_larval(uint32_t spi, uint32_t km_seq)
{
	struct nlattr *sa, *n;

	sa = nla_nest_start(m, NFIPSEC_A_SA);
	nla_put_flag(m, NFIPSEC_SA_A_LARVAL);
	nla_put_u8(m, NFIPSEC_SA_A_PROTO, IPPROTO_ESP);
	nla_put_u32(m, NFIPSEC_SA_A_SPI, htonl(spi));
	addr4(NFIPSEC_SA_A_SRC, "198.51.100.2");
	addr4(NFIPSEC_SA_A_DST, "198.51.100.1");
	nla_put_u8(m, NFIPSEC_SA_A_MODE, NFIPSEC_MODE_TUNNEL);
	n = nla_nest_start(m, NFIPSEC_SA_A_SEL);
	addr4(NFIPSEC_SEL_A_SRC, "198.51.100.2");
	nla_put_u8(m, NFIPSEC_SEL_A_SRC_PLEN, 32);
	addr4(NFIPSEC_SEL_A_DST, "198.51.100.1");
	nla_put_u8(m, NFIPSEC_SEL_A_DST_PLEN, 32);
	nla_nest_end(m, n);
	nla_put_u32(m, NFIPSEC_SA_A_REQID, 7);
	nla_put_u32(m, NFIPSEC_SA_A_KM_SEQ, km_seq);
	nla_put_u32(m, NFIPSEC_SA_A_REPLAY_WINDOW, 0);
	nla_put_u32(m, NFIPSEC_SA_A_FLAGS, 0);
	n = nla_nest_start(m, NFIPSEC_SA_A_LIFETIME);
	nla_put_u64(m, NFIPSEC_LFT_A_HARD_ADD_SECS, 30);
	nla_nest_end(m, n);
	n = nla_nest_start(m, NFIPSEC_SA_A_CURRENT);
	nla_put_u64(m, NFIPSEC_CUR_A_ADD_TIME, (uint64_t)time(NULL) - 10);
	nla_nest_end(m, n);
	nla_nest_end(m, sa);
	return sa;
}

static struct nlattr *larval_nest(uint32_t spi, uint32_t km_seq)
{
	m = nlmsg_alloc();
	return put_larval(spi, km_seq);
}

/* A message's top-level attributes (after a genl header), parsed. */
static void top_attrs(struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	nla_parse(tb, NFIPSEC_A_MAX, nlmsg_attrdata(nlh, GENL_HDRLEN),
		  nlmsg_attrlen(nlh, GENL_HDRLEN), NULL);
}

/* What fn printed for the event or reply tb. */
static char *run_tb(int (*fn)(struct nlattr **), struct nlattr **tb)
{
	FILE *real = stdout;
	char *buf = NULL;
	size_t len = 0;

	stdout = open_memstream(&buf, &len);
	if (fn(tb))
		printf("EPROTO");
	fclose(stdout);
	stdout = real;
	return buf;
}

/* An ACQUIRE: the SA wanted (with km_seq when not 0), policy, packet. */
static char *acquire_text(uint32_t km_seq)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1], *n, *t;
	struct genlmsghdr gh = { .cmd = NFIPSEC_CMD_ACQUIRE };

	m = nlmsg_alloc();
	nlmsg_append(m, &gh, sizeof(gh), NLMSG_ALIGNTO);
	n = nla_nest_start(m, NFIPSEC_A_SA);
	nla_put_u8(m, NFIPSEC_SA_A_PROTO, IPPROTO_ESP);
	addr4(NFIPSEC_SA_A_SRC, "198.51.100.2");
	addr4(NFIPSEC_SA_A_DST, "198.51.100.1");
	nla_put_u8(m, NFIPSEC_SA_A_MODE, NFIPSEC_MODE_TUNNEL);
	nla_put_u32(m, NFIPSEC_SA_A_REQID, 7);
	if (km_seq)
		nla_put_u32(m, NFIPSEC_SA_A_KM_SEQ, km_seq);
	nla_nest_end(m, n);
	n = nla_nest_start(m, NFIPSEC_A_POLICY);
	nla_put_u32(m, NFIPSEC_POLICY_A_POSITION, 0);
	nla_put_u32(m, NFIPSEC_POLICY_A_INDEX, 1);
	nla_put_u8(m, NFIPSEC_POLICY_A_DIR, NFIPSEC_DIR_OUT);
	t = nla_nest_start(m, NFIPSEC_POLICY_A_TMPL);
	nla_put_u8(m, NFIPSEC_TMPL_A_PROTO, IPPROTO_ESP);
	nla_nest_end(m, t);
	nla_nest_end(m, n);
	n = nla_nest_start(m, NFIPSEC_A_PACKET);
	addr4(NFIPSEC_SEL_A_SRC, "192.0.2.10");
	addr4(NFIPSEC_SEL_A_DST, "192.0.2.20");
	nla_put_u8(m, NFIPSEC_SEL_A_PROTO, IPPROTO_ICMP);
	nla_nest_end(m, n);
	top_attrs(tb);
	return run_tb(print_acquire, tb);
}

/* A larval SA's EXPIRE (hard 1, limit time-add). */
static char *larval_expire_text(void)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1], *n;
	struct genlmsghdr gh = { .cmd = NFIPSEC_CMD_EXPIRE };

	m = nlmsg_alloc();
	nlmsg_append(m, &gh, sizeof(gh), NLMSG_ALIGNTO);
	put_larval(0x1000, htonl(5));
	n = nla_nest_start(m, NFIPSEC_A_EXPIRE);
	nla_put_u8(m, NFIPSEC_EXPIRE_A_HARD, 1);
	nla_put_u8(m, NFIPSEC_EXPIRE_A_LIMIT, NFIPSEC_LIMIT_ADD_TIME);
	nla_nest_end(m, n);
	top_attrs(tb);
	return run_tb(print_expire, tb);
}

/* GET_INFO's reply: the counts (larval < 0: none, an older module). */
/* NFIPSEC_INFO_A_FEATURES of info_msg's reply; -1: none (an older module). */
static int64_t fake_features = -1;

static void info_msg(int larval, int acq_expires)
{
	struct genlmsghdr gh = { .cmd = NFIPSEC_CMD_GET_INFO };
	struct nlattr *n;

	m = nlmsg_alloc();
	nlmsg_append(m, &gh, sizeof(gh), NLMSG_ALIGNTO);
	n = nla_nest_start(m, NFIPSEC_A_INFO);
	nla_put_string(m, NFIPSEC_INFO_A_VERSION, "test");
	nla_put_u32(m, NFIPSEC_INFO_A_ABI, 1);
	nla_put_u32(m, NFIPSEC_INFO_A_SA_COUNT, 4);
	nla_put_u32(m, NFIPSEC_INFO_A_POLICY_COUNT, 4);
	nla_put_u32(m, NFIPSEC_INFO_A_MAX_SAS, 16384);
	nla_put_u32(m, NFIPSEC_INFO_A_MAX_POLICIES, 16384);
	if (larval >= 0)
		nla_put_u32(m, NFIPSEC_INFO_A_LARVAL_COUNT, (uint32_t)larval);
	if (acq_expires >= 0)
		nla_put_u32(m, NFIPSEC_INFO_A_ACQ_EXPIRES, (uint32_t)acq_expires);
	if (fake_features >= 0)
		nla_put_u32(m, NFIPSEC_INFO_A_FEATURES, (uint32_t)fake_features);
	nla_nest_end(m, n);
}

static int sa_count_fn(struct nlattr **tb)
{
	int type = NFIPSEC_INFO_A_SA_COUNT;

	return print_count(NULL, tb, &type);
}

static int version_fn(struct nlattr **tb)
{
	return print_info(NULL, tb, NULL);
}

static int limits_fn(struct nlattr **tb)
{
	return print_limits(NULL, tb, NULL);
}

static char *info_text(int (*fn)(struct nlattr **), int larval,
		       int acq_expires)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1];

	info_msg(larval, acq_expires);
	top_attrs(tb);
	return run_tb(fn, tb);
}

/* How many SAs deleteall would delete of a larval SA with spi, and an SA. */
static size_t deleteall_found(uint32_t spi)
{
	struct nlattr *tb[NFIPSEC_A_MAX + 1] = { NULL };
	struct sa_found found = { .filter = NULL };
	struct sa_filter f = { 0 };
	size_t n;

	found.filter = &f;
	tb[NFIPSEC_A_SA] = larval_nest(spi, 0);
	collect_sa(NULL, tb, &found);
	tb[NFIPSEC_A_SA] = sa_nest(IPPROTO_ESP, 0, 32, 4);
	nla_nest_end(m, tb[NFIPSEC_A_SA]);
	collect_sa(NULL, tb, &found);
	n = found.n;
	free(found.v);
	return n;
}

int main(void)
{
	struct nlattr *sa;

	/* m2: ip's words only in ip's lines, nfipsec's align8 after them. */
	sa = sa_nest(IPPROTO_AH, NFIPSEC_SA_F_ALIGN8, 16, 4);
	nla_nest_end(m, sa);
	expect("text-ah-align8", run_text(sa, false),
	       "src 198.51.100.2 dst 198.51.100.1\n"
	       "\tproto ah spi 0x00000201 reqid 4 mode transport\n"
	       "\treplay-window 16 \n"
	       "\tauth-trunc hmac(sha1) <<Keys hidden>> 96\n"
	       "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n"
	       "\tflag align8\n");
	nfi_stats_level = 1;
	expect_has("text-ah-align8-stats-mask", run_text(sa, false),
		   "\treplay-window 16 seq 0x00000000 flag  (0x00000000)\n", true);
	nfi_stats_level = 0;
	sa = sa_nest(IPPROTO_AH, NFIPSEC_SA_F_ESN | NFIPSEC_SA_F_NOECN, 64, 4);
	nla_nest_end(m, sa);
	expect("text-ah-align4-esn", run_text(sa, false),
	       "src 198.51.100.2 dst 198.51.100.1\n"
	       "\tproto ah spi 0x00000201 reqid 4 mode transport\n"
	       "\treplay-window 0 flag noecn align4 esn\n"
	       "\tauth-trunc hmac(sha1) <<Keys hidden>> 96\n"
	       "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n"
	       "\twindow 64\n");
	nfi_stats_level = 1;
	expect_has("text-ah-align4-stats-mask", run_text(sa, false),
		   "flag noecn align4 esn (0x11000001)\n", true);
	nfi_stats_level = 0;
	sa = sa_nest(IPPROTO_ESP, 0, 32, 4);
	nla_nest_end(m, sa);
	expect_has("text-esp-no-flag", run_text(sa, false),
		   "\treplay-window 32 \n", true);

	/* m5: -j -k: "key" only when there is one. */
	nfi_json = nfi_show_keys = true;
	sa = sa_nest(IPPROTO_AH, 0, 16, 0);
	nla_nest_end(m, sa);
	expect_has("json-keys-empty-key-left-out", run_text(sa, true),
		   "\"key\"", false);
	sa = sa_nest(IPPROTO_AH, 0, 16, 4);
	nla_nest_end(m, sa);
	expect_has("json-keys-key", run_text(sa, true),
		   "\"key\":\"0x01020304\"", true);
	nfi_json = nfi_show_keys = false;

	/* m3: a malformed nest fails the object, none is left out. */
	expect("malformed-alg-icv", bad_sub(NFIPSEC_SA_A_ALG_AEAD,
					    NFIPSEC_ALG_A_ICV_BITS, 2), "EPROTO");
	expect("malformed-alg-no-name", bad_sub(NFIPSEC_SA_A_ALG_CRYPT,
						NFIPSEC_ALG_A_ICV_BITS, 4),
	       "EPROTO");
	expect("malformed-alg-name", bad_sub(NFIPSEC_SA_A_ALG_AUTH,
					     NFIPSEC_ALG_A_NAME, 3), "EPROTO");
	expect("malformed-encap", bad_sub(NFIPSEC_SA_A_ENCAP,
					  NFIPSEC_ENCAP_A_SPORT, 1), "EPROTO");
	expect("malformed-encap-addr", bad_sub(NFIPSEC_SA_A_ENCAP,
					       NFIPSEC_ENCAP_A_OA, 5), "EPROTO");
	expect("malformed-sa-sel", bad_sub(NFIPSEC_SA_A_SEL,
					   NFIPSEC_SEL_A_SRC, 5), "EPROTO");
	expect("malformed-current", bad_sub(NFIPSEC_SA_A_CURRENT,
					    NFIPSEC_CUR_A_ADD_TIME, 4),
	       "EPROTO");
	expect("malformed-lifetime", bad_sub(NFIPSEC_SA_A_LIFETIME,
					     NFIPSEC_LFT_A_HARD_BYTES, 4),
	       "EPROTO");
	expect("malformed-stats", bad_sub(NFIPSEC_SA_A_STATS,
					  NFIPSEC_SA_STAT_REPLAY, 4), "EPROTO");
	expect_has("wellformed-lifetime", bad_sub(NFIPSEC_SA_A_LIFETIME,
						  NFIPSEC_LFT_A_HARD_BYTES, 8),
		   "EPROTO", false);
	expect("malformed-policy-tmpl",
	       bad_policy(NFIPSEC_POLICY_A_TMPL, 2) ? "EPROTO" : "0", "EPROTO");
	expect("wellformed-policy-tmpl",
	       bad_policy(NFIPSEC_POLICY_A_TMPL, 4) ? "EPROTO" : "0", "0");
	expect("malformed-policy-sel",
	       bad_policy(NFIPSEC_POLICY_A_SEL, 5) ? "EPROTO" : "0", "EPROTO");

	/* Larval SAs (allocspi, ACQUIRE): ip's lines, then nfipsec's. */
	sa = larval_nest(0x1000, 1);
	expect("text-larval", run_text(sa, false),
	       "src 198.51.100.2 dst 198.51.100.1\n"
	       "\tproto esp spi 0x00001000 reqid 7 mode tunnel\n"
	       "\treplay-window 0 \n"
	       "\tsel src 198.51.100.2/32 dst 198.51.100.1/32 \n"
	       "\tlarval\n");
	nfi_oneline = true;
	expect("text-larval-oneline", run_text(sa, false),
	       "src 198.51.100.2 dst 198.51.100.1\\\t"
	       "proto esp spi 0x00001000 reqid 7 mode tunnel\\\t"
	       "replay-window 0 \\\t"
	       "sel src 198.51.100.2/32 dst 198.51.100.1/32 \\\t"
	       "larval\\\n");
	nfi_oneline = false;
	nfi_stats_level = 1;
	/* ip's -s lines (seq as ip prints it), no counters: it has none. */
	expect_has("text-larval-stats-ip-lines", run_text(sa, false),
		   "\treplay-window 0 seq 0x00000001 flag  (0x00000000)\n"
		   "\tsel src 198.51.100.2/32 dst 198.51.100.1/32 uid 0\n"
		   "\tlifetime config:\n", true);
	expect_has("text-larval-stats-ip-stats", run_text(sa, false),
		   "\t  expire add: soft 0(sec), hard 30(sec)\n", true);
	expect_has("text-larval-stats-own", run_text(sa, false),
		   "\t  replay-window 0 replay 0 failed 0\n"
		   "\tlarval\n\tlifetime left: time-hard ", true);
	expect_has("text-larval-stats-no-counters", run_text(sa, false),
		   "counters:", false);
	nfi_stats_level = 0;
	nfi_json = true;
	expect_has("json-larval", run_text(sa, true), "\"larval\":true", true);
	expect_has("json-larval-seq", run_text(sa, true), "\"seq\":16777216",
		   true);
	nfi_stats_level = 1;
	expect_has("json-larval-stats-current", run_text(sa, true),
		   "\"current\":{\"add\":", true);
	expect_has("json-larval-stats-none", run_text(sa, true), "\"stats\"",
		   false);
	nfi_stats_level = 0;
	sa = sa_nest(IPPROTO_ESP, 0, 32, 4);
	nla_nest_end(m, sa);
	expect_has("json-sa-not-larval", run_text(sa, true), "larval", false);
	nfi_json = false;
	expect_has("text-sa-not-larval", run_text(sa, false), "larval", false);
	/* deleteall: one without an SPI (an ACQUIRE's) cannot be named. */
	expect("deleteall-skips-larval-without-spi",
	       deleteall_found(0) == 1 ? "1" : "not 1", "1");
	expect("deleteall-larval-with-spi",
	       deleteall_found(0x1000) == 2 ? "2" : "not 2", "2");

	/* monitor: the ACQUIRE's seq, last; a larval SA's EXPIRE. */
	/* seq as state list -s shows an SA's (ip's 0x%08u), -j as -j does. */
	expect("monitor-acquire-seq", acquire_text(1),
	       "acquire proto esp src 198.51.100.2 dst 198.51.100.1 reqid 7 "
	       "mode tunnel policy position 0 index 1 dir out packet "
	       "src 192.0.2.10 dst 192.0.2.20 proto icmp seq 0x00000001\n");
	expect_has("monitor-acquire-no-seq", acquire_text(0), " seq", false);
	nfi_json = true;
	expect_has("monitor-acquire-seq-json", acquire_text(htonl(9)),
		   "\"seq\":9}", true);
	nfi_json = false;
	expect("monitor-larval-expire", larval_expire_text(),
	       "expire src 198.51.100.2 dst 198.51.100.1\n"
	       "\tproto esp spi 0x00001000 reqid 7 seq 5 mode tunnel\n"
	       "\treplay-window 0\n"
	       "\tsel src 198.51.100.2/32 dst 198.51.100.1/32\n"
	       "\tlifetime config: time-hard 30\n"
	       "\tlarval\n"
	       "\thard 1 limit time-add\n");

	/* state count holds the larval SAs (as XFRM's); version, limits. */
	expect("count-larval", info_text(sa_count_fn, 1, 30),
	       "\t SAD count 5\n");
	expect("count-older-module", info_text(sa_count_fn, -1, -1),
	       "\t SAD count 4\n");
	nfi_stats_level = 1;
	expect("count-larval-stats", info_text(sa_count_fn, 1, 30),
	       "\t SAD count 5 (larval 1)\n");
	nfi_stats_level = 0;
	nfi_json = true;
	expect("count-larval-json", info_text(sa_count_fn, 1, 30),
	       "{\"count\":5,\"larval\":1}\n");
	expect_has("version-larval-json", info_text(version_fn, 0, 30),
		   "\"policy_count\":4,\"larval_count\":0}", true);
	expect("limits-larval-json", info_text(limits_fn, 2, 165),
	       "{\"sas\":4,\"sas_limit\":16384,\"policies\":4,"
	       "\"policies_limit\":16384,\"larval\":2,"
	       "\"larval_limit\":16384,\"acq_expires\":165}\n");
	nfi_json = false;
	expect_has("version-no-larval", info_text(version_fn, 0, 30),
		   "\nSAs 4, policies 4\n", true);
	expect_has("version-larval", info_text(version_fn, 2, 30),
		   "\nSAs 4, policies 4, larval SAs 2\n", true);
	expect("limits-larval", info_text(limits_fn, 0, 30),
	       "sas 4 limit 16384\npolicies 4 limit 16384\n"
	       "larval 0 limit 16384 acq-expires 30\n");
	expect("limits-older-module", info_text(limits_fn, -1, -1),
	       "sas 4 limit 16384\npolicies 4 limit 16384\n");
	/* GET_INFO's features: by name, unknown bits in hex; none sent: none. */
	expect_has("version-features-none", info_text(version_fn, 0, 30),
		   "abi 1\nfeatures none\nSAs 4", true);
	fake_features = NFIPSEC_FEATURES_ALL | 0x10;
	expect_has("version-features", info_text(version_fn, 0, 30),
		   "abi 1\nfeatures owners if-owner larval-owner 0x10\nSAs 4", true);
	nfi_json = true;
	expect_has("version-features-json", info_text(version_fn, 0, 30),
		   "\"abi\":1,\"features\":[\"owners\",\"if-owner\",\"larval-owner\",16],", true);
	fake_features = NFIPSEC_FEATURE_OWNERS;
	expect_has("version-features-json-one", info_text(version_fn, 0, 30),
		   "\"features\":[\"owners\"],", true);
	nfi_json = false;
	fake_features = -1;
	return fails != 0;
}
HARNESS
	(cd "$tmp" &&
	 ${CC:-cc} -c -Dmain=nfipsec_cli_main -I"$here" -I"$here/../uapi" $cflags \
		-o nfipsec.o "$here/nfipsec.c" &&
	 ${CC:-cc} -Wno-unused-function -I"$here" -I"$here/../uapi" $cflags \
		-o harness harness.c nfipsec.o \
		$(for f in nl dump output names parse print sel cmd_policy; do
			echo "$here/$f.c"; done) \
		$(pkg-config --libs libnl-genl-3.0)) > "$tmp/harness.log" 2>&1
}
if text_harness; then
	while IFS= read -r line; do
		if [[ $line =~ ^PASS\ selfcheck\.([^:]+)$ ]]; then
			report "${BASH_REMATCH[1]}" ""
		elif [[ $line =~ ^FAIL\ selfcheck\.([^:]+):\ (.*)$ ]]; then
			report "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		fi
	done < <("$tmp/harness")
elif [ -s "$tmp/harness.log" ]; then
	report text-harness "cannot build: $(grep -m1 error "$tmp/harness.log")"
else
	echo "selfcheck: text checks skipped (no C compiler or libnl headers)" >&2
fi

[ "$ncases" -gt 0 ] || report cases "no case ran"
echo "selfcheck: $ncases cases, $npass passed, $nfail failed" >&2
[ "$nfail" = 0 ] && [ "$ncases" -gt 0 ]
