"""The tour's sentences say what the numbers say."""
import pandas as pd

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


def test_takeaway_follows_the_numbers_and_both_kinds_of_noise():
    assert "78.0%" in tour.takeaway_sentence(table(0.70, 0.78))
    assert "right on 78 of 100 reviews it had never seen" in tour.takeaway_sentence(table(0.70, 0.78))
    helped = tour.takeaway_sentence(table(0.78, 0.84), verdict("better"))
    assert "GloVe, fine-tuned beat learning from scratch, and that holds up against both kinds of luck" in helped
    assert "Learning from scratch beat GloVe, fine-tuned, and that holds up against both kinds of luck" in \
        tour.takeaway_sentence(table(0.84, 0.78), verdict("worse"))
    same = tour.takeaway_sentence(table(0.800, 0.805), verdict("about the same"))
    assert "Which reviews happened to be picked for the test could explain the gap" in same
    assert "No pretrained start beat learning from scratch" in same
    # without a noise test, no sentence claims that a start helped
    assert "beat" not in tour.takeaway_sentence(table(0.70, 0.78))
    assert "No model has finished" in tour.takeaway_sentence(table(0.8, 0.8).iloc[0:0])


def test_takeaway_of_one_training_run_each_never_names_a_winner():
    for name in ("better", "worse", "about the same"):
        said = tour.takeaway_sentence(table(0.78, 0.84), verdict(name, seeds=1))
        assert "beat" not in said and "better" not in said and "worse" not in said, said
        assert "Each model was trained once" in said and "at least 3 runs of each" in said, said


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
