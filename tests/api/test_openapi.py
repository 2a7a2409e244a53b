"""The OpenAPI document is the contract: a walk over it checks that every request field and parameter
is described, every route lists the 4xx and 503 it can answer in the one error shape, and every list
answers `items/total/limit/offset` (issue 12 §2)."""

from __future__ import annotations

from typing import Any

from api.main import create_app
from api.settings import ApiSettings

PROBES = {"/healthz", "/readyz"}  # process and dependency probes: no input, no key


def spec() -> dict[str, Any]:
    return create_app(ApiSettings(admin_key="engage_openapi-test-key-0123456789")).openapi()


def _schema(document: dict[str, Any], node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return name, document["components"]["schemas"][name]
    return None, node


def request_schemas(document: dict[str, Any]) -> set[str]:
    """Every named schema a request body can contain, however deeply."""
    found: set[str] = set()

    def visit(node: dict[str, Any]) -> None:
        name, schema = _schema(document, node)
        if name is not None:
            if name in found:
                return
            found.add(name)
        for key in ("anyOf", "oneOf", "allOf"):
            for child in schema.get(key, []):
                visit(child)
        if isinstance(schema.get("items"), dict):
            visit(schema["items"])
        for child in schema.get("properties", {}).values():
            visit(child)

    for operations in document["paths"].values():
        for operation in operations.values():
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                visit(content.get("schema", {}))
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_request_field_and_parameter_is_described():
    document = spec()
    undescribed = [
        f"{name}.{prop}"
        for name in sorted(request_schemas(document))
        for prop, schema in document["components"]["schemas"][name].get("properties", {}).items()
        if not schema.get("description")
    ]
    assert not undescribed, undescribed
    parameters = [
        f"{method.upper()} {path} {p['name']}"
        for path, method, op in operations(document)
        for p in op.get("parameters", [])
        if not p.get("description")
    ]
    assert not parameters, parameters


def test_every_route_lists_its_4xx_and_503_in_the_one_error_shape():
    document = spec()
    missing = []
    for path, method, op in operations(document):
        codes = set(op["responses"])
        if path not in PROBES:
            if not any(code.startswith("4") for code in codes) or "503" not in codes:
                missing.append(f"{method.upper()} {path}: {sorted(codes)}")
            if (op.get("parameters") or op.get("requestBody")) and "422" not in codes:
                missing.append(f"{method.upper()} {path}: no 422")
            if op.get("security") and "401" not in codes:
                missing.append(f"{method.upper()} {path}: no 401")
        for code, response in op["responses"].items():
            if code[0] in "45":
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, code, response)
    assert not missing, missing
    error_body = document["components"]["schemas"]["ErrorBody"]
    assert set(error_body["properties"]) == {"error", "detail", "errors"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_list_answers_items_total_limit_and_offset():
    document = spec()
    for path, method, op in operations(document):
        if method != "get":
            continue
        content = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        _, schema = _schema(document, content.get("schema", {}))
        assert schema.get("type") != "array", f"GET {path} answers a bare array"
        if "items" in schema.get("properties", {}):
            assert {"items", "total", "limit", "offset"} <= set(schema["properties"]), path
