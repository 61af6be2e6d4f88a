"""Reading import files: the error type, gzip-transparent opening, sanity checks, decoded lines."""
from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

HEAD_BYTES = 64 * 1024  # how much of a file the empty/binary checks and sniffing look at
GZIP_MAGIC = b"\x1f\x8b"


class IngestError(Exception):
    """A file that cannot be imported: which file, which line (when known) and what is wrong."""

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        """'<path>:<line>: <problem>', or '<path>: <problem>' when the line is unknown."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.problem}"


ErrorHandler = Callable[[IngestError], None]
"""Called with each bad record when the caller chose to skip bad records instead of stopping."""


def report(error: IngestError, on_error: ErrorHandler | None) -> None:
    """Raise ``error``, or hand it to ``on_error`` (the caller then skips that record)."""
    if on_error is None:
        raise error
    on_error(error)


def is_gzip(path: Path) -> bool:
    """True when the file is named .gz (its content is then expected to be gzip)."""
    return path.suffix.lower() == ".gz"


@contextmanager
def open_binary(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading bytes, decompressing a .gz file as a stream."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise IngestError(path, None, f"cannot open: {error.strerror or error}") from None
    try:
        if is_gzip(path):
            if raw.read(2) != GZIP_MAGIC:
                raise IngestError(path, None, "named .gz but is not a gzip file")
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream  # type: ignore[misc]
        else:
            yield raw
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IngestError(path, None, f"damaged gzip data: {error}") from None
    finally:
        raw.close()


def read_head(path: Path) -> bytes:
    """The first HEAD_BYTES bytes of the (decompressed) file."""
    with open_binary(path) as stream:
        return stream.read(HEAD_BYTES)


def check_head(path: Path, head: bytes, *, utf8: bool = True) -> str:
    """The head decoded as text; IngestError for an empty or binary file (or, with ``utf8``, non-UTF-8)."""
    if not head.strip():
        raise IngestError(path, None, "empty file")
    if b"\x00" in head:
        raise IngestError(path, None, "binary file (contains NUL bytes), not text")
    if not utf8:
        return ""
    try:
        # The head may end in the middle of a multi-byte character: decode up to it.
        text = head.decode("utf-8") if len(head) < HEAD_BYTES else _decode_prefix(head)
    except UnicodeDecodeError as error:
        line = head.count(b"\n", 0, error.start) + 1
        problem = f"not UTF-8 text (byte 0x{head[error.start]:02x} at offset {error.start}): binary or another encoding"
        raise IngestError(path, line, problem) from None
    return text.removeprefix("\ufeff")


def _decode_prefix(head: bytes) -> str:
    """Decode a head that may be cut inside a character at its end."""
    return codecs.getincrementaldecoder("utf-8")().decode(head, final=False)


def decoded_lines(path: Path, on_error: ErrorHandler | None = None) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for each line of the file, read one line at a time.

    Lines keep their line ending (the CSV reader needs it); a BOM on line 1 is dropped;
    a line that is not UTF-8 is an error (reported and skipped when ``on_error`` is given).
    """
    with open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                problem = f"invalid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
                report(IngestError(path, number, problem), on_error)
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text


def read_text(path: Path) -> str:
    """The whole (small) file as text with '\\n' line endings; for pages, HTML and feeds."""
    with open_binary(path) as stream:
        data = stream.read()
    check_head(path, data[:HEAD_BYTES])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise IngestError(path, line, f"invalid UTF-8 (byte 0x{data[error.start]:02x})") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
