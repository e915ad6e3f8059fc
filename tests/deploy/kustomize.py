"""A small Kustomize renderer for the tests, so they need no kustomize or kubectl binary.

It implements what deploy/k8s uses, and refuses anything else rather than rendering it wrongly:
`resources` (files and directories with a kustomization.yaml), `namespace`, `images`, and `patches` given
inline or by path, either JSON 6902 operation lists (add/replace/remove) or strategic-merge patches that
merge maps and merge lists of named items by name; a patch selects its targets by kind, name (a regular
expression, as in Kustomize), group, version and label selector.
"""

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "images", "patches"}
CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "StorageClass",
    "IngressClass",
}
POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


class KustomizeError(ValueError):
    pass


def load_documents(path: Path) -> list[Resource]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(directory: Path) -> list[Resource]:
    """The resources `kustomize build directory` would produce (in resource order)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED_FIELDS
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        resources.extend(render(path) if path.is_dir() else load_documents(path))
    for patch in kustomization.get("patches", []):
        resources = _apply_patch(directory, patch, resources)
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for resource in resources:
            _set_image(resource, image)
    _refuse_duplicates(resources)
    return resources


def _refuse_duplicates(resources: list[Resource]) -> None:
    seen: set[tuple[str, str, str | None]] = set()
    for resource in resources:
        key = (resource["kind"], resource["metadata"]["name"], resource["metadata"].get("namespace"))
        if key in seen:
            raise KustomizeError(f"duplicate resource {key}")
        seen.add(key)


def _apply_patch(directory: Path, patch: dict[str, Any], resources: list[Resource]) -> list[Resource]:
    text = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
    body = yaml.safe_load(text)
    target = patch.get("target")
    if isinstance(body, list):
        if target is None:
            raise KustomizeError("a JSON 6902 patch needs a target")
        matched = [r for r in resources if _matches(r, target)]
        if not matched:
            raise KustomizeError(f"patch target {target} matches nothing")
        for resource in matched:
            for operation in body:
                _json6902(resource, operation)
        return resources
    selector = target or {"kind": body["kind"], "name": f"^{re.escape(body['metadata']['name'])}$"}
    matched = [r for r in resources if _matches(r, selector)]
    if not matched:
        raise KustomizeError(f"strategic merge patch {selector} matches nothing")
    for resource in matched:
        merged = _merge(resource, {k: v for k, v in body.items() if k not in ("apiVersion", "kind")})
        resource.clear()
        resource.update(merged)
    return resources


def _matches(resource: Resource, target: dict[str, Any]) -> bool:
    group, _, version = resource["apiVersion"].rpartition("/")
    metadata = resource.get("metadata", {})
    if "kind" in target and target["kind"] != resource["kind"]:
        return False
    if "group" in target and target["group"] != group:
        return False
    if "version" in target and target["version"] != version:
        return False
    if "name" in target and not re.fullmatch(target["name"], metadata.get("name", "")):
        return False
    if "labelSelector" in target:
        labels = metadata.get("labels", {})
        for term in target["labelSelector"].split(","):
            key, _, wanted = term.partition("=")
            if labels.get(key.strip()) != wanted.strip():
                return False
    return True


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def _json6902(resource: Resource, operation: dict[str, Any]) -> None:
    *parents, last = _pointer(operation["path"])
    node: Any = resource
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    op = operation["op"]
    if op not in ("add", "replace", "remove"):
        raise KustomizeError(f"unsupported JSON 6902 operation {op}")
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op == "add":
            node.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            node[index] = copy.deepcopy(operation["value"])
        else:
            del node[index]
        return
    if op in ("replace", "remove") and last not in node:
        raise KustomizeError(f"{op} of missing {operation['path']} in {resource['metadata']['name']}")
    if op == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(operation["value"])


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in [*base, *patch])
    ):
        merged_list = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next((i for i, old in enumerate(merged_list) if old["name"] == item["name"]), None)
            if index is None:
                merged_list.append(copy.deepcopy(item))
            else:
                merged_list[index] = _merge(merged_list[index], item)
        return merged_list
    return copy.deepcopy(patch)


def pod_spec(resource: Resource) -> dict[str, Any] | None:
    path = POD_TEMPLATE_PATHS.get(resource["kind"])
    if path is None:
        return None
    node: Any = resource
    for part in path:
        node = node.get(part, {})
    return node


def containers(resource: Resource) -> list[dict[str, Any]]:
    spec = pod_spec(resource)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def image_name(image: str) -> str:
    """The repository of an image reference, without tag or digest."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def _set_image(resource: Resource, image: dict[str, str]) -> None:
    for container in containers(resource):
        if image_name(container["image"]) != image["name"]:
            continue
        name = image.get("newName", image["name"])
        tag = image.get("newTag")
        container["image"] = f"{name}:{tag}" if tag else name
