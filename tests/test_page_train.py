"""The Train page on the tiny preset: start a job, wait for it, see results; no exception anywhere."""
import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.jobs import runner
from lib.jobs.progress import finished_runs
from lib.config import PRESETS, TRAIN_SIZES

PAGE = Path(__file__).resolve().parent.parent / "app_pages" / "train.py"

pytestmark = pytest.mark.slow


def _page():
    return AppTest.from_file(str(PAGE), default_timeout=120)


def test_page_opens_with_an_estimate():
    at = _page().run()
    assert not at.exception
    assert "Train and compare initialization strategies" in at.title[0].value
    text = " ".join(m.value for m in at.markdown)
    # Quick demo compares the chosen strategies (every registered one by default) on 3 seeds each
    # (lib.config.PRESET_SEEDS), and the estimate says so
    n = len(at.multiselect(key="train_strategies").value)
    assert n >= 5
    assert "Estimated time on this machine" in text and f"{3 * n} runs" in text and f"{n} strategies × 3 seeds" in text
    assert at.slider(key="train_seeds").value == 3
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    assert at.slider(key="train_seeds").value == 1 and f"{n} runs" in " ".join(m.value for m in at.markdown)
    assert at.button(key="train_start") is not None


def test_tiny_preset_trains_and_shows_results():
    at = _page().run()
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    assert not at.exception
    assert at.number_input(key="train_epochs").value == PRESETS["Tiny (tests)"]["epochs"]
    # What the results need, and no more (each run is about 1.5 s of TensorFlow tracing plus its epochs): one
    # strategy per vector source, frozen and fine-tuned, two short epochs. Every strategy trains in test_training.
    chosen = ["learned", "glove_frozen", "word2vec_finetuned", "fasttext_frozen"]
    at.multiselect(key="train_strategies").set_value(chosen).run()
    at.number_input(key="train_epochs").set_value(2).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    job_id = at.session_state["train_job_id"]
    job = runner.get_job(job_id)
    assert job is not None and job.spec.settings["train_size"] == PRESETS["Tiny (tests)"]["train_size"]
    assert job.spec.strategies == chosen and job.spec.settings["epochs"] == 2
    runner.wait(job_id, timeout=300)
    assert job.status == "done", job.snapshot()
    at.run()
    assert not at.exception
    assert len(at.dataframe) == 2  # the results, then the saved runs
    table = at.dataframe[0].value
    assert len(at.dataframe[1].value) >= len(chosen)  # the saved runs: this job's, and any others
    assert len(table) == len(job.spec.strategies) and set(table["Strategy"]) >= {"Learned from scratch", "GloVe, frozen"}
    learned = table[table["Strategy"] == "Learned from scratch"].iloc[0]
    assert learned["Pretrained start for"] == "not pretrained (random start)"   # never "None"
    assert not table.astype(str).isin(["None", "nan", "<NA>"]).any().any()
    assert all(re.fullmatch(r"[\d,]+ trained( \+ [\d,]+ frozen)?", p) and ("," in p) for p in table["Parameters"])
    story = " ".join(str(h.proto) for h in at.get("html"))
    assert "did best" in story
    assert not at.error
    # coverage, visible: a sentence from the runs' numbers and its chart
    coverage = [t.value for t in at.text if "gave a starting vector to" in t.value]
    assert coverage and "GloVe gave a starting vector to" in coverage[0] and "word2vec gave" in coverage[0]
    assert "moved its words with a pretrained start" in coverage[0] and "kept every word where it started" in coverage[0]
    assert "train_coverage_chart" in " ".join(str(c.proto) for c in at.get("plotly_chart"))


def test_no_strategy_chosen_is_explained():
    at = _page().run()
    at.multiselect(key="train_strategies").set_value([]).run()
    assert not at.exception
    assert any("Choose at least one strategy" in w.value for w in at.warning)


def _csv(rows: int, classes=("pos", "neg")) -> bytes:
    lines = ["review,label"] + [f"\"text number {i} is {'great' if i % 2 else 'awful'}\",{classes[i % len(classes)]}"
                                for i in range(rows)]
    return "\n".join(lines).encode()


def test_uploaded_dataset_is_offered_to_this_session_only():
    at = _page().run()
    at.file_uploader(key="train_upload").upload("my reviews.csv", _csv(60), "text/csv").run()
    assert not at.exception
    at.selectbox(key="train_text_col").set_value("review")
    at.selectbox(key="train_label_col").set_value("label")
    at.button(key="train_use_upload").click().run()
    assert not at.exception, [e.message for e in at.exception]
    options = at.selectbox(key="train_dataset_key").options
    assert any("my_reviews.csv" in o or "my reviews.csv" in o for o in options), options
    other = _page().run()
    assert len(other.selectbox(key="train_dataset_key").options) == 1  # IMDB only


def test_a_single_class_upload_says_so_and_keeps_imdb():
    at = _page().run()
    at.file_uploader(key="train_upload").upload("one.csv", _csv(40, classes=("pos",)), "text/csv").run()
    at.selectbox(key="train_text_col").set_value("review")
    at.selectbox(key="train_label_col").set_value("label")
    at.button(key="train_use_upload").click().run()
    assert not at.exception
    assert at.error and "class" in at.error[0].value.lower()
    assert at.selectbox(key="train_dataset_key").value == "imdb"


def test_saved_runs_can_be_renamed_and_deleted_and_broken_folders_are_reported():
    import shutil

    import numpy as np

    from lib import runs
    from lib.paths import runs_dir

    record = runs.save_run({"strategy": "learned", "strategy_label": "Learned from scratch", "train_size": 10,
                            "architecture": "average",
                            "seed": 0, "dataset_key": "imdb"}, {"loss": [0.5]}, {"test_accuracy": 0.75},
                           ["", "good", "bad"], np.zeros((3, 2), "float32"), np.ones((3, 2), "float32"))
    (runs_dir() / "broken-run").mkdir(parents=True)
    (runs_dir() / "broken-run" / "config.json").write_text("{not json")
    at = _page().run()
    assert not at.exception
    assert any("broken-run" in w.value for w in at.warning)
    at.selectbox(key="train_manage_run").set_value(record.run_id).run()
    at.text_input(key=f"train_rename_{record.run_id}").set_value("My baseline").run()
    at.button(key="train_rename_button").click().run()
    assert not at.exception
    assert runs.load_run(record.run_id).name == "My baseline"
    at.checkbox(key=f"train_delete_confirm_{record.run_id}").check().run()
    at.button(key="train_delete_button").click().run()
    assert not at.exception
    assert not runs.run_exists(record.run_id)
    shutil.rmtree(runs_dir() / "broken-run")


def test_the_sweep_announces_its_time_then_says_where_a_pretrained_start_stops_helping():
    from lib import runs, verdicts

    at = _page().run()
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    at.multiselect(key="train_strategies").set_value(["learned", "glove_finetuned"]).run()
    assert at.multiselect(key="train_efficiency_sizes").value == TRAIN_SIZES  # every size by default
    assert at.slider(key="train_sweep_seeds").value == 3 and at.slider(key="train_seeds").value == 1
    at.multiselect(key="train_efficiency_sizes").set_value([500, 1_000]).run()
    at.slider(key="train_sweep_seeds").set_value(2).run()
    at.selectbox(key="train_sweep_architecture").set_value("conv").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "8 runs" in text and "2 strategies × 2 sizes × 2 seeds" in text and "1-D convolution" in text
    assert "Estimated time on this machine" in text
    # What the test waits for: one size, two short epochs (4 small runs); the sentence needs two seeds, not sizes.
    at.number_input(key="train_epochs").set_value(2).run()
    at.multiselect(key="train_efficiency_sizes").set_value([500]).run()
    assert "4 runs" in " ".join(m.value for m in at.markdown)
    at.button(key="train_efficiency_start").click().run()
    assert not at.exception
    job = runner.get_job(at.session_state["train_efficiency_job_id"])
    assert job.spec.settings["architecture"] == "conv" and job.spec.settings["epochs"] == 2
    assert job.spec.seeds == [0, 1] and job.spec.train_sizes == [500]
    runner.wait(job.id, timeout=600)
    assert job.status == "done", job.snapshot()
    at.run()
    assert not at.exception and not at.error
    # The page says the verdict of exactly this job's runs, whichever way it went (lib.verdicts' own tests check
    # each wording): compared as a whole sentence, since "beat ... beyond noise" is also part of "never beat ...".
    records = finished_runs(job.snapshot())
    comparisons = verdicts.sweep_comparisons(verdicts.sweep_answers(records, runs.load_predictions))
    expected = verdicts.sweep_sentence(comparisons, ["glove_finetuned", "learned"])
    assert expected.startswith("GloVe, fine-tuned ") and "(2 seeds)" in expected
    assert any(html.escape(expected) in h.proto.body for h in at.get("html")), expected
    assert "train_eff_chart" in " ".join(str(c.proto) for c in at.get("plotly_chart"))


def test_a_reload_finds_the_same_settings_and_job_which_only_its_owner_may_cancel(monkeypatch):
    from ui import session

    at = _page().run()
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    at.number_input(key="train_epochs").set_value(30).run()  # long enough to still run after the reload
    at.button(key="train_start").click().run()
    job_id = at.session_state["train_job_id"]
    assert at.query_params["job"] in (job_id, [job_id]) and at.button(key="train_start").disabled
    assert [j.id for j in runner.list_jobs() if not j.done and j.spec.title == "Tiny (tests)"] == [job_id]

    # A reload is a new session with the same address, as a copied link opened elsewhere is. (Every AppTest
    # has the same session id, so the new session gets its own here.)
    with monkeypatch.context() as patch:
        patch.setattr(session, "session_id", lambda: "a reloaded tab")
        reloaded = _page()
        for param, value in at.query_params.items():
            reloaded.query_params[param] = value[0] if isinstance(value, list) else value
        reloaded.run()
    assert not reloaded.exception
    assert reloaded.session_state["train_job_id"] == job_id
    assert reloaded.session_state["train_preset"] == "Tiny (tests)" and reloaded.session_state["train_epochs"] == 30
    assert not [i for i in reloaded.info if "Someone else's" in i.value]  # the job it follows is not "another" job
    assert reloaded.button(key="train_start").disabled
    # it follows the job, but only the session that started it may stop it
    assert not [b for b in reloaded.button if b.key == "train_job_id_cancel"] and not runner.get_job(job_id).done
    at.run()
    at.button(key="train_job_id_cancel").click().run()
    assert runner.wait(job_id, timeout=300).status == "cancelled"


def test_a_link_to_a_job_from_before_a_restart_says_what_became_of_it():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["job"] = "job-AbCdEfGhIjKlMnOpQrStUv"  # well formed, but this server never had it
    at.run()
    assert not at.exception
    assert any("not known here" in i.value and "Saved runs" in i.value for i in at.info)
    assert "job" not in at.query_params  # the address no longer names it
    at.run()
    assert not any("not known here" in i.value for i in at.info)  # said once, not on every rerun


def test_a_link_reopens_a_finished_job_after_a_restart(monkeypatch):
    """A fresh runner on the same data folder (a restarted server) re-opens the job from its record on disk."""
    from tests.test_jobs import spec

    job = runner.submit(spec(["learned"], seeds=[4]))
    runner.wait(job.id, timeout=300)
    assert job.status == "done", job.snapshot()
    monkeypatch.setattr(runner, "_runner", runner._Runner())   # the server restarted: no job in memory
    at = _page()
    at.query_params["job"] = job.id
    at.run()
    assert not at.exception and not at.error
    texts = " ".join(c.value for c in at.caption) + " ".join(i.value for i in at.info)
    assert "Nothing trained yet" not in texts and "not known here" not in texts
    assert at.session_state["train_job_id"] == job.id and at.query_params["job"] in (job.id, [job.id])
    assert any("Finished 1 of 1" in s.value for s in at.success)
    results = at.dataframe[0].value
    assert list(results["Strategy"]) == ["Learned from scratch"] and len(results) == 1


def test_a_link_to_a_job_cut_off_by_a_restart_says_what_became_of_it(monkeypatch):
    from lib.io import HOST
    from tests.test_jobs import _cut_off_record

    monkeypatch.setattr(runner, "_runner", runner._Runner())
    job_id = _cut_off_record(["learned", "glove_frozen"], ["cancelled", "running"], [None, None],
                             f"{HOST}~{__import__('os').getpid()}~stopped")
    at = _page()
    at.query_params["job"] = job_id
    at.run()
    assert not at.exception
    assert any("still running when the server stopped" in w.value and "Press Train" in w.value for w in at.warning)
    assert not at.button(key="train_start").disabled
