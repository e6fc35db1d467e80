"""The labelled corpus: manifest vs files, honest labels, no near-copies, enough of each kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.checks import (
    DISGUISE_SIGNALS,
    MAX_STYLE_CHARS,
    MIN_PAGES_PER_DISGUISE,
    MINIMUMS,
    ParsedPage,
    Report,
    css_fixed_selectors,
    markup_problems,
    minimum_problems,
    near_copies,
    parse_page,
)
from corpus.links import reachable_pages
from corpus.manifest import ManifestError, Site, iter_pages, load_site


def test_every_listed_page_has_a_file_and_every_html_file_a_row(corpus_report: Report):
    file_problems = [p for p in corpus_report.problems if "site.json" in p or "robots" in p]
    assert file_problems == []


def test_every_page_decodes_with_its_declared_encoding(corpus_report: Report):
    assert [p for p in corpus_report.problems if "not valid" in p] == []


def test_signals_that_markup_can_show_are_really_there(corpus_report: Report):
    assert [p for p in corpus_report.problems if "claims" in p or "main element" in p] == []


def test_no_two_pages_are_near_copies(corpus_report: Report):
    assert corpus_report.near_copy_pairs == []


def test_corpus_meets_every_minimum(corpus_report: Report):
    assert minimum_problems(corpus_report.counts) == []
    for key, need in MINIMUMS.items():
        assert corpus_report.counts[key] >= need, key


def test_every_disguise_appears_on_several_pages(corpus_report: Report):
    for signal in DISGUISE_SIGNALS:
        assert corpus_report.counts[f"signal:{signal}"] >= MIN_PAGES_PER_DISGUISE, signal


def test_legacy_encoded_sites_really_are_stored_in_that_encoding(sites: list[Site]):
    legacy = [s for s in sites if s.encoding != "utf-8"]
    assert len(legacy) >= 5
    for site in legacy:
        not_utf8 = 0
        for page in site.pages:
            try:
                page.file.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                not_utf8 += 1
        assert not_utf8 > 0, f"{site.id} claims {site.encoding} but every page is valid UTF-8"


def test_some_site_declares_its_charset_wrongly_or_not_at_all(sites: list[Site]):
    misdeclared = [s for s in sites if (s.charset_header or "").lower() != s.encoding]
    assert misdeclared
    assert all(s.charset_note for s in misdeclared), "say how the declaration is wrong"


def test_robots_everywhere_and_some_disallow(sites: list[Site]):
    texts = [(s.root / "robots.txt").read_text("utf-8") for s in sites]
    assert sum("Disallow: /" in t for t in texts) >= 3


def test_most_pages_are_reachable_and_sites_need_several_hops(sites: list[Site]):
    reachable = {s.id: reachable_pages(s) for s in sites}
    total = sum(len(s.pages) for s in sites)
    assert sum(len(r) for r in reachable.values()) >= 0.8 * total
    deep = [sid for sid, r in reachable.items() if r and max(r.values()) >= 2]
    assert len(deep) >= len(sites) // 2


def test_page_lengths_span_one_line_to_long_articles(corpus_report: Report):
    assert corpus_report.counts["one_line_pages"] >= 1
    assert corpus_report.counts["long_pages"] >= 1


def test_manifest_rows_carry_what_the_issue_asks(sites: list[Site]):
    for page in iter_pages(sites):
        row = page.as_row()
        assert {"site", "path", "label", "mixed", "encoding", "signals"} <= row.keys()


# The checks themselves must be able to fail.


def test_near_copy_check_flags_a_light_edit_and_spares_different_texts():
    article = (
        "京东E卡回收的流程一般分为三步：先确认卡面金额，再核对有效期，最后选择正规平台提交卡密。"
        * 3
    )
    edited = article.replace("三步", "3步")
    other = "话费充值卡属于预付凭证，运营商规定不得转售，持卡人遗失卡密应及时拨打官方客服挂失。" * 3
    pairs = near_copies([article, edited, other])
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]


def _write_site(root: Path, pages: list[dict], html: str = "<main>正文</main>") -> Path:
    site_dir = root / "demo-site"
    site_dir.mkdir()
    meta = {"site": "demo-site", "kind": "blog", "encoding": "utf-8", "charset_header": "utf-8"}
    (site_dir / "site.json").write_text(json.dumps({**meta, "pages": pages}), "utf-8")
    (site_dir / "index.html").write_text(html, "utf-8")
    return site_dir


def test_css_parse_finds_fixed_selectors_and_stays_linear_on_brace_less_text():
    css = "body{margin:0} .Side-QQ, #KF {position : fixed; right:0} @media print{.ad{color:red}}"
    assert css_fixed_selectors(css) == {".side-qq", "#kf"}
    # The innermost rule of a nested block counts, as it did with the old regex.
    assert css_fixed_selectors("@media screen { .float-bar { position: fixed } }") == {".float-bar"}
    # 200 KB with no rule to close: the old regex took minutes here (quadratic).
    junk = "a " * 100_000
    assert css_fixed_selectors(".ad{position:fixed}" + junk) == {".ad"}
    assert css_fixed_selectors(junk + "{" + junk) == set()
    # Only the start of a style block is examined.
    late = " " * MAX_STYLE_CHARS + ".late{position:fixed}"
    assert css_fixed_selectors(late) == set()


def test_main_text_leaves_the_shared_tree_alone(tmp_path: Path):
    page = {"path": "/", "label": "informational", "mixed": False, "signals": []}
    site = load_site(_write_site(tmp_path, [page]))
    html = (
        "<body><style>.kf{position:fixed}</style><main>正文<script>var x = 1;</script>"
        "<style>.in-main{position:fixed}</style></main><div class='in-main'>QQ</div>"
    )
    first = ParsedPage(site.pages[0], html)
    expected = (first.page_text, first.has_floating_widget())
    second = ParsedPage(site.pages[0], html)
    assert second.main_text == "正文"
    assert (second.page_text, second.has_floating_widget()) == expected
    assert "var x" in second.page_text


def test_manifest_names_the_page_and_field_it_rejects(tmp_path: Path):
    page = {"path": "/", "label": "scam", "mixed": False, "signals": []}
    with pytest.raises(ManifestError, match=r"demo-site/: unknown label 'scam'"):
        load_site(_write_site(tmp_path, [page]))


def test_markup_check_catches_a_claimed_qq_link_that_is_not_there(tmp_path: Path):
    page = {"path": "/", "label": "solicitation", "mixed": False, "signals": ["qq_link"]}
    site = load_site(_write_site(tmp_path, [page]))
    problems = markup_problems(parse_page(site.pages[0]))
    assert problems == ["demo-site/: claims qq_link but the markup has none"]


def test_data_card_figures_match_the_corpus(sites: list[Site], corpus_report: Report):
    """data/CORPUS.md quotes the corpus' figures; regenerate with `scamscan sites stats --write`."""
    from corpus.stats import current_block, stats_markdown

    card = Path(__file__).resolve().parent.parent / "data" / "CORPUS.md"
    assert current_block(card) == stats_markdown(sites, corpus_report.parsed)
