#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send malformed kiscsi netlink requests and check each is refused with an
errno and, where the kernel can say why, an extack message.

Raw sockets on purpose: kiscsictl only builds well-formed requests. Prints
one line per probe and exits 1 if any probe was accepted or came back
without the expected explanation.
"""

import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11


def uapi_enums():
    """The enumerators of include/uapi/linux/kiscsi.h, by name."""
    path = os.path.join(os.path.dirname(os.path.realpath(__file__)),
                        "..", "..", "..", "..", "include", "uapi", "linux", "kiscsi.h")
    vals = {}
    with open(path) as f:
        text = f.read()
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, re.S):
        n = -1
        for item in body.split(","):
            item = re.sub(r"/\*.*?\*/", "", item, flags=re.S).strip()
            if not item:
                continue
            m = re.fullmatch(r"(\w+)\s*(?:=\s*(.+))?", item, re.S)
            if not m:
                continue
            if m.group(2) is not None:
                expr = m.group(2).strip()
                n = int(expr, 0) if re.fullmatch(r"\d+|0x[0-9a-fA-F]+", expr) \
                    else eval(expr, {}, dict(vals))
            else:
                n += 1
            vals[m.group(1)] = n
    return vals


U = uapi_enums()
KISCSI_CMD_VERSION_GET = U["KISCSI_CMD_VERSION_GET"]
KISCSI_CMD_LOGIN = U["KISCSI_CMD_LOGIN"]
KISCSI_A_VERSION_API_VERSION = U["KISCSI_A_VERSION_API_VERSION"]
KISCSI_A_SESSION_NOP_INTERVAL = U["KISCSI_A_SESSION_NOP_INTERVAL"]
KISCSI_A_SESSION_NOP_TIMEOUT = U["KISCSI_A_SESSION_NOP_TIMEOUT"]


def nla(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.s.settimeout(5)
        self.seq = 1

    def request(self, mtype, cmd, attrs=b"", reserved=0, version=1, raw=None):
        """Return (errno, extack message, list of answer payloads)."""
        self.seq += 1
        payload = raw if raw is not None else struct.pack("BBH", cmd, version, reserved) + attrs
        msg = struct.pack("IHHII", 16 + len(payload), mtype,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + payload
        self.s.send(msg)
        answers = []
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, typ, flags, seq, _ = struct.unpack_from("IHHII", data, off)
                if ln < 16 or off + ln > len(data):
                    return (errno.EBADMSG, "", answers)
                body = data[off + 16:off + ln]
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("i", body, 0)[0]
                    msg = ""
                    if flags & NLM_F_ACK_TLVS:
                        aoff = 4 + 16
                        if not flags & NLM_F_CAPPED:
                            aoff = 4 + struct.unpack_from("I", body, 4)[0]
                        while aoff + 4 <= len(body):
                            alen, atype = struct.unpack_from("HH", body, aoff)
                            if alen < 4:
                                break
                            if atype == NLMSGERR_ATTR_MSG:
                                msg = body[aoff + 4:aoff + alen].split(b"\0")[0].decode()
                            aoff += (alen + 3) & ~3
                    return (err, msg, answers)
                answers.append(body)
                off += (ln + 3) & ~3

    def family(self, name):
        err, _, answers = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                       nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err:
            sys.exit(f"FAIL: family {name} not found: {os.strerror(err)}")
        body = answers[0]
        off = 4
        while off + 4 <= len(body):
            alen, atype = struct.unpack_from("HH", body, off)
            if atype == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("H", body, off + 4)[0]
            off += (alen + 3) & ~3
        sys.exit("FAIL: no family id")


def main():
    nl = Genl()
    fam = nl.family("kiscsi")
    u32 = lambda v: struct.pack("I", v)
    probes = [
        # name, kwargs, expect extack text
        ("api-version below its minimum", dict(attrs=nla(KISCSI_A_VERSION_API_VERSION, u32(0))), True),
        ("u32 attribute two bytes long", dict(attrs=nla(KISCSI_A_VERSION_API_VERSION, b"\1\0")), True),
        ("unknown attribute type", dict(attrs=nla(99, u32(1))), True),
        ("attribute length past the message", dict(attrs=struct.pack("HH", 64, KISCSI_A_VERSION_API_VERSION) + u32(1)), True),
        ("non-zero reserved header field", dict(reserved=1), False),
        ("unknown command", dict(cmd=200), False),
        ("genl header cut short", dict(raw=b"\1\1"), False),
        # The login's bounds are the policy's: refused before the handler
        # looks for a target.
        ("login nop-timeout 0", dict(cmd=KISCSI_CMD_LOGIN,
                                     attrs=nla(KISCSI_A_SESSION_NOP_TIMEOUT, u32(0))), True),
        ("login nop-interval 3601", dict(cmd=KISCSI_CMD_LOGIN,
                                         attrs=nla(KISCSI_A_SESSION_NOP_INTERVAL, u32(3601))),
         True),
    ]
    bad = 0
    for name, kw, want_msg in probes:
        cmd = kw.pop("cmd", KISCSI_CMD_VERSION_GET)
        err, msg, _ = nl.request(fam, cmd, **kw)
        ok = err != 0 and (msg or not want_msg)
        print(f"{'ok' if ok else 'FAIL'}: {name}: errno {errno.errorcode.get(err, err)}, "
              f"extack {msg!r}")
        bad += not ok
    # And the well-formed request still works on the same socket.
    err, _, answers = nl.request(fam, KISCSI_CMD_VERSION_GET,
                                 nla(KISCSI_A_VERSION_API_VERSION, u32(1)))
    print(f"{'ok' if not err and answers else 'FAIL'}: well-formed request answered")
    bad += bool(err or not answers)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
