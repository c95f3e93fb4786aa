"""The tour's sentences say what the numbers say."""
import pandas as pd
import pytest

from lib import tour


def test_ordinal():
    assert [tour.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd"]


def table(learned: float, glove: float) -> pd.DataFrame:
    return pd.DataFrame({
        "strategy": ["learned", "glove_finetuned"], "Strategy": ["Learned from scratch", "GloVe, fine-tuned"],
        "train_size": [2000, 2000], "seeds": [1, 1], "accuracy_mean": [learned, glove], "accuracy_std": [0.0, 0.0],
    })


def verdict(name: str, seeds: int = 3):
    """A comparison with the given verdict, built from paired answers on 1,000 test reviews, one entry per seed."""
    import numpy as np

    from lib import significance

    def right(n, offset=0):
        out = np.zeros(1000, dtype=bool)
        out[offset:offset + n] = True
        return out

    wobble = [0, 5, -5][:seeds]  # a start's accuracy moves a little from seed to seed
    a, b = {"better": ([right(840 + w) for w in wobble], [right(780, 60)] * seeds),
            "worse": ([right(780, 60)] * seeds, [right(840 + w) for w in wobble]),
            "about the same": ([right(805 + w) for w in wobble], [right(800 + w, 5) for w in wobble])}[name]
    return {"glove_finetuned": significance.compare("glove_finetuned", "learned", dict(enumerate(a)),
                                                    dict(enumerate(b)))}


def test_result_sentence_follows_the_numbers_and_the_verdict_rule():
    plain = tour.result_sentence(table(0.70, 0.78))
    assert "GloVe, fine-tuned was right on 78 of 100 reviews it had never seen; the next best, learning from " \
           "scratch, on 70." in plain
    for jargon in ("percentage", "p =", "McNemar", "beyond", "test accuracy"):
        assert jargon not in plain
    helped = tour.result_sentence(table(0.78, 0.84), verdict("better"))
    assert "GloVe, fine-tuned beat learning from scratch by more than luck explains." in helped
    assert "Learning from scratch beat GloVe, fine-tuned by more than luck explains." in \
        tour.result_sentence(table(0.84, 0.78), verdict("worse"))
    same = tour.result_sentence(table(0.800, 0.805), verdict("about the same"))
    assert "did about the same as learning from scratch: a difference this small could be luck" in same
    assert "beat" not in same and "better" not in same
    # without a noise test, no sentence claims that a start helped
    assert "beat" not in tour.result_sentence(table(0.70, 0.78))
    assert "No model has finished" in tour.result_sentence(table(0.8, 0.8).iloc[0:0])


def test_result_of_one_training_run_each_never_names_a_winner():
    for name in ("better", "worse", "about the same"):
        said = tour.result_sentence(table(0.78, 0.84), verdict(name, seeds=1))
        assert "beat" not in said and "better than" not in said and "worse" not in said, said
    assert "Each model was trained once" in tour.result_sentence(table(0.78, 0.84), verdict("better", seeds=1))


def test_the_p_values_are_in_the_details_not_the_sentence():
    details = " ".join(tour.result_details(table(0.78, 0.84), verdict("better")))
    assert "McNemar" in details and "p = " in details and "GloVe, fine-tuned 84.0%" in details
    assert "p = " not in tour.result_sentence(table(0.78, 0.84), verdict("better"))


def test_glove_sentence_says_how_close_from_the_rank():
    said = tour.glove_sentence(166, 0.80, ["better", "really", "always", "you"], 400_000)
    assert "closer to “good” than 99.96% of GloVe's 400,000 words" in said and "166th" not in said
    assert "than 50% of" in tour.glove_sentence(1_000, 0.1, ["a"], 2_000)


def test_the_measured_sweep_is_the_readme_table():
    """lib.tour.README_SWEEP is the one copy of the README's numbers in code: they must agree."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("### Every strategy at 500, 2,000 and all 25,000 labelled reviews"):]
    assert f"Measured\n{tour.README_SWEEP.measured}" in section  # the date the README gives
    rows = [line for line in section.splitlines() if re.match(r"\| (500|2,000|25,000) \|", line)][:3]
    order = ["learned", "glove_frozen", "glove_finetuned", "word2vec_frozen", "word2vec_finetuned"]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        size = int(cells[0].replace(",", ""))
        for key, cell in zip(order, cells[1:]):
            mean, std = (float(x) / 100 for x in re.findall(r"([\d.]+)%", cell)[:2])
            assert tour.README_SWEEP.accuracy[key][size] == pytest.approx((mean, std)), (key, size)


def test_gap_sentence_reads_the_gap_at_the_fewest_and_most_labels():
    said = tour.gap_sentence(tour.measured_table())
    assert "With 500 labelled reviews, word2vec, fine-tuned was right on 78.6%" in said
    assert "learning from scratch on 77.4%; with 25,000, 87.1% and 86.8%" in said
    assert "mattered most when labels were few" in said
    behind = tour.measured_table()
    behind = behind[behind["strategy"].isin(["learned", "glove_frozen"])]
    assert "no pretrained start was ahead with the fewest labels" in tour.gap_sentence(behind)
    assert "two sizes or more" in tour.gap_sentence(behind[behind["train_size"] == 500])


def test_sweep_runs_finds_runs_at_several_sizes_with_the_same_settings():
    def run(strategy, size, seed=0, lr=0.003):
        return {"config": {"strategy": strategy, "train_size": size, "seed": seed, "dataset_key": "imdb",
                           "learning_rate": lr}, "metrics": {}}

    sweep = [run(s, n) for s in ("learned", "glove_finetuned") for n in (500, 2000)]
    other = [run("learned", 500, lr=0.01), run("glove_frozen", 2000, lr=0.01)]  # other settings, no pair
    assert tour.sweep_runs(sweep + other, "imdb") == sweep
    assert tour.sweep_runs(sweep[:3], "imdb") == []  # glove at one size only
    assert tour.sweep_runs(sweep, "an-upload") == []


def test_race_sentence_states():
    snap = {"status": "running", "finished_tasks": 2, "total_tasks": 5,
            "tasks": [{"status": "running", "label": "GloVe, frozen"}]}
    assert "2 of 5 finished" in tour.race_sentence(snap) and "GloVe, frozen" in tour.race_sentence(snap)
    assert "All 5 models finished, in 12 s" in tour.race_sentence({**snap, "status": "done", "elapsed": 12.2})
    ticking = tour.race_sentence({**snap, "elapsed": 75.4}, seconds_left=31)
    assert "1 min 15 s so far" in ticking and "about 31 s left" in ticking


def test_maps_sentence_direction():
    s = tour.maps_sentence("A", "B", 0.6, 0.9, 0.85, 0.2, 2000)
    assert "60%" in s and "90%" in s and "further apart" in s and "2,000" in s
