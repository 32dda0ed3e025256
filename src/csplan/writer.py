"""The one place csplan writes files: data files it edits, and outputs it makes.

**Data files** (``savings update``, ``savings import``, ``measures update``, any later
editor): hold ``folder_lock`` on the data folder while reading, checking and writing,
then ``write_data_file``. The lock is ``flock`` on the folder itself, so there is no
lock file to leave behind, and the kernel releases it when a process dies: a killed
csplan never blocks the next one. ``write_data_file`` refuses a file that changed
since csplan read it (an editor, a ``git pull``: they do not take the lock), a file
the user may not write, and keeps the line endings, UTF-8 BOM, symlink, mode, owner
and group. The new text goes to a temporary file in the same folder, is flushed to
disk with the folder, and renamed over the old: a reader sees the old or the new file.

**Outputs** (``report -o``, ``export FILE``, ``schema --write`` ...): ``check_output``
refuses, before any work, a target that is not a regular file, has the wrong suffix
or is, through any symlinks, a data file (of the data folders, or one declaring a
csplan kind anywhere); ``write_output`` writes it atomically the same way. New
outputs get the permissions the umask gives, as any other program's files do.

Temporary files are named ``.NAME.PID.RANDOM.csplan-tmp``; one left by a killed run
is removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from csplan.errors import CsplanError, DataError, UsageError

BOM = b"\xef\xbb\xbf"
TEMP_SUFFIX = ".csplan-tmp"
# How long a writer waits for another to finish before it gives up. An edit holds the
# lock for well under a second; this allows a queue of officers and a slow disk.
LOCK_WAIT_SECONDS = 30.0
LOCK_WAIT_VARIABLE = "CSPLAN_LOCK_WAIT"


class Busy(CsplanError):
    """Another csplan holds the data folder's lock past the wait: exit 1."""

    exit_code = 1


# -- locking ----------------------------------------------------------------------------


def lock_wait() -> float:
    """Seconds to wait for the lock: ``$CSPLAN_LOCK_WAIT``, else ``LOCK_WAIT_SECONDS``."""
    text = os.environ.get(LOCK_WAIT_VARIABLE, "").strip()
    try:
        return max(float(text), 0.0) if text else LOCK_WAIT_SECONDS
    except ValueError:
        raise UsageError(f"${LOCK_WAIT_VARIABLE} is {text!r}, not a number of seconds") from None


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of a data folder: one writer at a time edits its files.

    Waits up to ``wait`` seconds (default ``lock_wait()``), then raises ``Busy`` naming
    the process that holds it. A folder that cannot be opened is not locked: the
    command reading it then says what is wrong with it.
    """
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        _acquire(handle, folder, lock_wait() if wait is None else wait)
        yield
    finally:
        os.close(handle)  # closing releases the lock


# flock errors that mean "this filesystem cannot lock" (some network shares), not "busy".
_CANNOT_LOCK = frozenset({errno.EBADF, errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS})


def _acquire(handle: int, folder: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    pause = 0.005
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno in _CANNOT_LOCK:
                sys.stderr.write(
                    f"csplan: warning: cannot lock data folder '{folder}' on this filesystem "
                    f"({exc.strerror}); writing without the lock\n"
                )
                return
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        if time.monotonic() >= deadline:
            holder = lock_holder(handle)
            by = f"held by pid {holder}" if holder else "held by another process"
            raise Busy(
                f"data folder '{folder}' is busy, {by}; waited {wait:g} s and wrote nothing",
                f"try again when it has finished (set ${LOCK_WAIT_VARIABLE} to wait longer)",
            )
        # Short random pauses keep a queue of waiting writers moving without spinning.
        time.sleep(pause + secrets.randbelow(1000) / 100_000)
        pause = min(pause * 2, 0.05)


def lock_holder(handle: int) -> int | None:
    """The pid holding an flock on ``handle``'s file, from /proc/locks (Linux), if known."""
    inode = os.fstat(handle).st_ino
    try:
        text = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        # 1: FLOCK  ADVISORY  WRITE 12345 00:2f:1234567 0 EOF
        match = re.search(r"\bFLOCK\s+\S+\s+WRITE\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s", line)
        if match and int(match[2]) == inode and int(match[1]) != os.getpid():
            return int(match[1])
    return None


# -- data files -------------------------------------------------------------------------


def read_data_file(path: Path) -> str:
    """A data file's text as csplan reads it: UTF-8 without its BOM, line endings as they are."""
    raw = path.read_bytes()
    return raw.removeprefix(BOM).decode("utf-8")


def check_writable(path: Path) -> Path:
    """The real file behind ``path`` (through symlinks), refusing one the user may not write."""
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        raise DataError(f"{path} no longer exists; nothing was written", "run the command again") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path} is not a regular file; nothing was written")
    if info.st_mode & 0o222 == 0:
        raise DataError(
            f"{path} is read-only (mode {stat.S_IMODE(info.st_mode):04o}); nothing was written",
            "make it writable (chmod u+w) if the change is meant",
        )
    if not os.access(target, os.W_OK):
        raise DataError(
            f"you may not write {path} (owner uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}); "
            "nothing was written",
            "ask its owner, or work on a copy",
        )
    return target


def write_data_file(path: Path, old_text: str, new_text: str) -> None:
    """Replace the data file at ``path``, read by csplan as ``old_text``, with ``new_text``.

    Call it holding ``folder_lock``. Refused when the file is no longer ``old_text``
    (someone changed it meanwhile) or may not be written. Keeps the BOM, the line
    endings (a file whose lines all end CRLF gets CRLF on every new line), the
    symlink (its target is written), mode, owner and group.
    """
    write_data_files([(path, old_text, new_text)])


def write_data_files(changes: list[tuple[Path, str | None, str]]) -> None:
    """Write several data files as one change: (path, old_text, new_text) each, old_text
    None for a file to create. Call it holding ``folder_lock``.

    Every file is checked as ``write_data_file`` checks it (changed meanwhile, not
    writable; a file to create must still not exist) and staged to a temporary file
    flushed to disk before any is renamed; then they are renamed in the order given.
    A failure before the renames leaves every file as it was. Between two renames a
    crash leaves the earlier files new and the later ones old: callers order the
    changes so that the last rename is the one that commits (see csplan.yearend).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, old_text, new_text in changes:
            if old_text is None:
                if os.path.lexists(path):
                    raise DataError(f"{path} appeared while csplan was working; nothing was written", "run it again")
                target = Path(os.path.realpath(path))
                data, keep = new_text.encode("utf-8"), None
            else:
                target = check_writable(path)
                raw = target.read_bytes()
                try:
                    current = raw.removeprefix(BOM).decode("utf-8")
                except UnicodeDecodeError:
                    current = None
                if current != old_text:
                    raise DataError(
                        f"{path} changed since csplan read it (an editor, a git pull?); nothing was written",
                        "run the command again: it reads the file as it is now",
                    )
                if _all_crlf(old_text):
                    new_text = re.sub(r"(?<!\r)\n", "\r\n", new_text)
                data = (BOM if raw.startswith(BOM) else b"") + new_text.encode("utf-8")
                keep = target.stat()
            staged.append((target, _stage(target, _writing(data), keep=keep, clean_all=True)))
        for target, temporary in staged:
            os.replace(temporary, target)
    finally:
        for _, temporary in staged:
            with contextlib.suppress(OSError):
                temporary.unlink()  # gone once renamed; left only by a failure
    for folder in dict.fromkeys(target.parent for target, _ in staged):
        _fsync_folder(folder)


def _all_crlf(text: str) -> bool:
    newlines = text.count("\n")
    return newlines > 0 and text.count("\r\n") == newlines


# -- outputs ----------------------------------------------------------------------------


DataFolders = Path | Sequence[Path] | None
"""The folders csplan reads for a command: a data folder, or a council folder and each
of its departments' folders."""

# A top-level ``kind:`` naming one of csplan's kinds, in block or flow style, quoted or
# not: the line every data file csplan reads (and council.yaml) starts its fields with.
_KIND_LINE = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:---[ \t]+)?(?:\{[ \t]*)?"  # BOM, document start, flow mapping
    rb"""["']?kind["']?[ \t]*:[ \t]*["']?([a-z]+)["']?[ \t]*(?:[,}#\r\n]|\Z)""",
    re.MULTILINE,
)
# How much of an existing target is read to tell whether it is a data file: its kind
# line comes after the header comments, well inside this.
_SNIFF_BYTES = 1 << 20


def check_output(path: Path, suffixes: tuple[str, ...], what: str, data: DataFolders = None) -> None:
    """Refuse, with a usage error (exit 2), an output target csplan must not write:
    one not ending in ``suffixes``; one that exists and is not a regular file (a
    device, a FIFO, a folder); or one that is, or leads through symlinks to, a data
    file: a YAML file of the ``data`` folders (loaded now or by a later command, even
    one not made yet), any file anywhere whose top-level ``kind`` is a csplan kind
    (unless it is named as this output is: csplan's own earlier output), or any file
    named .yaml/.yml. Touches nothing."""
    if path.suffix.lower() not in suffixes:
        wanted = " or ".join(suffixes)
        raise UsageError(f"'{path}' does not end in {wanted}", f"name the {what} something{suffixes[0]}")
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write '{path}': {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device or a pipe)"
        raise UsageError(f"'{path}' is {kind}; csplan writes the {what} only to a file", "give a file name")
    target = Path(os.path.realpath(path))  # every symlink followed, to the file written
    if not target.parent.is_dir():
        raise UsageError(f"folder '{path.parent}' does not exist")
    leads = f" (a link to '{target}')" if os.path.islink(path) else ""
    hint = f"give the {what} a file name of its own" + (", not a link to a data file" if leads else "")
    refused = f"csplan will not write the {what} over it"
    folder = _data_folder_of(target, info, data)
    if folder is not None:
        be = "is" if info is not None else "would be"
        raise UsageError(f"'{path}'{leads} {be} a data file of '{folder}'; {refused}", hint)
    if info is not None and target.suffix.lower() not in suffixes:  # csplan's own earlier output is not data
        declared = _data_kind(target)
        if declared is not None:
            raise UsageError(f"'{path}'{leads} is a csplan data file (kind: {declared}); {refused}", hint)
    if target.suffix.lower() in _yaml_suffixes():
        raise UsageError(f"'{path}'{leads} names a YAML file, as data files are named; {refused}", hint)


def _folders(data: DataFolders) -> list[Path]:
    if data is None:
        return []
    return [data] if isinstance(data, Path) else list(data)


def _data_folder_of(target: Path, info: os.stat_result | None, data: DataFolders) -> Path | None:
    """The data folder ``target`` is a YAML file of (csplan reads every .yaml/.yml
    directly inside one), or the one holding a hard link to it; else None."""
    yaml_suffixes = _yaml_suffixes()
    for folder in _folders(data):
        real = Path(os.path.realpath(folder))
        if target.suffix.lower() in yaml_suffixes and target.parent == real:
            return folder
        if info is None:
            continue
        names: list[Path] = []
        with contextlib.suppress(OSError):
            names = [existing for existing in real.iterdir() if existing.suffix.lower() in yaml_suffixes]
        for existing in names:
            with contextlib.suppress(OSError):  # a broken link among them is not the target
                if os.path.samefile(existing, target):
                    return folder
    return None


def _yaml_suffixes() -> tuple[str, ...]:
    from csplan.load import YAML_SUFFIXES

    return YAML_SUFFIXES


def _data_kind(target: Path) -> str | None:
    """The csplan kind an existing file declares at its top level (``kind: savings``), or None."""
    from csplan.models import KINDS

    try:
        with target.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError:
        return None
    for match in _KIND_LINE.finditer(head):
        kind = match[1].decode("ascii")
        if kind in KINDS or kind == "council":
            return kind
    return None


def write_output(
    path: Path,
    content: bytes | str | Callable[[BinaryIO], object],
    suffixes: tuple[str, ...],
    what: str,
    data: DataFolders = None,
) -> None:
    """Write an output file atomically after ``check_output``: ``content`` is the bytes,
    the text (UTF-8), or a function that writes to a binary stream. An existing file
    keeps its mode; a new one gets the umask's permissions."""
    check_output(path, suffixes, what, data)
    if isinstance(content, str):
        content = content.encode("utf-8")
    write = _writing(content) if isinstance(content, bytes) else content
    target = Path(os.path.realpath(path))
    try:
        keep = target.stat()
    except FileNotFoundError:
        keep = None
    _replace(target, write, keep=keep, clean_all=False)


# -- the atomic replace ----------------------------------------------------------------


def _writing(payload: bytes) -> Callable[[BinaryIO], object]:
    return lambda stream: stream.write(payload)


def _replace(
    target: Path, write: Callable[[BinaryIO], object], *, keep: os.stat_result | None, clean_all: bool
) -> None:
    """Write ``target`` through a temporary file in its folder, fsync both, rename."""
    temporary = _stage(target, write, keep=keep, clean_all=clean_all)
    try:
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync_folder(target.parent)


def _stage(target: Path, write: Callable[[BinaryIO], object], *, keep: os.stat_result | None, clean_all: bool) -> Path:
    """The new content of ``target`` in a temporary file beside it, flushed to disk,
    with the mode (and owner) it will have; not yet renamed."""
    folder = target.parent
    clean_temporaries(target, every=clean_all)
    name = f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    temporary = folder / name
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if keep is not None:
            _keep_owner(temporary, keep)
            os.chmod(temporary, stat.S_IMODE(keep.st_mode))
        else:
            os.chmod(temporary, 0o666 & ~_umask())
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return temporary


def _keep_owner(temporary: Path, keep: os.stat_result) -> None:
    """Give the new file the old one's owner and group, as far as the user may."""
    made = temporary.stat()
    if (made.st_uid, made.st_gid) == (keep.st_uid, keep.st_gid):
        return
    try:
        os.chown(temporary, keep.st_uid, keep.st_gid)
    except PermissionError:
        # Only root gives a file away; a member of the file's group may still keep it.
        with contextlib.suppress(PermissionError):
            os.chown(temporary, -1, keep.st_gid)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some filesystems cannot fsync a folder
            os.fsync(handle)
    finally:
        os.close(handle)


def clean_temporaries(target: Path, *, every: bool = False) -> list[Path]:
    """Remove temporary files a killed csplan left beside ``target``: all of them
    (``every``, when the caller holds the folder's lock) or those of dead processes."""
    removed: list[Path] = []
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+{re.escape(TEMP_SUFFIX)}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or (not every and _alive(int(match[1]))):
            continue
        with contextlib.suppress(OSError):
            (target.parent / name).unlink()
            removed.append(target.parent / name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a previous process of the same number; this one has no temporary yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
