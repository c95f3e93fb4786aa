"""Issue 22, second pass: a Parquet upload is read within a fixed memory budget, whatever its bytes claim.

Measured in a child process (``tests/memory_probe.py``: the kernel's high-water mark of resident memory,
which counts Python's allocations and pyarrow's alike), with the budget lowered to 40 MiB so that every
file here is a few hundred KB at most and each test takes a second or two. The budget under test:

* a file whose page headers already add up to more than the budget is refused unread;
* a file refused for what its texts turn out to take as Python strings costs at most the budget plus one batch;
* a file whose repeated dictionary entries decode to ten times the budget is refused from its dictionary,
  having decoded nothing;
* an accepted file costs about what its texts take as Python strings (what is counted), and turning it
  into a stored dataset less than twice that.

At the real limits (600 MiB, 16 MB batches) the files of the report measured, read_table / the whole upload:
a 60 KB bomb of 540 MB of text 665 / 676 MB (was 531 / 1,984 MB), 1.4 MB of 500,000 different texts 664 / 813 MB
(was 2,798 / 3,575 MB).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.memory_probe import run_limited_each

MiB = 1024 * 1024
BUDGET = 40 * MiB
#: Beyond what is counted: a batch and its pages in Arrow (about 3 x 2 MiB here), the allocator's own slack,
#: and what pandas and pyarrow allocate the first time they run (measured: 15-20 MB).
SLACK_MB = 24
LOWERED = {"lib.data.parquet:MAX_DECODED_BYTES": BUDGET, "lib.data.parquet:BATCH_BYTES": 2 * MiB,
           "lib.data.parquet:MAX_PAGE_BYTES": 4 * MiB, "lib.data.store:WRITE_ROWS": 2_000}


def _labels(n: int) -> pa.Array:
    return pa.array(["pos", "neg"] * (n // 2))


def _repeated(path: Path, rows: int, text: str) -> Path:
    """``rows`` copies of one text, stored once in a dictionary: a few KB on disk."""
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), pa.array([text]))
    pq.write_table(pa.table({"text": column, "label": _labels(rows)}), path, compression="zstd", store_schema=False)
    return path


def _different(path: Path, rows: int, width: int = 1_000) -> Path:
    """``rows`` different texts of ``width`` characters: zstd keeps them small, they decode to rows x width."""
    texts = pa.array([f"{i:07d} " + "x" * (width - 8) for i in range(rows)])
    pq.write_table(pa.table({"text": texts, "label": _labels(rows)}), path, compression="zstd")
    return path


def _read(files: list[Path], tmp_path: Path, function: str = "read_table", module: str = "lib.data.tables"):
    extra = {"_patch": LOWERED}
    if function == "dataset_from_upload":
        extra.update(text_column="text", label_column="label")
    return run_limited_each(module, function, [(p, p.name) for p in files], tmp_path, **extra)


def _mb(n: float) -> float:
    return n / MiB


def test_a_dictionary_bomb_is_refused_from_its_dictionary_having_decoded_nothing(tmp_path):
    bomb = _repeated(tmp_path / "bomb.parquet", 100_000, "x" * 2_700)            # 270 MB of text
    huge = _repeated(tmp_path / "one-huge-text.parquet", 20, "y" * (3 * MiB))     # 63 MB: one 3 MB text, 20 times
    assert bomb.stat().st_size < 100_000 and huge.stat().st_size < 20_000
    for out in _read([bomb, huge], tmp_path):
        assert out["error"] == "DatasetError" and "MB of memory once unpacked (the limit is 42 MB)" in out["message"], out
        # what was read: one dictionary page (a 3 MB text takes a few times that while Arrow decodes it)
        assert out["peak_mb"] - out["before_mb"] < _mb(BUDGET) / 2, out


def _mixed(path: Path, repeats: int, text: str, rows: int) -> Path:
    """``repeats`` copies of ``text`` then ``rows`` different texts: the writer's dictionary overflows and it
    falls back to plain pages, so the chunk is not dictionary-only and its rows are counted as they decode."""
    texts = pa.array([text] * repeats + [f"{i:07d} " + "w" * 992 for i in range(rows)])
    pq.write_table(pa.table({"text": texts, "label": _labels(repeats + rows)}), path, compression="zstd",
                   dictionary_pagesize_limit=64 * 1024)
    return path


def test_texts_beyond_the_budget_are_refused_within_it_while_they_decode(tmp_path):
    # 12 MB of UTF-8, 48 MB as Python strings: one emoji makes CPython keep 4 bytes a character
    emoji = tmp_path / "emoji.parquet"
    texts = pa.array([f"{i:06d} " + "x" * 1_993 + "\U0001F600" for i in range(6_000)])
    pq.write_table(pa.table({"text": texts, "label": _labels(6_000)}), emoji, compression="zstd")
    mixed = _mixed(tmp_path / "mixed.parquet", 20_000, "v" * 3_000, 2_000)  # 60 MB from one repeated text
    assert emoji.stat().st_size < 200_000 and mixed.stat().st_size < 200_000
    for out in _read([emoji, mixed], tmp_path):
        assert out["error"] == "DatasetError" and "once unpacked (the limit is 42 MB)" in out["message"], out
        assert out["peak_mb"] - out["before_mb"] < _mb(BUDGET) + SLACK_MB, out


def test_an_accepted_file_costs_what_is_counted_and_a_dataset_less_than_twice_that(tmp_path):
    rows = 32_000
    under = _different(tmp_path / "under.parquet", rows)
    counted_mb = _mb(rows * 1_000 + 2 * rows * 56 + rows * 3)  # texts, a Python object per cell, the labels
    read = _read([under], tmp_path)[0]
    assert read["ok"] and read["shape"] == [rows, 2], read
    assert read["peak_mb"] - read["before_mb"] < 1.3 * counted_mb + SLACK_MB, read
    stored = _read([under], tmp_path, "dataset_from_upload", "lib.data.uploads")[0]
    assert stored["ok"] and sum(stored["shape"]) == rows, stored
    assert stored["peak_mb"] - stored["before_mb"] < 2 * counted_mb + SLACK_MB, stored


def test_a_page_too_large_to_read_at_once_is_refused_from_its_header(tmp_path):
    # pandas writes a Categorical's categories as one dictionary page, here of 6 MB (over the lowered 4 MiB)
    texts = pd.Categorical([f"{i:06d} " + "z" * 500 for i in range(12_000)])
    path = tmp_path / "categories.parquet"
    pd.DataFrame({"text": texts, "label": ["pos", "neg"] * 6_000}).to_parquet(path, compression="zstd")
    out = _read([path], tmp_path)[0]
    assert out["error"] == "DatasetError" and "in a single page" in out["message"] and "Categorical" in out["message"], out
    assert out["peak_mb"] - out["before_mb"] < 4, out  # only page headers were read


def test_texts_are_counted_as_python_will_hold_them(monkeypatch):
    from lib.data import parquet, tables
    from lib.data.dataset import DatasetError

    monkeypatch.setattr(parquet, "MAX_DECODED_BYTES", 8 * MiB)
    rows = 3_000
    for suffix, refused in (("", False), ("\U0001F600", True)):  # one emoji makes CPython keep 4 bytes a character
        table = pa.table({"text": [f"{i:05d} " + "x" * 994 + suffix for i in range(rows)], "label": _labels(rows)})
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer, compression="zstd")
        data = buffer.getvalue().to_pybytes()
        if refused:  # 3 MB of UTF-8, 12 MB as Python strings
            with pytest.raises(DatasetError, match="once unpacked"):
                tables.read_table(f"emoji{suffix}.parquet", data)
        else:
            assert len(tables.read_table("plain.parquet", data)) == rows
    assert parquet.python_bytes(pa.array(["ab", "é", None])) == 3 * parquet.CELL_OVERHEAD + 2 + 4
