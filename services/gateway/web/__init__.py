"""The web application: a static single-page app the gateway serves at `/`, built on the public `/api/v1` API.

Plain ES modules and CSS, no build step, so `make dev` needs no JavaScript toolchain; charts use the
plotly.js bundle that the `plotly` Python package ships. Pages live in the URL fragment (`/#/mutasi/...`),
so the server answers only `/` and `/static/...` and can never shadow `/api`, `/health`, `/ready`, `/docs`,
`/openapi.json` or `/metrics`.
"""

from pathlib import Path

import plotly
from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
STATIC_PREFIX = "/static"

# Everything the page loads comes from the gateway itself; plotly sets inline styles, hence 'unsafe-inline'
# for styles only. The policy also makes the browser refuse any request to another origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class _RevalidatedStatic(StaticFiles):
    """Static files the browser revalidates on each load (ETag, 304): a new release shows at once
    without fingerprinted file names, which would need a build step."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


async def _index(request: Request) -> Response:
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        # The gateway's edge adds the other security headers to every answer.
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )


def mount_web(app: FastAPI) -> None:
    """Serve the web app on `app`: `/` is the page, `/static/...` its assets (the plotly bundle included)."""
    # plotly.min.js is 4.8 MB, a third of that gzipped: a phone on a slow line feels the difference.
    routes = [
        Route("/", _index, methods=["GET", "HEAD"], include_in_schema=False),
        Mount(
            f"{STATIC_PREFIX}/vendor/plotly",
            app=GZipMiddleware(_RevalidatedStatic(directory=PLOTLY_DIR), minimum_size=1024),
            name="web-plotly",
        ),
        Mount(
            STATIC_PREFIX,
            app=GZipMiddleware(_RevalidatedStatic(directory=STATIC_DIR), minimum_size=1024),
            name="web-static",
        ),
    ]
    app.router.routes.extend(routes)
