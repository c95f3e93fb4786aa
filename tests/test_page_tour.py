"""AppTest of the guided tour on the tiny preset: every screen, sentences from real results.

One tiny demo serves the whole module (the ``tiny_demo`` fixture): it is started from the tour as a
visitor would start it, its race screen is drawn once while it runs, and every test then reads the
finished demo. Only this module starts tour demos in the test process.
"""
import json
import os
import signal
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from lib.jobs import runner

PAGE = "../app_pages/tour.py"
JOB = "tour_job_id"


def story(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def start_buttons(at: AppTest) -> list:
    return [b for b in at.button if b.label.startswith("Start the demo")]


def tour(size: str = "tiny", screen: int | None = None, job_id: str | None = None) -> AppTest:
    """The tour as a new visitor opens it (a link with the demo size), optionally as the session that owns ``job_id``."""
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["size"] = size
    if screen is not None:
        at.query_params["screen"] = str(screen)
    if job_id is not None:
        at.session_state[JOB] = job_id
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture(scope="module", autouse=True)
def word2vec_requests():
    """The tour's warm-up asks the runner for the default word2vec (25,000 reviews, ~45 s) ahead of any demo.
    These tests do not need it: the request is recorded, not trained (the worker itself is still started)."""
    from lib.vectors.word2vec_jobs import Word2VecForPages

    asked = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Word2VecForPages, "start", lambda self, request: asked.append(request))
        yield asked


@dataclass
class Demo:
    job_id: str
    running_story: str  # the race screen drawn while the demo was training


@pytest.fixture(scope="module")
def tiny_demo() -> Demo:
    at = tour()
    if start_buttons(at):
        at = click(at, "Start the demo training")
        assert not at.exception
        job_id = at.session_state[JOB]
    else:  # another test in this process (any order) already trained the tiny demo: train a fresh one to watch
        from lib import demo

        job_id = demo.train_demo_again("Tiny (tests)").id
        at.session_state[JOB] = job_id
    runner.wait_for(job_id, lambda snap: snap["status"] == "running", timeout=240)
    worker = runner.worker_pid()
    os.kill(worker, signal.SIGSTOP)  # paused, so the race cannot finish before its screen is drawn
    try:
        assert not runner.get_job(job_id).done
        at.session_state["tour_step"] = 3
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        running = story(at)
    finally:
        os.kill(worker, signal.SIGCONT)
    finished = runner.wait(job_id, timeout=240)
    assert finished.status == "done", finished.snapshot()
    return Demo(job_id, running)


def test_opening_the_tour_warms_up_the_runner(word2vec_requests):
    word2vec_requests.clear()
    tour(size="quick")
    assert runner.worker_pid() is not None  # the worker is up before anyone presses Start
    from lib.vectors.word2vec_jobs import Word2VecRequest

    assert word2vec_requests and word2vec_requests[-1] == Word2VecRequest("imdb")  # and the default word2vec asked for
    word2vec_requests.clear()
    tour(size="tiny")  # the tiny demo's word2vec learns from its own 500 reviews inside the race: nothing ahead
    assert not word2vec_requests


def test_the_running_race_shows_its_clock(tiny_demo):
    assert "Training 5 models" in tiny_demo.running_story
    assert "so far" in tiny_demo.running_story and "left" in tiny_demo.running_story


def test_tour_walks_through_all_screens_on_the_tiny_preset(tiny_demo):
    at = tour(job_id=tiny_demo.job_id)
    assert "[0 0 1 2 3 4]" in story(at)
    assert not start_buttons(at)

    at = click(at, "Next")  # the lookup table
    assert "10 rows × 3 numbers" in story(at) and "exactly" in story(at)
    at = click(at, "Next")  # GloVe
    assert "“bad” is closer to “good” than 99." in story(at) and "400,000 words" in story(at)

    at = click(at, "Next")  # the race, finished: the winner, the clock, bars with the guessing line
    assert not at.exception, [e.message for e in at.exception]
    assert "was right on" in story(at) and "of 100 reviews it had never seen" in story(at)
    assert "p =" not in story(at) and "McNemar" not in story(at)  # the tests' numbers are behind the toggle
    details = at.expander[0]
    assert "numbers and tests" in details.label and "McNemar" in " ".join(m.value for m in details.markdown)
    assert any("All 5 models finished, in" in c.value for c in at.caption)
    bars = at.get("plotly_chart")[0].proto.spec
    spec = json.loads(bars)
    assert spec["data"][0]["type"] == "bar" and spec["layout"]["yaxis"]["range"][0] == 0  # bars start at 0
    assert any("guessing" in a["text"] for a in spec["layout"]["annotations"])  # and the guessing line is named
    assert at.query_params["screen"] in ("4", ["4"]) and at.query_params["size"] in ("tiny", ["tiny"])

    at = click(at, "Next")  # maps before/after
    assert not at.exception, [e.message for e in at.exception]
    assert "of the time in GloVe before training" in story(at)
    assert at.get("plotly_chart")

    at = click(at, "Next")  # takeaway: how the gap changes with the number of labelled reviews
    assert not at.exception
    text = story(at)
    assert "labelled reviews" in text and "reviews to learn from" not in text  # not the race's sentence again
    assert any("Measured on 2026-11-26" in c.value for c in at.caption)
    assert at.get("plotly_chart")
    assert next(b for b in at.button if b.label == "Next").disabled

    at = click(at, "Back")
    assert at.session_state["tour_step"] == 4


def test_results_are_called_earlier_ones_only_when_the_demo_finished_before_the_visit(tiny_demo):
    snap = runner.get_job(tiny_demo.job_id).snapshot()

    def race_screen(opened: float, present: bool = False) -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=180)
        at.query_params.update(size="tiny", screen="4")
        at.session_state["presentation_mode"] = present
        at.session_state[JOB] = tiny_demo.job_id
        at.session_state["tour_opened"] = opened
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    def says_earlier(at: AppTest) -> bool:
        return any("come from the same demo" in c.value for c in at.caption)

    assert "tour_opened" in tour(size="tiny", screen=1).session_state  # a visit's start is noted at its first screen
    watched = race_screen(opened=snap["started"])  # the visit that watched this race finish
    assert not says_earlier(watched) and not any(b.label == "Run the race again anyway" for b in watched.button)
    later = race_screen(opened=snap["finished"] + 60)  # a visitor arriving after it finished
    assert says_earlier(later) and any(b.label == "Run the race again anyway" for b in later.button)
    presenting = race_screen(opened=snap["finished"] + 60, present=True)
    assert not any(b.label == "Run the race again anyway" for b in presenting.button)


def test_a_finished_demo_is_reused_unless_its_runs_were_deleted(tiny_demo, monkeypatch):
    from lib import runs

    first = tour()  # another visitor, later: finds the finished demo without training it again
    assert first.session_state[JOB] == tiny_demo.job_id and not start_buttons(first)
    first.radio(key="tour_preset").set_value("Quick demo").run()
    assert first.session_state.get(JOB) != tiny_demo.job_id  # never another size's numbers as this one's

    # Someone deletes the demo's runs (simulated, so the other tests keep theirs): the demo trains again.
    gone = set(runner.get_job(tiny_demo.job_id).snapshot()["run_ids"])
    exists = runs.run_exists
    monkeypatch.setattr(runs, "run_exists", lambda run_id: run_id not in gone and exists(run_id))
    second = tour()
    assert start_buttons(second)
    second = click(second, "Start the demo training")
    assert not second.exception
    again = second.session_state[JOB]
    assert again != tiny_demo.job_id and not runner.get_job(again).done
    runner.cancel(again, runner.get_job(again).spec.owner)  # that it trains is the first test's business
    runner.wait(again, timeout=240)


def test_a_reload_or_a_shared_link_opens_the_same_screen_size_and_mode():
    at = tour(size="tiny", screen=3)
    assert at.session_state["tour_step"] == 2 and at.session_state["tour_preset"] == "Tiny (tests)"
    assert "400,000 words" in story(at)
