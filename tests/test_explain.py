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


def test_sentences_that_become_all_padding_stay_in_the_layer_output():
    # 4 sentences typed; "qqq" (id 5) is beyond a vocabulary of 5 and "!!!" has no word: both become all padding
    texts = ["This is a text", "qqq", "!!!", "This is not a text"]
    example = explain.tokenize_example(texts, num_words=5, maxlen=6)
    assert explain.all_padding_rows(example.ids) == [1, 2]
    lookup = explain.embedding_lookup(example.ids, vocab_size=5, dim=3)
    assert lookup.output.shape[0] == 4  # as a real Keras Embedding layer: 4 in, 4 out
    assert lookup.output.shape == (4, 6, 3) and lookup.max_lookup_difference == 0.0
    assert np.array_equal(lookup.output[1], np.repeat(lookup.weights[[0]], 6, axis=0))  # all padding rows
    assert "4 sentences in, 4 out" in explain.all_padding_note([1, 2], 4)


def test_training_demo_leaves_out_all_padding_sentences_only_under_the_mask():
    ids = np.array([[0, 1, 2], [0, 0, 0], [3, 4, 5]])
    batch, numbers = explain.training_batch(ids, mask_zero=True)
    assert batch.tolist() == [[0, 1, 2], [3, 4, 5]] and numbers == [1, 3]
    assert explain.training_batch(ids, mask_zero=False)[0].shape[0] == 3
    trained = explain.train_steps(batch, explain.toy_labels(2), vocab_size=6, dim=2, steps=2)
    assert np.isfinite(trained.losses).all() and np.isfinite(trained.after).all()
    assert explain.toy_label_text(explain.toy_labels(2), numbers) == "sentence 1 → 1, sentence 3 → 0"


def test_averages_table_follows_the_mask_setting_and_leaves_no_words_empty():
    ids = np.array([[0, 1, 2], [0, 0, 0]])
    lookup = explain.embedding_lookup(ids, vocab_size=4, dim=2)
    on = explain.averages_table(lookup.output, ids, True, ["a", "b"])
    off = explain.averages_table(lookup.output, ids, False, ["a", "b"])
    assert "mask_zero=True: what the next layer uses" in on["average over"][0]
    assert all("mask_zero=True: what" not in label and "(mask)" not in label for label in off["average over"])
    assert "mask_zero off: what the next layer uses" in off["average over"].iloc[-1]
    np.testing.assert_allclose(on[["a", "b"]].iloc[0], lookup.weights[[1, 2]].mean(axis=0), rtol=1e-5)
    assert on[["a", "b"]].iloc[1].isna().all()                     # sentence 2 has no words: 0/0, left empty
    np.testing.assert_allclose(on[["a", "b"]].iloc[3], lookup.weights[0], rtol=1e-5)  # all positions: the padding row
    assert explain.embedding_call(10, 3, False) == "Embedding(10, 3)"


def test_shapes_explain_none_as_the_batch_size():
    layers = explain.imdb_model_layers()
    assert layers["in words"][0].startswith("any number of reviews × 500 × 32")
    assert explain.batch_shape((4, 6, 3)) == "(None, 6, 3)"
    assert "batch size" in explain.NONE_MEANS and "any number of texts" in explain.NONE_MEANS


def test_id_colours_are_distinct_well_beyond_eight_ids():
    from lib.plots import id_colour

    colours = [id_colour(i) for i in range(201)]  # the page allows a vocabulary of up to 200
    assert len(set(colours)) == len(colours)
    assert colours[0] == "#DDDDDD" and colours.count("#DDDDDD") == 1
    assert colours == [id_colour(i) for i in range(201)]  # the same id always gets the same colour
