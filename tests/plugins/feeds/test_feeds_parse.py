"""Feed documents to items: every format, the id rules, sanitising, links, health."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from feeds_helpers import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workstation.api import Item, ItemKind
from workstation_plugins.feeds.parse import (
    FeedParseError,
    NotAFeedError,
    ParsedFeed,
    feed_folder,
    parse_feed,
)
from workstation_plugins.feeds.text import sanitize_html

FEED_URL = "https://feeds.example/feeds/rss20.xml"


def parse(body: bytes, url: str = FEED_URL, **kw: object) -> ParsedFeed:
    return parse_feed(body, url=url, source="src", **kw)  # type: ignore[arg-type]


def by_title(parsed: ParsedFeed) -> dict[str, Item]:
    return {i.title: i for i in parsed.items}


def test_rss20_entry_is_mapped_to_an_item() -> None:
    parsed = parse(data("rss20.xml"), folder="Tech")
    info = parsed.info
    assert (info.title, info.site_url, info.format) == (
        "Ars Machina", "https://arsmachina.example/", "RSS 2.0")
    assert info.media_type == "application/rss+xml"
    assert info.ttl_minutes == 90
    assert info.skip_hours == {1, 2, 3}
    assert info.skip_days == {6}  # Sunday
    assert parsed.problem is None

    item = parsed.items[0]
    assert item.kind is ItemKind.FEED_ENTRY
    assert item.source == "src"
    assert item.remote_id == "tag:arsmachina.example,2026:12"
    assert item.title == "Episode 12: the <blink> tag"  # plain text, entity decoded
    assert item.url == "https://arsmachina.example/posts/12"
    assert item.summary == "A short teaser for episode 12."
    assert item.content_type == "text/html"
    assert item.folder == "Tech/Ars Machina"
    assert item.thread is None
    assert item.published == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert item.published is not None and item.published.tzinfo is UTC
    assert item.tags == ("Podcast", "History")
    assert item.actor is not None and item.actor.name == "Ada Lovelace"
    assert item.actor.address == "https://arsmachina.example/"
    assert item.language == "en"
    enclosure, thumbnail = item.attachments
    assert (enclosure.url, enclosure.media_type, enclosure.size, enclosure.name) == (
        "https://cdn.arsmachina.example/ep12.mp3", "audio/mpeg", 12345678, "ep12.mp3")
    assert thumbnail.url == "https://cdn.arsmachina.example/ep12-thumb.jpg"
    assert thumbnail.media_type == "image/jpeg"


def test_content_is_sanitised_and_links_resolved() -> None:
    content = parse(data("rss20.xml")).items[0].content
    assert content is not None
    assert "<script" not in content and "document.write" not in content
    assert "onclick" not in content and "onerror" not in content
    assert "javascript:" not in content
    assert "<iframe" not in content and "tracker.example" not in content
    # No xml:base in RSS: relative links resolve against the feed's site link.
    assert 'href="https://arsmachina.example/episodes/12"' in content
    assert 'src="https://arsmachina.example/images/cover12.png"' in content
    assert 'rel="noopener noreferrer nofollow"' in content


def test_remote_id_is_guid_then_link_then_hash() -> None:
    items = parse(data("rss20.xml")).items
    assert items[0].remote_id == "tag:arsmachina.example,2026:12"  # the guid
    assert items[1].remote_id == "https://arsmachina.example/posts/11"  # no guid: the link
    assert items[2].remote_id.startswith("sha256:")  # neither: a content hash
    assert len(items[2].remote_id) == len("sha256:") + 64
    # The hash is stable across parses, and changes with the content.
    assert parse(data("rss20.xml")).items[2].remote_id == items[2].remote_id
    edited = data("rss20.xml").replace(b"Only words here.", b"Other words.")
    assert parse(edited).items[2].remote_id != items[2].remote_id


def test_blank_guid_falls_back_to_the_link() -> None:
    body = (b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
            b'<link>https://x.example/a</link><guid isPermaLink="false">   </guid>'
            b'</item></channel></rss>')
    assert parse(body).items[0].remote_id == "https://x.example/a"


def test_duplicate_entries_in_one_document_keep_the_first() -> None:
    body = (b'<rss version="2.0"><channel><title>t</title>'
            b'<item><guid>same</guid><title>newest</title></item>'
            b'<item><guid>same</guid><title>older copy</title></item>'
            b'<item></item>'  # an empty item: nothing to show, skipped
            b'</channel></rss>')
    parsed = parse(body)
    assert [i.title for i in parsed.items] == ["newest"]
    assert parsed.skipped == 1


def test_atom_xml_base_and_relative_links() -> None:
    parsed = parse(data("atom10.xml"), url="https://feeds.example/atom.xml")
    assert parsed.info.format == "Atom 1.0"
    assert parsed.info.site_url == "https://blog.example/"
    first, second = parsed.items
    assert first.title == "Relative resolution"  # type="html" title flattened
    assert first.url == "https://blog.example/base/posts/relative"  # feed-level xml:base
    # The content element's own xml:base wins for the links inside it.
    assert 'src="https://static.example/img/diagram.png"' in (first.content or "")
    assert 'href="https://static.example/about"' in (first.content or "")
    assert first.attachments[0].url == "https://blog.example/base/files/paper.pdf"
    assert first.attachments[0].size == 2048
    assert first.published == datetime(2026, 1, 6, 16, 30, 2, tzinfo=UTC)
    assert first.updated == datetime(2026, 1, 6, 19, 0, tzinfo=UTC)
    assert first.actor is not None and first.actor.name == "Grace Hopper"
    assert first.actor.address == "https://blog.example/grace"
    assert first.tags == ("compilers",)
    # xhtml content, resolved against the feed's xml:base.
    assert 'href="https://blog.example/up"' in (second.content or "")
    assert second.actor is not None and second.actor.name == "Alan Turing"


def test_relative_atom_ids_stay_as_written_and_bases_do_not_leak() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><id>x1</id><title>one</title><link href="one"/>
        <content type="html" xml:base="https://other.example/p/"
          >&lt;a href="r"&gt;r&lt;/a&gt;</content>
      </entry>
      <entry><id>x2</id><title>two</title><link href="two"/>
        <content type="html">&lt;a href="r2"&gt;r&lt;/a&gt;</content></entry></feed>"""
    one, two = parse(body, url="https://feeds.example/f/atom.xml").items
    # Ids are not resolved against the feed's address: they must not change
    # when the feed moves.
    assert (one.remote_id, two.remote_id) == ("x1", "x2")
    assert 'href="https://other.example/p/r"' in (one.content or "")
    # The first entry's xml:base does not spill into the second one.
    assert two.url == "https://feeds.example/f/two"
    assert 'href="https://feeds.example/f/r2"' in (two.content or "")


def test_rss10() -> None:
    parsed = parse(data("rss10.rdf"))
    assert parsed.info.format == "RSS 1.0"
    assert parsed.info.media_type == "application/rdf+xml"
    (item,) = parsed.items
    assert item.title == "First RDF item"
    assert item.remote_id == "https://rdf.example/one"
    assert item.published == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert item.actor is not None and item.actor.name == "Tim"
    assert item.tags == ("semantic",)


def test_json_feed_11() -> None:
    parsed = parse(data("jsonfeed11.json"), url="https://json.example/feed.json",
                   content_type="application/feed+json", folder="News")
    assert parsed.info.format == "JSON Feed 1.1"
    assert parsed.info.media_type == "application/feed+json"
    second, first = parsed.items
    assert second.remote_id == "2"
    assert second.url == "https://json.example/posts/2"
    assert second.title == "Deuxième billet"
    assert second.summary == "Un résumé."
    assert "<script" not in (second.content or "")
    assert 'href="https://json.example/a-propos"' in (second.content or "")
    assert second.published == datetime(2026, 1, 7, 7, 0, tzinfo=UTC)
    assert second.updated == datetime(2026, 1, 7, 9, 0, tzinfo=UTC)
    assert second.tags == ("été", "python")
    assert second.language == "fr"
    assert second.folder == "News/JSON Example"
    assert second.actor is not None and second.actor.name == "Jeanne"
    assert [a.media_type for a in second.attachments] == ["audio/ogg", "image/webp"]
    assert second.attachments[0].size == 4096
    assert first.remote_id == "1"  # a numeric id is an id too
    assert first.content == "<p>Texte brut</p>\n<p>second paragraphe</p>"
    assert first.actor is not None and first.actor.name == "Paul"


def test_json_feed_10_detected_without_content_type() -> None:
    doc = {"version": "https://jsonfeed.org/version/1", "title": "Old JSON",
           "author": {"name": "Solo"},
           "items": [{"id": "a", "content_html": "<p>x</p>", "url": "https://j.example/a"},
                     "not an object", {"url": "https://j.example/b", "content_text": "b"}]}
    parsed = parse(json.dumps(doc).encode(), content_type="text/plain")
    assert parsed.info.format == "JSON Feed 1"
    assert [i.remote_id for i in parsed.items] == ["a", "https://j.example/b"]
    assert parsed.items[0].actor is not None and parsed.items[0].actor.name == "Solo"


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>'
    b'<link>https://o.example/</link><item><title>a</title><link>https://o.example/a</link>'
    b'</item></channel></rss>',
    b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">'
    b'<title>Old atom</title><entry><title>a</title><id>tag:o,1:a</id>'
    b'<issued>2004-01-01T00:00:00Z</issued></entry></feed>',
    b'<?xml version="1.0"?><CHANNEL HREF="https://o.example/"><TITLE>CDF</TITLE>'
    b'<ITEM HREF="https://o.example/a"><TITLE>a</TITLE><ABSTRACT>x</ABSTRACT></ITEM></CHANNEL>',
], ids=["rss091", "atom03", "cdf"])
def test_older_formats(body: bytes) -> None:
    parsed = parse(body)
    assert parsed.items and parsed.items[0].title == "a"
    assert parsed.info.format


def test_ill_formed_feed_is_read_with_a_reason() -> None:
    parsed = parse(data("illformed.xml"))
    assert parsed.problem is not None
    assert parsed.problem.startswith("not well-formed XML at line 4:")
    assert [i.title for i in parsed.items] == ["Still readable"]
    assert parsed.info.title == "Broken & Co"


@pytest.mark.parametrize(("body", "reason"), [
    (data("page.html"), "web page"),
    (b"<html><body>hi</body></html>", "web page"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
     b'"x"><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head></html>',
     "web page"),
    (b"   \n", "empty"),
    (b'{"hello": "world"}', "not a JSON Feed"),
    (b"[1, 2]", "not a JSON Feed"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "not a feed"),
    (b"<note><to>Tove</to></note>", "not a feed"),
])
def test_not_a_feed(body: bytes, reason: str) -> None:
    with pytest.raises(NotAFeedError, match=reason):
        parse(body)


def test_feed_with_a_title_and_no_entries_is_a_feed() -> None:
    parsed = parse(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert parsed.info.title == "Quiet" and parsed.items == ()


def test_title_override_and_slashes_in_folder_names() -> None:
    parsed = parse(data("rss20.xml"), folder="Tech/", title="My AC/DC feed")
    assert parsed.items[0].folder == "Tech/My AC\u2215DC feed"
    assert feed_folder(None, "  Plain   name ") == "Plain name"
    assert feed_folder("", "") == "Untitled feed"


def test_sanitiser_allow_list() -> None:
    dirty = ('<p style="position:fixed" class="x">ok <b>bold</b></p>'
             '<a href="data:text/html,<script>x()</script>">d</a>'
             '<img src="data:image/png;base64,iVBORw0KGgo=">'
             '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
             '<form action="/steal"><input name="pw"></form>'
             '<object data="x.swf"></object><style>body{}</style>'
             '<img srcset="a.png 1x, javascript:x 2x" src="a.png">'
             '<a href="mailto:me@example.org">mail</a><a href="#top">top</a>')
    clean = sanitize_html(dirty, base="https://b.example/dir/")
    assert "style=" not in clean and "<style" not in clean and "class=" not in clean
    assert "<b>bold</b>" in clean
    assert "data:text/html" not in clean and "svg" not in clean
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in clean
    assert "<form" not in clean and "<input" not in clean and "<object" not in clean
    assert 'srcset="https://b.example/dir/a.png 1x"' in clean
    assert 'href="mailto:me@example.org"' in clean
    assert 'href="https://b.example/dir/#top"' in clean


def test_plain_text_titles_from_html_and_untitled_entries() -> None:
    body = (b'<rss version="2.0"><channel><title>t</title><item><guid>1</guid>'
            b'<description>&lt;p&gt;Only a body, &lt;b&gt;no&lt;/b&gt; title.&lt;/p&gt;'
            b'</description></item></channel></rss>')
    (item,) = parse(body).items
    assert item.title == "Only a body, no title."
    assert item.summary == "Only a body, no title."


def test_author_falls_back_to_the_feed() -> None:
    items = parse(data("rss20.xml")).items
    assert items[1].actor is not None
    assert items[1].actor.name == "Ars Machina"  # no author: the feed speaks


# -- robustness ------------------------------------------------------------------

def _only_parse_errors(body: bytes, content_type: str | None = None) -> None:
    try:
        result = parse_feed(body, url="https://fuzz.example/f", source="fuzz",
                            content_type=content_type)
    except FeedParseError:
        return
    for item in result.items:
        assert item.remote_id
        assert item.published is None or item.published.tzinfo is not None


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_anything_else(body: bytes) -> None:
    _only_parse_errors(body)


_FEEDISH = st.lists(st.sampled_from([
    "<rss version='2.0'>", "<channel>", "<title>", "</title>", "<item>", "</item>", "<guid>",
    "</guid>", "<link>", "</link>", "<description>", "</description>", "</channel>",
    "</rss>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "<entry>", "</entry>", "<id>",
    "</id>", "<content type='html' xml:base='../x/'>", "</content>", "&amp;", "&lt;", "&",
    "<![CDATA[", "]]>", "<pubDate>", "</pubDate>", "Mon, 99 Foo 2026", "2026-13-45T99:00Z",
    "<enclosure url='x' length='-3'/>", "<media:thumbnail url='javascript:x'/>",
    "<skipHours><hour>99</hour></skipHours>", "<ttl>999999999999999999</ttl>",
    '{"version": "https://jsonfeed.org/version/1.1", "items": [', '{"id": ', "null",
    '"date_published": "x"', "]}", "é", "\x00", "<script>", "<html>",
]), max_size=40).map("".join)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_FEEDISH, st.sampled_from([None, "application/rss+xml", "text/html; charset=latin-1",
                                  "application/feed+json", "text/plain"]))
def test_feed_like_text_never_raises_anything_else(text: str, content_type: str | None) -> None:
    _only_parse_errors(text.encode("utf-8", "surrogatepass"), content_type)


@settings(max_examples=100)
@given(st.text(max_size=500))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    _only_parse_errors(text.encode("utf-8", "surrogatepass"))


def test_non_bytes_input_is_a_parse_error() -> None:
    with pytest.raises(FeedParseError):
        parse_feed("<rss/>", url="u", source="s")  # type: ignore[arg-type]
