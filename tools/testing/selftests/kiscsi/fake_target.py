#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted iSCSI target that answers the first Login Request only.

For the kiscsi cases: login redirection (RFC 7143 11.13.5 status class 1,
with a TargetAddress), login failures by status, a target that never
answers, and malformed answers. It listens on one address, handles up to
--conns connections one after the other, logs every Login Request it got
as one JSON line (--log), and exits by itself after --conns connections or
--timeout seconds, whichever comes first. Python 3 standard library only.

  fake_target.py --listen 127.0.0.1:3261 --mode redirect \\
      --target-address 127.0.0.1:3260,1 [--detail 1] [--conns 1]

Modes:
  redirect  Login Response class 1 (--detail 1 temporary, 2 permanent)
            with the data "TargetAddress=<--target-address>"
  status    Login Response with --status CLASS/DETAIL and no data
  silent    read the request, never answer (until the peer goes)
  badop     answer with a NOP-In opcode (0x20) instead of a Login Response
  bigdata   Login Response whose DataSegmentLength is 16 MiB - 1
"""

import argparse
import json
import select
import socket
import struct
import sys
import time

BHS = 48
OP_LOGIN_REQ = 0x03
OP_LOGIN_RSP = 0x23


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out reading")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def parse_text(data):
    keys = {}
    for pair in data.split(b"\0"):
        if not pair:
            continue
        k, _, v = pair.partition(b"=")
        keys[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return keys


def read_pdu(sock, deadline):
    hdr = recv_exact(sock, BHS, deadline)
    ahs = hdr[4] * 4
    dlen = int.from_bytes(hdr[5:8], "big")
    pad = (4 - dlen % 4) % 4
    rest = recv_exact(sock, ahs + dlen + pad, deadline) if ahs + dlen + pad else b""
    return hdr, rest[ahs:ahs + dlen]


def login_rsp(req, statsn, status_class, detail, data=b"", opcode=OP_LOGIN_RSP,
              dlen=None):
    """A Login Response to the Login Request header req (RFC 7143 11.13)."""
    flags = req[1] & 0x0C            # CSG of the request; T=0, C=0, NSG=0
    isid = req[8:14]
    itt = req[16:20]
    cmdsn = struct.unpack(">I", req[24:28])[0]
    if dlen is None:
        dlen = len(data)
    hdr = struct.pack(
        ">BBBBB3s6sH4s4sIIIBB10s",
        opcode,                      # 0: opcode
        flags,                       # 1: T C . . CSG NSG
        0x00,                        # 2: Version-max
        0x00,                        # 3: Version-active
        0,                           # 4: TotalAHSLength
        dlen.to_bytes(3, "big"),     # 5-7: DataSegmentLength
        isid,                        # 8-13: ISID (echoed)
        0,                           # 14-15: TSIH (no session)
        itt,                         # 16-19: Initiator Task Tag (echoed)
        b"\0" * 4,                   # 20-23: reserved
        statsn,                      # 24-27: StatSN
        cmdsn,                       # 28-31: ExpCmdSN
        cmdsn,                       # 32-35: MaxCmdSN
        status_class,                # 36: Status-Class
        detail,                      # 37: Status-Detail
        b"\0" * 10)                  # 38-47: reserved
    assert len(hdr) == BHS
    pad = (4 - len(data) % 4) % 4
    return hdr + data + b"\0" * pad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:3261", help="ADDR:PORT")
    ap.add_argument("--mode", default="redirect",
                    choices=["redirect", "status", "silent", "badop", "bigdata"])
    ap.add_argument("--target-address", default="127.0.0.1:3260,1",
                    help="TargetAddress value of a redirect")
    ap.add_argument("--detail", type=int, default=1,
                    help="redirect Status-Detail: 1 temporary, 2 permanent")
    ap.add_argument("--status", default="2/3", help="CLASS/DETAIL for --mode status")
    ap.add_argument("--conns", type=int, default=1,
                    help="connections to serve before exiting")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds before exiting anyway")
    ap.add_argument("--log", help="append one JSON line per event here")
    args = ap.parse_args()

    host, _, port = args.listen.rpartition(":")
    end = time.monotonic() + args.timeout
    logf = open(args.log, "a", buffering=1) if args.log else sys.stdout

    def event(**kw):
        logf.write(json.dumps(kw, sort_keys=True) + "\n")
        logf.flush()

    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host.strip("[]"), int(port)))
    srv.listen(8)
    event(event="listening", listen=args.listen, mode=args.mode)
    statsn = 0x1000
    served = 0
    while served < args.conns:
        left = end - time.monotonic()
        if left <= 0:
            event(event="timeout", served=served)
            return 0
        r, _, _ = select.select([srv], [], [], left)
        if not r:
            continue
        conn, peer = srv.accept()
        served += 1
        conn.settimeout(None)
        try:
            hdr, data = read_pdu(conn, end)
            keys = parse_text(data)
            event(event="login", conn=served, peer="%s:%d" % peer[:2],
                  opcode=hdr[0], flags=hdr[1], isid=hdr[8:14].hex(),
                  tsih=struct.unpack(">H", hdr[14:16])[0],
                  itt=struct.unpack(">I", hdr[16:20])[0],
                  cid=struct.unpack(">H", hdr[20:22])[0],
                  cmdsn=struct.unpack(">I", hdr[24:28])[0],
                  expstatsn=struct.unpack(">I", hdr[28:32])[0], keys=keys)
            if hdr[0] & 0x3F != OP_LOGIN_REQ:
                event(event="not-a-login", conn=served, opcode=hdr[0])
                continue
            if args.mode == "redirect":
                text = ("TargetAddress=%s" % args.target_address).encode() + b"\0"
                conn.sendall(login_rsp(hdr, statsn, 1, args.detail, text))
            elif args.mode == "status":
                cls, _, det = args.status.partition("/")
                conn.sendall(login_rsp(hdr, statsn, int(cls, 0), int(det, 0)))
            elif args.mode == "badop":
                conn.sendall(login_rsp(hdr, statsn, 0, 0, opcode=0x20))
            elif args.mode == "bigdata":
                conn.sendall(login_rsp(hdr, statsn, 0, 0, b"\0" * 64,
                                       dlen=0xFFFFFF))
            statsn += 1
            # Wait for the initiator to close (or the deadline): a redirect
            # ends the connection on the initiator's side (RFC 7143 6.2).
            t0 = time.monotonic()
            while time.monotonic() < end:
                r, _, _ = select.select([conn], [], [], end - time.monotonic())
                if r and not conn.recv(4096):
                    break
            event(event="closed", conn=served,
                  held=round(time.monotonic() - t0, 2))
        except (OSError, TimeoutError, ConnectionError) as e:
            event(event="error", conn=served, error=str(e))
        finally:
            conn.close()
    event(event="done", served=served)
    return 0


if __name__ == "__main__":
    sys.exit(main())
