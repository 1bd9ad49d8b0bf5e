"""From a file's header to Accord's fields: a preset, overlaid by the user's mapping.

A mapping file (documented in docs/importing.md):
    {"columns": {"CSV header": "field", "Column to skip": null},
     "values": {"field": {"csv value": "accord value"}},
     "defaults": {"field": value},
     "date_format": "%Y-%m-%d"  (or a list tried in order),
     "timezone": "Europe/Berlin"  (for times written without an offset; default UTC),
     "create_users": false,
     "encoding": null}
Columns that are neither mapped nor known are kept as custom attributes of leads.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from accord.core.errors import InvalidInput
from accord.imports.presets import EXPORT_ONLY_COLUMNS, PRESET_NAMES, PRESETS
from accord.imports.schema import FIELDS, fields_by_name


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | None] = {}
    values: dict[str, dict[str, Any]] = {}
    defaults: dict[str, Any] = {}
    date_format: str | list[str] | None = None
    timezone: str = "UTC"
    create_users: bool = False
    encoding: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"'{value}' is not an IANA timezone name, e.g. Europe/Berlin")
        return value

    @property
    def date_formats(self) -> list[str]:
        if self.date_format is None:
            return []
        return [self.date_format] if isinstance(self.date_format, str) else list(self.date_format)


def mapping_parse(data: Any, *, kind: str, source: str = "mapping") -> Mapping:
    """Validate a mapping (parsed JSON): unknown keys and unknown field names are errors."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: the mapping must be a JSON object.", field="mapping")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"{source}: {where}: {first['msg']}", field="mapping") from None
    known = fields_by_name(kind)
    named = [name for name in mapping.columns.values() if name] + list(mapping.values) + list(mapping.defaults)
    for name in named:
        if name not in known and not (kind == "leads" and name == "custom"):
            raise InvalidInput(
                f"{source}: '{name}' is not a {kind} field; use one of: {', '.join(known)}.", field="mapping"
            )
    return mapping


def mapping_load(path: str | Path, *, kind: str) -> Mapping:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise InvalidInput(f"Cannot read the mapping file: {error.strerror}.", field="mapping") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"The mapping file is not JSON: {error.msg} (line {error.lineno}).", field="mapping"
        ) from None
    return mapping_parse(data, kind=kind, source=Path(path).name)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


@dataclass(slots=True)
class Plan:
    """The resolved mapping for one file."""

    columns: dict[str, str]  # header → field
    custom: list[str]  # headers kept as custom attributes (leads)
    ignored: list[str]  # headers skipped
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # field → lower(csv value) → value
    defaults: dict[str, Any] = field(default_factory=dict)
    date_formats: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    create_users: bool = False

    def header_for(self, field_name: str) -> str:
        """The column an error about `field_name` points at."""
        return next((header for header, name in self.columns.items() if name == field_name), field_name)


def plan_columns(kind: str, headers: list[str], *, preset: str = "generic", mapping: Mapping | None = None) -> Plan:
    """Explicit mapping first, then the preset, then headers that spell a field name."""
    if preset not in PRESET_NAMES:
        raise InvalidInput(f"Unknown preset '{preset}'; use one of: {', '.join(PRESET_NAMES)}.", field="preset")
    mapping = mapping or Mapping()
    preset_spec = PRESETS.get(preset, {}).get(kind, {})
    known = {f.name for f in FIELDS[kind]} | ({"custom"} if kind == "leads" else set())
    columns: dict[str, str] = {}
    custom: list[str] = []
    ignored: list[str] = []
    taken: set[str] = set()
    for header in headers:
        if header in mapping.columns:
            target = mapping.columns[header]
        elif header in preset_spec.get("columns", {}):
            target = preset_spec["columns"][header]
        elif _normal(header) in known:
            target = _normal(header)
        elif _normal(header) in EXPORT_ONLY_COLUMNS[kind]:
            target = None
        else:
            (custom if kind == "leads" else ignored).append(header)
            continue
        if not target or target in taken:  # a second column for a field already mapped is skipped
            ignored.append(header)
            continue
        columns[header] = target
        taken.add(target)
    values = {
        name: {str(k).strip().lower(): v for k, v in table.items()}
        for name, table in preset_spec.get("values", {}).items()
    }
    for name, table in mapping.values.items():
        values.setdefault(name, {}).update({str(k).strip().lower(): v for k, v in table.items()})
    preset_formats = preset_spec.get("date_format", [])
    return Plan(
        columns=columns,
        custom=custom,
        ignored=ignored,
        values=values,
        defaults=dict(mapping.defaults),
        date_formats=mapping.date_formats or list(preset_formats),
        timezone=mapping.timezone,
        create_users=mapping.create_users,
    )
