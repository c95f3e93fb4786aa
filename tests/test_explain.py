"""The numbers behind the "What an Embedding layer does" page, from real Keras layers."""
import numpy as np

from lib import explain


def classic():
    return explain.tokenize_example(list(explain.CLASSIC_TEXTS), num_words=10, maxlen=6)


def test_classic_example_ids():
    example = classic()
    assert example.ids.tolist() == [[0, 0, 1, 2, 3, 4], [0, 1, 2, 5, 3, 4]]
    assert example.word_table["word"].tolist() == ["this", "is", "a", "text", "not"]
    assert example.word_table["count"].tolist() == [2, 2, 2, 2, 1]
    assert example.dropped == [[], []]


def test_small_vocabulary_drops_words_and_long_text_is_truncated():
    example = explain.tokenize_example(["one two three four five six seven"], num_words=4, maxlen=2)
    assert example.dropped == [["four", "five", "six", "seven"]]
    assert example.ids.tolist() == [[2, 3]]  # 'pre' truncation keeps the end
    assert example.truncated == [1]


def test_embedding_output_is_a_row_lookup_and_one_hot_product_agrees():
    example = classic()
    lookup = explain.embedding_lookup(example.ids, vocab_size=10, dim=3)
    assert lookup.weights.shape == (10, 3)
    assert lookup.output.shape == (2, 6, 3)
    assert lookup.max_lookup_difference == 0.0
    assert np.array_equal(lookup.output[1, 2], lookup.weights[2])
    assert lookup.mask.tolist() == [[False, False, True, True, True, True], [False, True, True, True, True, True]]
    one_hot, product = explain.one_hot_product(example.ids[0], lookup.weights)
    assert one_hot.shape == (6, 10) and one_hot.sum() == 6
    np.testing.assert_allclose(product, lookup.output[0], atol=1e-7)


def test_masked_average_ignores_padding():
    example = classic()
    lookup = explain.embedding_lookup(example.ids, vocab_size=10, dim=3)
    masked, unmasked = explain.average_pooling(lookup.output, lookup.mask)
    np.testing.assert_allclose(masked[0], lookup.weights[[1, 2, 3, 4]].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(unmasked[0], lookup.weights[[0, 0, 1, 2, 3, 4]].mean(axis=0), rtol=1e-5)
    assert not np.allclose(masked[0], unmasked[0])


def test_training_moves_only_rows_in_the_batch_and_not_padding_under_mask():
    example = classic()
    labels = explain.toy_labels(2)
    masked = explain.train_steps(example.ids, labels, vocab_size=10, dim=3, steps=3)
    assert masked.in_batch.tolist() == [True] * 6 + [False] * 4
    assert np.all(masked.change[1:6] > 0)
    assert np.all(masked.change[6:] == 0)
    assert masked.change[0] == 0  # padding is masked out of the average
    unmasked = explain.train_steps(example.ids, labels, vocab_size=10, dim=3, steps=3, mask_zero=False)
    assert unmasked.change[0] > 0
    assert masked.losses[-1] < masked.losses[0]


def test_imdb_model_parameter_counts():
    layers = explain.imdb_model_layers()
    assert layers["parameters"].tolist() == [160_000, 53_200, 101]
    assert layers["output shape"].tolist() == ["(None, 500, 32)", "(None, 100)", "(None, 1)"]


def test_parse_texts_trims_and_explains():
    texts, notes = explain.parse_texts("\n a \n\n b \n")
    assert texts == ["a", "b"] and notes == []
    texts, notes = explain.parse_texts("\n".join(["x" * 500] * 20))
    assert len(texts) == explain.MAX_TEXTS and all(len(t) == explain.MAX_CHARS_PER_TEXT for t in texts)
    assert len(notes) == 2


def test_training_summary_says_when_padding_moved_and_counts_rows():
    from lib.explain import TrainingSteps, training_summary

    steps = TrainingSteps(before=np.zeros((4, 2)), after=np.zeros((4, 2)), change=np.array([0.3, 0.2, 0.1, 0.0]),
                          in_batch=np.array([True, True, True, False]), losses=[0.69, 0.5])
    sentence = training_summary(steps)
    assert sentence.startswith("3 of 4 rows moved; the 1 row(s) of ids not in the sentences stayed")
    assert "the padding row moved, because without the mask" in sentence
    assert sentence.endswith("Loss went from 0.6900 to 0.5000.")


def test_all_padding_sentences_are_left_out_with_their_ids():
    from lib.explain import all_padding_rows, without_rows

    ids = np.array([[0, 1, 2], [0, 0, 0], [3, 4, 5]])
    rows = all_padding_rows(ids)
    texts, kept = without_rows(["a b", "!!!", "c d e"], ids, rows)
    assert rows == [1] and texts == ["a b", "c d e"] and kept.tolist() == [[0, 1, 2], [3, 4, 5]]
