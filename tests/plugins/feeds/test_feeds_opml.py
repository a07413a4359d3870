"""OPML import from real readers' exports, export, round trips, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from feeds_helpers import DATA, data

from workstation_plugins.feeds import (
    OpmlError,
    OpmlFeed,
    export_opml,
    new_feed_config,
    parse_opml,
    plan_opml_import,
    read_opml,
    render_opml,
    write_opml,
)

EXPECTED = {
    "thunderbird.opml": [
        OpmlFeed("https://arsmachina.example/feed", "Ars Machina",
                 "https://arsmachina.example/", "Tech"),
        OpmlFeed("https://kernel.example/rss.xml", "Kernel News",
                 "https://kernel.example/", "Tech/Linux"),
        OpmlFeed("https://blog.mozilla.example/feed/", "Mozilla Blog",
                 "https://blog.mozilla.example/", None),
    ],
    "feedly.opml": [
        OpmlFeed("https://arsmachina.example/feed", "Ars Machina",
                 "https://arsmachina.example/", "Tech"),
        OpmlFeed("https://verge.example/rss/index.xml", "The Verge-ish",
                 "https://verge.example/", "Tech"),
        OpmlFeed("https://recettes.example/feed.xml", "Recettes d'été",
                 "https://recettes.example", "Cuisine"),
    ],
    "freshrss.opml": [
        OpmlFeed("https://lemonde.example/rss/une.xml", "Le Monde-ish",
                 "https://lemonde.example/", "News"),
        OpmlFeed("https://json.example/feed.json", "JSON Example",
                 "https://json.example/", "Dev/Python"),
        OpmlFeed("https://plain.example/atom.xml", "Uncategorised", None, None),
    ],
    "newsboat.opml": [
        OpmlFeed("https://arsmachina.example/feed", "Ars Machina",
                 "https://arsmachina.example/", None),
        OpmlFeed("https://kernel.example/rss.xml", "Kernel News",
                 "https://kernel.example/", None),
        OpmlFeed("https://query.example/feed?tag=a&page=1", "query.example", None, None),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_real_exports(name: str) -> None:
    assert parse_opml(data(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_round_trip(name: str, tmp_path: Path) -> None:
    feeds = read_opml(DATA / name)
    out = tmp_path / "out.opml"
    write_opml(out, feeds, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert read_opml(out) == feeds
    # And a second trip is byte-for-byte stable.
    assert render_opml(read_opml(out), now=datetime(2026, 1, 5, tzinfo=UTC)) == out.read_bytes()


def test_export_shape() -> None:
    xml = render_opml([
        OpmlFeed("https://a.example/feed", "A & B", "https://a.example/", "Tech/Linux"),
        OpmlFeed("https://c.example/rss", "C"),
    ], now=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).decode()
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert '<opml version="2.0">' in xml
    assert "<dateCreated>Mon, 05 Jan 2026 09:00:00 GMT</dateCreated>" in xml
    assert '<outline text="Tech" title="Tech">' in xml
    assert '<outline text="Linux" title="Linux">' in xml
    assert ('<outline type="rss" text="A &amp; B" title="A &amp; B" '
            'xmlUrl="https://a.example/feed" htmlUrl="https://a.example/" />') in xml
    assert '<outline type="rss" text="C" title="C" xmlUrl="https://c.example/rss" />' in xml


def test_export_from_source_configs() -> None:
    xml = export_opml([
        ("Ars", new_feed_config("https://arsmachina.example/feed", title="Ars Machina",
                                site_url="https://arsmachina.example/", folder="Tech")),
        ("Untitled", {"url": "https://u.example/feed", "title": None}),
        ("Broken", {"title": "no url"}),
    ])
    assert parse_opml(xml) == [
        OpmlFeed("https://arsmachina.example/feed", "Ars Machina",
                 "https://arsmachina.example/", "Tech"),
        OpmlFeed("https://u.example/feed", "Untitled", None, None),
    ]


def test_plan_import_skips_existing_and_makes_names_unique() -> None:
    existing = {"Ars Machina": {"url": "http://arsmachina.example/feed/"}}
    feeds = [*parse_opml(data("feedly.opml")),
             OpmlFeed("https://other.example/feed", "The Verge-ish")]
    plan = plan_opml_import(feeds, existing)
    assert [(f.title, why) for f, why in plan.skipped] == [("Ars Machina", "already subscribed")]
    assert [name for name, _ in plan.add] == [
        "The Verge-ish", "Recettes d'été", "The Verge-ish (2)"]
    _name, config = plan.add[1]
    assert config == {
        "url": "https://recettes.example/feed.xml", "folder": "Cuisine",
        "title": "Recettes d'été", "site_url": "https://recettes.example",
        "interval_minutes": None, "retention_days": None, "retention_items": None,
        "open_in": "pane", "notify": True}


def test_plan_import_under_one_more_folder() -> None:
    plan = plan_opml_import(parse_opml(data("thunderbird.opml")), {},
                            taken_names=["Ars Machina"], folder="Imported/")
    assert [(n, c["folder"]) for n, c in plan.add] == [
        ("Ars Machina (2)", "Imported/Tech"), ("Kernel News", "Imported/Tech/Linux"),
        ("Mozilla Blog", "Imported")]


def test_case_insensitive_attributes_and_text_input() -> None:
    text = ('<?xml version="1.0" encoding="ISO-8859-1"?><opml version="2.0"><body>'
            '<outline TEXT="x" xmlurl="https://x.example/f" HTMLURL="https://x.example/"/>'
            '<outline text="dup" xmlUrl="https://x.example/f"/>'
            '<outline text="not http" xmlUrl="file:///etc/passwd"/>'
            '<outline text="a link" type="link" url="https://x.example/page"/>'
            '</body></opml>')
    assert parse_opml(text) == [OpmlFeed("https://x.example/f", "x", "https://x.example/")]


@pytest.mark.parametrize(("doc", "reason"), [
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
     b'<opml><body><outline text="&lol;"/></body></opml>', "DOCTYPE"),
    (b'<opml><body><!ENTITY x "y"></body></opml>', "ENTITY"),
    ('<opml><!doctype x></opml>'.encode("utf-16"), "DOCTYPE"),
    (b"<rss><channel/></rss>", "not OPML"),
    (b"<opml><head/></opml>", "no <body>"),
    (b"<opml><body><outline></body>", "not well-formed"),
])
def test_refusals(doc: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        parse_opml(doc)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(OpmlError, match="cannot be read"):
        read_opml(tmp_path / "missing.opml")
