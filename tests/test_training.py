"""Training on tiny data: every strategy and architecture, freezing, seeds, honest splits, summaries."""
import threading

import numpy as np
import pytest

from lib import training
from lib.config import PRESETS, RunConfig, estimate_seconds, make_config
from lib.data.toy import toy_dataset, toy_key
from lib.models import ARCHITECTURES, STRATEGIES
from lib.results import results_table, summary_sentence

# The default pretraining corpus (every training text), which these tests are about; the Tiny preset itself
# pretrains on its labelled reviews only, to keep the page tests fast.
TINY = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=1, dataset_key=toy_key(300, 200, 0),
            pretraining_corpus="all_training_texts")
CONTRACT_CONFIG = ["dataset_key", "dataset_name", "train_size", "strategy", "strategy_label", "architecture",
                   "vocab_size", "sequence_length", "embedding_dim", "epochs", "batch_size", "learning_rate",
                   "seed", "job_id"]
CONTRACT_METRICS = ["test_accuracy", "test_loss", "train_seconds", "hits", "misses", "trainable_params",
                    "frozen_params"]


@pytest.fixture(scope="module")
def dataset():
    return toy_dataset(n_train=300, n_test=200)


@pytest.fixture(scope="module")
def data(dataset):
    return training.prepare_data(dataset, make_config(**TINY))


@pytest.fixture(scope="module")
def vectors():
    return {}


@pytest.fixture(scope="module")
def runs_by_strategy(data, vectors):
    return {s: training.train(dict(TINY, strategy=s, job_id="test"), data=data, vectors=vectors) for s in STRATEGIES}


def test_splits_are_honest(dataset, data):
    assert len(data.x_train) + len(data.x_val) == len(dataset.train_texts) == data.train_size
    assert len(data.x_val) == 30  # 10 % of the training texts, never the test split
    assert len(data.x_test) == len(dataset.test_texts)


def test_tokenizer_is_fitted_on_training_texts_only(dataset):
    d = toy_dataset(n_train=100, n_test=50)
    d = type(d)(**{**d.__dict__, "test_texts": [t + " onlyintestword" for t in d.test_texts]})
    prepared = training.prepare_data(d, make_config(**TINY))
    assert "onlyintestword" not in prepared.vocabulary
    assert prepared.vocabulary[0] == ""


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_every_strategy_trains_and_reports(runs_by_strategy, strategy):
    run = runs_by_strategy[strategy]
    for key in CONTRACT_CONFIG:
        assert key in run.config, key
    for key in CONTRACT_METRICS:
        assert key in run.metrics, key
    assert run.config["strategy"] == strategy and run.config["seed"] == 0
    assert 0.0 <= run.metrics["test_accuracy"] <= 1.0
    assert len(run.history["loss"]) == len(run.history["val_accuracy"]) == 1
    assert run.embedding_initial.shape == run.embedding_final.shape == (len(run.vocabulary), 50)
    if STRATEGIES[strategy].source is None:
        assert run.metrics["hits"] is None
    else:
        assert run.metrics["hits"] > 0 and run.metrics["hits"] + run.metrics["misses"] == len(run.vocabulary) - 1


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_frozen_stays_fine_tuned_moves(runs_by_strategy, strategy):
    run = runs_by_strategy[strategy]
    if STRATEGIES[strategy].trainable:
        assert not np.allclose(run.embedding_initial, run.embedding_final)
        assert run.metrics["frozen_params"] == 0
    else:
        assert np.array_equal(run.embedding_initial, run.embedding_final)
        assert run.metrics["frozen_params"] == run.embedding_initial.size


def test_glove_start_is_the_glove_rows(runs_by_strategy):
    from lib.vectors.packaged import glove

    run = runs_by_strategy["glove_frozen"]
    glove = glove()
    i = run.vocabulary.index("great")
    assert np.allclose(run.embedding_initial[i], glove["great"])
    assert "zorblax" in run.metrics["missed_examples"]
    assert np.all(run.embedding_initial[0] == 0)


def test_word2vec_learned_from_every_training_text(runs_by_strategy, vectors, dataset):
    pretraining = runs_by_strategy["word2vec_frozen"].config["pretraining"]
    assert pretraining["texts"] == len(dataset.train_texts) and pretraining["corpus"] == "all_training_texts"
    kv = vectors[("word2vec", dataset.key)]
    assert "great" in kv.key_to_index and kv.vector_size == 50


def test_pretraining_corpus_is_all_training_texts_never_test_texts():
    d = toy_dataset(n_train=300, n_test=50, seed=5)
    d = type(d)(**{**d.__dict__, "test_texts": [t + " onlyintestword" for t in d.test_texts]})
    small = training.prepare_data(d, make_config(**dict(TINY, train_size=60)))
    assert small.train_size == 60 and len(small.corpus) == 300  # labels unused: every training text
    assert small.corpus.key == d.key
    assert not any("onlyintestword" in t for t in small.corpus.texts)
    labelled = training.prepare_data(d, make_config(**dict(TINY, train_size=60,
                                                            pretraining_corpus="labelled_only")))
    assert len(labelled.corpus) == 60 and labelled.corpus.key != d.key


def test_one_word2vec_per_corpus_is_shared_by_every_subset_size(monkeypatch):
    from lib.vectors import pretraining

    calls = []
    real = pretraining.train_word2vec
    monkeypatch.setattr(pretraining, "train_word2vec", lambda texts, **kw: calls.append(len(texts)) or real(texts, **kw))
    d = toy_dataset(n_train=300, n_test=50, seed=6)
    settings = dict(TINY, strategy="word2vec_frozen", word2vec_epochs=2)  # parameters no other test uses
    runs = [training.train(dict(settings, train_size=n), dataset=d, keep_model=False) for n in (60, 150)]
    assert calls in ([300], [])  # trained once on all 300 texts (or found in the disk cache), never per subset
    for run in runs:
        assert run.config["pretraining"]["texts"] == 300
        i = run.vocabulary.index("great")
        assert np.array_equal(run.embedding_initial[i], runs[0].embedding_initial[runs[0].vocabulary.index("great")])


def plugin_vectors(corpus, config, on_progress=None):
    """A new source, for the registry test (a plugin's): gensim FastText trained on the pretraining corpus."""
    from gensim.models import FastText

    from lib.text import text_to_word_sequence

    model = FastText([text_to_word_sequence(t) for t in corpus.texts], vector_size=config.embedding_dim,
                     min_count=1, epochs=2, seed=0, workers=1)
    return model.wv


def plugin_seconds(n_texts, config):
    return 1e-3 * n_texts


def test_a_new_vector_source_is_one_registry_entry(dataset):
    from lib import models

    added = models.register_source(models.VectorSource(
        "plugin", "Plugin", loader=f"{__name__}:plugin_vectors", estimator=f"{__name__}:plugin_seconds",
        description="gensim FastText trained here", learns_from_texts=True))
    try:
        assert [s.key for s in added] == ["plugin_frozen", "plugin_finetuned"]
        run = training.train(dict(TINY, strategy="plugin_frozen"), dataset=dataset, keep_model=False)
        assert run.config["strategy_label"] == "Plugin, frozen" and run.metrics["coverage"] == 1.0
        assert np.array_equal(run.embedding_initial, run.embedding_final)
        assert estimate_seconds(TINY, ["plugin_finetuned"]) > estimate_seconds(TINY, ["learned"])
    finally:
        models.unregister_source("plugin")
    assert "plugin_frozen" not in STRATEGIES


def test_coverage_says_how_covered_and_uncovered_rows_moved(runs_by_strategy):
    frozen, tuned = runs_by_strategy["glove_frozen"].metrics, runs_by_strategy["glove_finetuned"].metrics
    assert 0 < frozen["coverage"] < 1  # zorblax and flimwop are not in GloVe
    assert frozen["moved_covered"] == frozen["moved_uncovered"] == 0.0
    assert tuned["moved_covered"] > 0 and tuned["moved_uncovered"] > 0


def test_the_toy_task_is_learnable(data, vectors):
    run = training.train(dict(TINY, strategy="glove_finetuned", epochs=4), data=data, vectors=vectors)
    assert run.metrics["test_accuracy"] > 0.7


@pytest.mark.parametrize("architecture", [a for a in ARCHITECTURES if a != "average"])
def test_other_architectures_train(data, architecture):
    run = training.train(dict(TINY, strategy="learned", architecture=architecture), data=data, keep_model=False)
    assert run.config["architecture"] == architecture and 0 <= run.metrics["test_accuracy"] <= 1
    assert run.model is None


def test_early_stopping_keeps_the_best_epoch(data):
    run = training.train(dict(TINY, strategy="learned", epochs=6, early_stopping=True, patience=1, learning_rate=0.05),
                         data=data, keep_model=False)
    losses = run.history["val_loss"]
    assert 1 <= len(losses) <= 6
    assert run.metrics["best_epoch"] == int(np.argmin(losses)) + 1
    assert run.config["early_stopping"] is True and run.config["patience"] == 1


def test_seeds_make_runs_repeatable(data, runs_by_strategy):
    a = training.train(dict(TINY, strategy="learned", seed=1), data=data)
    b = training.train(dict(TINY, strategy="learned", seed=1), data=data)
    c = runs_by_strategy["learned"]  # the same settings with seed 0, trained once for the whole module
    assert c.config["seed"] == 0
    assert np.array_equal(a.embedding_initial, b.embedding_initial)
    assert not np.array_equal(a.embedding_initial, c.embedding_initial)
    # the whole run repeats, not only its start: trained weights and the test result
    np.testing.assert_allclose(a.embedding_final, b.embedding_final, atol=1e-6)
    assert a.metrics["test_accuracy"] == b.metrics["test_accuracy"]
    assert abs(a.metrics["test_loss"] - b.metrics["test_loss"]) < 1e-5
    assert a.config["seed"] == 1


def test_word2vec_from_a_seed_is_reproducible():
    from lib.vectors.word2vec import train_word2vec

    texts = [f"the film was {w} and the plot was {v}" for w in ("good", "bad", "great", "dull") for v in
             ("thin", "rich", "slow", "fast")] * 5
    a = train_word2vec(texts, dim=8, min_count=1, epochs=3, seed=3)
    b = train_word2vec(texts, dim=8, min_count=1, epochs=3, seed=3)
    assert np.array_equal(a.vectors, b.vectors)


def test_progress_and_cancel(data):
    events = []
    cancel = threading.Event()

    def on_progress(event):
        events.append(event)
        if event.get("stage") == "training" and event.get("batch", 0) >= 2:
            cancel.set()

    with pytest.raises(training.TrainingCancelled):
        training.train(dict(TINY, strategy="learned", epochs=3), on_progress, data=data, cancel=cancel)
    batches = [e["batch"] for e in events if e.get("stage") == "training"]
    assert max(batches) <= 3  # stopped right after the batch that saw the cancel
    assert not any(e.get("stage") == "epoch_end" for e in events)


def test_run_config_round_trips_and_ignores_recorded_facts(runs_by_strategy):
    run = runs_by_strategy["glove_finetuned"]
    config = RunConfig.from_dict(run.config)  # config.json holds facts too (dataset_name, vocab_size, ...)
    assert config.strategy == "glove_finetuned" and config.to_dict().items() <= run.config.items()
    assert RunConfig.from_dict(config.to_dict()) == config


def test_bad_settings_are_clear_errors():
    with pytest.raises(training.TrainingError, match="architecture"):
        make_config(architecture="gpt")
    with pytest.raises(training.TrainingError, match="learning rate"):
        make_config(learning_rate=5)
    with pytest.raises(training.TrainingError, match="strategy"):
        make_config(strategy="bert")


def _fake(strategy, label, size, seed, acc):
    config = {"strategy": strategy, "strategy_label": label, "train_size": size, "seed": seed, "epochs": 2}
    metrics = {"test_accuracy": acc, "test_loss": 0.4, "train_seconds": 1.0, "epochs_completed": 2,
               "trainable_params": 10, "frozen_params": 0, "hits": 5, "misses": 1}
    return training.Run(config, {}, metrics, [""], np.zeros((1, 1)), np.zeros((1, 1)))


def test_results_table_and_summary_sentence():
    runs = [_fake("learned", "Learned from scratch", 2000, s, a) for s, a in [(0, 0.78), (1, 0.80)]]
    runs += [_fake("glove_finetuned", "GloVe, fine-tuned", 2000, s, a) for s, a in [(0, 0.84), (1, 0.84)]]
    table = results_table(runs)
    assert list(table["strategy"]) == ["learned", "glove_finetuned"]
    row = table.iloc[0]
    assert row["seeds"] == 2 and row["accuracy_mean"] == pytest.approx(0.79)
    assert row["accuracy_std"] == pytest.approx(np.std([0.78, 0.80], ddof=1))
    sentence = summary_sentence(table)
    assert "GloVe, fine-tuned did best: 84.0%" in sentence
    assert "5.0 percentage points above learning the embedding from scratch" in sentence
    assert "2,000 training reviews" in sentence
    assert summary_sentence(results_table([])) == "No finished runs yet."


def test_estimate_grows_with_work():
    quick = make_config(**PRESETS["Quick demo"])
    full = make_config(**PRESETS["Full IMDB"])
    five = list(STRATEGIES)
    assert 0 < estimate_seconds(quick, five) < estimate_seconds(full, five)
    assert estimate_seconds(quick, five, seeds=3) > estimate_seconds(quick, five)
