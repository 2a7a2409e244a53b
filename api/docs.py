"""`/docs` served with Swagger UI's assets from an installed package, never from a CDN.

Why: FastAPI's default `/docs` page loads Swagger UI from jsdelivr, so an operator's browser calls
a third party (and gets nothing offline, or behind a strict proxy). The assets ship in the PyPI
package `swagger-ui-py` (Swagger UI 5, which reads OpenAPI 3.1); they are mounted at
`/docs-assets` and may be cached (api.http_guards). ReDoc, which has no packaged copy here, is off.
The package is found without importing it: only its `static` folder is used.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.access import access

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs-assets"


def swagger_ui_static() -> Path:
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed (pyproject.toml lists it)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_docs(app: FastAPI) -> None:
    """Serve `/docs` and its assets; create the app with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_static()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API docs",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )

    app.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False, dependencies=[access("public")])
