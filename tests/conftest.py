"""Shared fixtures: the bundled corpus, and the corpus web served by the real CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus.checks import Report, check_corpus
from corpus.manifest import Site, load_sites
from tests.support import ServedWeb, start_sites_server, stop_sites_server


@pytest.fixture(scope="session")
def sites() -> list[Site]:
    return load_sites()


@pytest.fixture(scope="session")
def corpus_report(sites: list[Site]) -> Report:
    return check_corpus(sites)


@pytest.fixture(scope="session")
def corpus_web() -> Iterator[ServedWeb]:
    """The whole corpus served on loopback for the session (one address per site)."""
    web = start_sites_server("--address", "127.78.0.1")
    yield web
    stop_sites_server(web)
