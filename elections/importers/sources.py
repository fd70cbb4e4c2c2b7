"""The files an import reads: given as files, folders and ``.zip`` archives, in a stable order.

A folder is read with everything under it; an archive with its members (and the members of an
archive inside it, such as Clarity's ``detailxml.zip``, one level down). Returns are ``.csv`` or
``.xml`` files; other files (a README, ``__MACOSX/`` metadata, hidden files) are passed over and
named in ``Sources.passed_over``. Archives are checked before anything is read: no more than
``MAX_MEMBERS`` members, and their stated sizes no more than ``MAX_UNPACKED_BYTES`` together (a
member is never read past its stated size), so a small hostile archive cannot fill the disk or the
memory.
"""

import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Final

from elections.importers.problems import ImportRejected

RETURNS_SUFFIXES: Final = (".csv", ".xml")
MAX_MEMBERS: Final = 5_000
MAX_UNPACKED_BYTES: Final = 4 << 30  # 4 GiB: a statewide precinct file is ~100 MB
ENCRYPTED: Final = 0x1  # a member's general-purpose flag: encrypted (needs a password)
READABLE_COMPRESSION: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})


@dataclass(frozen=True)
class Source:
    """One file of returns: the name it is known by, how to open it (binary), its size in bytes."""

    name: str
    open: Callable[[], AbstractContextManager[BinaryIO]]
    size: int


def gather_sources(paths: Iterable[Path]) -> list[Source]:
    """Every file of returns in ``paths`` (files, folders, archives), in the order given, each
    folder's and archive's files sorted by name. A file named in ``paths`` is read whatever its
    name; in a folder or an archive only ``.csv``, ``.xml`` and ``.zip`` files are. Refuses a path
    that does not exist, and an import with no file of returns at all."""
    sources: list[Source] = []
    passed_over: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(candidate for candidate in path.rglob("*") if candidate.is_file())
            for member in found:
                _add_file(member, f"{path.name}/{member.relative_to(path).as_posix()}", sources, passed_over)
        elif path.is_file():  # named by the person: read whatever its name (a .zip as an archive)
            _add_file(path, path.name, sources, passed_over, any_suffix=True)
        else:
            raise ImportRejected(f"{path}: no such file or folder.")
    if not sources:
        raise ImportRejected(_nothing_to_import(passed_over))
    return sources


def sources_from_upload(path: Path, name: str) -> list[Source]:
    """The files of returns in one uploaded file stored at ``path``, uploaded as ``name``."""
    sources: list[Source] = []
    passed_over: list[str] = []
    _add_file(path, PurePosixPath(name).name or "upload", sources, passed_over, any_suffix=True)
    if not sources:
        raise ImportRejected(_nothing_to_import(passed_over))
    return sources


def _nothing_to_import(passed_over: list[str]) -> str:
    message = "There is no file of returns to import (a .csv or .xml file, or a .zip of them)"
    if passed_over:
        shown = ", ".join(passed_over[:5]) + (" …" if len(passed_over) > 5 else "")
        message += f"; passed over: {shown}"
    return message + "."


def _add_file(path: Path, name: str, sources: list[Source], passed_over: list[str], any_suffix: bool = False) -> None:
    if not any_suffix and _hidden(name):
        passed_over.append(name)
        return
    if path.suffix.casefold() == ".zip" and not zipfile.is_zipfile(path):
        raise ImportRejected(f"{name} is not a readable .zip archive (it ends before its table of contents).")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                sources.extend(
                    _archive_sources(lambda: zipfile.ZipFile(path), archive, name, passed_over, nested=False)
                )
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise ImportRejected(f"{name} is not a readable .zip archive ({error}).") from None
    elif path.suffix.casefold() in RETURNS_SUFFIXES or any_suffix:
        sources.append(Source(name, lambda: path.open("rb"), path.stat().st_size))
    else:
        passed_over.append(name)


def _archive_sources(
    reopen: Callable[[], zipfile.ZipFile], archive: zipfile.ZipFile, name: str, passed_over: list[str], *, nested: bool
) -> Iterator[Source]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise ImportRejected(f"{name} holds {len(members):,} files; at most {MAX_MEMBERS:,} can be imported at once.")
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRejected(
            f"{name} would unpack to {unpacked / (1 << 30):.1f} GiB; at most {MAX_UNPACKED_BYTES >> 30} GiB "
            "can be imported at once."
        )
    for info in sorted(members, key=lambda info: info.filename):
        member_name = f"{name}/{info.filename}"
        suffix = PurePosixPath(info.filename).suffix.casefold()
        archived = suffix == ".zip" and not nested
        if _hidden(info.filename) or not (archived or suffix in RETURNS_SUFFIXES):
            passed_over.append(member_name)
            continue
        if info.flag_bits & ENCRYPTED:
            raise ImportRejected(f"{member_name} is encrypted; make the archive again without a password.")
        if info.compress_type not in READABLE_COMPRESSION:
            raise ImportRejected(
                f"{member_name} is compressed in a way that cannot be read here; make the archive again with "
                "the usual method (Deflate), as any zip tool does by default."
            )
        if archived:
            with archive.open(info) as inner_file, zipfile.ZipFile(inner_file) as inner:
                yield from _archive_sources(
                    _inner_opener(reopen, info.filename), inner, member_name, passed_over, nested=True
                )
        else:
            yield Source(member_name, _member_opener(reopen, info.filename), info.file_size)


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts)


def _member_opener(reopen: Callable[[], zipfile.ZipFile], member: str) -> Callable[[], AbstractContextManager]:
    @contextmanager
    def opened() -> Iterator[BinaryIO]:
        with reopen() as archive, archive.open(member) as stream:
            yield stream

    return opened


def _inner_opener(reopen: Callable[[], zipfile.ZipFile], member: str) -> Callable[[], zipfile.ZipFile]:
    """Open an archive inside an archive (it is read through its outer one, never unpacked)."""

    class _Inner(zipfile.ZipFile):
        def __init__(self) -> None:
            self._outer = reopen()
            super().__init__(self._outer.open(member))

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._outer.close()

    return _Inner
