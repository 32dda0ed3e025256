"""What a message suggests: an id meant (:func:`did_you_mean`), and csplan commands
written to act on the data this run acted on.

A hint such as ``csplan savings update S06 --period P08 --forecast 690000`` is meant to
be pasted into the same shell. Run with ``--data DIR`` (or a council folder's
``--department``), the suggested command must carry them too, or it would act on
./data. The CLI says what it was given (:func:`given`) for the length of a command;
every message that suggests a command builds it with :func:`command`. A program that
calls csplan's functions itself gets the plain command.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DEFAULT_DATA = Path("data")
"""The data folder a command acts on without --data (cli's default)."""

_OPTIONS: ContextVar[tuple[str, ...]] = ContextVar("csplan_suggested_options", default=())


@contextmanager
def given(data: str | Path | None, department: str | None) -> Iterator[None]:
    """Within: suggested commands carry ``--data`` (unless it is the default folder)
    and ``--department`` as this run was given them, each quoted for the shell."""
    options: list[str] = []
    if data is not None and str(data) and Path(data) != DEFAULT_DATA:
        options += ["--data", shlex.quote(str(data))]
    if department is not None and department.strip():
        options += ["--department", shlex.quote(department)]
    token = _OPTIONS.set(tuple(options))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def command(words: str, *, department: bool = True) -> str:
    """``csplan WORDS`` with this run's --data and --department (``department=False``:
    for a command of the whole council folder). WORDS are as typed: quote any value
    from the data with shlex.quote."""
    options = list(_OPTIONS.get())
    if not department and "--department" in options:
        at = options.index("--department")
        del options[at : at + 2]
    return " ".join(["csplan", words, *options])


def did_you_mean(given: str, ids: Iterable[str]) -> str | None:
    """The hint for an id that names nothing: "did you mean S09?" (or "S08 or S09") from
    the ids close to it; None when none is. Every command that takes an id uses it."""
    import difflib  # only when an id is wrong

    close = difflib.get_close_matches(given.upper(), list(ids), n=3, cutoff=0.5)
    return f"did you mean {' or '.join(close)}?" if close else None
