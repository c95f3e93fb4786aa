"""The Train page on the tiny preset: start a job, wait for it, see results; no exception anywhere."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import jobs, training

PAGE = Path(__file__).resolve().parent.parent / "app_pages" / "train.py"

pytestmark = pytest.mark.slow


def _page():
    return AppTest.from_file(str(PAGE), default_timeout=120)


def test_page_opens_with_an_estimate():
    at = _page().run()
    assert not at.exception
    assert "Train and compare initialization strategies" in at.title[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "Estimated time on this machine" in text and "5 runs" in text
    assert at.button(key="train_start") is not None


def test_tiny_preset_trains_and_shows_results():
    at = _page().run()
    at.radio(key="train_w_preset").set_value("Tiny (tests)").run()
    assert not at.exception
    assert at.number_input(key="train_w_epochs").value == training.PRESETS["Tiny (tests)"]["epochs"]
    at.button(key="train_start").click().run()
    assert not at.exception
    job_id = at.session_state["train_job_id"]
    job = jobs.get_job(job_id)
    assert job is not None and job.spec.settings["train_size"] == training.PRESETS["Tiny (tests)"]["train_size"]
    jobs.wait(job_id, timeout=300)
    assert job.status == "done", job.snapshot()
    at.run()
    assert not at.exception
    assert len(at.dataframe) == 1
    table = at.dataframe[0].value
    assert len(table) == 5 and set(table["Strategy"]) >= {"Learned from scratch", "GloVe, frozen"}
    story = " ".join(str(h.proto) for h in at.get("html"))
    assert "did best" in story
    assert not at.error


def test_no_strategy_chosen_is_explained():
    at = _page().run()
    at.multiselect(key="train_w_strategies").set_value([]).run()
    assert not at.exception
    assert any("Choose at least one strategy" in w.value for w in at.warning)


def _csv(rows: int, classes=("pos", "neg")) -> bytes:
    lines = ["review,label"] + [f"\"text number {i} is {'great' if i % 2 else 'awful'}\",{classes[i % len(classes)]}"
                                for i in range(rows)]
    return "\n".join(lines).encode()


def test_uploaded_dataset_is_offered_to_this_session_only():
    at = _page().run()
    at.file_uploader(key="train_w_upload").upload("my reviews.csv", _csv(60), "text/csv").run()
    assert not at.exception
    at.selectbox(key="train_w_text_col").set_value("review")
    at.selectbox(key="train_w_label_col").set_value("label")
    at.button(key="train_use_upload").click().run()
    assert not at.exception, [e.message for e in at.exception]
    options = at.selectbox(key="train_w_dataset_key").options
    assert any("my_reviews.csv" in o or "my reviews.csv" in o for o in options), options
    other = _page().run()
    assert len(other.selectbox(key="train_w_dataset_key").options) == 1  # IMDB only


def test_a_single_class_upload_says_so_and_keeps_imdb():
    at = _page().run()
    at.file_uploader(key="train_w_upload").upload("one.csv", _csv(40, classes=("pos",)), "text/csv").run()
    at.selectbox(key="train_w_text_col").set_value("review")
    at.selectbox(key="train_w_label_col").set_value("label")
    at.button(key="train_use_upload").click().run()
    assert not at.exception
    assert at.error and "class" in at.error[0].value.lower()
    assert at.selectbox(key="train_w_dataset_key").value == "imdb"
