"""Video frames are released on the marker bit, and a hole that is not repaired costs a keyframe
request instead of a stall."""

from __future__ import annotations

import math

from aiortc.rtp import RtpPacket

from media.framing import FrameAssembler
from media.keyframes import h264_keyframe_start, probe_for, vp8_keyframe_start
from media.timing import DelayHistogram

VP8_KEY = bytes([0x90, 0x80, 0x12, 0x00])  # X S, I, picture id 0x12, payload header P=0 (key)
VP8_DELTA_START = bytes([0x90, 0x80, 0x13, 0x01])  # payload header P=1
VP8_CONTINUATION = bytes([0x80, 0x80, 0x13, 0xAA])  # S=0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def packet(seq: int, payload: bytes, marker: bool = False) -> RtpPacket:
    return RtpPacket(payload_type=97, sequence_number=seq & 0xFFFF, timestamp=seq // 3, marker=int(marker),
                     payload=payload)


def test_vp8_and_h264_keyframe_starts_are_recognised() -> None:
    assert vp8_keyframe_start(VP8_KEY)
    assert not vp8_keyframe_start(VP8_DELTA_START)
    assert not vp8_keyframe_start(VP8_CONTINUATION)
    assert vp8_keyframe_start(bytes([0x10, 0x00]))  # no extension byte
    assert h264_keyframe_start(bytes([0x65, 0x88]))  # IDR slice
    assert h264_keyframe_start(bytes([0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE]))  # STAP-A + SPS
    assert h264_keyframe_start(bytes([0x7C, 0x85]))  # FU-A start of an IDR
    assert not h264_keyframe_start(bytes([0x7C, 0x05]))  # FU-A continuation
    assert not h264_keyframe_start(bytes([0x41, 0x9A]))  # non-IDR slice
    assert probe_for("video/VP8") is vp8_keyframe_start and probe_for("audio/opus") is None


def test_a_frame_is_released_by_its_marker_packet_not_by_the_next_frame() -> None:
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=Clock())
    assert frames.push(packet(10, VP8_KEY)) == ([], False)
    released, ask = frames.push(packet(11, VP8_CONTINUATION, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[10, 11]] and not ask
    released, _ = frames.push(packet(12, VP8_DELTA_START, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[12]]


def test_reordered_packets_complete_the_frame_when_the_hole_fills() -> None:
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=Clock())
    frames.push(packet(10, VP8_KEY))
    assert frames.push(packet(12, VP8_CONTINUATION, marker=True)) == ([], False)
    released, _ = frames.push(packet(11, VP8_CONTINUATION))
    assert [[p.sequence_number for p in f] for f in released] == [[10, 11, 12]]


def test_an_unrepaired_hole_drops_until_the_next_keyframe_and_asks_for_one() -> None:
    clock = Clock()
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=clock)
    frames.push(packet(1, VP8_KEY, marker=True))
    # Packet 2 is lost for good; later frames pile up behind it.
    frames.push(packet(3, VP8_CONTINUATION, marker=True))
    clock.now = 0.1
    assert frames.push(packet(4, VP8_DELTA_START, marker=True)) == ([], False)
    clock.now = 0.4
    released, ask = frames.push(packet(5, VP8_DELTA_START, marker=True))
    assert released == [] and ask and frames.waiting_for_keyframe and frames.gaps == 1
    # Delta frames are dropped until a keyframe starts, which flows at once.
    assert frames.push(packet(6, VP8_DELTA_START, marker=True)) == ([], False)
    released, ask = frames.push(packet(7, VP8_KEY, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[7]] and not ask
    # A late retransmission of the abandoned packet is ignored.
    assert frames.push(packet(2, VP8_CONTINUATION)) == ([], False)


def test_sequence_numbers_wrap_around() -> None:
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=Clock())
    frames.push(packet(0xFFFF, VP8_KEY))
    released, _ = frames.push(packet(0x10000, VP8_CONTINUATION, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[0xFFFF, 0]]


def test_a_keyframe_whose_first_packet_arrives_last_still_completes() -> None:
    """The first packet of the keyframe the SFU waits for was lost and comes back as a retransmission
    after the rest: the rest must have been kept."""
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=Clock())
    frames.push(packet(11, VP8_CONTINUATION))
    frames.push(packet(12, VP8_CONTINUATION, marker=True))
    released, _ = frames.push(packet(10, VP8_KEY))
    assert [[p.sequence_number for p in f] for f in released] == [[10, 11, 12]]


def test_a_keyframe_with_a_hole_that_is_never_repaired_is_not_chosen_again() -> None:
    """A broken keyframe must not block the stream: the next keyframe flows once the hole times out."""
    clock = Clock()
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=clock)
    frames.push(packet(1, VP8_KEY))  # packet 2 lost for good
    frames.push(packet(3, VP8_CONTINUATION, marker=True))
    frames.push(packet(4, VP8_DELTA_START, marker=True))
    clock.now = 0.3
    released, ask = frames.push(packet(5, VP8_DELTA_START, marker=True))
    assert released == [] and ask and frames.waiting_for_keyframe
    for seq in (6, 7):
        clock.now += 0.5
        frames.push(packet(seq, VP8_DELTA_START, marker=True))
    released, _ = frames.push(packet(8, VP8_KEY, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[8]]
    released, _ = frames.push(packet(9, VP8_DELTA_START, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[9]]


def test_a_stall_behind_a_second_keyframe_skips_to_it() -> None:
    clock = Clock()
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=clock)
    frames.push(packet(1, VP8_KEY))  # packet 2 lost for good
    frames.push(packet(3, VP8_CONTINUATION, marker=True))
    frames.push(packet(4, VP8_KEY))
    frames.push(packet(5, VP8_CONTINUATION, marker=True))
    clock.now = 0.3
    released, ask = frames.push(packet(6, VP8_DELTA_START, marker=True))
    assert [[p.sequence_number for p in f] for f in released] == [[4, 5], [6]] and ask


def test_while_waiting_for_a_keyframe_it_asks_again_in_case_the_request_was_lost() -> None:
    clock = Clock()
    frames = FrameAssembler(vp8_keyframe_start, gap_timeout=0.25, clock=clock, reask_interval=1.0)
    assert frames.push(packet(1, VP8_DELTA_START, marker=True)) == ([], True)
    clock.now = 0.5
    assert frames.push(packet(2, VP8_DELTA_START, marker=True)) == ([], False)
    clock.now = 1.1
    assert frames.push(packet(3, VP8_DELTA_START, marker=True)) == ([], True)


def test_the_forwarding_delay_histogram_reads_percentiles_within_a_bucket() -> None:
    delays = DelayHistogram()
    assert math.isnan(delays.percentile(0.99))
    for _ in range(98):
        delays.record(0.0002)  # 0.2 ms
    delays.record(0.004)
    delays.record(0.050)
    assert 0.0002 <= delays.percentile(0.5) <= 0.0002 * 1.2
    assert 0.004 <= delays.percentile(0.99) <= 0.004 * 1.2
    assert delays.percentile(1.0) == delays.max_s == 0.050
    delays.reset()
    assert delays.count == 0 and math.isnan(delays.percentile(0.5))
