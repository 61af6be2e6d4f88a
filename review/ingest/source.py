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
MAX_FILE_BYTES = 512 * 1024 * 1024  # a streamed file's decompressed size (SaudiNewsNet's 31k articles: 27 MB gzip)
MAX_WHOLE_FILE_BYTES = 64 * 1024 * 1024  # pages, HTML and feeds are parsed whole: they must fit in memory
MAX_LINE_BYTES = 8 * 1024 * 1024  # one JSONL/CSV line: a record far above any real article
MAX_GZIP_RATIO = 100  # news text compresses ~3-10×; a file inflating 100× or more is a decompression bomb
_RATIO_AFTER = 16 * 1024 * 1024  # judged once this much was decompressed (small files may compress well)


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


class _Capped:
    """A binary stream that raises IngestError once more than ``limit`` bytes were read (gzip bombs)."""

    def __init__(self, stream: BinaryIO, path: Path, limit: int, compressed: BinaryIO | None = None) -> None:
        self.stream, self.path, self.limit, self.count = stream, path, limit, 0
        self.compressed = compressed  # the gzip file underneath, to watch the inflation ratio

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.compressed is not None and self.count > _RATIO_AFTER:
            ratio = self.count / max(self.compressed.tell(), 1)
            if ratio >= MAX_GZIP_RATIO:
                raise IngestError(self.path, None, f"inflates more than {MAX_GZIP_RATIO}× when decompressed "
                                                   "(a decompression bomb, not news text)")
        if self.count > self.limit:
            raise IngestError(self.path, None, f"more than {self.limit // (1024 * 1024):,} MB of text (after "
                                               "decompression): split it into smaller files")
        return data

    def read(self, size: int = -1) -> bytes:
        """Read at most ``size`` bytes (never more than the cap allows plus one)."""
        room = self.limit - self.count + 1
        return self._counted(self.stream.read(room if size < 0 else min(size, room)))

    def readline(self, size: int = -1) -> bytes:
        """Read one line of at most ``size`` bytes."""
        room = self.limit - self.count + 1
        return self._counted(self.stream.readline(room if size < 0 else min(size, room)))


@contextmanager
def open_binary(path: Path, limit: int | None = None) -> Iterator[BinaryIO]:
    """Open ``path`` for reading bytes, decompressing a .gz file as a stream, at most ``limit`` bytes."""
    limit = MAX_FILE_BYTES if limit is None else limit
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
                yield _Capped(stream, path, limit, raw)  # type: ignore[misc]
        else:
            yield _Capped(raw, path, limit)  # type: ignore[misc]
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
        number = 0
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                _skip_rest_of_line(stream)
                problem = f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: not a news record"
                report(IngestError(path, number, problem), on_error)
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                problem = f"invalid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
                report(IngestError(path, number, problem), on_error)
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text


def _skip_rest_of_line(stream: BinaryIO) -> None:
    """Read on to the end of the current line without keeping it."""
    while (chunk := stream.readline(1024 * 1024)) and not chunk.endswith(b"\n"):
        pass


def read_text(path: Path) -> str:
    """The whole (small) file as text with '\\n' line endings; for pages, HTML and feeds."""
    with open_binary(path, min(MAX_WHOLE_FILE_BYTES, MAX_FILE_BYTES)) as stream:
        data = stream.read()
    check_head(path, data[:HEAD_BYTES])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise IngestError(path, line, f"invalid UTF-8 (byte 0x{data[error.start]:02x})") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
