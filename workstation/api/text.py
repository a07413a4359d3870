"""Text helpers for plugins: plain text out of HTML, and one-line previews.

They are the ones the store uses for its index and the item list, so a
plugin's previews look like everybody else's.

>>> preview(html_to_text("<p>Hello <b>world</b></p>"))
'Hello world'
"""

from workstation.core.text import html_to_text, preview

__all__ = ["html_to_text", "preview"]
