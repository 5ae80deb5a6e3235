"""Report figures for the console: numbers in the viewer's locale, and charts as inline SVG drawn on the server.

pygal is imported inside the function that draws (a page without a chart, and a cold start, never load it).
The SVG works without JavaScript: pygal's script (its config) and its tooltips (shown by that script) are
taken out, the values are printed on the bars. Its one ``<style>`` element is allowed by its hash in the
page's Content-Security-Policy (``style_hashes``), like the console's own stylesheet.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable
from typing import Any

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def _hidden(marker: str) -> str:
    """domain.reports.suppress's marker of a hidden count ("<5", "<10") as the pages show it: "< 5"."""
    return "< " + marker[1:] if marker.startswith("<") else marker


def formatters(lang: str, country: str | None = None) -> dict[str, Callable[[Any], str]]:
    """``number`` and ``percent`` for templates: a hidden count shows as "< 5", a missing figure as "—"."""
    from babel.numbers import format_decimal, format_percent

    from chalicelib.web.i18n import locale_for

    locale = locale_for(lang, country)

    def number(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            return _hidden(value)
        return format_decimal(value, locale=locale)

    def percent(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            return _hidden(value)
        return format_percent(value, "#,##0.#%", locale=locale)

    return {"number": number, "percent": percent}


def bar_chart(title: str, labels: list[str], values: list[Any], number: Callable[[Any], str], *,
              series: str = "", width: int = 760) -> str:
    """A horizontal bar chart (first label on top) as an ``<svg>`` element; hidden or missing values draw 0."""
    import pygal
    from pygal.style import Style

    style = Style(
        background="white", plot_background="white", foreground="#1b1b1b", foreground_strong="#1b1b1b",
        foreground_subtle="#6b6b6b", colors=("#1f5fa8",), font_family="system-ui, sans-serif",
        label_font_size=13, major_label_font_size=13, value_font_size=13, title_font_size=16,
    )
    drawn = [v if isinstance(v, int | float) and not isinstance(v, bool) else 0 for v in values]
    chart = pygal.HorizontalBar(
        js=[], style=style, width=width, height=max(160, 40 + 34 * len(labels)), show_legend=False,
        print_values=True, print_values_position="top", disable_xml_declaration=True, margin=8,
        value_formatter=lambda v: number(v), explicit_size=False, show_y_guides=False,
    )
    chart.title = title
    if all(isinstance(v, int) for v in drawn):  # counts: whole ticks (pygal would draw 0.2, 0.4, ...)
        step = max(1, -(-max(drawn, default=0) // 5))
        chart.y_labels = list(range(0, max(drawn, default=0) + step, step))
    chart.x_labels = list(reversed(labels))  # pygal draws the first label at the bottom
    chart.add(series or title, [
        {"value": v, "label": shown} for v, shown in zip(reversed(drawn), reversed([number(v) for v in values]),
                                                         strict=True)
    ])
    return _without_script(chart.render_tree())


def _without_script(tree: Any) -> str:
    """pygal's SVG without its ``<script>``, comments and tooltip layer (they need JavaScript), as text."""
    from xml.etree import ElementTree

    for parent in list(tree.iter()):
        for child in list(parent):
            kind = (child.get("class") or "") if isinstance(child.tag, str) else ""
            if not isinstance(child.tag, str) or child.tag == "script" or "tooltip-overlay" in kind:
                parent.remove(child)
    tree.set("role", "img")
    return ElementTree.tostring(tree, encoding="unicode")


def style_hashes(*svgs: str) -> list[str]:
    """CSP sources for the ``<style>`` elements of inline SVGs (``'sha256-...'``)."""
    hashes = []
    for svg in svgs:
        for escaped in _STYLE.findall(svg):
            css = html.unescape(escaped)  # the browser hashes the element's text, "&gt;" read as ">"
            hashes.append("'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'")
    return hashes


def allow_styles(response: Any, svgs: list[str]) -> Any:
    """Add the charts' style hashes to the response's ``style-src`` (nothing else is loosened)."""
    hashes = style_hashes(*svgs)
    if hashes:
        policy = response.headers["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace("style-src ", "style-src " + " ".join(hashes)
                                                                     + " ", 1)
    return response
