"""Immutable records validated by pydantic-core, Pydantic's validation engine.

A record class is declared like a dataclass: annotated fields, defaults, attribute
docstrings. ``validator(cls)`` turns the annotations into a pydantic-core schema (the
same ``model_schema`` a Pydantic ``BaseModel`` compiles to, so validation and its
errors are Pydantic's) and compiles it in Rust.

Why not ``BaseModel``: ``import pydantic`` is lazy, and the first ``BaseModel``
imports and runs Pydantic's schema builder, which alone costs more than the whole
start-up budget of ``csplan validate`` (see README, Performance). pydantic-core is
already loaded by ``import pydantic``; building a record class costs a dict of
annotations; compiling a schema is a fraction of a millisecond.

The annotations a record may use are the few the data files need: ``str``, ``int``,
``Literal``, ``X | None``, ``list[X]``, ``dict[K, V]``, another record, and
``Annotated[T, Validated(<core schema>)]`` for a type validated by its own function (amounts,
periods). Anything else is refused when the schema is built, and a test builds them all.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic_core import CoreSchema, SchemaValidator, core_schema

T = TypeVar("T")
R = TypeVar("R", bound="Record")


class _Factory:
    """A default made fresh for each record (``factory(list)``)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def factory(make: Callable[[], T]) -> T:
    """Declare a field's default as made by ``make`` for each record, like
    ``dataclasses.field(default_factory=...)``."""
    return typing.cast(T, _Factory(make))


class Validated:
    """``Annotated`` metadata: validate the field with this pydantic-core schema."""

    __slots__ = ("schema",)

    def __init__(self, schema: CoreSchema) -> None:
        self.schema = schema


_MISSING = object()


@typing.dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(factory,))
class Record:
    """Base of csplan's data records: keyword-constructed, read-only, validated by
    ``validator(cls)``. Equality compares the class and every field."""

    # pydantic-core's model validator sets these four, as it does on a BaseModel.
    __slots__ = ("__dict__", "__pydantic_extra__", "__pydantic_fields_set__", "__pydantic_private__")

    # Read by Pydantic's JSON Schema generator (``csplan schema``), as on a BaseModel.
    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}
    record_fields: ClassVar[dict[str, Any]] = {}
    """Each field's annotation, in declaration order (a base class's fields first)."""
    record_defaults: ClassVar[dict[str, Any]] = {}
    """Each optional field's default: a value, or a ``factory(...)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = dict(cls.record_fields)
        defaults = dict(cls.record_defaults)
        own: dict[str, Any] = inspect.get_annotations(cls)
        for name, annotation in own.items():
            if isinstance(annotation, str):
                raise TypeError(
                    f"{cls.__name__}.{name}: a record needs its annotations as written, not as text;"
                    f" remove 'from __future__ import annotations' from {cls.__module__}"
                )
            if annotation is ClassVar or typing.get_origin(annotation) is ClassVar:
                continue
            fields[name] = annotation
            default = cls.__dict__.get(name, _MISSING)
            if default is not _MISSING:
                defaults[name] = default
                if isinstance(default, _Factory):
                    delattr(cls, name)  # the record's own value always shadows it
        cls.record_fields = fields
        cls.record_defaults = defaults

    def __init__(self, **values: Any) -> None:
        unknown = values.keys() - self.record_fields.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        data: dict[str, Any] = {}
        for name in self.record_fields:
            if name in values:
                data[name] = values[name]
            elif name in self.record_defaults:
                default = self.record_defaults[name]
                data[name] = default.make() if isinstance(default, _Factory) else default
            else:
                raise TypeError(f"{type(self).__name__} needs a value for {name}")
        _fill(self, data, set(values))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; make a new one with replace()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.record_fields)

    __hash__ = None  # type: ignore[assignment]  # records hold lists: unhashable, like their fields

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.record_fields)
        return f"{type(self).__name__}({shown})"

    @property
    def fields_set(self) -> set[str]:
        """The fields the data gave (the others took their defaults)."""
        given: set[str] = getattr(self, "__pydantic_fields_set__")  # noqa: B009  (a slot mypy cannot see)
        return set(given)


def replace(record: R, **changes: Any) -> R:
    """A copy of ``record`` with ``changes`` (not validated: the caller's values are)."""
    unknown = changes.keys() - record.record_fields.keys()
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {', '.join(sorted(unknown))}")
    copy = object.__new__(type(record))
    _fill(copy, {**record.__dict__, **changes}, record.fields_set | changes.keys())
    return copy


def _fill(record: Record, data: dict[str, Any], given: set[str]) -> None:
    """Set what pydantic-core's validator sets on a record it makes."""
    object.__setattr__(record, "__dict__", data)
    object.__setattr__(record, "__pydantic_fields_set__", given)
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)


# -- schemas -------------------------------------------------------------------------

_VALIDATORS: dict[Any, SchemaValidator] = {}


def validator(annotation: Any) -> SchemaValidator:
    """The compiled validator of a record class (or of ``list[Record]`` and the like)."""
    found = _VALIDATORS.get(annotation)
    if found is None:
        found = _VALIDATORS[annotation] = SchemaValidator(core_schema_of(annotation))
    return found


def validate(cls: type[R], data: Any, context: Any = None) -> R:
    """``data`` validated as a ``cls`` record (raises pydantic-core's ValidationError)."""
    record: R = validator(cls).validate_python(data, context=context)
    return record


def core_schema_of(annotation: Any) -> CoreSchema:
    """The pydantic-core schema of ``annotation``, each record defined once."""
    definitions: dict[str, CoreSchema] = {}
    schema = _schema(annotation, definitions)
    return core_schema.definitions_schema(schema, list(definitions.values()))


def _ref(cls: type[Record]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _schema(annotation: Any, definitions: dict[str, CoreSchema]) -> CoreSchema:
    if isinstance(annotation, type) and issubclass(annotation, Record):
        ref = _ref(annotation)
        if ref not in definitions:
            definitions[ref] = _record_schema(annotation, ref, definitions)
        return core_schema.definition_reference_schema(ref)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        given = [meta.schema for meta in annotation.__metadata__ if isinstance(meta, Validated)]
        return given[-1] if given else _schema(args[0], definitions)
    if origin is typing.Literal:
        return core_schema.literal_schema(list(args))
    if origin in (typing.Union, types.UnionType):
        others = [arg for arg in args if arg is not type(None)]
        if len(others) == 1 and len(others) < len(args):
            return core_schema.nullable_schema(_schema(others[0], definitions))
    if origin is list and len(args) == 1:
        return core_schema.list_schema(_schema(args[0], definitions))
    if origin is dict and len(args) == 2:
        return core_schema.dict_schema(_schema(args[0], definitions), _schema(args[1], definitions))
    if annotation is str:
        return core_schema.str_schema()
    if annotation is int:
        return core_schema.int_schema()
    raise TypeError(f"a csplan record cannot hold {annotation!r}")


def _record_schema(cls: type[Record], ref: str, definitions: dict[str, CoreSchema]) -> CoreSchema:
    fields: dict[str, core_schema.ModelField] = {}
    for name, annotation in cls.record_fields.items():
        schema = _schema(annotation, definitions)
        if name in cls.record_defaults:
            default = cls.record_defaults[name]
            if isinstance(default, _Factory):
                schema = core_schema.with_default_schema(schema, default_factory=default.make)
            else:
                schema = core_schema.with_default_schema(schema, default=default)
        fields[name] = core_schema.model_field(schema)
    return core_schema.model_schema(
        cls,
        core_schema.model_fields_schema(fields, model_name=cls.__name__, extra_behavior="forbid"),
        ref=ref,
        extra_behavior="forbid",
    )
