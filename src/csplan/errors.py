"""The one exception type for "the user's input is wrong"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csplan.findings import Finding


class CsplanError(Exception):
    """Wrong input, caught once in the CLI and shown as a message with an exit code.

    ``exit_code`` is 2 when the command was used wrongly (a missing folder, a bad
    option value, an unknown revision) and 1 when the data itself is wrong.
    ``findings`` are the data's problems behind the error, shown under the message.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.findings = list(findings)


class UsageError(CsplanError):
    """The command was used wrongly: exit 2."""

    exit_code = 2


class DataError(CsplanError):
    """The data is wrong (and cannot be shown as findings): exit 1."""

    exit_code = 1
