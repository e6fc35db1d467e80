"""Shared fixtures: the bundled corpus, and the corpus web served by the real CLI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.checks import Report, check_corpus
from corpus.manifest import Site, load_sites
from tests.support import ServedWeb, start_sites_server, stop_sites_server


@pytest.fixture(scope="session", autouse=True)
def model_dir(pytestconfig, tmp_path_factory) -> Iterator[Path]:
    """The default model for the tests, cached in pytest's cache folder.

    Trained on first use, and again only when the corpus or the training code changes
    (the model's version is their hash). Set in the environment, so `scamscan`
    subprocesses use it too instead of the user's own cache.
    """
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    path = Path(cache.mkdir("scamscan-model")) if cache else tmp_path_factory.mktemp("model")
    previous = os.environ.get("SCAMSCAN_MODEL_DIR")
    os.environ["SCAMSCAN_MODEL_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("SCAMSCAN_MODEL_DIR", None)
    else:
        os.environ["SCAMSCAN_MODEL_DIR"] = previous


@pytest.fixture(scope="session")
def scorer(model_dir: Path):
    from classifier.scorer import Scorer

    return Scorer.default(model_dir)


@pytest.fixture(scope="session")
def sites() -> list[Site]:
    return load_sites()


@pytest.fixture(scope="session")
def small_corpus(sites: list[Site], tmp_path_factory) -> Path:
    """A copy of two sites of every kind: enough for 5 site-grouped folds, quick to train."""
    root = tmp_path_factory.mktemp("small-corpus")
    kinds: dict[str, int] = {}
    for site in sites:
        if kinds.get(site.kind, 0) < 2:
            kinds[site.kind] = kinds.get(site.kind, 0) + 1
            shutil.copytree(site.root, root / site.id)
    return root


@pytest.fixture(scope="session")
def corpus_report(sites: list[Site]) -> Report:
    return check_corpus(sites)


@pytest.fixture(scope="session")
def corpus_web() -> Iterator[ServedWeb]:
    """The whole corpus served on loopback for the session (one address per site)."""
    web = start_sites_server("--address", "127.78.0.1")
    yield web
    stop_sites_server(web)
