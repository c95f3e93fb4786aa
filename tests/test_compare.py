"""lib.compare: embedding references, shared words, the pair sentence, moved words, label folding."""
import numpy as np
import pytest

from lib import compare
from lib.compare import CompareError, EmbeddingRef
from lib.neighbours import PairReading, pair_summary
from lib import movement, neighbours, sentiment
from lib.neighbours import keyed_vectors
from lib.sentiment import sentiment_table
from lib.words import known_to_all


@pytest.mark.parametrize("ref", [
    EmbeddingRef.glove(),
    EmbeddingRef.vector_set("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)"),
    EmbeddingRef.vector_set("odd: name (uploaded, 12 words)"),  # a ":" inside a label must survive
    EmbeddingRef.run("20260101-120000-glove_finetuned-s0", after_training=True),
    EmbeddingRef.run("20260101-120000-glove_finetuned-s0", after_training=False),
])
def test_embedding_ref_round_trips_through_its_key(ref):
    assert EmbeddingRef.parse(str(ref)) == ref
    assert hash(EmbeddingRef.parse(str(ref))) == hash(ref)


def test_keys_are_the_ones_sessions_already_hold():
    assert str(EmbeddingRef.run("r1")) == "run:r1:final"
    assert str(EmbeddingRef.run("r1", after_training=False)) == "run:r1:initial"
    assert EmbeddingRef.parse("run:r1:initial").kind == compare.RUN_BEFORE


@pytest.mark.parametrize("key", ["", "set:", "run:r1", "run::final", "run:r1:middle", "GloVe"])
def test_keys_that_mean_nothing_are_a_sentence(key):
    with pytest.raises(CompareError, match="pick it again"):
        EmbeddingRef.parse(key)


def test_labels_name_runs_by_their_name_and_fall_back_to_the_id():
    after = EmbeddingRef.run("r1")
    assert after.label("GloVe, fine-tuned") == "GloVe, fine-tuned — after training"
    assert after.short_label("GloVe, fine-tuned") == "GloVe, fine-tuned · after"
    assert after.short_label() == "r1 · after"
    assert EmbeddingRef.glove().short_label() == "GloVe 50-d"


def test_load_calls_only_the_loader_it_needs():
    calls = []
    loaders = dict(glove=lambda: calls.append("glove") or "G",
                   vector_sets={"w2v": lambda: calls.append("w2v") or "W"},
                   run_vectors=lambda run_id, stage: calls.append((run_id, stage)) or "R")
    assert EmbeddingRef.run("r1", after_training=False).load(**loaders) == "R"
    assert EmbeddingRef.vector_set("w2v").load(**loaders) == "W"
    assert calls == [("r1", "initial"), "w2v"]
    with pytest.raises(CompareError, match="no longer loaded"):
        EmbeddingRef.vector_set("gone").load(**loaders)


def test_pair_summary_picks_the_closest_and_farthest_and_says_who_pulls_apart():
    readings = [PairReading("GloVe 50-d", 0.79, 2), PairReading("run · after", 0.31, 840),
                PairReading("run · before", 0.55, 40)]
    assert pair_summary("good", "bad", readings) == (
        "“good” and “bad”: cosine +0.79 in GloVe 50-d (neighbour #2) vs +0.31 in run · after (neighbour #840). "
        "run · after pulls them further apart.")


@pytest.mark.parametrize("gap,ending", [
    (neighbours.APART_GAP + 0.001, "pulls them further apart."),
    (neighbours.APART_GAP - 0.01, "(neighbour #9)."),  # between the two thresholds: the numbers alone
    (neighbours.AGREE_GAP - 0.01, "The embeddings agree on how close they are."),
])
def test_pair_summary_thresholds(gap, ending):
    sentence = pair_summary("a", "b", [PairReading("x", 0.5 + gap, 1), PairReading("y", 0.5, 9)])
    assert sentence.endswith(ending)


def test_known_to_all_keeps_order_tries_lower_case_and_reports_the_rest():
    known, dropped = known_to_all([{"good", "film"}, {"good", "film", "bad"}], ["Film", "bad", "good", "film"])
    assert known == ["film", "good"] and dropped == ["bad"]


def test_fold_labels_keeps_two_classes_and_folds_more():
    labels, positive, is_sentiment = sentiment.fold_labels(np.array([0, 1, 1]), ["neg", "pos"])
    assert labels.tolist() == [0, 1, 1] and positive == 1 and is_sentiment
    labels, positive, is_sentiment = sentiment.fold_labels(np.array([2, 0, 1, 0]), ["a", "b", "c"])
    assert labels.tolist() == [0, 1, 0, 1] and positive == 1 and not is_sentiment


def _run(trained_rows):
    vocabulary = ["", "good", "bad", "film", "plot"]
    rng = np.random.default_rng(0)
    initial = rng.normal(size=(5, 4)).astype(np.float32)
    initial[0] = 0
    final = initial.copy()
    for row, turn in trained_rows.items():  # rotate some rows by a known amount in the first two dims
        c, s = np.cos(turn), np.sin(turn)
        final[row, :2] = initial[row, :2] @ np.array([[c, -s], [s, c]], dtype=np.float32)
    return vocabulary, initial, final


def test_moved_words_counts_changed_rows_and_lists_the_most_turned_first():
    vocabulary, initial, final = _run({1: 0.3, 3: 1.2})
    result = movement.moved_words(vocabulary, initial, final, ["good", "bad", "film", "unknown"], k=2)
    assert result.changed == 2 and result.total == 4
    assert [w for w, _ in result.moved] == ["film", "good"]
    assert result.moved[0][1] < result.moved[1][1] < movement.CHANGED_BELOW_COSINE


def test_a_frozen_run_and_round_off_count_as_unchanged():
    vocabulary, initial, _ = _run({})
    nudged = initial + np.float32(1e-7) * initial  # float32 noise, not training
    result = movement.moved_words(vocabulary, initial, nudged, ["good"])
    assert result.changed == 0
    assert "the embedding was frozen" in movement.movement_sentence("Frozen run", result)


def test_moved_words_off_the_map_are_said_so():
    vocabulary, initial, final = _run({4: 1.0})
    result = movement.moved_words(vocabulary, initial, final, ["good"])
    assert result.changed == 1 and [w for w, _ in result.moved] == ["good"]
    result = movement.moved_words(vocabulary, initial, final, ["nothing", "known"])
    assert result.moved == [] and "none of them is on the map" in movement.movement_sentence("R", result)


def test_neighbour_lists_skip_embeddings_without_the_word_and_rows_mark_shared_words():
    rng = np.random.default_rng(1)
    words = ["", "good", "bad", "great", "film", "plot"]
    a = keyed_vectors(words, rng.normal(size=(6, 3)))
    b = keyed_vectors(words[:3], rng.normal(size=(3, 3)))
    lists = neighbours.neighbour_lists({"A": a, "B": b}, "great", 2)
    assert list(lists) == ["A"] and len(lists["A"]) == 2
    lists = neighbours.neighbour_lists({"A": a, "B": b}, "good", 1)
    rows = neighbours.neighbour_rows(lists)
    assert [(r["embedding"], r["rank"]) for r in rows] == [("A", 1), ("B", 1)]
    assert all(r["in all"] == (lists["A"][0][0] == lists["B"][0][0]) for r in rows)


def test_balanced_sentiment_words_are_equal_in_number_and_known_to_all():
    texts = ["great fun film"] * 30 + ["awful dull film"] * 30 + ["great awful plot"] * 5
    labels = [1] * 30 + [0] * 30 + [1] * 5
    table = sentiment_table(texts, labels)
    pos, neg = sentiment.balanced_sentiment_words(table, [{"great", "fun", "awful", "dull"}], n_each=5)
    assert set(pos) == {"great", "fun"} and set(neg) == {"awful", "dull"}
    pos, neg = sentiment.balanced_sentiment_words(table, [{"great", "fun", "awful"}], n_each=5)
    assert len(pos) == len(neg) == 1 and neg == ["awful"]


def test_map_colours_by_frequency_is_log10_of_texts_containing_the_word():
    table = sentiment_table(["a b", "a", "a c"] * 10, [1, 0, 1] * 10)
    values, label, diverging = sentiment.map_colours(table, ["a", "b", "zzz"], by_sentiment=False)
    # a word the texts never contain has no frequency colour (nan: map_figure gives it the lowest)
    assert np.allclose(values, [np.log10(30), 1.0, np.nan], equal_nan=True) and not diverging and "log10" in label


def test_default_dataset_follows_the_first_chosen_run():
    chosen = [EmbeddingRef.glove(), EmbeddingRef.run("r2"), EmbeddingRef.run("r1")]
    configs = {"r1": {"dataset_key": "upload-x"}, "r2": {"dataset_key": "imdb-n2000-s1"}}
    assert compare.default_dataset(chosen, configs) == "imdb"
    assert compare.default_dataset(chosen[::-1], configs) == "upload-x"
    assert compare.default_dataset([EmbeddingRef.glove()], configs) == "imdb"


def test_the_map_caption_says_when_the_alignment_failed():
    from lib import compare, maps

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 10))
    panels = maps.aligned_maps([X, X @ np.linalg.qr(rng.normal(size=(10, 10)))[0], rng.normal(size=(60, 10))])
    d = compare.disparities(panels)
    assert d[0] < 0.01 and d[1] > compare.ALIGNMENT_FAILED     # a rotated copy lines up, an unrelated cloud does not
    sentence = compare.alignment_sentence(["A", "B", "C"], d)
    assert "It failed for C" in sentence and "B lines up with A" in sentence
    assert "same region means about the same thing" not in compare.alignment_sentence(["A", "C"], d[1:])


def test_flat_turned_most_bars_are_said_to_say_little():
    from lib import movement

    flat = movement.Movement([("good", 0.97), ("bad", 0.975), ("film", 0.98)], 100, 100)
    assert "say little" in movement.flat_bars_note(flat)
    assert movement.flat_bars_note(movement.Movement([("good", 0.5), ("bad", 0.97)], 100, 100)) == ""
