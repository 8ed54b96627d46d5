"""A re-entrant lock that serves its waiters in arrival order."""

import collections
import threading


class FairLock:
    """A re-entrant lock that serves its waiters in arrival order. moto serves each request on a thread, and
    `threading.RLock` lets whichever thread runs grab it again: under a stream of PutLogEvents calls, a GetRecords
    call waited half a minute for the Kinesis lock. Here the lock is handed to the oldest waiter on release."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self._owner = None
        self._depth = 0

    def __enter__(self):
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return self
            if self._owner is None:
                self._owner, self._depth = me, 1
                return self
            turn = threading.Event()
            self._waiters.append((me, turn))
        turn.wait()  # the releasing thread made this one the owner
        return self

    def __exit__(self, *_):
        with self._mutex:
            self._depth -= 1
            if self._depth > 0:
                return
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.set()
            else:
                self._owner = None
