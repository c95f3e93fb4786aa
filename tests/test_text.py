"""The tokenizer and padding against the classic Keras behaviour."""
import numpy as np
import pytest

from lib.text import KERAS_FILTERS, Tokenizer, pad_sequences, text_to_word_sequence, texts_to_padded

CLASSIC = ["This is a text", "This is not a text"]


def test_classic_example_word_index_and_padding():
    tok = Tokenizer(num_words=10).fit_on_texts(CLASSIC)
    assert tok.word_index == {"this": 1, "is": 2, "a": 3, "text": 4, "not": 5}
    ids = texts_to_padded(tok, CLASSIC, maxlen=6)
    assert ids.tolist() == [[0, 0, 1, 2, 3, 4], [0, 1, 2, 5, 3, 4]]
    assert ids.dtype == np.int32
    assert tok.vocabulary() == ["", "this", "is", "a", "text", "not"]


def test_post_padding_and_truncation():
    seqs = [[1, 2, 3, 4, 5], [7]]
    assert pad_sequences(seqs, 3).tolist() == [[3, 4, 5], [0, 0, 7]]
    assert pad_sequences(seqs, 3, padding="post", truncating="post").tolist() == [[1, 2, 3], [7, 0, 0]]
    assert pad_sequences(seqs).shape == (2, 5)
    assert pad_sequences([[], [1]], 2).tolist() == [[0, 0], [0, 1]]
    assert pad_sequences(seqs, 0).shape == (2, 0)
    with pytest.raises(ValueError):
        pad_sequences(seqs, 3, padding="middle")


def test_ties_are_broken_by_first_appearance_and_counts_by_frequency():
    tok = Tokenizer().fit_on_texts(["b a c", "c a"])  # a:2, c:2 (a seen first), b:1
    assert list(tok.word_index) == ["a", "c", "b"]
    assert tok.word_counts == {"b": 1, "a": 2, "c": 2}


def test_filters_lowercase_and_unicode():
    assert text_to_word_sequence("Hello, WORLD! It's 5pm--now\tok\n") == ["hello", "world", "it's", "5pm", "now", "ok"]
    assert text_to_word_sequence("Café naïve 東京 😀!") == ["café", "naïve", "東京", "😀"]
    assert text_to_word_sequence("!!! ... ???") == []
    assert all(ch in KERAS_FILTERS for ch in "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n")


def test_num_words_caps_ids_and_oov_token_takes_id_one():
    texts = ["a a a b b c", "d"]
    capped = Tokenizer(num_words=3).fit_on_texts(texts)
    assert capped.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}  # the index keeps every word, as Keras does
    assert capped.texts_to_sequences(["a b c d"]) == [[1, 2]]
    assert capped.vocabulary_size == 3
    assert capped.dropped_words("a b c d") == ["c", "d"]

    oov = Tokenizer(num_words=3, oov_token="<unk>").fit_on_texts(texts)
    assert oov.word_index["<unk>"] == 1 and oov.word_index["a"] == 2
    assert oov.texts_to_sequences(["a b zzz"]) == [[2, 1, 1]]


def test_num_words_must_leave_room_for_padding():
    with pytest.raises(ValueError):
        Tokenizer(num_words=0)
    only_padding = Tokenizer(num_words=1).fit_on_texts(CLASSIC)
    assert only_padding.texts_to_sequences(CLASSIC) == [[], []]
    assert only_padding.vocabulary() == [""]


def test_matches_keras_legacy_tokenizer_on_ordinary_text():
    legacy = pytest.importorskip("keras.src.legacy.preprocessing.text")
    texts = [
        "The movie was great, GREAT fun!", "I did not like it... not at all.", "Great acting; poor plot?",
        "it's a 10/10 (really)", "The the THE end", "plot plot acting",
    ]
    ours = Tokenizer(num_words=8).fit_on_texts(texts)
    theirs = legacy.Tokenizer(num_words=8)
    theirs.fit_on_texts(texts)
    assert ours.word_index == theirs.word_index
    assert ours.texts_to_sequences(texts) == theirs.texts_to_sequences(texts)

    ours_oov = Tokenizer(num_words=5, oov_token="<oov>").fit_on_texts(texts)
    theirs_oov = legacy.Tokenizer(num_words=5, oov_token="<oov>")
    theirs_oov.fit_on_texts(texts)
    assert ours_oov.texts_to_sequences(texts) == theirs_oov.texts_to_sequences(texts)


def test_pad_sequences_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 50, size=rng.integers(0, 12))) for _ in range(40)]
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            expected = keras.utils.pad_sequences(seqs, maxlen=7, padding=padding, truncating=truncating)
            assert np.array_equal(pad_sequences(seqs, 7, padding, truncating), expected)


def test_fit_texts_to_sequences_equals_fit_then_transform():
    texts = ["The movie was great, GREAT fun!", "not at all", "Great acting; poor plot?", ""]
    a = Tokenizer(num_words=6)
    b = Tokenizer(num_words=6).fit_on_texts(texts)
    assert a.fit_texts_to_sequences(texts) == b.texts_to_sequences(texts)
    assert a.word_index == b.word_index
