#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted iSCSI target with ErrorRecoveryLevel 2 connection recovery.

For the kiscsi cases that need what LIO cannot do: task reassignment after
a connection failure (RFC 7143 6.2.2, 7.1.4.3, 11.5.1 TASK REASSIGN). One
target, one LUN (LUN 0, a RAM disk of 512-byte blocks), any number of
sessions of several connections each (MC/S). Python 3 standard library,
and crcmod for CRC32C digests (Debian's python3-crcmod; without it only
None is offered); one reader and one writer thread per connection, one
lock for all.

What it does:
  - Login: security then operational stage, or straight to operational; no
    authentication (AuthMethod=None). Every key the initiator sends is
    answered (HeaderDigest/DataDigest: the first of the initiator's list
    among CRC32C and None, 13.1; InitialR2T=Yes,
    MaxOutstandingR2T=1, DataPDUInOrder and DataSequenceInOrder Yes,
    MaxBurstLength 262144, FirstBurstLength 65536, MaxConnections 8; the
    target declares MaxRecvDataSegmentLength 8192, so writes move in
    several Data-Out PDUs; unknown keys: NotUnderstood). Leading login
    (TSIH 0): new session, or session reinstatement (same initiator and
    ISID: the old session and its tasks are dropped). Non-leading login:
    joins the session (class 2/0x0a "session does not exist" for an
    unknown TSIH); the CID of an existing connection is a connection
    reinstatement: the old connection is closed and, at level 2, its tasks
    wait for TASK REASSIGN, less the ones whose status the login's
    ExpStatSN acknowledges.
  - Full feature phase: CmdSN order across the connections of a session
    (a window of --cmd-window), immediate PDUs at once; ExpStatSN
    acknowledges statuses. SCSI: TEST UNIT READY, INQUIRY (+ VPD 0x00,
    0x80, 0x83), READ CAPACITY(10)/(16), REPORT LUNS, MODE SENSE(6)/(10),
    READ(10)/(16), WRITE(10)/(16), SYNCHRONIZE CACHE(10)/(16); anything
    else CHECK CONDITION. Reads: Data-In of at most the initiator's
    MaxRecvDataSegmentLength (and --max-data-in), status in the last one
    (or in a SCSI Response of its own: --status-apart).
    Writes: immediate data, then one R2T at a time; applied once, when all
    data is in. NOP-Out, Text (SendTargets), Logout (close session, close
    connection, remove for recovery: on another connection its ExpStatSN
    is the removed connection's and acknowledges its statuses, and the CID
    is free for a new login), Data SNACK (the Data-In asked for sent
    again, exact replicas), Status SNACK (task statuses not yet
    acknowledged sent again); DataACK and R-Data SNACK are rejected (the
    target never sets the A bit, and never resegments).
  - Digests: a header digest error closes the connection (its length
    cannot be trusted, 7.8). A Data-Out with a data digest error gets a
    Reject (reason 0x02, 11.17.1) and its data is discarded; at level 0
    the connection is then closed, from level 1 on the data is asked for
    again with a recovery R2T (7.8, 11.8) once the R2T's sequence is in.
    A data digest error in any other PDU: Reject and close.
  - Task management: ABORT TASK, ABORT TASK SET, CLEAR TASK SET, CLEAR
    ACA, LOGICAL UNIT RESET, TARGET WARM RESET, TASK REASSIGN (0 and the
    task resumes on the new connection: Data-In from ExpDataSN, or R2Ts
    from R2TSN ExpDataSN for the data missing, or its status; 1 for an
    unknown task, which the initiator then retries; 3 while the task's
    connection is alive; 4 below level 2).
  - A connection lost at level 2 keeps its tasks (those with an
    unacknowledged status too) for DefaultTime2Retain after
    DefaultTime2Wait; below level 2 the whole session is dropped.
  - A command sent again with the ITT and CmdSN of one already received
    (a retry, 6.2.1) is not executed again: its data and status are sent
    again on the connection it came on.
  - Anything the initiator does wrong is logged as "protocol_error" and
    its connection closed.

Options:
  --listen ADDR:PORT[,TPGT]
                        listen there, in target portal group TPGT (default
                        1) (repeatable; default 127.0.0.1:3262). A session
                        lives in the portal group of its leading login: a
                        login that joins it (TSIH) from another group gets
                        "session does not exist", and the same ISID there is
                        another session (an I_T nexus names the group).
  --target-name IQN     the target's name (default iqn.2003-01.org.kiscsi.test:erl)
  --size-mb N           RAM disk size in MiB (default 64)
  --erl N               ErrorRecoveryLevel offered (default 2; result: min)
  --t2w S               DefaultTime2Wait offered (default 1; result: max)
  --t2r S               DefaultTime2Retain offered (default 20; result: min)
  --max-data-in N       largest Data-In segment (default 8192; also capped
                        by the initiator's MaxRecvDataSegmentLength)
  --status-apart        a read's status in a SCSI Response after its last
                        Data-In, not in it (no phase collapse, 11.7.1)
  --cmd-window N        CmdSN window: MaxCmdSN = ExpCmdSN + N - 1 (default 32)
  --log FILE            one JSON line per event (default stdout)
  --timeout S           exit after S seconds (default 3600)
  --control FIFO        read commands from this FIFO (created if missing),
                        one per line:
                          async EVENT CID P1 P2 P3 [MRDSL [K=V,...]]
                        sends an Asynchronous Message (11.9.1) on connection
                        CID of every session: 1 asks for its logout within
                        P3 s (closed if none came); 2 drops connection P1
                        0.3 s later, 3 all of them (Time2Wait P2, Time2Retain
                        P3); 4 asks for a renegotiation, answered with
                        MaxRecvDataSegmentLength=MRDSL (taken as the limit
                        once the initiator acknowledges that answer) and
                        the K=V offers (event "reneg_answers" with what the
                        initiator answered them in a later Text Request)
                          reassign-busy N
                        the next N TASK REASSIGN requests get a Reject,
                        reason 0x06 "too many immediate commands" (11.17.1:
                        the initiator may ask again); event
                        "task_reassign_busy" each
                          logout-t2w S
                        the next successful "remove the connection for
                        recovery" Logout of another connection answers
                        Time2Wait S (11.15.2; else 0: the initiator has
                        waited DefaultTime2Wait already)
                          logout-t2r S
                        the next one answers Time2Retain S (11.15.4; else
                        DefaultTime2Retain); with 0 the removed
                        connection's tasks are discarded at once (event
                        "tasks_discarded")
                          snack-delay S
                        Data SNACKs are answered S seconds later (0: at
                        once; event "data_snack_delayed"), and not at all
                        if the task ended meanwhile ("data_snack_dropped")
                          bad-dlen CID
                        a NOP-In, then 0.5 s later a NOP-In header claiming
                        16 MiB - 1 of data, with none sent ("bad_dlen_sent")
                          urgent CID
                        one byte of TCP urgent data (MSG_OOB) after what is
                        queued on connection CID ("urgent_sent")

Events (field "event"): listening, login, login_failed, session_new,
session_reinstated, session_closed (with "why", and "recovery_left": the
tasks still waiting for reassignment), conn_reinstated (with "acked": the
tasks the login's ExpStatSN acknowledged, "waiting": the others), conn_lost,
logout, tmf, task_reassign (ITT, ExpDataSN, response, the task's state),
retry ("known": the target had the command), task_dropped (at
DefaultTime2Retain), async_sent, logout_deadline (no logout after event 1),
renegotiated, mrdsl_applied, protocol_error, header_digest_error,
data_digest_error (not in a Data-Out: the connection is closed),
dataout_digest_error (ITT, DataSN, offset, length), dataout_digest_r2t
(the R2T that Data-Out answered), recovery_r2t (ITT, R2TSN, offset,
length), data_snack (ITT, BegRun, RunLength, PDUs sent), status_snack
(BegRun, RunLength, statuses sent), disk_sha256 (on SIGUSR1), exit. Every
line has "t" (seconds since start); ITTs are "0x%08x" strings.

  erl_target.py --listen 127.0.0.1:3262 --size-mb 64 --erl 2 --t2w 1 \\
      --log /tmp/erl2-target.log &
  kill -USR1 $!     # logs {"event": "disk_sha256", ...}
"""

import argparse
import collections
import hashlib
import json
import os
import queue
import random
import signal
import socket
import struct
import sys
import threading
import time

try:
    # Only with crcmod's C extension: its pure Python fallback is far too
    # slow under TCG. scripts/deps.sh installs python3-crcmod.
    import crcmod._crcfunext  # noqa: F401
    import crcmod.predefined
    crc32c = crcmod.predefined.mkCrcFun("crc-32c")
except ImportError:
    crc32c = None

BHS = 48
BLOCK = 512
RSVD = 0xFFFFFFFF
ZERO8 = bytes(8)

# Initiator opcodes
OP_NOP_OUT, OP_SCSI_CMD, OP_TMF, OP_LOGIN, OP_TEXT, OP_DATA_OUT, OP_LOGOUT = range(7)
OP_SNACK = 0x10
# Target opcodes
OP_NOP_IN = 0x20
OP_SCSI_RSP = 0x21
OP_TMF_RSP = 0x22
OP_LOGIN_RSP = 0x23
OP_TEXT_RSP = 0x24
OP_DATA_IN = 0x25
OP_LOGOUT_RSP = 0x26
OP_R2T = 0x31
OP_REJECT = 0x3F

TMF_NAMES = {1: "ABORT TASK", 2: "ABORT TASK SET", 3: "CLEAR ACA",
             4: "CLEAR TASK SET", 5: "LOGICAL UNIT RESET",
             6: "TARGET WARM RESET", 7: "TARGET COLD RESET",
             8: "TASK REASSIGN"}
TMF_COMPLETE, TMF_NO_TASK, TMF_NO_LUN, TMF_ALLEGIANT, TMF_NO_FAILOVER, \
    TMF_NOT_SUPPORTED = range(6)

SAM_GOOD = 0x00
SAM_CHECK = 0x02

CLOSE_AFTER = object()     # writer queue: close once all before is sent
URGENT = object()          # writer queue: one byte of TCP urgent data


class ProtoError(Exception):
    """The initiator broke the protocol: the connection is closed."""


class ConnGone(Exception):
    """The socket ended."""


# ------------------------------------------------------------ helpers

def be32(b, o):
    return int.from_bytes(b[o:o + 4], "big")


def be16(b, o):
    return int.from_bytes(b[o:o + 2], "big")


def sn_add(a, n):
    return (a + n) & 0xFFFFFFFF


def sn_lt(a, b):
    """Serial number arithmetic (RFC 1982, 32 bits): a < b."""
    return a != b and ((b - a) & 0xFFFFFFFF) < 0x80000000


def sn_diff(a, b):
    """b - a in serial arithmetic (positive when a < b)."""
    d = (b - a) & 0xFFFFFFFF
    return d - 0x100000000 if d >= 0x80000000 else d


def hx(v):
    return "0x%08x" % v


def pad4(n):
    return (4 - n % 4) % 4


def pdu(op, flags=0, b2=0, b3=0, data=b"", lun=ZERO8, itt=0, w20=0, w24=0,
        w28=0, w32=0, w36=0, w40=0, w44=0):
    """A whole PDU: the BHS (no AHS, no digests), data, padding."""
    hdr = struct.pack(">4BI8s8I", op, flags, b2, b3, len(data) & 0xFFFFFF,
                      lun, itt, w20, w24, w28, w32, w36, w40, w44)
    if not data:
        return hdr
    return hdr + bytes(data) + bytes(pad4(len(data)))


def parse_text(data):
    """Key=value pairs of a text segment, in order; raises on bad text."""
    pairs = []
    for item in bytes(data).split(b"\0"):
        if not item:
            continue
        k, sep, v = item.partition(b"=")
        if not sep or not k:
            raise ProtoError("malformed text key %r" % item[:64])
        pairs.append((k.decode("utf-8", "replace"), v.decode("utf-8", "replace")))
    return pairs


def text(pairs):
    return b"".join(("%s=%s" % kv).encode() + b"\0" for kv in pairs)


def decode_lun(raw):
    """LUN number of an 8-byte LUN field (peripheral or flat addressing of
    the first level); 0xffff for anything else."""
    if raw[2:] != bytes(6) or raw[0] >> 6 not in (0, 1):
        return 0xFFFF
    return ((raw[0] & 0x3F) << 8) | raw[1]


def sense_fixed(key, asc, ascq):
    s = bytearray(18)
    s[0] = 0x70
    s[2] = key
    s[7] = 10
    s[12] = asc
    s[13] = ascq
    return bytes(s)


# ------------------------------------------------------------ state

class Target:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.disk = bytearray(args.size_mb * 1048576)
        self.blocks = len(self.disk) // BLOCK
        self.sessions = {}          # tsih -> Session
        self.next_tsih = random.randrange(1, 0x8000)
        self.next_ttt = random.randrange(1, 0x10000)
        self.t0 = time.monotonic()
        self.logf = open(args.log, "a", buffering=1) if args.log else sys.stdout
        self.loglock = threading.Lock()
        self.serial = hashlib.sha256(args.target_name.encode()).hexdigest()[:16].upper()
        # (address, TPGT) of each --listen
        self.portals = [(p.partition(",")[0], int(p.partition(",")[2] or 1))
                        for p in args.listen]

    def log(self, event, **kw):
        kw["event"] = event
        kw["t"] = round(time.monotonic() - self.t0, 3)
        line = json.dumps(kw, sort_keys=True)
        with self.loglock:
            self.logf.write(line + "\n")
            self.logf.flush()

    def ttt(self):
        self.next_ttt = (self.next_ttt + 1) & 0x7FFFFFFF or 1
        return self.next_ttt

    def tsih(self):
        while True:
            self.next_tsih = (self.next_tsih % 0xFFFF) + 1
            if self.next_tsih not in self.sessions:
                return self.next_tsih


class Session:
    def __init__(self, tgt, tsih, isid, iname, tname, params, discovery,
                 cmdsn):
        self.tgt = tgt
        self.tsih = tsih
        self.isid = isid
        self.iname = iname
        self.tname = tname
        self.params = params
        self.discovery = discovery
        self.erl = int(params.get("ErrorRecoveryLevel", 0))
        self.t2w = int(params.get("DefaultTime2Wait", 2))
        self.t2r = int(params.get("DefaultTime2Retain", 20))
        self.max_burst = int(params.get("MaxBurstLength", 262144))
        self.first_burst = int(params.get("FirstBurstLength", 65536))
        self.immediate_data = params.get("ImmediateData", "Yes") == "Yes"
        self.max_conns = int(params.get("MaxConnections", 1))
        self.exp_cmdsn = cmdsn
        self.window = tgt.args.cmd_window
        self.pending = {}           # CmdSN -> ("task", Task) | ("pdu", conn, hdr, data)
        self.tasks = {}             # ITT -> Task (until its status is acknowledged)
        self.conns = {}             # CID -> Conn (alive, or failed and not replaced)
        self.noexist = {}           # ITT -> time answered "task does not exist"
        self.closed = False
        self.lost_since = None      # all connections gone since (ERL 2)
        self.stats = collections.Counter()
        self.tpgt = 1

    def max_cmdsn(self):
        return sn_add(self.exp_cmdsn, self.window - 1)

    def live_conns(self):
        return [c for c in self.conns.values() if not c.dead]

    def sid(self):
        return {"tsih": self.tsih, "isid": self.isid.hex()}


class Task:
    def __init__(self, conn, hdr, imm):
        self.itt = be32(hdr, 16)
        self.cmdsn = be32(hdr, 24)
        self.immediate = bool(hdr[0] & 0x40)
        self.lun_raw = bytes(hdr[8:16])
        self.lun = decode_lun(self.lun_raw)
        self.read = bool(hdr[1] & 0x40)
        self.write = bool(hdr[1] & 0x20)
        self.edtl = be32(hdr, 20)
        self.cdb = bytes(hdr[32:48])
        self.conn = conn
        self.state = "queued"       # queued -> (data ->) done
        self.imm = bytes(imm)
        self.buf = None
        self.received = 0
        self.r2t = None             # [ttt, offset, length, next DataSN,
                                    #  next offset, hole it recovers or None]
        self.holes = []             # [offset, length]: data discarded (digest)
        self.r2tsn = 0
        self.status = SAM_GOOD
        self.sense = b""
        self.data = b""
        self.rflags = 0
        self.resid = 0
        self.plan = None            # Data-In PDUs: [(offset, length)]
        self.status_conn = None
        self.status_statsn = None
        self.lost_at = None
        self.lost_from = None       # the connection it was lost with
        self.aborted = False
        self.executions = 0

    def direction(self):
        return "write" if self.write else "read" if self.read else "none"


class Conn:
    def __init__(self, tgt, sock, peer, tpgt):
        self.tgt = tgt
        self.sock = sock
        self.peer = peer
        self.tpgt = tpgt            # the portal group of the portal it came to
        self.sess = None
        self.cid = None
        self.statsn = random.randrange(0, 0x100000000)
        self.dead = False
        self.closing = False        # logged out: its end is no failure
        self.ending = False         # closed once the PDUs queued are sent
        self.ffp = False
        self.hd = False             # CRC32C digests in full feature phase
        self.dd = False
        self.max_data_in = 8192     # the initiator's MaxRecvDataSegmentLength
        self.recv_limit = 8192      # ours, as declared
        self.pending_limit = None   # (StatSN, limit) declared, not yet acknowledged
        self.reneg_mrdsl = None     # to declare in the next Text Response
        self.reneg_offers = []      # (key, value) to offer with it
        self.reneg_offered = set()  # keys offered, awaiting answers
        self.reneg_ttt = None       # TTT of that (F=0) Text Response
        self.logout_deadline = None  # AsyncEvent 1 sent: logout due by then
        self.acks = collections.deque()   # (StatSN, Task) in StatSN order
        self.wq = queue.Queue()
        self.rf = sock.makefile("rb", buffering=262144)
        self.writer = threading.Thread(target=self.write_loop, daemon=True)
        self.writer.start()

    def name(self):
        return "%s:%d" % self.peer[:2]

    def take_statsn(self):
        s = self.statsn
        self.statsn = sn_add(s, 1)
        return s

    def send(self, buf):
        """Queue one whole PDU (BHS, no AHS, then data and padding)."""
        if self.dead:
            return
        if self.hd or self.dd:
            hdr, rest = buf[:BHS], buf[BHS:]
            buf = hdr
            if self.hd:
                buf += crc32c(hdr).to_bytes(4, "little")
            buf += rest
            if self.dd and rest:
                buf += crc32c(rest).to_bytes(4, "little")
        self.wq.put(buf)

    def close_after_send(self):
        self.wq.put(CLOSE_AFTER)

    def end_after_send(self):
        """Close once the PDUs queued are out; read nothing more."""
        self.ending = True
        self.close_after_send()

    def kill(self):
        """Close now: the reader sees the end, the writer stops."""
        self.dead = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.wq.put(None)

    def write_loop(self):
        while True:
            item = self.wq.get()
            if item is None:
                return
            bufs = []
            size = 0
            close = item is CLOSE_AFTER
            urgent = item is URGENT
            if not close and not urgent:
                bufs.append(item)
                size = len(item)
            while not close and not urgent and size < 1048576:
                try:
                    item = self.wq.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.wq.put(None)
                    break
                if item is CLOSE_AFTER:
                    close = True
                    break
                if item is URGENT:
                    urgent = True
                    break
                bufs.append(item)
                size += len(item)
            try:
                if bufs:
                    self.sock.sendall(b"".join(bufs))
                if urgent:
                    # Between two PDUs, as a buggy or hostile peer might:
                    # the urgent pointer set, on a byte of its own.
                    self.sock.send(b"\0", socket.MSG_OOB)
                    self.tgt.log("urgent_sent", cid=self.cid, peer=self.name())
                if close:
                    # FIN only: the reader goes on to the initiator's end.
                    # A socket shut for reading as well resets the
                    # connection when more data comes (Linux: "abort on
                    # data"): a close that the initiator may take before
                    # what was sent last (a Reject).
                    self.sock.shutdown(socket.SHUT_WR)
                    return
            except OSError:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

    def read_exact(self, n):
        if n == 0:
            return b""
        try:
            b = self.rf.read(n)
        except (OSError, ValueError) as e:
            raise ConnGone(str(e) or type(e).__name__)
        if b is None or len(b) < n:
            raise ConnGone("end of stream" if not b else
                           "end of stream in a PDU (%d of %d bytes)" % (len(b), n))
        return b

    def read_pdu(self):
        """(BHS, data, whether the data digest matched)."""
        hdr = self.read_exact(BHS)
        ahs = hdr[4] * 4
        dlen = int.from_bytes(hdr[5:8], "big")
        ahs_bytes = self.read_exact(ahs) if ahs else b""
        # The digest first: a damaged header says nothing true.
        if self.hd:
            got = int.from_bytes(self.read_exact(4), "little")
            want = crc32c(hdr + ahs_bytes)
            if got != want:
                self.tgt.log("header_digest_error", cid=self.cid, peer=self.name(),
                             got=hx(got), want=hx(want))
                raise ProtoError("header digest error")
        # A renegotiated limit holds once acknowledged (checked in handle()).
        limit = max(8192, self.recv_limit) if self.ffp else 65536
        if dlen > limit:
            raise ProtoError("data segment of %d bytes, above our "
                             "MaxRecvDataSegmentLength %d" % (dlen, limit))
        raw = self.read_exact(dlen + pad4(dlen)) if dlen else b""
        ok = True
        if dlen and self.dd:
            ok = int.from_bytes(self.read_exact(4), "little") == crc32c(raw)
        return hdr, raw[:dlen], ok


# ------------------------------------------------------------ the target

class Server:
    def __init__(self, args):
        self.t = Target(args)
        self.args = args
        self.reassign_busy = 0      # TASK REASSIGNs to refuse (--control)
        self.logout_t2w = 0         # Time2Wait of the next recovery Logout (--control)
        self.logout_t2r = None      # its Time2Retain, None: DefaultTime2Retain
        self.snack_delay = 0.0      # Data SNACK answers held this long (--control)

    log = property(lambda self: self.t.log)

    # -------------------------------------------------------- PDUs out

    def sn_fields(self, sess, cmdsn=None):
        if sess is None:
            return cmdsn, cmdsn
        return sess.exp_cmdsn, sess.max_cmdsn()

    def send_status(self, task, conn, pdu_bytes_fn):
        """Send a PDU carrying task's status on conn; record its StatSN."""
        s = conn.take_statsn()
        conn.send(pdu_bytes_fn(s))
        task.status_conn = conn
        task.status_statsn = s
        conn.acks.append((s, task))

    def scsi_rsp(self, task, conn, exp_datasn):
        sess = conn.sess
        data = b""
        if task.sense:
            data = len(task.sense).to_bytes(2, "big") + task.sense
        flags = 0x80 | task.rflags

        def build(s):
            exp, mx = self.sn_fields(sess)
            return pdu(OP_SCSI_RSP, flags, 0, task.status, data, ZERO8, task.itt,
                       0, s, exp, mx, exp_datasn, 0, task.resid)
        self.send_status(task, conn, build)

    def make_plan(self, task, conn, start=0):
        size = max(512, min(conn.max_data_in, self.args.max_data_in))
        plan = [] if task.plan is None else task.plan[:start]
        off = plan[-1][0] + plan[-1][1] if plan else 0
        while off < len(task.data):
            n = min(size, len(task.data) - off)
            plan.append((off, n))
            off += n
        task.plan = plan

    def send_result(self, task, from_datasn=0):
        """Send a finished task's Data-In from from_datasn and its status."""
        conn = task.conn
        if conn is None or conn.dead:
            return
        sess = conn.sess
        if task.data and task.status == SAM_GOOD:
            size = max(512, min(conn.max_data_in, self.args.max_data_in))
            if task.plan is None:
                self.make_plan(task, conn)
            elif from_datasn < len(task.plan) and \
                    any(n > size for _, n in task.plan[from_datasn:]):
                self.make_plan(task, conn, from_datasn)
            plan = task.plan
            if from_datasn > len(plan):
                self.proto_error(conn, "TASK REASSIGN ExpDataSN %d beyond the %d "
                                 "Data-In PDUs of itt %s" % (from_datasn, len(plan),
                                                             hx(task.itt)), close=False)
                from_datasn = len(plan)
            for i in range(from_datasn, len(plan)):
                if i < len(plan) - 1 or self.args.status_apart:
                    conn.send(self.data_in(task, i, None))
                else:
                    self.send_status(task, conn,
                                     lambda s, i=i: self.data_in(task, i, s))
            if from_datasn >= len(plan) or self.args.status_apart:
                self.scsi_rsp(task, conn, len(plan))
        else:
            self.scsi_rsp(task, conn, 0)

    def data_in(self, task, i, statsn):
        """Data-In number i of a read's plan; the last one with the status
        and StatSN statsn, unless None (status apart)."""
        off, n = task.plan[i]
        chunk = task.data[off:off + n]
        exp, mx = self.sn_fields(task.conn.sess)
        if statsn is None:
            flags = 0x80 if i == len(task.plan) - 1 else 0
            return pdu(OP_DATA_IN, flags, 0, 0, chunk, ZERO8, task.itt, RSVD, 0,
                       exp, mx, i, off, 0)
        return pdu(OP_DATA_IN, 0x81 | task.rflags, 0, task.status, chunk, ZERO8,
                   task.itt, RSVD, statsn, exp, mx, i, off, task.resid)

    def status_pdu(self, task, statsn):
        """The PDU that carried a task's status, with StatSN statsn."""
        if task.plan and task.data and task.status == SAM_GOOD and \
                not self.args.status_apart:
            return self.data_in(task, len(task.plan) - 1, statsn)
        data = b""
        if task.sense:
            data = len(task.sense).to_bytes(2, "big") + task.sense
        exp, mx = self.sn_fields(task.conn.sess)
        exp_datasn = len(task.plan) if task.plan and task.data and \
            task.status == SAM_GOOD else 0
        return pdu(OP_SCSI_RSP, 0x80 | task.rflags, 0, task.status, data, ZERO8,
                   task.itt, 0, statsn, exp, mx, exp_datasn, 0, task.resid)

    def status_snack(self, conn, hdr):
        """A Status SNACK (11.16): the statuses BegRun to BegRun + RunLength
        - 1 (0: to the last sent) sent again with their StatSN. Only task
        statuses not yet acknowledged are kept for that; for anything else,
        Reject "protocol error" and a protocol error."""
        sess = conn.sess
        begrun, runlength = be32(hdr, 40), be32(hdr, 44)
        n = runlength or sn_diff(begrun, conn.statsn)
        kept = {s: task for s, task in conn.acks
                if task.status_conn is conn and task.status_statsn == s}
        wanted = [sn_add(begrun, i) for i in range(n)]
        if not 0 < n <= 64 or any(s not in kept for s in wanted):
            self.reject(conn, hdr, 0x04)
            self.proto_error(conn, "Status SNACK for StatSN %d+%d: not task statuses "
                             "kept (sent and unacknowledged)" % (begrun, runlength))
        for s in wanted:
            conn.send(self.status_pdu(kept[s], s))
        sess.stats["status_snacks"] += 1
        self.log("status_snack", cid=conn.cid, begrun=begrun, runlength=runlength,
                 sent=n, **sess.sid())

    def snack(self, conn, hdr):
        """A Data SNACK (11.16): the Data-In PDUs BegRun to BegRun +
        RunLength - 1 (0: to the last) of a read sent again, exact replicas
        (a status in the last one keeps its StatSN, 11.16.1); a Status SNACK:
        status_snack(). Any other SNACK, or one for data not sent or already
        acknowledged: Reject "protocol error" (11.16.1) and a protocol
        error."""
        sess = conn.sess
        kind = hdr[1] & 0x0F
        if kind == 1:
            return self.status_snack(conn, hdr)
        itt, begrun, runlength = be32(hdr, 16), be32(hdr, 40), be32(hdr, 44)
        task = sess.tasks.get(itt)
        what = None
        if kind != 0:
            what = "SNACK type %d (Data and Status SNACK only)" % kind
        elif task is None or task.conn is not conn or not task.read or \
                task.state != "done" or not task.plan:
            what = "Data SNACK for ITT %s: no read of this connection with " \
                "Data-In sent" % hx(itt)
        elif begrun >= len(task.plan) or \
                (runlength and begrun + runlength > len(task.plan)):
            what = "Data SNACK for ITT %s: DataSN %d+%d beyond the %d sent" % \
                (hx(itt), begrun, runlength, len(task.plan))
        if what:
            self.reject(conn, hdr, 0x04)
            self.proto_error(conn, what)
        end = begrun + runlength if runlength else len(task.plan)
        sess.stats["data_snacks"] += 1
        if self.snack_delay:
            self.log("data_snack_delayed", cid=conn.cid, itt=hx(itt), begrun=begrun,
                     runlength=runlength, delay=self.snack_delay, **sess.sid())
            threading.Timer(self.snack_delay, self.snack_answer,
                            (conn, task, begrun, end)).start()
            return
        self.snack_answer(conn, task, begrun, end)

    def snack_answer(self, conn, task, begrun, end):
        """Data-In begrun to end - 1 of a Data SNACK, unless the task or the
        connection ended meanwhile (task management, recovery)."""
        with self.t.lock:
            sess = conn.sess
            if task.aborted or conn.dead or task.conn is not conn:
                self.log("data_snack_dropped", cid=conn.cid, itt=hx(task.itt),
                         aborted=task.aborted, **sess.sid())
                return
            last = len(task.plan) - 1
            for i in range(begrun, end):
                conn.send(self.data_in(task, i, None if i < last or self.args.status_apart
                                       else task.status_statsn))
            self.log("data_snack", cid=conn.cid, itt=hx(task.itt), begrun=begrun,
                     runlength=0 if end == len(task.plan) else end - begrun,
                     sent=end - begrun, **sess.sid())

    def send_r2t(self, task):
        """The write's next R2T (one at a time, MaxOutstandingR2T=1): first a
        recovery R2T for data discarded after a digest error (7.8, with the
        next R2TSN), then one for the data not yet sent."""
        conn = task.conn
        if conn is None or conn.dead or task.r2t is not None:
            return
        sess = conn.sess
        hole = task.holes[0] if task.holes else None
        if hole is not None:
            off, n = hole
        else:
            off = task.received
            n = min(sess.max_burst, task.edtl - off)
        ttt = self.t.ttt()
        task.r2t = [ttt, off, n, 0, off, hole]
        exp, mx = self.sn_fields(sess)
        conn.send(pdu(OP_R2T, 0x80, 0, 0, b"", task.lun_raw, task.itt, ttt,
                      conn.statsn, exp, mx, task.r2tsn, off, n))
        if hole is not None:
            sess.stats["recovery_r2ts"] += 1
            self.log("recovery_r2t", cid=conn.cid, itt=hx(task.itt), r2tsn=task.r2tsn,
                     offset=off, length=n, **sess.sid())
        task.r2tsn = sn_add(task.r2tsn, 1)

    def data_digest_error(self, conn, hdr, data):
        """A data segment whose digest does not match (7.8): Reject it
        (11.17.1, reason 0x02); the data is discarded. In a Data-Out of an
        R2T outstanding, from level 1 on, the R2T goes on and its sequence's
        end brings a recovery R2T for what was discarded; at level 0 the
        connection is closed once the Reject is out, as it is after a data
        digest error in any other PDU."""
        sess = conn.sess
        op = hdr[0] & 0x3F
        self.reject(conn, hdr, 0x02)
        if op != OP_DATA_OUT or sess is None or sess.discovery:
            self.log("data_digest_error", cid=conn.cid, peer=conn.name(), opcode=op,
                     **(sess.sid() if sess else {}))
            conn.end_after_send()
            return
        itt, datasn, off = be32(hdr, 16), be32(hdr, 36), be32(hdr, 40)
        sess.stats["dataout_digest_errors"] += 1
        self.log("dataout_digest_error", cid=conn.cid, itt=hx(itt), datasn=datasn,
                 offset=off, length=len(data), erl=sess.erl, **sess.sid())
        if sess.erl == 0:
            conn.end_after_send()
            return
        task = sess.tasks.get(itt)
        if task is None or task.aborted:
            return
        if task.r2t is not None:
            self.log("dataout_digest_r2t", itt=hx(itt), r2t_offset=task.r2t[1],
                     r2t_length=task.r2t[2], recovery=task.r2t[5] is not None,
                     **sess.sid())
        # Checked as any Data-Out; only the data is not kept.
        self.data_out(conn, hdr, data, keep=False)

    def reject(self, conn, hdr, reason):
        sess = conn.sess
        exp, mx = self.sn_fields(sess, 0)
        conn.send(pdu(OP_REJECT, 0x80, reason, 0, bytes(hdr[:BHS]), ZERO8, RSVD, 0,
                      conn.take_statsn(), exp or 0, mx or 0, 0, 0, 0))

    def proto_error(self, conn, what, close=True):
        sess = conn.sess
        self.log("protocol_error", cid=conn.cid, peer=conn.name(), what=what,
                 **(sess.sid() if sess else {}))
        if sess:
            sess.stats["protocol_errors"] += 1
        if close:
            raise ProtoError(what)

    # -------------------------------------------------------- SCSI

    def check(self, task, key, asc, ascq):
        task.status = SAM_CHECK
        task.sense = sense_fixed(key, asc, ascq)
        task.data = b""

    def scsi_exec(self, task):
        """Run the CDB: sets status, sense, data (reads), writes the disk."""
        t = self.t
        cdb = task.cdb
        op = cdb[0]
        task.executions += 1
        if task.executions > 1:
            self.log("protocol_error", what="internal: itt %s executed %d times" %
                     (hx(task.itt), task.executions))
        data = b""
        if task.lun != 0 and op not in (0x12, 0xA0):
            return self.check(task, 0x05, 0x25, 0x00)
        if op == 0x00:                  # TEST UNIT READY
            pass
        elif op == 0x12:                # INQUIRY
            alloc = be16(cdb, 3)
            if task.lun != 0:
                data = bytes([0x7F, 0, 6, 2, 31, 0, 0, 2]) + b"KISCSI  " + \
                    b"ERL TARGET      " + b"0001"
                if cdb[1] & 1:
                    data = bytes([0x7F, cdb[2], 0, 0])
            elif cdb[1] & 1:
                page = cdb[2]
                if page == 0x00:
                    data = bytes([0, 0, 0, 3, 0x00, 0x80, 0x83])
                elif page == 0x80:
                    sn = t.serial.encode()
                    data = bytes([0, 0x80, 0, len(sn)]) + sn
                elif page == 0x83:
                    ident = b"KISCSI  " + t.serial.encode()
                    desig = bytes([0x02, 0x01, 0, len(ident)]) + ident
                    naa = bytes([0x01, 0x03, 0, 8]) + \
                        bytes.fromhex("5" + t.serial[:15])
                    body = desig + naa
                    data = bytes([0, 0x83]) + len(body).to_bytes(2, "big") + body
                else:
                    return self.check(task, 0x05, 0x24, 0x00)
            else:
                if cdb[2]:
                    return self.check(task, 0x05, 0x24, 0x00)
                data = bytes([0x00, 0x00, 0x06, 0x02, 31, 0, 0, 0x02]) + \
                    b"KISCSI  " + b"ERL TARGET      " + b"0001"
            data = data[:alloc]
        elif op == 0xA0:                # REPORT LUNS
            alloc = be32(cdb, 6)
            data = (8).to_bytes(4, "big") + bytes(4) + bytes(8)
            data = data[:alloc]
        elif op == 0x25:                # READ CAPACITY(10)
            last = min(t.blocks - 1, 0xFFFFFFFF)
            data = last.to_bytes(4, "big") + BLOCK.to_bytes(4, "big")
        elif op == 0x9E and cdb[1] & 0x1F == 0x10:   # READ CAPACITY(16)
            alloc = be32(cdb, 10)
            data = (t.blocks - 1).to_bytes(8, "big") + BLOCK.to_bytes(4, "big") + \
                bytes(20)
            data = data[:alloc]
        elif op in (0x1A, 0x5A):        # MODE SENSE(6)/(10)
            page = cdb[2] & 0x3F
            pc = cdb[2] >> 6
            caching = bytes([0x08, 0x12]) + bytes(18)
            control = bytes([0x0A, 0x0A, 0x02 if pc != 1 else 0]) + bytes(9)
            if page == 0x3F:
                pages = caching + control
            elif page == 0x08:
                pages = caching
            elif page == 0x0A:
                pages = control
            else:
                return self.check(task, 0x05, 0x24, 0x00)
            if op == 0x1A:
                data = bytes([3 + len(pages), 0, 0, 0]) + pages
                data = data[:cdb[4]]
            else:
                data = (6 + len(pages)).to_bytes(2, "big") + bytes(6) + pages
                data = data[:be16(cdb, 7)]
        elif op in (0x28, 0x88, 0x2A, 0x8A):    # READ/WRITE (10)/(16)
            if op in (0x28, 0x2A):
                lba, nblk = be32(cdb, 2), be16(cdb, 7)
            else:
                lba, nblk = int.from_bytes(cdb[2:10], "big"), be32(cdb, 10)
            if lba + nblk > t.blocks:
                return self.check(task, 0x05, 0x21, 0x00)
            off, n = lba * BLOCK, nblk * BLOCK
            if op in (0x28, 0x88):
                data = bytes(t.disk[off:off + n])
            else:
                if not task.write or task.edtl < n:
                    return self.check(task, 0x05, 0x24, 0x00)
                t.disk[off:off + n] = task.buf[:n]
                if task.edtl > n:
                    task.rflags, task.resid = 0x02, task.edtl - n
        elif op in (0x35, 0x91):        # SYNCHRONIZE CACHE
            pass
        else:
            return self.check(task, 0x05, 0x20, 0x00)
        if task.read:
            if len(data) < task.edtl:
                task.rflags, task.resid = 0x02, task.edtl - len(data)
            elif len(data) > task.edtl:
                task.rflags, task.resid = 0x04, len(data) - task.edtl
                data = data[:task.edtl]
        elif data:
            # Data for a command that did not ask to read: all of it is residual.
            task.rflags, task.resid = 0x04, len(data)
            data = b""
        task.data = data

    def task_start(self, task):
        """The task's turn in CmdSN order (or an immediate command)."""
        if task.aborted:
            return
        if task.write:
            task.buf = bytearray(task.edtl)
            n = min(len(task.imm), task.edtl)
            task.buf[:n] = task.imm[:n]
            task.received = n
            task.imm = b""
            if task.received < task.edtl:
                task.state = "data"
                self.send_r2t(task)
                return
        self.task_execute(task)

    def task_execute(self, task):
        self.scsi_exec(task)
        task.state = "done"
        task.buf = None
        self.send_result(task, 0)

    # -------------------------------------------------------- sessions

    def drop_task(self, sess, task):
        task.aborted = True
        if sess.tasks.get(task.itt) is task:
            del sess.tasks[task.itt]

    def drop_session(self, sess, why):
        if sess.closed:
            return
        sess.closed = True
        for c in list(sess.conns.values()):
            if not c.dead:
                c.closing = True
                c.kill()
        waiting = [hx(x.itt) for x in sess.tasks.values() if x.conn is None]
        for task in list(sess.tasks.values()):
            task.aborted = True
        left = len(sess.tasks)
        sess.tasks.clear()
        sess.pending.clear()
        if self.t.sessions.get(sess.tsih) is sess:
            del self.t.sessions[sess.tsih]
        self.log("session_closed", why=why, tasks_left=left, recovery_left=waiting,
                 stats=dict(sess.stats), **sess.sid())

    def conn_fail_tasks(self, sess, conn, now):
        """The connection is gone: at level 2 its tasks wait for
        reassignment; below, they end. Returns how many were kept."""
        kept = 0
        for task in list(sess.tasks.values()):
            if task.conn is not conn:
                continue
            if sess.erl >= 2:
                task.conn = None
                task.lost_from = conn
                task.lost_at = now
                task.r2t = None
                kept += 1
            else:
                self.drop_task(sess, task)
        return kept

    def conn_lost(self, conn, why):
        """A connection ended (reader thread, under the lock)."""
        sess = conn.sess
        was_dead = conn.dead
        conn.dead = True
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.wq.put(None)
        if sess is None or sess.closed or was_dead or conn.closing:
            return
        if sess.discovery:
            return
        if sess.erl < 2:
            self.log("conn_lost", cid=conn.cid, why=why, erl=sess.erl,
                     kept=0, **sess.sid())
            self.drop_session(sess, "connection lost at ErrorRecoveryLevel %d" % sess.erl)
            return
        now = time.monotonic()
        kept = self.conn_fail_tasks(sess, conn, now)
        if not sess.live_conns():
            sess.lost_since = now
        sess.stats["conns_lost"] += 1
        self.log("conn_lost", cid=conn.cid, why=why, erl=sess.erl, kept=kept,
                 **sess.sid())

    def ack(self, conn, expstatsn):
        """ExpStatSN of the initiator: statuses below it arrived."""
        if sn_lt(conn.statsn, expstatsn):
            self.proto_error(conn, "ExpStatSN %d acknowledges beyond StatSN %d "
                             "(the next the target would send)" %
                             (expstatsn, conn.statsn))
        sess = conn.sess
        if conn.pending_limit and sn_lt(conn.pending_limit[0], expstatsn):
            conn.recv_limit = conn.pending_limit[1]
            conn.pending_limit = None
            self.log("mrdsl_applied", cid=conn.cid, mrdsl=conn.recv_limit, **sess.sid())
        while conn.acks and sn_lt(conn.acks[0][0], expstatsn):
            s, task = conn.acks.popleft()
            if task.status_conn is conn and task.status_statsn == s and \
                    sess.tasks.get(task.itt) is task:
                del sess.tasks[task.itt]

    def ack_old(self, sess, old, exp, what):
        """The last ExpStatSN of a failed connection, from a login that
        reinstates it or a Logout that removes it for recovery: its tasks
        whose status arrived end. Returns how many."""
        acked = 0
        if sn_lt(old.statsn, exp):
            self.log("protocol_error", cid=old.cid, what="%s ExpStatSN %d beyond "
                     "the old connection's StatSN %d" % (what, exp, old.statsn),
                     **sess.sid())
            sess.stats["protocol_errors"] += 1
        while old.acks and sn_lt(old.acks[0][0], exp):
            s, task = old.acks.popleft()
            if task.status_conn is old and task.status_statsn == s and \
                    sess.tasks.get(task.itt) is task:
                del sess.tasks[task.itt]
                acked += 1
        return acked

    def housekeeping(self):
        """DefaultTime2Retain: tasks (and sessions) left in recovery go."""
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self.t.lock:
                for sess in list(self.t.sessions.values()):
                    limit = sess.t2w + sess.t2r
                    for task in list(sess.tasks.values()):
                        if task.conn is None and task.lost_at is not None and \
                                now - task.lost_at > limit:
                            self.drop_task(sess, task)
                            sess.stats["dropped_time2retain"] += 1
                            self.log("task_dropped", itt=hx(task.itt),
                                     cmdsn=task.cmdsn, state=task.state,
                                     dir=task.direction(), why="DefaultTime2Retain",
                                     **sess.sid())
                    for itt, at in list(sess.noexist.items()):
                        if now - at > limit:
                            del sess.noexist[itt]
                    for c in sess.live_conns():
                        if c.logout_deadline is not None and now > c.logout_deadline:
                            c.logout_deadline = None
                            self.log("logout_deadline", cid=c.cid, **sess.sid())
                            c.kill()
                    if sess.lost_since is not None and not sess.live_conns() and \
                            now - sess.lost_since > limit:
                        self.drop_session(sess, "no connection within "
                                          "DefaultTime2Wait + DefaultTime2Retain")

    # -------------------------------------------------------- login

    def negotiate(self, st, pairs, csg):
        """Answer the initiator's keys. Returns (answers, (class, detail) or
        None)."""
        a = self.args
        out = []
        disc_irr = {"MaxConnections", "InitialR2T", "ImmediateData",
                    "MaxBurstLength", "FirstBurstLength", "MaxOutstandingR2T",
                    "DataPDUInOrder", "DataSequenceInOrder", "TaskReporting",
                    "iSCSIProtocolLevel"}
        for k, v in pairs:
            st.keys[k] = v
            if k in ("InitiatorName", "InitiatorAlias", "TargetName"):
                continue
            if k == "SessionType":
                if v not in ("Normal", "Discovery"):
                    return out, (2, 0x09)
                st.discovery = v == "Discovery"
                continue
            if st.discovery and k in disc_irr:
                out.append((k, "Irrelevant"))
                continue
            if k == "AuthMethod":
                if "None" in v.split(","):
                    out.append((k, "None"))
                else:
                    out.append((k, "Reject"))
                    st.auth_failed = True
            elif k in ("HeaderDigest", "DataDigest"):
                # 6.2.1 list negotiation: the first value we support.
                ours = ("CRC32C", "None") if crc32c else ("None",)
                pick = next((x for x in v.split(",") if x in ours), None)
                out.append((k, pick or "Reject"))
                st.neg[k] = pick or "None"
            elif k == "MaxRecvDataSegmentLength":
                try:
                    st.ini_mrdsl = max(512, min(int(v), 0xFFFFFF))
                except ValueError:
                    return out, (2, 0x00)
            elif k in ("MaxConnections", "MaxBurstLength", "FirstBurstLength",
                       "MaxOutstandingR2T", "DefaultTime2Retain",
                       "ErrorRecoveryLevel", "DefaultTime2Wait"):
                try:
                    iv = int(v)
                except ValueError:
                    out.append((k, "Reject"))
                    continue
                ours = {"MaxConnections": 8, "MaxBurstLength": 262144,
                        "FirstBurstLength": 65536, "MaxOutstandingR2T": 1,
                        "DefaultTime2Retain": a.t2r, "ErrorRecoveryLevel": a.erl,
                        "DefaultTime2Wait": a.t2w}[k]
                r = max(iv, ours) if k == "DefaultTime2Wait" else min(iv, ours)
                out.append((k, str(r)))
                st.neg[k] = str(r)
            elif k in ("InitialR2T", "DataPDUInOrder", "DataSequenceInOrder"):
                if v not in ("Yes", "No"):
                    out.append((k, "Reject"))
                    continue
                out.append((k, "Yes"))       # OR with our Yes
                st.neg[k] = "Yes"
            elif k == "ImmediateData":
                if v not in ("Yes", "No"):
                    out.append((k, "Reject"))
                    continue
                out.append((k, v))           # AND with our Yes
                st.neg[k] = v
            elif k in ("IFMarker", "OFMarker"):
                out.append((k, "No"))
            elif k in ("IFMarkInt", "OFMarkInt"):
                out.append((k, "Reject"))
            elif k == "TaskReporting":
                out.append((k, "RFC3720"))
            else:
                out.append((k, "NotUnderstood"))
        if not st.tpgt_sent:
            out.append(("TargetPortalGroupTag", str(st.tpgt)))
            st.tpgt_sent = True
        if csg == 1 and not st.mrdsl_declared:
            out.append(("MaxRecvDataSegmentLength", "8192"))
            st.mrdsl_declared = True
        if st.auth_failed:
            return out, (2, 0x01)
        return out, None

    def login_rsp(self, conn, hdr, flags, tsih, cmdsn, sess, cls=0, det=0,
                  data=b""):
        exp, mx = (cmdsn, sn_add(cmdsn, self.args.cmd_window - 1)) \
            if sess is None else (sess.exp_cmdsn, sess.max_cmdsn())
        conn.send(pdu(OP_LOGIN_RSP, flags, 0, 0, data,
                      bytes(hdr[8:14]) + tsih.to_bytes(2, "big"), be32(hdr, 16),
                      0, conn.take_statsn(), exp, mx, (cls << 24) | (det << 16), 0, 0))

    def login_fail(self, conn, hdr, st, cls, det, why):
        self.login_rsp(conn, hdr, hdr[1] & 0x0C, 0, be32(hdr, 24), None, cls, det)
        conn.close_after_send()
        self.log("login_failed", peer=conn.name(), cls=cls, detail=det, why=why,
                 isid=st.isid.hex() if st.isid else None, tsih=st.tsih, cid=st.cid,
                 initiator=st.keys.get("InitiatorName"))
        return False

    def login(self, conn):
        """The login phase; True once in full feature phase."""
        class St:
            pass
        st = St()
        st.keys, st.neg = {}, {}
        st.isid, st.tsih, st.cid, st.first_expstatsn = None, 0, 0, 0
        st.discovery, st.auth_failed = False, False
        st.tpgt_sent, st.mrdsl_declared = False, False
        st.ini_mrdsl = 8192
        st.tpgt = conn.tpgt
        st.text = b""
        rounds = 0
        while True:
            hdr, data, _ = conn.read_pdu()     # no digests during login
            rounds += 1
            if hdr[0] & 0x3F != OP_LOGIN or rounds > 32:
                return self.login_fail(conn, hdr, st, 2, 0x0B,
                                       "opcode 0x%02x during login" % hdr[0])
            flags = hdr[1]
            transit, cont = flags & 0x80, flags & 0x40
            csg, nsg = (flags >> 2) & 3, flags & 3
            if st.isid is None:
                st.isid = bytes(hdr[8:14])
                st.tsih = be16(hdr, 14)
                st.cid = be16(hdr, 20)
                st.first_expstatsn = be32(hdr, 28)
                if hdr[3] > 0:          # Version-min
                    return self.login_fail(conn, hdr, st, 2, 0x05, "version")
            elif bytes(hdr[8:14]) != st.isid or be16(hdr, 14) != st.tsih or \
                    be16(hdr, 20) != st.cid:
                return self.login_fail(conn, hdr, st, 2, 0x0B,
                                       "ISID, TSIH or CID changed during login")
            if csg == 2 or (transit and (nsg < csg or nsg == 2)):
                return self.login_fail(conn, hdr, st, 2, 0x0B, "bad stage")
            if cont:
                st.text += data
                self.login_rsp(conn, hdr, csg << 2, 0, be32(hdr, 24), None)
                continue
            try:
                pairs = parse_text(st.text + data)
            except ProtoError as e:
                return self.login_fail(conn, hdr, st, 2, 0x00, str(e))
            st.text = b""
            answers, err = self.negotiate(st, pairs, csg)
            if err:
                return self.login_fail(conn, hdr, st, err[0], err[1],
                                       "negotiation: %s" % answers)
            if "InitiatorName" not in st.keys:
                return self.login_fail(conn, hdr, st, 2, 0x07, "no InitiatorName")
            if not st.discovery and st.keys.get("TargetName") != self.args.target_name:
                return self.login_fail(conn, hdr, st, 2, 0x03,
                                       "TargetName %r" % st.keys.get("TargetName"))
            body = text(answers)
            if not transit or nsg != 3:
                rflags = (csg << 2) | ((0x80 | nsg) if transit else 0)
                self.login_rsp(conn, hdr, rflags, st.tsih, be32(hdr, 24), None,
                               data=body)
                continue
            with self.t.lock:
                return self.login_finish(conn, hdr, st, csg, body)

    def login_finish(self, conn, hdr, st, csg, body):
        t = self.t
        cmdsn = be32(hdr, 24)
        iname = st.keys["InitiatorName"]
        tname = st.keys.get("TargetName", "")
        rflags = 0x80 | (csg << 2) | 3
        conn.max_data_in = st.ini_mrdsl
        conn.cid = st.cid
        if st.discovery:
            sess = Session(t, 0, st.isid, iname, tname, st.neg, True, cmdsn)
            conn.sess = sess
            sess.conns[st.cid] = conn
            self.login_rsp(conn, hdr, rflags, 0x7FFF, cmdsn, sess, data=body)
            conn.ffp = True
            conn.hd = st.neg.get("HeaderDigest") == "CRC32C"
            conn.dd = st.neg.get("DataDigest") == "CRC32C"
            self.log("login", peer=conn.name(), discovery=True, cid=st.cid,
                     initiator=iname)
            return True
        if st.tsih == 0:
            for old in list(t.sessions.values()):
                if old.iname == iname and old.isid == st.isid and old.tname == tname \
                        and old.tpgt == conn.tpgt:
                    self.log("session_reinstated", old_tsih=old.tsih,
                             isid=st.isid.hex(), tasks=len(old.tasks))
                    self.drop_session(old, "session reinstatement")
            params = {"ErrorRecoveryLevel": "0", "DefaultTime2Wait": "2",
                      "DefaultTime2Retain": "20", "MaxConnections": "1",
                      "MaxBurstLength": "262144", "FirstBurstLength": "65536",
                      "ImmediateData": "Yes", "InitialR2T": "Yes"}
            params.update(st.neg)
            sess = Session(t, t.tsih(), st.isid, iname, tname, params, False, cmdsn)
            sess.tpgt = conn.tpgt
            t.sessions[sess.tsih] = sess
            leading = True
            self.log("session_new", initiator=iname, params=params, tpgt=sess.tpgt,
                     **sess.sid())
        else:
            sess = t.sessions.get(st.tsih)
            if sess is None or sess.iname != iname or sess.isid != st.isid or \
                    sess.tpgt != conn.tpgt:
                return self.login_fail(conn, hdr, st, 2, 0x0A,
                                       "session does not exist (TSIH %d in portal "
                                       "group %d)" % (st.tsih, conn.tpgt))
            leading = False
        reinstated = None
        old = sess.conns.get(st.cid)
        if old is not None and not leading:
            kept_before = 0
            if not old.dead:
                old.closing = True
                old.kill()
                kept_before = self.conn_fail_tasks(sess, old, time.monotonic())
            exp = st.first_expstatsn
            acked = self.ack_old(sess, old, exp, "login")
            waiting = [hx(x.itt) for x in sess.tasks.values() if x.conn is None]
            reinstated = {"acked": acked, "closed_alive": kept_before > 0 or not old.dead,
                          "waiting": len(waiting)}
            sess.stats["conns_reinstated"] += 1
            self.log("conn_reinstated", cid=st.cid, expstatsn=exp,
                     old_statsn=old.statsn, acked=acked, waiting=waiting,
                     **sess.sid())
        elif len(sess.live_conns()) >= sess.max_conns and not leading:
            return self.login_fail(conn, hdr, st, 2, 0x06, "too many connections")
        conn.sess = sess
        sess.conns[st.cid] = conn
        sess.lost_since = None
        self.login_rsp(conn, hdr, rflags, sess.tsih, cmdsn, sess, data=body)
        conn.ffp = True
        # Digests from the first PDU after the last Login Response (13.1).
        conn.hd = st.neg.get("HeaderDigest") == "CRC32C"
        conn.dd = st.neg.get("DataDigest") == "CRC32C"
        self.log("login", peer=conn.name(), cid=st.cid, leading=leading,
                 reinstatement=reinstated is not None, initiator=iname,
                 statsn=conn.statsn, max_data_in=conn.max_data_in,
                 negotiated=st.neg, **sess.sid())
        return True

    # -------------------------------------------------------- full feature

    def serve(self, conn):
        why = "end of stream"
        try:
            if not self.login(conn):
                conn.writer.join(5)     # the failure response goes out first
                return
            while True:
                hdr, data, ddgst_ok = conn.read_pdu()
                with self.t.lock:
                    if conn.dead:
                        why = "closed by the target"
                        break
                    if conn.ending:
                        continue
                    if ddgst_ok:
                        self.handle(conn, hdr, data)
                    else:
                        self.data_digest_error(conn, hdr, data)
        except ConnGone as e:
            why = str(e)
        except ProtoError as e:
            why = "protocol error: %s" % e
            if not conn.ffp:
                self.log("protocol_error", peer=conn.name(), what=str(e))
        except Exception as e:      # a bug here must not take the target down
            why = "internal error: %r" % e
            self.log("protocol_error", peer=conn.name(), cid=conn.cid,
                     what="internal error %r" % e)
            import traceback
            traceback.print_exc()
        finally:
            with self.t.lock:
                self.conn_lost(conn, why)

    def handle(self, conn, hdr, data):
        sess = conn.sess
        op = hdr[0] & 0x3F
        imm = hdr[0] & 0x40
        if hdr[4]:
            self.proto_error(conn, "AHS on opcode 0x%02x" % op)
        if op not in (OP_NOP_OUT, OP_SCSI_CMD, OP_TMF, OP_TEXT, OP_DATA_OUT,
                      OP_LOGOUT, OP_SNACK):
            self.reject(conn, hdr, 0x04)
            self.proto_error(conn, "opcode 0x%02x in full feature phase" % op)
        if op == OP_LOGOUT and hdr[1] & 0x7F == 2 and be16(hdr, 20) != conn.cid:
            pass    # its ExpStatSN is the logged out connection's (11.14.4)
        else:
            self.ack(conn, be32(hdr, 28))
        if len(data) > conn.recv_limit:
            self.proto_error(conn, "data segment of %d bytes above the "
                             "MaxRecvDataSegmentLength %d declared" %
                             (len(data), conn.recv_limit))
        if op == OP_DATA_OUT:
            return self.data_out(conn, hdr, data)
        if op == OP_SNACK:
            return self.snack(conn, hdr)
        if op == OP_NOP_OUT and be32(hdr, 16) == RSVD:
            return      # answers a NOP-In ping; we send none
        if sess.discovery and op == OP_SCSI_CMD:
            self.reject(conn, hdr, 0x05)
            self.proto_error(conn, "SCSI command in a discovery session")
        cmdsn = be32(hdr, 24)
        if imm:
            if op == OP_SCSI_CMD:
                task = self.new_task(conn, hdr, data)
                if task:
                    self.task_start(task)
                return
            return self.ordered_pdu(conn, hdr, data)
        # Non-immediate: in CmdSN order, session-wide.
        if op == OP_SCSI_CMD:
            itt = be32(hdr, 16)
            old = sess.tasks.get(itt)
            if old is not None and old.cmdsn == cmdsn and not old.immediate:
                return self.retry(conn, old, hdr, data)
        if sn_lt(cmdsn, sess.exp_cmdsn):
            self.proto_error(conn, "%s CmdSN %d below ExpCmdSN %d, ITT %s not "
                             "outstanding: dropped" %
                             ("SCSI Command" if op == OP_SCSI_CMD else "opcode 0x%02x" % op,
                              cmdsn, sess.exp_cmdsn, hx(be32(hdr, 16))), close=False)
            return
        if sn_diff(sess.exp_cmdsn, cmdsn) >= sess.window:
            self.proto_error(conn, "CmdSN %d beyond MaxCmdSN %d: dropped" %
                             (cmdsn, sess.max_cmdsn()), close=False)
            return
        if cmdsn in sess.pending:
            self.proto_error(conn, "CmdSN %d received twice, ITT %s" %
                             (cmdsn, hx(be32(hdr, 16))), close=False)
            return
        if op == OP_SCSI_CMD:
            task = self.new_task(conn, hdr, data)
            if task is None:
                return
            sess.pending[cmdsn] = ("task", task)
        else:
            sess.pending[cmdsn] = ("pdu", conn, bytes(hdr), bytes(data))
        self.drain(sess)

    def drain(self, sess):
        while not sess.closed and sess.exp_cmdsn in sess.pending:
            item = sess.pending.pop(sess.exp_cmdsn)
            sess.exp_cmdsn = sn_add(sess.exp_cmdsn, 1)
            if item[0] == "task":
                self.task_start(item[1])
            else:
                _, c, hdr, data = item
                if not c.dead:
                    self.ordered_pdu(c, hdr, data)

    def new_task(self, conn, hdr, data):
        sess = conn.sess
        itt = be32(hdr, 16)
        if itt == RSVD:
            self.proto_error(conn, "SCSI Command with the reserved ITT")
        old = sess.tasks.get(itt)
        if old is not None:
            if old.state == "done" and old.status_statsn is not None:
                # The initiator has its status (it reuses the ITT): implicitly
                # acknowledged.
                self.drop_task(sess, old)
            else:
                self.proto_error(conn, "ITT %s reused while CmdSN %d with it is "
                                 "outstanding (%s)" % (hx(itt), old.cmdsn, old.state))
        if hdr[1] & 0x60 == 0x60:
            self.proto_error(conn, "bidirectional command")
        task = Task(conn, hdr, data)
        if data and not task.write:
            self.proto_error(conn, "immediate data on a command that writes nothing")
        if len(data) > min(sess.first_burst, task.edtl) or \
                (data and not sess.immediate_data):
            self.proto_error(conn, "immediate data of %d bytes (FirstBurstLength %d, "
                             "EDTL %d)" % (len(data), sess.first_burst, task.edtl))
        if task.write and len(data) < task.edtl and not hdr[1] & 0x80:
            self.proto_error(conn, "unsolicited Data-Out announced (F=0) with "
                             "InitialR2T=Yes")
        if itt in sess.noexist:
            del sess.noexist[itt]
            sess.stats["retries_unknown"] += 1
            self.log("retry", itt=hx(itt), cmdsn=task.cmdsn, cid=conn.cid, known=False,
                     dir=task.direction(), **sess.sid())
        sess.tasks[itt] = task
        return task

    def retry(self, conn, task, hdr, data):
        """A command sent again with its ITT and CmdSN (6.2.1): never
        executed twice; it continues on this connection from scratch."""
        sess = conn.sess
        if bytes(hdr[32:48]) != task.cdb or be32(hdr, 20) != task.edtl:
            self.proto_error(conn, "retry of ITT %s with another CDB or length" %
                             hx(task.itt))
        sess.stats["retries_known"] += 1
        self.log("retry", itt=hx(task.itt), cmdsn=task.cmdsn, cid=conn.cid, known=True,
                 state=task.state, dir=task.direction(), executions=task.executions,
                 **sess.sid())
        task.conn = conn
        task.lost_at = None
        task.plan = None
        if task.state == "data":
            n = min(len(data), task.edtl)
            task.buf[:n] = data[:n]     # the same data again
            task.received = max(task.received, n)
            # Discarded data that the immediate data brings again.
            task.holes = [h for h in task.holes if h[0] + h[1] > n]
            for h in task.holes:
                if h[0] < n:
                    h[1] -= n - h[0]
                    h[0] = n
            task.r2t = None
            task.r2tsn = 0
            if task.received >= task.edtl and not task.holes:
                self.task_execute(task)
            else:
                self.send_r2t(task)
        elif task.state == "done":
            self.send_result(task, 0)

    def data_out(self, conn, hdr, data, keep=True):
        sess = conn.sess
        itt, ttt = be32(hdr, 16), be32(hdr, 20)
        datasn, off = be32(hdr, 36), be32(hdr, 40)
        final = hdr[1] & 0x80
        if ttt == RSVD:
            self.proto_error(conn, "unsolicited Data-Out (ITT %s) with InitialR2T=Yes"
                             % hx(itt))
        task = sess.tasks.get(itt)
        if task is None or task.aborted:
            # Aborted meanwhile: the rest of its data is dropped.
            return
        r2t = task.r2t
        if task.conn is not conn or task.state != "data" or r2t is None or \
                r2t[0] != ttt:
            self.proto_error(conn, "Data-Out ITT %s TTT 0x%08x DataSN %d offset %d "
                             "for no R2T outstanding on this connection (state %s, "
                             "R2T %s)" % (hx(itt), ttt, datasn, off, task.state, r2t))
        if datasn != r2t[3] or off != r2t[4] or \
                off + len(data) > r2t[1] + r2t[2]:
            self.proto_error(conn, "Data-Out ITT %s DataSN %d offset %d length %d; "
                             "expected DataSN %d offset %d within R2T %d+%d" %
                             (hx(itt), datasn, off, len(data), r2t[3], r2t[4],
                              r2t[1], r2t[2]))
        if keep:
            task.buf[off:off + len(data)] = data
        elif len(data):
            task.holes.append([off, len(data)])
        r2t[4] += len(data)
        if r2t[5] is None:
            task.received = r2t[4]
        r2t[3] += 1
        end = r2t[1] + r2t[2]
        if final != 0 and r2t[4] != end:
            self.proto_error(conn, "Data-Out ITT %s: F at offset %d, R2T ends at %d" %
                             (hx(itt), r2t[4], end))
        if r2t[4] == end:
            if not final:
                self.proto_error(conn, "Data-Out ITT %s: R2T complete without F" %
                                 hx(itt))
            task.r2t = None
            if r2t[5] is not None:
                task.holes = [h for h in task.holes if h is not r2t[5]]
            if task.received >= task.edtl and not task.holes:
                self.task_execute(task)
            else:
                self.send_r2t(task)

    def ordered_pdu(self, conn, hdr, data):
        op = hdr[0] & 0x3F
        if op == OP_NOP_OUT:
            return self.nop_out(conn, hdr, data)
        if op == OP_TMF:
            return self.tmf(conn, hdr)
        if op == OP_TEXT:
            return self.text_req(conn, hdr, data)
        if op == OP_LOGOUT:
            return self.logout(conn, hdr)

    def nop_out(self, conn, hdr, data):
        sess = conn.sess
        exp, mx = self.sn_fields(sess)
        data = data[:conn.max_data_in]
        conn.send(pdu(OP_NOP_IN, 0x80, 0, 0, data, bytes(hdr[8:16]), be32(hdr, 16),
                      RSVD, conn.take_statsn(), exp, mx, 0, 0, 0))

    def text_req(self, conn, hdr, data):
        sess = conn.sess
        try:
            pairs = parse_text(data)
        except ProtoError as e:
            self.proto_error(conn, str(e))
        out = []
        flags, ttt = 0x80, 0xFFFFFFFF
        answers = {k: v for k, v in pairs if k in conn.reneg_offered}
        if conn.reneg_offered:
            # The request after our F=0 response carries our TTT (11.10.4)
            # and the answers to what it offered.
            if be32(hdr, 20) != conn.reneg_ttt:
                self.proto_error(conn, "Text Request TTT 0x%08x, not 0x%08x"
                                 % (be32(hdr, 20), conn.reneg_ttt))
            conn.reneg_offered = set()
            self.log("reneg_answers", cid=conn.cid, answers=answers, **sess.sid())
        for k, v in pairs:
            if k in answers:
                continue
            if k == "SendTargets":
                if v in ("All", self.args.target_name) or \
                        (v == "" and not sess.discovery):
                    out.append(("TargetName", self.args.target_name))
                    for p, tpgt in self.t.portals:
                        out.append(("TargetAddress", "%s,%d" % (p, tpgt)))
            else:
                out.append((k, "NotUnderstood"))
        statsn = conn.take_statsn()
        if conn.reneg_mrdsl:
            out.append(("MaxRecvDataSegmentLength", str(conn.reneg_mrdsl)))
            conn.pending_limit = (statsn, conn.reneg_mrdsl)
            self.log("renegotiated", cid=conn.cid, mrdsl=conn.reneg_mrdsl,
                     keys=[k for k, _ in pairs], **sess.sid())
            conn.reneg_mrdsl = None
            if conn.reneg_offers:
                # Offers want answers: the response goes on (F=0), and
                # the next request brings them (11.11.1).
                out.extend(conn.reneg_offers)
                conn.reneg_offered = {k for k, _ in conn.reneg_offers}
                conn.reneg_offers = []
                conn.reneg_ttt = ttt = 0x7E570000 | (statsn & 0xFFFF)
                flags = 0
        exp, mx = self.sn_fields(sess)
        conn.send(pdu(OP_TEXT_RSP, flags, 0, 0, text(out), ZERO8, be32(hdr, 16), ttt,
                      statsn, exp, mx, 0, 0, 0))

    def logout(self, conn, hdr):
        sess = conn.sess
        reason = hdr[1] & 0x7F
        cid = be16(hdr, 20)
        resp = 0
        target_conn = None
        acked = None
        t2w = sess.t2w
        t2r = sess.t2r
        if reason in (1, 2):
            target_conn = sess.conns.get(cid)
            if target_conn is None:
                resp = 1
            elif reason == 2 and sess.erl < 2:
                resp = 2
            elif reason == 2 and target_conn is not conn:
                # 11.14.4: the removed connection's last ExpStatSN; 11.15.2:
                # Time2Wait before reassigning (0 unless --control asked).
                acked = self.ack_old(sess, target_conn, be32(hdr, 28), "Logout")
                t2w, self.logout_t2w = self.logout_t2w, 0
                if self.logout_t2r is not None:
                    t2r, self.logout_t2r = self.logout_t2r, None
        elif reason != 0:
            self.proto_error(conn, "Logout reason %d" % reason)
        exp, mx = self.sn_fields(sess)
        left = [hx(t.itt) for t in sess.tasks.values()]
        waiting = [hx(t.itt) for t in sess.tasks.values() if t.conn is None]
        conn.send(pdu(OP_LOGOUT_RSP, 0x80, resp, 0, b"", ZERO8, be32(hdr, 16), 0,
                      conn.take_statsn(), exp, mx, 0, (t2w << 16) | t2r, 0))
        conn_left = [hx(t.itt) for t in sess.tasks.values()
                     if target_conn is not None and t.conn is target_conn]
        requested = conn.logout_deadline is not None
        conn.logout_deadline = None
        self.log("logout", cid=conn.cid, reason=reason, logout_cid=cid, response=resp,
                 requested=requested, conn_tasks_left=conn_left, acked=acked,
                 time2wait=t2w, time2retain=t2r,
                 tasks_left=left, recovery_left=waiting, stats=dict(sess.stats),
                 **sess.sid())
        if resp:
            return
        if reason == 0:
            conn.closing = True
            conn.close_after_send()
            conn.dead = True        # the response goes out, then the socket
            for c in sess.conns.values():
                if c is not conn:
                    c.closing = True
                    c.kill()
            if not sess.discovery:
                self.drop_session(sess, "logout")
            else:
                sess.closed = True
            return
        # Close one connection: this one (after the response) or another.
        if target_conn is conn:
            conn.closing = True
            conn.close_after_send()
            conn.dead = True
        elif not target_conn.dead:
            target_conn.closing = True
            target_conn.kill()
        if reason == 2:
            self.conn_fail_tasks(sess, target_conn, time.monotonic())
            lost = [t for t in sess.tasks.values()
                    if t.conn is None and t.lost_from is target_conn]
            if t2r == 0 and target_conn is not conn:
                # 11.15.4: Time2Retain 0, the tasks are discarded now.
                for t in lost:
                    self.drop_task(sess, t)
                self.log("tasks_discarded", logout_cid=cid,
                         itts=[hx(t.itt) for t in lost], **sess.sid())
            if target_conn is not conn and sess.conns.get(cid) is target_conn:
                del sess.conns[cid]     # free: a login with it is a new connection
        else:
            for task in list(sess.tasks.values()):
                if task.conn is target_conn:
                    self.drop_task(sess, task)
            if sess.conns.get(cid) is target_conn:
                del sess.conns[cid]
        if not sess.live_conns():
            if sess.tasks:
                sess.lost_since = time.monotonic()
            else:
                self.drop_session(sess, "last connection logged out")

    def tmf(self, conn, hdr):
        sess = conn.sess
        func = hdr[1] & 0x7F
        itt, rtt = be32(hdr, 16), be32(hdr, 20)
        refcmdsn, expdatasn = be32(hdr, 32), be32(hdr, 36)
        lun = decode_lun(hdr[8:16])
        name = TMF_NAMES.get(func, "function %d" % func)
        task = sess.tasks.get(rtt)
        after = None
        info = {}
        if func == 1:                               # ABORT TASK
            if task is not None and task.lun == lun:
                self.drop_task(sess, task)
                resp = TMF_COMPLETE
            else:
                resp = TMF_NO_TASK
        elif func in (2, 4, 5, 6):                  # task sets, LU and target reset
            if func != 6 and lun != 0:
                resp = TMF_NO_LUN
            else:
                n = 0
                for x in list(sess.tasks.values()):
                    if func == 6 or x.lun == lun:
                        self.drop_task(sess, x)
                        n += 1
                info["aborted"] = n
                resp = TMF_COMPLETE
        elif func == 3:                             # CLEAR ACA
            resp = TMF_COMPLETE
        elif func == 8 and self.reassign_busy > 0:  # TASK REASSIGN, refused
            self.reassign_busy -= 1
            sess.stats["reassign_busy"] += 1
            self.log("task_reassign_busy", cid=conn.cid, itt=hx(rtt), **sess.sid())
            self.reject(conn, hdr, 0x06)
            return
        elif func == 8:                             # TASK REASSIGN
            state = None if task is None else task.state
            if sess.erl < 2:
                resp = TMF_NO_FAILOVER
            elif task is None or task.aborted:
                resp = TMF_NO_TASK
                sess.noexist[rtt] = time.monotonic()
            elif task.lun != lun:
                resp = TMF_NO_LUN
            elif task.conn is not None and not task.conn.dead and task.conn is not conn:
                resp = TMF_ALLEGIANT
            else:
                resp = TMF_COMPLETE
                task.conn = conn
                task.lost_at = None
                after = task
                if task.write and task.state != "queued" and \
                        sn_lt(task.r2tsn, expdatasn):
                    self.proto_error(conn, "TASK REASSIGN of write ITT %s: ExpDataSN "
                                     "%d, but only R2TSN below %d were sent" %
                                     (hx(rtt), expdatasn, task.r2tsn), close=False)
            sess.stats["reassign_%d" % resp] += 1
            info = {"refcmdsn": refcmdsn, "expdatasn": expdatasn, "state": state}
            if task is not None:
                info.update(dir=task.direction(), cmdsn=task.cmdsn, edtl=task.edtl)
                if task.write:
                    info.update(received=task.received, r2tsn=task.r2tsn)
                if task.read and task.plan is not None:
                    info["datain_pdus"] = len(task.plan)
                if task.status_statsn is not None:
                    info["status_statsn"] = task.status_statsn
        else:                                       # TARGET COLD RESET, others
            resp = TMF_NOT_SUPPORTED
        exp, mx = self.sn_fields(sess)
        conn.send(pdu(OP_TMF_RSP, 0x80, resp, 0, b"", ZERO8, itt, 0, conn.take_statsn(),
                      exp, mx, 0, 0, 0))
        ev = "task_reassign" if func == 8 else "tmf"
        self.log(ev, function=name, cid=conn.cid, itt=hx(rtt), lun=lun, response=resp,
                 **info, **sess.sid())
        if after is not None:
            self.resume(after, expdatasn)

    def resume(self, task, expdatasn):
        """A reassigned task continues on its new connection."""
        if task.state == "queued":
            return                  # runs in CmdSN order, on task.conn
        if task.state == "data":
            task.r2t = None
            task.r2tsn = expdatasn
            self.send_r2t(task)
        else:
            self.send_result(task, expdatasn if task.read else 0)

    # -------------------------------------------------------- main

    def async_msg(self, line):
        """async EVENT CID P1 P2 P3 [MRDSL [K=V,...]]: see --control."""
        f = line.split()
        if len(f) not in (6, 7, 8) or f[0] != "async":
            self.log("control_error", line=line)
            return
        event, cid, p1, p2, p3 = (int(x) for x in f[1:6])
        mrdsl = int(f[6]) if len(f) >= 7 else None
        offers = [tuple(kv.split("=", 1)) for kv in f[7].split(",")] if len(f) == 8 else []
        if any(len(o) != 2 or not o[0] for o in offers):
            self.log("control_error", line=line)
            return
        with self.t.lock:
            for sess, c in self.live_conns(cid):
                statsn = c.take_statsn()
                exp, mx = self.sn_fields(sess)
                c.send(pdu(0x32, 0x80, 0, 0, b"", ZERO8, RSVD, 0, statsn, exp, mx,
                           (event << 24) | p1, (p2 << 16) | p3, 0))
                self.log("async_sent", cid=cid, async_event=event, p1=p1, p2=p2,
                         p3=p3, statsn=statsn, **sess.sid())
                if event == 1:
                    c.logout_deadline = time.monotonic() + p3
                elif event == 4:
                    c.reneg_mrdsl = mrdsl
                    c.reneg_offers = offers
                elif event in (2, 3):
                    victims = [sess.conns.get(p1)] if event == 2 else \
                        list(sess.conns.values())
                    threading.Timer(0.3, self.drop_conns, (victims,)).start()

    def bad_dlen(self, cid):
        """bad-dlen CID: an unsolicited NOP-In (the initiator's idle timer
        starts again), then 0.5 s later a NOP-In header claiming 16 MiB - 1
        of data, with none sent."""
        for bad in (False, True):
            with self.t.lock:
                for sess, c in self.live_conns(cid):
                    exp, mx = self.sn_fields(sess)
                    hdr = bytearray(pdu(0x20, 0x80, 0, 0, b"", ZERO8, RSVD, RSVD,
                                        c.statsn, exp, mx))
                    if bad:
                        hdr[5:8] = b"\xff\xff\xff"
                    c.send(bytes(hdr))
                    if bad:
                        self.log("bad_dlen_sent", cid=cid, **sess.sid())
            if not bad:
                time.sleep(0.5)

    def live_conns(self, cid):
        """(session, connection) for connection CID of every normal session
        that is open, where that connection is up. Called with t.lock."""
        for sess in list(self.t.sessions.values()):
            c = sess.conns.get(cid)
            if not (sess.discovery or sess.closed or c is None or c.dead):
                yield sess, c

    def urgent(self, cid):
        """urgent CID: one byte of TCP urgent data (MSG_OOB) after the PDUs
        queued on that connection; iSCSI never sends any."""
        with self.t.lock:
            for _, c in self.live_conns(cid):
                c.wq.put(URGENT)

    def drop_conns(self, victims):
        with self.t.lock:
            for c in victims:
                if c is not None and not c.dead:
                    c.kill()

    def control_loop(self, path):
        if not os.path.exists(path):
            os.mkfifo(path)
        while True:
            with open(path) as f:
                for line in f:
                    words = line.split()
                    if len(words) == 2 and words[0] == "reassign-busy" and \
                            words[1].isdigit():
                        with self.t.lock:
                            self.reassign_busy = int(words[1])
                        self.log("control", line=line.strip())
                    elif len(words) == 2 and words[0] == "logout-t2w" and \
                            words[1].isdigit():
                        with self.t.lock:
                            self.logout_t2w = int(words[1])
                        self.log("control", line=line.strip())
                    elif len(words) == 2 and words[0] == "logout-t2r" and \
                            words[1].isdigit():
                        with self.t.lock:
                            self.logout_t2r = int(words[1])
                        self.log("control", line=line.strip())
                    elif len(words) == 2 and words[0] == "snack-delay" and \
                            words[1].replace(".", "", 1).isdigit():
                        with self.t.lock:
                            self.snack_delay = max(0.0, min(float(words[1]), 60.0))
                        self.log("control", line=line.strip())
                    elif len(words) == 2 and words[0] == "bad-dlen" and \
                            words[1].isdigit():
                        self.bad_dlen(int(words[1]))
                    elif len(words) == 2 and words[0] == "urgent" and \
                            words[1].isdigit():
                        self.urgent(int(words[1]))
                    elif words:
                        self.async_msg(line.strip())

    def accept_loop(self, srv, tpgt):
        while True:
            try:
                sock, peer = srv.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Conn(self.t, sock, peer, tpgt)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def sha256(self):
        with self.t.lock:
            return hashlib.sha256(self.t.disk).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", action="append", help="ADDR:PORT[,TPGT] (repeatable)")
    ap.add_argument("--target-name", default="iqn.2003-01.org.kiscsi.test:erl")
    ap.add_argument("--size-mb", type=int, default=64)
    ap.add_argument("--erl", type=int, default=2, choices=[0, 1, 2])
    ap.add_argument("--t2w", type=int, default=1)
    ap.add_argument("--t2r", type=int, default=20)
    ap.add_argument("--max-data-in", type=int, default=8192)
    ap.add_argument("--status-apart", action="store_true")
    ap.add_argument("--cmd-window", type=int, default=32)
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--control")
    args = ap.parse_args()
    if not args.listen:
        args.listen = ["127.0.0.1:3262"]
    srv = Server(args)
    t = srv.t
    socks = []
    for addr, tpgt in t.portals:
        host, _, port = addr.rpartition(":")
        host = host.strip("[]")
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(16)
        socks.append(s)
        threading.Thread(target=srv.accept_loop, args=(s, tpgt), daemon=True).start()
    threading.Thread(target=srv.housekeeping, daemon=True).start()
    if args.control:
        threading.Thread(target=srv.control_loop, args=(args.control,),
                         daemon=True).start()

    def on_usr1(signum, frame):
        t.log("disk_sha256", sha256=srv.sha256(), bytes=len(t.disk))

    def on_term(signum, frame):
        t.log("exit", why="signal %d" % signum)
        os._exit(0)
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    t.log("listening", listen=args.listen, target=args.target_name,
          crc32c=crc32c is not None,
          size_mb=args.size_mb, erl=args.erl, t2w=args.t2w, t2r=args.t2r,
          pid=os.getpid())
    end = time.monotonic() + args.timeout
    while time.monotonic() < end:
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
    t.log("exit", why="timeout")
    os._exit(0)


if __name__ == "__main__":
    main()
