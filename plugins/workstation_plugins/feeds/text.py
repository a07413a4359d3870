"""HTML of feed entries: sanitised, with absolute links; and plain-text previews.

Feed HTML is untrusted: anyone can publish a feed. :func:`sanitize_html`
keeps the markup of an article (text, links, images, tables, figures,
audio/video) and drops everything that can run code or phone home in
surprising ways (scripts, styles, event handlers, ``javascript:`` and other
foreign URL schemes, forms, iframes). Relative links and image sources are
made absolute against the base the caller gives, because the reading pane
shows the entry far from the feed it came from.

Example::

    >>> sanitize_html('<p onclick="x()">Hi <a href="/a">a</a><script>x()</script>',
    ...               base="https://example.org/blog/")
    '<p>Hi <a href="https://example.org/a" rel="noopener noreferrer nofollow">a</a></p>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import nh3

from workstation.api.text import html_to_text, preview

__all__ = ["html_to_text", "preview", "resolve_url", "sanitize_html", "text_to_html"]

# ammonia's defaults (a reviewed article-shaped set) plus media elements feeds
# use; no iframe/embed/object/form: they run or submit things.
ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS | {"audio", "video", "source", "picture", "section"})
_EXTRA_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "srcset", "alt", "width", "height", "loading"},
    "audio": {"src", "controls"},
    "video": {"src", "poster", "controls", "width", "height"},
    "source": {"src", "srcset", "type", "media"},
    "abbr": {"title"},
    "time": {"datetime"},
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(nh3.ALLOWED_ATTRIBUTES.get(tag, set())) | _EXTRA_ATTRIBUTES.get(tag, set())
    for tag in set(nh3.ALLOWED_ATTRIBUTES) | set(_EXTRA_ATTRIBUTES)
}
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite", "longdesc"})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_DATA_IMAGE = re.compile(r"(?i)^data:image/(?:png|jpeg|gif|webp|avif);base64,[a-z0-9+/=\s]*$")


def resolve_url(value: str, base: str | None, *, allow_data_image: bool = False) -> str | None:
    """``value`` made absolute against ``base``; ``None`` when it is unsafe or broken.

    >>> resolve_url("../a.png", "https://example.org/blog/post/")
    'https://example.org/blog/a.png'
    >>> resolve_url("javascript:alert(1)", "https://example.org/") is None
    True
    """
    value = value.strip()
    if not value:
        return None
    if value[:5].lower() == "data:":
        # Inline raster images are common in feeds and harmless; other data:
        # URLs (text/html, svg with script) are a classic way to smuggle code.
        return value if allow_data_image and _DATA_IMAGE.match(value) else None
    try:
        absolute = urljoin(base, value) if base else value
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:  # a malformed IPv6 host, say
        return None
    return absolute if scheme in LINK_SCHEMES else None


def _resolve_srcset(value: str, base: str | None) -> str | None:
    out = []
    for candidate in value.split(","):
        parts = candidate.strip().split(None, 1)
        if not parts:
            continue
        url = resolve_url(parts[0], base)
        if url is None or any(c.isspace() or c == "," for c in url):
            continue
        out.append(" ".join([url, *parts[1:]]))
    return ", ".join(out) or None


def _attribute_filter(base: str | None) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr == "srcset":
            return _resolve_srcset(value, base)
        if attr in URL_ATTRIBUTES:
            # ammonia already checked the scheme of absolute URLs; a relative
            # one only becomes checkable here, once it is resolved.
            return resolve_url(value, base, allow_data_image=(tag == "img" and attr == "src"))
        return value

    return keep


def sanitize_html(markup: str, *, base: str | None) -> str:
    """Safe HTML for the reading pane, with links and sources made absolute."""
    if not markup:
        return ""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter(base),
        url_schemes=set(LINK_SCHEMES | {"data"}),
        strip_comments=True,
        # nofollow: a feed is third-party content, as in a comment section.
        link_rel="noopener noreferrer nofollow",
    )


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, so every entry has ``text/html`` content.

    >>> text_to_html("a < b\\n\\nnext")
    '<p>a &lt; b</p>\\n<p>next</p>'
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>"
                     for p in paragraphs)


def one_line(text: str) -> str:
    """Whitespace runs collapsed to single spaces."""
    return " ".join(text.split())
