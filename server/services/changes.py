"""What a write stores and what it changed, in the JSON form the activity log stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import to_jsonable_python


def stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Enum members as the values the columns store."""
    return {key: getattr(value, "value", value) for key, value in values.items()}


def jsonable(value: Any) -> Any:
    """Dates, UUIDs and enums as the JSON the API itself would send."""
    return to_jsonable_python(value)


def field_changes(current: object, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for each value that differs from `current`'s."""
    return {
        key: {"from": jsonable(getattr(current, key)), "to": jsonable(value)}
        for key, value in values.items()
        if getattr(current, key) != value
    }


def created_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in values.items()}
