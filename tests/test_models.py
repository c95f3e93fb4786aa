"""Model builders: shapes, the Embedding layer's name/mask/trainability, and the starting matrix."""

import numpy as np
import pytest

from lib.models import ARCHITECTURES, STRATEGIES, build_model, embedding_weights, parameter_counts


def test_seven_strategies_as_in_the_design():
    assert list(STRATEGIES) == ["learned", "glove_frozen", "glove_finetuned", "word2vec_frozen", "word2vec_finetuned",
                                "fasttext_frozen", "fasttext_finetuned"]
    assert [s.trainable for s in STRATEGIES.values()] == [True, False, True, False, True, False, True]
    assert [s.source for s in STRATEGIES.values()] == [None, "glove", "glove", "word2vec", "word2vec", "fasttext",
                                                       "fasttext"]


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_each_architecture_binary_and_multiclass(architecture):
    x = np.array([[0, 0, 1, 2, 3, 4], [0, 1, 2, 5, 3, 4]], dtype="int32")
    binary = build_model(architecture, vocab_size=10, sequence_length=6, embedding_dim=3)
    assert binary.predict(x, verbose=0).shape == (2, 1)
    assert binary.layers[-1].activation.__name__ == "sigmoid"
    layer = binary.get_layer("embedding")
    assert layer.mask_zero and layer.trainable
    assert layer.get_weights()[0].shape == (10, 3)
    multi = build_model(architecture, vocab_size=10, sequence_length=6, embedding_dim=3, num_classes=4)
    probs = multi.predict(x, verbose=0)
    assert probs.shape == (2, 4) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_matrix_start_and_freezing():
    matrix = np.arange(30, dtype="float32").reshape(10, 3) / 30
    frozen = build_model("average", 10, 6, 3, embedding_matrix=matrix, trainable=False)
    assert np.array_equal(embedding_weights(frozen), matrix)
    assert not frozen.get_layer("embedding").trainable
    trainable, frozen_count = parameter_counts(frozen)
    assert frozen_count == 30 and trainable > 0
    tuned = build_model("average", 10, 6, 3, embedding_matrix=matrix, trainable=True)
    assert parameter_counts(tuned)[1] == 0


def test_wrong_matrix_shape_and_unknown_architecture_are_clear_errors():
    with pytest.raises(ValueError, match="shape"):
        build_model("average", 10, 6, 3, embedding_matrix=np.zeros((10, 4)))
    with pytest.raises(ValueError, match="architecture"):
        build_model("transformer", 10, 6, 3)


def test_a_text_with_no_known_words_does_not_poison_training():
    """An all-padding row used to average to 0/0 = NaN and turn every weight into NaN."""
    import keras

    from lib.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model("average", vocab_size=20, sequence_length=6, embedding_dim=4)
    x = np.array([[0, 0, 1, 2, 3, 4], [0, 0, 0, 0, 0, 0], [0, 5, 6, 7, 8, 9]], dtype="int32")
    y = np.array([1, 0, 0], dtype="float32")
    loss = model.train_on_batch(x, y)
    loss = loss[0] if isinstance(loss, (list, tuple)) else loss
    assert np.isfinite(float(loss))
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert np.isfinite(model.predict(x, verbose=0)).all()
