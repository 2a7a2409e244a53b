"""Page plumbing every feature's pages share (Jinja2, no JavaScript): templates, stylesheet,
sessions, CSRF, form words and HTML error pages; `form_body.py` reads a form as its JSON route's
request schema.

The pages themselves live with their feature (api/projects/pages.py, api/follow_up/pages.py, ...)
and call the same services as the JSON routes, so a page can do nothing the API would refuse.
Mounted by `api.pages.mount.install_pages`.
"""
