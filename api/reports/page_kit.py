"""What the report pages and PDFs share (api/reports/*_pages.py): the stylesheet the PDF inlines.

The pages link the site's stylesheet (/static/engage.css) like every page; the PDF is made from the same
HTML by WeasyPrint, which fetches nothing (api.reports.pdf answers that link empty), so
`reports/_report_base.html` inlines the stylesheet there, followed by `PRINT_CSS`: charts above their
tables (an A4 page is too narrow for both side by side), no sideways scrolling boxes, and no table or
chart split across two pages.
"""

from __future__ import annotations

from functools import cache

from api.pages.web import STATIC_DIR

PRINT_CSS = """
:root, body { background: #fff; }
.site-header, .site-footer, .breadcrumb, .no-print { display: none !important; }
main.wrap { max-width: none; padding: 0; }
main > h1:first-of-type { margin-top: 0; }
.chart-pair { display: block; }
.chart { border: none; padding: 0; max-width: 15cm; }
.chart svg { max-width: 15cm; }
.table-wrap { overflow: visible; border: none; }
table { min-width: 0; font-size: 9pt; }
th, td { padding: 0.25rem 0.4rem; }
figure, tr, blockquote { break-inside: avoid; }
h2, h3 { break-after: avoid; }
"""


@cache
def report_css() -> str:
    """engage.css then PRINT_CSS: the PDF's whole stylesheet (read once)."""
    return (STATIC_DIR / "engage.css").read_text(encoding="utf-8") + PRINT_CSS
