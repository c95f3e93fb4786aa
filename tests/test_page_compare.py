"""AppTest tests of the Compare page with two tiny saved runs on a tiny stored dataset.

The runs and the dataset are written with lib.runs.save_run / lib.datasets.save_dataset
into the test data folder (EMBEDDING_LAB_DATA, set by conftest.py), never a user's data/.
"""
import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest


POSITIVE = ["great", "excellent", "wonderful", "brilliant", "superb", "enjoyable", "beautiful", "amazing",
            "perfect", "fun", "best", "lovely", "touching", "favorite"]
NEGATIVE = ["awful", "terrible", "horrible", "boring", "worst", "poor", "dull", "waste", "stupid", "bad",
            "mess", "ridiculous", "lame", "annoying"]
NEUTRAL = ["movie", "film", "plot", "actor", "story", "scene", "director", "ending", "good", "music"]
PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "compare.py")


def _tiny_dataset():
    from lib.datasets import TextDataset, save_dataset

    rng = np.random.default_rng(0)
    texts, labels = [], []
    for i in range(200):
        lean = POSITIVE if i % 2 else NEGATIVE
        texts.append(" ".join(rng.choice(lean, 4).tolist() + rng.choice(NEUTRAL, 3).tolist()))
        labels.append(i % 2)
    dataset = TextDataset(
        name="tiny test reviews", train_texts=texts[:160], train_labels=np.array(labels[:160], dtype=np.int64),
        test_texts=texts[160:], test_labels=np.array(labels[160:], dtype=np.int64),
        class_names=["negative", "positive"], source="written by the test", key="upload-tinytest0001",
    )
    save_dataset(dataset)
    return dataset


def _save_tiny_run(strategy: str, label: str, trained: bool, seed: int):
    from lib.runs import save_run

    vocabulary = [""] + POSITIVE + NEGATIVE + NEUTRAL
    rng = np.random.default_rng(seed)
    initial = rng.normal(scale=0.1, size=(len(vocabulary), 8)).astype(np.float32)
    initial[0] = 0
    final = initial.copy()
    if trained:  # training pushes positive words one way and negative words the other
        lean = np.array([0] + [1] * len(POSITIVE) + [-1] * len(NEGATIVE) + [0] * len(NEUTRAL), dtype=np.float32)
        final[:, 0] += lean * 1.0
    config = {"strategy": strategy, "strategy_label": label, "architecture": "average",
              "dataset_key": "upload-tinytest0001", "dataset_name": "tiny test reviews", "train_size": 160,
              "vocab_size": len(vocabulary), "sequence_length": 8, "embedding_dim": 8, "epochs": 1,
              "batch_size": 8, "learning_rate": 1e-3, "seed": seed}
    metrics = {"test_accuracy": 0.9 if trained else 0.5, "test_loss": 0.3, "train_seconds": 0.1}
    return save_run(config, {"loss": [0.5]}, metrics, vocabulary, initial, final)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Exactly two runs, in a data folder of this module's own (other tests' runs stay where they are)."""
    shared = os.environ["EMBEDDING_LAB_DATA"]
    os.environ["EMBEDDING_LAB_DATA"] = str(tmp_path_factory.mktemp("compare-data"))
    try:
        _tiny_dataset()
        learned = _save_tiny_run("learned", "Learned from scratch", trained=True, seed=1)
        frozen = _save_tiny_run("glove_frozen", "GloVe, frozen", trained=False, seed=2)
        yield learned, frozen
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared


def _app(*embedding_ids):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["compare_embeddings"] = list(embedding_ids)
    return at


def _text(at) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
    parts += [e.value for e in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_two_runs_side_by_side(two_runs):
    learned, frozen = two_runs
    at = _app(f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    text = _text(at)
    assert "rotated or mirrored" in text  # the alignment is explained in the map caption
    assert "Axes have no meaning" in text
    # neighbours of "good" shown in one table per embedding, overlap grid drawn
    assert sum(list(d.value.columns) == ["word", "cosine", "in all"] for d in at.dataframe) == 2
    # separation measured per panel: the trained run separates, the untouched one is near chance
    sep = [c.value for c in at.caption if "straight cut" in c.value]
    assert sep and "Highest: Learned from scratch" in sep[0]
    # the frozen run is reported as unchanged, the trained one as changed
    assert "none of its" in text and "training changed" in text
    assert at.metric and len(at.metric) == 2


def test_before_and_after_of_one_run(two_runs):
    learned, _ = two_runs
    at = _app(f"run:{learned.run_id}:initial", f"run:{learned.run_id}:final").run()
    assert not at.exception and not at.error


def test_only_one_embedding_selected_says_so(two_runs):
    learned, _ = two_runs
    at = _app(f"run:{learned.run_id}:final").run()
    assert not at.exception
    assert any("Only one embedding is selected" in i.value for i in at.info)


def test_empty_word_list(two_runs):
    learned, frozen = two_runs
    at = _app(f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final")
    at.session_state["compare_source"] = "typed"
    at.session_state["compare_typed"] = "   "
    at.run()
    assert not at.exception
    assert any("word list is empty" in w.value for w in at.warning)


def test_word_no_embedding_knows(two_runs):
    learned, frozen = two_runs
    at = _app(f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final")
    at.session_state["compare_source"] = "typed"
    at.session_state["compare_typed"] = "zzqx, great"
    at.session_state["compare_query"] = "zzqx"
    at.run()
    assert not at.exception
    assert any("No chosen embedding knows “zzqx”" in w.value for w in at.warning)
    assert any("left out" in c.value and "zzqx" in c.value for c in at.caption)


def test_tsne_map_and_unknown_pair_word(two_runs):
    learned, frozen = two_runs
    at = _app(f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final")
    at.session_state["compare_method"] = "tsne"
    at.session_state["compare_pair_b"] = "qqqq"
    at.run()
    assert not at.exception and not at.error
    assert any("does not know" in i.value for i in at.info)
    assert any("t-SNE" in c.value for c in at.caption)


def test_no_saved_runs_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("No saved runs yet" in i.value and "Train" in i.value for i in at.info)


def test_default_choice_glove_and_newest_run(two_runs):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["compare_embeddings"][0] == "glove"
    assert at.metric and at.metric[0].label == "GloVe 50-d"


def test_one_click_before_vs_after(two_runs):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    newest = at.session_state["compare_embeddings"][1].split(":")[1]
    at.button(key="compare_quick_before_after").click().run()
    assert not at.exception
    assert at.session_state["compare_embeddings"] == [f"run:{newest}:initial", f"run:{newest}:final"]
