"""Vectors as matrices: a ``KeyedVectors`` built from arrays, and vectors lined up with a vocabulary.

Two directions between gensim and NumPy. :func:`keyed_vectors_from_arrays` wraps a
word list and a matrix as ``KeyedVectors`` without copying (how GloVe and every
uploaded file become a vector set)::

    >>> import numpy as np
    >>> kv = keyed_vectors_from_arrays(["good", "bad"], np.eye(2))
    >>> kv.key_to_index, kv.vectors.flags.writeable
    ({'good': 0, 'bad': 1}, False)

:func:`embedding_matrix` goes the other way, for a model: row ``i`` is the vector of
word id ``i`` of a tokenizer's vocabulary, row 0 (padding) stays zero, and words the
vectors do not know get small random numbers, counted as *misses*::

    >>> init = embedding_matrix(["", "good", "zzz"], kv)
    >>> init.matrix[1].tolist(), init.hits, init.missed_examples
    ([1.0, 0.0], 1, ['zzz'])

fastText vectors (gensim's ``FastTextKeyedVectors``) miss no word: a word they did not
keep as a whole is built from its character n-grams. Those rows count as hits, and
``from_pieces`` says how many of them there were, so coverage is reported honestly:
whole words the vectors saw, versus words built from n-grams only.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lib.vectors import VectorError


def keyed_vectors_from_arrays(words: Sequence[str], vectors: np.ndarray, read_only: bool = True):
    """A ``KeyedVectors`` over ``words`` (row ``i`` = ``vectors[i]``), built directly without copying.

    Much faster than adding words one by one: the word list, the word->row dict
    and the matrix are set as they are. ``read_only`` makes the matrix immutable,
    which protects a set shared by every session (``st.cache_resource``).
    """
    from gensim.models import KeyedVectors

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    words = list(words)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise VectorError(f"{len(words):,} words but a matrix of shape {vectors.shape}; they must match.")
    key_to_index = {w: i for i, w in enumerate(words)}
    if len(key_to_index) != len(words):
        raise VectorError("The word list has repeated words; every word needs exactly one vector.")
    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = key_to_index
    if read_only:
        vectors.flags.writeable = False
    kv.vectors = vectors
    return kv


@dataclass
class EmbeddingInit:
    """Starting weights for an ``Embedding`` layer, and how many words the vectors knew.

    ``matrix`` is float32 ``(len(vocabulary), dim)``; row 0 (padding) is all zeros.
    ``hits``/``misses`` count ``vocabulary[1:]``; ``missed_examples`` lists up to 20
    missed words, most frequent first (the vocabulary's order). ``from_pieces`` counts the
    hits built from character n-grams only (fastText), not from a whole-word vector, and
    ``pieces_examples`` lists up to 20 of them.
    """

    matrix: np.ndarray
    hits: int
    misses: int
    missed_examples: list[str]
    covered: np.ndarray | None = None  # bool per row: True where the row was copied from the vectors
    from_pieces: int = 0
    pieces_examples: list[str] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def embedding_matrix(vocabulary: Sequence[str], vectors, dim: int | None = None, seed: int = 0) -> EmbeddingInit:
    """Rows in vocabulary order: the word's vector if ``vectors`` has it, else small random numbers.

    ``vocabulary`` is :meth:`lib.text.Tokenizer.vocabulary` (entry 0 is the padding
    ``""``, entry ``i`` the word of id ``i``). Missing words get uniform numbers in
    ``[-0.05, 0.05)`` - Keras' own default for a fresh ``Embedding`` - from
    ``numpy.random.default_rng(seed)``, so the same seed gives the same matrix.
    ``dim`` (the model's embedding size) must equal the vectors' size. fastText vectors
    build every missing word from its n-grams (see the module's docstring).
    """
    if dim is not None and dim != vectors.vector_size:
        raise VectorError(
            f"The model's embedding size is {dim} but these vectors have {vectors.vector_size} numbers per word; "
            f"set the embedding size to {vectors.vector_size} to start from them."
        )
    dim = vectors.vector_size
    n = len(vocabulary)
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-0.05, 0.05, size=(n, dim)).astype(np.float32)
    if n:
        matrix[0] = 0.0
    lookup = vectors.key_to_index
    rows = np.fromiter((lookup.get(w, -1) if w else -1 for w in vocabulary[1:]), dtype=np.int64, count=max(0, n - 1))
    found = rows >= 0
    matrix[1:][found] = np.asarray(vectors.vectors)[rows[found]]
    pieces = np.flatnonzero(~found) if getattr(vectors, "vectors_ngrams", None) is not None else np.array([], int)
    for i in pieces:  # fastText: a word it did not keep is the mean of its n-grams' vectors
        matrix[1 + i] = vectors.get_vector(vocabulary[1 + i])
    found[pieces] = True
    missed = [vocabulary[1 + i] for i in np.flatnonzero(~found)[:20]]
    covered = np.zeros(n, dtype=bool)
    covered[1:] = found
    return EmbeddingInit(matrix=matrix, hits=int(found.sum()), misses=int((~found).sum()), missed_examples=missed,
                         covered=covered, from_pieces=len(pieces),
                         pieces_examples=[vocabulary[1 + i] for i in pieces[:20]])
