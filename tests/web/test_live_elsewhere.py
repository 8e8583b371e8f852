"""Two server processes: a patient whose web app talks to one joins a session that runs on the other."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.conftest import RunningServer, ServerFactory, UserFactory, free_port
from tests.web.conftest import Api, PageFactory, Site
from tests.web.test_live_session import assert_remote_videos_play, sfu_report


async def test_a_patient_on_another_server_process_is_taken_to_the_session_and_sees_the_psychologist(
    make_user: UserFactory, site: Site, api: Api, signed_in: PageFactory, web_server: RunningServer,
    server_factory: ServerFactory,
) -> None:
    port = free_port()
    holder = await server_factory(
        media_bind_addresses=("127.0.0.1",), port=port, public_url=f"http://127.0.0.1:{port}",
        cors_origins=(web_server.url,),  # the patient's web app comes from web_server's origin
    )
    patient = await make_user("patient", site_id=site.id)
    await api.set_step(site.psychologist, patient, 4)
    room = await api.create_room(site.psychologist, "therapy", 4, [(patient, "member")], name="Monday group")

    marta = await signed_in(site.psychologist, server=holder)
    await marta.page.goto(f"/#/room/{room['id']}")
    await marta.page.get_by_role("button", name="Start a video session now").click()
    await expect(marta.page.get_by_test_id("live-status")).to_have_text("You are in the session.")

    # Laia's app is served by the other process; joining takes her to the one running the session.
    laia = await signed_in(patient)
    await laia.page.goto(f"/#/room/{room['id']}")
    await laia.page.get_by_test_id("live-panel").get_by_role("link", name=re.compile("Join")).click()
    await expect(laia.page.get_by_test_id("live-status")).to_contain_text("waiting room")
    await marta.page.get_by_test_id("waiting").get_by_role(
        "button", name=f"Admit {patient.person.display_name}").click()
    await expect(laia.page.get_by_test_id("live-status")).to_have_text("You are in the session.")

    try:
        await assert_remote_videos_play(laia, [marta])
        await assert_remote_videos_play(marta, [laia])
    except AssertionError as err:
        raise AssertionError("\n".join([str(err), *sfu_report(holder)])) from None
    # Chromium's bandwidth estimates (REMB) reach each video producer, which relays them to the publisher.
    videos = [p for r in holder.services.live_video.worker.routers for p in r.producers if p.kind == "video"]
    deadline = asyncio.get_running_loop().time() + 10
    while not all(p.target_bitrate for p in videos):
        assert asyncio.get_running_loop().time() < deadline, [p.target_bitrate for p in videos]
        await asyncio.sleep(0.2)
    # All of it ran on the holder: the process Laia's app came from has no media session at all.
    assert [len(r.transports) for r in holder.services.live_video.worker.routers] == [2]
    assert web_server.services.live_video.worker.routers == []

    await marta.page.get_by_role("button", name="End for everyone").click()
    await expect(laia.page.get_by_test_id("live-status")).to_have_text("The session has ended.")
    for person in (marta, laia):
        assert person.errors == [], person.errors
