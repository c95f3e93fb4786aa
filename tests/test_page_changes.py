"""AppTest of the Compare page's "what changed" sections on runs this test trains.

Two tiny real runs (learned from scratch; GloVe, fine-tuned) are trained by Keras on the tiny
stored dataset of tests/test_page_compare.py, through the worker's own task function and the
runner's own save (lib.jobs.protocol.execute, then _Runner.save), so their epoch snapshots travel the
way a dashboard's runs do. Everything lives in this module's own data folder.
"""
import json
import os

import numpy as np
import pytest
from lib.config import PRESETS, make_config
from streamlit.testing.v1 import AppTest

from tests.test_page_compare import PAGE, SECTIONS, _tiny_dataset

EPOCHS = 4
#: gensim's evaluate_word_analogies on GloVe 6B 50-d, questions-words.txt, restrict_vocab=30_000 (measured)
GENSIM_GLOVE_ANALOGIES = 0.497


def _train(strategy: str):
    from lib.jobs import protocol, runner

    config = make_config(**dict(PRESETS["Tiny (tests)"], strategy=strategy, epochs=EPOCHS,
                                         sequence_length=8, train_size=None, test_size=None,
                                         dataset_key="upload-tinytest0001", learning_rate=3e-2))
    result = protocol.execute({"kind": "train", "config": config}, lambda event: None, None)
    return runner._Runner.save(result)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    shared = os.environ["EMBEDDING_LAB_DATA"]
    os.environ["EMBEDDING_LAB_DATA"] = str(tmp_path_factory.mktemp("changes-data"))
    try:
        _tiny_dataset()
        yield _train("learned"), _train("glove_finetuned")
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared


@pytest.fixture(scope="module")
def gensim_glove_scores():
    """gensim's own evaluators on GloVe 6B 50-d (the numbers the page must show).

    The analogies are not recomputed here: gensim's ``evaluate_word_analogies(questions-words.txt,
    restrict_vocab=30_000)`` takes 60-80 s on 2 cores and gave 49.7% (0.4970...) when this test was written.
    """
    from gensim.test.utils import datapath

    from lib.vectors.packaged import load_glove_50d

    kv = load_glove_50d()  # a fresh object: gensim writes norms onto it
    wordsim = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1].statistic
    simlex = kv.evaluate_word_pairs(datapath("simlex999.txt"))[1].statistic
    return wordsim, simlex, GENSIM_GLOVE_ANALOGIES


def _app(*keys, sections=SECTIONS, **state):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for section in sections:  # the page computes a section only while it is open: each test opens what it reads
        at.session_state[f"compare_open_{section}"] = True
    at.session_state["compare_embeddings"] = list(keys)
    at.session_state["sources_my_dataset_keys"] = ["upload-tinytest0001"]  # the runs' data is this session's upload
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _texts(at) -> str:
    return "\n".join(str(t.value) for t in at.text)


def _dataframes(at) -> list:
    return [d.value for d in at.dataframe]


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_neighbourhood_change_and_domino(trained):
    learned, glove = trained
    at = _app(f"run:{glove.run_id}:initial", f"run:{glove.run_id}:final", sections=("overlap",), changes_k=5,
              changes_range=(0.0, 1.0), changes_domino_word="great").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    texts = _texts(at)
    assert "shared words" in texts and "agree on" in texts            # the histogram's caption, from its numbers
    frames = _dataframes(at)
    lists = [f for f in frames if list(f.columns) == ["word", "Jaccard"]]
    assert len(lists) == 3                                             # the range list, most and least changed
    most, least = lists[1], lists[2]
    assert len(most) == len(least) == 20
    assert most["Jaccard"].is_monotonic_increasing and least["Jaccard"].is_monotonic_decreasing
    histogram = next(c for c in _charts(at) if c["data"] and c["data"][0].get("type") == "bar"
                     and "Jaccard overlap" in str(c["layout"]["xaxis"]["title"]))
    assert len(histogram["data"][0]["y"]) == 6                          # k + 1 bars for k = 5
    assert sum(histogram["data"][0]["y"]) == len(lists[0])               # the range 0..1 lists every shared word
    dominoes = [f for f in frames if list(f.columns) == ["word", "cosine", "in both"]]
    assert len(dominoes) == 2 and all(len(d) == 5 for d in dominoes)
    assert "“great”" in texts and "alone has" in texts


def test_meaning_axis_one_correlation_per_embedding(trained):
    learned, glove = trained
    at = _app("glove", f"run:{glove.run_id}:initial", f"run:{glove.run_id}:final",
              changes_placed_0="movie, film, plot, actor, story, great, awful, superb, boring",
              changes_mode="all").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    strip = [c for c in _charts(at) if "position on the axis" in str(c["layout"].get("xaxis", {}).get("title"))]
    assert len(strip) == 1
    agreement = next(f for f in _dataframes(at) if "Spearman ρ (axis position vs review log-odds)" in f.columns)
    assert len(agreement) == 3 and agreement["Spearman ρ (axis position vs review log-odds)"].notna().all()
    assert "On the negative ↔ positive axis" in _texts(at)
    # three embeddings, every pair: a 3 x 3 matrix of mean overlaps beside the histogram of each pair against the first
    matrix = next(c for c in _charts(at) if c["data"] and c["data"][0].get("type") == "heatmap")
    assert len(matrix["data"][0]["x"]) == len(matrix["data"][0]["y"]) == 3
    assert "disagrees most" in _texts(at)
    assert len(at.get("download_button")) >= 3 + 3  # the page's own downloads, then overlap, axis and benchmark CSVs


def test_benchmark_table_equals_gensim_for_glove(trained, gensim_glove_scores):
    learned, _ = trained
    at = _app("glove", f"run:{learned.run_id}:final", sections=("benchmarks",)).run()
    assert not at.exception, at.exception
    table = next(f for f in _dataframes(at) if "WordSim-353 ρ" in f.columns)
    assert len(table) == 3  # GloVe, the run before and after training
    glove_row = table.iloc[0]
    wordsim, simlex, analogies = gensim_glove_scores
    assert glove_row["WordSim-353 ρ"] == f"{wordsim:.3f}" == "0.503"
    assert glove_row["SimLex-999 ρ"] == f"{simlex:.3f}" == "0.263"
    assert glove_row["analogies"] == f"{analogies:.1%}" == "49.7%"
    assert glove_row["WordSim used"] == "353 / 353"
    assert "Highest on" in _texts(at)


def test_replay_has_one_frame_per_epoch(trained):
    learned, _ = trained
    at = _app("glove", f"run:{learned.run_id}:final", sections=("replay",),
              changes_replay_highlight="great, awful").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    replay = next(c for c in _charts(at) if c.get("frames"))
    assert len(replay["frames"]) == EPOCHS + 1                          # the start and every epoch
    assert [s["label"] for s in replay["layout"]["sliders"][0]["steps"]][:2] == ["start", "epoch 1"]
    assert "travelled furthest" in _texts(at)


def test_run_without_snapshots_says_so(trained, tmp_path):
    from lib import runs

    learned, _ = trained
    vocabulary, initial, final = runs.load_embeddings(learned.run_id)
    old = runs.save_run(learned.config, learned.history, learned.metrics, vocabulary, initial, final)
    at = _app("glove", f"run:{old.run_id}:final", sections=("replay",)).run()
    assert not at.exception
    assert any("saved before training kept a snapshot" in i.value for i in at.info)
    runs.delete_run(old.run_id)


def test_snapshots_are_float16_and_bounded(trained):
    from lib import runs

    learned, _ = trained
    snapshots = runs.load_snapshots(learned.run_id)
    vocabulary, initial, final = runs.load_embeddings(learned.run_id)
    assert snapshots.dtype == np.float16 and snapshots.shape == (EPOCHS + 1, len(vocabulary), initial.shape[1])
    assert np.allclose(snapshots[0], initial, atol=1e-2) and np.allclose(snapshots[-1], final, atol=1e-2)
    assert not np.allclose(snapshots[1], snapshots[0])                  # the first epoch moved the vectors
    assert (runs.load_run(learned.run_id).path / runs.SNAPSHOTS_FILE).stat().st_size < 20 * 1024 * 1024


def test_benchmark_csv_has_a_title_line_and_numbers(trained, monkeypatch):
    """word-benchmarks.csv: a first line naming the embeddings and the run's settings, then numbers (not text)."""
    import io

    import pandas as pd

    from lib import exports

    made = []
    real = exports.table_csv
    monkeypatch.setattr(exports, "table_csv", lambda df, title="": made.append(real(df, title)) or made[-1])
    learned, _ = trained
    at = _app("glove", f"run:{learned.run_id}:final", sections=("benchmarks", "change_downloads")).run()
    assert not at.exception, at.exception
    text = next(m for m in made if b"Word benchmarks" in m[:300]).decode("utf-8-sig")
    title = text.splitlines()[0]
    assert "GloVe 50-d" in title and "before" in title and "after" in title   # every embedding in the table
    assert "epochs" in title and "seed 0" in title                             # the run's settings
    table = pd.read_csv(io.StringIO(text), skiprows=1)
    assert len(table) == 3
    assert table["WordSim-353 rho"].dtype.kind == "f" and round(table["WordSim-353 rho"][0], 3) == 0.503
    assert table["WordSim used"].dtype.kind == "i" and table["WordSim total"][0] == 353
    assert "'-" not in text                                                    # a negative rho stays a number


def test_two_separately_made_spaces_are_said_to_share_no_neighbourhoods(trained):
    learned, glove = trained
    # a learned run's random start and GloVe's rows: two spaces made separately, as two independent runs are
    at = _app(f"run:{learned.run_id}:initial", f"run:{glove.run_id}:initial", sections=("overlap",), changes_k=5).run()
    assert not at.exception, at.exception
    assert any("share almost no neighbours" in w.value for w in at.warning), [w.value for w in at.warning]
    button = next(b for b in at.button if "Before vs after training" in b.label and "Learned" in b.label)
    button.click().run()
    assert at.session_state["compare_embeddings"] == [f"run:{learned.run_id}:initial", f"run:{learned.run_id}:final"]
