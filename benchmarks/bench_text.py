"""Tokenizing and indexing the 50,000 IMDB reviews: our tokenizer vs Keras' TextVectorization."""
from __future__ import annotations

from benchmarks.harness import Case


def _imdb_texts() -> list[str]:
    from lib.data.imdb import load_imdb

    data = load_imdb()
    return list(data.train_texts) + list(data.test_texts)


def cases() -> list[Case]:
    texts = _imdb_texts()

    def ours():
        from lib.text import Tokenizer, pad_sequences

        pad_sequences(Tokenizer(num_words=10_000).fit_texts_to_sequences(texts), maxlen=200)

    def keras_text_vectorization():
        import keras

        layer = keras.layers.TextVectorization(max_tokens=10_000, output_sequence_length=200)
        layer.adapt(texts, batch_size=1024)
        layer(texts)

    return [
        Case(
            area="text",
            what="tokenize + index + pad 50,000 IMDB reviews (vocab 10,000, length 200)",
            target="< 5 s",
            run=ours,
            baseline="Keras TextVectorization adapt + call",
            baseline_run=keras_text_vectorization,
        )
    ]
