"""What an uploaded workbook's zip archive and its sheet's XML say, read with bounded memory.

openpyxl expands whatever the archive holds, and its read-only reader trusts the sheet's metadata.
A 1 MB upload can expand to gigabytes (a zip bomb); a sheet can repeat a row number, so that the
reader skips the row, or repeat a cell, so that it keeps one value of two. Both are refused here,
before any transaction is read, so that a file imports whole or not at all.

The archive's central directory declares each part's size and Python's zipfile never yields more
than that, so an honest bomb is refused on the declared sizes and ratios without expanding any of
it. Declared sizes are the file's own word, though, and zipfile reads a part whole (as openpyxl
reads the styles and the workbook part) by expanding all of its stream before cutting it to the
declared size: so each part's stream is then inflated a chunk at a time, and a part that holds
more than it declares is refused after at most one chunk more.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from pipelines.errors import UserError

MIB = 1024 * 1024
MAX_EXPANDED = 256 * MIB  # all parts together; 100,000 template rows expand to about 25 MiB
MAX_RATIO = 100  # spreadsheets compress 3 to 20 times; Apache POI refuses more than 100 too
RATIO_GRACE = MIB  # a small part (styles, a theme) may compress better without harm
CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra field's lengths


def check_archive(path: Path) -> None:
    """Refuse a workbook whose parts would expand past the limits: first on the declared sizes, then
    on what each part's stream holds, never expanding more than a chunk past a declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UserError(f"{path.name} is not a readable Excel .xlsx workbook (not a zip archive)") from None
    _check_declared(path, parts)
    with path.open("rb") as handle:
        for part in parts:
            if not _holds_what_it_declares(handle, part):
                raise UserError(
                    f"{path.name}: part {part.filename} holds more than the {part.file_size} bytes it "
                    "declares: refused as a zip bomb, nothing imported"
                )


def _check_declared(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(
                f"{path.name}: part {part.filename} uses zip compression method {part.compress_type} "
                "(spreadsheet programs write only stored or deflated parts): refused, nothing imported"
            )
        if part.file_size > RATIO_GRACE and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            ratio = part.file_size // max(part.compress_size, 1)
            raise UserError(
                f"{path.name}: part {part.filename} expands {ratio} times its compressed size "
                f"(at most {MAX_RATIO} times): refused as a zip bomb, nothing imported"
            )
    total = sum(part.file_size for part in parts)
    if total > MAX_EXPANDED:
        raise UserError(
            f"{path.name} expands to {total / MIB:,.0f} MiB (at most {MAX_EXPANDED // MIB} MiB): "
            "refused, nothing imported; split it into smaller files"
        )


def _holds_what_it_declares(handle, part: zipfile.ZipInfo) -> bool:
    """Whether the part's stream expands to at most its declared size, inflated a chunk at a time
    (memory bounded by CHUNK); a broken header or stream is for openpyxl to call unreadable."""
    if part.compress_type == zipfile.ZIP_STORED:
        return part.compress_size <= part.file_size
    handle.seek(part.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        return True
    handle.seek(part.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = part.compress_size, 0
    try:
        while left > 0 and not inflate.eof:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            while data and not inflate.eof:
                produced += len(inflate.decompress(data, CHUNK))
                if produced > part.file_size:
                    return False
                data = inflate.unconsumed_tail
    except zlib.error:
        return True  # corrupt data: zipfile fails on it too, and the caller says "not readable"
    return True


@dataclass
class SheetScan:
    """Merged ranges (range, first row, last row) and places the reader would skip (row, reason)."""

    merged: list[tuple[str, int, int]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    row: int = 0
    column: int = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition("}")[2]
        if tag == "row":
            # Numbered as openpyxl numbers them: the `r` attribute, else one past the previous row.
            number = int(float(attrs["r"])) if "r" in attrs else self.row + 1
            if number <= self.row:
                self.skipped.append((number, f"row number {number} comes after row {self.row}"))
            self.row, self.column = number, 0
        elif tag == "c":
            column = coordinate_to_tuple(attrs["r"])[1] if "r" in attrs else self.column + 1
            if column <= self.column:
                self.skipped.append((self.row, f"cell {attrs.get('r', column)} repeats or comes after a later cell"))
            self.column = column
        elif tag == "mergeCell":
            _, first, _, last = range_boundaries(attrs["ref"])
            self.merged.append((attrs["ref"], first, last))


def scan_sheet(path: Path, part: str) -> SheetScan:
    """One streaming pass over the sheet's XML (tags only, nothing kept but what is returned); the
    read-only reader parses neither merged ranges nor checks row order."""
    scan = SheetScan()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = scan.start
    with zipfile.ZipFile(path) as archive, archive.open(part) as source:
        parser.ParseFile(source)
    return scan
