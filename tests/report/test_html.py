"""The page's building blocks: tables escape every header and cell."""

import pandas as pd

from digitnet import report


def test_html_table_escapes_headers_and_cells():
    frame = pd.DataFrame({"<b>feature</b>": ["<img src=x onerror=alert(1)>", "a & b"], "value": [0.5, 1.25]})
    table = report.html_table(frame, digits=2)
    assert "<b>" not in table and "<img" not in table
    assert "&lt;b&gt;feature&lt;/b&gt;" in table
    assert "&lt;img src=x onerror=alert(1)&gt;" in table and "a &amp; b" in table
    assert "<td>0.50</td>" in table and "<td>1.25</td>" in table
    assert '<td class="text">a &amp; b</td>' in table
