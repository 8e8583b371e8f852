"""Three Python clients join the demo therapy session through the waiting room, see and hear each other
through the SFU, and the psychologist mutes and then removes one of them.

Against a running demo server (``oncommun serve --demo`` or ``make run``)::

    python -m loadtests.video_demo --url http://127.0.0.1:8080

It prints what each participant received (frames decoded per publisher and kind) at each stage.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp

from loadtests.live_client import LiveClient

DEMO_PASSWORD = "oncommun-demo"  # noqa: S105 - the demo's published password


async def login(http: aiohttp.ClientSession, url: str, username: str, password: str) -> dict[str, Any]:
    async with http.post(f"{url}/api/auth/login", json={"username": username, "password": password}) as response:
        response.raise_for_status()
        body: dict[str, Any] = await response.json()
        return body


async def demo_session(http: aiohttp.ClientSession, url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{url}/api/rooms", headers=headers) as response:
        rooms = (await response.json())["rooms"]
    therapy = [r for r in rooms if r["kind"] == "therapy"]
    if not therapy:
        raise SystemExit("the psychologist has no therapy room: start the server with --demo")
    agenda = f"{url}/api/rooms/{therapy[0]['id']}/live-sessions"
    async with http.get(agenda, headers=headers) as response:
        sessions = (await response.json())["sessions"]
    if sessions:
        return int(sessions[0]["id"])
    starts_at = datetime.now(UTC).isoformat()  # the last run ended the demo's session: schedule another
    async with http.post(agenda, headers=headers, json={"title": "Demo call", "starts_at": starts_at}) as response:
        response.raise_for_status()
        return int((await response.json())["session"]["id"])


async def report(stage: str, clients: list[LiveClient], names: dict[int, str]) -> None:
    print(f"\n== {stage}")
    for client in clients:
        received = await client.received()
        heard = ", ".join(f"{names.get(user, user)} {kind} {count}" for (user, kind), count in sorted(received.items()))
        print(f"  {client.name:<14} decoded: {heard or 'nothing'}")


async def main_async(args: argparse.Namespace) -> None:
    host_name, *patient_names = args.users.split(",")
    async with aiohttp.ClientSession() as http:
        logins = {name: await login(http, args.url, name, args.password) for name in [host_name, *patient_names]}
        names = {login["user"]["id"]: name for name, login in logins.items()}
        session = await demo_session(http, args.url, logins[host_name]["token"])
    clients = {name: LiveClient(name, args.url, logins[name]["token"]) for name in logins}
    try:
        for client in clients.values():
            await client.connect()
        host = clients[host_name]
        print("open:", (await host.call("open", {"session": session}))["session"]["state"])
        print(f"{host_name} joins:", (await host.join(session))["status"])
        for name in patient_names:
            print(f"{name} joins:", (await clients[name].join(session)).get("status"))
        await asyncio.sleep(0.5)
        print("waiting room seen by the host:", [w["display_name"] for w in host.waiting])
        first = logins[patient_names[0]]["user"]["id"]
        print("admit one:", await host.call("admit", {"session": session, "user_id": first}))
        print("admit all:", await host.call("admit", {"session": session, "all": True}))
        await asyncio.sleep(args.seconds)
        await report("everyone in", list(clients.values()), names)

        target = patient_names[-1]
        target_id = logins[target]["user"]["id"]
        await host.call("mute", {"session": session, "user_id": target_id, "kind": "audio"})
        await asyncio.sleep(0.5)
        before = {c.name: (await c.received()).get((target_id, "audio"), 0) for c in clients.values()}
        await asyncio.sleep(args.seconds / 2)
        after = {c.name: (await c.received()).get((target_id, "audio"), 0) for c in clients.values()}
        print(f"\n== {host_name} muted {target}: their audio frames decoded by others, before -> after")
        for name in before:
            if name != target:
                print(f"  {name:<14} {before[name]} -> {after[name]}")

        await host.call("remove", {"session": session, "user_id": target_id})
        await asyncio.sleep(0.5)
        print(f"\n{target} was told: left ({clients[target].left});",
              "participants now:", [p["display_name"] for p in host.participants])
        print("end:", await host.call("end", {"session": session}))
    finally:
        for client in clients.values():
            await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--users", default="psy.marta,patient.jordi,patient.ewa",
                        help="the psychologist first, then the patients")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--seconds", type=float, default=4.0, help="how long each stage runs")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
