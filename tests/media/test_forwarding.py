"""Participants see and hear each other through the SFU, which forwards and never transcodes."""

from __future__ import annotations

import asyncio

from aiortc import RTCRtpSender

from media import MediaWorker, Router, RouterId, Transport, TransportId
from media import aiortc_internals as internals
from media.router import ActiveSpeaker
from tests.media.peers import Client, Signaling, eventually


async def join(router: Router, signaling: Signaling, name: str, **kwargs: bool) -> tuple[Transport, Client]:
    client = Client(name, **kwargs)
    transport = router.create_transport(TransportId(name))
    await signaling.join(transport, client)
    return transport, client


def decoded_from_everyone(transport: Transport, client: Client, frames: int) -> bool:
    mids = [c.mid for c in transport.consumers]
    return bool(mids) and all(m is not None and client.decoded[m] >= frames for m in mids)


async def test_three_participants_see_and_hear_each_other_while_the_server_transcodes_nothing(
    worker: MediaWorker,
) -> None:
    with internals.count_codec_instances() as codecs:
        router = worker.create_router(RouterId("group"))
        signaling = Signaling()
        people = [await join(router, signaling, name) for name in ("ana", "ben", "cai")]
        await signaling.settle()

        assert await eventually(
            lambda: all(decoded_from_everyone(t, c, 10) for t, c in people), within=10
        ), [dict(c.decoded) for _, c in people]

        for transport, _client in people:
            assert sorted(c.kind for c in transport.consumers) == ["audio", "audio", "video", "video"]
            others = {p.transport_id for c in transport.consumers for p in [c.producer]}
            assert transport.id not in others and len(others) == 2
        # Server side: no decoder thread and no encoder on any of its transceivers.
        for transport, _ in people:
            for transceiver in transport.peer_connection.getTransceivers():
                assert not internals.decoder_running(transceiver.receiver)
                assert not internals.encoder_created(transceiver.sender)
        for _, client in people:
            await client.close()
    # Every encoder and decoder in this process belongs to a client: 3 x (VP8 + Opus) published,
    # 3 x 4 streams decoded. One more on either side would be the server transcoding.
    assert codecs.encoders == 6
    assert codecs.decoders == 12


async def test_a_late_joiner_receives_a_keyframe_within_one_second(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("late"))
    signaling = Signaling()
    early = [await join(router, signaling, name) for name in ("ana", "ben")]
    await signaling.settle()
    assert await eventually(lambda: all(decoded_from_everyone(t, c, 5) for t, c in early), within=10)
    await asyncio.sleep(1.0)  # the publishers' first keyframes are long gone

    loop = asyncio.get_running_loop()
    joined_at = loop.time()
    transport, late = await join(router, signaling, "cai")
    await signaling.settle()
    video_mids = [c.mid for c in transport.consumers if c.kind == "video"]
    assert await eventually(lambda: all(m in late.first_frame_at for m in video_mids), within=3)
    delays = [late.first_frame_at[str(m)] - joined_at for m in video_mids]
    print("late joiner first video frame after", delays)
    assert max(delays) < 1.0, delays
    for _, client in [*early, (transport, late)]:
        await client.close()


async def test_a_subscribers_picture_loss_indication_reaches_the_publisher(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("pli"))
    signaling = Signaling()
    (ta, ana), (tb, ben) = [await join(router, signaling, name) for name in ("ana", "ben")]
    await signaling.settle()
    assert await eventually(lambda: decoded_from_everyone(tb, ben, 5) and decoded_from_everyone(ta, ana, 5))
    await asyncio.sleep(0.6)  # past the keyframe-request throttle of the join

    requests_seen = []
    internals.on_keyframe_request(ana.video_sender, lambda: requests_seen.append(1))
    ana_video = next(c for c in tb.consumers if c.kind == "video")
    receiver = ben.receiver_for(ana_video.mid)
    internals.send_pli(receiver)
    assert await eventually(lambda: len(requests_seen) == 1, within=2)

    # A burst of PLIs within the throttle window reaches the publisher at most once.
    await asyncio.sleep(0.6)
    before = len(requests_seen)
    for _ in range(5):
        internals.send_pli(receiver)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    assert len(requests_seen) - before == 1
    for client in (ana, ben):
        await client.close()


async def test_the_weakest_subscribers_bandwidth_estimate_reaches_the_publishers_encoder(worker: MediaWorker) -> None:
    """REMB: aiortc hands a subscriber's estimate only to an encoder, which a forwarding sender lacks."""
    router = worker.create_router(RouterId("remb"))
    signaling = Signaling()
    _, ana = await join(router, signaling, "ana")
    (tb, ben), (tc, cai) = [await join(router, signaling, name, publish=False) for name in ("ben", "cai")]
    await signaling.settle()
    assert await eventually(lambda: decoded_from_everyone(tb, ben, 5) and decoded_from_everyone(tc, cai, 5))
    receivers = {}
    for transport, client in ((tb, ben), (tc, cai)):
        video = next(c for c in transport.consumers if c.kind == "video")
        receivers[client.name] = client.receiver_for(video.mid)
        internals.stop_bandwidth_estimation(receivers[client.name])  # the test decides every estimate
    producer = next(p for p in router.producers if p.kind == "video")

    async def estimates(**bitrates: int) -> None:
        for name, bitrate in bitrates.items():
            internals.send_remb_for(receivers[name], bitrate)
        await asyncio.sleep(0.2)

    # Ben's link is poor, Cai's is fine: Ana's encoder aims at Ben's estimate.
    for _ in range(3):
        await estimates(ben=300_000, cai=900_000)
    assert producer.target_bitrate == 300_000
    assert await eventually(lambda: internals.encoder_target_bitrate(ana.video_sender) == 300_000, within=3)

    # Ben leaves: the next estimates count only Cai's, and Ana's encoder goes back up.
    await ben.close()
    tb.close()  # what signaling does when Ben leaves: his consumers close, and his estimate with them
    for _ in range(3):
        await estimates(cai=900_000)
    assert producer.target_bitrate == 900_000
    assert await eventually(lambda: internals.encoder_target_bitrate(ana.video_sender) == 900_000, within=3)

    # Nobody is asked for less than the floor, however bad a link claims to be (aiortc's own VP8 encoder
    # would then clamp to 250 kbps; a browser goes lower).
    for _ in range(2):
        await estimates(cai=1_000)
    assert producer.target_bitrate == 50_000
    for client in (ana, cai):
        await client.close()


async def test_a_muted_producer_stops_reaching_the_others_and_comes_back_when_resumed(
    worker: MediaWorker,
) -> None:
    router = worker.create_router(RouterId("mute"))
    signaling = Signaling()
    people = [await join(router, signaling, name) for name in ("ana", "ben", "cai")]
    await signaling.settle()
    assert await eventually(lambda: all(decoded_from_everyone(t, c, 5) for t, c in people), within=10)

    ana_audio = next(p for p in router.producers if p.transport_id == "ana" and p.kind == "audio")
    listeners = [(c, next(x.mid for x in t.consumers if x.producer is ana_audio)) for t, c in people[1:]]
    ana_audio.pause()
    await asyncio.sleep(0.3)  # frames already in flight
    heard = [c.decoded[str(mid)] for c, mid in listeners]
    await asyncio.sleep(1.0)
    assert [c.decoded[str(mid)] for c, mid in listeners] == heard
    # The others still hear each other.
    ben_audio_at_cai = next(x.mid for x in people[2][0].consumers if x.producer.transport_id == "ben"
                            and x.kind == "audio")
    before = people[2][1].decoded[str(ben_audio_at_cai)]
    await asyncio.sleep(0.3)
    assert people[2][1].decoded[str(ben_audio_at_cai)] > before

    ana_audio.resume()
    assert await eventually(
        lambda: all(c.decoded[str(mid)] > h + 10 for (c, mid), h in zip(listeners, heard, strict=True))
    )
    for _, client in people:
        await client.close()


async def test_the_loudest_participant_becomes_the_active_speaker(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("speaker"))
    speakers: list[ActiveSpeaker] = []
    router.active_speaker_changed.connect(speakers.append)
    signaling = Signaling()
    quiet = await join(router, signaling, "ana")
    loud = await join(router, signaling, "ben", tone=True)
    await signaling.settle()
    assert await eventually(lambda: bool(speakers), within=3)
    assert speakers[0].transport_id == "ben"
    assert speakers[0].level_dbov < 30
    assert router.active_speaker == speakers[0].producer_id
    for _, client in (quiet, loud):
        await client.close()


async def test_h264_video_is_forwarded_and_decoded_too(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("h264"))
    signaling = Signaling()
    ana = Client("ana")
    h264 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    next(t for t in ana.pc.getTransceivers() if t.kind == "video").setCodecPreferences(h264)
    ta = router.create_transport(TransportId("ana"))
    await signaling.join(ta, ana)
    camera = next(p for p in ta.producers if p.kind == "video")
    assert camera.codec.mimeType == "video/H264"
    tb, ben = await join(router, signaling, "ben", publish=False)
    await signaling.settle()
    copy = next(c for c in tb.consumers if c.kind == "video")
    assert await eventually(lambda: ben.decoded[str(copy.mid)] > 5, within=10)
    for client in (ana, ben):
        await client.close()
