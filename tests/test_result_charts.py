"""The Train page's result charts: one banded line per strategy, values clear of the error bars."""
import pandas as pd

from lib import result_charts


def _curve(strategy, label, val):
    return {"strategy": strategy, "label": label, "history": {"val_accuracy": val, "accuracy": [v + 0.1 for v in val]}}


def test_twenty_runs_become_one_line_and_band_per_strategy():
    curves = [_curve(s, s.title(), [0.5 + 0.01 * seed, 0.6 + 0.02 * seed, 0.7])
              for s in ("learned", "glove_frozen", "glove_finetuned", "word2vec_frozen", "word2vec_finetuned")
              for seed in range(4)]
    fig = result_charts.learning_bands(curves)
    lines = [t for t in fig.data if t.fill != "toself"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(lines) == 10 and len(bands) == 5          # validation + training per strategy, one band each
    learned = next(t for t in lines if t.name.startswith("Learned (validation)"))
    assert "(4 seeds)" in learned.name and [round(v, 4) for v in learned.y] == [0.515, 0.63, 0.7]
    band = bands[0]
    assert [round(v, 4) for v in band.y] == [0.53, 0.66, 0.7, 0.7, 0.6, 0.5]   # highest seed out, lowest seed back


def test_one_seed_draws_no_band():
    fig = result_charts.learning_bands([_curve("learned", "Learned", [0.5, 0.6])])
    assert not [t for t in fig.data if t.fill == "toself"] and "seeds" not in fig.data[0].name


def test_bar_values_sit_inside_the_bars():
    table = pd.DataFrame({"Strategy": ["A", "B"], "strategy": ["learned", "glove_frozen"], "accuracy_mean": [0.8, 0.7],
                          "accuracy_std": [0.02, 0.03], "seeds": [3, 3]})
    bar = result_charts.accuracy_bars(table).data[0]
    assert bar.textposition == "inside" and bar.insidetextanchor == "start" and list(bar.text) == ["80.0%", "70.0%"]
