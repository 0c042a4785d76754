"""Reading the report page in tests: visible text, the conclusions by topic, percentages as the page writes them."""

import html
import re

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def text_of(fragment):
    """The visible text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def conclusions_of(page):
    section = re.search(r'<section id="conclusions">(.*?)</section>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return {text_of(item).split(".")[0]: text_of(item) for item in items}


def pct(x):
    return f"{100 * x:.1f}%"
