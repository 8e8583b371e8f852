"""One load-generator process: its share of the groups, connected with lean WebSocket clients.

A generator owns whole groups, so "received by every member" is timed on one clock. It connects and joins
everything, says ready, waits for go, sends at its share of the rate for the duration (each send from a
random member of the next group, as its own task), then waits for the stragglers and reports.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import uvloop

from loadtests.chat.wire import Wire


@dataclass
class Group:
    room: int
    tokens: list[str]


@dataclass
class Plan:
    url: str
    groups: list[Group]
    rate: float  # sends per second from this generator
    duration: float
    drain: float
    index: int
    text_chars: int


@dataclass
class Pending:
    sent_at: float
    members: int
    group: int
    receivers: set[int] = field(default_factory=set)
    acked_at: float | None = None
    done_at: float | None = None


class Generator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.pending: dict[str, Pending] = {}
        self.errors: Counter[str] = Counter()
        self.duplicates = 0
        self.deliveries = 0
        self.strangers = 0  # deliveries of messages this generator did not send (should be none)
        self.seq_gaps = 0
        self.last_seq: dict[tuple[int, int], int] = {}

    def on_event(self, wire: Wire, event: str, payload: Any) -> None:
        if event != "message":
            return
        now = time.perf_counter()
        self.deliveries += 1
        key = (wire.index, payload["room"])
        previous = self.last_seq.get(key)
        if previous is not None and payload["change_seq"] != previous + 1:
            self.seq_gaps += 1
        self.last_seq[key] = payload["change_seq"]
        entry = self.pending.get(payload["client_id"])
        if entry is None:
            self.strangers += 1
            return
        if wire.index in entry.receivers:
            self.duplicates += 1
            return
        entry.receivers.add(wire.index)
        if len(entry.receivers) == entry.members:
            entry.done_at = now

    async def send(self, wire: Wire, group: Group, g: int, client_id: str, text: str) -> None:
        entry = self.pending[client_id] = Pending(time.perf_counter(), len(group.tokens), g)
        try:
            ack = await wire.call("send", {"room": group.room, "text": text, "client_id": client_id})
        except Exception as exc:  # timeouts and disconnects are errors of the run, not of the generator
            self.errors[type(exc).__name__] += 1
            del self.pending[client_id]
            return
        if isinstance(ack, dict) and "error" in ack:
            self.errors[ack["error"]["code"]] += 1
            del self.pending[client_id]
            return
        entry.acked_at = time.perf_counter()

    async def run(self, pipe: Connection) -> dict[str, Any]:
        plan = self.plan
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            wires: list[list[Wire]] = []
            gate = asyncio.Semaphore(64)
            index = 0

            async def open_one(wire: Wire, room: int) -> None:
                async with gate:
                    await wire.connect()
                    ack = await wire.call("join", {"room": room}, timeout=30)
                    if "error" in ack:
                        raise RuntimeError(f"join failed: {ack}")

            tasks = []
            for group in plan.groups:
                members = []
                for token in group.tokens:
                    wire = Wire(http, plan.url, token, self.on_event, index)
                    index += 1
                    members.append(wire)
                    tasks.append(open_one(wire, group.room))
                wires.append(members)
            started = time.perf_counter()
            await asyncio.gather(*tasks)
            connect_seconds = time.perf_counter() - started
            pipe.send(("ready", index))
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "go"

            cpu_at_go = time.process_time()
            rng = random.Random(plan.index)
            words = (
                "today",
                "walk",
                "tired",
                "better",
                "thanks",
                "group",
                "doctor",
                "sleep",
                "friend",
                "tea",
                "morning",
                "news",
                "hope",
                "appointment",
                "garden",
                "rain",
                "family",
                "book",
            )
            interval = 1.0 / plan.rate
            begin = time.perf_counter()
            next_at = begin
            n = 0
            senders: set[asyncio.Task[None]] = set()
            while next_at - begin < plan.duration:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                g = n % len(plan.groups)
                task = asyncio.get_running_loop().create_task(
                    self.send(rng.choice(wires[g]), plan.groups[g], g, f"g{plan.index}-{n}", _text(rng, words, plan))
                )
                senders.add(task)
                task.add_done_callback(senders.discard)
                n += 1
                next_at += interval
            send_seconds = time.perf_counter() - begin
            deadline = time.perf_counter() + plan.drain
            while time.perf_counter() < deadline and (  # noqa: ASYNC110 - polling two conditions
                senders or any(p.done_at is None and p.acked_at is not None for p in self.pending.values())
            ):
                await asyncio.sleep(0.05)
            dropped = {w.index for member_wires in wires for w in member_wires if w.dropped}
            generator_cpu = time.process_time() - cpu_at_go
            # The server's CPU is read now: closing 2,000 sockets costs it more than a second in
            # python-socketio's disconnect bookkeeping, which is not part of chatting.
            pipe.send(("drained", None))
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "close"
            for member_wires in wires:
                for wire in member_wires:
                    await wire.close()
        acked = [p for p in self.pending.values() if p.acked_at is not None]
        missing = [(w.index in dropped) for p in acked for w in wires[p.group] if w.index not in p.receivers]
        return {
            "clients": index,
            "connect_seconds": connect_seconds,
            "send_seconds": send_seconds,
            "generator_cpu_s": generator_cpu,
            "attempted": n,
            "acked": len(acked),
            "errors": dict(self.errors),
            "e2e_ms": [(p.done_at - p.sent_at) * 1000 for p in acked if p.done_at is not None],
            "ack_ms": [(p.acked_at - p.sent_at) * 1000 for p in acked if p.acked_at is not None],
            "deliveries": self.deliveries,
            "expected_deliveries": sum(p.members for p in acked),
            # Acked, to clients that stayed connected, yet not received when the drain ended: lost, or
            # later than the drain when the machine is overloaded (raise --drain to tell them apart).
            "lost": missing.count(False),
            "missed_by_dropped_clients": missing.count(True),  # they would catch up on reconnect
            "dropped_clients": len(dropped),
            "incomplete_messages": sum(1 for p in acked if p.done_at is None),
            "duplicates": self.duplicates,
            "strangers": self.strangers,
            "seq_gaps": self.seq_gaps,
        }


def _text(rng: random.Random, words: tuple[str, ...], plan: Plan) -> str:
    """Ordinary-looking sentences: a repeated character would be (rightly) refused by moderation."""
    text = ""
    while len(text) < plan.text_chars:
        text += rng.choice(words) + " "
    return text[: plan.text_chars].strip()


def generator_main(plan: Plan, pipe: Connection) -> None:
    try:
        result = uvloop.run(Generator(plan).run(pipe))
        pipe.send(("result", result))
    except Exception as exc:
        pipe.send(("failed", repr(exc)))
