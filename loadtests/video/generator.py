"""Load generator process: a share of the benchmark's participants.

Each participant publishes the pre-encoded clip (packets written straight into its RTP sender: nothing
is encoded while the benchmark runs) and receives everyone else without decoding: packets are counted
and video frames completed on the marker bit. RTP timestamps identify the publisher and the frame, so
publish and receipt times (CLOCK_MONOTONIC, shared by processes) can be matched afterwards.

Reads ``go T0 SECONDS`` on stdin, prints ``ready`` and finally one JSON line of results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from loadtests.video.clip import AUDIO_TICKS, FPS, VIDEO_TICKS, Clip, make_clip
from media import MediaConfig
from media import aiortc_internals as internals
from media.framing import FrameAssembler
from media.keyframes import vp8_keyframe_start
from media.transport import rtc_configuration

TS_SPACE = 100_000_000  # publisher p's RTP timestamps start at p * TS_SPACE


class Participant:
    def __init__(self, index: int, clip: Clip, results: Results) -> None:
        self.index = index
        self.id = f"p{index}"
        self.clip = clip
        self.results = results
        self.pc = RTCPeerConnection(rtc_configuration(MediaConfig()))
        self.video = self.pc.addTransceiver(internals.IdleTrack("video"), direction="sendonly")
        self.audio = self.pc.addTransceiver(internals.IdleTrack("audio"), direction="sendonly")
        self.restart_clip = False
        self.video_port = internals.SenderPort(self.video.sender, self._keyframe_wanted)
        self.audio_port = internals.SenderPort(self.audio.sender, lambda: None)
        self.tasks: list[asyncio.Task[None]] = []

    def _keyframe_wanted(self) -> None:
        self.restart_clip = True  # the clip starts with a keyframe
        self.results.keyframe_requests += 1

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def answer(self, sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in self.pc.getTransceivers():
            receiver = transceiver.receiver
            if transceiver.direction == "recvonly" and not isinstance(receiver, internals.ForwardingReceiver):
                internals.make_forwarding(receiver, Counter(self, str(transceiver.mid), transceiver.kind,
                                                            receiver).on_packet)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)

    def start(self) -> None:
        self.tasks = [asyncio.ensure_future(self._publish_video()), asyncio.ensure_future(self._publish_audio())]

    async def _wait_ready(self, port: internals.SenderPort) -> None:
        while not port.ready:  # noqa: ASYNC110 - aiortc signals no event when a sender starts
            await asyncio.sleep(0.05)

    async def _publish_video(self) -> None:
        await self._wait_ready(self.video_port)
        pt = internals.negotiated_codecs(self.video)[0].payloadType
        base = self.index * TS_SPACE
        start = time.monotonic()
        frame_no = 0
        position = 0
        sent = self.results.sent_video[self.id]
        while True:
            if self.restart_clip:
                self.restart_clip = False
                position = 0
            payloads = self.clip.video[position]
            timestamp = base + frame_no * VIDEO_TICKS
            now = time.monotonic()
            sent.append((timestamp, now))
            for i, payload in enumerate(payloads):
                packet = RtpPacket(payload_type=pt, marker=int(i == len(payloads) - 1),
                                   timestamp=timestamp, payload=payload)
                self.video_port.send(packet, pt, time.time())
            frame_no += 1
            position = (position + 1) % len(self.clip.video)
            await asyncio.sleep(max(0.0, start + frame_no / FPS - time.monotonic()))

    async def _publish_audio(self) -> None:
        await self._wait_ready(self.audio_port)
        pt = internals.negotiated_codecs(self.audio)[0].payloadType
        base = self.index * TS_SPACE
        start = time.monotonic()
        n = 0
        sent = self.results.sent_audio[self.id]
        while True:
            timestamp = base + n * AUDIO_TICKS
            packet = RtpPacket(payload_type=pt, marker=0, timestamp=timestamp,
                               payload=self.clip.audio[n % len(self.clip.audio)])
            packet.extensions.audio_level = (True, 30)
            sent.append((timestamp, time.monotonic()))
            self.audio_port.send(packet, pt, time.time())
            n += 1
            await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))


class Counter:
    """Counts one received stream without decoding it."""

    def __init__(self, owner: Participant, mid: str, kind: str, receiver: RTCRtpReceiver) -> None:
        self.owner = owner
        self.kind = kind
        self.receiver = receiver
        self.frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25) if kind == "video" else None
        self.results = owner.results
        self.key = f"{owner.id}|{mid}|{kind}"

    def on_packet(self, packet: RtpPacket, codec: RTCRtpCodecParameters) -> None:
        now = time.monotonic()
        if self.frames is None:
            self.results.received[self.key].append((packet.timestamp, now))
            return
        frames, ask = self.frames.push(packet)
        if ask:
            internals.request_keyframe(self.receiver)
        for frame in frames:
            self.results.received[self.key].append((frame[0].timestamp, now))


class Results:
    def __init__(self) -> None:
        self.sent_video: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.sent_audio: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.received: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.keyframe_requests = 0

    def window(self, t0: float, t1: float) -> dict[str, Any]:
        def cut(rows: list[tuple[int, float]]) -> list[tuple[int, float]]:
            return [(ts, round(t, 6)) for ts, t in rows if t0 - 1.0 <= t <= t1 + 1.0]

        return {
            "sent_video": {k: cut(v) for k, v in self.sent_video.items()},
            "sent_audio": {k: cut(v) for k, v in self.sent_audio.items()},
            "received": {k: cut(v) for k, v in self.received.items()},
            "keyframe_requests": self.keyframe_requests,
        }


async def run(port: int, indices: list[int], loss_publisher: int | None, loss_rate: float) -> None:
    internals.install()  # the RTX routing fix: each participant receives many videos on one transport
    clip = make_clip()
    results = Results()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    people = {f"p{i}": Participant(i, clip, results) for i in indices}
    joined: dict[str, asyncio.Future[str]] = {}
    loop = asyncio.get_running_loop()

    async def send(message: dict[str, Any]) -> None:
        writer.write((json.dumps(message) + "\n").encode())
        await writer.drain()

    async def listen() -> None:
        while line := await reader.readline():
            message = json.loads(line)
            person = people.get(message.get("id", ""))
            if message["op"] == "joined" and person is not None:
                # Apply the answer before reading on: the server's next offer may follow at once.
                await person.accept(message["sdp"])
                joined[person.id].set_result(message["sdp"])
            elif message["op"] == "offer" and person is not None:
                await send({"op": "answer", "id": person.id, "sdp": await person.answer(message["sdp"])})

    listener = asyncio.ensure_future(listen())
    for person in people.values():
        joined[person.id] = loop.create_future()
        await send({"op": "join", "id": person.id, "sdp": await person.offer()})
        await joined[person.id]
        if loss_publisher == person.index:
            internals.drop_outgoing_rtp(person.pc, loss_rate)
        person.start()
    print("ready", flush=True)

    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    command = (await stdin.readline()).decode().split()
    t0, seconds = float(command[1]), float(command[2])
    await asyncio.sleep(max(0.0, t0 + seconds + 1.0 - time.monotonic()))
    print(json.dumps(results.window(t0, t0 + seconds)), flush=True)
    listener.cancel()
    for person in people.values():
        for task in person.tasks:
            task.cancel()
    # Close the peer connections before the loop ends, or asyncio reports their tasks as destroyed.
    await asyncio.gather(*(person.pc.close() for person in people.values()), return_exceptions=True)
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--indices", required=True, help="comma-separated participant numbers")
    parser.add_argument("--loss-publisher", type=int, default=None)
    parser.add_argument("--loss-rate", type=float, default=0.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    indices = [int(i) for i in args.indices.split(",")]
    asyncio.run(run(args.port, indices, args.loss_publisher, args.loss_rate))


if __name__ == "__main__":
    main()
