"""What an import says when it cannot go on (``ImportRejected``) or warns (``Problem``): where, and why."""

from dataclasses import dataclass

from elections.services import ElectionsError


class ImportRejected(ElectionsError):
    """The returns cannot be imported; the message names the file, line, column and problem.

    ``report`` is the import's report when files were read (every refusal in it), else None.
    """

    def __init__(
        self, message: str, *, line: int | str | None = None, column: str | None = None, problem: str = ""
    ) -> None:
        super().__init__(message)
        self.line, self.column, self.problem = line, column, problem or message
        self.report = None  # an ImportReport


@dataclass(frozen=True)
class Problem:
    """A warning or a refusal, where it is: file (None: the whole import), line and column."""

    file: str | None
    line: int | str | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file or ""]
        if self.line is not None:
            where.append(f"lines {self.line}" if "–" in str(self.line) else f"line {self.line}")
        if self.column is not None:
            where.append(f'column "{self.column}"')
        where = ", ".join(part for part in where if part)
        return f"{where}: {self.message}" if where else self.message

    def as_json(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}
