"""Evidence files (issue 15): uploaded with a milestone submission, served back to the project's parties.

`uploads.py` (the service the JSON route and the page form both call), `routes.py` (`GET
/api/v1/files/{sha256}` and its thumbnail) and `pages.py` (the same, for a signed-in page viewer).
"""
