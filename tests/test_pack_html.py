"""The governors' pack as an accessible HTML document (analysis/pack_html.py)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from analysis import ingest, pack, pack_html
from analysis.store import Store
from app_pages.sample import SAMPLE_WORKBOOK

KINGFISHER = "990201"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('pack_html') / 'impact.sqlite'}")
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), "test")
    return store.load(), store.get_settings()


class Outline(HTMLParser):
    """Headings in order, tables with their captions, images with their alt text."""

    def __init__(self):
        super().__init__()
        self.headings, self.captions, self.alts, self.tables, self.scripts = [], [], [], 0, 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"h1", "h2", "h3", "caption"}:
            self._in = tag
        if tag == "table":
            self.tables += 1
        if tag == "img":
            self.alts.append(attrs.get("alt", ""))
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.captions.append(data)
        elif self._in:
            self.headings.append((int(self._in[1]), data))


def test_the_html_pack_has_headings_in_order_captioned_tables_and_chart_alternatives(sample):
    data, settings = sample
    document = pack_html.build_school_pack_html(data, settings, KINGFISHER,
                                                today=dt.date(2025, 7, 1))
    outline = Outline()
    outline.feed(document)

    assert document.startswith("<!DOCTYPE html>") and 'lang="en-GB"' in document
    levels = [level for level, _ in outline.headings]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert outline.headings[0][1] == "Governors' pack: Kingfisher Primary School"
    targets = pack.pack_tables(data, settings, KINGFISHER)["targets"]
    # One section per target, exceptions first, as the PDF orders them.
    h3 = [text for level, text in outline.headings if level == 3]
    assert len(h3) == len(targets)
    assert [t.split(": ")[0].split(" ", 1)[1] for t in h3] == list(targets["Status"])
    # Every table has a caption; every chart image has its sentence as alt text.
    assert outline.tables == len(outline.captions) >= len(targets) + 2
    assert len(outline.alts) == len(targets)
    for alt, sentence in zip(outline.alts, targets["Sentence"], strict=True):
        assert sentence in alt
    assert outline.scripts == 0
    assert "@media print" in document and "made 01/07/2025" in document


def test_hidden_figures_are_words_and_uploaded_text_is_escaped(sample):
    data, settings = sample
    schools = data.schools.copy()
    schools.loc[schools["urn"] == KINGFISHER, "school_name"] = "<script>alert(1)</script> School"
    measures = data.measures.copy()
    mine = (measures["urn"] == KINGFISHER) & (measures["period"] == measures["period"].max())
    measures.loc[mine, "cohort"] = 3  # every latest figure from a small cohort
    tampered = type(data)(**{**data.__dict__, "schools": schools, "measures": measures})

    document = pack_html.build_school_pack_html(tampered, settings, KINGFISHER)

    assert "<script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt; School" in document
    tables = pack.pack_tables(tampered, settings, KINGFISHER)
    hidden = tables["measures"][tables["measures"]["Value"].map(lambda v: isinstance(v, str))]
    assert not hidden.empty
    assert pack.hidden_text(settings) in document


def test_an_unknown_school_is_a_pack_error(sample):
    data, settings = sample
    with pytest.raises(pack.PackError, match="999999"):
        pack_html.build_school_pack_html(data, settings, "999999")
