"""Failed-authentication rate limit per client address: slows down guessing of API keys.

After ``limit`` failed attempts (a key sent but refused: unknown, wrong secret, revoked, expired or a
rotated-out secret) from one address within ``window`` seconds, every request from that address that
needs a key gets 429 ``too_many_attempts`` with ``Retry-After`` until ``window`` seconds have passed
since the attempt that reached the limit. Requests without any key are not attempts.

During a lock-out even a correct key gets 429: the lock-out is checked before the key. Were a correct
key let through, a guesser would still learn which guess was right (200 instead of 429) and the limit
would not slow guessing down at all. A success never clears an address's failures either, so a
guesser holding one valid key cannot interleave it to reset the count.

Memory is bounded: at most ``max_addresses`` addresses are tracked (the least recently failing one is
forgotten first), each with at most ``limit`` timestamps.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Attempts:
    """Recent failure times of one address, and the end of its lock-out (monotonic seconds)."""

    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class FailedAuthLimiter:
    """Counts failed authentications per address and says when an address is locked out (thread-safe).

    Args:
        limit: failures within ``window`` that lock an address out; 0 disables the limit.
        window: seconds over which failures are counted, and the length of a lock-out.
        max_addresses: most addresses tracked at once.
        clock: monotonic seconds (tests may pass their own).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        max_addresses: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._addresses: OrderedDict[str, _Attempts] = OrderedDict()

    def retry_after(self, address: str) -> int | None:
        """Whole seconds until ``address`` may try again, or None when it is not locked out."""
        if self.limit <= 0:
            return None
        with self._lock:
            attempts = self._addresses.get(address)
            if attempts is None or not attempts.locked_until:
                return None
            remaining = attempts.locked_until - self._clock()
            if remaining <= 0:
                del self._addresses[address]  # lock-out over: the address starts afresh
                return None
            return max(1, math.ceil(remaining))

    def record_failure(self, address: str) -> None:
        """Count one failed authentication from ``address`` (locks it out on reaching the limit)."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            attempts = self._addresses.pop(address, None) or _Attempts()
            self._addresses[address] = attempts  # most recent last, so eviction drops the stalest
            failures = attempts.failures
            failures.append(now)
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            while len(failures) > self.limit:
                failures.popleft()
            if len(failures) >= self.limit:
                attempts.locked_until = now + self.window
            while len(self._addresses) > self.max_addresses:
                self._addresses.popitem(last=False)

    def tracked(self) -> int:
        """Number of addresses currently remembered."""
        with self._lock:
            return len(self._addresses)
