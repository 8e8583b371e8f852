"""Micro-benchmark: CPU per message of the moderation pipeline, switched on versus off, and per hook.

    python -m loadtests.moderation_pipeline --messages 20000

It screens chat-like messages (the benign sample of the tests, and random 80-character word salad like the
chat benchmark's) through `ModerationPipeline` with a site's default built-in hooks, in one process with
no database (the audit log in memory), and through `AllowEverything` as the baseline. It reports process
CPU time per message for each, and for each hook alone. This isolates the pipeline; the end-to-end
figure (with Postgres, sockets and the mute check) comes from `python -m loadtests.chat --moderation on|off`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path

from care.people import Language, Person, Role, SiteId, Step, UserId
from moderation.audit import MemoryAuditLog
from moderation.hook import HookSpec
from moderation.pipeline import ModerationPipeline
from moderation.registry import BUILTIN_HOOKS, HookRegistry
from moderation.settings import DEFAULT_HOOKS, SiteModerationSettings, StaticSettings
from rooms.filters import Action, AllowEverything, ContentFilter, FilterRequest, RoomId, RoomKind, RoomRef

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "hoy", "tengo", "quimio", "mañana", "gracias", "a", "todas", "cansada", "the", "nurse", "said", "scan",
    "results", "dzisiaj", "jestem", "zmęczona", "obrigada", "amanhã", "avui", "estic", "millor", "pain",
    "better", "walk", "sleep", "family", "hope", "náuseas", "consulta", "médico",
)  # fmt: skip


def messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sample = ROOT / "tests" / "moderation" / "data" / "benign.txt"
    benign = []
    if sample.exists():
        benign = [line.split("|", 1)[1].strip() for line in sample.read_text(encoding="utf-8").splitlines()
                  if "|" in line and not line.startswith("#")]  # fmt: skip
    out = []
    for i in range(count):
        if benign and i % 2 == 0:
            out.append(rng.choice(benign))
        else:
            text = ""
            while len(text) < 80:
                text += rng.choice(WORDS) + " "
            out.append(text[:80].strip())
    return out


def requests(texts: list[str], users: int = 500) -> list[FilterRequest]:
    room = RoomRef(RoomId(1), SiteId(1), RoomKind.COMMUNITY, Step.PEER_SUPPORT)
    people = [Person(UserId(i + 1), SiteId(1), frozenset({Role.PATIENT}), Language.ES, f"P{i}") for i in range(users)]
    return [FilterRequest(Action.MESSAGE, people[i % users], room, text=t) for i, t in enumerate(texts)]


async def cpu_per_message(content: ContentFilter, batch: list[FilterRequest]) -> float:
    for request in batch[:200]:  # warm up: build hooks, compile lexicons
        await content.check(request)
    started = time.process_time()
    for request in batch:
        await content.check(request)
    return (time.process_time() - started) / len(batch) * 1e6


def pipeline(hooks: tuple[HookSpec, ...]) -> ModerationPipeline:
    return ModerationPipeline(
        StaticSettings(SiteModerationSettings(hooks=hooks)), HookRegistry(BUILTIN_HOOKS), MemoryAuditLog()
    )


async def main_async(count: int) -> None:
    # A few messages per person, as in a real room: the flood limit is not what is being measured.
    batch = requests(messages(count), users=max(500, count // 4))
    off = await cpu_per_message(AllowEverything(), batch)
    on = await cpu_per_message(pipeline(DEFAULT_HOOKS), batch)
    print(f"messages: {count}, hooks: {', '.join(h.name for h in DEFAULT_HOOKS)}")
    print(f"pipeline off (AllowEverything): {off:.1f} us CPU per message")
    print(f"pipeline on (default built-in hooks): {on:.1f} us CPU per message (+{on - off:.1f} us)")
    for spec in DEFAULT_HOOKS:
        alone = await cpu_per_message(pipeline((spec,)), batch)
        print(f"  {spec.name} alone: {alone:.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.moderation_pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(main_async(args.messages))


if __name__ == "__main__":
    main()
