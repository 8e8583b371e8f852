"""Each touch of aiortc's internals (media/aiortc_internals/), checked so an upgrade fails loudly.

Behaviour is covered by the other tests in tests/media; here each private name we rely on is checked
to exist, plus the behaviours no other test pins: RTX routing with several video receivers, loss
recovery on a subscriber leg, and the ICE bind addresses.
"""

from __future__ import annotations

import asyncio
import inspect
import struct
import time

import aioice.ice
import aiortc
import pylibsrtp
from aiortc import (
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    rtcdtlstransport,
    rtcpeerconnection,
    rtcrtpreceiver,
    rtcrtpsender,
)

from media import MediaConfig, MediaWorker, RouterId, TransportId
from media import aiortc_internals as internals
from media.aiortc_internals import inline as internals_inline
from tests.media.peers import Client, Signaling, eventually


def test_aiortc_is_the_pinned_version() -> None:
    assert aiortc.__version__ == internals.EXPECTED_AIORTC


async def test_the_private_names_the_sfu_relies_on_still_exist() -> None:
    pc = RTCPeerConnection()
    transceiver = pc.addTransceiver("video", direction="sendonly")
    receiver, sender = transceiver.receiver, transceiver.sender
    for name in ("__started", "__codecs", "__remote_streams", "__rtx_ssrc", "__nack_generator",
                 "__decoder_thread", "__stop_decoder"):
        assert hasattr(receiver, f"_RTCRtpReceiver{name}"), name
    for name in ("_send_rtcp_nack", "_send_rtcp_pli", "_handle_rtp_packet", "_enabled"):
        assert hasattr(receiver, name), name
    assert list(inspect.signature(RTCRtpReceiver._handle_rtp_packet).parameters) == [
        "self", "packet", "arrival_time_ms"]
    for name in ("__started", "__rtp_history", "__rtp_header_extensions_map", "__mid", "__ntp_timestamp",
                 "__rtp_timestamp", "__octet_count", "__packet_count", "__encoder"):
        assert hasattr(sender, f"_RTCRtpSender{name}"), name
    for name in ("_ssrc", "_rtx_ssrc", "_send_keyframe", "_retransmit", "_handle_rtcp_packet"):
        assert hasattr(sender, name), name
    assert "_send_keyframe" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    assert hasattr(transceiver, "_codecs")
    assert hasattr(rtcrtpreceiver, "StreamStatistics") and hasattr(rtcrtpreceiver, "get_decoder")
    assert hasattr(rtcrtpsender, "get_encoder") and hasattr(rtcrtpsender, "random_sequence_number")
    assert hasattr(rtcdtlstransport.RTCDtlsTransport, "_send_rtp")
    assert hasattr(rtcdtlstransport.RtpRouter(), "ssrc_table")
    recv_next = inspect.getsource(rtcdtlstransport.RTCDtlsTransport._recv_next)
    assert "self._handle_rtp_data(data, arrival_time_ms=" in recv_next and "self._handle_rtcp_data(data)" in recv_next
    assert hasattr(rtcdtlstransport.RtpRouter, "route_rtp") and hasattr(rtcdtlstransport.RtpRouter, "route_rtcp")
    # Stable numbering: createOffer resets each transceiver's codecs/extensions, then describes each
    # m-line through the module-level function we wrap; setRemoteDescription sets the negotiated ones.
    pc_source = inspect.getsource(rtcpeerconnection)
    assert "transceiver._headerExtensions = HEADER_EXTENSIONS[transceiver.kind][:]" in pc_source
    assert pc_source.count("create_media_description_for_transceiver(") >= 3
    assert "transceiver._codecs = common" in pc_source and "codecs=transceiver._codecs," in pc_source
    assert hasattr(transceiver, "_headerExtensions")
    assert hasattr(aioice.ice, "get_host_addresses") and aioice.ice.asyncio is not None
    assert "asyncio.get_running_loop()" in inspect.getsource(aioice.ice.Connection.get_component_candidates)
    assert "local_addr=(address, 0)" in inspect.getsource(aioice.ice.Connection.get_component_candidates)
    assert isinstance(aioice.ice.CONSENT_INTERVAL, (int, float))
    assert isinstance(aioice.ice.CONSENT_FAILURES, int)
    assert "CONSENT_INTERVAL" in inspect.getsource(aioice.ice.Connection.query_consent)
    # Touch 2: a NACK reaches the port through sender._retransmit; RTX needs the negotiated type.
    assert "await self._retransmit(seq)" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    assert hasattr(sender, "_RTCRtpSender__rtx_payload_type")
    # Touch 10 (REMB): the sender parses REMB itself for an encoder; the router routes it by its FCI.
    assert "unpack_remb_fci" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    assert "unpack_remb_fci(packet.fci)" in inspect.getsource(rtcdtlstransport.RtpRouter.route_rtcp)
    for name in ("__rtcp_ssrc", "__remote_bitrate_estimator"):
        assert hasattr(receiver, f"_RTCRtpReceiver{name}"), name
    # Touch 11 (reports): send()/receive() start _run_rtcp, stop() waits for its two events.
    assert "asyncio.ensure_future(self._run_rtcp())" in inspect.getsource(RTCRtpSender.send)
    assert "asyncio.ensure_future(self._run_rtcp())" in inspect.getsource(RTCRtpReceiver.receive)
    for name in ("__rtcp_started", "__rtcp_exited", "__cname"):
        assert hasattr(sender, f"_RTCRtpSender{name}"), name
    for name in ("__rtcp_started", "__rtcp_exited", "__lsr", "__lsr_time"):
        assert hasattr(receiver, f"_RTCRtpReceiver{name}"), name
    # Touch 7 (the wire): DTLS state, SRTP session and counters; aioice's nominated pair.
    dtls = sender.transport
    for name in ("_state", "_tx_srtp", "_rx_srtp", "_rtp_router", "_rtp_header_extensions_map",
                 "_RTCDtlsTransport__tx_bytes", "_RTCDtlsTransport__tx_packets",
                 "_RTCDtlsTransport__rx_bytes", "_RTCDtlsTransport__rx_packets"):
        assert hasattr(dtls, name), name
    assert rtcdtlstransport.State.CONNECTED
    connection = dtls.transport._connection
    assert isinstance(connection._nominated, dict) and isinstance(connection._queue, asyncio.Queue)
    assert "active_pair.protocol.send_data(data, active_pair.remote_addr)" in inspect.getsource(
        aioice.ice.Connection.sendto)
    assert "self.transport.sendto(data, addr)" in inspect.getsource(aioice.ice.StunProtocol.send_data)
    assert hasattr(aioice.ice.CandidatePair, "remote_addr")
    session = pylibsrtp.Session()
    assert session._srtp and session._cdata and session._buffer is not None
    assert hasattr(pylibsrtp._binding.lib, "srtp_protect") and hasattr(pylibsrtp._binding.lib, "srtp_unprotect")
    assert pylibsrtp.SRTP_MAX_TRAILER_LEN > 0
    # Touch 8 (inline receiving): aioice hands non-STUN datagrams to Connection.data_received,
    # which queues them for the DTLS transport's receive task.
    assert "self.receiver.data_received(data, self.local_candidate.component)" in inspect.getsource(
        internals_inline._original_datagram_received)
    assert "self._queue.put_nowait((data, component))" in inspect.getsource(aioice.ice.Connection.data_received)
    await pc.close()


async def test_server_receivers_never_decode_and_server_senders_never_encode(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("codecs"))
    signaling = Signaling()
    clients = [Client("ana"), Client("ben")]
    transports = [router.create_transport(TransportId(c.name)) for c in clients]
    for transport, client in zip(transports, clients, strict=True):
        await signaling.join(transport, client)
    await signaling.settle()
    assert await eventually(lambda: all(
        c.mid is not None and cl.decoded[c.mid] > 3
        for t, cl in zip(transports, clients, strict=True) for c in t.consumers), within=10)
    for transport in transports:
        for transceiver in transport.peer_connection.getTransceivers():
            assert isinstance(transceiver.receiver, internals.ForwardingReceiver)
            assert not internals.decoder_running(transceiver.receiver)
            assert not internals.encoder_created(transceiver.sender)
    for client in clients:
        await client.close()


async def test_rtx_reaches_a_subscriber_of_several_videos_and_repairs_a_lossy_leg(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("rtx"))
    signaling = Signaling()
    people = {name: Client(name, publish=name != "ben") for name in ("ana", "ben", "cai")}
    transports = {name: router.create_transport(TransportId(name)) for name in people}
    for name, client in people.items():
        await signaling.join(transports[name], client)
    await signaling.settle()
    ben, ben_transport = people["ben"], transports["ben"]
    videos = [c for c in ben_transport.consumers if c.kind == "video"]
    assert len(videos) == 2
    assert await eventually(lambda: all(ben.decoded[str(c.mid)] > 3 for c in videos), within=10)

    # Ben's client has two video receivers on one transport: both RTX SSRCs must be routed.
    routed = internals.routed_ssrcs(ben.pc)
    for consumer in videos:
        sender = next(t.sender for t in ben_transport.peer_connection.getTransceivers()
                      if t.mid == consumer.mid)
        assert sender._rtx_ssrc in routed

    # 5 % loss on the server -> Ben leg: Ben's NACKs are answered with RTX on that leg alone.
    dropped = internals.drop_outgoing_rtp(ben_transport.peer_connection, 0.05)
    before = {str(c.mid): ben.decoded[str(c.mid)] for c in videos}
    assert await eventually(lambda: dropped() >= 5, within=10)
    assert await eventually(
        lambda: sum(internals.rtx_packets_received(ben.receiver_for(c.mid)) for c in videos) > 0, within=5)
    # Both videos keep being decoded. (A retransmission that is lost again stalls aiortc's own client
    # jitter buffer for a while; that is the client's weakness, the SFU side never waits on it.)
    assert await eventually(lambda: all(ben.decoded[m] > n + 10 for m, n in before.items()), within=10)
    for client in people.values():
        await client.close()


async def test_ice_binds_only_to_the_configured_addresses_and_port_range() -> None:
    worker = MediaWorker(MediaConfig(bind_addresses=("127.0.0.1",), udp_port_range=(42100, 42109)))
    try:
        client = Client("ana")
        transport = worker.create_router(RouterId("bind")).create_transport(TransportId("ana"))
        answer = await transport.apply_offer(await client.offer())
        candidates = [line for line in answer.splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(" 127.0.0.1 " in line for line in candidates)
        ports = [int(line.split()[5]) for line in candidates]
        assert all(42100 <= port <= 42109 for port in ports), ports
        await client.accept_answer(answer)
        assert await eventually(lambda: transport.connection_state == "connected", within=5)
        await client.close()
    finally:
        await worker.close()
        MediaWorker(MediaConfig())  # restore aioice's defaults for the other tests


def test_consent_timing_is_configured_process_wide() -> None:
    MediaWorker(MediaConfig(consent_interval_s=0.7, consent_failures=4))
    assert (aioice.ice.CONSENT_INTERVAL, aioice.ice.CONSENT_FAILURES) == (0.7, 4)
    MediaWorker(MediaConfig())
    assert (aioice.ice.CONSENT_INTERVAL, aioice.ice.CONSENT_FAILURES) == (5.0, 6)


def _rtp_with_wrong_length_extensions(seq: int) -> bytes:
    """An RTP packet whose one-byte header extensions (ids 1-14) are all 2 bytes long.

    Whichever ids carry abs-send-time (3 bytes) or the audio level (1 byte), aiortc's parser raises
    ``struct.error`` on them, which aiortc 1.16.0 does not catch.
    """
    elements = b"".join(bytes([(x_id << 4) | 1]) + b"aa" for x_id in range(1, 15))
    elements += b"\0" * (-len(elements) % 4)
    header = struct.pack("!BBHII", 0x90, 111, seq, 123456, 0x1234ABCD)
    return header + b"\xbe\xde" + (len(elements) // 4).to_bytes(2, "big") + elements + b"\0" * 20


async def test_a_malformed_packet_is_dropped_and_the_participant_stays_connected(worker: MediaWorker) -> None:
    router = worker.create_router(RouterId("malformed"))
    signaling = Signaling()
    ana, ben = Client("ana"), Client("ben", publish=False)
    ana_transport = router.create_transport(TransportId("ana"))
    await signaling.join(ana_transport, ana)
    await signaling.join(router.create_transport(TransportId("ben")), ben)
    await signaling.settle()
    assert await eventually(lambda: len(ben.decoded) == 2 and min(ben.decoded.values()) > 3, within=10)

    for seq in range(5):  # distinct sequence numbers, or SRTP replay protection drops the copies
        await internals.send_raw_rtp(ana.audio_sender, _rtp_with_wrong_length_extensions(seq))
    assert await eventually(lambda: internals.malformed_packets(ana_transport.peer_connection) == 5)

    before = dict(ben.decoded)
    assert await eventually(lambda: all(ben.decoded[m] > n + 10 for m, n in before.items()), within=10)
    assert ana_transport.connection_state == "connected" and not ana_transport.is_closed
    assert [p.id for p in ana_transport.producers] and len(router.producers) == 2
    for client in (ana, ben):
        await client.close()


async def test_forwarded_packets_arrive_inline_and_leave_through_the_wire(worker: MediaWorker) -> None:
    """Touches 7 and 8 at work: once media flows, the server handles its RTP in the datagram callback,
    and what it sends through the wire shows in the transport's statistics as aiortc's own sends did."""
    router = worker.create_router(RouterId("wire"))
    signaling = Signaling()
    ana, ben = Client("ana"), Client("ben", publish=False)
    ana_transport = router.create_transport(TransportId("ana"))
    ben_transport = router.create_transport(TransportId("ben"))
    await signaling.join(ana_transport, ana)
    await signaling.join(ben_transport, ben)
    await signaling.settle()
    assert await eventually(lambda: len(ben.decoded) == 2 and min(ben.decoded.values()) > 10, within=10)

    ana_dtls = ana_transport.peer_connection.getTransceivers()[0].receiver.transport
    published = sum(p.packets_received for p in ana_transport.producers)
    # Only the first packets (before the receivers switched) went through aiortc's receive task.
    assert internals.inline_packets(ana_dtls) > published * 0.9
    forwarded = sum(c.packets_sent for c in ben_transport.consumers)
    stats = await ben_transport.peer_connection.getStats()
    sent = sum(s.packetsSent for s in stats.values() if s.type == "transport")
    assert forwarded > 20 and sent >= forwarded
    for client in (ana, ben):
        await client.close()


def test_direct_srtp_calls_interoperate_with_pylibsrtp_and_refuse_replays_and_forgeries() -> None:
    key = bytes(range(30))
    sender = pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
    receiver = pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND))
    protect, unprotect = internals.SrtpCall.protect(sender), internals.SrtpCall.unprotect(receiver)
    packets = [struct.pack("!BBHII", 0x80, 96, seq, 3000 * seq, 0xABCD) + bytes([seq]) * 900 for seq in range(3)]

    wire: list[bytes] = []
    for packet in packets:
        protected = protect(packet)
        assert protected is not None and protected != packet
        wire.append(protected)
    assert receiver.unprotect(wire[0]) == packets[0]  # pylibsrtp's own call reads the direct one
    assert unprotect(wire[1]) == packets[1]
    assert unprotect(wire[1]) is None  # a replay
    forged = bytearray(wire[2])
    forged[40] ^= 1
    assert unprotect(bytes(forged)) is None  # fails authentication
    assert unprotect(wire[2]) == packets[2]
    assert protect(b"\x80" * 70_000) is None  # longer than the session's buffer


async def test_reports_for_every_stream_travel_together_in_few_compound_packets(
    worker: MediaWorker,
) -> None:
    """Touch 11: one reports task per transport sends every forwarding sender's SR (with the counts the
    subscriber needs for lip sync and statistics), and a stopped transport stops cleanly."""
    router = worker.create_router(RouterId("reports"))
    signaling = Signaling()
    people = {name: Client(name, publish=name != "dan") for name in ("ana", "ben", "cai", "dan")}
    transports = {name: router.create_transport(TransportId(name)) for name in people}
    for name, client in people.items():
        await signaling.join(transports[name], client)
    await signaling.settle()
    dan, dan_transport = people["dan"], transports["dan"]
    assert await eventually(lambda: len(dan.decoded) == 6 and min(dan.decoded.values()) > 3, within=10)

    received = {c.id: internals.sender_reports_received(dan.receiver_for(c.mid)) for c in dan_transport.consumers}
    dtls = dan_transport.peer_connection.getTransceivers()[0].sender.transport
    compound_before = internals.reports_for(dtls).sent
    assert await eventually(lambda: all(len(r) >= 2 for r in received.values()), within=6)
    compound_sent = internals.reports_for(dtls).sent - compound_before
    reports = sum(len(r) for r in received.values())
    assert compound_sent * 2 <= reports  # six streams, reported together rather than one packet each
    for consumer in dan_transport.consumers:
        latest = received[consumer.id][-1]
        sender = next(t.sender for t in dan_transport.peer_connection.getTransceivers() if t.mid == consumer.mid)
        assert latest.ssrc == sender._ssrc
        assert 0 < latest.sender_info.packet_count <= consumer.packets_sent
        unix_seconds = latest.sender_info.ntp_timestamp / 2**32 - 2208988800
        assert abs(unix_seconds - time.time()) < 5
    # The server's receiver reports reach the publishers, in the same compound packets.
    ana_stats = await people["ana"].video_sender.getStats()
    remote = [s for s in ana_stats.values() if s.type == "remote-inbound-rtp"]
    assert remote and remote[0].packetsReceived > 0, remote
    router.close()
    await router.wait_closed()
    task = internals.reports_for(dtls)._task
    assert task is not None and await eventually(task.done, within=1)  # it ends with its transport
    for client in people.values():
        await client.close()
