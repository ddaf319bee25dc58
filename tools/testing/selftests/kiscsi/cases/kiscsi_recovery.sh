#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection kills under verified I/O: `ss -K` resets one connection (the
# initiator's socket; the target gets a RST) while fio runs mixed reads and
# writes of 4k-256k with every write read back and checked, 20 times in a
# row, for sessions of 1 and of 2 connections (a random one is killed; the
# next kill waits until the session is back with all its connections and
# that fio run has ended). At ErrorRecoveryLevel 0 LIO ends the whole
# session when a connection fails, so each kill leads to session recovery
# (re-login after DefaultTime2Wait, 2 s): fio must see no error and no
# mismatch, and `recoveries` must count them.
#
# Each kill has its own fio run; its largest completion latency is the
# pause the kill caused, printed as "pause_ms=N" (a measurement, not an
# assertion). The same with open-iscsi (replacement_timeout 15, NOP 5/5 s
# as lib.sh sets them) and one kill gives "openiscsi_pause_ms=N".
#
# Each kill has its own timed fio run (6 s with one connection, 11 s with
# two; the kill comes ~0.5-1 s in), 10-18 s per kill under TCG: ~10
# minutes in all, so give vm-run --case-timeout 1200.
# KISCSI_RECOVERY_KILLS changes the number of kills per session (20).

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:recovery
kills=${KISCSI_RECOVERY_KILLS:-20}
fio_mix=(--bssplit=4k/40:16k/20:64k/20:256k/20 --iodepth=8)

mcs_target "$iqn" 256 127.0.0.1
kiscsi_load

# back_up SID N PORT [REC]: the session is up with N connections, all up,
# the killed socket (local PORT) is gone from the list, and (with REC) more
# than REC recoveries are counted.
back_up() {
	ks_sess "$1" | jq -e --argjson n "$2" --arg p ":$3" --argjson r "${4:--1}" '
		.state == "up" and (.connections | length) == $n and .recoveries > $r and
		all(.connections[]; .state == "up" and ((.local // "") | endswith($p) | not))' \
		>/dev/null
}

for nc in 1 2; do
	sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c "$nc")
	ks_wait_up "$sid" "$nc" 30
	dev=$(ks_dev "$sid")
	pauses=()
	# fio must still run when the session is back: with 2 connections the
	# disruption ends ~7 s after the kill (reconnect after 2 s, LIO ends
	# the session, recovery after 2 more s).
	runtime=$((nc == 1 ? 6 : 11))
	for ((k = 1; k <= kills; k++)); do
		cid=$((RANDOM % nc))
		local_addr=$(ks_get "$sid" ".connections[] | select(.cid == $cid) | .local")
		rec=$(ks_get "$sid" .recoveries)
		fio_timed_args "$dev" 2 32M "$runtime"
		fio_bg "k$nc-$k" "${VARGS[@]}" "${fio_mix[@]}"
		pid=$FIO_PID
		wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
		! proc_gone "$pid" || fail "fio ended before the kill"
		out=$(ss -K -tn "sport = :${local_addr##*:} and dport = :3260")
		grep -q ":${local_addr##*:}" <<<"$out" || fail "ss -K: no socket $local_addr"
		t0=$(date +%s%N)
		# LIO ends the session when a connection fails at ERL 0: wait for
		# the session recovery, not just for the killed connection to
		# come back (with 2 connections it does first, then the target
		# ends the session).
		if ! wait_for 60 back_up "$sid" "$nc" "${local_addr##*:}" "$rec"; then
			ks_show "$sid"
			back_up "$sid" "$nc" "${local_addr##*:}" ||
				fail "kill $k: session $sid not back with $nc connection(s) in 60 s"
			log "kill $k: no session recovery (the target kept the session)"
		fi
		back_ms=$((($(date +%s%N) - t0) / 1000000))
		fio_wait "$pid" "k$nc-$k" 120
		fio_assert_ok "k$nc-$k"
		p=$(fio_clat_max_ms "k$nc-$k")
		pauses+=("$p")
		echo "pause_ms=$p conns=$nc kill=$k cid=$cid back_in_list_ms=$back_ms"
	done
	ks_show "$sid"
	rec=$(ks_get "$sid" .recoveries)
	[ "$rec" -gt 0 ] || fail "recoveries is 0 after $kills kills"
	sorted=$(printf '%s\n' "${pauses[@]}" | sort -n)
	echo "pause_summary conns=$nc kills=$kills recoveries=$rec" \
		"min_ms=$(head -1 <<<"$sorted") median_ms=$(sed -n "$(((kills + 1) / 2))p" <<<"$sorted")" \
		"max_ms=$(tail -1 <<<"$sorted")"
	dmesg | grep -o 'recovered in [0-9]* ms' | tail -n "$kills" | awk '{ s = s " " $3 }
		END { print "kiscsi_recovered_ms:" s }'
	"$ctl" logout -s "$sid" >/dev/null
done
kiscsi_unload

# open-iscsi, one kill, for comparison.
oi_start
oi_discover 127.0.0.1:3260
oi_login "$iqn" 127.0.0.1:3260
dev=$(oi_devices "$iqn")
fio_timed_args "$dev" 2 32M 20
fio_bg oi "${VARGS[@]}" "${fio_mix[@]}"
pid=$FIO_PID
wait_for 30 io_flowing "$dev" || fail "no I/O on $dev (open-iscsi)"
out=$(ss -K -tn "dport = :3260")
grep -q ':3260' <<<"$out" || fail "ss -K found no open-iscsi socket"
fio_wait "$pid" oi 120
fio_assert_ok oi
echo "openiscsi_pause_ms=$(fio_clat_max_ms oi)"
oi_logout "$iqn"
oi_stop
