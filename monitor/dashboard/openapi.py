"""The OpenAPI 3.1 document of the JSON API (served at /api/openapi.json; a test keeps it in step with the routes)."""

from __future__ import annotations

from typing import Any

_STATES = ["open", "acknowledged", "muted", "resolved"]
_SEVERITIES = ["error", "warning", "info"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _path(name: str, kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if kind == "integer":
        schema.update(minimum=1, maximum=2**53)  # monitor.dashboard.params.IdConverter
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _get(
    summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]] | None = None, missing: bool = False
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }
    if parameters:
        responses["400"] = {"$ref": "#/components/responses/Error"}
    if missing:
        responses["404"] = {"$ref": "#/components/responses/Error"}
    return {"get": {"summary": summary, "parameters": parameters or [], "responses": responses}}


_YEAR = _query("year", "报告年度（默认：当前应公开的年度，即上一年）", {"type": "integer", "minimum": 1990, "maximum": 2200})
_BODY = _query("body", "单位编号（配置中的 id）", {"type": "string"})
_LIMIT = _query("limit", "最多返回条数", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500})

_SCHEMAS: dict[str, Any] = {
    "Counts": {
        "type": "object",
        "description": "未整改（待整改和已确认）的错误、警告数，以及已静默的问题数",
        "properties": {k: {"type": "integer"} for k in ("errors", "warnings", "muted")},
    },
    "BodyStatus": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "type": {"type": "string", "enum": ["town", "department", "county"]},
            "year": {"type": "integer"},
            "deadline": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["on_time", "late", "missing", "pending", "uncertain", "unreachable"]},
            "status_zh": {"type": "string"},
            "published_on": _nullable("string", format="date"),
            "url": _nullable("string"),
            "days_left": _nullable("integer"),
            "findings": _ref("Counts"),
        },
    },
    "Version": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "sha256": {"type": "string"},
            "size": {"type": "integer"},
            "fetched_at": {"type": "string", "format": "date-time"},
            "state": {"type": "string"},
            "error": _nullable("string"),
            "current": {"type": "boolean"},
            "report_id": _nullable("integer"),
            "report_year": _nullable("integer"),
        },
    },
    "Document": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "title": _nullable("string"),
            "year": _nullable("integer"),
            "published_on": _nullable("string", format="date"),
            "first_seen": {"type": "string", "format": "date-time"},
            "status": {"type": "string"},
            "versions": {"type": "array", "items": _ref("Version")},
        },
    },
    "Body": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "type": {"type": "string"},
            "active": {"type": "boolean"},
            "deadline": _nullable("string"),
            "documents": {"type": "array", "items": _ref("Document")},
        },
    },
    "Report": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "body_id": _nullable("string"),
            "year": _nullable("integer"),
            "title": _nullable("string"),
            "template": {"type": "string"},
            "format": {"type": "string"},
            "checked_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"},
            "published_on": _nullable("string", format="date"),
            "sha256": {"type": "string"},
        },
    },
    "Locator": {
        "type": "object",
        "properties": {k: _nullable("string") for k in ("section", "table", "row", "column", "source")},
    },
    "Finding": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "fingerprint": {"type": "string"},
            "rule": {"type": "string"},
            "rule_title": {"type": "string"},
            "severity": {"type": "string", "enum": _SEVERITIES},
            "body_id": _nullable("string"),
            "year": _nullable("integer"),
            "message": {"type": "string"},
            "locator": _ref("Locator"),
            "state": {"type": "string", "enum": _STATES},
            "state_zh": {"type": "string"},
            "first_seen": {"type": "string", "format": "date-time"},
            "last_seen": {"type": "string", "format": "date-time"},
            "resolved_at": _nullable("string", format="date-time"),
            "muted_until": _nullable("string", format="date-time"),
            "state_by": _nullable("string"),
            "state_reason": _nullable("string"),
        },
    },
    "FindingDetail": {
        "allOf": [
            _ref("Finding"),
            {
                "type": "object",
                "properties": {
                    "rule_basis": {"type": "string"},
                    "body_name": _nullable("string"),
                    "evidence": {"type": "object"},
                    "report": {"oneOf": [_ref("Report"), {"type": "null"}]},
                    "highlighted_cells": {
                        "type": "array",
                        "items": {"type": "object", "properties": {k: {"type": "string"} for k in ("row", "column", "text")}},
                    },
                    "events": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "at": {"type": "string", "format": "date-time"},
                                "kind": {"type": "string"},
                                "actor": {"type": "string"},
                                "data": {"type": "object"},
                            },
                        },
                    },
                },
            },
        ]
    },
    "Error": {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
}


def openapi_document(county: str) -> dict[str, Any]:
    """The OpenAPI description of the API of this county's dashboard."""
    paths: dict[str, Any] = {
        "/api/bodies": _get(
            "各单位本年度报告的发布情况和未整改问题数",
            {
                "type": "object",
                "properties": {"year": {"type": "integer"}, "bodies": {"type": "array", "items": _ref("BodyStatus")}},
            },
            [_YEAR],
        ),
        "/api/bodies/{body_id}": _get("一个单位及其报告文件的历次版本", _ref("Body"), [_path("body_id", "string")], missing=True),
        "/api/reports": _get(
            "已检查的报告",
            {"type": "object", "properties": {"reports": {"type": "array", "items": _ref("Report")}}},
            [_BODY, _YEAR, _LIMIT],
        ),
        "/api/reports/{report_id}": _get("一份已检查的报告", _ref("Report"), [_path("report_id", "integer")], missing=True),
        "/api/findings": _get(
            "发现的问题（未整改的在前）",
            {"type": "object", "properties": {"findings": {"type": "array", "items": _ref("Finding")}}},
            [
                _query("state", "状态（可重复）", {"type": "string", "enum": _STATES}),
                _query("severity", "严重程度", {"type": "string", "enum": _SEVERITIES}),
                _YEAR,
                _BODY,
                _LIMIT,
                _query("offset", "跳过的条数", {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 0}),
            ],
        ),
        "/api/findings/{finding_id}": _get(
            "一个问题：证据、所在报告、表格中标出的单元格和处理记录",
            _ref("FindingDetail"),
            [_path("finding_id", "integer")],
            missing=True,
        ),
        "/api/openapi.json": _get("本文档", {"type": "object"}),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"nianbao 年报监测接口（{county}）",
            "version": "1",
            "description": "只读接口，与网页界面使用同一登录会话（Cookie nianbao_session）；未登录时返回 401。",
        },
        "paths": paths,
        "security": [{"session": []}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "nianbao_session"}},
            "schemas": _SCHEMAS,
            "responses": {
                "Unauthorized": {"description": "未登录", "content": {"application/json": {"schema": _ref("Error")}}},
                "Error": {"description": "参数错误或不存在", "content": {"application/json": {"schema": _ref("Error")}}},
            },
        },
    }
