#!/bin/bash
# The scripts of ci/, interop/, bench/ and nts-fuzz/ stop only processes they
# started, by pid (issue 13 item 19): no pkill or killall, which would hit
# every matching process on the machine, in every namespace.
# Usage: test-ci-scripts.sh BUILDDIR (the build directory is not used)
. "$(dirname "$0")/lib.sh"
NTS_T_PASS=0 NTS_T_FAIL=0
top=$(cd "$(dirname "$0")/.." && pwd)
hits=""
n=0
while IFS= read -r f; do
	n=$((n + 1))
	# commands, not comments or words inside other names
	h=$(sed 's/#.*//' "$f" | grep -n -E '(^|[;&|(`[:space:]])(pkill|killall)([[:space:]]|$)' |
		sed "s|^|${f#$top/}:|")
	[ -n "$h" ] && hits="$hits$h"$'\n'
done < <(grep -l -r -I -E '^#!.*(sh|bash)' "$top/ci" "$top/interop" "$top/bench" "$top/nts-fuzz" 2>/dev/null;
	 ls "$top"/interop/*.inc "$top"/interop/lib.sh 2>/dev/null)
[ -n "$hits" ] && printf '%s' "$hits" | sed 's/^/# /'
nts_check "no script kills processes by name ($n scripts read)" test -z "$hits"
nts_check "install-deps stops a packaged ntpsec through its unit or init script" \
	grep -q 'systemctl stop ntpsec.service' "$top/ci/install-deps"
nts_done
