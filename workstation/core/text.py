"""Plain text out of HTML, and short previews, for the index and the list."""

from __future__ import annotations

import html
import re

import nh3

_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h[1-6]|blockquote|pre|table|figure)>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

INDEXED_TEXT_LIMIT = 64 * 1024
"""Characters of a body that go into the full-text index: enough for any
real message, and a 20 MB log pasted in a mail does not bloat the index."""


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment: tags, scripts and styles removed.

    >>> html_to_text("<p>Hello&nbsp;<b>world</b></p><script>x()</script><p>Bye</p>")
    'Hello\\xa0world\\nBye'
    """
    if "<" not in markup and "&" not in markup:
        return markup.strip()  # already plain: most feed titles and summaries
    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n", markup)
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head"})
    text = html.unescape(stripped)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def preview(text: str, limit: int = 200) -> str:
    """One line of at most ``limit`` characters, for the item list.

    Quoted lines of a reply ("> …") are skipped: the new words matter.

    >>> preview("Hi,\\n> old text\\nsee you  soon")
    'Hi, see you soon'
    """
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    flat = " ".join(" ".join(lines).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut + "…"
