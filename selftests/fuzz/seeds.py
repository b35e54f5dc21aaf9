#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Write the seed corpora of the fuzz targets (selftests/fuzz/corpus/NAME/)
# from the packets, messages and configurations the tests use: PCP MAP
# answers as miniupnpd gives them, BFD control packets of a session coming
# Up and going Down, an echo reply from 192.0.0.1, the config files of the
# b4 tests, the dslite genl family's replies, events and errors, names and
# reasons. Deterministic; the files are committed, run this again after
# changing it. Inputs the fuzzers found stay next to these (named for what
# they found) and are not touched here.

import os
import struct
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# ---- PCP (RFC 6887 MAP answers, 60 bytes) ------------------------------
def pcp_answer(result, lifetime, epoch, nonce=b"\0" * 12, port=5000,
               ext_port=40000, ext=b"\0" * 10 + b"\xff\xff" + bytes([11, 0, 0, 1]),
               opcode=1, version=2, options=b""):
    hdr = struct.pack("!BBBBII", version, 0x80 | opcode, 0, result, lifetime,
                      epoch) + b"\0" * 12
    body = nonce + struct.pack("!B3xHH", 17, port, ext_port) + ext
    return hdr + body + options


def pcp_record(msg, flags=3, delay=0):
    n = len(msg)
    return struct.pack("!BHB", flags | ((n % 4) << 6), delay, n // 4) + msg


ok = pcp_answer(0, 120, 1000)
put("pcp", "success", pcp_record(ok))
put("pcp", "success-renew", pcp_record(ok) + pcp_record(pcp_answer(0, 120, 1060), delay=60000))
put("pcp", "network-failure", pcp_record(pcp_answer(3, 30, 1000)))
put("pcp", "no-resources", pcp_record(pcp_answer(8, 30, 1000)) * 3)
put("pcp", "epoch-regression", pcp_record(ok) + pcp_record(pcp_answer(0, 120, 0), delay=2000))
put("pcp", "unsupp-version", pcp_record(pcp_answer(1, 30, 1000, version=3)))
put("pcp", "third-party-option", pcp_record(pcp_answer(0, 120, 1000,
    options=struct.pack("!BBH", 1, 0, 16) + b"\0" * 16)))
put("pcp", "release", pcp_record(ok) + struct.pack("!BHB", 4, 10, 0) + pcp_record(pcp_answer(0, 0, 1001)))
put("pcp", "raw-answer", ok)

# ---- BFD (RFC 5880 control packets) -------------------------------------
def bfd(state, my, your, diag=0, flags=0, mult=3, tx=300000, rx=300000,
        length=24):
    return struct.pack("!BBBBIIIII", (1 << 5) | diag, (state << 6) | flags,
                       mult, length, my, your, tx, rx, 0)


def bfd_pkt(p, op=4, delay=0):
    return struct.pack("!BHB", op, delay, len(p)) + p


AFTR = 0x0AF70001
up = (bfd_pkt(bfd(1, AFTR, 0), op=0) + bfd_pkt(bfd(3, AFTR, 0), delay=10) +
      bfd_pkt(bfd(3, AFTR, 0, flags=0x20), delay=300))
put("bfd", "session-up", up)
put("bfd", "up-then-timeout", up + struct.pack("!BH", 1, 2000))
put("bfd", "up-then-admin-down", up + bfd_pkt(bfd(0, AFTR, 0, diag=7), delay=100))
put("bfd", "up-neighbor-down", up + bfd_pkt(bfd(1, AFTR, 0, diag=3), delay=100))
put("bfd", "poll-new-timers", up + struct.pack("!BHIIB", 2, 5, 100000, 100000, 5) +
    bfd_pkt(bfd(3, AFTR, 0, flags=0x10), delay=50) + struct.pack("!BH", 1, 100))
put("bfd", "local-admin", up + struct.pack("!BH", 7, 1) + struct.pack("!BH", 1, 1000) +
    struct.pack("!BH", 3, 1) + bfd_pkt(bfd(1, AFTR, 0), delay=10))
put("bfd", "auth-bit", bfd_pkt(bfd(1, AFTR, 0, flags=0x04, length=26) + b"\1\2"))
put("bfd", "wrong-discr", up + bfd_pkt(bfd(3, AFTR, 0x12345678), op=0))

# ---- ping (echo reply 192.0.0.1 -> 192.0.0.2 as ping_build() asks) ------
def echo_reply(seq, ident=0x1234, data=None, ttl=64, ihl=5):
    if data is None:
        data = struct.pack("<Q", 123456789) + bytes(range(8, 56))
    icmp = struct.pack("!BBHHH", 0, 0, 0, ident, seq) + data
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    opts = b"\1" * ((ihl - 5) * 4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(icmp),
                     seq, 0x4000, ttl, 1, 0, bytes([192, 0, 0, 1]),
                     bytes([192, 0, 0, 2])) + opts
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + icmp


put("ping", "reply", echo_reply(1))
put("ping", "reply-ip-options", echo_reply(2, ihl=7))
put("ping", "reply-short-data", echo_reply(3, data=b"\1\2\3"))
put("ping", "reply-bad-checksum", echo_reply(4)[:-1] + b"\xff")

# ---- config (the b4 tests' files and command lines) ----------------------
def conf(text):
    return b"\0" + text.encode()


def args(*words):
    return b"\1" + b"\0".join(w.encode() for w in words)


put("config", "health-pcp.conf", conf(
    "# B4: AFTR1 must keep its PCP mapping and answer pings, AFTR2 pings\n"
    "dev ds0\naftr 2001:db8:a1::2,health=all:pcp+ping\naftr 2001:db8:a2::2\n"
    "health ping\nping-interval 200\npcp-deadline 3000\npcp-port 40000\n"))
put("config", "bad-interval.conf", conf("# B4\ndev ds0\ninterval 5 # too fast\n"))
put("config", "no-value.conf", conf("dev ds0\ninterval\n"))
put("config", "nested.conf", conf("dev ds0\nconfig /etc/passwd\n"))
put("config", "aftr-option.conf", conf(
    "dev ds0\naftr 2001:db8:a1::2,health=all:pcp+ping\naftr 2001:db8:a2::2,health=pcp,ping\n"))
put("config", "carrier.conf", conf(
    "dev ds0\ndev ds1\nfailover carrier\nhold-down 5\npreempt on\ninterval 300\nmultiplier 3\n"))
put("config", "args-health", args("dev", "ds0", "health", "pcp", "aftr",
    "2001:db8::1,health=any:bfd+ping", "aftr", "2001:db8::2"))
put("config", "args-plain", args("dev", "ds0", "pcp-mode", "plain", "pcp-server",
    "2001:db8::53", "aftr", "2001:db8::1,pcp-server=2001:db8::1:53,health=all:bfd+pcp",
    "aftr", "2001:db8::2", "health", "pcp", "pcp-lifetime", "30"))
put("config", "args-name", args("dev", "ds0", "aftr-name", "aftr.example.net",
    "interval", "1000", "tunnel-wait", "forever", "ping-loss", "3/5"))

# ---- genl (netlink as the kernel sends it) -------------------------------
NLMSG_ERROR, NLMSG_DONE, GENL_ID_CTRL, FAMILY = 2, 3, 0x10, 0x20
NLM_F_MULTI, NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x2, 0x100, 0x200


def nla(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def nlmsg(typ, payload, flags=0, seq=1):
    n = 16 + len(payload)
    return struct.pack("=IHHII", n, typ, flags, seq, 0) + payload + b"\0" * ((4 - n % 4) % 4)


def genl(cmd, attrs, typ=FAMILY, flags=0):
    return nlmsg(typ, struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs), flags)


A = dict(IFINDEX=2, IFNAME=3, LOCAL=4, REMOTE=5, CARRIER=6, OPER_UP=7,
         ADMIN_UP=8, FORCED=9, DIAG=10, REASON=11, TRANSITIONS=12,
         SINCE_MS=13, EVENT=14)
loc = bytes.fromhex("20010db8010000000000000000000002")
rem = bytes.fromhex("20010db8000000000000000000000001")
tunnel = [nla(A["IFINDEX"], struct.pack("=I", 7)), nla(A["IFNAME"], b"dslite0\0"),
          nla(A["LOCAL"], loc), nla(A["REMOTE"], rem),
          nla(A["CARRIER"], b"\0"), nla(A["OPER_UP"], b"\1"), nla(A["ADMIN_UP"], b"\1"),
          nla(A["FORCED"], b"\1"), nla(A["DIAG"], b"\1"),
          nla(A["REASON"], "maintenance \"now\"\n caf\u00e9 \x1b[2J".encode() + b"\0"),
          nla(A["TRANSITIONS"], struct.pack("=Q", 3)),
          nla(A["SINCE_MS"], struct.pack("=Q", 81200))]
put("genl", "tunnel-get", genl(1, tunnel, flags=NLM_F_MULTI) + nlmsg(NLMSG_DONE, struct.pack("=i", 0), NLM_F_MULTI))
put("genl", "tunnel-event", genl(3, tunnel + [nla(A["EVENT"], b"\2")]))
put("genl", "tunnel-bad-size", genl(1, [nla(A["IFINDEX"], b"\7\0")]))
req_attrs = nla(A["IFNAME"], b"dslite0\0") + nla(A["CARRIER"], b"\0") + nla(A["DIAG"], b"\x63")
req = struct.pack("=IHHII", 20 + len(req_attrs), FAMILY, 5, 1, 0) + struct.pack("=BBH", 2, 1, 0) + req_attrs
ext = nla(1, b"Invalid diag code\0") + nla(2, struct.pack("=I", 36)) + nla(3, struct.pack("=I", 10))
put("genl", "error-extack", nlmsg(NLMSG_ERROR, struct.pack("=i", -22) + req + ext, NLM_F_ACK_TLVS))
put("genl", "error-capped", nlmsg(NLMSG_ERROR, struct.pack("=i", -19) + req[:16] + ext, NLM_F_ACK_TLVS | NLM_F_CAPPED))
put("genl", "error-bad-inner-len", nlmsg(NLMSG_ERROR, struct.pack("=i", -22) +
    struct.pack("=IHHII", 0xFFFFFFF9, FAMILY, 5, 1, 0) + ext, NLM_F_ACK_TLVS))
put("genl", "ack", nlmsg(NLMSG_ERROR, struct.pack("=i", 0) + req[:16]))
put("genl", "done-error", nlmsg(NLMSG_DONE, struct.pack("=i", -1) + nla(1, b"dump failed\0"), NLM_F_ACK_TLVS))
groups = nla(7 | 0x8000, nla(1, nla(2, struct.pack("=I", 0x15)) + nla(1, b"events\0")))
put("genl", "ctrl-family", genl(1, [nla(1, struct.pack("=H", FAMILY)), nla(2, b"dslite\0"),
    nla(3, struct.pack("=I", 1)), groups], typ=GENL_ID_CTRL))
put("genl", "ctrl-delfamily", genl(2, [nla(2, b"dslite\0")], typ=GENL_ID_CTRL))

# ---- json (shape, text buffer size, the string) --------------------------
for name, s in [("ascii", b"dslite0"), ("quote-newline", b'maintenance "now"\n\t\\'),
                ("utf8", "caf\u00e9 \u2603 \U0001F600".encode()),
                ("invalid-utf8", b"\xc3\x28 \xe0\x80\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xff"),
                ("control", bytes(range(1, 32)) + b"\x7f"),
                ("name-255", b"a" * 250 + b".net")]:
    put("json", name, bytes([0x45, 40]) + s)

print("seeds written under", root, file=sys.stderr)
