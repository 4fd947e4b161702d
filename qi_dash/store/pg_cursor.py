"""A PostgreSQL cursor that speaks to the store's modules as a DuckDB cursor does, so the
store's SQL (``history``, ``summary``, …) is written once for both engines.

What it does in DuckDB's place: ``?`` and ``$n`` parameters become psycopg's; ``register``
puts a frame into a temporary table with one ``COPY`` (never row by row), dropped again when
the cursor closes, as DuckDB forgets a registered frame; ``df`` and ``to_arrow_table`` return
results with the column types DuckDB's give (text as strings, dates as ``datetime64``,
integers with gaps as nullable integers, lists as arrays).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from decimal import Decimal
from typing import Self

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from qi_dash.store.dialect import POSTGRES

# A quoted literal, quoted name or comment (left alone), or a parameter, or a percent sign.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|\$(\d+)|%")


@functools.lru_cache(maxsize=512)
def _translated(sql: str) -> tuple[str, tuple[int, ...]]:
    """``sql`` with psycopg's placeholders, and which given parameter each one takes."""
    order: list[int] = []
    plain = itertools.count()

    def swap(found: re.Match) -> str:
        text = found.group(0)
        if text == "?":
            order.append(next(plain))
            return "%s"
        if found.group(1):
            order.append(int(found.group(1)) - 1)
            return "%s"
        return "%%" if text == "%" else text

    return _TOKENS.sub(swap, sql), tuple(order)


# PostgreSQL type oids → how a result column becomes a frame's column.
_OIDS = {16: "bool", 20: "int64", 21: "int32", 23: "int32", 700: "float", 701: "float", 1700: "float",
         1082: "date", 1114: "timestamp", 1184: "timestamptz", 1009: "list", 1015: "list", 25: "text", 1043: "text"}


class PgCursor:
    """One borrowed PostgreSQL connection, used as the store's modules use a DuckDB cursor."""

    dialect = POSTGRES

    def __init__(self, connection: psycopg.Connection):
        self.connection = connection
        self._cur = connection.cursor()
        self._registered: list[str] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._registered and not self.connection.broken:
            names, self._registered = ", ".join(self._registered), []
            try:
                self._cur.execute(f"DROP TABLE IF EXISTS {names}")
            except psycopg.Error:
                pass  # the connection is failing; the pool drops it and its tables go with it
        self._cur.close()

    # -- running statements ---------------------------------------------------------------

    def execute(self, sql: str, params: list | tuple | None = None) -> Self:
        if params:
            text, order = _translated(sql)
            self._cur.execute(text, [_plain(params[i]) for i in order])
        else:
            self._cur.execute(sql)
        return self

    def sql(self, sql: str, params: list | None = None) -> Self:
        return self.execute(sql, params)

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall() if self._cur.description else []

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone() if self._cur.description else None

    def df(self) -> pd.DataFrame:
        """The result as DuckDB's ``df()`` gives it."""
        names, kinds = self._columns()
        rows = self._cur.fetchall()
        columns = list(zip(*rows)) if rows else [()] * len(names)
        return pd.DataFrame({name: _series_values(kind, list(values)) for name, kind, values in
                             zip(names, kinds, columns)}, columns=names)

    def to_arrow_table(self) -> pa.Table:
        """The result as an Arrow table (numbers as float64 or int64, dates as date32)."""
        names, kinds = self._columns()
        rows = self._cur.fetchall()
        columns = list(zip(*rows)) if rows else [()] * len(names)
        return pa.table({name: _arrow_values(kind, list(values)) for name, kind, values in
                         zip(names, kinds, columns)})

    def _columns(self) -> tuple[list[str], list[str]]:
        description = self._cur.description or []
        return [d.name for d in description], [_OIDS.get(d.type_code, "object") for d in description]

    # -- frames as tables -----------------------------------------------------------------

    def register(self, name: str, frame: pd.DataFrame | pa.Table) -> None:
        """``frame`` as the temporary table ``name`` for the statements that follow (a name
        registered again is replaced), copied in with one COPY."""
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        table = _plain_table(table)
        columns = ", ".join(f'"{field.name}" {_pg_type(field.type)}' for field in table.schema)
        self._cur.execute(f"DROP TABLE IF EXISTS {name}")
        self._cur.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
        if name not in self._registered:
            self._registered.append(name)
        if not table.num_rows:
            return
        buffer = io.BytesIO()
        pa_csv.write_csv(_csv_ready(table), buffer, pa_csv.WriteOptions(include_header=False))
        with self._cur.copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())


def _plain(value):
    """A parameter as psycopg takes it: numpy scalars and arrays as Python values and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, pd.Series, pd.Index, tuple)):
        return [_plain(v) for v in value]
    return value


def _plain_table(table: pa.Table) -> pa.Table:
    """Dictionary-encoded and large or view string columns as plain ones."""
    for i, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        if kind != field.type:
            table = table.set_column(i, field.name, pc.cast(table.column(i), kind))
    return table


def _pg_type(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_integer(kind):
        return "INTEGER" if kind.bit_width <= 32 and pa.types.is_signed_integer(kind) else "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE PRECISION"
    if pa.types.is_date(kind):
        return "DATE"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ" if kind.tz else "TIMESTAMP"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"{_pg_type(kind.value_type)}[]"
    return "TEXT"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Lists as PostgreSQL array literals (CSV has no lists)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            literals = [None if items is None else _array_literal(items) for items in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(literals, pa.string()))
    return table


def _array_literal(items: list) -> str:
    quoted = ('NULL' if item is None else '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'
              for item in items)
    return "{" + ",".join(quoted) + "}"


def _series_values(kind: str, values: list):
    """One result column as DuckDB's ``df()`` makes it."""
    has_null = any(v is None for v in values)
    if kind == "text":
        return np.array(values, dtype=object) if all(v is None for v in values) and values else pd.array(values, dtype="str")
    if kind in ("int64", "int32"):
        return pd.array(values, dtype=kind.capitalize()) if has_null else np.array(values, dtype=kind)
    if kind == "float":
        return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "bool":
        return pd.array(values, dtype="boolean") if has_null else np.array(values, dtype=bool)
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]").to_numpy()
    if kind == "timestamp":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]").to_numpy()
    if kind == "timestamptz":
        # In the session's time zone, as DuckDB gives its own (the server's, by default).
        zone = next((v.tzinfo for v in values if v is not None), "UTC")
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_convert(zone).astype(
            pd.DatetimeTZDtype("us", zone)).array
    if kind == "list":
        out = np.empty(len(values), dtype=object)
        out[:] = [None if v is None else np.array(v, dtype=object) for v in values]
        return out
    out = np.empty(len(values), dtype=object)
    out[:] = [float(v) if isinstance(v, Decimal) else v for v in values]
    return out


def _arrow_values(kind: str, values: list) -> pa.Array:
    if kind == "text":
        return pa.array(values, pa.string())
    if kind in ("int64", "int32"):
        return pa.array(values, pa.int64())
    if kind == "float":
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kind == "bool":
        return pa.array(values, pa.bool_())
    if kind == "date":
        return pa.array(values, pa.date32())
    if kind == "timestamp":
        return pa.array(values, pa.timestamp("us"))
    if kind == "timestamptz":
        return pa.array(values, pa.timestamp("us", tz="UTC"))
    if kind == "list":
        return pa.array(values, pa.list_(pa.string()))
    return pa.array([float(v) if isinstance(v, Decimal) else v for v in values])

