# Receives multicast datagrams inside a network namespace and reports the TTL (IPv4) or hop limit (IPv6)
# each arrived with, read from the kernel's ancillary data (IP_RECVTTL / IPV6_RECVHOPLIMIT), so
# netns.test.ts can check that the app's TTL setting reaches the wire. Python because Node's dgram
# cannot read ancillary data. Output: one JSON object per line, {"ready": port} then {"datagram", "ttl"}.
import json
import select
import socket
import struct
import sys
import time

family, group, where, expect, timeout_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)

if family == "udp4":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(where))
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", 0))
    mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", socket.if_nametoindex(where))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)

print(json.dumps({"ready": s.getsockname()[1]}), flush=True)
deadline = time.monotonic() + timeout_ms / 1000
got = 0
while got < expect:
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([s], [], [], left)[0]:
        break
    data, anc, _flags, _addr = s.recvmsg(65535, socket.CMSG_SPACE(4))
    ttl = next((struct.unpack("i", d[:4])[0] for (_lvl, _typ, d) in anc), None)
    print(json.dumps({"datagram": data.decode("utf-8", "replace"), "ttl": ttl}), flush=True)
    got += 1
