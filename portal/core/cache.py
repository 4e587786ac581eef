"""Answers computed from the public data, kept until what they show changes.

Two kinds of answer:

- **Exact** answers (`get`: a member's page, a directory page, an API page) belong to the version
  tokens of the parts of the public data they show (portal.models.publicdata: a member, a
  country's lists, the lists of all countries). A write renews the tokens it touched at
  commit, so the next lookup in every process sees the new tokens and computes the answer
  again: a change shows at once, and only the answers that show it are renewed.
- **Aggregates** (`aggregate`: the statistics, the map's points and counts, the home page's
  figures) are kept for AGGREGATE_REFRESH_SECONDS at most, whatever is written meanwhile: they
  lag by that bound, never more. Each is renewed once it is half that old, by one computation;
  while it runs the others serve the previous answer (stale-while-revalidate), which is still
  within the bound. Each aggregate carries its `as_of` time (the oldest of what it was built
  from), for the page to say.

No stampede: one computation per answer at a time in each process (the others wait for it, or
serve the previous aggregate), and with Redis one per cluster (a lock `SET NX PX`, released by
its owner). With REDIS_URL set the answers are shared in Redis (pickled, under
PUBLIC_CACHE_PREFIX, for PUBLIC_CACHE_SECONDS), in front of which each process keeps its own
copies; without it the cache is this process's alone. A Redis that fails is logged and left
out: the answer is then computed here. PUBLIC_CACHE_ENTRIES bounds the copies a process keeps
(0 turns the cache off).
"""

import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import uuid4

from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core import clock
from portal.extensions import db
from portal.models.publicdata import public_tokens

logger = logging.getLogger(__name__)

DEFAULT_ENTRIES = 512
DEFAULT_REFRESH_SECONDS = 3.0
DEFAULT_SHARED_SECONDS = 3600
LOCK_SECONDS = 30.0  # the longest one computation may hold its lock (then others go ahead)
POLL_SECONDS = 0.02
T = TypeVar("T")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Aged(Generic[T]):
    """An aggregate and the time it shows the data at (the oldest of what it was built from)."""

    value: T
    as_of: datetime


# The as_of times of the aggregates an aggregate being computed was built from.
_sources: ContextVar[list[float] | None] = ContextVar("aggregate_sources", default=None)


def _now() -> float:
    return clock.now_utc().timestamp()


class PublicCache:
    def __init__(self, limit: int, refresh: float, redis=None, prefix: str = "", shared=3600):
        self.limit = limit
        self.refresh = refresh
        self.redis = redis
        self.prefix = prefix
        self.shared_seconds = shared
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[object, object]] = OrderedDict()
        self._flights: dict[Hashable, Future] = {}
        self.computations = 0  # how many answers this process computed (for tests, benchmarks)

    # ---- exact answers ------------------------------------------------------------------

    def get(self, key: Hashable, compute: Callable[[], T], scopes: Iterable[str] = ()) -> T:
        """The answer for `key` at the current tokens of `scopes` (and of all the public data),
        computed once for them."""
        if self.limit <= 0:
            return compute()
        tokens = current_tokens(scopes)
        found = self._local(("exact", key))
        if found is not None and found[0] == tokens:
            return found[1]  # type: ignore[return-value]
        return self._single(("exact", key, tokens), lambda: self._fill(key, tokens, compute))

    def _fill(self, key, tokens, compute):
        found = self._local(("exact", key))
        if found is not None and found[0] == tokens:
            return found[1]
        if self.redis is None:
            value = self._compute(compute)
        else:
            value = self._shared(self._redis_key("e", key, tokens), compute)
        self._store(("exact", key), tokens, value)
        return value

    # ---- aggregates ---------------------------------------------------------------------

    def aggregate(self, key: Hashable, compute: Callable[[], T]) -> Aged[T]:
        """The aggregate for `key`, at most AGGREGATE_REFRESH_SECONDS old."""
        if self.limit <= 0:
            return self._aged(self._computed_aggregate(compute))
        now = _now()
        found = self._local(("aggregate", key))
        if found is None or now - found[0] >= self.refresh / 2:
            shared = self._shared_aggregate(key)
            if shared is not None and (found is None or shared[0] > found[0]):
                self._store(("aggregate", key), *shared)
                found = shared
        if found is not None and now - found[0] < self.refresh / 2:
            return self._aged(found)
        usable = found if found is not None and now - found[0] < self.refresh else None

        def renew():
            as_of, value = self._renew_aggregate(key, compute, usable)
            self._store(("aggregate", key), as_of, value)
            return as_of, value

        if usable is None:
            return self._aged(self._single(("aggregate", key), renew))
        result = self._single(("aggregate", key), renew, wait=False)
        return self._aged(usable if result is None else result)

    def _renew_aggregate(self, key, compute, usable):
        if self.redis is None:
            return self._computed_aggregate(compute)
        rkey = self._redis_key("a", key, ())

        def work():
            return self._computed_aggregate(compute)

        try:
            # Another process computing it: the answer at hand meanwhile, else wait for theirs.
            return self._as_owner(
                rkey, work, lambda: usable if usable is not None else self._wait_for(rkey, work)
            )
        except _redis_errors() as error:
            logger.warning("public cache: Redis left out (%s)", error.__class__.__name__)
            return self._computed_aggregate(compute)

    def _shared_aggregate(self, key):
        if self.redis is None:
            return None
        try:
            blob = self.redis.get(self._redis_key("a", key, ()))
        except _redis_errors() as error:
            logger.warning("public cache: Redis left out (%s)", error.__class__.__name__)
            return None
        return None if blob is None else pickle.loads(blob)  # noqa: S301 (our own Redis)

    def _computed_aggregate(self, compute) -> tuple[float, object]:
        started = _now()
        sources: list[float] = []
        reset = _sources.set(sources)
        try:
            value = self._compute(compute)
        finally:
            _sources.reset(reset)
        return min([started, *sources]), value

    def _aged(self, found) -> Aged:
        as_of, value = found
        return self._note(Aged(value, datetime.fromtimestamp(as_of, UTC)))

    @staticmethod
    def _note(aged: Aged) -> Aged:
        sources = _sources.get()
        if sources is not None:
            sources.append(aged.as_of.timestamp())
        return aged

    # ---- machinery ----------------------------------------------------------------------

    def _compute(self, compute):
        value = compute()
        with self._lock:
            self.computations += 1
        return value

    def _local(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _store(self, key, stamp, value) -> None:
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def _single(self, flight: Hashable, work: Callable, wait: bool = True):
        """work() by one thread of this process at a time for `flight`; the others wait for
        its result (or, with wait=False, get None at once). If it fails, each waiter tries
        on its own (the answer may have been one visitor's own)."""
        with self._lock:
            future = self._flights.get(flight)
            leader = future is None
            if leader:
                future = Future()
                self._flights[flight] = future
        if leader:
            try:
                result = work()
            except BaseException as error:
                future.set_exception(error)
                raise
            else:
                future.set_result(result)
                return result
            finally:
                with self._lock:
                    self._flights.pop(flight, None)
        if not wait:
            return None
        try:
            return future.result(timeout=LOCK_SECONDS)
        except (Exception, FutureTimeout):
            return work()

    def _shared(self, rkey: str, compute):
        """The answer from Redis, or computed by one process of the cluster and put there."""
        try:
            blob = self.redis.get(rkey)
            if blob is not None:
                return pickle.loads(blob)  # noqa: S301 (our own Redis)

            def work():
                return self._compute(compute)

            return self._as_owner(rkey, work, lambda: self._wait_for(rkey, work))
        except _redis_errors() as error:
            logger.warning("public cache: Redis left out (%s)", error.__class__.__name__)
            return self._compute(compute)

    def _as_owner(self, rkey: str, work, when_busy):
        """work() by this process alone in the cluster (Redis lock), its result put in Redis
        for the others; when_busy() if another process holds the lock."""
        owner = self._acquire(rkey)
        if owner is None:
            return when_busy()
        try:
            value = work()
            self.redis.set(rkey, pickle.dumps(value), ex=self._shared_ttl())
            return value
        finally:
            self._release(rkey, owner)

    def _acquire(self, rkey: str) -> str | None:
        owner = uuid4().hex
        if self.redis.set(rkey + ":lock", owner, nx=True, px=int(LOCK_SECONDS * 1000)):
            return owner
        return None

    def _release(self, rkey: str, owner: str) -> None:
        self.redis.eval(_RELEASE, 1, rkey + ":lock", owner)

    def _wait_for(self, rkey: str, fallback: Callable):
        """The value another process is computing, once it is in Redis; if its lock goes
        without a value (it failed) or the wait is too long, computed here."""
        deadline = time.monotonic() + LOCK_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            blob = self.redis.get(rkey)
            if blob is not None:
                return pickle.loads(blob)  # noqa: S301 (our own Redis)
            if not self.redis.exists(rkey + ":lock"):
                break
        return fallback()

    def _redis_key(self, kind: str, key, tokens) -> str:
        digest = hashlib.sha256(repr((key, tokens)).encode("utf-8")).hexdigest()
        return f"{self.prefix}{kind}:{digest}"

    def _shared_ttl(self) -> int:
        return max(int(self.shared_seconds), int(self.refresh) + 1)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _redis_errors():
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def current_tokens(scopes: Iterable[str]) -> tuple:
    """The tokens of these scopes (and of all the public data), read once per request."""
    names = tuple(sorted(set(scopes)))
    if not has_app_context():
        return public_tokens(db.session, names)
    known: dict = g.setdefault("_public_tokens", {})
    if names not in known:
        known[names] = public_tokens(db.session, names)
    return known[names]


@event.listens_for(Session, "after_commit")
def _forget_tokens(session: Session) -> None:
    # What this request read before its own commit is out of date now.
    if has_app_context():
        g.pop("_public_tokens", None)


def public_cache() -> PublicCache:
    """This application's cache (each app has its own database, so its own cache)."""
    cache = current_app.extensions.get("public_cache")
    if cache is None:
        config = current_app.config
        redis = None
        if config.get("REDIS_URL"):
            from redis import Redis

            redis = Redis.from_url(config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        cache = PublicCache(
            limit=config.get("PUBLIC_CACHE_ENTRIES", DEFAULT_ENTRIES),
            refresh=float(config.get("AGGREGATE_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS)),
            redis=redis,
            prefix=config.get("PUBLIC_CACHE_PREFIX", "portal:public:"),
            shared=config.get("PUBLIC_CACHE_SECONDS", DEFAULT_SHARED_SECONDS),
        )
        cache = current_app.extensions.setdefault("public_cache", cache)
    cache.limit = current_app.config.get("PUBLIC_CACHE_ENTRIES", DEFAULT_ENTRIES)
    return cache
