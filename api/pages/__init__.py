"""Server-rendered web pages (Jinja2, no JavaScript): sign-in, dashboard, project, partners, outbox.

They sit on the same code paths as the JSON API (auth, workflow updates, read-model queries) so a
page can do nothing the API would refuse. Mounted by `api.pages.mount.install_pages`.
"""
