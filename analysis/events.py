"""Events: merge reposts of the same story into one cluster.

Chinese news is syndicated across dozens of sites with a new headline prefix,
a source line, an added 编者按 or a trimmed paragraph. MinHash over character
3-grams of the folded text (word tokens and simhash miss near-copies of short
texts) with datasketch's MinHashLSH finds the earlier copies; the event key is
the id of the cluster's first document.

With a Redis URL, the LSH tables, the doc → event map and the stored
signatures live in Redis, so every worker shares one index and it survives
restarts; a Redis lock makes query-then-insert atomic, so two workers adding
near-copies at the same moment still end in one event. Without a URL the
index is in memory (tests, benchmarks, one-off batch runs).

The index is a cache of the database's mention → event links, never the record: a marker key
says it was built. When the marker is gone (Redis restarted empty, keys evicted), the first
``assign`` rebuilds it from ``rebuild_source`` under a lock, so one worker rebuilds, the others
wait, and a new copy of an ongoing story still finds the event it belonged to before the loss.
"""
from __future__ import annotations

import logging
import pickle
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import redis
from datasketch import MinHashLSH

from analysis.text import fold

SHINGLE = 3
# LSH retrieves candidates a little below the threshold; the estimated Jaccard
# of each candidate is then checked against the threshold itself, so LSH's
# fuzzy S-curve does not decide membership on its own.
RECALL_FACTOR = 0.8
_NON_WORD = re.compile(r"[\W_]+")
REBUILD_BATCH = 500

logger = logging.getLogger(__name__)

# (document id, text, event key): what a rebuild needs of one stored document.
RebuildItem = tuple[str | int, str, str]
RebuildSource = Callable[[], Iterable[RebuildItem]]


def _clean(text: str, folded: bool = False) -> str:
    return _NON_WORD.sub("", text if folded else fold(text))


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """Character k-grams of folded text without punctuation or spaces."""
    s = _clean(text)
    if len(s) <= k:
        return {s.encode("utf-8")} if s else set()
    return {s[i:i + k].encode("utf-8") for i in range(len(s) - k + 1)}


_MASK32 = np.uint64(0xFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=1)
def _kept_bmp() -> np.ndarray:
    """For each BMP code point, whether ``_clean`` keeps it (what ``[\\W_]+`` leaves), taken
    from the regex itself so the vectorised path cannot drift from it."""
    every = "".join(map(chr, range(0x10000)))
    keep = np.zeros(0x10000, dtype=bool)
    keep[[m.start() for m in re.finditer(r"[^\W_]", every)]] = True
    return keep


def _clean_codepoints(text: str, folded: bool = False) -> np.ndarray:
    """Code points of ``_clean(text)`` as uint64, without building the string: a regex
    substitution over a 2 KB article cost more than the rest of its shingling."""
    s = text if folded else fold(text)
    cps = np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cps.size and cps.max() > 0xFFFF:  # astral characters: the regex decides (rare)
        return np.frombuffer(_clean(s, True).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return cps[_kept_bmp()[cps]].astype(np.uint64)


def _codes(cps: np.ndarray) -> np.ndarray:
    """Character 3-grams (with repeats) as integers: 3 × 21-bit code points."""
    if len(cps) < SHINGLE:
        cps = np.concatenate([cps, np.zeros(SHINGLE - len(cps), dtype=np.uint64)])
    return (cps[:-2] << np.uint64(42)) | (cps[1:-1] << np.uint64(21)) | cps[2:]


def shingle_codes(text: str, folded: bool = False) -> np.ndarray:
    """Distinct character 3-grams as integers (3 × 21-bit code points), vectorised:
    hashing thousands of shingles one by one in Python dominated the cost of a 2 KB article."""
    cps = _clean_codepoints(text, folded)
    if not cps.size:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(_codes(cps))


class Signature:
    """MinHash values in the shape MinHashLSH reads (``hashvalues``, ``len``); building a
    datasketch ``MinHash`` per document regenerated its permutation tables every time."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)

    def jaccard(self, other: Signature) -> float:
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self)


class EventIndex:
    def __init__(self, redis_url: str | None = None, namespace: str = "yuqing",
                 threshold: float = 0.5, num_perm: int = 128, lock_timeout: float = 30.0,
                 rebuild_source: RebuildSource | None = None, rebuild_timeout: float = 600.0):
        self.threshold = threshold
        self.num_perm = num_perm
        self.namespace = namespace
        self._prefix = f"{namespace}:events"
        # Fixed random affine permutations (seeded): every instance, every worker and every
        # restart must produce comparable signatures. x -> a*x + b mod 2^32 with odd a is a
        # bijection of the 32-bit space (a permutation, as MinHash needs) and runs in wrapping
        # uint32 arithmetic: ~15x faster than datasketch's per-shingle hashing on 2 KB texts.
        rng = np.random.RandomState(20240601)
        self._a = rng.randint(0, 1 << 32, size=(num_perm, 1), dtype=np.int64).astype(np.uint32)
        self._a |= np.uint32(1)
        self._b = rng.randint(0, 1 << 32, size=(num_perm, 1), dtype=np.int64).astype(np.uint32)
        self._redis: redis.Redis | None = None
        self._lock_timeout = lock_timeout
        self._rebuild_source = rebuild_source
        self._rebuild_timeout = rebuild_timeout
        self._lsh_threshold = max(0.05, threshold * RECALL_FACTOR)
        if redis_url:
            self._redis = redis.Redis.from_url(redis_url)
            kw = self._redis.connection_pool.connection_kwargs
            conn = {k: kw[k] for k in ("host", "port", "db", "password", "username")
                    if kw.get(k) is not None}
            self._lsh = MinHashLSH(threshold=self._lsh_threshold, num_perm=num_perm, storage_config={
                "type": "redis", "basename": f"{self._prefix}:lsh".encode(), "redis": conn})
        else:
            self._mem_lock = threading.Lock()
            self._mem_rebuild_lock = threading.Lock()
            self._reset_memory()

    def _reset_memory(self) -> None:
        self._lsh = MinHashLSH(threshold=self._lsh_threshold, num_perm=self.num_perm)
        self._doc_event: dict[str, str] = {}
        self._signatures: dict[str, np.ndarray] = {}
        self._built: dict[str, str] | None = None

    # -- signatures ---------------------------------------------------------
    def minhash(self, text: str, folded: bool = False) -> Signature:
        cps = _clean_codepoints(text, folded)
        if cps.size == 0:
            values = np.full(self.num_perm, int(_MASK32), dtype=np.uint64)
        else:
            # 32-bit mix of the 63-bit code (Fibonacci hashing), then the permutations.
            x = ((_codes(cps) * _GOLDEN) >> np.uint64(32)).astype(np.uint32)
            # A minimum does not care about repeats, so the distinct shingles are only a
            # saving: a sort and a neighbour compare (np.unique cost 5x as much here).
            x.sort()
            x = x[np.concatenate(([True], x[1:] != x[:-1]))]
            h = np.multiply(self._a, x[None, :])
            h += self._b
            values = h.min(axis=1).astype(np.uint64)
        return Signature(values)

    # -- storage (Redis or memory) -------------------------------------------
    def _lock(self) -> AbstractContextManager[Any]:
        if self._redis is None:
            return self._mem_lock
        return self._redis.lock(f"{self._prefix}:lock", timeout=self._lock_timeout,
                                blocking_timeout=self._lock_timeout * 2)

    def event_of(self, doc_id: str) -> str | None:
        if self._redis is None:
            return self._doc_event.get(doc_id)
        v = self._redis.hget(f"{self._prefix}:doc", doc_id)
        return v.decode() if v is not None else None

    def _signature(self, doc_id: str) -> np.ndarray | None:
        if self._redis is None:
            return self._signatures.get(doc_id)
        raw = self._redis.hget(f"{self._prefix}:sig", doc_id)
        return np.frombuffer(raw, dtype=np.uint64) if raw else None

    def _store(self, doc_id: str, event_key: str, m: Signature) -> None:
        if self._redis is None:
            self._doc_event[doc_id] = event_key
            self._signatures[doc_id] = m.hashvalues
            return
        pipe = self._redis.pipeline()
        pipe.hset(f"{self._prefix}:doc", doc_id, event_key)
        pipe.hset(f"{self._prefix}:sig", doc_id, m.hashvalues.astype(np.uint64).tobytes())
        pipe.execute()

    # -- public ---------------------------------------------------------------
    def assign(self, doc_id: str, text: str, *, folded: bool = False) -> str:
        """Event key for ``doc_id`` (idempotent: a re-delivered doc keeps its event).
        ``folded=True`` when ``text`` is already ``analysis.text.fold``-ed (saves a pass).
        A lost index is rebuilt first (see ``ensure_built``): a lost index must not split stories."""
        self.ensure_built()
        known = self.event_of(doc_id)
        if known is not None:
            return known
        m = self.minhash(text, folded)
        bands = self._band_keys(m)
        with self._lock():
            known = self.event_of(doc_id)  # another worker may have won the race
            if known is not None:
                return known
            event_key = self._best_event(m, bands) or doc_id
            if bands is None:
                self._lsh.insert(doc_id, m, check_duplication=False)
            else:
                self._insert_bands(doc_id, bands)
            self._store(doc_id, event_key, m)
        return event_key

    def _band_keys(self, m: Signature) -> list[bytes] | None:
        """The bucket key of each LSH band, as datasketch's ``_H`` builds it (the band's values
        byteswapped, as bytes), from one byteswap of the whole signature: a query and an insert
        built them band by band, 64 small numpy calls a document in memory. None for Redis
        storage or a hashed index, which go through datasketch's own ``query``/``insert``."""
        if self._redis is not None or self._lsh.hashfunc is not None or self._lsh.prepickle:
            return None
        values = m.hashvalues
        raw, size = values.byteswap().tobytes(), values.itemsize
        return [raw[start * size:end * size] for start, end in self._lsh.hashranges]

    def _insert_bands(self, doc_id: str, bands: list[bytes]) -> None:
        """``self._lsh.insert(doc_id, m, check_duplication=False)`` with precomputed band keys
        (datasketch 2.0's ``_insert`` for dict storage; a ``Signature`` has no scheme to check)."""
        self._lsh.keys.insert(doc_id, *bands)
        for key, table in zip(bands, self._lsh.hashtables):
            table.insert(key, doc_id)

    def assign_many(self, docs: Sequence[tuple[str, str]], *, folded: bool = False) -> list[str]:
        """Event keys for (doc id, text) pairs, in order: the answer ``assign`` gives one by one
        (a re-delivered doc keeps its event; a later copy in the batch joins an earlier one), with
        a fixed number of Redis round trips per batch instead of some twenty per document."""
        if not docs:
            return []
        self.ensure_built()
        ids = [str(doc_id) for doc_id, _ in docs]
        out = self._events_of(ids)
        if all(k is not None for k in out):
            return [k for k in out if k is not None]
        sigs = {i: self.minhash(docs[i][1], folded) for i, k in enumerate(out) if k is None}
        with self._lock():
            out = self._events_of(ids)  # another worker may have won the race
            todo = [i for i, k in enumerate(out) if k is None]
            candidates = self._candidates([sigs[i] for i in todo])
            pool = sorted(set().union(*candidates)) if candidates else []
            stored = dict(zip(pool, self._signatures_of(pool)))
            events = dict(zip(pool, self._events_of(pool)))
            added: dict[str, tuple[Signature, str]] = {}  # this batch's new documents
            for i, cands in zip(todo, candidates):
                doc_id, m = ids[i], sigs[i]
                if doc_id in added:  # the same document twice in one batch
                    out[i] = added[doc_id][1]
                    continue
                scored = []
                for cand in cands:
                    sig, event = stored.get(cand), events.get(cand)
                    if sig is not None and event is not None and cand != doc_id:
                        scored.append((cand, float(np.count_nonzero(sig == m.hashvalues)) / self.num_perm, event))
                # Copies within the batch are compared directly (they are not in the LSH tables yet):
                # a crawl brings a story and its reposts in the same batch.
                for cand, (sig_b, event) in added.items():
                    scored.append((cand, m.jaccard(sig_b), event))
                scored = [s for s in scored if s[1] >= self.threshold]
                best = min(scored, key=lambda s: (-s[1], s[0])) if scored else None
                out[i] = best[2] if best else doc_id
                added[doc_id] = (m, out[i])
            self._store_many([(doc_id, event, m) for doc_id, (m, event) in added.items()])
        return [k for k in out if k is not None]

    def _events_of(self, doc_ids: Sequence[str]) -> list[str | None]:
        if not doc_ids:
            return []
        if self._redis is None:
            return [self._doc_event.get(d) for d in doc_ids]
        raw = self._redis.hmget(f"{self._prefix}:doc", list(doc_ids))
        return [v.decode() if v is not None else None for v in raw]

    def _signatures_of(self, doc_ids: Sequence[str]) -> list[np.ndarray | None]:
        if not doc_ids:
            return []
        if self._redis is None:
            return [self._signatures.get(d) for d in doc_ids]
        raw = self._redis.hmget(f"{self._prefix}:sig", list(doc_ids))
        return [np.frombuffer(v, dtype=np.uint64) if v else None for v in raw]

    def _candidates(self, sigs: Sequence[Signature]) -> list[set[str]]:
        """LSH candidates of many signatures: one ``getmany`` (one Redis pipeline) per band
        rather than one call per band and document. Reads datasketch 2.0's band layout
        (``hashranges``, ``hashtables``, ``_H``, ``prepickle``), as ``query`` itself does."""
        found: list[set[str]] = [set() for _ in sigs]
        if not sigs:
            return found
        for (start, end), table in zip(self._lsh.hashranges, self._lsh.hashtables):
            keys = [self._lsh._H(m.hashvalues[start:end]) for m in sigs]
            for bucket, members in zip(found, table.getmany(*keys)):
                for key in members:
                    bucket.add(pickle.loads(key) if self._lsh.prepickle else key)
        return found

    def _store_many(self, rows: Sequence[tuple[str, str, Signature]]) -> None:
        if not rows:
            return
        with self._lsh.insertion_session(buffer_size=len(rows)) as session:
            for doc_id, _, m in rows:
                session.insert(doc_id, m, check_duplication=False)
        if self._redis is None:
            for doc_id, event_key, m in rows:
                self._store(doc_id, event_key, m)
            return
        pipe = self._redis.pipeline()
        pipe.hset(f"{self._prefix}:doc", mapping={doc_id: event for doc_id, event, _ in rows})
        pipe.hset(f"{self._prefix}:sig", mapping={doc_id: m.hashvalues.astype(np.uint64).tobytes()
                                                  for doc_id, _, m in rows})
        pipe.execute()

    def similar(self, text: str) -> list[tuple[str, float]]:
        """Documents whose estimated Jaccard with ``text`` reaches the threshold, best first."""
        return self._verified(self.minhash(text))

    def _verified(self, m: Signature, bands: list[bytes] | None = None) -> list[tuple[str, float]]:
        out = []
        if bands is None:
            found: Iterable[str] = self._lsh.query(m)
        else:  # what query returns (as a set; the order is sorted out below)
            found = set().union(*(table.get(key) for key, table in zip(bands, self._lsh.hashtables)))
        for cand in found:
            sig = self._signature(cand)
            if sig is None:
                continue
            jaccard = float(np.count_nonzero(sig == m.hashvalues)) / self.num_perm
            if jaccard >= self.threshold:
                out.append((cand, jaccard))
        return sorted(out, key=lambda p: (-p[1], p[0]))

    def _best_event(self, m: Signature, bands: list[bytes] | None = None) -> str | None:
        for cand, _ in self._verified(m, bands):
            event = self.event_of(cand)
            if event is not None:
                return event
        return None

    def clear(self) -> None:
        """Delete this namespace's index and its marker (tests, re-indexing)."""
        if self._redis is None:
            self._reset_memory()
            return
        self._delete_keys()

    def _delete_keys(self) -> None:
        lock = f"{self._prefix}:lock".encode()
        keys = [k for k in self._redis.scan_iter(match=f"{self._prefix}:*", count=1000)  # type: ignore[union-attr]
                if k != lock]  # a worker may hold the assign lock: let it release its own key
        for start in range(0, len(keys), 1000):
            self._redis.delete(*keys[start:start + 1000])  # type: ignore[union-attr]

    # -- rebuilding from the record ---------------------------------------------
    @property
    def _marker_key(self) -> str:
        return f"{self._prefix}:built"

    def built_marker(self) -> dict[str, str] | None:
        """What the marker says (namespace, built_at, documents), or None when the index was lost
        or never built."""
        if self._redis is None:
            return dict(self._built) if self._built is not None else None
        raw = self._redis.hgetall(self._marker_key)
        return {k.decode(): v.decode() for k, v in raw.items()} if raw else None

    def is_built(self) -> bool:
        if self._redis is None:
            return self._built is not None
        return bool(self._redis.exists(self._marker_key))

    def _rebuild_lock(self) -> AbstractContextManager[Any]:
        if self._redis is None:
            return self._mem_rebuild_lock
        # Outside the index's key prefix, so clearing the index never deletes a held lock.
        return self._redis.lock(f"{self.namespace}:events-rebuild", timeout=self._rebuild_timeout,
                                blocking_timeout=self._rebuild_timeout)

    def ensure_built(self) -> bool:
        """Rebuild from ``rebuild_source`` when the marker is missing; True if this call rebuilt.
        Only one worker rebuilds: the others wait on the lock, then find the marker."""
        if self._rebuild_source is None or self.is_built():
            return False
        with self._rebuild_lock() as lock:
            if self.is_built():
                return False
            logger.warning("events.index_lost namespace=%s: rebuilding from the record", self.namespace)
            count = self._rebuild(self._rebuild_source(), lock)
        logger.warning("events.index_rebuilt namespace=%s documents=%d", self.namespace, count)
        return True

    def rebuild(self, items: Iterable[RebuildItem], *, folded: bool = False) -> int:
        """Replace the index with ``items`` (document id, text, event key) and mark it built;
        returns the number of documents. Each document keeps the event it is given."""
        with self._rebuild_lock() as lock:
            return self._rebuild(items, lock, folded=folded)

    def _rebuild(self, items: Iterable[RebuildItem], lock: Any, *, folded: bool = False) -> int:
        count = 0
        if self._redis is None:
            self._reset_memory()
            for doc_id, text, event_key in items:
                m = self.minhash(text, folded)
                self._lsh.insert(str(doc_id), m, check_duplication=False)
                self._store(str(doc_id), str(event_key), m)
                count += 1
        else:
            self._delete_keys()
            batch: list[tuple[str, str, Signature]] = []
            for doc_id, text, event_key in items:
                batch.append((str(doc_id), str(event_key), self.minhash(text, folded)))
                if len(batch) >= REBUILD_BATCH:
                    count += self._insert_batch(batch, lock)
                    batch = []
            count += self._insert_batch(batch, lock)
        self._mark_built(count)
        return count

    def _insert_batch(self, batch: list[tuple[str, str, Signature]], lock: Any) -> int:
        if not batch:
            return 0
        with self._lsh.insertion_session(buffer_size=len(batch)) as session:
            for doc_id, _, m in batch:
                session.insert(doc_id, m, check_duplication=False)
        pipe = self._redis.pipeline(transaction=False)  # type: ignore[union-attr]
        for doc_id, event_key, m in batch:
            pipe.hset(f"{self._prefix}:doc", doc_id, event_key)
            pipe.hset(f"{self._prefix}:sig", doc_id, m.hashvalues.astype(np.uint64).tobytes())
        pipe.execute()
        if hasattr(lock, "reacquire"):
            lock.reacquire()  # a long rebuild keeps its lock: a second rebuild would clear this one
        return len(batch)

    def _mark_built(self, count: int) -> None:
        marker = {"namespace": self.namespace, "documents": str(count),
                  "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
        if self._redis is None:
            self._built = marker
        else:
            self._redis.hset(self._marker_key, mapping=marker)
