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


def test_takeaway_follows_the_numbers():
    assert "came out ahead" in tour.takeaway_sentence(table(0.70, 0.78))
    assert "78.0%" in tour.takeaway_sentence(table(0.70, 0.78))
    assert "learning from scratch did better" in tour.takeaway_sentence(table(0.85, 0.80))
    assert "best pretrained start ended within a point" in tour.takeaway_sentence(table(0.800, 0.805))
    assert "No model has finished" in tour.takeaway_sentence(table(0.8, 0.8).iloc[0:0])


def test_race_sentence_states():
    snap = {"status": "running", "finished_tasks": 2, "total_tasks": 5,
            "tasks": [{"status": "running", "label": "GloVe, frozen"}]}
    assert "2 of 5 finished" in tour.race_sentence(snap) and "GloVe, frozen" in tour.race_sentence(snap)
    assert "All 5 models finished in 12 seconds" in tour.race_sentence({**snap, "status": "done", "elapsed": 12.2})


def test_maps_sentence_direction():
    s = tour.maps_sentence("A", "B", 0.6, 0.9, 0.85, 0.2, 2000)
    assert "60%" in s and "90%" in s and "further apart" in s and "2,000" in s
