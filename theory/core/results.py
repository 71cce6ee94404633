"""Small frozen result records: printable, convertible to dict and JSON.

Non-finite floats are never hidden: :func:`to_jsonable` turns them into the
strings ``"nan"``, ``"inf"``, ``"-inf"`` (JSON has no NaN), and
:meth:`Record.nonfinite_fields` names them so callers can flag them.
"""
from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, ClassVar

import numpy as np

__all__ = ["Record", "OrderParameters", "to_jsonable", "format_table"]


def to_jsonable(obj: Any) -> Any:
    """Convert records, numpy values, mappings and sequences to JSON-ready Python.

    Examples
    --------
    >>> to_jsonable({"q": np.float64(0.5), "n": np.int64(3), "phi": float("nan"), "m": np.array([1.0, -np.inf])})
    {'q': 0.5, 'n': 3, 'phi': 'nan', 'm': [1.0, '-inf']}
    """
    if hasattr(obj, "to_dict") and not isinstance(obj, type):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return obj


class Record:
    """Mixin for frozen dataclasses holding results.

    Records are built by keyword (``@dataclass(frozen=True, kw_only=True)``); a
    computation that failed is recorded through one constructor,
    :meth:`failure`, which says why.
    """

    @classmethod
    def failure(cls, message: str, **known: Any):
        """The record of a computation that did not succeed, saying why.

        ``converged`` (when the record has it) is ``False`` and ``message`` is
        ``message``; the fields given in ``known`` keep their values (the
        inputs, the last iterate); a field with a default keeps it; every other
        field is the "not computed" value of its type: NaN for a float, ``-1``
        for an int, ``False`` for a bool, ``""`` for a str, ``None`` otherwise.

        Examples
        --------
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True, kw_only=True)
        ... class R(Record):
        ...     alpha: float
        ...     phi: float
        ...     converged: bool
        ...     message: str
        >>> r = R.failure("no root", alpha=0.5)
        >>> r.converged, r.message, r.alpha, r.nonfinite_fields()
        (False, 'no root', 0.5, ['phi'])
        """
        names = {f.name for f in dataclasses.fields(cls)}
        if "message" not in names:
            raise TypeError(f"{cls.__name__} has no 'message' field: it cannot record a failure")
        unknown = set(known) - names
        if unknown:
            raise TypeError(f"{cls.__name__}.failure: unknown fields {sorted(unknown)}")
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in known or not f.init:
                continue
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            ann = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            head = ann.split("|")[0].strip()
            values[f.name] = {"float": math.nan, "int": -1, "bool": False, "str": ""}.get(head)
        values.update(known)
        if "converged" in names:
            values["converged"] = False
        values["message"] = message
        return cls(**values)

    def flat(self) -> dict[str, Any]:
        """The record as one flat row (for tables, CSV and continuation curves).

        Records with nested fields (e.g. :class:`theory.core.solver.SolverResult`) override it; a
        mapping field whose metadata has ``flatten`` (the per-field ``errors`` of
        :func:`theory.core.accuracy.errors_field`) becomes one column per key, ``<flatten><key>``.
        """
        out = self.to_dict()
        for f in dataclasses.fields(self):
            prefix = f.metadata.get("flatten")
            if prefix and isinstance(out.get(f.name), dict):
                sub = out.pop(f.name)
                out.update({f"{prefix}{k}": v for k, v in sub.items()})
        return out

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):
            if f.metadata.get("internal"):
                continue
            out[f.name] = getattr(self, f.name)
        return out

    def to_json(self, **kw) -> str:
        return json.dumps(to_jsonable(self.to_dict()), allow_nan=False, **kw)

    def nonfinite_fields(self) -> list[str]:
        bad = []
        for k, v in self.to_dict().items():
            if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
                bad.append(k)
        return bad

    def __str__(self) -> str:
        d = self.to_dict()
        width = max((len(k) for k in d), default=0)
        lines = [type(self).__name__]
        for k, v in d.items():
            lines.append(f"  {k:<{width}} = {_fmt(v)}")
        return "\n".join(lines)


class OrderParameters:
    """Mixin for result records whose order parameters warm-start a neighbouring solve.

    A record lists its order parameters in the class attribute
    ``ORDER_PARAMETERS``; :attr:`values` returns them by name (the ``init`` that
    the model's solver and :func:`theory.core.solver.span` accept).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, kw_only=True)
    ... class R(Record, OrderParameters):
    ...     ORDER_PARAMETERS = ("q",)
    ...     q: float
    ...     phi: float
    >>> R(q=0.5, phi=-1.0).values
    {'q': 0.5}
    """

    ORDER_PARAMETERS: ClassVar[tuple[str, ...]] = ()

    @property
    def values(self) -> dict[str, float]:
        """Order parameters by name."""
        return {k: getattr(self, k) for k in self.ORDER_PARAMETERS}


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.10g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, np.ndarray) and v.size > 8:
        return f"array(shape={v.shape})"
    return str(v)


def format_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Plain-text table of records (for people; machines use JSON or CSV).

    Examples
    --------
    >>> print(format_table([{"alpha": 0.1, "q": 0.25}, {"alpha": 0.2, "q": float("nan")}]))   # NaN is shown
    alpha     q
    -----  ----
      0.1  0.25
      0.2   nan
    """
    if not rows:
        return "(no rows)"
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    cells = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    head = "  ".join(c.rjust(w) for c, w in zip(columns, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(x.rjust(w) for x, w in zip(row, widths)) for row in cells]
    return "\n".join([head, sep, *body])
