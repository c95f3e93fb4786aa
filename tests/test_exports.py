"""Projector TSV zip, word2vec text, CSV and HTML exports round-trip."""
import io

import numpy as np
import pandas as pd
import pytest

from lib.exports import (
    ExportError,
    figure_html,
    png_support,
    projector_files,
    projector_zip,
    read_projector_zip,
    sanitize_token,
    table_csv,
    word2vec_text,
)

WORDS = ["good", "bad", "tab\there", "line\nbreak", "", "naïve"]


@pytest.fixture
def matrix():
    return np.random.default_rng(0).normal(size=(len(WORDS), 4)).astype(np.float32)


def test_sanitize_token():
    assert sanitize_token("a\tb") == "a b"
    assert sanitize_token("a\r\nb") == "a b"
    assert sanitize_token("\n") == "<empty>"
    assert sanitize_token("naïve") == "naïve"


def test_projector_zip_round_trips_without_header(matrix):
    tokens, back, header = read_projector_zip(projector_zip(WORDS, matrix, folder="my run/1"))
    assert header is None
    assert back.shape == matrix.shape
    assert np.allclose(back, matrix, atol=1e-5)
    assert tokens == [sanitize_token(w) for w in WORDS]
    assert all("\t" not in t and "\n" not in t for t in tokens)


def test_single_column_metadata_has_exactly_one_line_per_vector(matrix):
    vectors_tsv, metadata_tsv = projector_files(WORDS, matrix)
    assert len(metadata_tsv.splitlines()) == len(vectors_tsv.splitlines()) == len(WORDS)
    assert metadata_tsv.splitlines()[0] == "good"  # no header


def test_multi_column_metadata_has_a_header(matrix):
    scores = [0.5, -0.5, np.nan, 0.0, 1.0, 2.0]
    tokens, back, header = read_projector_zip(projector_zip(WORDS, matrix, {"sentiment": scores}))
    assert header == ["word", "sentiment"]
    assert len(tokens) == back.shape[0] == len(WORDS)


def test_projector_rejects_mismatch(matrix):
    with pytest.raises(ExportError):
        projector_zip(WORDS[:2], matrix)
    with pytest.raises(ExportError):
        projector_zip([], np.zeros((0, 3)))


def test_word2vec_text_loads_in_gensim(tmp_path, matrix):
    from gensim.models import KeyedVectors

    path = tmp_path / "v.txt"
    words = ["good", "bad", "two words", "x"]
    path.write_bytes(word2vec_text(words, matrix[:4]))
    kv = KeyedVectors.load_word2vec_format(str(path), binary=False)
    assert kv.index_to_key == ["good", "bad", "two_words", "x"]
    assert np.allclose(kv.vectors, matrix[:4], atol=1e-5)


def test_csv_and_html():
    df = pd.DataFrame({"word": ["é", "b"], "similarity": [0.5, 0.25]})
    assert pd.read_csv(io.BytesIO(table_csv(df)), encoding="utf-8-sig").equals(df)
    import plotly.graph_objects as go

    html = figure_html(go.Figure(go.Scatter(x=[1], y=[2])))
    assert b"<html" in html[:200] and b"plotly" in html and len(html) > 100_000  # plotly.js embedded


def test_png_support_gives_a_reason():
    ok, reason = png_support()
    assert isinstance(ok, bool) and reason
