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
"""
from __future__ import annotations

import re
import threading
from contextlib import AbstractContextManager
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
                 threshold: float = 0.5, num_perm: int = 128, lock_timeout: float = 30.0):
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
        lsh_threshold = max(0.05, threshold * RECALL_FACTOR)
        if redis_url:
            self._redis = redis.Redis.from_url(redis_url)
            kw = self._redis.connection_pool.connection_kwargs
            conn = {k: kw[k] for k in ("host", "port", "db", "password", "username")
                    if kw.get(k) is not None}
            self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm, storage_config={
                "type": "redis", "basename": f"{self._prefix}:lsh".encode(), "redis": conn})
        else:
            self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
            self._doc_event: dict[str, str] = {}
            self._signatures: dict[str, np.ndarray] = {}
            self._mem_lock = threading.Lock()

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
        ``folded=True`` when ``text`` is already ``analysis.text.fold``-ed (saves a pass)."""
        known = self.event_of(doc_id)
        if known is not None:
            return known
        m = self.minhash(text, folded)
        with self._lock():
            known = self.event_of(doc_id)  # another worker may have won the race
            if known is not None:
                return known
            event_key = self._best_event(m) or doc_id
            self._lsh.insert(doc_id, m, check_duplication=False)
            self._store(doc_id, event_key, m)
        return event_key

    def similar(self, text: str) -> list[tuple[str, float]]:
        """Documents whose estimated Jaccard with ``text`` reaches the threshold, best first."""
        return self._verified(self.minhash(text))

    def _verified(self, m: Signature) -> list[tuple[str, float]]:
        out = []
        for cand in self._lsh.query(m):
            sig = self._signature(cand)
            if sig is None:
                continue
            jaccard = float(np.count_nonzero(sig == m.hashvalues)) / self.num_perm
            if jaccard >= self.threshold:
                out.append((cand, jaccard))
        return sorted(out, key=lambda p: (-p[1], p[0]))

    def _best_event(self, m: Signature) -> str | None:
        for cand, _ in self._verified(m):
            event = self.event_of(cand)
            if event is not None:
                return event
        return None

    def clear(self) -> None:
        """Delete this namespace's index (tests, re-indexing)."""
        if self._redis is None:
            self.__init__(None, self.namespace, self.threshold, self.num_perm)  # type: ignore[misc]
            return
        keys = list(self._redis.scan_iter(match=f"{self._prefix}:*", count=1000))
        if keys:
            self._redis.delete(*keys)
