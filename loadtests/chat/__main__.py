"""Chat benchmark: Oncommun against a bare python-socketio server under the same load, in one run.

    python -m loadtests.chat --groups 200 --members 10 --rate 400 --duration 20 --generators 2

For each target (the bare server first, then Oncommun) it starts the server in its own process, connects
G x M lean WebSocket clients from several generator processes (each owns whole groups), joins every
client to its group's room, then sends at the total rate for the duration: each send comes from a random
member of the next group, and is timed from the send until every member of the group (the sender too)
has received it. Reported: end-to-end and ack latency percentiles, deliveries per second, errors, lost
deliveries (acked, yet not received by a connected member when the drain ends), duplicated deliveries,
seq gaps, the server process's CPU time per delivery (read before the clients disconnect) and its RSS
(psutil), the CPU of Oncommun's Postgres backends and of each generator. Oncommun acks each message only
after it is committed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psutil  # type: ignore[import-untyped]

from loadtests import machine
from loadtests.chat.generator import Group, Plan, generator_main
from loadtests.chat.setup import bare_groups, create_database, drop_database, seed_groups

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    database: str | None = None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("server exited during start-up")
            try:
                async with http.get(url + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("server not ready")


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def start_target(kind: str, args: argparse.Namespace) -> tuple[Server, list[Group]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"oncommun-chat-bench-{kind}-{port}.log"
    if kind == "bare":
        process = _spawn([sys.executable, "-m", "loadtests.chat.bare", "--port", str(port)], dict(os.environ), log)
        await _wait_ready(url, process)
        return Server(process, url), bare_groups(args.groups, args.members)
    name, database_url = await create_database(args.postgres_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONCOMMUN_PORT": str(port),
        "ONCOMMUN_HOST": "127.0.0.1",
        "ONCOMMUN_LOG_FORMAT": "json",
        "ONCOMMUN_LOG_LEVEL": args.log_level,
        "ONCOMMUN_MODERATION": args.moderation,
        "ONCOMMUN_REDIS_PREFIX": f"oncommun-bench-{secrets.token_hex(4)}",
    }
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    profile = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
    process = _spawn([sys.executable, *profile, "-m", "server.cli", "serve"], env, log)
    print(f"oncommun server pid {process.pid}, log {log}", file=sys.stderr, flush=True)
    server = Server(process, url, name)
    try:
        await _wait_ready(url, process)
        return server, await seed_groups(database_url, args.groups, args.members)
    except Exception:
        await stop_target(server, args)
        raise


async def stop_target(server: Server, args: argparse.Namespace) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()
    if server.database:
        await drop_database(args.postgres_url, server.database)


def _postgres_cpu(database: str | None) -> float:
    if database is None:
        return 0.0
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if database in " ".join(proc.info["cmdline"] or ()):
                times = proc.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "p999": at(0.999),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


async def run_target(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    server, groups = await start_target(kind, args)
    try:
        ctx = multiprocessing.get_context("spawn")
        pipes, workers = [], []
        for index in range(args.generators):
            mine = groups[index :: args.generators]
            plan = Plan(
                server.url, mine, args.rate * len(mine) / len(groups), args.duration, args.drain, index, args.text_chars
            )
            parent, child = ctx.Pipe()
            worker = ctx.Process(target=generator_main, args=(plan, child), daemon=True)
            worker.start()
            pipes.append(parent)
            workers.append(worker)
        clients = 0
        for pipe in pipes:
            status, value = pipe.recv()
            if status != "ready":
                raise RuntimeError(f"generator failed: {value}")
            clients += value
        await asyncio.sleep(1.0)  # let join and presence traffic settle
        proc = psutil.Process(server.process.pid)
        load = os.getloadavg()
        cpu_before = sum(proc.cpu_times()[:2])
        pg_before = _postgres_cpu(server.database)
        for pipe in pipes:
            pipe.send("go")
        print(f"{kind}: {clients} clients connected and joined; sending", file=sys.stderr, flush=True)
        for pipe in pipes:
            status, value = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            if status != "drained":
                raise RuntimeError(f"generator failed: {value}")
        cpu = sum(proc.cpu_times()[:2]) - cpu_before
        pg_cpu = _postgres_cpu(server.database) - pg_before
        rss = proc.memory_info().rss
        results = []
        for pipe in pipes:
            pipe.send("close")
            status, value = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            if status != "result":
                raise RuntimeError(f"generator failed: {value}")
            results.append(value)
        for worker in workers:
            worker.join(10)
    finally:
        await stop_target(server, args)
    deliveries = sum(r["deliveries"] for r in results)
    seconds = max(r["send_seconds"] for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for code, count in r["errors"].items():
            errors[code] = errors.get(code, 0) + count
    return {
        "target": kind,
        "clients": clients,
        "loadavg_before": [round(x, 2) for x in load],
        "sent": sum(r["attempted"] for r in results),
        "acked": sum(r["acked"] for r in results),
        "errors": errors,
        "deliveries": deliveries,
        "deliveries_per_s": round(deliveries / seconds, 1),
        "lost": sum(r["lost"] for r in results),
        "missed_by_dropped_clients": sum(r["missed_by_dropped_clients"] for r in results),
        "dropped_clients": sum(r["dropped_clients"] for r in results),
        "incomplete_messages": sum(r["incomplete_messages"] for r in results),
        "duplicates": sum(r["duplicates"] for r in results),
        "seq_gaps": sum(r["seq_gaps"] for r in results),
        "e2e_ms": _percentiles([x for r in results for x in r["e2e_ms"]]),
        "ack_ms": _percentiles([x for r in results for x in r["ack_ms"]]),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_us_per_delivery": round(cpu / deliveries * 1e6, 1) if deliveries else None,
        "postgres_cpu_s": round(pg_cpu, 2),
        "server_rss_mb": round(rss / 2**20, 1),
        "connect_s": round(max(r["connect_seconds"] for r in results), 1),
        "generators_cpu_s": [round(r["generator_cpu_s"], 2) for r in results],
    }


def _report(runs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"machine: {machine.describe()}")
    print(
        f"load: {args.groups} groups x {args.members} members, {args.rate} sends/s for {args.duration}s, "
        f"{args.generators} generator processes, moderation={args.moderation}, redis={bool(args.redis_url)}, "
        f"server log level={args.log_level}"
    )
    for run in runs:
        print(json.dumps(run))
    by = {run["target"]: run for run in runs}
    if "bare" in by and "oncommun" in by:
        bare, ours = by["bare"], by["oncommun"]
        ratio = ours["server_cpu_us_per_delivery"] / bare["server_cpu_us_per_delivery"]
        print(
            f"server CPU per delivery: oncommun {ours['server_cpu_us_per_delivery']} us, bare "
            f"{bare['server_cpu_us_per_delivery']} us -> {ratio:.2f}x (target <= 1.5x)"
        )
        print(
            f"oncommun e2e p99 {ours['e2e_ms'].get('p99')} ms (target <= 25), lost {ours['lost']}, "
            f"duplicates {ours['duplicates']}, errors {ours['errors']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.chat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rate", type=float, default=400.0, help="total sends per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--text-chars", type=int, default=80)
    parser.add_argument("--targets", default="bare,oncommun", help="comma-separated: bare, oncommun")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test",
        help="a Postgres server; a private database is created on it and dropped after",
    )
    parser.add_argument("--redis-url", default=None, help="run Oncommun with Redis (AsyncRedisManager, shared limits)")
    parser.add_argument("--moderation", choices=["on", "off"], default="on", help="ONCOMMUN_MODERATION for the server")
    parser.add_argument("--log-level", default="warning", help="ONCOMMUN_LOG_LEVEL for the server")
    parser.add_argument("--profile", type=Path, help="run the Oncommun server under cProfile, writing here")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    runs = [asyncio.run(run_target(kind.strip(), args)) for kind in args.targets.split(",") if kind.strip()]
    _report(runs, args)
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
