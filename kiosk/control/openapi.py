"""The API's OpenAPI 3.1 description, with the command schemas generated from the command model
(so the description cannot drift from what the server accepts)."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter

from kiosk.control.commands import Command

_ERROR = {
    "description": "What is wrong",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_ERRORS = {
    "401": _ERROR | {"description": "No token, or an unknown one"},
    "403": _ERROR | {"description": "The token lacks the scope"},
    "413": _ERROR | {"description": "Body over 64 KiB"},
    "422": _ERROR | {"description": "Not a valid command; issues[] gives each field path"},
    "429": _ERROR
    | {"description": "Too many wrong tokens from this address; wait Retry-After seconds"},
}


@functools.cache
def openapi() -> dict[str, Any]:
    schema = TypeAdapter(Command).json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components["Command"] = schema
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "issues": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }
    json_object = {"application/json": {"schema": {"type": "object"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kiosk wall control",
            "version": "1",
            "description": "Steer a running wall. Send 'Authorization: Bearer TOKEN' when the "
            "layout's control: section has tokens. Scopes: view (status, screenshot, metrics), "
            "operate (message, end_message, next, previous, pin, unpin, blank, wake, identify, "
            "cast), admin (emergency, end_emergency, reload). On one screen an emergency "
            "outranks a takeover, which outranks a cast, which outranks the rotation; messages "
            "show over all but an emergency.",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/commands": {
                "post": {
                    "summary": "Send one command",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Command"}}
                        },
                    },
                    "responses": {
                        "200": {"description": "Applied (or status as JSON, screenshot as PNG)"}
                        | {"content": json_object | {"image/png": {}}},
                        "404": _ERROR | {"description": "approve, reject, hide: no such post"},
                        "409": _ERROR
                        | {
                            "description": "Screenshot of a screen not shown now; reload of a "
                            "wall not started from a layout file"
                        },
                        **_ERRORS,
                    },
                }
            },
            "/v1/moderation": {
                "get": {
                    "summary": "Posts waiting for approval before public screens show them, and "
                    "recent decisions (scope view); decide with the approve, reject and hide "
                    "commands (scope operate)",
                    "responses": {"200": {"description": "The queue", "content": json_object}}
                    | _ERRORS,
                }
            },
            "/v1/status": {
                "get": {
                    "summary": "Screens, messages, sources, process (scope view)",
                    "responses": {"200": {"description": "Status", "content": json_object}}
                    | _ERRORS,
                }
            },
            "/v1/screens/{screen}/screenshot": {
                "get": {
                    "summary": "One screen as PNG (scope view)",
                    "parameters": [
                        {
                            "name": "screen",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "width",
                            "in": "query",
                            "description": "Scaled down to this width in pixels (thumbnails)",
                            "schema": {"type": "integer", "minimum": 16, "maximum": 7680},
                        },
                    ],
                    "responses": {
                        "200": {"description": "PNG", "content": {"image/png": {}}},
                        "409": _ERROR | {"description": "Not on any monitor now"},
                    }
                    | _ERRORS,
                }
            },
            "/v1/screens": {
                "get": {
                    "summary": "The layout's screens: name, groups, page titles (scope view)",
                    "responses": {"200": {"description": "Screens", "content": json_object}}
                    | _ERRORS,
                }
            },
            "/v1/audit": {
                "get": {
                    "summary": "The newest applied commands, newest first (scope view)",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        }
                    ],
                    "responses": {"200": {"description": "Entries", "content": json_object}}
                    | _ERRORS,
                }
            },
            "/v1/fleet": {
                "get": {
                    "summary": "Every box of the site: online, role, screens, data age, seconds "
                    "since its heartbeat, its thumbnails' ages (scope view; 404 without data: "
                    "mqtt:)",
                    "responses": {"200": {"description": "Boxes", "content": json_object}}
                    | _ERRORS,
                }
            },
            "/v1/fleet/{box}/{screen}/thumbnail": {
                "get": {
                    "summary": "The last JPEG a box published of one of its screens (scope view)",
                    "parameters": [
                        {
                            "name": "box",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "screen",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {"description": "JPEG", "content": {"image/jpeg": {}}},
                    }
                    | _ERRORS,
                }
            },
            "/": {
                "get": {
                    "summary": "The control page for a phone or tablet (asks for a token)",
                    "security": [],
                    "responses": {"200": {"description": "HTML"}},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus text format: screens up, data age per source, ticker "
                    "frame interval p99, process memory, uptime, unclean starts (scope view)",
                    "responses": {
                        "200": {
                            "description": "Metrics",
                            "content": {
                                "text/plain; version=0.0.4": {"schema": {"type": "string"}}
                            },
                        }
                    }
                    | _ERRORS,
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
    }
