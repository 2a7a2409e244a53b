"""Mount the web pages on an app: routers, the stylesheet, and HTML answers for page errors.

`install_pages(app, settings)` is all `api.main.create_app` calls. The session secret is worked out
here, once per app (see api.pages.session), and kept on `app.state.pages`, not in a module global.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request, status
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.errors import ApiError
from api.pages.session import Signer, session_secret
from api.pages.viewer import PageRefused
from api.pages.web import (
    STATIC_DIR,
    CsrfRejected,
    Pages,
    SignInRequired,
    admin_only_page,
    build_env,
    current_viewer,
    error_page,
    not_found_page,
    sign_in_redirect,
    staff_only_page,
)
from api.routers import PAGE_ROUTERS
from api.settings import ApiSettings

STATIC_PATH = "/static"


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    return sign_in_redirect(request)


async def _page_refused(request: Request, exc: Exception) -> Response:
    """A page `api.access` refuses: "Staff only", or the 404 page for someone else's project."""
    assert isinstance(exc, PageRefused)
    if exc.kind == PageRefused.STAFF_ONLY:
        return staff_only_page(request, exc.viewer)
    if exc.kind == PageRefused.ADMIN_ONLY:
        return admin_only_page(request, exc.viewer)
    return not_found_page(request, exc.viewer)


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    viewer = await current_viewer(request)
    return error_page(
        request,
        viewer,
        status.HTTP_403_FORBIDDEN,
        "Form expired",
        "This form was out of date or not sent from Engage, so nothing was done. Go back, reload the page "
        "and try again.",
    )


def install_pages(app: FastAPI, settings: ApiSettings) -> None:
    """Serve the pages at `/` and the stylesheet at `/static`; keep the JSON API's errors as JSON."""
    app.state.pages = Pages(settings=settings, signer=Signer(session_secret(settings)), env=build_env())
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(PageRefused, _page_refused)
    page_paths = {getattr(r, "path", None) for router in PAGE_ROUTERS for r in router.routes}
    json_api_error = app.exception_handlers[ApiError]

    async def api_error(request: Request, exc: Exception) -> Response:
        """A page answers an `ApiError` it did not handle itself with an HTML page, never JSON."""
        route = request.scope.get("route")
        if getattr(route, "path", None) not in page_paths or not isinstance(exc, ApiError):
            answer = json_api_error(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        response = error_page(
            request, await current_viewer(request), exc.status_code, "Something went wrong", exc.detail
        )
        response.headers.update(exc.headers)
        return response

    app.add_exception_handler(ApiError, api_error)
