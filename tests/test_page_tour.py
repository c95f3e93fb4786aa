"""AppTest of the guided tour on the tiny preset: every screen, sentences from real results."""
from streamlit.testing.v1 import AppTest

from lib.jobs import runner

PAGE = "../app_pages/tour.py"


def story(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def start_fresh_demo(at: AppTest) -> AppTest:
    """Press Start on the tiny demo. The runner is shared by the tests in this process: if another test's
    tiny demo already finished, the page attaches to it (as a reload would), so delete its runs first."""
    from lib import runs

    attached = runner.get_job(at.session_state["tour_job_id"]) if "tour_job_id" in at.session_state else None
    if attached is not None:
        runner.wait(attached.id, timeout=240)
        for run_id in attached.snapshot()["run_ids"]:
            runs.delete_run(run_id)
        at.run()
    return click(at, "Start the demo training")


def test_tour_walks_through_all_screens_on_the_tiny_preset():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "[0 0 1 2 3 4]" in story(at)

    at.radio(key="tour_preset").set_value("Tiny (tests)").run()
    at = start_fresh_demo(at)
    assert not at.exception
    job_id = at.session_state["tour_job_id"]

    at = click(at, "Next")  # the lookup table: still fine while training runs
    assert "10 rows × 3 numbers" in story(at) and "exactly" in story(at)
    at = click(at, "Next")  # GloVe
    assert "“bad” is the" in story(at) and "closest of 400,000 words" in story(at)

    finished = runner.wait(job_id, timeout=240)
    assert finished.status == "done", finished.snapshot()
    at = click(at, "Next")  # the race, finished: the winner, the clock, bars with the guessing line
    assert not at.exception, [e.message for e in at.exception]
    assert "did best" in story(at)
    assert any("All 5 models finished, in" in c.value for c in at.caption)
    bars = at.get("plotly_chart")[0].proto.spec
    assert "50% = guessing" in bars and '"type":"bar"' in bars.replace(" ", "")
    assert at.query_params["screen"] in ("4", ["4"]) and at.query_params["size"] in ("tiny", ["tiny"])

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
    first = start_fresh_demo(first)
    job_id = first.session_state["tour_job_id"]
    assert runner.wait(job_id, timeout=240).status == "done"

    second = AppTest.from_file(PAGE, default_timeout=180).run()
    second.radio(key="tour_preset").set_value("Tiny (tests)").run()
    assert second.session_state["tour_job_id"] == job_id  # the same demo, found without training it twice
    assert not [b for b in second.button if b.label.startswith("Start the demo")]
    second.radio(key="tour_preset").set_value("Quick demo").run()
    assert second.session_state.get("tour_job_id") != job_id  # never another size's numbers as this one's

    for run_id in runner.get_job(job_id).snapshot()["run_ids"]:
        runs.delete_run(run_id)
    third = AppTest.from_file(PAGE, default_timeout=180).run()
    third.radio(key="tour_preset").set_value("Tiny (tests)").run()
    third = click(third, "Start the demo training")
    assert not third.exception
    assert third.session_state["tour_job_id"] != job_id
    assert runner.wait(third.session_state["tour_job_id"], timeout=240).status == "done"


def test_a_reload_or_a_shared_link_opens_the_same_screen_size_and_mode():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["screen"] = "3"
    at.query_params["size"] = "tiny"
    at.run()
    assert not at.exception
    assert at.session_state["tour_step"] == 2 and at.session_state["tour_preset"] == "Tiny (tests)"
    assert "closest of 400,000 words" in story(at)


def test_the_running_race_shows_its_clock():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.radio(key="tour_preset").set_value("Tiny (tests)").run()
    at = start_fresh_demo(at)
    job_id = at.session_state["tour_job_id"]
    runner.wait_for(job_id, lambda snap: snap["status"] == "running", timeout=240)
    at.session_state["tour_step"] = 3
    at.run()
    text = story(at)
    if runner.get_job(job_id).done:  # a fast machine may finish first; then the result is what shows
        assert "did best" in text
    else:
        assert "so far" in text and "left" in text
    runner.wait(job_id, timeout=240)
