#!/usr/bin/env python3
"""Hold N unauthenticated TCP connections to a `careledger serve` on 127.0.0.1.

The attacker of Specs/sync-transport.md §7.4 (issue 18): half the connections stay silent,
half trickle one byte per interval (a frame header announcing 32,768 bytes, then its body
byte by byte, so a frame is always in progress and never complete). A connection the server
closes is reopened after --reopen seconds, so the pressure stays at N. Connections come from
distinct loopback addresses (127.0.B.x; all of 127/8 reaches `lo` on Linux), --per-address
each. Prints one JSON line "ready" once all N are open, one "cycled" line once the server
has closed 2N of them (so the flood is in its steady state of evictions, deadlines and
reopenings), and a JSON summary on exit.

Only ever connects to 127.0.0.1. Usage:
  unauth-flood.py --port P [--count 1000] [--trickle-every 1.0] [--duration 30]
"""
import argparse, json, resource, selectors, socket, sys, time

HEADER = bytes([0x00, 0x00, 0x80, 0x00])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--trickle-every", type=float, default=1.0)
    parser.add_argument("--reopen", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--per-address", type=int, default=4)
    parser.add_argument("--block", type=int, default=100)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    sel = selectors.DefaultSelector()
    slots = [None] * args.count          # socket or None
    sent = [0] * args.count              # bytes sent on the current connection
    reopen_at = [0.0] * args.count
    stats = {"opened": 0, "closed_by_server": 0, "bytes_trickled": 0}

    def source(i):
        n = i // args.per_address
        return "127.0.%d.%d" % (args.block + n // 250, n % 250 + 2)

    def open_slot(i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((source(i), 0))
            s.connect(("127.0.0.1", args.port))
        except OSError:
            s.close()
            reopen_at[i] = time.monotonic() + args.reopen
            return
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        slots[i] = s
        sent[i] = 0
        stats["opened"] += 1

    def drop(i):
        s = slots[i]
        if s is None:
            return
        sel.unregister(s)
        s.close()
        slots[i] = None
        reopen_at[i] = time.monotonic() + args.reopen
        stats["closed_by_server"] += 1

    for i in range(args.count):
        open_slot(i)
    print(json.dumps({"ready": True, "open": sum(s is not None for s in slots)}), flush=True)

    cycled = False
    end = time.monotonic() + args.duration
    next_trickle = time.monotonic() + args.trickle_every
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            i = key.data
            try:
                data = slots[i].recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(i)
        now = time.monotonic()
        if not cycled and stats["closed_by_server"] >= 2 * args.count:
            cycled = True
            print(json.dumps({"cycled": True, **stats}), flush=True)
        if now >= next_trickle:
            next_trickle = now + args.trickle_every
            for i in range(1, args.count, 2):  # odd slots trickle, even slots stay silent
                s = slots[i]
                if s is None:
                    continue
                byte = HEADER[sent[i]:sent[i] + 1] or b"\x01"
                try:
                    s.send(byte)
                    sent[i] += 1
                    stats["bytes_trickled"] += 1
                except OSError:
                    drop(i)
        for i in range(args.count):
            if slots[i] is None and now >= reopen_at[i]:
                open_slot(i)
    stats["open_at_end"] = sum(s is not None for s in slots)
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    sys.exit(main())
