"""Server-initiated re-offers keep the payload types and header-extension ids the client chose.

Browsers number codecs and extensions their own way (Chromium: Opus 111, extension ids that differ
from aiortc's). A re-offer that renumbers an existing m-line is refused by Chromium ("RTP extension ID
reassignment not supported") or silently switches the publisher to numbers the SFU's producer no longer
accepts. The client here is aiortc with its offer munged to browser-like numbers.
"""

from __future__ import annotations

import re

from aiortc import RTCSessionDescription

from media import MediaWorker, RouterId, TransportId
from tests.media.peers import Client, Signaling, eventually

VIDEO_PTS = {97: 120, 98: 121, 99: 122, 100: 123, 101: 124, 102: 125}
AUDIO_PTS = {96: 111}
MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
# Deliberately overlapping aiortc's defaults (mid 1, audio level 2, abs-send-time 3) with other URIs.
EXTENSION_IDS = {MID: 9, ABS_SEND_TIME: 2, AUDIO_LEVEL: 1}


def browser_like(sdp: str) -> str:
    """Renumber an aiortc offer's payload types and extension ids."""
    lines, pts = [], VIDEO_PTS

    def pt(match: re.Match[str]) -> str:
        return str(pts.get(int(match.group(0)), int(match.group(0))))

    for line in sdp.splitlines():
        if line.startswith("m="):
            pts = VIDEO_PTS if line.startswith("m=video") else AUDIO_PTS
            head, formats = line.split(" ", 3)[:3], line.split(" ", 3)[3]
            line = " ".join([*head, re.sub(r"\d+", pt, formats)])
        elif line.startswith(("a=rtpmap:", "a=rtcp-fb:", "a=fmtp:")):
            line = re.sub(r"(?<=:)\d+", pt, line, count=1)
            line = re.sub(r"(?<=apt=)\d+", pt, line)
        elif line.startswith("a=extmap:"):
            uri = line.split(" ", 1)[1]
            line = f"a=extmap:{EXTENSION_IDS[uri]} {uri}"
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


class BrowserLikeClient(Client):
    """Offers with browser-like numbers and keeps every offer the server sends."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.server_offers: list[str] = []

    async def offer(self) -> str:
        munged = browser_like((await self.pc.createOffer()).sdp)
        await self.pc.setLocalDescription(RTCSessionDescription(sdp=munged, type="offer"))
        return munged

    async def answer(self, offer_sdp: str) -> str:
        self.server_offers.append(offer_sdp)
        return await super().answer(offer_sdp)


def sections(sdp: str) -> dict[str, list[str]]:
    """The lines of each m-line, by mid."""
    result: dict[str, list[str]] = {}
    for block in sdp.split("m=")[1:]:
        lines = block.splitlines()
        mid = next(line[len("a=mid:"):] for line in lines if line.startswith("a=mid:"))
        result[mid] = lines
    return result


def extension_ids(lines: list[str]) -> dict[str, int]:
    return {line.split(" ", 1)[1]: int(line[len("a=extmap:"):].split(" ")[0].split("/")[0])
            for line in lines if line.startswith("a=extmap:")}


async def test_a_server_reoffer_keeps_the_numbers_the_client_chose_and_media_keeps_flowing(
    worker: MediaWorker,
) -> None:
    router = worker.create_router(RouterId("numbering"))
    signaling = Signaling()
    ana, bob = BrowserLikeClient("ana"), Client("bob")
    ana_transport = router.create_transport(TransportId("ana"))
    await signaling.join(ana_transport, ana)
    await signaling.settle()
    assert await eventually(lambda: all(p.packets_received > 10 for p in ana_transport.producers), within=10)

    await signaling.join(router.create_transport(TransportId("bob")), bob)  # Ana gets a server offer
    await signaling.settle()
    assert ana.server_offers
    reoffer = sections(ana.server_offers[0])
    video, audio = reoffer["0"], reoffer["1"]
    assert "a=rtpmap:120 VP8/90000" in video and "a=fmtp:121 apt=120" in video
    assert "a=rtpmap:111 opus/48000/2" in audio
    assert extension_ids(video) == {MID: 9, ABS_SEND_TIME: 2}
    assert extension_ids(audio) == {MID: 9, AUDIO_LEVEL: 1}
    # One BUNDLE, one numbering: the new m-lines (Bob's tracks) never reuse an id for another URI.
    for mid, lines in reoffer.items():
        for uri, x_id in extension_ids(lines).items():
            assert EXTENSION_IDS[uri] == x_id, (mid, uri, x_id)
        assert not any(line.startswith("a=rtpmap:97 ") or line.startswith("a=rtpmap:96 ") for line in lines), mid

    # Both ways: Ana's tracks still reach Bob, Bob's reach Ana.
    assert await eventually(lambda: len(bob.decoded) == 2 and len(ana.decoded) == 2, within=10)
    before = {**{f"bob:{m}": n for m, n in bob.decoded.items()}, **{f"ana:{m}": n for m, n in ana.decoded.items()}}
    assert await eventually(lambda: all(
        (bob if key.startswith("bob") else ana).decoded[key.split(":", 1)[1]] > n + 10
        for key, n in before.items()), within=10)
    for client in (ana, bob):
        await client.close()
