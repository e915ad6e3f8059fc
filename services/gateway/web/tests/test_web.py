"""The web app's server side and its text catalogue: what the gateway serves at `/`, that it shadows no
platform path, and that every text the pages use is in the catalogue."""

import json
import re

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.web import STATIC_DIR, mount_web

pytestmark = pytest.mark.unit

JS_DIR = STATIC_DIR / "js"
CATALOGUE = STATIC_DIR / "i18n" / "id.json"
# t('a.b') and t(`a.${x}`) calls; a template key is checked by its fixed prefix.
TEXT_CALL = re.compile(r"""\bt\(\s*(['`])([\w.\-${}]+)\1""")
LABEL_CALL = re.compile(r"""\blabel\(\s*'([\w]+)'""")


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/{path:path}")
    async def api(path: str) -> dict[str, str]:
        return {"api": path}

    mount_web(app)
    return app


async def _get(path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        return await client.get(path, headers=headers)


async def test_the_page_is_served_at_the_root_with_a_same_origin_policy():
    response = await _get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js">' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy


async def test_assets_and_the_plotly_bundle_are_served_and_revalidated():
    script = await _get("/static/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "no-cache"
    plotly = await _get("/static/vendor/plotly/plotly.min.js", **{"accept-encoding": "gzip"})
    assert plotly.status_code == 200
    assert plotly.headers["content-encoding"] == "gzip"
    assert len(plotly.content) > 1_000_000


async def test_platform_paths_are_not_shadowed():
    assert (await _get("/health")).json() == {"status": "ok"}
    assert (await _get("/api/v1/employees")).json() == {"api": "employees"}
    assert (await _get("/openapi.json")).status_code == 200
    assert (await _get("/docs")).status_code == 200
    assert (await _get("/static/../app.py")).status_code == 404


def test_every_text_the_pages_use_is_in_the_catalogue():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    missing = []
    for source in JS_DIR.rglob("*.js"):
        text = source.read_text(encoding="utf-8")
        for _, key in TEXT_CALL.findall(text):
            fixed = key.split("${", 1)[0]
            node = catalogue
            parts = [p for p in fixed.split(".") if p]
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if not isinstance(node, dict):
                    node = None
                    break
                if last and "${" in key:
                    node = node if any(k.startswith(part) for k in node) else None
                    break
                node = node.get(part)
            if node is None or ("${" not in key and not isinstance(node, str)):
                missing.append(f"{source.relative_to(JS_DIR)}: {key}")
        for group in LABEL_CALL.findall(text):
            if not isinstance(catalogue.get(group), dict):
                missing.append(f"{source.relative_to(JS_DIR)}: label group {group}")
    assert missing == []


def test_the_catalogue_is_valid_json_with_texts_only():
    def leaves(node: object, path: str) -> list[tuple[str, object]]:
        if isinstance(node, dict):
            return [
                leaf for key, value in node.items() for leaf in leaves(value, f"{path}.{key}".lstrip("."))
            ]
        return [(path, node)]

    found = leaves(json.loads(CATALOGUE.read_text(encoding="utf-8")), "")
    assert found
    assert [path for path, value in found if not isinstance(value, str) or not value.strip()] == []


def test_no_page_loads_anything_from_another_origin():
    pattern = re.compile(r"""https?://""")
    offenders = [
        str(path.relative_to(STATIC_DIR))
        for path in STATIC_DIR.rglob("*")
        if path.suffix in {".js", ".css", ".html"} and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
