"""Plain-words explanations of the jargon the dashboard uses, in one place.

The Glossary page lists them all; pages reuse them as help text on controls, so a
term is explained the same way everywhere.
"""
from __future__ import annotations

TERMS: dict[str, str] = {
    "embedding": "A short list of numbers that stands for a word. Words used in similar ways end up with similar numbers.",
    "Embedding layer": "The first layer of a text model: a table with one row of numbers per word id. It swaps each id for its row.",
    "vocabulary": "The words the model knows, each with an id. Rarer words beyond the vocabulary size are dropped or share an 'unknown' id.",
    "token / id": "A token is one word after cleaning (lower-cased, punctuation removed); its id is its number in the vocabulary.",
    "padding": "Zeros added so every text has the same length; id 0 is reserved for them.",
    "mask": "A list of true/false saying which positions are real words and which are padding, so later layers can ignore padding.",
    "one-hot vector": "A row of zeros with a single 1 at a word's id. Multiplying it by the embedding table picks that word's row.",
    "dimension": "How many numbers describe each word (3 in the small example, 32 or 50 in real models).",
    "pretrained vectors": "Embeddings someone already learned from a huge amount of text, ready to reuse.",
    "GloVe": "Pretrained vectors from Stanford, learned from how often words appear near each other in 6 billion words of Wikipedia and news.",
    "word2vec": "A method that learns vectors by predicting a word from its neighbours (or the neighbours from the word). Here it learns from the text of all the training reviews (their labels unused), however few of them a model is then trained on, just as pretrained vectors come from far more text than anyone labels.",
    "learned from scratch": "The embedding starts as random numbers and is learned only from the labelled reviews.",
    "frozen": "The embedding keeps its starting numbers; only the layers after it learn.",
    "fine-tuned": "The embedding starts from pretrained numbers and keeps learning from the reviews.",
    "epoch": "One pass over all the training reviews.",
    "batch": "A handful of reviews the model looks at before adjusting its numbers once.",
    "learning rate": "How big each adjustment is. Too big jumps around; too small learns slowly.",
    "seed": "The number that fixes all the randomness, so the same settings give the same result again.",
    "training / validation / test split": "Reviews to learn from, reviews held back to watch progress while training, and reviews never seen until the final score.",
    "accuracy": "The share of test reviews whose sentiment the model got right.",
    "loss": "How wrong the model's confidence was, averaged; lower is better. Training minimises it.",
    "average pooling": "Averages a review's word vectors into one vector: fast, ignores word order.",
    "LSTM": "A layer that reads the words in order and keeps a running memory: slower, can use word order.",
    "convolution (1-D)": "A layer that looks at short windows of neighbouring words, like little phrase detectors.",
    "cosine similarity": "How closely two vectors point the same way: 1 means the same direction, 0 unrelated, negative opposite.",
    "nearest neighbours": "The words whose vectors have the highest cosine similarity to a given word.",
    "analogy": "Vector arithmetic such as king − man + woman, whose nearest neighbour is often queen.",
    "PCA": "A way to draw many-dimensional vectors on a flat map by keeping the two directions along which they vary most.",
    "t-SNE": "A way to draw vectors on a flat map that keeps close neighbours close; distances between far-apart groups mean little.",
    "UMAP": "Like t-SNE, a map that keeps neighbours together, usually faster on many words.",
    "alignment (Procrustes)": "Rotating or mirroring one map onto another so the same region means the same thing in both.",
    "sentiment score of a word": "How much more often a word appears in positive than in negative training reviews (a smoothed log-odds).",
    "separation score": "How well a simple classifier can tell positive from negative words using only their vectors (cross-validated accuracy; 50% is chance).",
}


def definition(term: str) -> str:
    """The plain-words explanation of ``term`` (case-insensitive), for widget help texts.

    >>> definition("Epoch")
    'One pass over all the training reviews.'
    >>> definition("synergy")
    Traceback (most recent call last):
    KeyError: "No glossary entry for 'synergy'"
    """
    for key, text in TERMS.items():
        if key.lower() == term.lower():
            return text
    raise KeyError(f"No glossary entry for {term!r}")


def matching_terms(query: str) -> dict[str, str]:
    """The terms whose name or explanation contains ``query`` (case-insensitive); every term for an empty query.

    >>> list(matching_terms("COSINE"))
    ['cosine similarity', 'nearest neighbours']
    >>> len(matching_terms("")) == len(TERMS), matching_terms("zzzz")
    (True, {})
    """
    query = query.lower()
    return {term: text for term, text in TERMS.items() if query in term.lower() or query in text.lower()}
