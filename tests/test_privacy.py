"""Private means private: a run trained on one visitor's upload is seen by that visitor only.

Two AppTest sessions share one server's data folder, as two browsers share one
dashboard. Session A holds the upload (its key is in A's session state, as after
*Use this dataset*); session B does not. B must not see the run's name, its
dataset's name or any of its words, on any page that lists runs.
"""
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib import runs
from lib.data.dataset import TextDataset
from lib.data.keys import is_private
from lib.data.store import save_dataset

PAGES = Path(__file__).resolve().parent.parent / "app_pages"
UPLOAD_KEY = "upload-privacy00001"
DATASET_NAME = "diary-of-a-private-person.csv"
RUN_NAME = "Quillfeather secret run"
SECRET_WORD = "zanzibarish"
MINE = "sources_my_dataset_keys"  # where ui.sources keeps a session's uploads


@pytest.fixture(scope="module")
def private_run(tmp_path_factory):
    shared = os.environ["EMBEDDING_LAB_DATA"]
    os.environ["EMBEDDING_LAB_DATA"] = str(tmp_path_factory.mktemp("privacy-data"))
    try:
        texts = [f"{SECRET_WORD} good film {i}" if i % 2 else f"bad film {i}" for i in range(60)]
        labels = np.array([i % 2 for i in range(60)], dtype=np.int64)
        save_dataset(TextDataset(name=DATASET_NAME, train_texts=texts[:40], train_labels=labels[:40],
                                 test_texts=texts[40:], test_labels=labels[40:], class_names=["no", "yes"],
                                 source="written by the test", key=UPLOAD_KEY))
        vocabulary = ["", SECRET_WORD, "good", "bad", "film"]
        initial = np.random.default_rng(0).normal(size=(len(vocabulary), 4)).astype(np.float32)
        config = {"strategy": "learned", "strategy_label": "Learned from scratch", "architecture": "average",
                  "dataset_key": UPLOAD_KEY, "dataset_name": DATASET_NAME, "train_size": 40,
                  "vocab_size": len(vocabulary), "sequence_length": 6, "embedding_dim": 4, "epochs": 1,
                  "batch_size": 8, "learning_rate": 1e-3, "seed": 0}
        record = runs.save_run(config, {"loss": [0.6]}, {"test_accuracy": 0.7, "test_loss": 0.6},
                               vocabulary, initial, initial + 0.5)
        runs.rename_run(record.run_id, RUN_NAME)
        yield record
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared


def test_private_dataset_keys():
    assert is_private(UPLOAD_KEY) and is_private(UPLOAD_KEY + "-n20-s0")
    assert not is_private("imdb") and not is_private("imdb-n500-s0") and not is_private("toy-n300-t200-s0")


def test_the_store_lists_a_private_run_only_to_holders_of_its_upload(private_run):
    assert [r.run_id for r in runs.list_runs()[0]] == []
    assert [r.run_id for r in runs.list_runs(private_datasets=["upload-someoneelse"])[0]] == []
    assert [r.run_id for r in runs.list_runs(private_datasets=[UPLOAD_KEY])[0]] == [private_run.run_id]


def everything_shown(at: AppTest) -> str:
    """Every string the page put on screen: text elements, labels, options and table cells."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "text", "code", "exception"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "checkbox", "text_input", "number_input", "radio", "selectbox", "multiselect", "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "label", "")))
            parts += [str(o) for o in getattr(element, "options", [])]
    for frame in at.dataframe:
        value = frame.value
        parts.append(value.to_csv() if isinstance(value, pd.DataFrame) else str(value))
    return "\n".join(parts).replace("\\", "")  # Markdown escapes are not part of what a reader sees


@pytest.mark.parametrize("page", ["train.py", "compare.py"])
def test_another_session_sees_nothing_of_a_private_run(private_run, page):
    uploader = AppTest.from_file(str(PAGES / page), default_timeout=180)
    uploader.session_state[MINE] = [UPLOAD_KEY]
    uploader.run()
    assert not uploader.exception
    assert RUN_NAME in everything_shown(uploader)  # the uploader sees their own run ...

    visitor = AppTest.from_file(str(PAGES / page), default_timeout=180).run()
    assert not visitor.exception
    shown = everything_shown(visitor)
    for secret in (RUN_NAME, DATASET_NAME, SECRET_WORD, private_run.run_id):
        assert secret not in shown  # ... and nobody else learns it exists


def test_names_stay_unique_across_private_and_public_runs(private_run):
    """Menus never show two runs alike, even when one of them belongs to another visitor's upload."""
    from lib.errors import UserError

    config = {**private_run.config, "dataset_key": "imdb", "dataset_name": "IMDB"}
    config.pop("name", None)
    vocabulary, initial, final = runs.load_embeddings(private_run.run_id)
    public = runs.save_run(config, {"loss": [0.6]}, {"test_accuracy": 0.7, "test_loss": 0.6}, vocabulary, initial, final)
    try:
        with pytest.raises(UserError):
            runs.rename_run(public.run_id, RUN_NAME)
    finally:
        runs.delete_run(public.run_id)
