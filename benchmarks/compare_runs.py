"""Two small saved runs for Compare to map (GloVe rows before training, nudged rows after), for the browser tests and
the classroom benchmark, which both need a Compare page with something on it.

Run it in a child process whose ``EMBEDDING_LAB_DATA`` is the server's data folder (``python -m
benchmarks.compare_runs``), so the calling process's own data folder never moves.
"""
import numpy as np

from lib import runs
from lib.vectors.packaged import glove


def save_two_runs() -> None:
    """Save two GloVe-fine-tuned runs (seeds 0 and 1) over GloVe's 400 most frequent words."""
    kv = glove()
    vocabulary = [""] + list(kv.index_to_key[:400])
    initial = np.vstack([np.zeros((1, 50), "float32"), kv.vectors[:400]]).astype("float32")
    final = initial + np.random.default_rng(0).normal(scale=0.05, size=initial.shape).astype("float32")
    for seed in (0, 1):
        config = {"strategy": "glove_finetuned", "strategy_label": "GloVe, fine-tuned", "architecture": "average",
                  "dataset_key": "imdb", "dataset_name": "IMDB", "train_size": 500, "vocab_size": 401,
                  "sequence_length": 100, "embedding_dim": 50, "epochs": 1, "batch_size": 32,
                  "learning_rate": 0.01, "seed": seed}
        runs.save_run(config, {"loss": [0.6]}, {"test_accuracy": 0.7, "test_loss": 0.6}, vocabulary, initial, final)


if __name__ == "__main__":
    save_two_runs()
