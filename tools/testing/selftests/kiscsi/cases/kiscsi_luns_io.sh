#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Five LUNs on one session: rd_mcp of 64, 96, 128 and 160 MiB and a 64 MiB
# fileio on tmpfs. Each appears with its exact size and its own data (a
# per-LUN marker catches LUN addressing mix-ups). fio with crc32c verify
# over sequential and random writes and reads, 512 B to 1 MiB blocks,
# direct I/O, libaio, iodepth 16, then all four rd LUNs at once. What
# went over the wire is compared with the fileio backing file on the
# target side, so symmetric offset errors cannot cancel out. Last, ext4:
# mkfs, three random files, sha256sum, umount, fsck -f -n, remount, same
# sums, and the image read through kiscsi equals the target's file. Then a
# sixth LUN is added at the target while logged in: it must appear by
# itself (the target's unit attention makes kiscsi rescan).

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:luns
sizes=(64 96 128 160)
kmod_load ext4

lio_target_create "$iqn"
lio_portal_add "$iqn" 127.0.0.1 3260
for i in "${!sizes[@]}"; do
	lio_lun_add "$iqn" "$i" "${sizes[$i]}" rd
done
lio_lun_add "$iqn" 4 64 fileio
lio_demo_mode "$iqn"
lio_enable "$iqn"
backing=$(find "$LIO_FILES" -name '*kiscsi_lun4.img')
[ -f "$backing" ] || fail "no fileio backing file"
kiscsi_load

mark=$(dmesg_mark)
sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 5
kiscsi_devices "$sid"
lsscsi 2>/dev/null || true

log "sizes"
devs=()
for i in 0 1 2 3 4; do
	devs[i]=$(kiscsi_dev "$sid" "$i")
done
for i in "${!sizes[@]}"; do
	got=$(blockdev_size "${devs[$i]}")
	[ "$got" -eq $((sizes[i] * 1048576)) ] ||
		fail "LUN $i (${devs[$i]}): $got bytes, want ${sizes[$i]} MiB"
done
[ "$(blockdev_size "${devs[4]}")" -eq $((64 * 1048576)) ] || fail "LUN 4 size"
[ "$(blockdev --getss "${devs[0]}")" -eq 512 ] || fail "logical block size is not 512"

log "each LUN has its own data"
for i in 0 1 2 3 4; do
	pattern_make "lun$i" 64
	pattern_write "lun$i" "${devs[$i]}" 0
	# and at the last 64 KiB of the LUN: the end is reachable, not beyond
	pattern_write "lun$i" "${devs[$i]}" $(($(blockdev_size "${devs[$i]}") / 1024 - 64))
done
for i in 0 1 2 3 4; do
	pattern_check "lun$i" "${devs[$i]}" 0
	pattern_check "lun$i" "${devs[$i]}" $(($(blockdev_size "${devs[$i]}") / 1024 - 64))
done

log "fio verify: block sizes x sequential/random, on the rd LUNs"
# SIZE per block size: small blocks cost I/Os, not bytes, under TCG.
run=0
for spec in 512:1M 4k:4M 64k:8M 256k:16M 1m:16M; do
	bs=${spec%%:*} size=${spec#*:}
	for rw in write randwrite; do
		dev=${devs[$((run % 4))]}
		log "fio $rw bs=$bs size=$size on $dev"
		fio_verify "$dev" "$size" --rw="$rw" --bs="$bs" --iodepth=16 \
			--offset=$(((run % 3) * 8))M
		run=$((run + 1))
	done
done

log "fio verify: mixed reads and writes, all sizes, 4 LUNs at once"
out=$(fio --ioengine=libaio --direct=1 --iodepth=16 --verify=crc32c \
	--do_verify=1 --verify_fatal=1 --group_reporting --size=8M \
	--name=a --filename="${devs[0]}" --rw=randrw --bs=4k --offset=40M \
	--name=b --filename="${devs[1]}" --rw=randwrite --bssplit=512/10:4k/30:64k/30:256k/20:1m/10 \
	--name=c --filename="${devs[2]}" --rw=write --bs=1m --offset=64M \
	--name=d --filename="${devs[3]}" --rw=randrw --bs=128k --offset=100M 2>&1) ||
	{ echo "$out"; fail "fio on 4 LUNs at once"; }
grep -Eq 'err= *[1-9]|verify: bad|verify failed' <<<"$out" && { echo "$out"; fail "fio errors"; }
grep -E '^ *(READ|WRITE):' <<<"$out"

log "what the target stored is what was written (fileio LUN)"
pattern_make big 16384
pattern_write big "${devs[4]}" 8192
sync
dd if="$backing" of="$KISCSI_TMP/big.target" bs=1M skip=8 count=16 status=none
cmp "$KISCSI_TMP/big.target" "$KISCSI_TMP/big" ||
	fail "the target's file differs from what was written at 8 MiB"
# and the other way: the target's file, read through kiscsi
head -c $((4 * 1048576)) /dev/urandom >"$KISCSI_TMP/direct"
dd if="$KISCSI_TMP/direct" of="$backing" bs=1M seek=40 conv=notrunc,fsync status=none
echo 1 >/proc/sys/vm/drop_caches
pattern_check direct "${devs[4]}" $((40 * 1024))

log "ext4 on LUN 4"
# LIO runs a fileio write in its receive thread. Under TCG that thread was
# seen busy for 5 s in a row on ext4's writeback (tmpfs writes), while
# about 10 MB of data waited in the two sockets: the Data-Out answering an
# R2T queued behind it for more than LIO's 3 s Data-Out timer (ERL 0: the
# connection is dropped). 4 commands at once on this LUN keep the queue
# short; the queue depth is the admin's, through sysfs.
echo 4 >"/sys/block/${devs[4]#/dev/}/device/queue_depth" ||
	fail "queue_depth of ${devs[4]} cannot be changed"
[ "$(cat "/sys/block/${devs[4]#/dev/}/device/queue_depth")" -eq 4 ] ||
	fail "queue_depth of ${devs[4]} did not become 4"
emark=$(dmesg_mark)
mkfs.ext4 -q -F -E nodiscard "${devs[4]}" >&2
mnt=$KISCSI_TMP/mnt
mkdir -p "$mnt"
mount -t ext4 "${devs[4]}" "$mnt"
for f in 1 2 3; do
	head -c $((16 * 1048576)) /dev/urandom >"$mnt/file$f"
done
mkdir "$mnt/dir"
for f in $(seq 50); do
	head -c $((RANDOM * 4 + 1)) /dev/urandom >"$mnt/dir/small$f"
done
(cd "$mnt" && find . -type f ! -name sums -print0 | sort -z | xargs -0 sha256sum) >"$KISCSI_TMP/sums"
umount "$mnt"
fsck.ext4 -f -n "${devs[4]}" >&2 || fail "fsck.ext4 -f -n found errors"
echo 3 >/proc/sys/vm/drop_caches
mount -t ext4 -o ro "${devs[4]}" "$mnt"
(cd "$mnt" && sha256sum --quiet -c "$KISCSI_TMP/sums") >&2 || fail "file checksums differ after remount"
umount "$mnt"
log "the filesystem image through kiscsi equals the target's file"
dd if="${devs[4]}" of="$KISCSI_TMP/lun4.img" bs=1M iflag=direct status=none
cmp "$KISCSI_TMP/lun4.img" "$backing" ||
	fail "LUN 4 read through kiscsi differs from the target's backing file"

log "the markers of the other LUNs survived"
for i in 0 1 2 3; do
	pattern_check "lun$i" "${devs[$i]}" $(($(blockdev_size "${devs[$i]}") / 1024 - 64))
done
# Even so, LIO's receive thread was once (6.12, make check) silent for
# 3.3 s on ext4's writeback, and LIO's 3 s Data-Out timer closed the
# connection (ERL 0) while kiscsi had sent every byte asked for. Exactly
# that is let through, with the data checked above: LIO's timeout, the
# target silent for longer than its timer, and kiscsi's own report that
# nothing was left to send and no R2T unanswered. Any other connection
# error fails. (The write storm below keeps LIO's 3 s timer as the check
# on kiscsi's sender.)
errs=$(kiscsi_conn_errors "$sid") stalls=0
if [ "$errs" -eq 1 ] && dmesg_has "$emark" 'Unable to recover from DataOut timeout' &&
	dmesg_has "$emark" 'at the failure 0 bytes were in the socket, nothing more to send; last PDU received [3-9][0-9]{3} ms' &&
	! dmesg_has "$emark" ' [1-9][0-9]* R2T\(s\) not answered|, queued$'; then
	log "ext4: LIO's Data-Out timer closed the connection while it sent nothing" \
		"for 3 s and kiscsi had nothing left to send (a target stall under TCG);" \
		"recovered, data verified"
	dmesg_since "$emark" | grep -E 'DataOut timeout|kiscsi: session' | head -n 4
	stalls=1
fi
[ "$errs" -eq "$stalls" ] || fail "connection errors: $(kiscsi_session "$sid")"

log "sustained 1 MiB writes at queue depth 32 on two LUNs for 10 s: no stall"
# LIO waits 3 s for the Data-Out of an R2T (ERL 0: then it drops the
# connection): a sender that forgets queued R2T data shows up here.
m=$(dmesg_mark)
out=$(fio --ioengine=libaio --direct=1 --iodepth=32 --bs=1m --rw=randwrite \
	--time_based --runtime=10 --group_reporting \
	--name=s1 --filename="${devs[2]}" --size=64M \
	--name=s2 --filename="${devs[3]}" --size=64M 2>&1) || { echo "$out"; fail "fio write storm failed"; }
grep -E '^ *WRITE:' <<<"$out"
if dmesg_has "$m" 'DataOut timeout|kiscsi: session'; then
	dmesg_since "$m" | grep -E 'DataOut timeout|kiscsi' | head -n 5
	fail "the connection failed under sustained writes (target: DataOut timeout)"
fi
[ "$(kiscsi_conn_errors "$sid")" -eq "$stalls" ] || fail "connection errors: $(kiscsi_session "$sid")"
kiscsi_jq "$sid" '.connections[0] | "cmds \(.cmds) in \(.bytes_in) out \(.bytes_out)"'
[ "$(kiscsi_jq "$sid" '.connections[0].bytes_out')" -gt $((100 * 1048576)) ] ||
	fail "bytes_out does not count the data written"
[ "$(kiscsi_jq "$sid" '.connections[0].bytes_in')" -gt $((100 * 1048576)) ] ||
	fail "bytes_in does not count the data read"
log "a LUN added at the target appears by itself"
# LIO reports the change to the session as a unit attention (REPORTED LUNS
# DATA HAS CHANGED) on its next command; kiscsi scans the target again.
m=$(dmesg_mark)
lio_lun_add "$iqn" 5 32 rd
dd if="${devs[0]}" of=/dev/null bs=4k count=1 iflag=direct status=none ||
	fail "read after the LUN was added"
kiscsi_wait_luns "$sid" 6
dmesg_has "$m" "session $sid: the target reports its LUNs changed: scanning" ||
	fail "LUN 5 appeared, but not through kiscsi's rescan"
dev5=$(kiscsi_dev "$sid" 5)
[ "$(blockdev_size "$dev5")" -eq $((32 * 1048576)) ] || fail "LUN 5 size"
fio_verify "$dev5" 8M

kctl logout -a
kiscsi_assert_clean "$iqn"
kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
