"""lib.data: the fixed IMDB split, stratified subsets, and every way an upload can be wrong."""
import io

import numpy as np
import pandas as pd
import pytest

from lib.data import imdb as imdb_data
from lib.data import store, tables
from lib.data.dataset import DatasetError, clean_text, grouped_stratified_split, subsample
from lib.data.store import load_saved_dataset
from lib.data.tables import read_table
from lib.data.uploads import dataset_from_table, dataset_from_upload


@pytest.fixture(scope="module")
def imdb():
    return imdb_data.load_imdb()


# --- IMDB -------------------------------------------------------------------------------------


def test_imdb_is_a_fixed_stratified_25k_25k_split(imdb):
    assert imdb.key == "imdb"
    assert imdb.class_names == ["negative", "positive"]
    assert len(imdb.train_texts) == len(imdb.train_labels) == 25_000
    assert len(imdb.test_texts) == len(imdb.test_labels) == 25_000
    assert imdb.class_counts("train") == {"negative": 12_500, "positive": 12_500}
    assert imdb.class_counts("test") == {"negative": 12_500, "positive": 12_500}
    assert imdb.train_labels.dtype == np.int64


def test_imdb_split_is_the_same_every_time(imdb):
    again = imdb_data.load_imdb()
    assert again.train_texts[:50] == imdb.train_texts[:50]
    assert again.test_texts[-50:] == imdb.test_texts[-50:]
    assert np.array_equal(again.train_labels, imdb.train_labels)


def test_no_review_is_in_both_train_and_test(imdb):
    # The CSV holds a few hundred exact duplicates; none may straddle the split.
    assert not set(imdb.train_texts) & set(imdb.test_texts)
    assert "exact copies" in imdb.notes


def test_imdb_html_breaks_are_cleaned_and_labels_match_text(imdb):
    assert not any("<br" in t.lower() for t in imdb.train_texts[:2000])
    # A famously positive phrase should be labelled positive more often than not.
    pos = [lab for t, lab in zip(imdb.train_texts, imdb.train_labels) if "a must see" in t.lower()]
    assert len(pos) > 20 and np.mean(pos) > 0.7


def test_clean_text():
    assert clean_text("Great.<br /><br />Really  great<BR>fun<br/>") == "Great. Really great fun"


def test_unknown_imdb_source_is_a_clear_error():
    with pytest.raises(DatasetError, match="offline"):
        imdb_data.load_imdb("somewhere")


def test_stanford_source_offline_says_so(monkeypatch):
    monkeypatch.setattr(imdb_data, "can_reach", lambda *a, **k: False)
    with pytest.raises(DatasetError, match="needs the internet"):
        imdb_data.load_imdb("stanford")


# --- splitting and subsets ----------------------------------------------------------------------


def test_grouped_split_keeps_copies_together_and_is_stratified():
    texts = [f"t{i}" for i in range(100)] + ["dup"] * 5 + ["dup2"] * 3
    labels = np.array([i % 2 for i in range(100)] + [0] * 5 + [1] * 3)
    train, test = grouped_stratified_split(texts, labels, 0.3, seed=1)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(108))
    train_texts = {texts[i] for i in train}
    test_texts = {texts[i] for i in test}
    assert not train_texts & test_texts
    for c in (0, 1):
        n_c = int(np.sum(labels == c))
        assert np.sum(labels[test] == c) == round(n_c * 0.3)


def test_subsample_is_stratified_reproducible_and_leaves_test_alone(imdb):
    small = subsample(imdb, 500, seed=3)
    assert len(small.train_texts) == 500
    assert small.class_counts("train") == {"negative": 250, "positive": 250}
    assert small.test_texts is imdb.test_texts
    assert small.key == "imdb-n500-s3"
    assert subsample(imdb, 500, seed=3).train_texts == small.train_texts
    assert subsample(imdb, 500, seed=4).train_texts != small.train_texts
    assert set(small.train_texts) <= set(imdb.train_texts)
    assert subsample(imdb, None) is imdb and subsample(imdb, 10**9) is imdb


def test_subsample_too_small_for_the_classes():
    ds = dataset_from_table(_table(30, classes=3), "text", "label", "t")
    with pytest.raises(DatasetError, match="at least 3"):
        subsample(ds, 2)


def test_subsample_keys_round_trip_through_load_saved_dataset(imdb):
    again = load_saved_dataset("imdb-n300-s2")
    assert again.train_texts == subsample(imdb, 300, seed=2).train_texts


# --- uploads ----------------------------------------------------------------------------------------


def _table(n=40, classes=2):
    return pd.DataFrame(
        {"text": [f"review number {i} with words" for i in range(n)],
         "label": [["neg", "pos", "mixed"][i % classes] for i in range(n)],
         "stars": [i % 5 for i in range(n)]}
    )


def _csv(df, sep=",", encoding="utf-8"):
    return df.to_csv(index=False, sep=sep).encode(encoding)


def test_read_table_csv_tsv_parquet_semicolon():
    df = _table()
    assert read_table("a.csv", _csv(df)).shape == (40, 3)
    assert read_table("a.tsv", _csv(df, "\t")).shape == (40, 3)
    assert read_table("a.txt", _csv(df, ";")).shape == (40, 3)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    assert list(read_table("a.parquet", buf.getvalue()).columns) == ["text", "label", "stars"]


def test_read_table_utf16_from_excel_is_accepted():
    data = "text\tlabel\nna\u00efve fun\tpos\nboring\tneg\n".encode("utf-16")
    assert read_table("unicode.txt", data)["text"].tolist() == ["na\u00efve fun", "boring"]


def test_read_table_windows_1252_is_accepted():
    data = "text,label\ncaf\u00e9 cr\u00e8me,pos\nna\u00efve,neg\n".encode("cp1252")
    assert read_table("w.csv", data)["text"].tolist() == ["caf\u00e9 cr\u00e8me", "na\u00efve"]


@pytest.mark.parametrize(
    "name,data,pattern",
    [
        ("e.csv", b"", "is empty"),
        ("h.csv", b"text,label\n", "no rows"),
        ("bin.csv", bytes(range(256)) * 20, "binary"),
        ("x.xlsx", b"PK\x03\x04" + b"\x00" * 100, "binary"),
        ("enc.csv", b"text,label\n\x81\x8d\x8f\x90 bad,pos\n", "neither UTF-8 nor Windows-1252"),
        ("bad.parquet", b"PAR1 not really", "Parquet"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", "well-formed"),
    ],
)
def test_read_table_bad_files_get_one_sentence(name, data, pattern):
    with pytest.raises(DatasetError, match=pattern) as err:
        read_table(name, data)
    assert "\n" not in str(err.value)


def test_read_table_over_the_limit(monkeypatch):
    monkeypatch.setattr(tables, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(DatasetError, match="limit"):
        read_table("big.csv", b"text,label\n" + b"x,1\n" * 50)


def test_dataset_from_table_string_and_numeric_labels():
    ds = dataset_from_table(_table(50), "text", "label", "mine.csv", test_fraction=0.2)
    assert ds.class_names == ["neg", "pos"]
    assert len(ds.test_texts) == 10 and len(ds.train_texts) == 40
    assert ds.class_counts("test") == {"neg": 5, "pos": 5}
    assert ds.key.startswith("upload-")
    stars = dataset_from_table(_table(50), "text", "stars", "mine.csv")
    assert stars.class_names == ["0", "1", "2", "3", "4"]
    assert dataset_from_table(_table(50), "text", "label", "x").key == ds.key  # content-addressed


@pytest.mark.parametrize(
    "df,text,label,pattern",
    [
        (_table(), "body", "label", "no text column called “body”"),
        (_table(), "text", "text", "different"),
        (_table().assign(label="pos"), "text", "label", "single value"),
        (_table().assign(text=""), "text", "label", "text column “text” is empty"),
        (_table().assign(label=""), "text", "label", "label column “label” is empty"),
        (_table(), "stars", "label", "holds numbers"),
        (pd.concat([_table(10), pd.DataFrame({"text": ["lonely"], "label": ["rare"], "stars": [0]})]),
         "text", "label", "only one example"),
        (pd.DataFrame({"text": [f"t{i}" for i in range(300)], "label": [str(i) for i in range(300)]}),
         "text", "label", "different values"),
    ],
)
def test_dataset_from_table_refuses_unusable_columns(df, text, label, pattern):
    with pytest.raises(DatasetError, match=pattern):
        dataset_from_table(df, text, label, "t.csv")


def test_rows_with_missing_text_are_dropped_and_said():
    df = _table(20)
    df.loc[[0, 1], "text"] = None
    ds = dataset_from_table(df, "text", "label", "t")
    assert len(ds.train_texts) + len(ds.test_texts) == 18
    assert "2 rows" in ds.notes


def test_upload_is_stored_and_reloads_by_key_and_bad_upload_leaves_nothing():
    good = _csv(_table(30))
    ds = dataset_from_upload("mine.csv", good, "text", "label")
    again = load_saved_dataset(ds.key)
    assert again.train_texts == ds.train_texts and np.array_equal(again.test_labels, ds.test_labels)
    assert (ds.key, "mine.csv") in store.saved_datasets()
    before = store.saved_datasets()
    with pytest.raises(DatasetError):
        dataset_from_upload("bad.csv", _csv(_table(30).assign(label="x")), "text", "label")
    assert store.saved_datasets() == before
    with pytest.raises(DatasetError, match="no longer stored"):
        load_saved_dataset("upload-000000000000")
    with pytest.raises(DatasetError, match="not a dataset key"):
        load_saved_dataset("../../etc")
