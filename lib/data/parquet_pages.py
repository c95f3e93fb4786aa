"""How large the pages of a Parquet column chunk really are, read from their own headers.

A Parquet file's footer *claims* how many bytes each column chunk takes uncompressed,
and nothing checks that claim. What the reader does obey is each page's own header:
it decompresses a page into a buffer of the size that header gives, and fails if the
data does not fit. So the page headers, not the footer, say what reading a column
chunk will allocate, and this module reads them without decompressing anything.

A page header is a small Thrift structure in the *compact protocol*: every field is a
byte holding the field-id delta and the type, then the value (integers as zigzag
variable-length numbers, strings as a length and bytes, structures until a 0 byte).
Only three integer fields are needed (page type, uncompressed size, compressed size);
every other field is skipped by its type. Everything is checked against the bytes
that are there, so a hostile header ends in ``ValueError``, never in a long loop::

    >>> header = bytes([0x15, 0x04, 0x15, 0xC8, 0x01, 0x15, 0x14, 0x00])  # DICTIONARY_PAGE, 100 -> 10 bytes
    >>> page_sizes(header + b"x" * 10, 0, 18)
    ChunkPages(pages=1, uncompressed=100, largest=100, dictionary=100, only_dictionary=True)
"""
from __future__ import annotations

from typing import NamedTuple

#: Thrift compact type ids.
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)
#: Parquet's page types, and the encodings of a data page that holds dictionary indices.
DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = 0, 2, 3
DICTIONARY_ENCODINGS = (2, 8)  # PLAIN_DICTIONARY, RLE_DICTIONARY
#: Structures nested deeper than this are not a page header.
_MAX_DEPTH = 16


class ChunkPages(NamedTuple):
    """What the page headers of one column chunk say: how many pages, their uncompressed bytes in all,
    the largest page, the dictionary page (0 without one), and whether every data page holds indices
    into that dictionary (then the rows decode to nothing but its entries)."""

    pages: int
    uncompressed: int
    largest: int
    dictionary: int
    only_dictionary: bool


class _Reader:
    """The compact protocol over ``data[pos:end]``: every read checks that its bytes are there."""

    def __init__(self, data: bytes, pos: int, end: int):
        self.data, self.pos, self.end = data, pos, end

    def take(self, n: int) -> None:
        if n < 0 or self.pos + n > self.end:
            raise ValueError("a page header runs past its column chunk")
        self.pos += n

    def byte(self) -> int:
        self.take(1)
        return self.data[self.pos - 1]

    def varint(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("a number in a page header is too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def skip(self, kind: int, depth: int) -> None:
        if kind in (_TRUE, _FALSE):
            return  # a field's truth is in its type
        if kind == _BYTE:
            self.take(1)
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.take(8)
        elif kind == _BINARY:
            self.take(self.varint())
        elif kind in (_LIST, _SET):
            head = self.byte()
            size, item = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            self._items(size, [item], depth)
        elif kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                self._items(size, [types >> 4, types & 0x0F], depth)
        elif kind == _STRUCT:
            self.struct(depth + 1)
        else:
            raise ValueError(f"unknown Thrift type {kind}")

    def _items(self, size: int, kinds: list[int], depth: int) -> None:
        if size > self.end - self.pos:  # every item takes at least a byte: a forged count ends here
            raise ValueError("a list in a page header is longer than its bytes")
        for _ in range(size):
            for kind in kinds:
                if kind in (_TRUE, _FALSE):
                    self.take(1)  # inside a list or map, a bool is a byte
                else:
                    self.skip(kind, depth)

    def struct(self, depth: int = 0) -> dict[int, int | dict]:
        """Read one structure; return its 32-bit integer fields and its structures by id (the rest is skipped)."""
        if depth > _MAX_DEPTH:
            raise ValueError("a page header is nested too deeply")
        fields: dict[int, int | dict] = {}
        last = 0
        while True:
            head = self.byte()
            if head == _STOP:
                return fields
            kind, delta = head & 0x0F, head >> 4
            last = last + delta if delta else self.zigzag()
            if kind == _I32:
                fields[last] = self.zigzag()
            elif kind == _STRUCT:
                fields[last] = self.struct(depth + 1)
            else:
                self.skip(kind, depth)


def page_sizes(data: bytes, start: int, length: int, max_pages: int = 1_000_000) -> ChunkPages:
    """Walk the pages of the column chunk at ``data[start:start + length]`` and add up their headers' sizes.

    Raises ``ValueError`` for a chunk whose headers do not add up, or with more than ``max_pages`` pages.
    """
    end = start + length
    if start < 0 or length < 0 or end > len(data):
        raise ValueError("a column chunk lies outside the file")
    reader = _Reader(data, start, end)
    pages = total = largest = dictionary = 0
    only_dictionary = True
    while reader.pos < end:
        fields = reader.struct()
        kind, uncompressed, compressed = fields.get(1), fields.get(2), fields.get(3)
        if not all(isinstance(n, int) and n >= 0 for n in (kind, uncompressed, compressed)):
            raise ValueError("a page header lacks its sizes")
        if kind in (DATA_PAGE, DATA_PAGE_V2):
            details = fields.get(5 if kind == DATA_PAGE else 8)
            encoding = details.get(2 if kind == DATA_PAGE else 4) if isinstance(details, dict) else None
            only_dictionary = only_dictionary and encoding in DICTIONARY_ENCODINGS
        reader.take(compressed)
        pages += 1
        if pages > max_pages:
            raise ValueError("too many pages")
        total += uncompressed
        largest = max(largest, uncompressed)
        if kind == DICTIONARY_PAGE:
            dictionary += uncompressed
    return ChunkPages(pages, total, largest, dictionary, only_dictionary and dictionary > 0)
