"""Reading a Parquet upload within a fixed memory budget, whatever its bytes claim.

Parquet compresses very well, so the size of the upload says little about what it
holds: 60 KB can decode to half a gigabyte of text (one 2,700-character review
repeated 200,000 times, stored once in a *dictionary* and referenced by a run-length
encoded index), and 1.3 MB of zstd to 500,000 different texts. Reading such a file
the usual way (``pq.read_table(...).to_pandas()``) decodes it whole, then converts it,
then copies it again: 2.7 GB and 3.6 GB at peak for those two files.

:func:`read_parquet` instead spends memory in a fixed order, and checks before each
step that the step fits the budget (``max_bytes``, default :data:`MAX_DECODED_BYTES`):

1. **Sizes first, from the page headers.** The footer gives the number of rows (a
   Python object per cell) and where each column chunk lies; each *page* header in
   the chosen columns gives how many bytes the page takes uncompressed
   (:mod:`lib.data.parquet_pages`). The footer's own totals are not trusted: the reader
   obeys the page headers, so they are what is added up. A file whose chosen columns
   add up to more than the budget is refused before a page is decompressed, and so is
   a page over :data:`MAX_PAGE_BYTES` (decoding one needs a few times its size) and a
   column of lists or structures (one row of those can hold any number of values).
2. **Dictionaries next.** One dictionary entry may be repeated in every row. Each
   row group's dictionary page is read alone, with the text kept dictionary-encoded:
   its longest entry bounds what one row can decode to, and when every data page
   holds nothing but indices into it, the rows' indices are read too, and what they
   will decode to is added up without decoding a row. A file under 1 MB holding 2.7 GB
   of one repeated text is refused here, having decoded one 2,700-byte entry.
3. **Small batches, counted before the next.** The chosen columns are then decoded
   in batches of at most ``batch_bytes`` (default :data:`BATCH_BYTES`) worth of rows,
   sized by that longest entry. Each batch is counted as Python will hold it
   (:func:`python_bytes`: an object per cell, one byte per character for ASCII text,
   and four, the most CPython may need, for a text with any other character), and
   the file is refused the moment the total passes the budget, before the next batch
   is decoded. A batch's texts become Python strings at once and the batch is let go,
   so the texts never exist twice: the DataFrame holds those very strings, and so do
   the lists a dataset is made of (:func:`lib.data.uploads.dataset_from_table`).

So an accepted table costs about what is counted (plus one batch, one page and the
allocator's slack: 664 MB at peak for the 500,000 texts above, 561 MB counted), a
refused one at most the budget, and a dictionary bomb one dictionary page. Text stored
as *bytes* (Parquet ``BINARY``) is read as UTF-8, and a column that is not valid UTF-8
is refused with a sentence naming it and the row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lib.data.dataset import DatasetError
from lib.data.parquet_pages import ChunkPages, page_sizes

#: Most memory a table may take once decoded, counted as Python holds it (text plus an object per cell).
MAX_DECODED_BYTES = 600 * 1024 * 1024
#: Rough memory of one cell held as a Python object (``sys.getsizeof("")`` is 49, plus a list slot).
CELL_OVERHEAD = 56
#: What one decoded batch may take at most (its rows x the longest value of the chosen columns).
BATCH_BYTES = 16 * 1024 * 1024
#: Rows per batch when the values are short (more rows would not be faster).
MAX_BATCH_ROWS = 65_536
#: More row groups than this is not a table of texts (each one is read separately).
MAX_ROW_GROUPS = 10_000
#: The largest page read (writers make pages of about 1 MB; decompressing and decoding one needs a few times it).
MAX_PAGE_BYTES = 32 * 1024 * 1024
#: More pages than this in the chosen columns is not a table of texts (each header is read in Python).
MAX_PAGES = 100_000


def too_big(file_name: str, nbytes: float, limit: float) -> DatasetError:
    """The sentence for a table that would take ``nbytes`` of memory, over ``limit``."""
    return DatasetError(
        f"{file_name} would take more than {nbytes / 1e6:,.0f} MB of memory once unpacked "
        f"(the limit is {limit / 1e6:,.0f} MB); upload fewer rows or only the text and label columns."
    )


def unreadable(file_name: str, exc: BaseException) -> DatasetError:
    return DatasetError(f"{file_name} is not a readable Parquet file ({type(exc).__name__}).")


def _is_text(t: pa.DataType) -> bool:
    """Whether cells of type ``t`` are text or bytes (also when stored as a dictionary of them)."""
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


def _flat(t: pa.DataType) -> bool:
    """A type whose cells are single values (text, numbers, dates, ...), not lists, maps or structures."""
    if pa.types.is_dictionary(t):
        return _flat(t.value_type)
    return not pa.types.is_nested(t)


def python_bytes(column: pa.Array) -> int:
    """What ``column``'s cells will take as Python objects, from Arrow's lengths (nothing is converted).

    A ``str`` of ASCII text takes one byte per character beyond its header; any other
    character makes CPython store every character in 2 or 4 bytes, so such a text is
    counted at 4 bytes a character (an upper bound). Bytes count one each; numbers and
    other single values count as Arrow stores them. Every cell adds :data:`CELL_OVERHEAD`::

        >>> python_bytes(pa.array(["abc", "é", None])) == 3 * CELL_OVERHEAD + 3 + 4
        True
    """
    cells = len(column) * CELL_OVERHEAD
    if not _is_text(column.type):
        return cells + column.nbytes
    nbytes = pc.binary_length(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        chars = pc.utf8_length(column)
        nbytes = pc.if_else(pc.equal(nbytes, chars), nbytes, pc.multiply(chars, 4))
    return cells + int(pc.sum(nbytes).as_py() or 0)


def _as_text(file_name: str, name: str, column: pa.Array, first_row: int = 0) -> pa.Array:
    """A text column as Arrow strings: bytes (``BINARY``) must be UTF-8; a column that is not gets a sentence."""
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        target = pa.large_string() if pa.types.is_large_binary(column.type) else pa.string()
        try:
            return column.cast(target)
        except pa.ArrowInvalid:
            row = next(i for i, v in enumerate(column.to_pylist()) if v is not None and not _utf8(v))
            raise DatasetError(
                f"The column “{name}” of {file_name} holds bytes that are not UTF-8 text (row {first_row + row + 1:,}); "
                "save the texts as UTF-8 strings and upload the file again."
            ) from None
    return column


def _plain_type(t: pa.DataType) -> pa.DataType:
    """The type a column has once read: dictionaries decoded, bytes as text."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.string() if pa.types.is_binary(t) else pa.large_string() if pa.types.is_large_binary(t) else t


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _check_sizes(file_name: str, data: bytes, meta, schema: pa.Schema, wanted: list[str],
                 limit: int) -> dict[tuple[int, str], ChunkPages]:
    """Step 1: refuse, before a page is decompressed, a file whose chosen columns cannot fit ``limit``.

    The rows come from the footer; the bytes from each page's own header
    (:func:`lib.data.parquet_pages.page_sizes`), which the reader obeys, rather than the
    footer's claim. A page over :data:`MAX_PAGE_BYTES` is refused too: reading it would
    need several times its size at once. Returns what the headers say per ``(row group, column)``.
    """
    for name in wanted:
        if not _flat(schema.field(name).type):
            raise DatasetError(f"The column “{name}” of {file_name} holds lists or structures, not single texts or "
                               "labels; choose another column, or flatten it before uploading.")
    if meta.num_row_groups > MAX_ROW_GROUPS:
        raise DatasetError(f"{file_name} is split into {meta.num_row_groups:,} row groups; at most "
                           f"{MAX_ROW_GROUPS:,} are read. Write it again with larger row groups.")
    declared = meta.num_rows * len(wanted) * CELL_OVERHEAD
    pages_left = MAX_PAGES
    found: dict[tuple[int, str], ChunkPages] = {}
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            name = chunk.path_in_schema.split(".")[0]
            if name not in wanted:
                continue
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
            try:
                pages = page_sizes(data, int(start or 0), chunk.total_compressed_size, pages_left)
            except ValueError as exc:
                raise unreadable(file_name, exc) from None
            pages_left -= pages.pages
            found[i, name] = pages
            if pages.largest > MAX_PAGE_BYTES:
                raise DatasetError(
                    f"The column “{name}” of {file_name} keeps {pages.largest / 1e6:,.0f} MB in a single page (at most "
                    f"{MAX_PAGE_BYTES / 1e6:,.0f} MB are read at once); texts saved as categories (a pandas "
                    "Categorical) do this: save them as plain text and upload the file again."
                )
            declared += pages.uncompressed
        if declared > limit:
            raise too_big(file_name, declared, limit)
    return found


def _entry_bytes(values: pa.Array) -> pa.Array:
    """Per dictionary entry, what it takes as a Python ``str`` beyond the object (see :func:`python_bytes`)."""
    nbytes = pc.binary_length(values)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        chars = pc.utf8_length(values)
        nbytes = pc.if_else(pc.equal(nbytes, chars), nbytes, pc.multiply(chars, 4))
    return nbytes


def _scan_dictionaries(file_name: str, coded: pq.ParquetFile, chunks: dict[tuple[int, str], ChunkPages],
                       groups: int, texts: list[str], counted: int, limit: int) -> list[int]:
    """Step 2: per row group, the summed length of the longest dictionary entry of the ``texts`` columns.

    Read with the text kept dictionary-encoded, a row group's first batch holds its whole
    dictionary page, whose longest entry bounds what one row can decode to. When every data
    page of the column chunk holds indices into that dictionary (:class:`ChunkPages`), the
    batches after the first hold nothing but those indices, so what the rows will decode to
    is added up (onto ``counted``) without decoding one of them, and a file whose rows
    reference more than ``limit`` is refused here, at the cost of one dictionary page. A
    chunk with plain pages (the writer gave up on its dictionary) decodes to what it
    stores; only its first row is read here, since Arrow would add each of its values to
    the dictionary.
    """
    longest_per_group = []
    for group in range(groups):
        longest = 0
        for name in texts:
            pages = chunks.get((group, name))
            if pages is None or not pages.dictionary:
                continue
            sizes = None
            rows = MAX_BATCH_ROWS if pages.only_dictionary else 1
            for batch in coded.iter_batches(batch_size=rows, row_groups=[group], columns=[name], use_threads=False):
                column = batch.column(0)
                if not pa.types.is_dictionary(column.type):
                    break
                if sizes is None:
                    sizes = _entry_bytes(column.dictionary)
                    longest += int(pc.max(pc.binary_length(column.dictionary)).as_py() or 0) if len(sizes) else 0
                if not pages.only_dictionary:
                    break
                counted += int(pc.sum(pc.take(sizes, column.indices)).as_py() or 0)
                if counted > limit:
                    raise too_big(file_name, counted, limit)
        longest_per_group.append(longest)
    return longest_per_group


def _decoding_reader(data: bytes, plain: pq.ParquetFile, schema: pa.Schema, wanted: list[str]) -> pq.ParquetFile:
    """A reader that returns the ``wanted`` columns as plain values, never as Arrow dictionaries.

    pyarrow and pandas store the Arrow schema in the file, and a column typed there as a
    dictionary (a pandas ``Categorical``) is read back as one. When its writer fell back to
    plain pages (more than a page of categories), every batch then carries a fresh copy of
    all categories read so far: 300 MB of them took 2 GB and a quadratic time. Hiding the
    stored schema (its key renamed in a copy of the footer) makes pyarrow read the column as
    the plain text it is stored as. Other files are read with their footer as it is.
    """
    if not any(pa.types.is_dictionary(schema.field(c).type) for c in wanted):
        return plain
    length = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - length:-8].replace(b"ARROW:schema", b"ARROW:hidden")
    meta = pq.read_metadata(pa.BufferReader(b"PAR1" + footer + data[-8:]))
    return pq.ParquetFile(pa.BufferReader(data), metadata=meta)


def read_parquet(file_name: str, data: bytes, columns: list[str] | None, *, max_bytes: int | None = None,
                 batch_bytes: int | None = None):
    """The ``columns`` (all if ``None``) of a Parquet upload as a DataFrame, read within ``max_bytes``.

    ``max_bytes`` defaults to :data:`MAX_DECODED_BYTES` and ``batch_bytes`` to :data:`BATCH_BYTES`
    (both read when called, so tests can lower them). Raises :class:`DatasetError` with one
    sentence for a file that is unreadable, too large, or whose text is not UTF-8.
    """
    limit = MAX_DECODED_BYTES if max_bytes is None else max_bytes
    step = BATCH_BYTES if batch_bytes is None else batch_bytes
    try:
        plain = pq.ParquetFile(pa.BufferReader(data))
        schema, meta = plain.schema_arrow, plain.metadata
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise unreadable(file_name, exc) from exc
    names = list(schema.names)
    wanted = names if columns is None else list(columns)
    missing = [c for c in wanted if c not in names]
    if missing:
        raise DatasetError(f"{file_name} has no column called “{missing[0]}”; its columns are: {', '.join(names)}.")
    chunks = _check_sizes(file_name, data, meta, schema, wanted, limit)
    texts = [c for c in wanted if _is_text(schema.field(c).type)]
    try:
        coded = pq.ParquetFile(pa.BufferReader(data), read_dictionary=texts)
        cells = meta.num_rows * len(wanted) * CELL_OVERHEAD
        longest_per_group = _scan_dictionaries(file_name, coded, chunks, meta.num_row_groups, texts, cells, limit)
        decoder = _decoding_reader(data, plain, schema, wanted)
        parts: dict[str, list] = {c: [] for c in wanted}
        total = done = 0
        for group, longest in enumerate(longest_per_group):
            rows = max(1, min(MAX_BATCH_ROWS, step // (longest + 8 * len(wanted) + 1)))
            for batch in decoder.iter_batches(batch_size=rows, row_groups=[group], columns=wanted):
                arrays = [_as_text(file_name, n, c.dictionary_decode() if pa.types.is_dictionary(c.type) else c, done)
                          for n, c in zip(batch.schema.names, batch.columns)]
                done += batch.num_rows
                total += sum(python_bytes(a) for a in arrays)
                if total > limit:
                    raise too_big(file_name, total, limit)
                for name, array in zip(batch.schema.names, arrays):
                    # Texts become Python strings now, batch by batch, and the batch is let go: they are
                    # what every later step uses, so they exist once, never beside a second copy in Arrow.
                    parts[name].append(array.to_numpy(zero_copy_only=False) if _is_text(array.type) else array)
        return pd.DataFrame({name: _column(chunks, _plain_type(schema.field(name).type))
                             for name, chunks in parts.items()})
    except DatasetError:
        raise
    except MemoryError:
        raise out_of_memory(file_name) from None
    except Exception as exc:  # noqa: BLE001 - ArrowMemoryError, ArrowInvalid, OSError, ... all mean "unusable"
        if "memory" in type(exc).__name__.lower():
            raise out_of_memory(file_name) from None
        raise unreadable(file_name, exc) from exc


def _column(chunks: list, kind: pa.DataType) -> pd.Series:
    """One column from its batches: texts as Python strings (object dtype, not copied again), others via Arrow.

    Whole numbers keep every digit: a column with missing values becomes Python integers
    and ``None``, not floats (which would merge ids beyond 2^53).
    """
    if _is_text(kind):
        return pd.Series(np.concatenate(chunks) if chunks else np.array([], dtype=object), dtype=object, copy=False)
    return (pa.chunked_array(chunks) if chunks else pa.chunked_array([], type=kind)).to_pandas(integer_object_nulls=True)


def out_of_memory(file_name: str) -> DatasetError:
    """Within the budget, but the server had no memory left (other sessions, a training job)."""
    return DatasetError(f"{file_name} could not be read: the server ran out of memory for it; "
                        "try again later or upload a smaller file.")


def columns_of(file_name: str, data: bytes) -> tuple[list[str], int]:
    """``(column names, rows)`` of a Parquet file from its footer alone (nothing is decompressed)."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        return [str(n) for n in parquet.schema_arrow.names], parquet.metadata.num_rows
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise unreadable(file_name, exc) from exc
