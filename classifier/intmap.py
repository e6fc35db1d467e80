"""A read-only integer -> integer map looked up for a whole array of keys at once.

N-gram vocabularies are looked up once per text position: about a million
lookups per megabyte of text. A binary search (``numpy.searchsorted``) over
~50,000 sorted keys costs ~16 dependent memory reads per lookup; this hash table
(open addressing, linear probing, at most a quarter full) costs about one, so
the same lookups take a quarter of the time. Every probe round is array
arithmetic over the keys still unresolved, and rounds are bounded by the longest
probe sequence seen when the table was built.
"""

from __future__ import annotations

import numpy as np

__all__ = ["IntMap"]

_EMPTY = -1  # no key; keys are >= 0
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / golden ratio
_LOAD = 4  # table slots per key


class IntMap:
    """Keys (int64, >= 0, distinct) -> values (int32); a missing key gives -1."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys, np.int64)
        values = np.asarray(values, np.int32)
        if len(keys) and keys.min() < 0:
            raise ValueError("keys must be >= 0")
        if len(np.unique(keys)) != len(keys):
            raise ValueError("keys must be distinct")
        self._bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * _LOAD))))
        self._mask = (1 << self._bits) - 1
        self._keys = np.full(1 << self._bits, _EMPTY, np.int64)
        self._values = np.full(1 << self._bits, -1, np.int32)
        self._max_probe = self._insert(keys, values)

    def _insert(self, keys: np.ndarray, values: np.ndarray) -> int:
        """Linear probing, one round per probe distance for every key not yet placed.

        In a round each unplaced key tries its next slot; of the keys that find
        the same slot empty the first takes it. A key moves on only past an
        occupied slot, so a lookup that stops at the first empty slot is right.
        """
        home = self._slots(keys)
        pending = np.arange(len(keys))
        probe = 0
        while len(pending):
            slots = (home[pending] + probe) & self._mask
            free = self._keys[slots] == _EMPTY
            _, first = np.unique(slots[free], return_index=True)
            placed = np.flatnonzero(free)[first]
            self._keys[slots[placed]] = keys[pending[placed]]
            self._values[slots[placed]] = values[pending[placed]]
            keep = np.ones(len(pending), bool)
            keep[placed] = False
            pending = pending[keep]
            probe += 1
        return max(probe - 1, 0)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = (keys.view(np.uint64) * _MULTIPLIER) >> np.uint64(64 - self._bits)
        return hashed.view(np.int64)  # below 2**bits: the same number as a signed integer

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of every key (int64 array), -1 where it is not in the map."""
        keys = np.ascontiguousarray(keys, np.int64)
        slots = self._slots(keys)
        found = self._keys[slots]
        hit = found == keys
        out = np.where(hit, self._values[slots], np.int32(-1))
        pending = np.flatnonzero(~hit & (found != _EMPTY))
        slots = (slots[pending] + 1) & self._mask
        for _ in range(self._max_probe):
            if not len(pending):
                break
            found = self._keys[slots]
            hit = found == keys[pending]
            out[pending[hit]] = self._values[slots[hit]]
            more = ~hit & (found != _EMPTY)
            pending, slots = pending[more], (slots[more] + 1) & self._mask
        return out
