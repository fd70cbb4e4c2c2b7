"""A PDF upload read in a child process with CPU, memory and time limits, never in the web process.

Reading a PDF's structure means decompressing its object streams, and a small file can inflate to
gigabytes (a decompression bomb): so the web process hands the bytes to `python -m
recounts.pdf_inspection`, which limits itself (address space and CPU seconds, `resource.setrlimit`)
before it reads anything, and is killed when the wall-clock time runs out. It answers with a small
verdict: whether it is a document with pages, and what active content it holds (JavaScript, actions
that launch a program, attached files). Page contents are never decoded.

This module imports nothing of Django, so the child starts quickly.
"""

import io
import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

#: What the verdict lists, in the words a refusal uses.
JAVASCRIPT = "JavaScript"
LAUNCH = "an action that starts another program"
ATTACHED_FILES = "attached files"
#: How deep the child looks into one object's nested dictionaries and arrays.
MOST_NESTING = 64


@dataclass(frozen=True)
class Verdict:
    """What the child found: `readable` (a PDF document with pages), the `active` content it holds,
    and `too_complex` when it ran out of time or memory before it finished."""

    readable: bool
    active: tuple[str, ...] = ()
    too_complex: bool = False


def pdf_inspect(content: bytes, *, seconds: float, memory_bytes: int) -> Verdict:
    """Read `content` in a child process limited to `memory_bytes` of address space and `seconds` of
    CPU and wall-clock time."""
    command = [sys.executable, "-m", "recounts.pdf_inspection", str(memory_bytes), str(max(1, round(seconds)))]
    try:
        finished = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            command,
            input=content,
            capture_output=True,
            timeout=seconds,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Verdict(readable=False, too_complex=True)
    if finished.returncode != 0:
        return Verdict(readable=False, too_complex=True)
    answer = json.loads(finished.stdout)
    return Verdict(
        readable=answer["readable"],
        active=tuple(answer["active"]),
        too_complex=answer["too_complex"],
    )


def _object_numbers(reader: PdfReader) -> Iterator[tuple[int, int]]:
    for generation, entries in reader.xref.items():
        for number in entries:
            yield number, generation
    for number in reader.xref_objStm:
        yield number, 0


def _active_content(reader: PdfReader) -> set[str]:
    """Every object of the file, each read as a dictionary (a stream's data is never decoded), with
    the dictionaries and arrays written inside it: JavaScript actions and name trees, launch
    actions, embedded files and file attachment annotations."""
    found: set[str] = set()
    for number, generation in _object_numbers(reader):
        try:
            top = reader.get_object(IndirectObject(number, generation, reader))
        except Exception:  # noqa: S112 - an object that cannot be read holds nothing to run
            continue
        stack = [(top, 0)]
        while stack:
            value, depth = stack.pop()
            if isinstance(value, DictionaryObject):
                if "/JS" in value or "/JavaScript" in value or value.get("/S") == "/JavaScript":
                    found.add(JAVASCRIPT)
                if value.get("/S") == "/Launch":
                    found.add(LAUNCH)
                if (
                    "/EmbeddedFiles" in value
                    or "/EF" in value
                    or value.get("/Type") == "/EmbeddedFile"
                    or value.get("/Subtype") == "/FileAttachment"
                ):
                    found.add(ATTACHED_FILES)
                children = value.values()
            elif isinstance(value, ArrayObject):
                children = value
            else:
                continue
            if depth < MOST_NESTING:
                stack.extend((child, depth + 1) for child in children if not isinstance(child, IndirectObject))
    return found


def _inspect(content: bytes) -> dict:
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = len(reader.pages)
        active = _active_content(reader)
    except MemoryError:
        return {"readable": False, "active": [], "too_complex": True}
    except Exception:  # whatever pypdf raises, the file is not a document the desk can read
        return {"readable": False, "active": [], "too_complex": False}
    order = [JAVASCRIPT, LAUNCH, ATTACHED_FILES]
    return {
        "readable": pages > 0,
        "active": [kind for kind in order if kind in active],
        "too_complex": False,
    }


def main(arguments: list[str]) -> None:
    memory_bytes, cpu_seconds = int(arguments[0]), int(arguments[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    content = sys.stdin.buffer.read()
    sys.setrecursionlimit(2_000)
    sys.stdout.write(json.dumps(_inspect(content)))


if __name__ == "__main__":
    main(sys.argv[1:])
