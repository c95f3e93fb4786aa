"""AppTest of "Explore pretrained vectors": defaults, an unknown word, uploads good, broken and pickled, fastText."""
import pickle

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

PAGE = "../app_pages/vectors.py"
SET_B = "vectors_set_b"


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def open_uploads(at: AppTest) -> AppTest:
    at.toggle(key="vectors_add_open").set_value(True)
    return rerun(at)


def small_vector_file() -> bytes:
    rng = np.random.default_rng(0)
    words = ["good", "bad", "great", "awful", "cat", "dog", "king", "man", "woman", "queen", "movie", "film"]
    return "".join(w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=8)) + "\n" for w in words).encode()


def glove_neighbours(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["neighbour"])


@pytest.fixture(scope="module")
def defaults() -> AppTest:
    return run_page()


def test_defaults_tell_the_story_with_glove(defaults):
    at = defaults
    assert "good" in at.text_input(key="vectors_word").value
    neighbours = glove_neighbours(at)
    assert len(neighbours) == 10 and "better" in neighbours
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["GloVe 6B 50-d: cosine(good, bad)"]) > 0.6
    assert float(metrics["GloVe 6B 50-d: cosine(cat, dog)"]) > 0.8
    slots = at.dataframe[1].value
    assert (slots["times filled by good"] > 0).all() and (slots["times filled by bad"] > 0).all()
    analogy = at.dataframe[2].value
    assert analogy["answer"].iloc[0] == "queen"
    assert at.get("plotly_chart"), "the word map is missing"
    captions = " ".join(texts(at, "caption"))
    assert "same contexts" in captions or "same slots" in captions
    assert not at.error and not at.warning


def test_unknown_word_gets_close_spellings_and_the_rest_still_works():
    at = run_page()
    at.text_input(key="vectors_word").set_value("goood")
    rerun(at)
    warnings = " ".join(texts(at, "warning"))
    assert "“goood” is not among the 400,000 words" in warnings and "“good”" in warnings
    assert at.metric and at.get("plotly_chart")


def test_analogy_with_an_unknown_word_is_a_message_not_a_crash():
    at = run_page()
    at.text_input(key="vectors_a").set_value("kingxq")
    rerun(at)
    assert any("kingxq" in w for w in texts(at, "warning"))


def test_uploaded_vectors_appear_side_by_side():
    at = open_uploads(run_page())
    at.file_uploader(key="vectors_upload").upload("tiny.txt", small_vector_file(), "text/plain")
    rerun(at)
    assert any("tiny.txt" in s for s in texts(at, "success")), texts(at, "error")
    assert at.selectbox(key=SET_B).value.startswith("tiny.txt (uploaded")
    # two neighbour tables now: GloVe's and the uploaded set's (11 other words, top 10)
    assert len(at.dataframe[1].value) == 10 and set(at.dataframe[1].value["neighbour"]) <= {
        "bad", "great", "awful", "cat", "dog", "king", "man", "woman", "queen", "movie", "film"}
    assert len(at.get("plotly_chart")) == 1
    assert not at.error


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("broken.txt", b"3 4\nthe 0.1 0.2 0.3 0.4\ncat 0.1 oops\n", "malformed"),
        ("forged.txt", b"999999999 300\nthe 0.1 0.2\n", "999,999,999 words"),
        ("notes.txt", b"just some text, not vectors at all\n", "does not look like a vector file"),
        ("vectors.pkl", pickle.dumps({"good": [0.1, 0.2]}), "run any code"),
        ("innocent.txt", pickle.dumps({"good": [0.1, 0.2]}), "run any code"),
    ],
)
def test_bad_uploads_are_refused_with_one_sentence_and_the_page_keeps_working(name, data, expected):
    at = open_uploads(run_page())
    at.file_uploader(key="vectors_upload").upload(name, data)
    rerun(at)
    errors = texts(at, "error")
    assert len(errors) == 1 and expected in errors[0] and "Traceback" not in errors[0]
    assert at.selectbox(key=SET_B).value == "— none —"
    assert "better" in glove_neighbours(at)  # GloVe still answers
    # and the message survives a rerun caused by another widget
    at.text_input(key="vectors_word").set_value("film")
    rerun(at)
    assert any(expected in e for e in texts(at, "error"))
    assert "movie" in glove_neighbours(at)


@pytest.fixture
def no_word2vec_yet(monkeypatch):
    """As on a server where word2vec was never trained: not cached, and no job for it - whatever other tests in
    this process trained or started (their jobs are hidden, not waited for; the data folder stays the same)."""
    from lib.jobs import runner
    from lib.vectors.word2vec_jobs import Word2VecForPages
    from ui import sources

    earlier = {job.id for job in runner.list_jobs()}
    find_job = runner.find_job

    def find_a_job_of_this_test(spec):
        job = find_job(spec)
        return job if job is not None and job.id not in earlier else None

    monkeypatch.setattr(runner, "find_job", find_a_job_of_this_test)
    monkeypatch.setattr(Word2VecForPages, "is_ready", lambda self, request: False)
    sources._word2vec_for_pages.clear()  # a fresh service: no readiness remembered from other tests
    yield
    sources._word2vec_for_pages.clear()


def test_word2vec_option_offers_to_train_instead_of_blocking(no_word2vec_yet):
    at = run_page()
    from ui import sources

    w2v = sources.word2vec_label("imdb", None)  # the default set (other tests may have added smaller ones)
    assert w2v in at.selectbox(key=SET_B).options
    at.selectbox(key=SET_B).set_value(w2v)
    rerun(at)
    assert any("has not been trained yet" in i for i in texts(at, "info"))
    assert any(b.label == "Train it now" for b in at.button)
    assert "better" in glove_neighbours(at)


def test_own_word_list_with_unknown_words_still_draws_a_map():
    at = run_page()
    at.selectbox(key="vectors_list").set_value("My own words")
    rerun(at)
    at.text_area(key="vectors_own_words").set_value("movie, film, zzqqxx actor actress plot")
    rerun(at)
    assert any("zzqqxx" in i for i in texts(at, "info"))
    assert at.get("plotly_chart")
    at.text_area(key="vectors_own_words").set_value("movie")
    rerun(at)
    assert any("at least 3 words" in w for w in texts(at, "warning"))


def train_in_the_tab(method: str = "word2vec", min_count: int = 2) -> AppTest:
    """A fresh page that trained a small set (500 reviews, 1 epoch) in the "Train word2vec or fastText" tab."""
    at = open_uploads(run_page())
    at.radio(key="vectors_method_trained").set_value(method)
    next(s for s in at.selectbox if s.label == "Training reviews").set_value(500)
    next(s for s in at.slider if s.label == "Epochs").set_value(1)
    next(s for s in at.slider if s.label == "Min count").set_value(min_count)
    rerun(at)
    at.button(key="vectors_train_w2v").click()
    rerun(at)
    # it trains in the background runner while the page keeps answering; wait for it, then redraw
    from lib.jobs import runner
    from lib.vectors.word2vec_jobs import Word2VecRequest
    from ui import sources

    params = dict(dim=50, window=5, min_count=min_count, sg=0, epochs=1, seed=0, method=method)
    job = runner.find_job(Word2VecRequest.of("imdb", 500, **params).job_spec())
    if job is not None:
        runner.wait(job.id, timeout=300)
    assert sources.word2vec_status("imdb", 500, **params)[0] == "ready"
    return rerun(at)


def test_training_a_small_word2vec_puts_it_side_by_side():
    at = train_in_the_tab("word2vec", min_count=1)
    label_b = at.selectbox(key=SET_B).value
    assert label_b.startswith("word2vec trained on IMDB (500 training texts")
    metric_labels = [m.label.replace("\\", "") for m in at.metric]  # names are Markdown-escaped on screen
    assert any(lab.startswith("word2vec trained on IMDB (500 training texts): cosine(good, bad)") for lab in metric_labels)
    assert any("nearest neighbour of *good*" in c or "neighbour number" in c for c in texts(at, "caption"))
    assert not at.error


def test_fasttext_builds_a_word_glove_lacks_from_its_pieces():
    at = train_in_the_tab("fasttext")
    assert at.selectbox(key=SET_B).value.startswith("fastText trained on IMDB (500 training texts")
    at.text_input(key="vectors_word").set_value("goooood")
    rerun(at)
    line = " ".join(texts(at, "text"))
    assert ("'goooood' is not in GloVe 6B 50-d; fastText trained on IMDB (500 training texts) builds it from its "
            "pieces: nearest ") in line
    assert len(at.dataframe[0].value) == 10  # fastText's column: the ten nearest words of the built vector
    assert any("“goooood” is not among the 400,000 words" in w for w in texts(at, "warning"))  # GloVe's column
    assert not at.error


def test_download_offline_is_one_sentence(monkeypatch):
    from lib.vectors import packaged

    monkeypatch.setattr(packaged, "can_reach", lambda *a, **k: False)
    at = open_uploads(run_page())
    at.button(key="vectors_gensim").click()
    rerun(at)
    errors = texts(at, "error")
    assert len(errors) == 1 and "needs the internet" in errors[0]
    assert "better" in glove_neighbours(at)


def test_map_of_the_most_frequent_review_words():
    at = run_page()
    at.selectbox(key="vectors_list").set_value("The IMDB reviews' most frequent words")
    rerun(at)
    chart = at.get("plotly_chart")[0]
    import json

    words = json.loads(chart.proto.spec)["data"][0]["text"]
    assert "movie" in words and "film" in words and "the" not in words and len(words) >= 30
    at.radio(key="vectors_method").set_value("t-SNE")
    rerun(at)
    assert at.get("plotly_chart") and not at.error


def test_uploads_are_private_to_the_session_that_made_them():
    """Two people on one server: the uploader sees the file in every menu, the other never does."""
    uploader = open_uploads(run_page())
    uploader.file_uploader(key="vectors_upload").upload("../../mine only.txt", small_vector_file(), "text/plain")
    rerun(uploader)
    label = uploader.selectbox(key=SET_B).value
    assert label.startswith("mine_only.txt (uploaded")  # path parts and spaces never reach the disk
    other = run_page()
    assert label not in other.selectbox(key=SET_B).options
    assert label in rerun(uploader).selectbox(key=SET_B).options
    # a refused file changes nothing for the uploader either
    uploader.file_uploader(key="vectors_upload").upload("model.kv", b"\x80\x04junk")
    rerun(uploader)
    assert any("run any code" in e for e in texts(uploader, "error"))
    assert label in uploader.selectbox(key=SET_B).options