"""`/docs` works without the internet: its page and every asset it loads come from this API."""

from __future__ import annotations

import re

from tests.api.conftest import http_client


async def test_the_docs_page_loads_swagger_ui_from_this_api_not_a_cdn(api):
    async with http_client(api.app, key=None) as browser:
        page = await browser.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        assert all(source.startswith("/") for source in sources), sources
        assert "cdn" not in page.text and "https://" not in page.text
        for source in sources:
            asset = await browser.get(source)
            assert asset.status_code == 200, source
            assert len(asset.content) > 1000 or source.endswith(".png"), source
        assert "swagger-ui-bundle.js" in "".join(sources)
        assert (await browser.get("/openapi.json")).json()["openapi"].startswith("3.1")
        assert (await browser.get("/redoc")).status_code == 404
