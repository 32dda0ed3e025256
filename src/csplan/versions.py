"""Versions of the data to compare: a folder, a file, or a git revision of either.

Git revisions are read with the ``git`` command (``rev-parse``, ``ls-tree``,
``cat-file``): no checkout, nothing written to the repository.
"""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from csplan.errors import DataError, UsageError
from csplan.load import YAML_SUFFIXES, Plan, load_blobs, load_plan


@dataclass(frozen=True)
class Version:
    """Where one side of a diff comes from."""

    label: str
    path: Path | None = None
    """A folder or file in the working tree."""
    repo: Path | None = None
    revision: str | None = None
    inner: str | None = None
    """The path inside the repository (with ``revision``)."""


# Reading a repository someone else controls must run none of its code: no hooks, no
# fsmonitor command from its config, no signature program, no pager. (git status is
# never run: it would run the repository's filters; see _worktree_changed.)
_SAFE = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "log.showSignature=false",
    "--no-pager",
)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *_SAFE, "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed, so revisions cannot be read", "compare folders instead") from None


def _repo_root(start: Path) -> Path:
    done = _git(start, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise UsageError(
            f"'{start}' is not in a git repository, so a revision cannot be read",
            "give two folders or files to compare, or run inside the repository",
        )
    return Path(done.stdout.decode().strip())


def resolve(spec: str | None, data: Path) -> Version:
    """Turn a command-line side (None: the working tree) into a version."""
    if spec is None:
        return Version(label=str(data), path=data)
    as_path = Path(spec)
    if as_path.exists():
        return Version(label=spec, path=as_path)
    revision, _, inner = spec.partition(":")
    start = data if data.exists() else Path.cwd()
    root = _repo_root(start if start.is_dir() else start.parent)
    if not inner:
        try:
            inner = data.resolve().relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"the data folder '{data}' is not inside the repository at {root}") from None
    verified = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if verified.returncode != 0 or not revision:
        raise UsageError(
            f"unknown revision {revision!r} (and no file or folder of that name)",
            "give a commit, branch or tag (git log shows them), or an existing path",
        )
    return Version(label=f"{revision}:{inner}", repo=root, revision=revision, inner=inner)


def working_tree_of(version: Version, data: Path) -> Version:
    """The working-tree counterpart of a revision (for a one-sided diff)."""
    if version.revision is not None and version.repo is not None and version.inner is not None:
        path = version.repo / version.inner
        with contextlib.suppress(ValueError):  # outside the current folder: keep it absolute
            path = path.relative_to(Path.cwd().resolve())
        return Version(label=str(path), path=path)
    return Version(label=str(data), path=data)


def load_version(version: Version) -> Plan:
    """Load a version's documents; a file that does not load stops the diff (exit 1)."""
    if version.path is not None:
        plan, findings = load_plan(version.path)
    else:
        plan, findings = load_blobs(_blobs(version))
    if findings:
        raise DataError(f"{version.label} does not load, so its figures cannot be compared", findings=findings)
    return plan


def _blobs(version: Version) -> list[tuple[str, bytes]]:
    assert version.repo is not None and version.revision is not None and version.inner is not None
    repo, revision, inner = version.repo, version.revision, version.inner.strip("/")
    listed = _git(repo, "ls-tree", revision, "--", inner)
    entries = [line.split("\t", 1) for line in listed.stdout.decode().splitlines() if "\t" in line]
    if listed.returncode != 0 or not entries:
        raise UsageError(f"'{inner}' is not in revision {revision}", f"git ls-tree {revision} shows what is there")
    meta, _ = entries[0]
    kind = meta.split()[1]
    if kind == "tree":
        listed = _git(repo, "ls-tree", revision, "--", f"{inner}/")
        entries = [line.split("\t", 1) for line in listed.stdout.decode().splitlines() if "\t" in line]
    blobs: list[tuple[str, bytes]] = []
    for meta, name in entries:
        _, object_type, sha = meta.split()
        if object_type != "blob" or not name.endswith(YAML_SUFFIXES):
            continue
        content = _git(repo, "cat-file", "blob", sha)
        blobs.append((f"{revision}:{name}", content.stdout))
    if not blobs:
        raise UsageError(f"no YAML files at '{inner}' in revision {revision}")
    return blobs


def revision_blobs(
    repo: Path, revision: str, inner: str, *, label_prefix: str = ""
) -> tuple[str, list[tuple[str, bytes]]]:
    """(short commit, YAML blobs) of folder ``inner`` in ``repo`` at ``revision``, read-only.

    Each blob is named ``{label_prefix}{revision}:{path}`` so findings say where it is.
    """
    if not repo.is_dir():
        raise UsageError(f"repository folder '{repo}' does not exist")
    root = _repo_root(repo)
    verified = _git(root, "rev-parse", "--verify", "--quiet", "--short", f"{revision}^{{commit}}")
    if verified.returncode != 0:
        raise UsageError(
            f"unknown revision {revision!r} in {repo}", "give a branch, tag or commit that git log shows there"
        )
    blobs = _blobs(Version(label=revision, repo=root, revision=revision, inner=inner))
    return verified.stdout.decode().strip(), [(f"{label_prefix}{name}", raw) for name, raw in blobs]


def _worktree_changed(folder: Path) -> bool:
    """Whether the folder's files differ from its last commit.

    ``git status`` would tell, but it runs what the repository's config names (an
    fsmonitor command, a clean filter, an index hook): here the committed blobs are
    listed (``ls-tree``, which reads no work tree) and the files hashed as they are
    (``hash-object --no-filters``), so nothing configured runs."""
    listed = _git(folder, "ls-tree", "-r", "-z", "HEAD", "--", ".")
    if listed.returncode != 0:
        return False
    committed: dict[str, str] = {}
    for entry in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = entry.partition("\t")
        if name and meta.split()[1] == "blob":
            committed[name] = meta.split()[2]
    present = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    )
    if set(committed) - set(present):
        return True  # a committed file deleted
    untracked = [name for name in present if name not in committed]
    if untracked:
        # a new file counts unless .gitignore leaves it out (check-ignore runs nothing)
        ignored = subprocess.run(
            ["git", *_SAFE, "-C", str(folder), "check-ignore", "--no-index", "--stdin", "-z"],
            input="\0".join(str(folder.resolve() / name) for name in untracked).encode("utf-8", "surrogateescape"),
            capture_output=True,
            check=False,
        )
        left_out = set(ignored.stdout.decode("utf-8", "surrogateescape").split("\0"))
        if any(str(folder.resolve() / name) not in left_out for name in untracked):
            return True
        present = [name for name in present if name in committed]
    hashed = subprocess.run(
        ["git", *_SAFE, "-C", str(folder), "hash-object", "--no-filters", "--stdin-paths"],
        # absolute: hash-object reads --stdin-paths from the top of the work tree
        input="\n".join(str((folder / name).resolve()) for name in present).encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
    )
    if hashed.returncode != 0:
        return False
    return hashed.stdout.decode().split() != [committed[name] for name in present]


def folder_commit(folder: Path) -> str:
    """The last commit of ``folder`` and whether its work tree differs, in words."""
    try:
        logged = _git(folder, "log", "-1", "--format=%h %cs", "--", ".")
    except UsageError:
        return "not in git"
    if logged.returncode != 0 or not logged.stdout.strip():
        return "not in git" if logged.returncode != 0 else "not committed"
    commit, _, day = logged.stdout.decode().strip().partition(" ")
    dirty = _worktree_changed(folder)
    return f"commit {commit} of {day}" + (" with uncommitted changes" if dirty else "")


def data_date(folder: Path) -> str:
    """The date of the data: its last commit when in git, else the newest file's date."""
    try:
        done = _git(folder, "log", "-1", "--format=%cs", "--", ".") if folder.is_dir() else None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            dirty = _worktree_changed(folder)
            return f"last committed {done.stdout.decode().strip()}" + (" (with uncommitted changes)" if dirty else "")
    except UsageError:  # git is not installed
        pass
    files = list(folder.glob("*.y*ml")) if folder.is_dir() else [folder]
    newest = max((f.stat().st_mtime for f in files), default=0)
    return "files modified " + datetime.fromtimestamp(newest, tz=UTC).strftime("%Y-%m-%d")
