"""AppTest of the guided tour on the tiny preset: every screen, sentences from real results."""
from streamlit.testing.v1 import AppTest

from lib import jobs

PAGE = "../app_pages/tour.py"


def story(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_tour_walks_through_all_screens_on_the_tiny_preset():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "[0 0 1 2 3 4]" in story(at)

    at.radio(key="tour_preset").set_value("Tiny (tests)").run()
    at = click(at, "Start the demo training")
    assert not at.exception
    job_id = at.session_state["tour_job_id"]

    at = click(at, "Next")  # the lookup table: still fine while training runs
    assert "10 rows × 3 numbers" in story(at) and "exactly" in story(at)
    at = click(at, "Next")  # GloVe
    assert "“bad” is the" in story(at) and "closest of 400,000 words" in story(at)

    finished = jobs.wait(job_id, timeout=240)
    assert finished.status == "done", finished.snapshot()
    at = click(at, "Next")  # the race, finished
    assert not at.exception, [e.message for e in at.exception]
    assert "All 5 models finished" in story(at)
    assert len(at.dataframe[0].value) == 5

    at = click(at, "Next")  # maps before/after
    assert not at.exception, [e.message for e in at.exception]
    assert "of the time in GloVe before training" in story(at)
    assert at.get("plotly_chart")

    at = click(at, "Next")  # takeaway
    assert not at.exception
    text = story(at)
    assert "did best" in text and "%" in text
    assert next(b for b in at.button if b.label == "Next").disabled

    at = click(at, "Back")
    assert at.session_state["tour_step"] == 4


def test_a_finished_demo_is_reused_unless_its_runs_were_deleted():
    from lib import runs

    first = AppTest.from_file(PAGE, default_timeout=180).run()
    first.radio(key="tour_preset").set_value("Tiny (tests)").run()
    first = click(first, "Start the demo training")
    job_id = first.session_state["tour_job_id"]
    assert jobs.wait(job_id, timeout=240).status == "done"

    second = AppTest.from_file(PAGE, default_timeout=180).run()
    second.radio(key="tour_preset").set_value("Tiny (tests)").run()
    second = click(second, "Start the demo training")
    assert second.session_state["tour_job_id"] == job_id  # shared, not trained twice

    for run_id in jobs.get_job(job_id).snapshot()["run_ids"]:
        runs.delete_run(run_id)
    third = AppTest.from_file(PAGE, default_timeout=180).run()
    third.radio(key="tour_preset").set_value("Tiny (tests)").run()
    third = click(third, "Start the demo training")
    assert not third.exception
    assert third.session_state["tour_job_id"] != job_id
    assert jobs.wait(third.session_state["tour_job_id"], timeout=240).status == "done"
