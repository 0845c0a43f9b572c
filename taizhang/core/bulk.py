"""A small bulk writer for loading millions of rows (the city-scale demo, benchmarks).

`bulk_create` builds a model instance per row and sends batches of parameters; for millions of rows
that is most of the time. This writer takes plain tuples in a prepared column order, with the
primary keys assigned by the caller (so foreign keys between tables are known without reading back):

    SQLite       executemany of one prepared INSERT, in chunks
    PostgreSQL   COPY … FROM STDIN through psycopg's cursor.copy

Columns the caller does not give get the field's default (auto_now fields: now), prepared by the
field itself. Values given must already be database values: use `date`/`dt` below for dates and
times, and the model field's own get_prep_value for encrypted fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connections
from django.utils import timezone

CHUNK = 50_000


class BulkWriter:
    def __init__(self, using: str = "default") -> None:
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        self.models: set[Any] = set()
        self.now = timezone.now()

    # --- values -----------------------------------------------------------------------------------

    def date(self, value: date | None) -> Any:
        if value is None:
            return None
        return value.isoformat() if self.vendor == "sqlite" else value

    def dt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        return self.connection.ops.adapt_datetimefield_value(value)

    # --- tables -----------------------------------------------------------------------------------

    def next_id(self, model: Any) -> int:
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            return cursor.fetchone()[0] + 1

    def _columns(self, model: Any, fields: Sequence[str]) -> tuple[list[str], tuple]:
        """Column names for `fields` (attnames, e.g. "org_id") then the defaulted rest, and the rest's values."""
        given = set(fields)
        columns = [model._meta.get_field(name).column for name in fields]
        extra_values = []
        for field in model._meta.concrete_fields:
            if field.attname in given or field.name in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            elif field.has_default() or (field.empty_strings_allowed and not field.null):
                value = field.get_default()
            elif field.null:
                value = None
            else:
                raise ValueError(f"{model.__name__}.{field.name} has no default: give it")
            prepared = field.get_db_prep_save(value, connection=self.connection)
            if hasattr(prepared, "obj"):  # psycopg's Jsonb wrapper: COPY takes the JSON text
                import json

                prepared = json.dumps(prepared.obj)
            columns.append(field.column)
            extra_values.append(prepared)
        return columns, tuple(extra_values)

    def write(self, model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert `rows` (tuples in the order of `fields`, "id" included); returns how many."""
        columns, extra = self._columns(model, fields)
        table = model._meta.db_table
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.models.add(model)
        count = 0
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(tuple(row) + extra if extra else row)
                        count += 1
            return count
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'
        chunk: list[tuple] = []
        with self.connection.cursor() as cursor:
            for row in rows:
                chunk.append(tuple(row) + extra if extra else tuple(row))
                if len(chunk) >= CHUNK:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
        return count

    def write_m2m(self, model: Any, field_name: str, pairs: Iterable[tuple[int, int]]) -> int:
        """Rows of a ManyToMany table: (source id, target id) pairs (the through table's own id is automatic)."""
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        table = through._meta.db_table
        columns = f'"{source}_id", "{target}_id"'
        count = 0
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for pair in pairs:
                        copy.write_row(pair)
                        count += 1
            return count
        pairs = list(pairs)
        with self.connection.cursor() as cursor:
            for start in range(0, len(pairs), CHUNK):
                cursor.executemany(
                    f'INSERT INTO "{table}" ({columns}) VALUES (%s, %s)', pairs[start : start + CHUNK]
                )
        return len(pairs)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here."""
        if self.vendor != "postgresql" or not self.models:
            return
        statements = self.connection.ops.sequence_reset_sql(no_style(), sorted(self.models, key=str))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        """Fresh planner statistics (run after the load's transaction commits)."""
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
