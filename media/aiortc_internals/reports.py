"""Touch 11: RTCP reports, one compound packet per transport instead of one per sender and receiver.

Why: aiortc runs an RTCP task per ``RTCRtpSender``, each waking about once a second to send its own
sender report (SR) and source description (SDES), through four coroutines and its own SRTCP packet. A
subscriber of a 13-person group has 24 senders: the SFU woke up 312 times a second for reports alone,
about 0.05 core with no media flowing. Each forwarding receiver likewise sent its own receiver report
(RR). ``Reports`` sends the reports of one (bundled) DTLS transport together, as RFC 3550 compound
packets (SRs, then one RR with a report block per received stream, then one SDES), as browsers do,
split to stay under a typical MTU. The ports keep the counters themselves, so forwarding a packet no
longer writes four private attributes of the sender.

What aiortc's task did that this does not: RTCP BYE when a sender stops (the m-line going inactive
tells the subscriber), and the sender-side round-trip time statistics (``__lsr``), which the SFU does
not use.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as _DtlsState
from aiortc.rtp import (
    RtcpReceiverInfo,
    RtcpRrPacket,
    RtcpSdesPacket,
    RtcpSenderInfo,
    RtcpSourceInfo,
    RtcpSrPacket,
)

_PER_PACKET = 16  # SRs per compound packet: 16 x (28-byte SR + about 24-byte SDES chunk) < 1,000 bytes
_BLOCKS_PER_RR = 31  # the most report blocks one RR holds (RFC 3550: a 5-bit count)
_CNAME = 1  # SDES item type

SenderReport = tuple[int, RtcpSenderInfo, bytes]
"""One sender's report: its SSRC, the SR's sender info, its CNAME."""


def take_over_reports(endpoint: RTCRtpSender | RTCRtpReceiver) -> None:
    """aiortc's RTCP task of this sender or receiver does nothing but what its ``stop()`` waits for
    (started, then exited when cancelled); ``Reports`` sends its reports instead. Call before it starts."""
    prefix = "_RTCRtpSender" if isinstance(endpoint, RTCRtpSender) else "_RTCRtpReceiver"
    started: asyncio.Event = getattr(endpoint, f"{prefix}__rtcp_started")
    exited: asyncio.Event = getattr(endpoint, f"{prefix}__rtcp_exited")

    async def run_rtcp() -> None:
        started.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            pass
        finally:
            exited.set()

    endpoint._run_rtcp = run_rtcp  # type: ignore[method-assign,unused-ignore]


def receiver_report(receiver: RTCRtpReceiver) -> tuple[int | None, list[RtcpReceiverInfo]]:
    """The receiver's RTCP SSRC and a report block per stream it receives (aiortc's own RR, built here)."""
    rtcp_ssrc: int | None = receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined,unused-ignore]
    streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined,unused-ignore]
    lsrs: dict[int, int] = receiver._RTCRtpReceiver__lsr  # type: ignore[attr-defined,unused-ignore]
    lsr_times: dict[int, float] = receiver._RTCRtpReceiver__lsr_time  # type: ignore[attr-defined,unused-ignore]
    blocks = []
    now = time.time()
    for ssrc, stream in streams.items():
        lsr = dlsr = 0
        if ssrc in lsrs:
            lsr = lsrs[ssrc]
            delay = now - lsr_times[ssrc]
            if 0 < delay < 65536:
                dlsr = int(delay * 65536)
        blocks.append(RtcpReceiverInfo(
            ssrc=ssrc, fraction_lost=stream.fraction_lost, packets_lost=stream.packets_lost,
            highest_sequence=stream.max_seq, jitter=stream.jitter, lsr=lsr, dlsr=dlsr,
        ))  # fmt: skip
    return rtcp_ssrc, blocks


def sender_cname(sender: RTCRtpSender) -> bytes:
    cname: str | None = sender._RTCRtpSender__cname  # type: ignore[attr-defined,unused-ignore]
    return (cname or "").encode()


class Reports:
    """The RTCP reports (SR, RR, SDES) of one DTLS transport, every 0.5-1.5 s (RFC 3550's randomised
    interval). It stops when the transport closes or fails."""

    def __init__(self, dtls: RTCDtlsTransport) -> None:
        self._dtls = dtls
        self._sources: list[Callable[[], SenderReport | None]] = []
        self._receivers: list[RTCRtpReceiver] = []
        self._task: asyncio.Task[None] | None = None
        self.sent = 0  # compound packets
        dtls.on("statechange", self._state_changed)

    def _state_changed(self) -> None:
        if self._dtls._state in (_DtlsState.CLOSED, _DtlsState.FAILED) and self._task is not None:
            self._task.cancel()

    def add(self, source: Callable[[], SenderReport | None]) -> None:
        self._sources.append(source)
        self._start()

    def add_receiver(self, receiver: RTCRtpReceiver) -> None:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        self._start()

    def _start(self) -> None:
        if self._task is None and self._dtls._state not in (_DtlsState.CLOSED, _DtlsState.FAILED):
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove_receiver(self, receiver: RTCRtpReceiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    async def _run(self) -> None:
        while self._dtls._state not in (_DtlsState.CLOSED, _DtlsState.FAILED):
            await asyncio.sleep(0.5 + random.random())
            if self._dtls._state is _DtlsState.CONNECTED:
                await self.send_now()

    async def send_now(self) -> None:
        senders = [report for report in (source() for source in list(self._sources)) if report is not None]
        reporter, blocks = None, []
        for receiver in list(self._receivers):
            rtcp_ssrc, own = receiver_report(receiver)
            reporter = reporter if reporter is not None else rtcp_ssrc
            blocks.extend(own)
        if reporter is None:
            blocks = []
        while senders or blocks:
            batch, senders = senders[:_PER_PACKET], senders[_PER_PACKET:]
            chunk, blocks = blocks[:_BLOCKS_PER_RR], blocks[_BLOCKS_PER_RR:]
            compound = b"".join(bytes(RtcpSrPacket(ssrc=ssrc, sender_info=info)) for ssrc, info, _ in batch)
            if chunk:
                assert reporter is not None
                compound += bytes(RtcpRrPacket(ssrc=reporter, reports=chunk))
            if batch:
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

