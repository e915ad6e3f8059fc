"""The integration documents: one OpenAPI document merged from every service's, and an AsyncAPI document
of the event catalogue. Pure functions of their inputs."""

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from shared.events.catalogue import EventSpec
from shared.events.envelope import CloudEvent

TOKEN_URL = "/api/v1/auth/token"
SECURITY_SCHEME = "OAuth2"
PUBLIC_OPERATIONS = frozenset({"/api/v1/auth/token", "/api/v1/openapi.json", "/api/v1/asyncapi.json"})
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SCHEMA_REF = "#/components/schemas/"
# The name the gateway's own document goes by when its schema names clash with a service's.
GATEWAY = "gateway"

SYNC_GUIDE = """
## Keeping an agency system in sync

1. Obtain a token with the client-credentials grant at `POST /api/v1/auth/token`
   (`grant_type=client_credentials`, your `client_id` and `client_secret`); tokens live a few minutes.
2. Subscribe to the events you need (`POST /api/v1/webhooks/subscriptions`; the types are listed in
   `/api/v1/asyncapi.json`). You receive only events of your own agency, as CloudEvents, signed:
   verify `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `webhook-id.webhook-timestamp.body` with your
   subscription secret) and refuse timestamps older than five minutes. Failed deliveries are retried with
   exponential backoff; the delivery log can replay any of them.
3. For a full or catch-up sync, page through the lists with `updated_since=<the time of your last sync>`
   and `cursor`, and re-read single resources with `If-None-Match: <ETag>` (304 when unchanged).
   Change a resource with `If-Match: <ETag>`; a stale one gets 412.
"""


def merge_openapi(
    gateway: Mapping[str, Any],
    services: Mapping[str, Mapping[str, Any]],
    owner_of: Callable[[str], str | None],
    *,
    missing: list[str],
) -> dict[str, Any]:
    """The gateway's own document plus each service's `/api/v1` paths (those the gateway routes to it).

    Schemas are named as `unique_schema_names` says, and every `$ref` of a document is rewritten to its
    own document's schema. Every operation is secured by the gateway's OAuth2 token endpoint, not by the
    internal token the services document.
    """
    documents = {GATEWAY: gateway, **services}
    renames = unique_schema_names(documents)
    merged: dict[str, Any] = copy.deepcopy(dict(gateway))
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    for name, document in [(GATEWAY, gateway), *sorted(services.items())]:
        renamed = _rename_refs(document, renames[name])
        for schema_name, schema in renamed.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(renames[name].get(schema_name, schema_name), schema)
        for path, item in renamed.get("paths", {}).items():
            if name == GATEWAY or owner_of(path) == name:
                paths[path] = item
        for tag in renamed.get("tags", []):
            tags.setdefault(tag["name"], tag)
    merged["paths"] = paths
    merged.setdefault("components", {})["schemas"] = schemas
    for path, item in paths.items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation.pop("security", None)
            if path in PUBLIC_OPERATIONS:
                operation["security"] = []
    merged["components"]["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "oauth2",
            "description": "People: password grant; agency systems: client credentials.",
            "flows": {
                "password": {"tokenUrl": TOKEN_URL, "refreshUrl": TOKEN_URL, "scopes": {}},
                "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}},
            },
        }
    }
    merged["security"] = [{SECURITY_SCHEME: []}]
    if tags:
        merged["tags"] = list(tags.values())
    synced = sorted(
        path
        for path, item in paths.items()
        if any(p.get("name") == "updated_since" for p in item.get("get", {}).get("parameters", []))
    )
    info = merged.setdefault("info", {})
    info["title"] = "ASN Mutation Platform API"
    info["description"] = (
        "Every service of the platform through one door, `/api/v1`. Within v1 changes are additive only.\n"
        + SYNC_GUIDE
        + "\nLists that accept `updated_since`: "
        + (", ".join(f"`{p}`" for p in synced) or "none yet")
        + ".\n"
    )
    if missing:
        merged["x-missing-services"] = sorted(missing)
    return merged


def unique_schema_names(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The schemas each document must rename in the merged document: {document: {name: new name}}.

    A name stays as the service's model names it when every document defining it means the same by it:
    the same schema, referring only to schemas that are themselves the same everywhere. Otherwise every
    document defining it prefixes it with its own name (`appraisal_MovePublic`, `mutation_MovePublic`),
    so that no document's meaning wins by the order of merging and each `$ref` names its own document's
    schema. Prefixing only such names, rather than all, keeps generated clients' types as the services
    name them (`EmployeePublic`, not `employee_EmployeePublic`) and the shapes every service shares
    (`Problem`, `FieldProblem`) one type.
    """
    definitions: dict[str, list[Any]] = {}
    for content in documents.values():
        for name, schema in content.get("components", {}).get("schemas", {}).items():
            definitions.setdefault(name, []).append(schema)
    defined_by_several = {name: found for name, found in definitions.items() if len(found) > 1}
    prefixed = {name for name, found in defined_by_several.items() if any(s != found[0] for s in found)}
    # Alike schemas differ once a schema they refer to is prefixed: their $refs are rewritten apart.
    spreading = True
    while spreading:
        spreading = False
        for name, found in defined_by_several.items():
            if name not in prefixed and any(ref in prefixed for schema in found for ref in _refs(schema)):
                prefixed.add(name)
                spreading = True
    return {
        document: {
            name: f"{document}_{name}"
            for name in content.get("components", {}).get("schemas", {})
            if name in prefixed
        }
        for document, content in documents.items()
    }


def _refs(node: Any) -> Iterator[str]:
    """The names of the component schemas `node` refers to."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                yield value[len(SCHEMA_REF) :]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _rename_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of `node` whose schema `$ref`s name the renamed schemas."""
    if isinstance(node, Mapping):
        renamed = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                name = value[len(SCHEMA_REF) :]
                renamed[key] = SCHEMA_REF + renames.get(name, name)
            else:
                renamed[key] = _rename_refs(value, renames)
        return renamed
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def asyncapi_document(catalogue: Mapping[str, EventSpec], *, version: str = "1.0.0") -> dict[str, Any]:
    """AsyncAPI 3.0 of every catalogued event: a channel per topic, a message per type and data version,
    the payload being the CloudEvent envelope with the type's data model."""
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    envelope = _schema_of(CloudEvent, schemas)
    schemas["CloudEvent"] = envelope
    for spec in sorted(catalogue.values(), key=lambda s: s.type):
        channel_id = spec.topic.replace(".", "-")
        channel = channels.setdefault(
            channel_id,
            {
                "address": spec.topic,
                "description": f"Events of the {spec.topic.split('.')[1]} service, keyed by subject.",
                "messages": {},
            },
        )
        for data_version, version_model in sorted(spec.versions.items()):
            # Annotated again: the catalogue's field named `type` hides the builtin from type checkers.
            model: type[BaseModel] = version_model
            message_id = f"{spec.type}.v{data_version}"
            data_schema = _schema_of(model, schemas)
            schemas[model.__name__] = data_schema
            messages[message_id] = {
                "name": spec.type,
                "title": spec.type,
                "summary": (model.__doc__ or "").strip(),
                "contentType": "application/cloudevents+json",
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CloudEvent"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": spec.type},
                                "dataversion": {"const": data_version},
                                "data": {"$ref": f"#/components/schemas/{model.__name__}"},
                            },
                        },
                    ]
                },
            }
            channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        operations[f"receive-{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"Consume {spec.topic} (Kafka), or receive its events as webhooks.",
        }
    for operation_id, operation in operations.items():
        channel_id = operation_id.removeprefix("receive-")
        operation["messages"] = [
            {"$ref": f"#/channels/{channel_id}/messages/{message_id}"}
            for message_id in channels[channel_id]["messages"]
        ]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ASN Mutation Platform events",
            "version": version,
            "description": "Every event the platform publishes, as CloudEvents 1.0 (structured JSON). "
            "Agency systems receive them as signed webhooks (see the OpenAPI document, "
            "`/api/v1/webhooks/subscriptions`), filtered to their own agency.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _schema_of(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON schema with its nested definitions moved to `schemas`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    return schema
