"""A small in-process rate limit for the routes anyone may call without login (the public card page,
the login page): a token bucket per client address.

Each address holds up to ``burst`` requests and earns ``per_minute`` more a minute; a request
finding its bucket empty is refused with :class:`RateLimited` (429 with ``Retry-After``). The
limit lives in the process, which is enough to make counting through the public pages slow
without a shared store; a deployment with several processes multiplies it by their number.

The client address is the connection's peer (``request.client``). Behind a reverse proxy, let
uvicorn put the real client there (``--proxy-headers --forwarded-allow-ips``): a forwarded header
is not read here, since any client could send one and so pick a fresh bucket for every request.

Only the routes that declare :data:`app.deps.RateLimited` pay for it; logged-in API use never
passes through it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request


class RateLimited(Exception):
    """Too many requests from one address: answered 429 with ``Retry-After: retry_after``."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"请求过于频繁, 请 {retry_after} 秒后再试 (too many requests; retry after {retry_after} s)")


class TokenBucket:
    """Token buckets keyed by client address: ``burst`` tokens at most, ``per_minute`` earned a minute.

    At most ``max_clients`` buckets are kept; beyond that the least recently seen go first (such a
    client starts again with a full bucket, which is what a long-idle client would have anyway)."""

    def __init__(self, burst: int, per_minute: float, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        if burst < 1 or per_minute <= 0:
            raise ValueError(f"限流参数无效: burst={burst}, per_minute={per_minute} (invalid rate limit)")
        self.capacity = float(burst)
        self.rate = per_minute / 60.0       # tokens a second
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()   # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``'s bucket: 0.0 when there was one, else the seconds until there is."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)          # now the most recently seen
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def client_key(request: Request) -> str:
    """The address a request is counted against."""
    return request.client.host if request.client else "unknown"


async def limit_anonymous(request: Request) -> None:
    """The dependency of the anonymous routes: one token of the caller's bucket, or 429.
    Async, so it runs on the event loop without a hop to the thread pool."""
    wait = request.app.state.anonymous_limit.take(client_key(request))
    if wait > 0:
        raise RateLimited(max(1, math.ceil(wait)))
