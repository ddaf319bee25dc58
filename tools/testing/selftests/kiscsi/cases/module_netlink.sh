#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kiscsi.ko loads and unloads cleanly, answers kiscsictl version over
# netlink (text and JSON), refuses an unprivileged caller with EPERM, and
# answers malformed requests with an error and an extack message.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

[ -n "$KISCSI_KO" ] || fail "no kiscsi.ko given to the runner (--module)"
ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl
[ -x "$ctl" ] || fail "kiscsictl is not built"
want=$(modinfo -F version "$KISCSI_KO")

log "module not loaded: kiscsictl says so"
if out=$("$ctl" version 2>&1); then
	fail "kiscsictl version succeeded without the module: $out"
fi
grep -q "module is not loaded" <<<"$out" || fail "unclear error: $out"

kiscsi_load
grep -q "^kiscsi " /proc/modules || fail "kiscsi not in /proc/modules"

log "version over netlink"
out=$("$ctl" version)
echo "$out"
grep -qx "kiscsi.ko $want (netlink API 1)" <<<"$out" || fail "unexpected version output"
out=$("$ctl" -j version)
echo "$out"
jq -e --arg v "$want" '.module_version == $v and .api_version == 1 and (.tool_version | length > 0)' \
	<<<"$out" >/dev/null || fail "unexpected JSON: $out"

log "unprivileged caller is refused"
if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$ctl" version 2>&1); then
	fail "unprivileged kiscsictl version succeeded: $out"
fi
echo "$out"
grep -q "Operation not permitted" <<<"$out" || fail "no EPERM for an unprivileged caller: $out"

log "malformed requests"
python3 "$KISCSI_SRC/tools/testing/selftests/kiscsi/nl_malformed.py"

log "bad usage"
rc=0
"$ctl" version extra 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "bad usage exit status $rc, want 2"

log "unload and reload 20 times"
kiscsi_unload
for _ in $(seq 20); do
	kiscsi_load
	"$ctl" version >/dev/null
	rmmod kiscsi
done
grep -q "^kiscsi " /proc/modules && fail "kiscsi still loaded"
log "done"
