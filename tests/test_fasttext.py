"""fastText as the sixth vector source: training and its pickle-free cache, n-gram rows and honest coverage,
the registry entry and its estimate, the tour's race that stays at five, Explore's out-of-vocabulary line."""
import numpy as np
import pytest

from lib import coverage, training
from lib.config import PRESETS, estimate_seconds
from lib.data.toy import toy_dataset, toy_key
from lib.models import STRATEGIES, VECTOR_SOURCES
from lib.paths import cache_dir
from lib.vectors.matrix import embedding_matrix
from lib.vectors.word2vec import Word2VecParams, train_word2vec, word2vec_cache_path
from tests.test_vectors import CORPUS  # the same tiny corpus word2vec's own tests learn from

SMALL = dict(dim=8, epochs=2, min_count=2, workers=1)


@pytest.fixture(scope="module")
def fasttext():
    return train_word2vec(CORPUS, method="fasttext", cache_key="ft-tests", **SMALL)


def test_fasttext_trains_and_is_cached_as_arrays_never_a_pickle(fasttext, monkeypatch):
    assert {"good", "bad", "movie"} <= set(fasttext.key_to_index) and "goooood" not in fasttext.key_to_index
    built = fasttext.get_vector("goooood")  # a word it never saw, from its n-grams
    assert built.shape == (8,) and np.abs(built).sum() > 0
    [path] = (cache_dir() / "word2vec").glob("ft-tests-*.ft.npz")
    with np.load(path, allow_pickle=False) as saved:  # raises for any object array
        assert saved["vectors_ngrams"].shape[1] == 8
    import gensim.models

    monkeypatch.setattr(gensim.models, "FastText", lambda *a, **k: pytest.fail("trained again"))
    again = train_word2vec(CORPUS, method="fasttext", cache_key="ft-tests", **SMALL)
    assert type(again).__name__ == "FastTextKeyedVectors"
    assert np.allclose(again["good"], fasttext["good"]) and np.allclose(again.get_vector("goooood"), built)


def test_word2vec_caches_keep_their_names_and_fasttext_gets_its_own():
    texts = ["a good film", "a bad film"]
    # the name this cache had before fastText existed: word2vec sets cached then are still found
    assert word2vec_cache_path(texts, "key", Word2VecParams(dim=8)).name == "key-be49eabaa3d3.w2v.bin"
    assert word2vec_cache_path(texts, "key", Word2VecParams(dim=8, method="fasttext")).name.endswith(".ft.npz")


def test_embedding_matrix_builds_unknown_words_from_pieces_and_counts_them(fasttext):
    vocabulary = ["", "good", "goooood", "movie", "filmz"]
    init = embedding_matrix(vocabulary, fasttext)
    assert (init.hits, init.misses, init.from_pieces) == (4, 0, 2)
    assert init.pieces_examples == ["goooood", "filmz"] and init.covered[1:].all()
    assert np.allclose(init.matrix[2], fasttext.get_vector("goooood")) and not init.matrix[0].any()
    assert np.array_equal(init.matrix[1], fasttext["good"])
    plain = train_word2vec(CORPUS, **SMALL)  # word2vec: no pieces, the same two words start random
    assert (embedding_matrix(vocabulary, plain).misses, embedding_matrix(vocabulary, plain).from_pieces) == (2, 0)


def test_two_fasttext_strategies_share_word2vec_parameters_and_estimate():
    assert [STRATEGIES[k].trainable for k in ("fasttext_frozen", "fasttext_finetuned")] == [False, True]
    assert VECTOR_SOURCES["fasttext"].learns_from_texts and VECTOR_SOURCES["fasttext"].dim is None
    config = dict(PRESETS["Quick demo"], strategy="fasttext_frozen", word2vec_epochs=3)
    assert Word2VecParams.from_config(config) == Word2VecParams(epochs=3, method="fasttext")
    assert Word2VecParams.from_config(dict(config, strategy="word2vec_frozen")).method == "word2vec"
    assert (VECTOR_SOURCES["fasttext"].seconds(25_000, config)
            > VECTOR_SOURCES["word2vec"].seconds(25_000, config) > 1)
    quick = dict(PRESETS["Quick demo"], pretraining_corpus="all_training_texts")
    assert estimate_seconds(quick, ["fasttext_frozen"]) > estimate_seconds(quick, ["word2vec_frozen"])


def test_a_fasttext_run_reports_whole_words_and_words_built_from_pieces():
    d = toy_dataset(n_train=300, n_test=100, seed=4)
    texts = list(d.train_texts)
    texts[0] += " goooood"  # once: in the model's vocabulary, below fastText's min count
    d = type(d)(**{**d.__dict__, "train_texts": texts})
    settings = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=1, dataset_key=toy_key(300, 100, 4),
                    pretraining_corpus="all_training_texts", word2vec_epochs=1, strategy="fasttext_frozen")
    run = training.train(settings, dataset=d, keep_model=False)
    m = run.metrics
    assert m["coverage"] == 1.0 and m["from_pieces"] >= 1 and "goooood" in m["pieces_examples"]
    assert run.config["pretraining"]["params"]["method"] == "fasttext" and run.config["strategy_label"] == "fastText, frozen"
    assert np.array_equal(run.embedding_initial, run.embedding_final)
    [row] = coverage.coverage_rows([{"config": run.config, "metrics": m}])
    sentence = coverage.coverage_sentence([row])
    assert f"{m['hits'] - m['from_pieces']:,} from whole words it learned" in sentence
    assert f"{m['from_pieces']:,} (for example goooood" in sentence and "built from their character n-grams only" in sentence


def test_the_tours_race_stays_at_five_strategies():
    from lib import demo

    assert demo.demo_spec("Quick demo").strategies == ["learned", "glove_frozen", "glove_finetuned",
                                                       "word2vec_frozen", "word2vec_finetuned"]


def test_explore_says_what_fasttext_builds_for_a_word_others_lack(fasttext):
    from lib.explore import subword_line

    plain = train_word2vec(CORPUS, **SMALL)
    chosen = [("word2vec trained on IMDB (500 training texts; 8-d)", plain),
              ("fastText trained on IMDB (500 training texts; 8-d)", fasttext)]
    line = subword_line(chosen, "Goooood")
    assert line.startswith("'Goooood' is not in word2vec trained on IMDB (500 training texts); fastText trained on "
                           "IMDB (500 training texts) builds it from its pieces: nearest ")
    assert line.count("(0.") + line.count("(1.") + line.count("(-0.") == 5
    assert subword_line(chosen, "good") == "" and subword_line(chosen[:1], "goooood") == ""


def test_glossary_explains_fasttext_and_subwords():
    from lib.glossary import definition, matching_terms

    assert "pieces" in definition("fastText") and "n-gram" in definition("subword")
    assert "fastText" in matching_terms("misspelling")
