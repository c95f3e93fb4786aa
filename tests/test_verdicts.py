"""The fair race's judgements on constructed runs and predictions: coverage sentences, saved runs against noise,
and where a pretrained start stops helping in the data-efficiency sweep."""
import numpy as np
import pytest

from lib import coverage, plots, training, verdicts
from lib.config import PRESETS, TRAIN_SIZES
from lib.data.toy import toy_key
from lib.results import results_table

N = 1_000  # test reviews


def right(n_right: int, offset: int = 0) -> np.ndarray:
    """Answers to N test reviews: right on reviews offset .. offset + n_right."""
    out = np.zeros(N, dtype=bool)
    out[offset:offset + n_right] = True
    return out


def predictions(answers: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """float16 probabilities that are right exactly where ``answers`` says (as a run stores them)."""
    guess = np.where(answers, labels, 1 - labels)
    return np.where(guess == 1, 0.9, 0.1).astype("float16")


LABELS = np.arange(N) % 2


class Store:
    """Runs and their stored predictions, in memory: the same shapes lib.runs hands the pages."""

    def __init__(self):
        self.records, self.stored = [], {}

    def add(self, strategy, seed, answers, size=2_000, **config):
        run_id = f"r{len(self.records)}-{strategy}-{size}-{seed}"
        config = {"run_id": run_id, "strategy": strategy, "strategy_label": "*not* from the store*",
                  "train_size": size, "seed": seed, "dataset_key": "imdb", "test_size": N, "architecture": "average",
                  "epochs": 2, **config}
        metrics = {"test_accuracy": float(answers.mean()) if answers is not None else 0.5, "test_loss": 0.4, "train_seconds": 1.0}
        self.records.insert(0, training.Run(config, {}, metrics, [""], None, None))  # newest first, as list_runs
        if answers is not None:
            self.stored[run_id] = (predictions(answers, LABELS), LABELS)
        return run_id

    def load(self, run_id):
        return self.stored.get(run_id)


# --------------------------------------------------------------------------- coverage


def _coverage_run(strategy, seed, hits, misses, moved_covered, moved_uncovered):
    metrics = {"test_accuracy": 0.8, "test_loss": 0.4, "hits": hits, "misses": misses,
               "missed_examples": ["zorblax", "flimwop"] if misses else [], "moved_covered": moved_covered,
               "moved_uncovered": moved_uncovered, "length_covered": 4.0 if hits else None, "length_uncovered": 0.2}
    config = {"strategy": strategy, "train_size": 500, "seed": seed, "vocab_size": hits + misses + 1 if hits else 101}
    return training.Run(config, {}, metrics, [""], None, None)


def test_coverage_sentence_says_who_started_pretrained_and_who_moved_how_far():
    runs = [_coverage_run("learned", 0, None, None, None, 0.3),
            _coverage_run("glove_frozen", 0, 90, 10, 0.0, 0.0),
            _coverage_run("glove_finetuned", 0, 90, 10, 0.2, 0.6),
            _coverage_run("glove_finetuned", 1, 90, 10, 0.4, 0.8)]
    rows = coverage.coverage_rows(runs)
    assert [r.strategy for r in rows] == ["learned", "glove_frozen", "glove_finetuned"]
    tuned = rows[2]
    assert (tuned.rows, tuned.covered, tuned.uncovered) == (100, 90, 10)
    assert tuned.moved_covered == pytest.approx(0.3) and tuned.moved_uncovered == pytest.approx(0.7)  # over seeds
    sentence = coverage.coverage_sentence(rows)
    assert "GloVe gave a starting vector to 90 of the 100 vocabulary words (90.0%)" in sentence
    assert "the other 10 (for example zorblax, flimwop) started from small random numbers" in sentence
    assert "GloVe, fine-tuned moved its words with a pretrained start 0.30 on average (8% of their starting length)" in sentence
    assert "the words that started random 0.70 (3.5× their starting length)" in sentence
    assert "Learned from scratch moved its words 0.30" in sentence
    assert "GloVe, frozen kept every word where it started" in sentence
    assert sentence.count("GloVe gave") == 1  # one sentence per source, not per strategy


def test_coverage_of_runs_saved_before_movement_was_recorded_says_only_what_is_known():
    run = _coverage_run("word2vec_finetuned", 0, 50, 0, None, None)
    sentence = coverage.coverage_sentence(coverage.coverage_rows([run]))
    assert sentence == "word2vec gave a starting vector to 50 of the 50 vocabulary words (100.0%)."
    figure = plots.coverage_chart(coverage.coverage_rows([run]))
    assert len(figure.data) == 4
    unrecorded = training.Run({"strategy": "glove_frozen", "train_size": 10}, {}, {"test_accuracy": 0.5}, [""], None, None)
    assert coverage.coverage_rows([unrecorded]) == []  # not "0 words got a GloVe start"


def test_coverage_per_run_names_each_run_when_their_vocabularies_differ():
    small, large = _coverage_run("glove_finetuned", 0, 90, 10, 0.2, 0.6), _coverage_run("glove_finetuned", 1, 900, 100, 0.1, 0.3)
    large.config["train_size"] = 5_000
    rows = coverage.coverage_rows([small, large], per_run=True)
    assert [r.label for r in rows] == ["GloVe, fine-tuned · 500 reviews · seed 0", "GloVe, fine-tuned · 5,000 reviews · seed 1"]
    sentence = coverage.coverage_sentence(rows)
    assert "In GloVe, fine-tuned · 500 reviews · seed 0, GloVe gave a starting vector to 90 of the 100" in sentence
    assert "In GloVe, fine-tuned · 5,000 reviews · seed 1, GloVe gave a starting vector to 900 of the 1,000" in sentence


def test_coverage_chart_stacks_starts_and_groups_movement():
    rows = coverage.coverage_rows([_coverage_run("glove_finetuned", 0, 90, 10, 0.2, 0.6),
                                   _coverage_run("learned", 0, None, None, None, 0.3)])
    figure = plots.coverage_chart(rows)
    pretrained, _, random_start, random_moved = figure.data
    assert list(pretrained.x) == [0, 90] and list(random_start.x) == [100, 10]
    assert list(random_start.base) == [0, 90]  # stacked after the pretrained words
    assert list(random_moved.x) == [0.3, 0.6]


def test_coverage_rows_from_a_real_tiny_run_record_movement_and_lengths():
    tiny = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=1, strategy="glove_finetuned",
                dataset_key=toy_key(300, 200, 0))
    run = training.train(tiny, keep_model=False)
    m = run.metrics
    assert m["uncovered_start"] == training.UNCOVERED_START
    assert m["length_covered"] > m["length_uncovered"] > 0  # GloVe rows are long, random ones short
    covered = np.zeros(len(run.vocabulary), dtype=bool)
    covered[[i for i, w in enumerate(run.vocabulary) if w and w not in m["missed_examples"]]] = True
    moved = np.linalg.norm(run.embedding_final - run.embedding_initial, axis=1)
    assert m["moved_covered"] == pytest.approx(moved[covered].mean(), rel=1e-5)
    assert m["moved_uncovered"] == pytest.approx(moved[1:][~covered[1:]].mean(), rel=1e-5)


# --------------------------------------------------------------------------- saved runs against noise


def test_chosen_runs_are_judged_with_their_sibling_seeds_and_against_learned():
    store, ids = Store(), {}
    for seed in range(3):
        store.add("learned", seed, right(780, offset=60))
        ids.setdefault("glove", store.add("glove_finetuned", seed, right(840)))                # beyond noise
        ids.setdefault("word2vec", store.add("word2vec_finetuned", seed, right(785, offset=45)))  # within noise
    store.add("glove_finetuned", 0, right(700), size=500)              # other settings: not a sibling
    chosen = [ids["glove"], ids["word2vec"]]
    judgement = verdicts.judge_runs(chosen, store.records, store.load)
    labels = [g.label for g in judgement.groups]
    assert labels == ["GloVe, fine-tuned · 2,000 reviews", "word2vec, fine-tuned · 2,000 reviews",
                      "Learned from scratch · 2,000 reviews"]
    assert [g.accuracy.n for g in judgement.groups] == [3, 3, 3]
    assert not judgement.groups[2].chosen
    assert judgement.against_first[labels[1]].verdict == "worse"
    assert judgement.against_learned[labels[0]].verdict == "better"
    assert judgement.against_learned[labels[1]].verdict == "about the same"
    table = judgement.table()
    assert table[0]["Seeds"] == 3 and "±" in table[0]["Test accuracy"] and "–" in table[0]["95% interval over seeds"]
    assert table[2]["Runs"].endswith("(for reference)")
    assert table[0]["vs learned from scratch: verdict"].startswith("better (+6.0 points)")
    sentences = judgement.sentences()
    assert any(s.startswith("GloVe, fine-tuned · 2,000 reviews did better than learning from scratch") and
               "beyond noise: it holds against both" in s for s in sentences)
    assert any("did about the same" in s and "the choice of test reviews could explain" in s for s in sentences)
    assert all("*not*" not in s for s in sentences)  # labels from the registry, never from a run folder
    details = judgement.details()
    assert len(details) == len(sentences) and all("McNemar's exact test" in d for d in details)
    assert all("p =" not in s for s in sentences)  # p-values and intervals are the details


def _judged(glove: list[int], learned: list[int]):
    """GloVe's and learning from scratch's sentences and verdict, one seed per entry (right on so many of N)."""
    store = Store()
    for seed, (g, n) in enumerate(zip(glove, learned)):
        chosen = store.add("glove_finetuned", seed, right(g))
        store.add("learned", seed, right(n, offset=60))
    judgement = verdicts.judge_runs([chosen], store.records, store.load)
    comparison = judgement.against_learned["GloVe, fine-tuned · 2,000 reviews"]
    return comparison, " ".join(judgement.sentences()), judgement.table()


def test_saved_runs_on_three_consistent_seeds_whose_interval_leaves_out_zero_are_better():
    comparison, said, table = _judged([840, 830, 835], [780, 780, 780])
    assert comparison.verdict == "better" and "did better than learning from scratch" in said
    assert table[0]["vs learned from scratch: verdict"].startswith("better")


def test_saved_runs_whose_seeds_disagree_are_never_better_however_small_each_p():
    comparison, said, table = _judged([840, 840, 720], [780, 780, 780])  # +6, +6, -6 points; p < 1e-4 each
    assert max(comparison.p_values) < 1e-4
    assert comparison.verdict == "about the same" and "within training noise" in said
    assert not any(word in said for word in ("better", "worse", "beyond noise")), said


@pytest.mark.parametrize("glove", [[840], [840, 835], [720, 725]])
def test_saved_runs_on_one_or_two_seeds_never_say_beyond_noise_better_or_worse(glove):
    comparison, said, table = _judged(glove, [780] * len(glove))
    assert comparison.verdict == "too few seeds"
    assert not any(word in said for word in ("better", "worse", "beyond noise")), said
    assert "train 3 seeds to tell" in said
    assert table[0]["vs learned from scratch: verdict"].startswith("too few seeds")


def test_runs_on_other_test_reviews_or_without_predictions_are_left_out_with_a_note():
    store = Store()
    a = store.add("learned", 0, right(800))
    b = store.add("glove_finetuned", 0, right(800), test_size=500, dataset_key="imdb")
    c = store.add("word2vec_finetuned", 0, None)
    judgement = verdicts.judge_runs([a, b, c], store.records, store.load)
    assert [g.label for g in judgement.groups] == ["Learned from scratch · 2,000 reviews"]
    assert any("other test reviews" in n for n in judgement.notes)
    assert any("1 run saved without test predictions" in n for n in judgement.notes)
    assert verdicts.judge_runs(["gone"], store.records, store.load) is None


def test_a_damaged_run_folder_is_a_note_and_the_others_are_still_judged():
    from lib.runs import RunStoreError

    store = Store()
    a = store.add("learned", 0, right(800))
    b = store.add("glove_finetuned", 0, right(850))
    store.add("glove_finetuned", 1, right(850))
    damaged = store.records[0].config["run_id"]

    def load(run_id):
        if run_id == damaged:
            raise RunStoreError(f"The test predictions of run {run_id!r} could not be read; the folder is damaged.")
        return store.load(run_id)

    judgement = verdicts.judge_runs([b, a], store.records, load)
    assert [g.accuracy.n for g in judgement.groups] == [1, 1]
    assert any("damaged" in n for n in judgement.notes)
    assert judgement.against_first["Learned from scratch · 2,000 reviews"].verdict == "too few seeds"
    hostile = training.Run({"run_id": "x", "strategy": "learned", "train_size": [1], "seed": 0}, {},
                           {"test_accuracy": 0.5}, [""], None, None)
    assert verdicts.judge_runs([a], store.records + [hostile], store.load).groups[0].accuracy.n == 1


def test_one_seed_has_no_interval():
    store = Store()
    a = store.add("learned", 0, right(800))
    table = verdicts.judge_runs([a], store.records, store.load).table()
    assert table[0]["95% interval over seeds"] == "needs 2+ seeds" and table[0]["Seeds"] == 1


# --------------------------------------------------------------------------- the sweep


def _sweep(store: Store, by_size: dict[int, tuple[int, int]], strategy="word2vec_finetuned", seeds=3):
    """At each size: learned right on ``learned`` reviews, the pretrained start on ``pretrained`` (nested sets)."""
    for size, (learned, pretrained) in by_size.items():
        for seed in range(seeds):
            store.add("learned", seed, right(learned), size=size)
            store.add(strategy, seed, right(pretrained), size=size)
    return verdicts.sweep_comparisons(verdicts.sweep_answers(store.records, store.load))


def test_the_sweep_says_where_a_pretrained_start_stops_helping():
    comparisons = _sweep(Store(), {500: (700, 780), 1_000: (740, 800), 2_000: (800, 805), 25_000: (860, 858)})
    verdict = {size: c.verdict for size, c in comparisons["word2vec_finetuned"].items()}
    assert verdict == {500: "better", 1_000: "better", 2_000: "about the same", 25_000: "about the same"}
    assert verdicts.stops_helping(verdict) == (1_000, 2_000)
    sentence = verdicts.sweep_sentence(comparisons, ["learned", "word2vec_finetuned"])
    assert sentence.startswith("word2vec, fine-tuned did better than learning from scratch up to 1,000 training "
                               "reviews (+6.0 points there")
    assert "stopped helping at 2,000: there it did about the same (+0.5 points)" in sentence
    assert "(3 seeds)" in sentence and "training luck" in sentence
    details = verdicts.sweep_details(comparisons)
    assert len(details) == 4 and details[0].startswith("word2vec, fine-tuned at 500 training reviews")


def test_a_difference_within_noise_at_every_size_is_never_called_better():
    comparisons = _sweep(Store(), {500: (700, 705), 2_000: (800, 797)})
    sentence = verdicts.sweep_sentence(comparisons)
    assert "never did better than learning from scratch (500 to 2,000 training reviews)." in sentence
    said = sentence[:sentence.index("Each size is judged")]  # before the rule, which names "better or worse"
    assert "better" not in said.replace("never did better", "")


def test_helping_at_every_size_and_being_worse_are_said_as_such():
    store = Store()
    _sweep(store, {500: (700, 780), 2_000: (800, 850)})
    comparisons = _sweep(store, {500: (700, 500), 2_000: (800, 600)}, strategy="glove_frozen")
    sentence = verdicts.sweep_sentence(comparisons)
    assert "word2vec, fine-tuned did better than learning from scratch at every size tried, 2,000" in sentence
    assert "GloVe, frozen never did better than learning from scratch (500 to 2,000 training reviews); " \
           "it did worse at 500 and 2,000." in sentence
    assert sentence.index("GloVe, frozen") < sentence.index("word2vec")  # registry order


def test_the_sweep_without_learning_from_scratch_asks_for_it():
    store = Store()
    store.add("glove_finetuned", 0, right(800), size=500)
    comparisons = verdicts.sweep_comparisons(verdicts.sweep_answers(store.records, store.load))
    assert comparisons == {}
    assert "add “Learned from scratch”" in verdicts.sweep_sentence(comparisons, ["glove_finetuned"])


@pytest.mark.parametrize("seeds", [1, 2])
def test_a_sweep_on_one_or_two_seeds_judges_no_size(seeds):
    comparisons = _sweep(Store(), {500: (700, 780), 1_000: (740, 700), 2_000: (800, 803)}, seeds=seeds)
    assert {c.verdict for by_size in comparisons.values() for c in by_size.values()} == {"too few seeds",
                                                                                        "about the same"}
    sentence = verdicts.sweep_sentence(comparisons)
    assert sentence.startswith("word2vec, fine-tuned scored higher at 500 and lower at 1,000 training reviews than "
                               "learning from scratch, by more than the choice of test reviews explains.")
    assert f"({seeds} seed{'s' if seeds > 1 else ''})" in sentence and "train 3 seeds to tell" in sentence
    assert not any(word in sentence for word in ("better", "worse", "beyond noise")), sentence


def test_stops_helping_edge_cases():
    assert verdicts.stops_helping({}) == (None, None)
    assert verdicts.stops_helping({500: "better", 2_000: "better"}) == (2_000, None)
    assert verdicts.stops_helping({500: "about the same", 1_000: "better", 2_000: "worse"}) == (1_000, 2_000)


def test_sweep_sizes_drop_repeats_of_the_whole_dataset():
    assert verdicts.sweep_sizes(TRAIN_SIZES, 25_000) == [500, 1_000, 2_000, 5_000, 10_000, None]
    assert verdicts.sweep_sizes([500, 1_000, None], 300) == [None]
    assert verdicts.sweep_sizes([500], 300) == [None]


def test_results_table_has_the_95_percent_interval_and_the_chart_draws_it():
    runs = [training.Run({"strategy": s, "strategy_label": s, "train_size": n, "seed": seed},
                         {}, {"test_accuracy": acc + 0.01 * seed, "test_loss": 0.4, "epochs_completed": 2}, [""], None, None)
            for s, acc in (("learned", 0.7), ("glove_finetuned", 0.75)) for n in (500, 2_000) for seed in range(3)]
    table = results_table(runs)
    row = table.iloc[0]
    assert row["accuracy_low"] < row["accuracy_mean"] < row["accuracy_high"]
    assert row["accuracy_high"] - row["accuracy_mean"] == pytest.approx(4.302653 * 0.01 / np.sqrt(3), abs=1e-6)
    figure = plots.data_efficiency(table, {"glove_finetuned": {500: "better"}})
    bands = [t for t in figure.data if t.fill == "toself"]
    assert len(bands) == 2
    line = [t for t in figure.data if t.name == "glove_finetuned"][0]
    assert list(line.marker.symbol) == ["triangle-up", "circle"]


def test_accuracy_bars_start_at_zero_with_the_guessing_label_off_the_bars():
    """A bar chart's length is what the eye compares: 73% must look like 73/83 of 83%, not half of it."""
    import pandas as pd

    from lib import plots

    table = pd.DataFrame({"Strategy": ["Learned", "GloVe, fine-tuned"], "strategy": ["learned", "glove_finetuned"],
                          "accuracy_mean": [0.734, 0.832], "accuracy_std": [0.0, 0.0], "seeds": [1, 1]})
    fig = plots.accuracy_bars(table)
    assert fig.layout.yaxis.range[0] == 0.0
    label = next(a for a in fig.layout.annotations if "guessing" in a.text)
    assert label.xref == "paper" and label.x >= 1.0 and label.xanchor == "left"  # right of the plot area
