"""Shared command-line plumbing for ``python -m theory|simulate|validate``.

Conventions (the same for every subcommand):

* ``--json``: the machine-readable result on stdout and nothing else (a JSON
  object for one point, a list of objects for a range);
* otherwise a readable table on stdout; progress and messages on stderr;
* any numeric option declared with :func:`add_scan_option` takes either a
  number or a range ``START:STOP:COUNT`` (inclusive, like ``numpy.linspace``);
  ranges are computed in order with warm starts (continuation) and can be
  written with ``--csv FILE`` and drawn with ``--plot FILE``;
* exit code 2 for bad input (``ValueError``), 1 for a failed computation
  (:class:`~theory.core.solver.ComputationError`, or any point of a range that
  did not converge), 0 otherwise.

Bad input is refused before any work (issue 21): every leaf gets ``--max-memory``
(default: ``MemAvailable`` of ``/proc/meminfo``) and may declare an up-front memory
estimate (``set_defaults(estimate=fn)``, ``fn(args) -> [(bytes, what), ...]``,
checked by :func:`check_memory` before the command runs); every output path
(``--csv``, ``--plot``, ``--save``, ``--out``, ``--save-trajectory``...) is checked
by :func:`check_output_path` before the work, and a write that still fails
afterwards goes to a temporary file whose name is printed
(:func:`write_output`), so a finished result is never lost.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import itertools
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from theory.core.results import format_table, to_jsonable
from theory.core.solver import ComputationError

__all__ = [
    "parse_scan",
    "add_scan_option",
    "add_output_options",
    "run_scan",
    "emit",
    "main_with_groups",
    "handler",
    "parse_memory",
    "format_bytes",
    "available_memory",
    "check_memory",
    "check_time",
    "parse_seconds",
    "check_output_path",
    "write_output",
    "preflight",
    "check_limits",
    "MAX_SCAN_COUNT",
    "MAX_SCAN_POINTS",
]

#: largest COUNT of one ``START:STOP:COUNT`` range (a range is a list of points computed one by one)
MAX_SCAN_COUNT = 100_000
#: largest number of points of a scan (the product of the ranges' counts)
MAX_SCAN_POINTS = 100_000
#: default ``kind`` of output options by destination name (see :func:`check_output_path`)
OUTPUT_OPTIONS = {"csv": "file", "plot": "figure", "save": "file", "out": "file", "save_trajectory": "file"}
_FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".pgf")
_UNITS = {"": 1, "b": 1, "k": 2 ** 10, "kb": 10 ** 3, "kib": 2 ** 10, "m": 2 ** 20, "mb": 10 ** 6, "mib": 2 ** 20,
          "g": 2 ** 30, "gb": 10 ** 9, "gib": 2 ** 30, "t": 2 ** 40, "tb": 10 ** 12, "tib": 2 ** 40}
#: outputs written to a fallback file in this process (main_with_groups then exits with 1)
_FALLBACK_WRITES: list[tuple[str, str, str]] = []


def parse_memory(text: str | float) -> int:
    """Bytes from ``"2G"``, ``"512M"``, ``"1.5GiB"``, ``"4e9"`` (K/M/G/T are powers of 1024; KB/MB/GB/TB of 1000).

    Examples
    --------
    >>> parse_memory("2G"), parse_memory("1.5 GB"), parse_memory(4096)
    (2147483648, 1500000000, 4096)
    >>> parse_memory("lots")
    Traceback (most recent call last):
    ...
    ValueError: --max-memory must be a positive size like 4G, 512M or 1e9 bytes (got 'lots')
    """
    t = str(text).strip().lower().replace(" ", "")
    i = len(t)
    while i > 0 and t[i - 1].isalpha():
        i -= 1
    num, unit = t[:i], t[i:]
    try:
        x = float(num) * _UNITS[unit]
    except (ValueError, KeyError):
        x = math.nan
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"--max-memory must be a positive size like 4G, 512M or 1e9 bytes (got {text!r})")
    return int(x)


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'`` (binary prefixes, up to EiB).

    Examples
    --------
    >>> format_bytes(3 * 2 ** 30), format_bytes(12)
    ('3.0 GiB', '12 B')
    """
    n = float(n)
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.3g} EiB"


def available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (``None`` where there is no such file).

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(estimates: Sequence[tuple[float, str]], max_memory: str | float | None = None) -> float:
    """Refuse (``ValueError``) a command whose estimated memory exceeds the limit, before it allocates.

    ``estimates`` lists ``(bytes, what)`` pairs, ``what`` naming the options and values that
    set the size; the limit is ``max_memory`` (``--max-memory``) or else the machine's
    ``MemAvailable``. Returns the total estimate in bytes.

    Examples
    --------
    >>> check_memory([(8 * 1000 ** 2, "--N 1000: couplings")], "1G") == 8e6
    True
    >>> check_memory([(8e12, "--N 1000000: couplings N x N float64")], "1G")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --N 1000000: couplings N x N float64 needs about 7.3 TiB (estimate), more than the 1.0 GiB ...
    """
    total = float(sum(b for b, _ in estimates))
    if max_memory is not None:
        limit, source = parse_memory(max_memory), f"allowed by --max-memory {max_memory}"
    else:
        avail = available_memory()
        if avail is None:
            return total
        limit, source = avail, "available on this machine (MemAvailable; --max-memory to set another limit)"
    if total > limit:
        what = "; ".join(w for b, w in sorted(estimates, key=lambda e: -e[0]) if b > 0.05 * total) or "the command"
        raise ValueError(f"{what} needs about {format_bytes(total)} (estimate), more than the "
                         f"{format_bytes(limit)} {source}")
    return total


def check_output_path(path: str | os.PathLike, option: str, kind: str = "file",
                      suffixes: Sequence[str] | None = None) -> Path:
    """Refuse (``ValueError``) an output path that cannot be written, before the work that fills it.

    ``kind``: ``"file"`` (any suffix unless ``suffixes`` given), ``"figure"`` (a matplotlib
    format by suffix), ``"npz"`` (must end in ``.npz``: numpy would silently append it) or
    ``"dir"`` (a directory, created later; an existing file is refused). The parent directory
    must exist and be writable, and a file path must not be a directory.

    Examples
    --------
    >>> import tempfile
    >>> check_output_path(tempfile.gettempdir() + "/x.csv", "--csv").name
    'x.csv'
    >>> check_output_path("/nonexistent/dir/x.csv", "--csv")
    Traceback (most recent call last):
    ...
    ValueError: --csv '/nonexistent/dir/x.csv': directory '/nonexistent/dir' does not exist
    """
    text = os.fspath(path)
    if not text or "\x00" in text:
        raise ValueError(f"{option} must be a file name (got {text!r})")
    p = Path(text)
    if kind == "npz":
        suffixes = (".npz",)
    elif kind == "figure":
        suffixes = _FIGURE_SUFFIXES
    if kind == "npz" and p.suffix.lower() != ".npz":
        raise ValueError(f"{option} must name a .npz file (got {text!r}; numpy would otherwise write another name)")
    if suffixes and p.suffix.lower() not in suffixes:
        raise ValueError(f"{option} {text!r}: the name must end in one of {', '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    if kind == "dir":
        if p.exists() and not p.is_dir():
            raise ValueError(f"{option} {text!r} exists and is not a directory")
        if p.is_dir():
            if not os.access(p, os.W_OK | os.X_OK):
                raise ValueError(f"{option} {text!r}: directory is not writable")
            return p
        anc = parent
        while not anc.exists() and anc != anc.parent:
            anc = anc.parent
        if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK) or str(anc).startswith(("/proc", "/sys")):
            raise ValueError(f"{option} {text!r}: cannot create a directory under {str(anc)!r} (not a writable "
                             "directory)")
        return p
    if p.is_dir():
        raise ValueError(f"{option} {text!r} is a directory (expected a file name)")
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a directory"
        raise ValueError(f"{option} {text!r}: directory {str(parent)!r} {what}")
    if not os.access(parent, os.W_OK | os.X_OK) or str(parent.resolve()).startswith(("/proc", "/sys")):
        raise ValueError(f"{option} {text!r}: directory {str(parent)!r} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise ValueError(f"{option} {text!r}: the existing file is not writable")
    return p


def write_output(path: str | os.PathLike, write: Callable[[str], Any], option: str) -> str:
    """Call ``write(path)``; if it fails (``OSError``, ``ValueError``), write to a temporary file instead and say where.

    The path was checked before the work (:func:`check_output_path`); this covers what can
    still go wrong afterwards (disk full, directory removed meanwhile). Returns the path
    written; after a fallback, :func:`main_with_groups` exits with code 1.

    Examples
    --------
    >>> import contextlib, io, tempfile
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     out = write_output(tempfile.gettempdir() + "/no-such-dir-xyz/r.csv",
    ...                        lambda p: open(p, "w").write("x"), "--csv")
    >>> open(out).read(), out in err.getvalue()
    ('x', True)
    >>> _FALLBACK_WRITES.clear()
    """
    try:
        write(os.fspath(path))
        return os.fspath(path)
    except (OSError, ValueError) as exc:   # ValueError: a writer's own path check (directory gone meanwhile)
        p = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=(p.stem or "result") + "-", suffix=p.suffix)
        os.close(fd)
        write(tmp)
        reason = getattr(exc, "strerror", None) or str(exc)
        print(f"error: could not write {option} {os.fspath(path)} ({reason}); the result was written to {tmp} "
              "instead", file=sys.stderr)
        _FALLBACK_WRITES.append((option, os.fspath(path), tmp))
        return tmp


def parse_scan(text: str) -> float | np.ndarray:
    """``"0.5"`` -> 0.5; ``"0.1:0.9:9"`` -> ``numpy.linspace(0.1, 0.9, 9)``."""
    if isinstance(text, (int, float)):
        return float(text)
    parts = str(text).split(":")
    try:
        if len(parts) == 1:
            x = float(parts[0])
            if not math.isfinite(x):
                raise argparse.ArgumentTypeError(f"must be a finite number (got {text!r})")
            return x
        if len(parts) == 3:
            start, stop, count = float(parts[0]), float(parts[1]), float(parts[2])
            if not (math.isfinite(start) and math.isfinite(stop)):
                raise argparse.ArgumentTypeError(f"START and STOP must be finite numbers (got {text!r})")
            if not count.is_integer() or not 1 <= count <= MAX_SCAN_COUNT:
                raise argparse.ArgumentTypeError(f"COUNT of START:STOP:COUNT must be an integer from 1 to "
                                                 f"{MAX_SCAN_COUNT} (got {parts[2]!r})")
            return np.linspace(start, stop, int(count))
    except (ValueError, OverflowError):
        pass
    raise argparse.ArgumentTypeError(f"expected a number or START:STOP:COUNT (got {text!r})")


def add_scan_option(parser: argparse.ArgumentParser, name: str, default=None, help: str = "",
                    required: bool = False) -> None:
    """A numeric option that also accepts ``START:STOP:COUNT``."""
    parser.add_argument(
        f"--{name}", type=parse_scan, default=default, required=required and default is None,
        metavar="X|START:STOP:COUNT", help=help + (f" (default {default})" if default is not None else ""),
    )


def add_output_options(parser: argparse.ArgumentParser, plot: bool = True) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    parser.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    if plot:
        parser.add_argument("--plot", metavar="FILE", help="draw the curve (PNG/PDF/SVG by extension)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _records(result: Any) -> list[dict[str, Any]]:
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict):
        params, res = result
        return [{**params, **r} for r in _records(res)]
    if isinstance(result, list):
        return [r for x in result for r in _records(x)]
    if hasattr(result, "to_records"):
        return result.to_records()
    if hasattr(result, "flat"):
        return [result.flat()]
    if hasattr(result, "to_dict"):
        return [result.to_dict()]
    return [dict(result)]


def emit(args: argparse.Namespace, result: Any, columns: Sequence[str] | None = None,
         x: str | None = None, y: Sequence[str] = ()) -> None:
    """Print ``result`` as JSON or a table, and write ``--csv``/``--plot`` if asked."""
    many = isinstance(result, list) or hasattr(result, "to_records")
    rows = _records(result)
    if getattr(args, "json", False):
        payload = rows if many else rows[0]
        json.dump(to_jsonable(payload), sys.stdout, allow_nan=False, indent=None)
        sys.stdout.write("\n")
    else:
        shown = [{k: v for k, v in r.items() if not isinstance(v, (list, dict, np.ndarray))} for r in rows]
        print(format_table(shown, list(columns) if columns else None))
    if getattr(args, "csv", None):
        write_output(args.csv, lambda p: write_csv(p, rows), "--csv")
    if getattr(args, "plot", None):
        if x is None or not y:
            raise ValueError("--plot needs a range (START:STOP:COUNT) on one numeric option")
        write_output(args.plot, lambda p: plot_rows(p, rows, x, y), "--plot")


def write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r if not isinstance(r[k], (list, dict, np.ndarray))))
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(to_jsonable({k: r.get(k, "") for k in cols}))


def plot_rows(path: str, rows: list[dict[str, Any]], x: str, y: Sequence[str]) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2 * len(y), 3.4))
    axes = fig.subplots(1, len(y), squeeze=False)
    xs = np.array([float(r.get(x, np.nan)) for r in rows])
    conv = np.array([bool(r.get("converged", True)) for r in rows])
    for ax, col in zip(axes[0], y):
        ys = np.array([float(r[col]) if isinstance(r.get(col), (int, float, np.number)) else np.nan for r in rows])
        ax.plot(xs[conv], ys[conv], "-", lw=1.5)
        if (~conv).any():
            ax.plot(xs[~conv], np.where(np.isfinite(ys[~conv]), ys[~conv], np.nan), "rx", label="not converged")
            ax.legend()
        ax.set_xlabel(x)
        ax.set_ylabel(col)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def run_scan(
    compute: Callable[..., Any],
    params: dict[str, Any],
    *,
    quiet: bool = False,
) -> tuple[Any, str | None]:
    """Evaluate ``compute(**params)`` at a point or over the Cartesian product of ranges.

    If ``compute`` accepts an ``init`` keyword, the previous point's result is
    passed as a warm start (continuation along the scan). Returns the single
    result (no range) or the list of ``(ranged_params, result)`` pairs, and the
    name of the ranged parameter (the first one, used as the x axis of plots).
    """
    ranged = [k for k, v in params.items() if isinstance(v, np.ndarray)]
    if not ranged:
        return compute(**params), None
    n_points = math.prod(len(params[k]) for k in ranged)
    if n_points > MAX_SCAN_POINTS:
        counts = " x ".join(f"--{k} {len(params[k])}" for k in ranged)
        raise ValueError(f"the ranges give {n_points} points ({counts}); at most {MAX_SCAN_POINTS} per command")
    takes_init = "init" in inspect.signature(compute).parameters
    grids = [params[k] for k in ranged]
    combos = list(itertools.product(*grids))
    results = []
    prev = None
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(total=len(combos), file=sys.stderr, leave=False)
    for combo in combos:
        p = dict(params)
        p.update({k: float(v) for k, v in zip(ranged, combo)})
        kw = {"init": prev} if takes_init and prev is not None and getattr(prev, "converged", True) else {}
        r = compute(**p, **kw)
        results.append(({k: p[k] for k in ranged}, r))
        prev = r
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return results, ranged[0]


def _exit_code(result: Any) -> int:
    items = result if isinstance(result, list) else [result]
    items = [r[1] if isinstance(r, tuple) else r for r in items]
    return 0 if all(getattr(r, "converged", True) for r in items) else 1


def _import_command_module(name: str):
    """Import a command module listed in the groups; a missing module is an error naming it."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise ImportError(f"command module {name!r} listed in the command groups does not exist",
                              name=name) from exc
        raise


def main_with_groups(prog: str, description: str, groups: dict[str, Sequence[str]],
                     argv: Sequence[str] | None = None) -> int:
    """Build and run ``prog GROUP COMMAND [options]``.

    ``groups`` maps a group name (``perceptron``, ``rbm``...) to command
    modules; each module defines ``add_commands(subparsers)`` adding leaf
    commands that set ``func=handler(args) -> int | None`` (a group may also be
    a single leaf: a module with ``add_command(subparsers, name)``).

    Raises
    ------
    ImportError
        When a listed command module does not exist (raised while the parser is
        built, naming the module): a command is never dropped silently.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="group", metavar="GROUP")
    for group, modules in groups.items():
        mods = [_import_command_module(n) for n in modules]
        if not mods:
            continue
        if len(mods) == 1 and hasattr(mods[0], "add_command"):
            mods[0].add_command(sub, group)
            continue
        doc = (mods[0].__doc__ or "").strip().splitlines()
        gp = sub.add_parser(group, help=doc[0] if doc else group, description=doc[0] if doc else None)
        gsub = gp.add_subparsers(dest="command", metavar="COMMAND")
        gp.set_defaults(func=None, _parser=gp)
        for m in mods:
            m.add_commands(gsub)
    for leaf in _leaf_parsers(parser):
        if not any("--max-memory" in a.option_strings for a in leaf._actions):
            leaf.add_argument("--max-memory", dest="max_memory", metavar="SIZE", default=None,
                              help="refuse to start if the estimated memory exceeds SIZE (e.g. 4G; default: "
                                   "the machine's available memory)")
        if leaf.get_default("time_estimate") is not None and \
                not any("--max-time" in a.option_strings for a in leaf._actions):
            leaf.add_argument("--max-time", dest="max_time", metavar="DURATION", default=None,
                              help="refuse to start if the worst-case run time estimate exceeds DURATION "
                                   "(e.g. 90s, 20m, 2h)")
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        getattr(args, "_parser", parser).print_help(sys.stderr)
        return 2
    _FALLBACK_WRITES.clear()
    try:
        preflight(args)
        code = args.func(args)
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except ComputationError as exc:
        print(f"{prog}: computation failed: {exc}", file=sys.stderr)
        return 1
    except (OverflowError, MemoryError) as exc:
        print(f"{prog}: error: {type(exc).__name__}: {exc or 'not enough memory'} (an input is too large for "
              "this machine; the up-front estimate missed it)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input: say so in one line; the traceback on request
        if os.environ.get("LOWPREC_TRACEBACK"):
            raise
        print(f"{prog}: internal error (a bug; set LOWPREC_TRACEBACK=1 for the traceback): "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if _FALLBACK_WRITES:
        return max(int(code or 0), 1)
    return int(code or 0)


def _leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    seen: dict[int, argparse.ArgumentParser] = {}
    for a in subs:
        for p in a.choices.values():
            for leaf in _leaf_parsers(p):
                seen[id(leaf)] = leaf
    return list(seen.values())


def preflight(args: argparse.Namespace) -> None:
    """Checks made before a command runs: output paths, then the memory estimate.

    Output options are the destinations of :data:`OUTPUT_OPTIONS` (``--csv``, ``--plot``,
    ``--save``, ``--out``, ``--save-trajectory``) unless the command declares its own kinds
    with ``set_defaults(outputs={dest: kind})`` (``kind`` as in :func:`check_output_path`,
    ``None``: not an output path); the estimate is ``set_defaults(estimate=fn)`` with
    ``fn(args) -> [(bytes, what), ...]``.

    Examples
    --------
    >>> ns = argparse.Namespace(csv="/nonexistent/x.csv", max_memory=None)
    >>> preflight(ns)
    Traceback (most recent call last):
    ...
    ValueError: --csv '/nonexistent/x.csv': directory '/nonexistent' does not exist
    """
    kinds = {**OUTPUT_OPTIONS, **(getattr(args, "outputs", None) or {})}
    for dest, kind in kinds.items():
        value = getattr(args, dest, None)
        if kind is None or not isinstance(value, (str, os.PathLike)):
            continue
        check_output_path(value, "--" + dest.replace("_", "-"), kind)
    max_memory = getattr(args, "max_memory", None)
    if max_memory is not None:
        parse_memory(max_memory)
    estimate = getattr(args, "estimate", None)
    if estimate is not None:
        check_memory(estimate(args), max_memory)
    time_estimate = getattr(args, "time_estimate", None)
    if time_estimate is not None:
        check_time(time_estimate(args), getattr(args, "max_time", None))


def parse_seconds(text: str | float) -> float:
    """Seconds from ``"90"``, ``"90s"``, ``"20m"``, ``"2h"``, ``"1d"``.

    Examples
    --------
    >>> parse_seconds("20m"), parse_seconds("1.5h"), parse_seconds(30)
    (1200.0, 5400.0, 30.0)
    """
    t = str(text).strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(t[-1:], None)
    try:
        x = float(t[:-1] if scale else t) * (scale or 1)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"--max-time must be a positive duration like 90s, 20m or 2h (got {text!r})")
    return x


def check_time(estimate: tuple[float, str] | None, max_time: str | float | None = None) -> None:
    """Refuse (``ValueError``) a command whose worst-case run time exceeds ``--max-time``; without
    ``--max-time``, only say on stderr when the worst case exceeds ten minutes.

    ``estimate`` is ``(seconds, what)`` (``what`` names the options that set it) or ``None``.

    Examples
    --------
    >>> check_time((5.0, "--max-epochs 10"), "1m")
    >>> check_time((7200.0, "--max-epochs 1e9"), "1h")
    Traceback (most recent call last):
    ...
    ValueError: --max-epochs 1e9 may take up to about 2.0 h (worst-case estimate), more than --max-time 1h
    """
    if estimate is None:
        return
    seconds, what = estimate
    text = f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"
    if max_time is not None:
        if seconds > parse_seconds(max_time):
            raise ValueError(f"{what} may take up to about {text} (worst-case estimate), more than "
                             f"--max-time {max_time}")
    elif seconds > 600:
        print(f"note: {what} may take up to about {text} (worst-case estimate); --max-time refuses longer runs",
              file=sys.stderr)


def check_limits(params: dict[str, Any], limits: dict[str, dict[str, Any]]) -> None:
    """Check every value (each point of a range) of the limited parameters up front, naming ``--name``.

    ``limits`` maps a parameter to keyword arguments of :func:`theory.core.params.check_real`
    (``gt``, ``ge``, ``lt``, ``le``), plus ``integer=True`` for :func:`~theory.core.params.check_int`
    and ``option="--name-in-the-help"`` where the option is not spelled ``--<parameter>``.

    Examples
    --------
    >>> check_limits({"order": 8.0}, {"order": dict(ge=2, le=128, integer=True)})
    >>> check_limits({"l": np.array([1.0, 1e300])}, {"l": dict(ge=0, le=1e6)})
    Traceback (most recent call last):
    ...
    ValueError: --l must be >= 0 and <= 1000000.0 (got 1e+300)
    """
    from theory.core.params import check_int, check_real

    for name, spec in limits.items():
        value = params.get(name)
        if value is None:
            continue
        spec = dict(spec)
        integer = spec.pop("integer", False)
        option = spec.pop("option", "--" + name)
        for v in np.atleast_1d(value):
            v = v.item() if isinstance(v, np.generic) else v
            (check_int if integer else check_real)(option, v, **spec)


def handler(compute: Callable[..., Any], param_names: Sequence[str], *, columns: Sequence[str] | None = None,
            y: Sequence[str] = (), limits: dict[str, dict[str, Any]] | None = None
            ) -> Callable[[argparse.Namespace], int]:
    """Standard leaf handler: collect ``param_names`` from args, check ``limits`` (:func:`check_limits`)
    on every point, scan, emit.

    Exit code 1 if any computed point reports ``converged=False``.
    """
    def run(args: argparse.Namespace) -> int:
        params = {k: getattr(args, k) for k in param_names}
        check_limits(params, limits or {})
        if getattr(args, "plot", None) and not any(isinstance(v, np.ndarray) for v in params.values()):
            raise ValueError("--plot needs a range (START:STOP:COUNT) on one numeric option")
        result, x = run_scan(compute, params, quiet=getattr(args, "quiet", False))
        emit(args, result, columns=columns, x=x, y=y)
        code = _exit_code(result)
        if code and not getattr(args, "json", False):
            print("warning: some points did not converge (see 'converged' and 'message')", file=sys.stderr)
        return code

    return run
