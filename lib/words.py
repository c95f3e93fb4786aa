"""Words people type, and whether a vector set knows them: the one place for word lookup.

A vector set (a gensim ``KeyedVectors``) is asked about words typed by a person, who
may write "Good", "good," or "goood". Every page answers the same way:

* :func:`split_words` turns what was typed into a word list;
* :func:`known_form` finds the form a vocabulary knows (as typed, else lower-cased),
  and :func:`known_to_all` / :func:`known_and_unknown` split a list into the words
  every vocabulary knows and the rest;
* :func:`suggest_words` and :func:`unknown_word_message` answer a word that is not
  known with close spellings.

    >>> split_words("Good, bad;  film bad")
    ['Good', 'bad', 'film']
    >>> known_to_all([{"good", "bad"}, {"good", "film"}], ["Good", "bad", "good", "zzz"])
    (['good'], ['bad', 'zzz'])

:func:`shared_contexts` shows why two words end up close: the contexts both fill in
a corpus. :data:`WORD_LISTS` are ready-made lists for maps, all in GloVe's vocabulary.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from itertools import islice

from lib.data.imdb import imdb_once
from lib.text import text_to_word_sequence

#: Ready-made word lists for the maps (all in GloVe's vocabulary).
WORD_LISTS: dict[str, list[str]] = {
    "sentiment words": [
        "good", "great", "excellent", "wonderful", "brilliant", "enjoyable", "fun", "best",
        "bad", "awful", "terrible", "horrible", "boring", "worst", "poor", "dull",
    ],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "hundred", "thousand", "million", "first", "second", "third"],
    "countries": ["france", "germany", "italy", "spain", "britain", "china", "japan", "india",
                  "russia", "brazil", "mexico", "canada", "egypt", "nigeria", "kenya", "australia"],
    "family": ["mother", "father", "son", "daughter", "brother", "sister", "wife", "husband",
               "uncle", "aunt", "grandmother", "grandfather", "king", "queen", "man", "woman"],
}


# --- what a person typed ---------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    """Words from what a user typed: separated by commas, semicolons or whitespace; order kept, repeats dropped."""
    seen: dict[str, None] = {}
    for w in re.split(r"[,;\s]+", text or ""):
        w = w.strip()
        if w:
            seen.setdefault(w, None)
    return list(seen)


# --- known words -----------------------------------------------------------------------------------


def known_form(vocabulary: Container[str], word: str) -> str | None:
    """The form of ``word`` a vocabulary knows (as typed, else lower-cased; spaces around it ignored), or None.

    >>> known_form({"good"}, " Good "), known_form({"good"}, "zzz")
    ('good', None)
    """
    return _form_known_to_all([vocabulary], word)


def known_to_all(vocabularies: Sequence[Container[str]], words: Iterable[str]) -> tuple[list[str], list[str]]:
    """The words every vocabulary knows (in their :func:`known_form`), in order without repeats; and the others.

    >>> known_to_all([{"good", "bad"}, {"good", "film"}], ["Good", "bad", "good", "zzz"])
    (['good'], ['bad', 'zzz'])
    """
    known, dropped = [], []
    for word in words:
        form = _form_known_to_all(vocabularies, word)
        if form is None:
            dropped.append(word)
        else:
            known.append(form)
    return list(dict.fromkeys(known)), dropped


def _form_known_to_all(vocabularies: Sequence[Container[str]], word: str) -> str | None:
    # The one rule: the word as typed, else lower-cased (GloVe is all lower case); never the empty word,
    # which a run's vocabulary holds as its padding entry.
    word = word.strip()
    return next((w for w in (word, word.lower()) if w and all(w in v for v in vocabularies)), None)


def known_and_unknown(kv, words: Iterable[str]) -> tuple[list[str], list[str]]:
    """:func:`known_to_all` for one vector set: the words ``kv`` has (trying lower case too), and the rest."""
    return known_to_all([kv.key_to_index], words)


# --- words that are not known ------------------------------------------------------------------------


def suggest_words(kv, word: str, n: int = 5, search_top: int = 50_000) -> list[str]:
    """Close spellings of ``word`` among the ``search_top`` most frequent words of ``kv``.

    The lower-cased word comes first if the set has it (GloVe is all lower case);
    then :func:`difflib.get_close_matches`. Vector files list frequent words
    first, so the search skips rare typos and junk and stays fast. Tokenizer debris
    (``king'``, ``'king``: a word with a quote or dash at either end) is never offered.

    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["kings", "king'", "'king", "-king", "queen"], [[0, 1]] * 5)
    >>> suggest_words(kv, "kingg")
    ['kings']
    """
    word = word.strip()
    out: list[str] = []
    if word.lower() != word and word.lower() in kv.key_to_index:
        out.append(word.lower())
    pool = [w for w in kv.index_to_key[:search_top] if _clean_edges(w)]
    for w in difflib.get_close_matches(word.lower(), pool, n=n, cutoff=0.75):
        if w not in out and w != word:
            out.append(w)
    return out[:n]


def _clean_edges(word: str) -> bool:
    """Whether ``word`` starts and ends with a letter or digit (``don't`` yes, ``king'`` no)."""
    return bool(word) and word[0].isalnum() and word[-1].isalnum()


def unknown_word_message(kv, word: str, set_label: str) -> str:
    """One sentence for a word a vector set does not have, with close spellings when there are any."""
    hints = suggest_words(kv, word)
    msg = f"“{word}” is not among the {len(kv):,} words of {set_label}."
    if hints:
        return msg + " Did you mean " + ", ".join(f"“{h}”" for h in hints) + "?"
    return msg + " Check the spelling or try another word."


# --- why two words end up close --------------------------------------------------------------------


def shared_contexts(
    texts: Iterable[str], word_a: str, word_b: str, n: int = 5, max_texts: int | None = 5_000
) -> list[tuple[str, str, int, int]]:
    """Contexts both words appear in: ``(word before, word after, times with a, times with b)``.

    This is *why* word2vec and GloVe put *good* next to *bad*: both are trained to
    predict a word from its neighbours (or the other way round), and "a ___ movie",
    "was ___ ." or "very ___" fit either word. Contexts are ranked by how often the
    rarer of the two fills them. Only the first ``max_texts`` texts are read
    (enough for a handful of examples, and fast). An empty string stands for the
    start or end of a text.
    """
    a, b = word_a.lower(), word_b.lower()
    counts = {a: Counter(), b: Counter()}
    for text in islice(texts, max_texts):
        low = text.lower()
        if a not in low and b not in low:
            continue
        words = text_to_word_sequence(low, lower=False)
        last = len(words) - 1
        for i, w in enumerate(words):
            if w == a or w == b:
                counts[w][(words[i - 1] if i else "", words[i + 1] if i < last else "")] += 1
    shared = set(counts[a]) & set(counts[b])
    ranked = sorted(shared, key=lambda c: (-min(counts[a][c], counts[b][c]), c))
    return [(left, right, counts[a][(left, right)], counts[b][(left, right)]) for left, right in ranked[:n]]



def imdb_shared_contexts(word_a: str, word_b: str, n: int = 6) -> list[tuple[str, str, int, int]]:
    """:func:`shared_contexts` in the IMDB training reviews (the pages ask :mod:`lib.helper_process` for it)."""
    return shared_contexts(imdb_once().train_texts, word_a, word_b, n=n)
