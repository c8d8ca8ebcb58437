# ntske-probe/probe-testlib.sh: helpers for interop/test-probe-*.sh (source after interop/lib.sh).
# A test sets up with probe_setup BUILDDIR, runs assertions, and ends with nts_done.

probe_setup() { # BUILDDIR
	local build=${1:?usage: test BUILDDIR}
	PROBE_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	PROBE="$build/ntske-probe/ntske-probe"
	SCHEMA="$PROBE_SRC/json-schema.json"
	VALIDATE="$PROBE_SRC/../ci/validate-json.py"
	if [ ! -x "$PROBE" ]; then
		echo "not ok - $PROBE is not built"
		exit 1
	fi
	T=$(mktemp -d /tmp/nts-probe-test.XXXXXX)
	PROBE_PIDS=""
	trap probe_cleanup EXIT
}

probe_cleanup() {
	local p
	for p in $PROBE_PIDS; do nts_stop "$p"; done
	rm -rf "$T"
}

probe_track() { PROBE_PIDS="$PROBE_PIDS $1"; }

probe_need() { # PROGRAM...: skip the whole test (77) when one is missing
	local p
	for p in "$@"; do
		if [ ! -x "$p" ] && ! command -v "$p" >/dev/null 2>&1; then
			echo "# SKIP: $p not installed (run ci/install-deps)"
			exit 77
		fi
	done
}

# Run the probe; leaves OUT, ERR (file names) and RC.
probe_run() {
	OUT="$T/out.$$" ERR="$T/err.$$"
	timeout -k 5 120 "$PROBE" "$@" > "$OUT" 2> "$ERR"
	RC=$?
}

# probe_expect DESC CODE STDERR_REGEX -- ARGS...: exit code and message.
probe_expect() {
	local desc=$1 code=$2 re=$3
	shift 4
	probe_run "$@"
	if [ "$RC" -eq "$code" ] && grep -Eq -- "$re" "$ERR"; then
		nts_ok "$desc (exit $RC: $(head -n 1 "$ERR"))"
	else
		nts_notok "$desc: wanted exit $code and /$re/, got exit $RC"
		sed 's/^/#   /' "$ERR" "$OUT" | head -n 40
	fi
}

# probe_grep DESC REGEX: the last run's standard output matches.
probe_grep() {
	if grep -Eq -- "$2" "$OUT"; then
		nts_ok "$1"
	else
		nts_notok "$1: /$2/ not in the output"
		sed 's/^/#   /' "$OUT" | head -n 60
	fi
}

# probe_json DESC CODE ARGS...: --json output valid against the schema, with
# exit_code equal to the process's exit status and to CODE.
probe_json() {
	local desc=$1 code=$2
	shift 2
	probe_run --json "$@"
	local v
	v=$(python3 "$VALIDATE" "$SCHEMA" "$OUT" 2>&1)
	local jcode
	jcode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_code"])' "$OUT" 2>/dev/null)
	if [ "$RC" -eq "$code" ] && [ "$jcode" = "$RC" ] && [[ $v == valid* ]]; then
		nts_ok "$desc: JSON valid, exit_code $RC"
	else
		nts_notok "$desc: exit $RC (want $code), JSON exit_code '$jcode', validator: $v"
		sed 's/^/#   /' "$ERR" | head -n 5
	fi
}

# probe_py DESC PYTHON_EXPR: evaluate an expression over the last JSON output (j).
probe_py() {
	if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2" 2>/dev/null; then
		nts_ok "$1"
	else
		nts_notok "$1: $2 is false"
	fi
}
