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


def _projector_config_class():
    """TensorBoard's ``ProjectorConfig`` message class: its own when installed, else built from the documented
    schema (tensorboard/plugins/projector/projector_config.proto) so protobuf's strict text parser checks the file."""
    try:
        from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

        return ProjectorConfig
    except ImportError:
        pass
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="embedding_lab_test/projector_config.proto",
                                               package="tensorboard.projector", syntax="proto3")

    def message(name, fields):
        m = proto.message_type.add(name=name)
        for field_name, number, kind, repeated, type_name in fields:
            f = m.field.add(name=field_name, number=number, type=kind,
                            label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if type_name:
                f.type_name = type_name

    message("SpriteMetadata", [("image_path", 1, F.TYPE_STRING, False, None),
                               ("single_image_dim", 2, F.TYPE_UINT32, True, None)])
    message("EmbeddingInfo", [("tensor_name", 1, F.TYPE_STRING, False, None),
                              ("metadata_path", 2, F.TYPE_STRING, False, None),
                              ("bookmarks_path", 3, F.TYPE_STRING, False, None),
                              ("tensor_shape", 4, F.TYPE_UINT32, True, None),
                              ("sprite", 5, F.TYPE_MESSAGE, False, ".tensorboard.projector.SpriteMetadata"),
                              ("tensor_path", 6, F.TYPE_STRING, False, None)])
    message("ProjectorConfig", [("model_checkpoint_path", 1, F.TYPE_STRING, False, None),
                                ("embeddings", 2, F.TYPE_MESSAGE, True, ".tensorboard.projector.EmbeddingInfo"),
                                ("model_checkpoint_dir", 3, F.TYPE_STRING, False, None)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorboard.projector.ProjectorConfig"))


@pytest.mark.parametrize("extra", [None, {"sentiment": [0.5, -0.5, 0.0, 0.1, 1.0, 2.0]}], ids=["words", "with metadata"])
def test_projector_zip_has_a_config_tensorboard_can_parse(matrix, extra):
    import posixpath
    import zipfile

    from google.protobuf import text_format

    data = projector_zip(WORDS, matrix, extra, folder="GloVe · after/1")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        configs = [n for n in names if posixpath.basename(n) == "projector_config.pbtxt"]
        assert len(configs) == 1
        folder = posixpath.dirname(configs[0])
        config = text_format.Parse(zf.read(configs[0]).decode("utf-8"), _projector_config_class()())
    assert len(config.embeddings) == 1
    embedding = config.embeddings[0]
    assert embedding.tensor_name
    assert list(embedding.tensor_shape) == [len(WORDS), matrix.shape[1]]
    for path in (embedding.tensor_path, embedding.metadata_path):  # relative to the config's folder, and there
        assert path and not posixpath.isabs(path) and posixpath.join(folder, path) in names
    assert embedding.tensor_path.endswith("vectors.tsv") and embedding.metadata_path.endswith("metadata.tsv")


def test_neighbours_csv_says_which_word_was_looked_up_and_is_named_after_it():
    from lib.exports import neighbours_file_name, with_query

    rows = [{"embedding": "GloVe", "rank": 1, "word": "great", "cosine": 0.9, "in all": True},
            {"embedding": "GloVe", "rank": 2, "word": "bad", "cosine": 0.8, "in all": False}]
    back = pd.read_csv(io.BytesIO(table_csv(pd.DataFrame(with_query("good", rows)))), encoding="utf-8-sig")
    assert back.columns[0] == "query" and back["query"].tolist() == ["good", "good"]
    assert back["word"].tolist() == ["great", "bad"]
    assert neighbours_file_name("good") == "neighbours-good.csv"
    # a hostile word stays inside its file name, and a formula stays text in the cell
    assert neighbours_file_name("../../etc/pass wd") == "neighbours-pass_wd.csv"
    assert neighbours_file_name("") == "neighbours-word.csv"
    hostile = pd.read_csv(io.BytesIO(table_csv(pd.DataFrame(with_query("=cmd()", rows)))), encoding="utf-8-sig")
    assert hostile["query"][0] == "'=cmd()"


def test_csv_title_line_comes_first_and_numbers_stay_numbers():
    df = pd.DataFrame({"embedding": ["=A", "B"], "rho": [-0.086, 0.5], "used": [300, 353]})
    text = table_csv(df, "Embedding Lab · Word benchmarks · A; B\n=evil").decode("utf-8-sig")
    first = text.splitlines()[0]
    assert first == '"Embedding Lab · Word benchmarks · A; B =evil"'          # one line, one quoted cell
    back = pd.read_csv(io.StringIO(text), skiprows=1)
    assert back["rho"].tolist() == [-0.086, 0.5] and back["used"].dtype.kind == "i"
    assert back["embedding"].tolist() == ["'=A", "B"]
    assert table_csv(df).decode("utf-8-sig").splitlines()[0] == "embedding,rho,used"  # no title: header first


def test_title_reaches_html_and_projector_readme(matrix):
    import zipfile

    import plotly.graph_objects as go

    from lib.exports import titled_figure

    page = figure_html(go.Figure(go.Scatter(x=[1], y=[2])), "Maps of <b>A</b> & B").decode("utf-8")
    assert "<title>Maps of &lt;b&gt;A&lt;/b&gt; &amp; B</title>" in page
    data = projector_zip(WORDS, matrix, folder="run", title="Projector · run 1 (seed 0)")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("run/README.txt").decode("utf-8").startswith("Projector · run 1 (seed 0)\n")
    fig = go.Figure(go.Scatter(x=[1], y=[2]), layout=dict(title="old"))
    titled = titled_figure(fig, "Maps · A <x>")
    assert titled.layout.title.text.startswith("Maps · A &lt;x&gt;") and fig.layout.title.text == "old"


def test_benchmark_rows_are_numbers():
    from types import SimpleNamespace as S

    from lib.exports import benchmark_rows

    r = S(wordsim=S(value=-0.0861, used=300, total=353), simlex=S(value=float("nan"), used=0, total=999),
          analogies=S(value=0.25, used=10, total=20))
    row = benchmark_rows(["A"], [r])[0]
    assert row["WordSim-353 rho"] == -0.0861 and row["SimLex-999 rho"] is None and row["analogy accuracy"] == 0.25
    assert pd.read_csv(io.BytesIO(table_csv(pd.DataFrame([row]))), encoding="utf-8-sig")["WordSim-353 rho"][0] == -0.0861
