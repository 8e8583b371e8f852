"""A client peer in its own process, driven over stdin/stdout with JSON lines, so a test can kill it
without goodbye (no DTLS close, no RTCP BYE): ``python -m tests.media.remote_peer``."""

from __future__ import annotations

import asyncio
import json
import sys

from tests.media.peers import Client


async def main() -> None:
    client = Client("remote")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        request = json.loads(line)
        if request["op"] == "offer":
            reply = {"sdp": await client.offer()}
        elif request["op"] == "answer":
            reply = {"sdp": await client.answer(request["sdp"])}
        else:
            await client.accept_answer(request["sdp"])
            reply = {}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
