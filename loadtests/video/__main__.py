"""Video benchmark: one session of N participants, everyone publishing 640x360 VP8 at 30 fps plus Opus
and subscribing to everyone, through the SFU (media/) and through aiortc's MediaRelay as the baseline.

    python -m loadtests.video --participants 13 --seconds 20
    python -m loadtests.video --participants 13 --seconds 20 --only sfu --loss 0.02

The server runs in its own process; its CPU is read with psutil. Generators (``--generators`` processes)
publish a clip encoded once in advance and count what they receive without decoding.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from loadtests import machine
from loadtests.video.generator import TS_SPACE

CLIP_VIDEO_PPS = 1.95 * 30  # packets per second of the clip (make_clip prints packets/frame)

PYTHON = sys.executable


@dataclass
class Run:
    mode: str
    participants: int
    seconds: float
    loss: float = 0.0
    loss_leg: str = "publisher"
    server_cores: float = 0.0
    generator_cores: list[float] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


async def _line(stream: asyncio.StreamReader, within: float) -> str:
    return (await asyncio.wait_for(stream.readline(), within)).decode().strip()


async def _server_stats(port: int, reset: bool = False) -> dict[str, Any]:
    """The server's counters; ``reset`` starts its latency histograms afresh (the window begins)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((json.dumps({"op": "stats", "reset": reset}) + "\n").encode())
    await writer.drain()
    reply: dict[str, Any] = json.loads(await reader.readline())
    writer.close()
    return reply


async def run_once(run: Run, generators: int, warmup: float) -> Run:
    server_args = ["-m", "loadtests.video.server", "--mode", run.mode]
    if run.loss and run.loss_leg == "subscriber":
        server_args += ["--loss-transport", "p1", "--loss-rate", str(run.loss)]
    server = await asyncio.create_subprocess_exec(PYTHON, *server_args, stdout=asyncio.subprocess.PIPE)
    assert server.stdout is not None
    port = int((await _line(server.stdout, 30)).split()[1])
    gens = []
    try:
        for g in range(generators):
            indices = [str(i) for i in range(run.participants) if i % generators == g]
            if not indices:
                continue
            args = ["-m", "loadtests.video.generator", "--port", str(port), "--indices", ",".join(indices)]
            if run.loss and run.loss_leg == "publisher":
                args += ["--loss-publisher", "0", "--loss-rate", str(run.loss)]
            gens.append(await asyncio.create_subprocess_exec(
                PYTHON, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 28))
        for gen in gens:
            assert gen.stdout is not None
            assert await _line(gen.stdout, 120) == "ready"
        expected = 2 * run.participants * (run.participants - 1)
        if run.mode == "sfu":
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if (await _server_stats(port))["consumers"] >= expected:
                    break
                await asyncio.sleep(0.5)
        t0 = time.monotonic() + warmup
        for gen in gens:
            assert gen.stdin is not None
            gen.stdin.write(f"go {t0} {run.seconds}\n".encode())
            await gen.stdin.drain()
        procs = [psutil.Process(server.pid)] + [psutil.Process(g.pid) for g in gens]
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        before = [sum(p.cpu_times()[:2]) for p in procs]
        server_sys_before = procs[0].cpu_times().system
        wall = time.monotonic()
        # An overloaded server (MediaRelay at 13) answers late: the window still ends on time, before
        # the generators stop sending (one second after it).
        start_stats = await _server_stats(port, reset=True)
        await asyncio.sleep(max(0.0, wall + run.seconds - time.monotonic()))
        after = [sum(p.cpu_times()[:2]) for p in procs]
        server_sys = procs[0].cpu_times().system - server_sys_before
        wall = time.monotonic() - wall
        end_stats = await _server_stats(port)
        run.metrics["server_loop_lag_ms_p99"] = end_stats.pop("loop_lag_ms_p99")
        run.metrics["server_loop_lag_ms_max"] = end_stats.pop("loop_lag_ms_max")
        if run.mode == "sfu":
            run.metrics["server"] = end_stats
            # What the server adds, bounded: waiting for the loop (lag) plus the fan-out itself.
            run.metrics["server_added_ms_p99_bound"] = (
                end_stats["fanout_ms_p99"] + run.metrics["server_loop_lag_ms_p99"])
            packets = end_stats["packets_sent"] - start_stats["packets_sent"]
            cpu = after[0] - before[0]
            run.metrics["server_packets_sent_per_s"] = packets / wall
            run.metrics["server_cpu_us_per_packet_sent"] = cpu / packets * 1e6 if packets else float("nan")
            nominal = run.participants * (run.participants - 1) * (CLIP_VIDEO_PPS + 50)
            run.metrics["server_cores_projected_at_nominal_rate"] = cpu / packets * nominal if packets else 0.0
        run.server_cores = (after[0] - before[0]) / wall
        # The kernel's share (UDP sends and receives) is what no Python change can remove.
        run.metrics["server_kernel_cores"] = server_sys / wall
        run.generator_cores = [(a - b) / wall for a, b in zip(after[1:], before[1:], strict=True)]
        merged: dict[str, Any] = {"sent_video": {}, "sent_audio": {}, "received": {}, "keyframe_requests": 0}
        for gen in gens:
            assert gen.stdout is not None
            part = json.loads(await _line(gen.stdout, 60))
            for key in ("sent_video", "sent_audio", "received"):
                merged[key].update(part[key])
            merged["keyframe_requests"] += part["keyframe_requests"]
        run.metrics.update(analyse(run, merged, t0, t0 + run.seconds))
    finally:
        for proc in [server, *gens]:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    return run


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def analyse(run: Run, data: dict[str, Any], t0: float, t1: float) -> dict[str, Any]:
    sent = {"video": {p: dict(map(tuple, rows)) for p, rows in data["sent_video"].items()},
            "audio": {p: dict(map(tuple, rows)) for p, rows in data["sent_audio"].items()}}
    latency: dict[str, list[float]] = {"video": [], "audio": []}
    lost = {"video": 0, "audio": 0}
    expected = {"video": 0, "audio": 0}
    fps: list[float] = []
    stalls: list[tuple[float, str]] = []
    for key, rows in data["received"].items():
        _subscriber, _mid, kind = key.split("|")
        in_window = [(ts, t) for ts, t in rows if t0 <= t <= t1]
        if kind == "video":
            fps.append(len(in_window) / (t1 - t0))
            times = [t0] + [t for _, t in in_window] + [t1]
            gap = max(b - a for a, b in itertools.pairwise(times))
            publisher = f"p{rows[0][0] // TS_SPACE}" if rows and run.mode == "sfu" else "?"
            stalls.append((gap, publisher))
        if run.mode != "sfu" or not rows:
            continue
        publisher = f"p{rows[0][0] // TS_SPACE}"
        published = sent[kind].get(publisher, {})
        received = {ts for ts, _ in rows}
        for ts, t in in_window:
            if ts in published:
                latency[kind].append((t - published[ts]) * 1000)
        due = [ts for ts, t in published.items() if t0 <= t <= t1 - 0.5]
        expected[kind] += len(due)
        lost[kind] += sum(1 for ts in due if ts not in received)
    worst = max(stalls, default=(0.0, "?"))
    result: dict[str, Any] = {
        "video_streams": len(fps),
        "fps_per_stream_mean": statistics.fmean(fps) if fps else 0.0,
        "fps_per_stream_min": min(fps, default=0.0),
        "longest_video_stall_s": worst[0],
        "longest_stall_publisher": worst[1],
        "publisher_keyframe_requests": data["keyframe_requests"],
    }
    if run.mode == "sfu":
        for kind in ("video", "audio"):
            result[f"{kind}_latency_ms_p50"] = _percentile(latency[kind], 0.5)
            result[f"{kind}_latency_ms_p99"] = _percentile(latency[kind], 0.99)
            result[f"{kind}_lost"] = f"{lost[kind]}/{expected[kind]}"
    return result


def report(run: Run) -> None:
    streams = 2 * run.participants * (run.participants - 1)
    per_stream_ms = run.server_cores * 1000 / streams
    label = f"{run.mode} N={run.participants}" + (f" loss={run.loss:.0%} on {run.loss_leg} leg" if run.loss else "")
    print(f"\n== {label}, {run.seconds:.0f} s ==")
    print(f"server CPU: {run.server_cores:.3f} cores; {streams} forwarded streams (video+audio); "
          f"{per_stream_ms:.2f} ms CPU per stream-second")
    print(f"generator CPU: {', '.join(f'{c:.2f}' for c in run.generator_cores)} cores")
    delivered = run.metrics.get("video_streams", 0) * run.metrics.get("fps_per_stream_mean", 0.0)
    if delivered:
        run.metrics["server_cpu_ms_per_delivered_video_frame"] = run.server_cores * 1000 / delivered
    for key, value in run.metrics.items():
        print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {machine.describe()}")
    plan: list[Run] = []
    if args.only in (None, "sfu"):
        plan.append(Run("sfu", args.participants, args.seconds))
    if args.loss and args.only in (None, "sfu", "loss"):
        plan.append(Run("sfu", args.participants, args.seconds, loss=args.loss, loss_leg="publisher"))
        plan.append(Run("sfu", args.participants, args.seconds, loss=args.loss, loss_leg="subscriber"))
    if args.only in (None, "relay"):
        plan.append(Run("sfu", args.baseline_participants, args.seconds))
        plan.append(Run("relay", args.baseline_participants, args.seconds))
        if args.participants != args.baseline_participants:
            plan.append(Run("relay", args.participants, args.seconds))
    done = []
    for run in plan:
        try:
            done.append(await run_once(run, args.generators, args.warmup))
        except TimeoutError:
            print(f"\n== {run.mode} N={run.participants}: did not get going (participants not connected, "
                  f"or no results) within the time limits: the server cannot carry this load ==")
            continue
        report(done[-1])
    sfu4 = next((r for r in done if r.mode == "sfu" and r.participants == args.baseline_participants
                 and not r.loss), None)
    relay4 = next((r for r in done if r.mode == "relay" and r.participants == args.baseline_participants), None)
    per_stream = per_frame = None
    if sfu4 and relay4 and sfu4.server_cores > 0:
        per_stream = relay4.server_cores / sfu4.server_cores
        print(f"\nMediaRelay / SFU CPU per stream at N={args.baseline_participants}: {per_stream:.1f}x "
              f"(at the frame rates each achieved)")
        key = "server_cpu_ms_per_delivered_video_frame"
        if sfu4.metrics.get(key) and relay4.metrics.get(key):
            per_frame = relay4.metrics[key] / sfu4.metrics[key]
            print(f"MediaRelay / SFU CPU per delivered video frame: {per_frame:.1f}x")
    print_targets(done, args.participants, args.baseline_participants, per_stream, per_frame)


def print_targets(done: list[Run], participants: int, baseline: int, per_stream: float | None,
                  per_frame: float | None) -> None:
    """The issue's targets against this run's figures, one line each."""
    print("\nTargets:")
    full = next((r for r in done if r.mode == "sfu" and r.participants == participants and not r.loss), None)
    if full is not None:
        m = full.metrics
        print(f"  CPU at N={participants} <= 0.5 core: {full.server_cores:.3f}")
        print(f"  server-added p99 <= 20 ms: fan-out p99 {m['server']['fanout_ms_p99']:.2f} ms + loop lag p99 "
              f"{m['server_loop_lag_ms_p99']:.2f} ms = {m['server_added_ms_p99_bound']:.2f} ms "
              f"(end to end p99: video {m['video_latency_ms_p99']:.2f}, audio {m['audio_latency_ms_p99']:.2f})")
        print(f"  no frames lost on loopback: video {m['video_lost']}, audio {m['audio_lost']}")
    if per_stream is not None:
        frame = f", per delivered frame {per_frame:.1f}x" if per_frame is not None else ""
        print(f"  MediaRelay / SFU >= 20x at N={baseline}: per stream {per_stream:.1f}x{frame}")
    for run in done:
        if run.loss:
            print(f"  no stall > 1 s at {run.loss:.0%} loss on the {run.loss_leg} leg: "
                  f"longest {run.metrics['longest_video_stall_s']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=13)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline-participants", type=int, default=4)
    parser.add_argument("--generators", type=int, default=2, help="load generator processes")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--loss", type=float, default=0.0, help="also run with this packet loss on one leg")
    parser.add_argument("--only", choices=("sfu", "relay", "loss"), default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
