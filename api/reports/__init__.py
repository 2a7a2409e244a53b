"""Impact reports (issue 16): the project report, the Knowledge Exchange programme-year report and the
portfolio impact report, each as JSON, a page and a PDF made from the same HTML.

Shared plumbing written once here: `charts.py` (matplotlib to inline SVG, every chart with axis labels,
units and "n = ..."), `pdf.py` (WeasyPrint, A4, "Page X of Y"; imported lazily so the app starts where
Debian's pango is missing: the PDF routes then answer 503) and `schemas.py` (the pieces the reports share,
e.g. a suppressed figure). Small groups are never shown: a figure over fewer than `ENGAGE_REPORT_MIN_N`
respondents (api.settings `report_min_n`) is replaced by a note saying so.
"""
