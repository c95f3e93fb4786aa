"""A vector file a user uploads, read within fixed bounds: parsed as numbers, never unpickled.

:func:`load_vector_file` accepts word2vec text or binary, GloVe text (no header
line) and fastText ``.vec``, any of them gzipped, and returns ``KeyedVectors``
with a ``notes`` attribute (sentences worth showing under the upload)::

    >>> kv = load_vector_file("tiny.txt", b"good 0.1 0.2\\nbad 0.3 0.4\\n")
    >>> kv.index_to_key, kv.vector_size, kv.notes
    (['good', 'bad'], 2, [])

Why uploads are parsed, never unpickled
---------------------------------------
gensim's own ``KeyedVectors.load`` / ``Word2Vec.load`` (``.model``, ``.kv``) and
``.pkl`` / ``.npy`` object files use Python's pickle, and unpickling a file can run
any code its author wrote into it. So an upload is only ever *parsed* as numbers
with ``KeyedVectors.load_word2vec_format``; files that look like pickles, NumPy
files or zip archives are refused with an explanation (:func:`refuse_unsafe`).

Why the bounds
--------------
Before anything is allocated the header (``"<words> <dimensions>"``) is checked
against :data:`MAX_DIMENSIONS` and against what the file's size can possibly hold,
so a forged header such as ``"999999999 300"`` cannot exhaust memory
(:func:`inspect_vector_head`); a gzipped file is unpacked in pieces and stopped at
:data:`MAX_FILE_BYTES`; every line and every binary word is held to the length its
dimension allows; and at most ``max_words`` (default :data:`MAX_WORDS`) words are read.
"""
from __future__ import annotations

import gzip
import io
import os
import tempfile
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lib.io import ready_store, storage_error, temp_prefix, upload_name
from lib.paths import cache_dir
from lib.vectors import VectorError
from lib.vectors.matrix import keyed_vectors_from_arrays

#: The stated cap on vocabulary read from a user's file (GloVe 6B has exactly this many words).
MAX_WORDS = 400_000
#: Vectors longer than this are refused (published sets use 25-1,000).
MAX_DIMENSIONS = 1_000
#: Cap on numbers held for one uploaded set: words x dimensions (120M float32 = 480 MB).
MAX_VALUES = 120_000_000
#: Largest vector file accepted, after gunzipping.
MAX_FILE_BYTES = 1_000 * 1024 * 1024

#: File-name endings that mean "pickle inside": refused for uploads.
PICKLE_SUFFIXES = (".model", ".kv", ".pkl", ".pickle", ".joblib", ".npy", ".npz", ".pt", ".pth", ".h5", ".keras")

#: Longest word accepted in a vector file, in bytes (real vocabularies stay far below this).
MAX_WORD_BYTES = 1_000
#: Generous room for one written number ("-1.2345678e-05 " is 15 bytes); a text line may hold
#: ``MAX_WORD_BYTES + BYTES_PER_VALUE x dimensions`` bytes plus a little whitespace, no more.
BYTES_PER_VALUE = 32
#: Files are copied, unpacked and checked in pieces of this size, so checking needs ~this much memory.
CHUNK_BYTES = 1 << 20


def max_line_bytes(dimensions: int) -> int:
    """The longest text line a vector of ``dimensions`` numbers can honestly need.

    >>> max_line_bytes(50)
    2616
    """
    return MAX_WORD_BYTES + BYTES_PER_VALUE * dimensions + 16


@dataclass
class VectorFileInfo:
    """What :func:`inspect_vector_bytes` found out about a file before parsing it."""

    binary: bool
    has_header: bool
    words_declared: int | None    # from the header, if any
    dimensions: int
    words_to_read: int            # after the caps
    notes: list[str] = field(default_factory=list)
    header_bytes: int = 0         # length of the header line with its newline (0 without a header)


_PICKLE_EXPLANATION = (
    "it is a Python pickle/object file, and opening one can run any code its author put in it. "
    "Export the vectors as text instead, e.g. `kv.save_word2vec_format('vectors.txt')`, and upload that."
)


def refuse_unsafe(file_name: str, data: bytes) -> None:
    """Raise :class:`VectorError` if the file is (or claims to be) a pickle, NumPy or zip file.

    Checks the name (:data:`PICKLE_SUFFIXES`) and the first bytes: pickle protocol
    2-5 (``\\x80`` + version), NumPy (``\\x93NUMPY``), zip (``PK\\x03\\x04``, used by
    ``.npz`` and PyTorch). Note that we never unpickle anything either way; this
    is about telling the user why such a file cannot be used.
    """
    lower = file_name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(PICKLE_SUFFIXES):
        raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
    head = data[:8]
    if (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head.startswith(b"\x93NUMPY"):
        raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
    if head.startswith(b"PK\x03\x04"):
        raise VectorError(
            f"{file_name} is a zip archive (perhaps a .npz, PyTorch or gensim file), which is not read here "
            "because such files can carry pickled code; unzip it and upload the plain-text vector file."
        )


def _pieces(file_name: str, data: bytes, limit: int) -> Iterator[bytes]:
    """``data`` in pieces of at most :data:`CHUNK_BYTES`, gunzipped on the fly if it is gzipped.

    Unpacking stops with :class:`VectorError` as soon as more than ``limit`` bytes
    came out, so a small archive that would unpack to gigabytes (a "zip bomb") costs
    one piece of memory, not its unpacked size.
    """
    if data[:2] != b"\x1f\x8b":
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start: start + CHUNK_BYTES]
        return
    total = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            while piece := f.read(CHUNK_BYTES):  # GzipFile.read(n) never unpacks more than n bytes at once
                total += len(piece)
                if total > limit:
                    raise VectorError(
                        f"{file_name} unpacks to more than {limit / 1e6:,.0f} MB; upload a smaller vector file."
                    )
                yield piece
    except (OSError, EOFError, zlib.error) as exc:
        raise VectorError(f"{file_name} looks gzipped but could not be unpacked ({exc}).") from exc


def _is_number(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def inspect_vector_head(file_name: str, head: bytes, total_size: int, max_words: int = MAX_WORDS) -> VectorFileInfo:
    """Work out the format of a (gunzipped) vector file from its first bytes, and check it is plausible.

    ``head`` is the start of the file (at least its first line and a few KB after
    it, when the file has them) and ``total_size`` its full unpacked length.

    * ``"<words> <dimensions>"`` on the first line: word2vec/fastText format. It is
      *binary* if the bytes after the header contain control characters (raw
      float32s), else text. The declared size is checked against
      :data:`MAX_DIMENSIONS` and against the file's length (each binary row needs
      ``4 x dimensions + 2`` bytes, each text row at least ``2 x dimensions + 2``),
      so a forged header is refused before any memory is allocated.
    * a word followed by numbers: GloVe text without a header; the number of
      values on the first line is the dimension every other line is held to.

    Raises :class:`VectorError` for anything else.
    """
    if not head.strip():
        raise VectorError(f"{file_name} is empty.")
    longest_first = max_line_bytes(MAX_DIMENSIONS)
    end = head.find(b"\n", 0, longest_first + 1)
    if end < 0 and len(head) > longest_first:
        raise VectorError(
            f"{file_name} does not start like a vector file: its first line is longer than "
            f"{longest_first:,} bytes (a header line or “word 0.1 0.2 ...” is expected)."
        )
    first = head[: end if end >= 0 else len(head)]
    tokens = first.split()
    if not tokens:
        raise VectorError(f"{file_name} does not start like a vector file (a header line or “word 0.1 0.2 ...”).")
    notes: list[str] = []
    if len(tokens) == 2 and all(t.isdigit() for t in tokens):
        declared, dims = int(tokens[0]), int(tokens[1])
        if declared == 0 or dims == 0:
            raise VectorError(f"{file_name} says it holds {declared} words of {dims} numbers: nothing to load.")
        body = head[end + 1: end + 1 + 4096]
        binary = any(b < 9 or 13 < b < 32 or b == 127 for b in body)
        per_row = (4 * dims + 2) if binary else (2 * dims + 2)
        if dims > MAX_DIMENSIONS:
            raise VectorError(
                f"{file_name} says each word has {dims:,} numbers; at most {MAX_DIMENSIONS:,} are accepted."
            )
        possible = (total_size - end - 1) // per_row
        if declared > possible + 1:
            raise VectorError(
                f"{file_name} says it holds {declared:,} words of {dims} numbers, but at {total_size:,} bytes it can "
                f"hold at most about {possible:,}; the header is wrong or the file is cut short."
            )
        has_header, header_bytes = True, end + 1
    else:
        if len(tokens) < 2 or not all(_is_number(t) for t in tokens[1:]):
            if any(m in head[:300] for m in (b"copy_reg", b"__main__", b"gensim.models", b"numpy.core")):
                raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
            raise VectorError(
                f"{file_name} does not look like a vector file: its first line should be “<words> <dimensions>” "
                "(word2vec) or a word followed by numbers (GloVe)."
            )
        binary, has_header, declared, dims, header_bytes = False, False, None, len(tokens) - 1, 0
        if dims > MAX_DIMENSIONS:
            raise VectorError(f"{file_name} has {dims:,} numbers per word; at most {MAX_DIMENSIONS:,} are accepted.")
    cap = min(max_words, MAX_VALUES // dims)
    words_to_read = cap if declared is None else min(declared, cap)
    if declared is not None and declared > cap:
        notes.append(f"The file has {declared:,} words; only the first {cap:,} were loaded (the limit).")
    return VectorFileInfo(binary, has_header, declared, dims, words_to_read, notes, header_bytes)


def inspect_vector_bytes(file_name: str, data: bytes, max_words: int = MAX_WORDS) -> VectorFileInfo:
    """:func:`inspect_vector_head` of a whole (gunzipped) file held in memory."""
    return inspect_vector_head(file_name, data[: 2 * CHUNK_BYTES], len(data), max_words)


def _check_text_lines(file_name: str, path: Path, info: VectorFileInfo) -> int:
    """Refuse a text file with a line too long for its dimension; return its number of lines.

    Reads ``path`` in :data:`CHUNK_BYTES` pieces and measures lines with NumPy, so
    a single line of a gigabyte is found (and refused) with a megabyte of memory,
    before gensim's ``readline`` would hold all of it and split it into millions
    of Python strings.
    """
    limit = max_line_bytes(info.dimensions)
    lines = 0      # complete lines seen so far
    current = 0    # bytes of the line being read
    with open(path, "rb") as f:
        while piece := f.read(CHUNK_BYTES):
            breaks = np.flatnonzero(np.frombuffer(piece, dtype=np.uint8) == 0x0A)
            if breaks.size:
                lengths = np.diff(breaks, prepend=-1) - 1
                lengths[0] += current
                worst = int(np.argmax(lengths))
                if lengths[worst] > limit:
                    current, lines = int(lengths[worst]), lines + worst
                    break
                lines += breaks.size
                current = len(piece) - int(breaks[-1]) - 1
            else:
                current += len(piece)
            if current > limit:
                break
    if current > limit:
        kind = "word2vec text" if info.has_header else "GloVe text"
        raise VectorError(
            f"{file_name} was read as {kind} with {info.dimensions:,} numbers per word, but line {lines + 1:,} is "
            f"longer than the {limit:,} bytes such a line can need; the file is damaged or not a vector file."
        )
    return lines + (1 if current else 0)


def _check_binary_rows(file_name: str, path: Path, info: VectorFileInfo) -> None:
    """Walk the rows of a binary word2vec file as gensim will, refusing a word longer than :data:`MAX_WORD_BYTES`.

    A binary row is ``word``, a space, then ``4 x dimensions`` bytes of float32.
    gensim looks for the space and keeps reading while it finds none, so a file
    with no space for a gigabyte would be held whole; here at most a megabyte is.
    A file that simply ends early is left to gensim, which reports it.
    """
    row_bytes = 4 * info.dimensions
    window = MAX_WORD_BYTES + 2          # the word, perhaps a leading newline, and the space
    need = window + row_bytes
    with open(path, "rb") as f:
        f.seek(info.header_bytes)
        buf, pos = f.read(max(CHUNK_BYTES, need)), 0
        eof = False
        for row in range(info.words_to_read):
            if len(buf) - pos < need and not eof:
                more = f.read(max(CHUNK_BYTES, need))
                eof = len(more) == 0
                buf, pos = buf[pos:] + more, 0
            space = buf.find(b" ", pos, pos + window)
            if space < 0:
                if len(buf) - pos < window:
                    return  # the file ends here: gensim raises "unexpected end of input"
                raise VectorError(
                    f"{file_name} was read as binary word2vec, but word {row + 1:,} is longer than "
                    f"{MAX_WORD_BYTES:,} bytes; the file is damaged or not a vector file."
                )
            pos = space + 1 + row_bytes
            if pos >= len(buf) and eof:
                return


def _scratch_dir() -> Path:
    """Where parsing keeps its temporary copy of an upload (stale leftovers cleared on first use)."""
    return ready_store(cache_dir(), VectorError)


def _distinct_words(file_name: str, kv) -> tuple[list[str], np.ndarray, list[str]]:
    """``(words, matrix, notes)`` of what gensim read, with every word once (its first row kept).

    gensim decodes words with ``errors="replace"``, so two different byte strings
    can become the same word (``b"caf\\xe9"`` and ``b"caf\\xff"`` are both
    ``"caf\\ufffd"``); it then keeps the first row but leaves an empty ``None``
    slot at the end of ``index_to_key``. Words are also put in Unicode NFC form
    (what browsers send when someone types a word), which can make two more
    spellings one word. Empty words cannot be asked for and are dropped.
    """
    read = len(kv.index_to_key)                   # rows gensim read (its slots)
    filled = int(kv.next_index)                   # rows it kept
    seen: dict[str, int] = {}
    keep: list[int] = []
    empty = 0
    for i, word in enumerate(kv.index_to_key[:filled]):
        word = unicodedata.normalize("NFC", word)
        if not word:
            empty += 1
        elif word not in seen:
            seen[word] = i
            keep.append(i)
    repeated = read - len(keep) - empty
    if len(keep) == filled:
        matrix = kv.vectors[:filled]              # a view: no copy when nothing was dropped
    else:
        matrix = kv.vectors[np.asarray(keep, dtype=np.int64)]
    notes = []
    if repeated:
        notes.append(
            (f"{repeated:,} rows repeat a word" if repeated > 1 else "1 row repeats a word")
            + " listed earlier (perhaps once undecodable bytes were shown as “\ufffd”); "
            "only the first row of each word was kept."
        )
    if empty:
        notes.append(f"{empty:,} rows have an empty word and were left out." if empty > 1
                     else "1 row has an empty word and was left out.")
    return list(seen), matrix, notes


def load_vector_file(file_name: str, data: bytes, max_words: int = MAX_WORDS):
    """Parse an uploaded vector file into ``KeyedVectors``, never unpickling anything.

    Accepts word2vec text or binary (header ``"<words> <dimensions>"``), fastText
    ``.vec`` (the same text format), and GloVe text (no header), any of them
    gzipped. Every problem is a :class:`VectorError` with one sentence.

    The file is bounded *before* gensim reads a byte of it:

    1. pickles, NumPy and zip files are refused (:func:`refuse_unsafe`);
    2. the file is copied (gunzipped on the fly, at most :data:`MAX_FILE_BYTES`
       unpacked) to a temporary file in pieces of :data:`CHUNK_BYTES`;
    3. the header is checked (:func:`inspect_vector_head`), then every text line
       is held to :func:`max_line_bytes` of the dimension (from the header, or
       from the first line of a GloVe file), and every binary word to
       :data:`MAX_WORD_BYTES`.

    So the memory needed is the final ``words x dimensions`` float32 matrix plus a
    few megabytes, whatever the file holds. At most ``max_words`` words are read,
    in file order (published files list frequent words first). Values that are
    not finite numbers are refused. A word listed twice keeps its first row.

    The returned object carries a plain attribute ``kv.notes``: sentences worth
    showing under the upload (for example "only the first 400,000 words were loaded").
    """
    from gensim.models import KeyedVectors

    upload_name(file_name, VectorError)
    if len(data) > MAX_FILE_BYTES:
        raise VectorError(f"{file_name} is larger than {MAX_FILE_BYTES / 1e6:,.0f} MB; upload a smaller vector file.")
    refuse_unsafe(file_name, data)
    inner_name = file_name[:-3] if file_name.lower().endswith(".gz") else file_name
    tmp: Path | None = None
    info: VectorFileInfo | None = None
    try:
        try:
            fd, tmp_name = tempfile.mkstemp(dir=_scratch_dir(), prefix=temp_prefix("upload"))
            tmp = Path(tmp_name)
            head, size = b"", 0
            with os.fdopen(fd, "wb") as out:
                for piece in _pieces(file_name, data, MAX_FILE_BYTES):
                    if not size:
                        refuse_unsafe(inner_name, piece)
                    if len(head) < 2 * CHUNK_BYTES:
                        head += piece[: 2 * CHUNK_BYTES - len(head)]
                    out.write(piece)
                    size += len(piece)
        except OSError as exc:
            raise storage_error(exc, f"Reading {file_name}", VectorError) from exc
        info = inspect_vector_head(file_name, head, size, max_words)
        del head
        if info.binary:
            _check_binary_rows(file_name, tmp, info)
        else:
            n_lines = _check_text_lines(file_name, tmp, info)
            if not info.has_header and n_lines > info.words_to_read:
                info.notes.append(
                    f"The file has {n_lines:,} lines; only the first {info.words_to_read:,} were loaded (the limit)."
                )
        kv = KeyedVectors.load_word2vec_format(
            str(tmp), binary=info.binary, no_header=not info.has_header, limit=info.words_to_read,
            unicode_errors="replace",
        )
    except VectorError:
        raise
    except MemoryError:
        raise VectorError(f"{file_name} is too large to load on this computer.") from None
    except OSError as exc:  # the temporary copy could not be written or read back
        raise storage_error(exc, f"Reading {file_name}", VectorError) from exc
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, TypeError, OverflowError) as exc:
        kind = ("a vector file" if info is None else "binary word2vec" if info.binary
                else "word2vec text" if info.has_header else "GloVe text")
        reason = "a row has the wrong number of values or a value that is not a number"
        if isinstance(exc, EOFError):
            reason = "it ends before the number of words its header promises"
        raise VectorError(f"{file_name} was read as {kind} but is malformed: {reason}.") from exc
    finally:
        # Always, even on a crash inside gensim: the copy can be as large as the unpacked file.
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    words, matrix, dup_notes = _distinct_words(file_name, kv)
    del kv
    if not words:
        raise VectorError(f"{file_name} holds no word vectors.")
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        word = words[int(np.flatnonzero(bad)[0])]
        raise VectorError(f"{file_name} has values that are not finite numbers (NaN or infinity), e.g. for “{word}”.")
    out = keyed_vectors_from_arrays(words, matrix, read_only=True)
    out.notes = info.notes + dup_notes  # plain attribute: sentences the page shows under the upload
    return out

