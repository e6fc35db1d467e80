"""The saved model: model.skops and card.json always describe one version.

A crash between writing the two must never let a card vouch for another model:
the version inside the model file is the one that counts.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from classifier.scorer import CARD_FILE, MODEL_FILE, Scorer, load_model, save
from classifier.training import corpus_fingerprint


def card_version(folder: Path) -> str:
    return json.loads((folder / CARD_FILE).read_text("utf-8"))["version"]


def test_save_writes_the_model_and_its_card_and_no_leftovers(tmp_path: Path, scorer):
    folder = tmp_path / "model"
    save(scorer.model, folder)
    assert sorted(p.name for p in folder.iterdir()) == [CARD_FILE, MODEL_FILE]
    assert card_version(folder) == load_model(folder).version == scorer.version


def test_default_keeps_a_current_model_and_repairs_its_card(tmp_path: Path, model_dir: Path):
    """The state a crash after the model and before the card leaves: no retraining needed."""
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(model_dir / MODEL_FILE, cache / MODEL_FILE)
    inode = (cache / MODEL_FILE).stat().st_ino  # a retrained model would be a new file
    (cache / CARD_FILE).write_text(json.dumps({"version": "an-older-version"}), "utf-8")
    version = corpus_fingerprint()
    assert Scorer.default(cache).version == version
    assert (cache / MODEL_FILE).stat().st_ino == inode  # loaded, not retrained
    assert card_version(cache) == version
    (cache / CARD_FILE).unlink()
    assert Scorer.default(cache).version == version
    assert card_version(cache) == version


def test_default_retrains_when_the_card_vouches_for_another_model(
    tmp_path: Path, model_dir: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
):
    """card.json names the current version, the model file is an older one: retrain.

    The bundled corpus is a small one here ($SCAMSCAN_SITES), so that the real
    retraining takes seconds, not the full corpus' minute.
    """
    monkeypatch.setenv("SCAMSCAN_SITES", str(small_corpus))
    cache = tmp_path / "cache"
    old = load_model(model_dir)
    old.card = {**old.card, "version": "an-older-version"}
    save(old, cache)
    version = corpus_fingerprint()
    (cache / CARD_FILE).write_text(json.dumps({"version": version}), "utf-8")
    fresh = Scorer.default(cache)
    assert fresh.version == version
    assert load_model(cache).version == version == card_version(cache)


def test_load_trusts_the_model_over_a_disagreeing_card(tmp_path: Path, scorer, caplog):
    folder = tmp_path / "model"
    save(scorer.model, folder)
    (folder / CARD_FILE).write_text(json.dumps({"version": "something-else"}), "utf-8")
    with caplog.at_level(logging.WARNING, logger="classifier.scorer"):
        loaded = Scorer.load(folder)
    assert loaded.version == scorer.version
    assert "card.json says something-else" in caplog.text
