"""The floor under any Python SFU on this machine: a uvloop process that only receives UDP datagrams and
sends each one on to ``--fanout`` destinations, with no SRTP, parsing or bookkeeping.

    python -m loadtests.video.floor --rate 434 --fanout 3      # the SFU's traffic at N=4
    python -m loadtests.video.floor --rate 1410 --fanout 12    # ... and at N=13

Why: at 4 participants the SFU receives about 434 packets a second, one every 2.3 ms, and the process
sleeps between them. Waking up for each costs CPU that no forwarding logic can remove (on a VM, much
of it is the hypervisor's idle exit and a cold cache). This script measures that part alone, so the
SFU's own share can be read off the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import time
from typing import cast

from loadtests import machine

PAYLOAD = b"x" * 1100  # the size of a video packet of the benchmark's clip


class Forwarder(asyncio.DatagramProtocol):
    def __init__(self, fanout: int, sink: tuple[str, int]) -> None:
        self.fanout = fanout
        self.sink = sink
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is not a subclass

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        assert self.transport is not None
        for _ in range(self.fanout):
            self.transport.sendto(data, self.sink)


def send_at(rate: float, seconds: float, target: tuple[str, int]) -> None:
    """The publisher, in a child process: ``rate`` datagrams a second, evenly spaced."""
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        out.sendto(PAYLOAD, target)
        sent += 1
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))


async def measure(rate: float, fanout: int, seconds: float) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setblocking(False)
    transport, _ = await loop.create_datagram_endpoint(
        lambda: Forwarder(fanout, sink.getsockname()), local_addr=("127.0.0.1", 0))
    loop.add_reader(sink.fileno(), lambda: _drain(sink))
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only sends
        send_at(rate, seconds + 2, transport.get_extra_info("sockname"))
        os._exit(0)
    await asyncio.sleep(1)
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    await asyncio.sleep(seconds)
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - started
    await loop.run_in_executor(None, os.waitpid, child, 0)
    transport.close()
    # The sink is drained in this process too: a small part of the figure, as in the SFU's host.
    return (after.ru_utime - before.ru_utime) / wall, (after.ru_stime - before.ru_stime) / wall


def _drain(sink: socket.socket) -> None:
    try:
        while True:
            sink.recv(2048)
    except BlockingIOError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=434.0, help="datagrams received per second")
    parser.add_argument("--fanout", type=int, default=3, help="copies sent of each")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    import uvloop

    uvloop.install()
    print(f"machine: {machine.describe()}")
    user, system = asyncio.run(measure(args.rate, args.fanout, args.seconds))
    print(f"receive {args.rate:.0f}/s, send {args.fanout} copies of each: {user + system:.3f} cores "
          f"({user:.3f} user, {system:.3f} system), {(user + system) / args.rate * 1e6:.0f} us per packet received")


if __name__ == "__main__":
    main()
