"""AppTest tests of the Compare page with two tiny saved runs on a tiny stored dataset.

The runs and the dataset are written with lib.runs.save_run / lib.data.store.save_dataset
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
SECTIONS = ("maps", "neighbours", "changed", "downloads", "overlap", "axes", "benchmarks", "replay", "change_downloads")
PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "compare.py")


def _tiny_dataset():
    from lib.data.dataset import TextDataset
    from lib.data.store import save_dataset

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
    for section in SECTIONS:  # the page computes a section only while it is open: these tests read them all
        at.session_state[f"compare_open_{section}"] = True
    if embedding_ids:
        at.session_state["compare_embeddings"] = list(embedding_ids)
    # the runs are trained on an upload, so only a session holding that upload sees them
    at.session_state["sources_my_dataset_keys"] = ["upload-tinytest0001"]
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


def test_a_first_visit_draws_the_maps_and_computes_other_sections_only_when_opened(two_runs):
    learned, frozen = two_runs
    at = AppTest.from_file(PAGE, default_timeout=120)  # no section opened by the test: as a visitor arrives
    at.session_state["compare_embeddings"] = [f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final"]
    at.session_state["sources_my_dataset_keys"] = ["upload-tinytest0001"]
    at.run()
    assert not at.exception
    assert "rotated or mirrored" in _text(at)  # section 4, the maps
    neighbour_tables = lambda: sum(list(d.value.columns) == ["word", "cosine", "in all"] for d in at.dataframe)
    assert neighbour_tables() == 0  # section 5 not computed while closed
    at.session_state["compare_open_neighbours"] = True  # what opening its expander does
    at.run()
    assert not at.exception and neighbour_tables() == 2


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
    at = _app().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["compare_embeddings"][0] == "glove"
    assert at.metric and at.metric[0].label == "GloVe 50-d"


def test_one_click_before_vs_after(two_runs):
    at = _app().run()
    newest = at.session_state["compare_embeddings"][1].split(":")[1]
    at.button(key="compare_quick_before_after").click().run()
    assert not at.exception
    assert at.session_state["compare_embeddings"] == [f"run:{newest}:initial", f"run:{newest}:final"]


N_TEST = 400  # test reviews of the runs below (the same 400 for every run: one test split)


def _save_run_with_predictions(strategy: str, label: str, seed: int, n_right: int, offset: int = 0):
    """A saved run whose stored test predictions are right on reviews offset .. offset + n_right, and its coverage."""
    from lib.runs import save_run

    vocabulary = [""] + POSITIVE + NEGATIVE + NEUTRAL
    rng = np.random.default_rng(100 + seed)
    initial = rng.normal(scale=0.1, size=(len(vocabulary), 8)).astype(np.float32)
    final = initial + 0.05
    labels = np.arange(N_TEST) % 2
    right = np.zeros(N_TEST, dtype=bool)
    right[offset:offset + n_right] = True
    guess = np.where(right, labels, 1 - labels)
    config = {"strategy": strategy, "strategy_label": label, "architecture": "average",
              "dataset_key": "upload-tinytest0001", "dataset_name": "tiny test reviews", "train_size": 160,
              "test_size": N_TEST, "vocab_size": len(vocabulary), "sequence_length": 8, "embedding_dim": 8,
              "epochs": 1, "batch_size": 8, "learning_rate": 1e-3, "seed": seed}
    pretrained = strategy != "learned"
    metrics = {"test_accuracy": float(right.mean()), "test_loss": 0.3, "train_seconds": 0.1,
               "hits": len(vocabulary) - 3 if pretrained else None, "misses": 2 if pretrained else None,
               "missed_examples": ["*zorblax*", "flimwop"] if pretrained else [],
               "moved_covered": 0.35 if pretrained else None, "moved_uncovered": 0.35,
               "length_covered": 0.3 if pretrained else None, "length_uncovered": 0.3}
    return save_run(config, {"loss": [0.5]}, metrics, vocabulary, initial, final,
                    predictions=np.where(guess == 1, 0.8, 0.2).astype(np.float16), test_labels=labels)


@pytest.fixture(scope="module")
def _seeded_folder(tmp_path_factory):
    """A data folder of its own with three seeds each of learned, GloVe fine-tuned (beyond noise) and word2vec
    fine-tuned (within noise); the environment is restored at once, so the module's other folder stays in force."""
    shared, folder = os.environ["EMBEDDING_LAB_DATA"], tmp_path_factory.mktemp("compare-noise-data")
    os.environ["EMBEDDING_LAB_DATA"] = str(folder)
    try:
        _tiny_dataset()
        made = {}
        for seed in range(3):
            _save_run_with_predictions("learned", "Learned from scratch", seed, 300, offset=40)
            made.setdefault("glove", _save_run_with_predictions("glove_finetuned", "GloVe, fine-tuned", seed, 340))
            made.setdefault("word2vec", _save_run_with_predictions("word2vec_finetuned", "word2vec, fine-tuned",
                                                                   seed, 302, offset=38))
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared
    return folder, made


@pytest.fixture
def seeded_runs(_seeded_folder, monkeypatch):
    folder, made = _seeded_folder
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(folder))  # for this test only
    return made


def test_chosen_runs_are_judged_against_noise_with_their_seeds(seeded_runs):
    glove, word2vec = seeded_runs["glove"], seeded_runs["word2vec"]
    at = _app(f"run:{glove.run_id}:final", f"run:{word2vec.run_id}:final").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    tables = [d.value for d in at.dataframe if "Runs" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    assert list(table["Runs"]) == ["GloVe, fine-tuned · 160 reviews", "word2vec, fine-tuned · 160 reviews",
                                   "Learned from scratch · 160 reviews (for reference)"]
    assert list(table["Seeds"]) == [3, 3, 3]
    assert table["vs learned from scratch: verdict"].iloc[0].startswith("better")
    assert table["vs learned from scratch: verdict"].iloc[1].startswith("about the same")
    assert table["vs row 1: verdict"].iloc[1].startswith("worse")
    texts = [t.value for t in at.text]
    assert any(t.startswith("GloVe, fine-tuned · 160 reviews did better than learning from scratch") and
               "beyond noise" in t for t in texts)
    assert any("word2vec, fine-tuned · 160 reviews and learning from scratch did about the same" in t and
               "within noise" in t for t in texts)
    coverage = [t for t in texts if "gave a starting vector to" in t]
    assert coverage and "(for example *zorblax*, flimwop)" in coverage[0]  # a vocabulary word, shown as text
    assert "compare_coverage_chart" in " ".join(str(c.proto) for c in at.get("plotly_chart"))


def test_runs_saved_without_predictions_are_left_out_with_a_sentence(two_runs):
    learned, frozen = two_runs
    at = _app(f"run:{learned.run_id}:final", f"run:{frozen.run_id}:final").run()
    assert not at.exception
    assert any("saved without test predictions" in t.value for t in at.text)
