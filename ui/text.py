"""User text shown as text.

Streamlit renders Markdown, its own directives (``:red[…]``, ``:material/…:``) and
LaTeX (``$…$``) in most places that take a string: ``st.markdown``, captions, alerts,
button, expander and widget labels, radio options, progress text. A run name, a file
name, a typed word or a class name comes from a visitor and must show exactly as typed
to everyone else, so every such value goes through :func:`md` before it is put into
one of those strings (dataframes, ``st.text``, ``st.code`` and selectbox options show
text as text already).
"""
from __future__ import annotations

import re

# CommonMark shows any ASCII punctuation literally when it is escaped with a backslash. These are the
# characters that can start something inline (emphasis, code, links, images, HTML, entities, tables,
# LaTeX, Streamlit's ":colour[...]" and ":material/...:" directives, "http://" autolinks); commas,
# periods and hyphens inside a line are harmless and stay unescaped, so sentences stay readable.
_INLINE = re.compile(r"([\\`*_~\[\]()<>#!|$:&{}^])")
# ... and what starts a block at the beginning of a line: "- x", "+ x", "1. x", "1) x".
_BULLET = re.compile(r"^([-+=])")
_NUMBERED = re.compile(r"^(\d+)\.")
# GFM turns "www.example.com" into a link even without a scheme.
_WWW = re.compile(r"(?i)\b(www)\.")


def md(value: object) -> str:
    r"""``value`` as a string that Markdown shows literally, on one line.

    An image, a link or HTML in a visitor's text shows as its characters, never as
    an image, a link or markup:

    >>> print(md("![x](http://example.com/a.png)"))
    \!\[x\]\(http\://example.com/a.png\)
    >>> print(md("[click me](javascript:alert(1))"))
    \[click me\]\(javascript\:alert\(1\)\)
    >>> print(md('<img src=x onerror="alert(1)"> &amp; <b>bold</b>'))
    \<img src=x onerror="alert\(1\)"\> \&amp; \<b\>bold\</b\>

    Nor as emphasis, code, a table, Streamlit's colours and icons, or LaTeX:

    >>> print(md("*so* `good` | :red[alert] :material/home: $x^2$"))
    \*so\* \`good\` \| \:red\[alert\] \:material/home\: \$x\^2\$

    A line does not start a list or a heading, and a new line does not start a block:

    >>> print(md("- not a list, but 2.5 stays"))
    \- not a list, but 2.5 stays
    >>> print(md("1. not a numbered list"))
    1\. not a numbered list
    >>> print(md("# not a heading"))
    \# not a heading
    >>> print(md("two\n\n- lines at www.example.com"))
    two - lines at www\.example.com
    """
    one_line = " ".join(str(value).split())
    escaped = _INLINE.sub(r"\\\1", one_line)
    escaped = _NUMBERED.sub(r"\1\\.", _BULLET.sub(r"\\\1", escaped))
    return _WWW.sub(r"\1\\.", escaped)
