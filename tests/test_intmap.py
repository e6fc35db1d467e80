"""The vectorised hash map gives what a dict gives, on collisions and misses too."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.intmap import IntMap


def test_lookups_equal_a_dicts():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**62, 5000))
    values = rng.integers(0, 2**31 - 1, len(keys)).astype(np.int32)
    table = IntMap(keys, values)
    queries = np.concatenate([keys, rng.integers(0, 2**62, 5000), [-1, -5, 0]])
    expected = dict(zip(keys.tolist(), values.tolist(), strict=True))
    got = table.get(queries)
    assert got.tolist() == [expected.get(q, -1) for q in queries.tolist()]


def test_keys_that_share_a_home_slot_are_all_found():
    # 40 keys whose home slot is the same in a table sized for 40 keys: one long run.
    candidates = np.arange(200_000, dtype=np.int64)
    homes = IntMap(candidates[:40], np.zeros(40))._slots(candidates)
    keys = candidates[homes == 5][:40]
    table = IntMap(keys, np.arange(40))
    assert table._max_probe == 39
    assert table.get(keys).tolist() == list(range(40))
    others = candidates[homes == 5][40:80]  # same home, absent: probed to the run's end
    assert table.get(others).tolist() == [-1] * 40


def test_empty_map_and_empty_queries():
    table = IntMap(np.zeros(0, np.int64), np.zeros(0, np.int32))
    assert table.get(np.array([0, 7, -1])).tolist() == [-1, -1, -1]
    assert IntMap(np.array([3]), np.array([9])).get(np.zeros(0, np.int64)).tolist() == []


def test_negative_or_repeated_keys_are_refused():
    with pytest.raises(ValueError, match=">= 0"):
        IntMap(np.array([-2, 1]), np.array([0, 1]))
    with pytest.raises(ValueError, match="distinct"):
        IntMap(np.array([4, 4]), np.array([0, 1]))
