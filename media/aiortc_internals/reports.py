"""Touch 11: sender reports, one compound RTCP packet per transport instead of one per sender.

Why: aiortc runs an RTCP task per ``RTCRtpSender``, each waking about once a second to send its own
sender report (SR) and source description (SDES), through four coroutines and its own SRTCP packet. A
subscriber of a 13-person group has 24 senders: the SFU woke up 312 times a second for reports alone,
about 0.05 core with no media flowing. ``Reports`` sends the reports of every forwarding port of one
(bundled) DTLS transport together, as RFC 3550 compound packets (SRs first, then one SDES), split to
stay under a typical MTU. The ports keep the counters themselves, so forwarding a packet no longer
writes four private attributes of the sender.

What aiortc's task did that this does not: RTCP BYE when a sender stops (the m-line going inactive
tells the subscriber), and the sender-side round-trip time statistics (``__lsr``), which the SFU does
not use.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from aiortc import RTCRtpSender
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtp import RtcpSdesPacket, RtcpSenderInfo, RtcpSourceInfo, RtcpSrPacket

_PER_PACKET = 16  # reports per compound packet: 16 x (28-byte SR + about 24-byte SDES chunk) < 1,000 bytes
_CNAME = 1  # SDES item type

SenderReport = tuple[int, RtcpSenderInfo, bytes]
"""One sender's report: its SSRC, the SR's sender info, its CNAME."""


def take_over_reports(sender: RTCRtpSender) -> None:
    """aiortc's per-sender RTCP task does nothing but what ``stop()`` waits for (started, then exited
    when cancelled); ``Reports`` sends this sender's reports instead. Call before the sender starts."""

    async def run_rtcp() -> None:
        sender._RTCRtpSender__rtcp_started.set()  # type: ignore[attr-defined,unused-ignore]
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            pass
        finally:
            sender._RTCRtpSender__rtcp_exited.set()  # type: ignore[attr-defined,unused-ignore]

    sender._run_rtcp = run_rtcp  # type: ignore[method-assign,unused-ignore]


def sender_cname(sender: RTCRtpSender) -> bytes:
    cname: str | None = sender._RTCRtpSender__cname  # type: ignore[attr-defined,unused-ignore]
    return (cname or "").encode()


class Reports:
    """The sender reports of one DTLS transport, every 0.5-1.5 s (RFC 3550's randomised interval)."""

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._sources: list[Callable[[], SenderReport | None]] = []
        self._task: asyncio.Task[None] | None = None
        self.sent = 0  # compound packets
        dtls.on("statechange", self._state_changed)

    def _state_changed(self) -> None:
        if self._dtls._state in (_DtlsState.CLOSED, _DtlsState.FAILED) and self._task is not None:
            self._task.cancel()

    def add(self, source: Callable[[], SenderReport | None]) -> None:
        self._sources.append(source)
        if self._task is None and self._dtls._state not in (_DtlsState.CLOSED, _DtlsState.FAILED):
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, source: Callable[[], SenderReport | None]) -> None:
        if source in self._sources:
            self._sources.remove(source)

    async def _run(self) -> None:
        while self._dtls._state not in (_DtlsState.CLOSED, _DtlsState.FAILED):
            await asyncio.sleep(0.5 + random.random())
            if self._dtls._state is _DtlsState.CONNECTED:
                await self.send_now()

    async def send_now(self) -> None:
        reports = [report for report in (source() for source in list(self._sources)) if report is not None]
        for first in range(0, len(reports), _PER_PACKET):
            batch = reports[first:first + _PER_PACKET]
            compound = b"".join(bytes(RtcpSrPacket(ssrc=ssrc, sender_info=info)) for ssrc, info, _ in batch)
            compound += bytes(RtcpSdesPacket(chunks=[
                RtcpSourceInfo(ssrc=ssrc, items=[(_CNAME, cname)]) for ssrc, _, cname in batch]))
            try:
                await self._dtls._send_rtp(compound)
            except ConnectionError:
                return
            self.sent += 1


def reports_for(dtls: RTCDtlsTransport) -> Reports:
    reports: Reports | None = getattr(dtls, "_sfu_reports", None)
    if reports is None:
        reports = Reports(dtls)
        dtls._sfu_reports = reports  # type: ignore[attr-defined,unused-ignore]
    return reports

