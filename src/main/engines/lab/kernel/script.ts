// The kernel check's relay and endpoints (Python), run with python3 -c by ./index.ts. Kept as a string in
// a module so every bundler and runner (electron-vite, esbuild, Vitest, tsx) carries it along without
// asset handling. Python because the relay needs ioctl(TUNSETIFF) and setns(2), which Node lacks.
export const KERNEL_TCP_PY = String.raw`"""Wirelab lab: Linux's own TCP through an impairing relay at the IP level.

Two network namespaces, each with a TUN device; this process relays every IP packet between the two TUN
devices and applies the lab's seeded decisions (drop, duplicate, reorder, delay +- jitter, bandwidth) to
the packets that carry TCP data from the sender to the receiver, and the path delay to everything else.
A sender process inside namespace A sends the lab's numbered messages over a real kernel TCP connection
(CUBIC, TCP_NODELAY) to a receiver process inside namespace B, which records every read.

Python because the relay needs ioctl(TUNSETIFF) and setns(2), which Node does not offer. Needs Linux,
root (or CAP_NET_ADMIN + CAP_SYS_ADMIN), /dev/net/tun and iproute2. Input: one JSON object as argv[1].
Output: one JSON object on stdout (or {"error": ...} and exit status 1).
"""

import ctypes
import fcntl
import heapq
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
TCP_CONGESTION = 13
TCP_INFO = 11
ADDR_A = "10.77.0.1"
ADDR_B = "10.77.0.2"
PORT = 5001

libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Prng:
    """mulberry32, bit for bit the lab's Prng (impairment.ts), so a seed gives the same decisions."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0


def imul(a, b):
    return (a * b) & 0xFFFFFFFF


class Impairment:
    """Four draws per data packet (loss, duplicate, reorder, jitter), as Impairment.decide() does."""

    def __init__(self, o, seed):
        self.o = o
        self.prng = Prng(seed)

    def decide(self):
        a, b, c, d = (self.prng.next() for _ in range(4))
        j = self.o["jitterMs"]
        jitter = (d * 2 - 1) * j if j else 0.0
        return (
            a * 100 < self.o["lossPct"],
            b * 100 < self.o["dupPct"],
            c * 100 < self.o["reorderPct"],
            max(0.0, self.o["delayMs"] + jitter),
        )


def tcp_payload_len(pkt):
    """Bytes of TCP payload in an IPv4 packet (0 for anything else)."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return 0
    ihl = (pkt[0] & 0x0F) * 4
    total = struct.unpack_from("!H", pkt, 2)[0]
    if len(pkt) < ihl + 20:
        return 0
    doff = (pkt[ihl + 12] >> 4) * 4
    return max(0, total - ihl - doff)


class Relay(threading.Thread):
    def __init__(self, o, tun_a, tun_b):
        super().__init__(daemon=True)
        self.o = o
        self.a = tun_a
        self.b = tun_b
        self.model = Impairment(o, o["seed"])
        self.heap = []
        self.n = 0
        self.held = []
        self.held_until = None
        self.free_at = 0.0
        self.stop = False
        self.stats = {"units": 0, "dropped": 0, "duplicated": 0, "reordered": 0, "queueDropped": 0}

    def schedule(self, due, fd, pkt):
        self.n += 1
        heapq.heappush(self.heap, (due, self.n, fd, pkt))

    def link(self, now, size):
        """Departure time on a capped link, or None when its queue is full (the bandwidth option)."""
        kbps = self.o["bandwidthKbps"]
        if kbps <= 0:
            return now
        start = max(now, self.free_at)
        if (start - now) * kbps / 8 > self.o["maxQueueBytes"]:
            return None
        self.free_at = start + size * 8 / kbps / 1000.0
        return self.free_at

    def release_held(self, now, delay):
        for pkt in self.held:
            self.schedule(now + delay + 0.0005, self.b, pkt)
        self.held = []
        self.held_until = None

    def forward_data(self, pkt, now):
        self.stats["units"] += 1
        drop, dup, reorder, delay_ms = self.model.decide()
        if drop:
            self.stats["dropped"] += 1
            return
        leaves = self.link(now, len(pkt))
        if leaves is None:
            self.stats["queueDropped"] += 1
            return
        copies = 2 if dup else 1
        if dup:
            self.stats["duplicated"] += 1
        if reorder and not self.held:
            self.stats["reordered"] += 1
            self.held = [pkt] * copies
            self.held_until = now + self.o["reorderHoldMs"] / 1000.0
            return
        for _ in range(copies):
            self.schedule(leaves + delay_ms / 1000.0, self.b, pkt)
        if self.held:
            self.release_held(leaves, delay_ms / 1000.0)

    def run(self):
        one_way = self.o["delayMs"] / 1000.0
        while not self.stop:
            now = time.monotonic()
            while self.heap and self.heap[0][0] <= now:
                _, _, fd, pkt = heapq.heappop(self.heap)
                try:
                    os.write(fd, pkt)
                except OSError:
                    pass
            if self.held_until is not None and self.held_until <= now:
                self.release_held(now, one_way)
            wait = 0.05
            if self.heap:
                wait = min(wait, self.heap[0][0] - now)
            if self.held_until is not None:
                wait = min(wait, self.held_until - now)
            # select(), not poll(): its timeout has microseconds, poll()'s whole milliseconds.
            for fd in select.select([self.a, self.b], [], [], max(0.0, wait))[0]:
                for _ in range(64):
                    try:
                        pkt = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    now = time.monotonic()
                    if fd == self.a:
                        if tcp_payload_len(pkt) > 0:
                            self.forward_data(pkt, now)
                        else:
                            self.schedule(now + one_way, self.b, pkt)
                    else:
                        self.schedule(now + one_way, self.a, pkt)


def open_tun(ns):
    """A TUN device named wl0 inside namespace ns (created there because this thread is there)."""
    setns(ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"wl0", IFF_TUN | IFF_NO_PI))
    return fd


def in_thread(fn):
    """Runs fn in a fresh thread, so its setns() leaves the main thread's namespace alone."""
    box = {}

    def run():
        try:
            box["v"] = fn()
        except BaseException as e:  # reported by the caller
            box["e"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    return box["v"]


def message(seq, size):
    return struct.pack("!II", seq, size) + b"." * (size - 8)


def main():
    o = json.loads(sys.argv[1])
    sys.setswitchinterval(0.0002)  # relay thread and main thread share the GIL: keep hand-offs short
    try:
        # Real-time priority (inherited by the endpoints): other load on the machine must not add to the
        # delays being measured. It sleeps in select()/recv() between packets, so it never hogs a core.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError):
        pass
    tag = "wirelab-lab-%d" % os.getpid()
    ns_a, ns_b = tag + "-a", tag + "-b"
    created = []
    tuns = []

    def cleanup(*_):
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        created.clear()

    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), os._exit(143)))
    try:
        mtu = o["mss"] + 52  # IPv4 + TCP headers + timestamps: the kernel's MSS equals the lab's
        for ns, me, peer in ((ns_a, ADDR_A, ADDR_B), (ns_b, ADDR_B, ADDR_A)):
            ip("netns", "add", ns)
            created.append(ns)
            tuns.append(in_thread(lambda ns=ns: open_tun(ns)))
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "link", "set", "wl0", "mtu", str(mtu), "up")
            ip("-n", ns, "addr", "add", me, "peer", peer, "dev", "wl0")
            # The lab's minimum RTO as a route attribute (Linux's per-route tcp_rto_min).
            ip("-n", ns, "route", "replace", peer, "dev", "wl0", "rto_min", "%dms" % o["rtoMs"])
            subprocess.run(
                [
                    "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                    "net.ipv4.tcp_no_metrics_save=1",
                    "net.ipv6.conf.all.disable_ipv6=1",
                ],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
        relay = Relay(o, tuns[0], tuns[1])
        relay.start()
        out = run_pair(o, ns_a, ns_b)
        relay.stop = True
        relay.join(1)
        out["relay"] = relay.stats
        out["counters"] = counters(ns_a)
        print(json.dumps(out))
    except Exception as e:  # one line for the caller, which maps it to a coded error
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
        sys.exit(1)
    finally:
        for fd in tuns:
            os.close(fd)
        cleanup()


def forked(fn):
    """Runs fn() in a child process (its own interpreter lock, its own namespace); returns a reader."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            result = fn()
        except BaseException as e:  # reported to the parent as data
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        with os.fdopen(w, "w") as f:
            json.dump(result, f)
        os._exit(0)
    os.close(w)

    def collect():
        with os.fdopen(r) as f:
            text = f.read()
        os.waitpid(pid, 0)
        data = json.loads(text) if text else {"error": "child exited without a result"}
        if "error" in data:
            raise RuntimeError(data["error"])
        return data

    return collect


def receiver(o, ns_b, ready_w):
    setns(ns_b)
    deadline = time.monotonic() + o["maxRunMs"] / 1000.0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Set on the listener so the accepted socket's window starts from it (the lab's receive buffer).
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, o["rcvBufBytes"])
    srv.bind((ADDR_B, PORT))
    srv.listen(1)
    os.write(ready_w, b"1")
    srv.settimeout(10)
    c, _ = srv.accept()
    # The sender's first message is due when its connect() returns, half a round trip before this.
    t0 = time.monotonic() - o["delayMs"] / 1000.0
    pause_at = t0 + o["pauseAtMs"] / 1000.0
    pause_end = pause_at + o["pauseMs"] / 1000.0
    c.settimeout(max(1.0, deadline - time.monotonic()))
    reads = []
    timed_out = False
    try:
        while True:
            now = time.monotonic()
            if pause_at <= now < pause_end:
                time.sleep(pause_end - now)  # the application is busy: nothing is read
            d = c.recv(1 << 20)
            if not d:
                break
            reads.append((time.monotonic(), len(d)))
    except socket.timeout:
        timed_out = True
    c.close()
    srv.close()
    return {"reads": reads, "timedOut": timed_out}


def sender(o, ns_a):
    setns(ns_a)
    count, size, rate = o["count"], o["size"], o["rate"]
    deadline = time.monotonic() + o["maxRunMs"] / 1000.0
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Per socket: a namespace other than the first may not change its default congestion control.
    s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, b"cubic")
    cc = s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b"\0").decode()
    t_conn = time.monotonic()
    s.connect((ADDR_B, PORT))
    t0 = time.monotonic()
    s.setblocking(False)
    interval = 1.0 / rate
    sent = 0
    pending = b""
    blocked_since = None
    blocked = 0.0
    while (sent < count or pending) and time.monotonic() < deadline:
        now = time.monotonic()
        due = min(count, int((now - t0) / interval) + 1)
        while sent < due:
            pending += message(sent, size)
            sent += 1
        if pending:
            try:
                pending = pending[s.send(pending):]
            except BlockingIOError:
                pass
            if pending and blocked_since is None:
                blocked_since = now
            if not pending and blocked_since is not None:
                blocked += now - blocked_since
                blocked_since = None
        if pending:
            select.select([], [s], [], 0.05)
        elif sent < count:
            time.sleep(max(0.0, min(0.05, t0 + sent * interval - time.monotonic())))
    if blocked_since is not None:
        blocked += time.monotonic() - blocked_since
    # Every byte handed to the kernel; wait until it is acknowledged before closing (teardown timing).
    while tcp_unacked(s) > 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    info = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 192)
    retrans = struct.unpack_from("I", info, 100)[0] if len(info) >= 104 else 0
    # tcpi_rwnd_limited (Linux 4.10+): microseconds the sender was held back by the receive window.
    rwnd_limited = struct.unpack_from("Q", info, 176)[0] / 1000 if len(info) >= 184 else None
    s.setblocking(True)
    s.settimeout(max(1.0, deadline - time.monotonic()))
    t_end = time.monotonic()
    s.shutdown(socket.SHUT_WR)
    teardown = None
    try:
        while s.recv(4096):
            pass
        teardown = (time.monotonic() - t_end) * 1000
    except socket.timeout:
        pass
    s.close()
    return {
        "congestionControl": cc,
        "t0": t0,
        "sent": sent,
        "handshakeMs": (t0 - t_conn) * 1000,
        "teardownMs": teardown,
        "senderBlockedMs": blocked * 1000,
        "retransmissions": retrans,
        "windowLimitedMs": rwnd_limited,
    }


def run_pair(o, ns_a, ns_b):
    ready_r, ready_w = os.pipe()
    rx = forked(lambda: receiver(o, ns_b, ready_w))
    os.close(ready_w)
    ok = select.select([ready_r], [], [], 10)[0] and os.read(ready_r, 1) == b"1"
    os.close(ready_r)
    if not ok:
        rx()  # raises the receiver's error
        raise RuntimeError("receiver did not start")
    tx = forked(lambda: sender(o, ns_a))
    out = tx()
    got = rx()
    t0 = out.pop("t0")
    out["timedOut"] = got["timedOut"] or out["sent"] < o["count"]
    out["reads"] = [[round((t - t0) * 1000, 3), n] for t, n in got["reads"]]
    return out


COUNTERS = {
    "TcpExtTCPLossProbes": "tailLossProbes",
    "TcpExtTCPTimeouts": "timeouts",
    "TcpExtTCPSackRecovery": "fastRecoveries",
    "TcpExtTCPSpuriousRTOs": "spuriousTimeouts",
    "TcpExtTCPDSACKRecv": "dsacksReceived",
}


def counters(ns):
    """The sender namespace's own TCP counters (each namespace has its MIB): how losses were repaired."""
    try:
        text = subprocess.run(
            ["ip", "netns", "exec", ns, "nstat", "-az"], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in COUNTERS:
            out[COUNTERS[parts[0]]] = int(parts[1])
    return out


def tcp_unacked(s):
    info = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 32)
    return struct.unpack_from("I", info, 24)[0]


if __name__ == "__main__":
    main()
`;
