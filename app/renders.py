"""How many pictures and documents are drawn at once: a few in all, and at most a couple per user.

Drawing a sheet, a card batch, a report or a briefing keeps a core busy for seconds. Each such route
takes a slot for as long as it draws; a user who already has ``per_user`` drawings in progress, or a
server already drawing ``total``, is answered 429 with ``Retry-After`` at once, with a message that
says why, instead of queueing behind them. So one user cannot take every worker of the server, and
everyone else's pages and tiles, which need no slot, stay quick.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class RenderBusy(Exception):
    """No slot free for this drawing: answered 429 with ``Retry-After``."""

    def __init__(self, message: str, retry_after: int = 10):
        super().__init__(message)
        self.retry_after = retry_after


class RenderSlots:
    """At most ``total`` drawings at once, and at most ``per_user`` of one user."""

    def __init__(self, total: int, per_user: int):
        if total < 1 or per_user < 1:
            raise ValueError(f"出图并发数无效: total={total}, per_user={per_user} (invalid render limits)")
        self.total, self.per_user = total, per_user
        self._busy: Counter[int] = Counter()
        self._lock = threading.Lock()

    def in_progress(self) -> int:
        with self._lock:
            return sum(self._busy.values())

    @contextmanager
    def slot(self, user_id: int) -> Iterator[None]:
        """Hold a slot for ``user_id`` while the block draws; RenderBusy when there is none."""
        with self._lock:
            if self._busy[user_id] >= self.per_user:
                raise RenderBusy(f"您已有 {self._busy[user_id]} 份图件正在生成, 请待其完成后再试 "
                                 f"(you have {self._busy[user_id]} drawings in progress: try again when they are done)")
            if sum(self._busy.values()) >= self.total:
                raise RenderBusy("服务器正在生成其他图件, 请稍后再试 (the server is drawing other documents: try again "
                                 "shortly)")
            self._busy[user_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[user_id] -= 1
                if self._busy[user_id] <= 0:
                    del self._busy[user_id]
