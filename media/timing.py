"""How long the SFU holds a packet: a cheap histogram, filled on the forwarding path.

Why: the end-to-end latency a client sees mixes the network, the client's own event loop and the
server. ``forwarding_delays`` on the MediaWorker isolates the server's part of the work: from the
moment a received packet is handed to its Producer to the moment the last subscriber's copy has been
given to the kernel. Time a datagram waits in the socket before the event loop reads it is not in
here; the video benchmark measures that separately as event-loop lag.
"""

from __future__ import annotations

import math

# Bucket edges grow by 2**(1/4) (about 19 %) from 1 us: 100 buckets reach past 30 s.
_STEPS_PER_OCTAVE = 4
_BUCKETS = 100
_FLOOR_S = 1e-6


class DelayHistogram:
    """Counts of durations in logarithmic buckets; percentiles are read as a bucket's upper edge."""

    __slots__ = ("_counts", "count", "max_s")

    def __init__(self) -> None:
        self._counts = [0] * _BUCKETS
        self.count = 0
        self.max_s = 0.0

    def record(self, seconds: float) -> None:
        if seconds <= _FLOOR_S:
            index = 0
        else:
            index = min(_BUCKETS - 1, int(math.log2(seconds / _FLOOR_S) * _STEPS_PER_OCTAVE) + 1)
        self._counts[index] += 1
        self.count += 1
        if seconds > self.max_s:
            self.max_s = seconds

    def percentile(self, q: float) -> float:
        """The duration (seconds) at or below which a fraction ``q`` of the recorded ones fall."""
        if not self.count:
            return math.nan
        rank = q * self.count
        seen = 0
        for index, n in enumerate(self._counts):
            seen += n
            if seen >= rank and n:
                return min(self.max_s, _FLOOR_S * 2 ** (index / _STEPS_PER_OCTAVE))
        return self.max_s

    def reset(self) -> None:
        """Start a new measurement window (the benchmark does at the start of its window)."""
        self._counts = [0] * _BUCKETS
        self.count = 0
        self.max_s = 0.0
