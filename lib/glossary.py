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
    "fastText": "Like word2vec, but it also learns vectors for the pieces of words (runs of 3 to 6 letters), so it can build a vector for any word, even a rare one, a misspelling such as 'goooood' or a name it never saw, from the pieces it did see. Here it learns from the same review text as word2vec, labels unused.",
    "subword": "A piece of a word, such as 'goo' or 'ood' in 'good' (fastText calls them character n-grams). A model that knows pieces can guess a vector for a word it has never seen, by adding up the vectors of its pieces.",
    "learned from scratch": "The embedding starts as random numbers and is learned only from the labelled reviews.",
    "frozen": "The embedding keeps its starting numbers; only the layers after it learn.",
    "fine-tuned": "The embedding starts from pretrained numbers and keeps learning from the reviews.",
    "epoch": "One pass over all the training reviews.",
    "batch": "A handful of reviews the model looks at before adjusting its numbers once.",
    "learning rate": "How big each adjustment is. Too big jumps around; too small learns slowly.",
    "seed": "The number that fixes all the randomness of a training run (the starting numbers, the order of the reviews), so the same settings give the same result again. Another seed gives a slightly different model: that is training noise.",
    "training / validation / test split": "Reviews to learn from, reviews held back to watch progress while training, and reviews never seen until the final score.",
    "test accuracy": "The share of the test reviews, never seen in training, whose sentiment a model got right: 83% means right on 83 of every 100.",
    "noise": "Differences that luck alone produces. Two kinds matter when comparing models: test-sample noise and training noise. A gap is called better or worse only when neither could explain it.",
    "test-sample noise": "Luck in which reviews ended up in the test: another equally fair test set would give slightly different scores. McNemar's test checks whether it could explain a gap.",
    "training noise": "Luck in training: the same settings with another seed give a slightly different model and score. Training each model with 3 or more seeds and looking at the interval over seeds checks whether it could explain a gap.",
    "McNemar's test": "Compares two models on the same test reviews, looking only at the reviews where exactly one of them was right. If both were equally good, each such review would be a coin flip between them; the test says how surprising the actual split is (as a p-value).",
    "p-value": "How often a gap at least this big would turn up by luck alone if the two models were equally good. Below 0.05 (1 in 20) is the usual line for 'not just luck'; it says nothing about how big or useful the gap is.",
    "interval (confidence interval)": "A range of plausible values for a number measured with noise. Here a 95% interval over seeds: with many more seeds the average would very likely land inside it. An interval of a gap that includes 0 means 'no difference' is still plausible.",
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
    "sentiment score of a word": "Whether a word appears more often in positive or in negative training reviews: above 0 leans positive, below 0 negative, 0 neither. It is measured on a log scale, so +1 and −1 are equally lopsided in opposite directions, and rare words are pulled towards 0.",
    "separation score": "How well a straight cut through the word vectors tells positive from negative words: the cut is fitted on some of the words and scored on the others, five times over (50% is chance, 100% a perfect split).",
    "Jaccard overlap": "How much two lists share: the items in both divided by the items in either. 1 means the same items, 0 none in common. Compare uses it on two embeddings' lists of a word's nearest neighbours.",
    "Spearman correlation": "How well two rankings agree: 1 means the same order, 0 unrelated, −1 reversed. Word benchmarks use it to compare an embedding's ranking of word pairs with people's ratings.",
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
