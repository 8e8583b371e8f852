"""A Python participant of a live session, speaking the "/live" protocol (docs/signaling.md) with aiortc.

`LiveClient` is a Socket.IO client plus a media peer: it joins (waiting room or straight in), offers its
synthetic VP8 video and Opus audio once admitted, answers the server's renegotiation offers, and decodes
and counts what it receives per participant. The media peer can run in this process (`LocalPeer`) or in a
child process (`RemotePeer`, ``python -m loadtests.live_client``), so a test can kill the media without
a goodbye while the socket stays up. The tests and loadtests/video_demo.py use it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections import Counter
from typing import Any, Protocol

import socketio
from aiortc import MediaStreamTrack, RTCBundlePolicy, RTCConfiguration, RTCPeerConnection

from loadtests.synthetic_media import SdpPeer, SyntheticAudio, SyntheticVideo


class MediaPeer(Protocol):
    async def offer(self) -> str: ...
    async def accept_answer(self, sdp: str) -> None: ...
    async def answer(self, offer_sdp: str) -> str: ...
    async def decoded(self) -> dict[str, int]: ...
    async def close(self) -> None: ...


class LocalPeer(SdpPeer):
    """An RTCPeerConnection in this process that publishes synthetic tracks and decodes what it receives."""

    def __init__(self, publish: bool = True, ice_servers: list[Any] | None = None) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers or [],
                                                     bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.counts: Counter[str] = Counter()
        self._readers: list[asyncio.Task[None]] = []
        if publish:
            self.pc.addTransceiver(SyntheticVideo(), direction="sendonly")
            self.pc.addTransceiver(SyntheticAudio(amplitude=3000), direction="sendonly")
        else:  # a receive-only participant still offers first, so the server can answer
            self.pc.addTransceiver("audio", direction="recvonly")
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(str(t.mid) for t in self.pc.getTransceivers() if t.receiver.track is track)
        self._readers.append(asyncio.ensure_future(self._read(mid, track)))

    async def _read(self, mid: str, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()  # decoded: a VideoFrame or an AudioFrame
                self.counts[mid] += 1
        except Exception:
            return

    async def decoded(self) -> dict[str, int]:
        return dict(self.counts)

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await self.pc.close()


class RemotePeer:
    """A `LocalPeer` in a child process, driven with JSON lines; `kill()` makes it vanish mid-call."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls) -> RemotePeer:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "loadtests.live_client",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return cls(process)

    async def _call(self, op: str, sdp: str = "") -> Any:
        async with self._lock:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write((json.dumps({"op": op, "sdp": sdp}) + "\n").encode())
            await self._process.stdin.drain()
            line = await asyncio.wait_for(self._process.stdout.readline(), 20)
            return json.loads(line)["result"]

    async def offer(self) -> str:
        return str(await self._call("offer"))

    async def accept_answer(self, sdp: str) -> None:
        await self._call("accept_answer", sdp)

    async def answer(self, offer_sdp: str) -> str:
        return str(await self._call("answer", offer_sdp))

    async def decoded(self) -> dict[str, int]:
        return dict(await self._call("decoded"))

    def kill(self) -> None:
        self._process.kill()

    async def close(self) -> None:
        if self._process.returncode is None:
            self._process.kill()
        await self._process.wait()


_CANDIDATE_LINE = re.compile(r"^a=(candidate:[^\r\n]*|end-of-candidates)\r?\n", re.MULTILINE)


class LiveClient:
    """One participant: a Socket.IO connection to "/live" and a media peer."""

    def __init__(self, name: str, url: str, token: str, *, publish: bool = True, trickle: bool | str = False,
                 peer: MediaPeer | None = None) -> None:
        self.name = name
        self.url = url
        self.token = token
        self.publish = publish
        # "early": our candidates go as `ice_candidate` events sent before the offer, unacknowledged, as a
        # browser may; True: after the answer; False: in the SDP only.
        self.trickle: bool | str = trickle
        self.sio = socketio.AsyncClient(reconnection=False)
        self.peer: MediaPeer | None = peer
        self.session: int | None = None
        self.status: str | None = None
        self.tracks: dict[str, tuple[int, str]] = {}  # mid -> (user id, kind)
        self.events: list[tuple[str, Any]] = []
        self.participants: list[dict[str, Any]] = []
        self.waiting: list[dict[str, Any]] = []
        self.left: str | None = None
        self.server_candidates = 0
        self._negotiation = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        for event in ("admitted", "offer", "ice_candidate", "participants", "media_control", "active_speaker",
                      "left"):
            self.sio.on(event, self._handler(event), namespace="/live")

    def _handler(self, event: str) -> Any:
        async def handle(data: Any) -> None:
            self.events.append((event, data))
            if event == "admitted":
                self.status = "admitted"
                self._spawn(self.start_media())
            elif event == "offer":
                self._spawn(self._answer(data))
            elif event == "ice_candidate":
                self.server_candidates += 1
            elif event == "participants":
                self.participants = data["participants"]
                self.waiting = data.get("waiting", [])
            elif event == "left":
                self.left = data["reason"]
                self.status = None
        return handle

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.events.append(("client_error", repr(task.exception())))

    async def connect(self) -> None:
        await self.sio.connect(self.url, auth={"token": self.token}, namespaces=["/live"], transports=["websocket"],
                               wait_timeout=10)

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = await self.sio.call(event, data, namespace="/live", timeout=20)
        return reply

    async def join(self, session: int) -> dict[str, Any]:
        self.session = session
        ack = await self.call("join", {"session": session})
        if "error" not in ack:
            self.status = ack["status"]
            self.participants = ack["participants"]
            if self.status == "admitted":
                await self.start_media()
        return ack

    async def start_media(self) -> None:
        """Offer our tracks (the first negotiation is always the client's)."""
        async with self._negotiation:
            if self.peer is None:
                self.peer = LocalPeer(self.publish)
            offer = await self.peer.offer()
            candidates = _CANDIDATE_LINE.findall(offer) if self.trickle else []
            if self.trickle:
                offer = _CANDIDATE_LINE.sub("", offer)
            if self.trickle == "early":
                for line in [*candidates, None]:
                    if line is None or line.startswith("candidate:"):
                        await self.sio.emit("ice_candidate", {"session": self.session, "candidate": line,
                                                              "sdp_mid": "0", "sdp_mline_index": 0}, namespace="/live")
                candidates = []
            ack = await self.call("offer", {"session": self.session, "sdp": offer})
            if "error" in ack:
                self.events.append(("offer_refused", ack))
                return
            await self.peer.accept_answer(ack["sdp"])
            for line in candidates:
                if line.startswith("candidate:"):
                    await self.call("ice_candidate", {"session": self.session, "candidate": line,
                                                      "sdp_mid": "0", "sdp_mline_index": 0})
            if candidates:
                await self.call("ice_candidate", {"session": self.session, "candidate": None})

    async def _answer(self, data: dict[str, Any]) -> None:
        async with self._negotiation:
            if self.peer is None:
                return
            for track in data["tracks"]:
                self.tracks[track["mid"]] = (track["user_id"], track["kind"])
            answer = await self.peer.answer(data["sdp"])
            ack = await self.call("answer", {"session": data["session"], "sdp": answer})
            if "error" in ack:
                self.events.append(("answer_refused", ack))

    async def received(self) -> dict[tuple[int, str], int]:
        """Frames decoded so far, per (publisher's user id, kind)."""
        decoded = await self.peer.decoded() if self.peer else {}
        totals: Counter[tuple[int, str]] = Counter()
        for mid, count in decoded.items():
            if mid in self.tracks:
                totals[self.tracks[mid]] += count
        return dict(totals)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.sio.connected:
            await self.sio.disconnect()
        if self.peer is not None:
            await self.peer.close()


async def _serve_peer() -> None:
    """The child side of `RemotePeer`."""
    peer = LocalPeer()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        request = json.loads(line)
        op = request["op"]
        result: Any = None
        if op == "offer":
            result = await peer.offer()
        elif op == "answer":
            result = await peer.answer(request["sdp"])
        elif op == "accept_answer":
            await peer.accept_answer(request["sdp"])
        elif op == "decoded":
            result = await peer.decoded()
        sys.stdout.write(json.dumps({"result": result}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(_serve_peer())
