from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from media import MediaConfig, MediaWorker

# Fast consent checks so a vanished client is noticed in about 1.5 s instead of 30 s.
FAST = MediaConfig(consent_interval_s=0.5, consent_failures=3)


@pytest.fixture
async def worker() -> AsyncIterator[MediaWorker]:
    w = MediaWorker(FAST)
    yield w
    await w.close()
