"""OpenAPI links from an answer that creates something to the operations that take its id: what a client
(and schemathesis's stateful phase) follows from `POST /api/v1/units` to `GET /api/v1/units/{unit_id}`.

Each link names its target by `operationRef`, a JSON pointer to the path the service serves, so that it
resolves the same in the service's own document and in the gateway's merged one (which keeps paths as they
are) and does not depend on the names FastAPI gives operations.
"""

import re
from typing import Any

ETAG = "$response.header.ETag"


def created(
    description: str,
    parameter: str,
    *targets: str,
    field: str = "id",
    status: int = 201,
    if_match: tuple[str, ...] = (),
) -> dict[int | str, dict[str, Any]]:
    """`responses` for a route whose `status` answer is the created resource: a link to each of `targets`
    ("GET /api/v1/units/{unit_id}") passing the answer's `field` as the path parameter `parameter`; the
    targets listed in `if_match` also get the answer's ETag as their `If-Match`."""
    links = {}
    for target in targets:
        method, path = target.split(" ", 1)
        parameters = {f"path.{parameter}": f"$response.body#/{field}"}
        if target in if_match:
            parameters["header.if-match"] = ETAG
        links[_name(method, path)] = {
            "operationRef": "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower(),
            "parameters": parameters,
        }
    return {status: {"description": description, "links": links}}


def _name(method: str, path: str) -> str:
    """`GET /api/v1/units/{unit_id}` -> `get-units-unit_id`: a link name of the characters OpenAPI allows."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", f"{method.lower()} {path.removeprefix('/api/v1')}").strip("-")
