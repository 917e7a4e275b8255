"""Typed JSON: a dataclass declares an object once; bodies are parsed and checked, answers dumped and both described.

The endpoints take and return such dataclasses (:mod:`archive.api.framework`), and the OpenAPI
document is made from the same classes (:func:`schema_of`), so what is checked, what is sent and what
is published cannot drift apart.  Supported field types: ``str``, ``int``, ``float``, ``bool``,
``datetime``/``date`` (ISO strings), ``Literal[...]`` of strings, string enums, ``list[T]``, ``dict[str, T]``,
``T | None`` and nested dataclasses.  Limits come from :func:`prop`.  A dataclass may define
``check(self) -> dict[str, str]`` for rules across its fields (field name → message).

Every problem is reported at once, by path (``materials[1].seq``), with a translated message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from flask_babel import gettext as _

__all__ = ["BodyErrors", "Rules", "dump", "fields_of", "parse", "parse_query", "prop", "schema_of"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Rules:
    """What a field allows beyond its type, and how it is named and described in JSON."""

    name: str | None = None  # the JSON name when it is not the attribute's (``class`` is a keyword)
    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    example: Any = None


def prop(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING, **rules: Any) -> Any:
    """A dataclass field with :class:`Rules` (``prop(max_length=64, description="档号")``)."""
    metadata = {"api": Rules(**rules)}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class BodyErrors(ValueError):
    """The problems of a body or query: path → message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = dict(fields)


@dataclasses.dataclass(frozen=True)
class _Field:
    attr: str
    json: str
    type: Any
    rules: Rules
    required: bool


@cache
def fields_of(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        rules = f.metadata.get("api", Rules())
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append(_Field(f.name, rules.name or f.name, hints[f.name], rules, required))
    return tuple(out)


def _optional(tp: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``T | None``, else ``(tp, False)``."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
        raise TypeError(f"only T | None unions are supported, not {tp}")
    return tp, False


# --- parsing --------------------------------------------------------------------------------------


def parse(cls: type[T], data: Any) -> T:
    """``data`` (decoded JSON) as a ``cls``; raises :class:`BodyErrors` listing every problem."""
    errors: dict[str, str] = {}
    value = _parse_value(cls, data, "", errors)
    if errors:
        raise BodyErrors(errors)
    return typing.cast(T, value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _parse_object(cls: type, data: Any, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(data, dict):
        errors[path or "body"] = _("must be a JSON object")
        return None
    fields = fields_of(cls)
    known = {f.json for f in fields}
    for key in data:
        if key not in known:
            errors[_join(path, str(key))] = _("is not a field here (allowed: %(fields)s)",
                                              fields=", ".join(sorted(known)))
    values: dict[str, Any] = {}
    before = len(errors)
    for f in fields:
        where = _join(path, f.json)
        if f.json not in data:
            if f.required:
                errors[where] = _("is required")
            continue
        values[f.attr] = _parse_value(f.type, data[f.json], where, errors, f.rules)
    if len(errors) > before:
        return None
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if callable(check):
        for name, message in check().items():
            errors[_join(path, name)] = message
    return obj


def _parse_value(tp: Any, value: Any, path: str, errors: dict[str, str], rules: Rules = Rules()) -> Any:
    tp, nullable = _optional(tp)
    if value is None:
        if not nullable:
            errors[path or "body"] = _("must not be null")
        return None
    if dataclasses.is_dataclass(tp):
        return _parse_object(typing.cast(type, tp), value, path, errors)
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [m.value for m in tp]
        if not isinstance(value, str) or value not in values:
            errors[path] = _("must be one of: %(values)s", values=", ".join(values))
            return None
        return tp(value)
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            errors[path] = _("must be one of: %(values)s", values=", ".join(str(a) for a in allowed))
        return value
    if origin is list:
        if not isinstance(value, list):
            errors[path] = _("must be a list")
            return None
        if rules.min_items is not None and len(value) < rules.min_items:
            errors[path] = _("must have at least %(n)d items", n=rules.min_items)
        if rules.max_items is not None and len(value) > rules.max_items:
            errors[path] = _("must have at most %(n)d items", n=rules.max_items)
            return None
        (item,) = get_args(tp)
        return [_parse_value(item, v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            errors[path] = _("must be a JSON object")
            return None
        if rules.max_items is not None and len(value) > rules.max_items:
            errors[path] = _("must have at most %(n)d items", n=rules.max_items)
            return None
        _key, item = get_args(tp)
        return {str(k): _parse_value(item, v, _join(path, str(k)), errors) for k, v in value.items()}
    if tp is str:
        if not isinstance(value, str):
            errors[path] = _("must be a string")
            return None
        value = value.strip()
        if rules.min_length is not None and len(value) < rules.min_length:
            errors[path] = (_("must not be empty") if rules.min_length == 1
                            else _("must have at least %(n)d characters", n=rules.min_length))
        elif rules.max_length is not None and len(value) > rules.max_length:
            errors[path] = _("must have at most %(n)d characters", n=rules.max_length)
        elif "\x00" in value:
            errors[path] = _("must not contain a NUL byte")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            errors[path] = _("must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            errors[path] = _("must be a whole number")
            return None
        if rules.minimum is not None and value < rules.minimum:
            errors[path] = _("must be at least %(n)d", n=rules.minimum)
        elif rules.maximum is not None and value > rules.maximum:
            errors[path] = _("must be at most %(n)d", n=rules.maximum)
        return value
    raise TypeError(f"{tp} cannot be parsed from JSON here")


def parse_query(cls: type[T], args: Mapping[str, str]) -> T:
    """Query-string parameters as a ``cls`` of ``str``, ``int`` or ``Literal`` fields; unknown ones are refused."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    types_by_name = {f.json: _optional(f.type)[0] for f in fields_of(typing.cast(type, cls))}
    for key, raw in args.items():
        if types_by_name.get(key) is int:
            text = raw.strip()
            if not (text.isascii() and text.lstrip("-").isdigit()):
                errors[key] = _("must be a whole number")
                continue
            data[key] = int(text)
        else:
            data[key] = raw
    try:
        parsed = parse(cls, data)
    except BodyErrors as exc:
        errors.update(exc.fields)
    if errors:
        raise BodyErrors(errors)
    return parsed


# --- answers --------------------------------------------------------------------------------------


def dump(value: Any) -> Any:
    """A dataclass (or list, dict, date…) as JSON-able data, fields under their JSON names."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.json: dump(getattr(value, f.attr)) for f in fields_of(type(value))}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


# --- description (JSON Schema inside OpenAPI 3.1) ------------------------------------------------------


def schema_of(tp: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of ``tp``; dataclasses go into ``components`` (by class name) and are referenced."""
    inner, nullable = _optional(tp)
    schema = _schema(inner, components, Rules())
    return {"anyOf": [schema, {"type": "null"}]} if nullable else schema


def _schema(tp: Any, components: dict[str, Any], rules: Rules) -> dict[str, Any]:
    if dataclasses.is_dataclass(tp):
        cls = typing.cast(type, tp)
        name = cls.__name__
        if name not in components:
            components[name] = {}  # placeholder first: a class may refer to itself
            components[name] = _object_schema(cls, components)
        return {"$ref": f"#/components/schemas/{name}"}
    origin = get_origin(tp)
    out: dict[str, Any]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        out = {"type": "string", "enum": [m.value for m in tp]}
    elif origin is Literal:
        out = {"type": "string", "enum": list(get_args(tp))}
    elif origin is list:
        out = {"type": "array", "items": schema_of(get_args(tp)[0], components)}
        if rules.min_items is not None:
            out["minItems"] = rules.min_items
        if rules.max_items is not None:
            out["maxItems"] = rules.max_items
    elif origin is dict:
        out = {"type": "object", "additionalProperties": schema_of(get_args(tp)[1], components)}
        if rules.max_items is not None:
            out["maxProperties"] = rules.max_items
    elif tp is str:
        out = {"type": "string"}
        if rules.min_length is not None:
            out["minLength"] = rules.min_length
        if rules.max_length is not None:
            out["maxLength"] = rules.max_length
    elif tp is int:
        out = {"type": "integer"}
        if rules.minimum is not None:
            out["minimum"] = rules.minimum
        if rules.maximum is not None:
            out["maximum"] = rules.maximum
    elif tp is float:
        out = {"type": "number"}
    elif tp is bool:
        out = {"type": "boolean"}
    elif tp is dt.datetime:
        out = {"type": "string", "format": "date-time"}
    elif tp is dt.date:
        out = {"type": "string", "format": "date"}
    elif tp is Any:
        out = {}
    else:
        raise TypeError(f"no JSON schema for {tp}")
    return out


def _object_schema(cls: type, components: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in fields_of(cls):
        inner, nullable = _optional(f.type)
        prop_schema = _schema(inner, components, f.rules)
        if nullable:
            prop_schema = {"anyOf": [prop_schema, {"type": "null"}]}
        if f.rules.description:
            prop_schema = {**prop_schema, "description": f.rules.description}
        if f.rules.example is not None:
            prop_schema = {**prop_schema, "examples": [f.rules.example]}
        properties[f.json] = prop_schema
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [f.json for f in fields_of(cls) if f.required]
    if required:
        schema["required"] = required
    doc = (cls.__doc__ or "").strip()
    if doc and not doc.startswith(cls.__name__ + "("):  # not the signature dataclasses writes
        schema["description"] = doc.split("\n\n")[0].replace("\n", " ")
    return schema
