"""Train and compare initialization strategies: settings, a background job with live progress, honest results.

Storyboard: the address (a reload or a copied link finds the same settings and jobs) ->
1. settings -> 2. train (how many runs, how long) -> 3. progress -> 4. results ->
5. how much data each strategy needs (the sweep) -> 6. saved runs -> the address again.
Each section is a function of plain values. The work is in lib: the runner and who may
follow or cancel a job in lib.jobs, the runs and their time estimates in lib.training,
the verdicts against noise in lib.verdicts.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib import coverage, plots, result_charts, verdicts
from lib import runs as run_store
from lib.data.tables import table_columns
from lib.data.uploads import dataset_from_upload
from lib.glossary import definition
from lib.jobs import access, records, runner
from lib.jobs.progress import finished_runs, rough_duration, task_lines
from lib.jobs.spec import JobKind, JobSpec, Status
from lib.models import ARCHITECTURES, STRATEGIES, fixed_dimension
from ui import backend, presentation, report, sources
from ui.errors import friendly_errors, show_error
from ui.session import session_id
from ui.text import md
from lib.demo import RACE
from lib.config import DEFAULTS, PRESET_SEEDS, PRESETS, TRAIN_SIZES, estimate_seconds, make_config
from lib.results import comparisons_with_learned, results_table, shown_table, summary_details, summary_sentence
from lib.significance import RULE

PRESET_NAMES = ["Quick demo", "Full IMDB", "Classic LSTM (slow)", "Tiny (tests)"]
PRESET_PURPOSE = {
    "Quick demo": "the tour's five strategies on a small training set, the quickest real comparison",
    "Full IMDB": "the tour's five strategies on every training review",
    "Classic LSTM (slow)": "the model from the question; slow on 2 cores",
    "Tiny (tests)": "for checking that everything works, not for conclusions",
}
MODEL_IN_WORDS = {"average": "the fast averaging model", "lstm": "the classic LSTM model",
                  "conv": "the 1-D convolution model"}
#: The RunConfig fields set in section 1; each has the widget (and session-state) key "train_<field>".
SETTING_KEYS = ["train_size", "architecture", "vocab_size", "sequence_length", "embedding_dim", "epochs",
                "batch_size", "learning_rate", "early_stopping"]
SIZE_LABEL = {None: "all (25,000 for IMDB)"}
SWEEP_SIZES = TRAIN_SIZES            # 500, 1,000, 2,000, 5,000, 10,000, all
#: URL parameter -> the session-state key of the job it names (section 3's job, section 5's sweep).
URL_JOBS = {"job": "train_job_id", "sweep": "train_efficiency_job_id"}
#: URL parameter -> (session-state key, type) of the page's main choices.
URL_SETTINGS = {"preset": ("train_preset", str), "size": ("train_train_size", int),
                "model": ("train_architecture", str), "seeds": ("train_seeds", int)}


@dataclass
class Choice:
    """What section 1 says to train: the data, the strategies, the seeds and the settings every run shares."""

    dataset_key: str
    preset: str
    strategies: list[str]
    seeds: list[int]
    settings: dict                   # fields of lib.training.RunConfig, as the job gets them


@dataclass
class Workload:
    """What a time estimate needs besides the settings: the dataset's size and what is ready already."""

    full_train: int
    full_test: int
    ready_sources: set[str]          # vector sources already trained or cached (they cost next to nothing)
    worker_ready: bool               # the worker process has imported TensorFlow already

    def seconds(self, config: dict, strategies: list[str], seeds: int, train_sizes: list | None = None) -> float:
        return estimate_seconds(config, strategies, seeds, train_sizes=train_sizes,
                                         full_train=self.full_train, full_test=self.full_test,
                                         ready_sources=self.ready_sources, worker_ready=self.worker_ready)


@dataclass
class Sweep:
    """What the sweep will train: sizes (smallest first, None = all), seeds and the model; settings for its tasks."""

    sizes: list
    seeds: list[int]
    architecture: str
    settings: dict


# --- state that must survive leaving the page, and the address ---------------------------------------------


def first_values() -> None:
    """The settings' first values (widgets keep theirs across pages with persist_state="session")."""
    state = st.session_state
    for name, value in make_config(**PRESETS["Quick demo"]).items():
        if name in SETTING_KEYS:
            state.setdefault(f"train_{name}", value)
    state.setdefault("train_preset", "Quick demo")
    # the tour's five by default; fastText (slower to pretrain) is one click away in the menu
    state.setdefault("train_strategies", list(RACE))
    state.setdefault("train_seeds", PRESET_SEEDS["Quick demo"])
    state.setdefault("train_dataset_key", "imdb")
    state.setdefault("train_efficiency_sizes", list(TRAIN_SIZES))  # the sweep: every size, "all" included
    state.setdefault("train_sweep_seeds", 3)
    state.setdefault("train_sweep_architecture", "average")
    if state.get("train_pending_dataset"):  # a dataset was just uploaded: select it (before the widget exists)
        state["train_dataset_key"] = state.pop("train_pending_dataset")


def apply_preset() -> None:
    values = make_config(**PRESETS[st.session_state["train_preset"]])
    for name in SETTING_KEYS:
        st.session_state[f"train_{name}"] = values[name]
    st.session_state["train_seeds"] = PRESET_SEEDS[st.session_state["train_preset"]]


def adopt_jobs_from_the_address() -> None:
    """On a session's first run, take the jobs named in the URL (and the settings they were started with).

    A job this server does not know is re-opened from its record on disk (:func:`lib.jobs.runner.get_job`),
    so a link outlives a restart. A job is followed only if this session may see it
    (:func:`lib.jobs.access.may_see`): one on a private upload waits until this session holds that upload
    (:func:`adopt_private_jobs`); following is not owning: only the session that started a job may cancel it.
    """
    state = st.session_state
    if state.get("train_url_read"):
        adopt_private_jobs()
        return
    state["train_url_read"] = True
    read_settings_from_the_address()
    for param, state_key in URL_JOBS.items():
        job = runner.get_job(st.query_params.get(param))
        if job is None and st.query_params.get(param):
            state["train_forgotten_job"] = True  # no record of it: say so rather than drop it silently
        elif job is not None and not access.may_see(job, sources.my_dataset_keys()):
            state.setdefault("train_private_jobs", {})[param] = job.id  # until this session holds the upload
        else:
            adopt(param, job)


def adopt_private_jobs() -> None:
    """Follow a linked job on an upload once this session holds that upload (it uploaded the same table again)."""
    pending = st.session_state.get("train_private_jobs") or {}
    for param, job_id in list(pending.items()):
        job = runner.get_job(job_id)
        if job is None or access.may_see(job, sources.my_dataset_keys()):
            pending.pop(param)
            adopt(param, job)


def adopt(param: str, job) -> None:
    """Follow ``job`` in the section the URL parameter ``param`` names; the form shows what a training job used."""
    state, state_key = st.session_state, URL_JOBS[param]
    if job is not None:
        state[state_key] = job.id
        state[f"{state_key}_seen_done"] = job.done
        state.setdefault("train_adopted_jobs", []).append(job.id)
        if param == "job":  # the form shows what this job was started with
            for name in SETTING_KEYS:
                if name in job.spec.settings:
                    state[f"train_{name}"] = job.spec.settings[name]
            state["train_strategies"] = list(job.spec.strategies)
            state["train_seeds"] = len(job.spec.seeds)
            state["train_dataset_key"] = job.spec.dataset_key
            if job.spec.title in PRESET_NAMES:
                state["train_preset"] = job.spec.title


def forgotten_job_notice() -> None:
    """A link naming a job with no record on disk, or one on an upload this session does not hold: say which."""
    if st.session_state.pop("train_forgotten_job", False):
        st.info("The training job in this link is not known here: the link may be cut short, or the job is older "
                f"than the newest {records.KEEP} jobs this server keeps a record of. Every run it had finished was "
                "saved: find them under **6. Saved runs** below and on the page **Compare embeddings side by side**.")
    if st.session_state.get("train_private_jobs"):
        st.info("The job in this link trained on an uploaded table. Uploads, and what is trained on them, are "
                "private to the browser session that uploaded them, and this session does not hold it (a session "
                "ends when the server restarts or its tab is closed). If it is yours, upload the same table again "
                "with the same columns (*Upload your own labelled texts* below): its results then appear here.")


def read_settings_from_the_address() -> None:
    """The page's main choices from the URL (when no job named there set them already)."""
    for param, (state_key, kind) in URL_SETTINGS.items():
        value = st.query_params.get(param)
        if value is None:
            continue
        try:
            value = None if value == "all" else kind(value)
        except ValueError:
            continue  # a mangled link: keep the default
        if param == "preset" and value in PRESET_NAMES:
            st.session_state["train_preset"] = value
            apply_preset()
        elif param == "size" and value in TRAIN_SIZES:
            st.session_state[state_key] = value
        elif param == "model" and value in ARCHITECTURES:
            st.session_state[state_key] = value
        elif param == "seeds" and isinstance(value, int) and 1 <= value <= 5:
            st.session_state[state_key] = value


def write_the_address() -> None:
    for param, (state_key, _) in URL_SETTINGS.items():
        value = st.session_state.get(state_key)
        st.query_params[param] = "all" if value is None else str(value)
    waiting = st.session_state.get("train_private_jobs") or {}
    for param, state_key in URL_JOBS.items():
        job_id = st.session_state.get(state_key) or waiting.get(param)
        if job_id and runner.get_job(job_id) is not None:
            st.query_params[param] = job_id
        else:
            st.query_params.pop(param, None)


def my_jobs() -> list:
    """Every job this session started or took over from its URL, oldest first."""
    return access.my_jobs(runner.list_jobs(), session_id(), st.session_state.get("train_adopted_jobs", []))


def finished_runs_of(job_id: str | None) -> list:
    job = runner.get_job(job_id)
    return finished_runs(job.snapshot()) if job is not None else []


def size_label(n: int | None) -> str:
    return SIZE_LABEL.get(n) or f"{n:,}"


def preset_help(name: str) -> str:
    """Describe a preset from its actual settings, so the text cannot drift from the numbers."""
    p = PRESETS[name]
    size = "all 25,000" if p["train_size"] is None else f"{p['train_size']:,}"
    epochs = f"up to {p['epochs']} epochs (stops when validation stops improving)" if p.get("early_stopping") \
        else f"{p['epochs']} epoch{'s' if p['epochs'] > 1 else ''}"
    seeds = PRESET_SEEDS[name]
    return (f"{size} training reviews, {MODEL_IN_WORDS[p['architecture']]}, {p['vocab_size']:,} words, "
            f"length {p['sequence_length']}, {epochs}, {seeds} seed{'s' if seeds > 1 else ''} per strategy: "
            f"{PRESET_PURPOSE[name]}.")


# --- the introduction and 1. settings ------------------------------------------------------------------------


def introduction() -> None:
    st.title("Train and compare initialization strategies")
    st.markdown(
        "Does a model learn better when its Embedding layer **starts from pretrained vectors** (GloVe, or "
        "word2vec or fastText trained on the text of all the training reviews, labels unused) than when it **learns the vectors "
        "from scratch**? And should those vectors stay **frozen** or be **fine-tuned**? Pick the settings, press "
        "*Train*, and the chosen strategies are trained on the same reviews (one after another on this machine, "
        "several at once on a Ray cluster) and graded on the same held-out test reviews. Training runs in the "
        "background: you can visit other pages and come back."
    )


def upload_dataset() -> None:
    """Offer an uploaded table as a dataset to this session (it is selected on the next run)."""
    with st.expander("Upload your own labelled texts (CSV, TSV or Parquet)"):
        upload = st.file_uploader("A table with a text column and a label column", type=["csv", "tsv", "parquet"],
                                  key="train_upload",
                                  help="CSV, TSV or Parquet, up to 200 MB: one text per row and its label (two or more classes).")
        if upload is None:
            return
        with friendly_errors("Reading the file"):
            cols = table_columns(upload.name, upload.getvalue())
            u1, u2 = st.columns(2)
            text_col = u1.selectbox("Text column", cols, key="train_text_col",
                                    help="The column holding the texts to classify.")
            label_col = u2.selectbox("Label column", cols, index=min(1, len(cols) - 1), key="train_label_col",
                                     help="The column holding each text's class (words or numbers).")
            if st.button("Use this dataset", key="train_use_upload"):
                dataset = dataset_from_upload(upload.name, upload.getvalue(), text_col, label_col, owner=session_id())
                sources.remember_dataset(dataset.key)  # offered to this session only
                st.session_state["train_pending_dataset"] = dataset.key
                st.success(f"Stored {len(dataset.train_texts):,} training and {len(dataset.test_texts):,} test texts "
                           f"({md(', '.join(dataset.class_names))}). Choose it under *Dataset*.")
                st.rerun()


def settings_section() -> Choice:
    state = st.session_state
    with presentation.settings("Training settings"), st.container(border=True):
        st.subheader("1. Settings")
        st.radio("Preset", PRESET_NAMES, key="train_preset", persist_state="session", on_change=apply_preset,
                 horizontal=True, help="Fills in the settings below; you can still change any of them.")
        st.caption(preset_help(state["train_preset"]))

        labels = {key: label for label, key in sources.dataset_choices().items()}
        if state["train_dataset_key"] not in labels:
            state["train_dataset_key"] = "imdb"
        c1, c2 = st.columns(2)
        c1.selectbox("Dataset", list(labels), key="train_dataset_key", persist_state="session",
                     format_func=lambda k: labels.get(k, k),
                     help="Upload your own labelled texts below; they stay available after you leave the page.")
        size_options = TRAIN_SIZES
        if state["train_train_size"] not in size_options:
            size_options = sorted(size_options[:-1] + [state["train_train_size"]]) + [None]
        c2.selectbox("Training reviews", size_options, key="train_train_size", persist_state="session",
                     format_func=size_label,
                     help="A subset of the training split, the same for every strategy. The test split is never touched.")
        upload_dataset()

        st.multiselect("Strategies", list(STRATEGIES), key="train_strategies", persist_state="session",
                       format_func=lambda k: STRATEGIES[k].label,
                       help="Learned: random start. Frozen: the pretrained vectors never change. "
                            "Fine-tuned: they start pretrained and training may adjust them.")
        fixed_dim = fixed_dimension(list(state["train_strategies"]))
        if fixed_dim and state["train_embedding_dim"] != fixed_dim:
            state["train_embedding_dim"] = fixed_dim

        m1, m2, m3, m4 = st.columns(4)
        m1.selectbox("Model", list(ARCHITECTURES), key="train_architecture", persist_state="session",
                     format_func=ARCHITECTURES.get,
                     help=definition("average pooling") + " " + definition("LSTM") + " " + definition("convolution (1-D)"))
        m2.number_input("Vocabulary size", 100, 100_000, step=1_000, key="train_vocab_size", persist_state="session",
                        help="Only the most frequent words get their own row; rarer words are dropped.")
        m3.number_input("Sequence length", 10, 1_000, step=50, key="train_sequence_length", persist_state="session",
                        help="Reviews are cut (keeping their end) or padded to this many words.")
        m4.number_input("Embedding dimension", 2, 300, step=1, key="train_embedding_dim", persist_state="session",
                        disabled=bool(fixed_dim), help="Numbers per word.")
        if fixed_dim:
            st.caption(f"The embedding dimension is fixed at {fixed_dim} because GloVe's vectors have {fixed_dim} "
                       "numbers per word, and every strategy uses the same size so the comparison is fair.")
        t1, t2, t3, t4 = st.columns(4)
        t1.number_input("Epochs", 1, 50, key="train_epochs", persist_state="session",
                        help=definition("epoch") + " With early stopping on, this is the most it may use.")
        t2.selectbox("Batch size", [16, 32, 64, 128, 256], key="train_batch_size", persist_state="session",
                     help=definition("batch"))
        t3.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], key="train_learning_rate",
                         persist_state="session", format_func=lambda v: f"{v:g}", help=definition("learning rate"))
        t4.slider("Seeds per strategy", 1, 5, key="train_seeds", persist_state="session",
                  help="Each strategy is trained this many times with different random seeds. 3 or more let the "
                       "results tell a gap from training luck; 1 or 2 cannot.")
        st.checkbox("Stop early when the validation loss stops improving (and keep the best epoch)",
                    key="train_early_stopping", persist_state="session",
                    help="Epochs then become a maximum. Judged on validation reviews carved from the training set, "
                         "never on the test reviews, so each strategy gets its own best number of epochs.")
        backend.run_on_choice()
    settings = {name: state[f"train_{name}"] for name in SETTING_KEYS}
    # What the preset fixes that no widget shows: the test size, and the Tiny preset's small pretraining corpus.
    preset = PRESETS[state["train_preset"]]
    settings["test_size"] = preset.get("test_size")
    settings["pretraining_corpus"] = preset.get("pretraining_corpus", DEFAULTS["pretraining_corpus"])
    return Choice(state["train_dataset_key"], state["train_preset"], list(state["train_strategies"]),
                  list(range(int(state["train_seeds"]))), settings)


def checked_config(choice: Choice) -> dict | None:
    """The settings as a validated run configuration, or None (and a sentence) if they cannot be used."""
    try:
        return make_config(**choice.settings)
    except ValueError as exc:
        show_error(f"These settings cannot be used: {exc}", None)
        return None


def workload(dataset_key: str, config: dict) -> Workload:
    full_train = full_test = 25_000
    if dataset_key != "imdb":
        with friendly_errors("Loading the dataset"):
            chosen = sources.dataset(dataset_key)
            full_train, full_test = len(chosen.train_texts), len(chosen.test_texts)
    return Workload(full_train, full_test, sources.ready_vector_sources(dataset_key, config),
                    runner.worker_pid() is not None)


# --- 2. train ------------------------------------------------------------------------------------------------


def train_section(choice: Choice, config: dict, work: Workload) -> None:
    st.subheader("2. Train")
    strategies, seeds = choice.strategies, choice.seeds
    if not strategies:
        st.warning("Choose at least one strategy above.")
    else:
        estimate = work.seconds(config, strategies, len(seeds))
        st.markdown(
            f"**{len(strategies) * len(seeds)} runs** ({len(strategies)} strategies × {len(seeds)} seed"
            f"{'s' if len(seeds) > 1 else ''}) on {size_label(config['train_size'])} training reviews. "
            f"Estimated time on this machine: **about {rough_duration(estimate)}**."
        )
    someone_elses_job_notice()
    backend.running_on()
    own = runner.get_job(st.session_state.get("train_job_id"))
    busy = own is not None and not own.done
    if busy and access.may_cancel(own, session_id()):
        st.caption("Your training below is still running: cancel it there, or wait for it, to train again.")
    elif busy:
        st.caption("The training below (from your link) is still running: wait for it to finish to train again.")
    if st.button("Train", type="primary", disabled=not strategies or busy, icon=":material/play_arrow:",
                 key="train_start"):
        with friendly_errors("Starting the training"):
            spec = JobSpec(dataset_key=choice.dataset_key, strategies=strategies, settings=choice.settings,
                           seeds=seeds, title=choice.preset, owner=session_id(), run_on=backend.run_on())
            st.session_state["train_job_id"] = runner.submit(spec).id
            st.session_state["train_job_id_seen_done"] = False
            st.rerun()  # draw the page again with Train disabled and the job's progress below


def someone_elses_job_notice() -> None:
    """Say so when the job running now is not this session's: a new one waits in the queue."""
    running = runner.current_job()
    if running is None or running.id in {j.id for j in my_jobs()}:
        return
    if running.spec.kind == JobKind.WORD2VEC:
        st.info("The machine is first learning the word2vec vectors the pages share (once per server); a "
                "training job you start now begins right after.")
    else:
        st.info("Someone else's training job is running on this server right now; yours will wait in the queue "
                "and start automatically when it finishes (the machine has 2 cores, so jobs run one at a time).")


# --- 3. progress ---------------------------------------------------------------------------------------------


def show_job(snap: dict, key: str, may_cancel: bool) -> None:
    """A job's status, one progress bar per task, Cancel (for its owner only) and the learning curves so far."""
    status = snap["status"]
    if status == Status.QUEUED:
        st.info(f"Waiting in the queue: {snap['queue_position']} job(s) ahead of yours. It starts by itself; "
                "you can leave this page meanwhile.")
    elif status == Status.RUNNING:
        st.markdown(f"**{md(snap['message'])}** ({snap['elapsed']:.0f} s so far)")
    elif status == Status.CANCELLED:
        st.warning(md(snap["message"]))
    elif status == Status.FAILED:
        st.error(md(snap["message"] or snap["error"]))
    else:
        st.success(md(snap["message"]))
    for value, text in task_lines(snap, escape=md):
        st.progress(value, text=text)
    if may_cancel and not Status(status).finished:
        if st.button("Cancel", key=f"{key}_cancel", icon=":material/stop:",
                     help="Stops between two batches. Runs that already finished are kept."):
            runner.cancel(snap["id"], session_id())
            st.toast("Cancelling… the current batch finishes first.")
    curves = [{"label": t["label"], "strategy": t["strategy"], "history": t["history"]}
              for t in snap["tasks"] if t.get("history") and snap["kind"] == JobKind.COMPARE]
    if curves:
        st.plotly_chart(result_charts.learning_bands(curves), key=f"{key}_curves")
        many_seeds = len(curves) > len({c["strategy"] for c in curves})
        st.caption("Solid lines are accuracy on validation reviews (carved from the training set), dashed lines on "
                   "the training reviews themselves; a growing gap means the model starts memorising."
                   + (" Each line is the mean over a strategy's seeds; the shaded band spans its lowest to its "
                      "highest seed." if many_seeds else ""))


def job_panel(job_key: str, in_expander: bool = False) -> None:
    """A job's live progress, redrawn every second while it runs; the whole page reruns once when it ends."""
    job = runner.get_job(st.session_state.get(job_key))

    @st.fragment(run_every=1.0 if job is not None and not job.done else None)
    def panel() -> None:
        job = runner.get_job(st.session_state.get(job_key))
        if job is None:
            return
        snap = job.snapshot()
        may_cancel = access.may_cancel(job, session_id())
        if in_expander:
            with st.expander(f"Progress: {snap['finished_tasks']} of {snap['total_tasks']} runs", expanded=not job.done):
                show_job(snap, job_key, may_cancel)
        else:
            show_job(snap, job_key, may_cancel)
        if job.done and not st.session_state.get(f"{job_key}_seen_done"):
            st.session_state[f"{job_key}_seen_done"] = True
            st.rerun(scope="app")  # show the results below

    panel()


def other_jobs_of_mine() -> None:
    """Jobs of this session not shown in a panel on this page (e.g. queued before a reload): each can be cancelled."""
    shown = {st.session_state.get("train_job_id"), st.session_state.get("train_efficiency_job_id")}
    for job in my_jobs():
        if job.id in shown or job.done or job.spec.kind == JobKind.WORD2VEC:
            continue
        snap = job.snapshot()
        mine = access.may_cancel(job, session_id())
        left, right = st.columns([4, 1], vertical_alignment="center")
        whose = "Your job" if mine else "The job from your link"
        left.markdown(f"{whose} *{md(snap['title'])}* · {snap['status']} · "
                      f"{snap['finished_tasks']} of {snap['total_tasks']} runs finished")
        if mine and right.button("Cancel", key=f"train_cancel_{job.id}", icon=":material/stop:"):
            runner.cancel(job.id, session_id())
            st.rerun()


def progress_section() -> None:
    st.subheader("3. Progress")
    if runner.get_job(st.session_state.get("train_job_id")) is None:
        st.caption("Nothing trained yet in this session. Press *Train* above; progress appears here.")
    other_jobs_of_mine()
    job_panel("train_job_id")


# --- 4. results ----------------------------------------------------------------------------------------------


def results_table_block(table) -> None:
    """The table and the bars at the largest training-set size."""
    size = int(table["train_size"].max())
    shown = table[table["train_size"] == size]
    st.dataframe(shown_table(shown), hide_index=True, width="stretch", key="train_results_table",
                 column_config={"Strategy": st.column_config.TextColumn(pinned=True)})
    st.caption("Test accuracy is measured on reviews no model saw during training. ± is the standard deviation "
               "over seeds; the 95% interval (a t-interval of the mean over seeds) is where the mean of many more "
               "seeds would plausibly lie.")
    st.plotly_chart(result_charts.accuracy_bars(shown), key="train_bars")
    st.caption("Taller bars graded more test reviews correctly; the sentence above says whether the choice of test "
               "reviews or training luck could explain a gap.")


def coverage_block(records: list, key: str) -> list:
    """How each strategy's words started and how far they moved: a sentence and a small chart; the rows shown."""
    rows = coverage.coverage_rows(records)
    if not rows:
        return rows
    st.markdown("**Where each word started, and how far training moved it**")
    st.text(coverage.coverage_sentence(rows))  # it quotes vocabulary words: shown as text, never as Markdown
    st.plotly_chart(plots.coverage_chart(rows), key=key)
    st.caption("Left: how many vocabulary words started from a pretrained vector (blue) and how many from random "
               "numbers (orange). Right: how far their vectors moved in training on average (0 = not at all). "
               "Frozen starts do not move.")
    return rows


def results_section(finished: list) -> None:
    st.subheader("4. Results")
    if not finished:
        st.caption("Results appear here when the first strategy has finished.")
        return
    table = results_table(finished)
    comparisons = comparisons_with_learned(finished)
    presentation.story(summary_sentence(table, comparisons))
    details = summary_details(table, comparisons)
    if details:
        with st.expander("Details: the tests behind this sentence"):
            st.text(details)
            st.caption(RULE)
    results_table_block(table)
    coverage_block(finished, key="train_coverage_chart")
    report.job_report(st.session_state.get("train_job_id"))
    st.caption("Every finished run is saved: open **Compare embeddings side by side** to see what training did "
               "to the word vectors, and to judge any two runs against noise.")


# --- 5. data efficiency --------------------------------------------------------------------------------------


def sweep_settings(choice: Choice, full_train: int) -> Sweep:
    """The sweep's own controls: sizes, seeds (separate from the seeds above) and the model."""
    st.multiselect("Training-set sizes", SWEEP_SIZES, key="train_efficiency_sizes", persist_state="session",
                   format_func=size_label,
                   help="Each strategy is trained at every size, so you see how test accuracy grows with more "
                        "labelled reviews. Sizes at or above the dataset's size are trained once, as “all”.")
    s1, s2 = st.columns(2)
    s1.selectbox("Model for the sweep", list(ARCHITECTURES), key="train_sweep_architecture", persist_state="session",
                 format_func=ARCHITECTURES.get,
                 help="Kim (2014) found frozen pretrained vectors strong with a convolutional model; the average "
                      "model is the fastest. The other settings come from section 1.")
    s2.slider("Seeds per strategy and size", 1, 5, key="train_sweep_seeds", persist_state="session",
              help="Each point is trained this many times; 3 or more give a 95% band and let McNemar's test "
                   "check every seed.")
    state = st.session_state
    sizes = verdicts.sweep_sizes(list(state.get("train_efficiency_sizes") or []), full_train)
    return Sweep(sizes, list(range(int(state["train_sweep_seeds"]))), state["train_sweep_architecture"],
                 {**choice.settings, "architecture": state["train_sweep_architecture"]})


def sweep_estimate(sweep: Sweep, strategies: list[str], work: Workload) -> float | None:
    """Say how many runs and how long, before anything starts; the estimate (None when nothing to train)."""
    if not (sweep.sizes and strategies):
        st.warning("Choose at least one size here and one strategy in section 1.")
        return None
    try:
        sweep_config = make_config(**sweep.settings)
    except ValueError as exc:
        show_error(f"These settings cannot be used for the sweep: {exc}", None)
        return None
    seconds = work.seconds(sweep_config, strategies, len(sweep.seeds), train_sizes=sweep.sizes)
    runs = len(sweep.sizes) * len(strategies) * len(sweep.seeds)
    st.markdown(f"**{runs} runs** ({len(strategies)} strategies × {len(sweep.sizes)} sizes × {len(sweep.seeds)} "
                f"seed{'s' if len(sweep.seeds) > 1 else ''}) with {MODEL_IN_WORDS[sweep.architecture]}. "
                f"Estimated time on this machine: **about {rough_duration(seconds)}**.")
    if "learned" not in strategies:
        st.caption("Learning from scratch is not among the strategies, so no size can be judged against it.")
    return seconds


def start_sweep(sweep: Sweep, choice: Choice, estimate: float | None) -> None:
    if st.button("Run the data-efficiency comparison", disabled=estimate is None, key="train_efficiency_start",
                 icon=":material/trending_up:"):
        with friendly_errors("Starting the comparison"):
            spec = JobSpec(dataset_key=choice.dataset_key, strategies=choice.strategies, settings=sweep.settings,
                           seeds=sweep.seeds, train_sizes=sweep.sizes, kind=JobKind.EFFICIENCY,
                           title="Data efficiency", owner=session_id(), run_on=backend.run_on())
            st.session_state["train_efficiency_job_id"] = runner.submit(spec).id
            st.session_state["train_efficiency_job_id_seen_done"] = False


def sweep_results(records: list) -> str | None:
    """The chart with its 95% bands and the sentence on where a pretrained start stops helping; the sentence."""
    if not records:
        return None
    table = results_table(records)
    comparisons = verdicts.sweep_comparisons(verdicts.sweep_answers(records, run_store.load_predictions))
    marks = {s: {size: c.verdict for size, c in by_size.items()} for s, by_size in comparisons.items()}
    sentence = verdicts.sweep_sentence(comparisons, sorted({r.config["strategy"] for r in records}))
    presentation.story(sentence)
    if comparisons:
        with st.expander("Details: the tests at each size"):
            st.text("\n".join(verdicts.sweep_details(comparisons)))
    st.plotly_chart(plots.data_efficiency(table, marks), key="train_eff_chart")
    st.caption("Each line is one strategy, its shaded band the 95% interval of the mean over seeds. A triangle up "
               "marks a size where a pretrained start did better than learning from scratch, a triangle down "
               "where it did worse, both against the choice of test reviews and training luck (3 seeds or more); "
               "round points are gaps that either could explain, or that fewer than 3 seeds cannot judge.")
    st.caption("What the sweep can tell: for this model, these settings and this test split, at which sizes a "
               "pretrained start is ahead by more than noise. What it cannot: whether that holds for other models, "
               "tasks or vocabularies, and all seeds share one subset of reviews per size.")
    return sentence


def sweep_section(choice: Choice, work: Workload) -> None:
    st.subheader("5. How much data does each strategy need?")
    st.markdown("Pretrained vectors should matter most when there are few labelled reviews. This trains the "
                "chosen strategies at several training-set sizes (with the settings above, and the model you pick "
                "here) and says where a pretrained start stops doing better than learning from scratch.")
    sweep = sweep_settings(choice, work.full_train)
    start_sweep(sweep, choice, sweep_estimate(sweep, choice.strategies, work))
    job_panel("train_efficiency_job_id", in_expander=True)
    sweep_results(finished_runs_of(st.session_state.get("train_efficiency_job_id")))


# --- 6. the run store ----------------------------------------------------------------------------------------


def saved_runs_section() -> None:
    st.subheader("6. Saved runs")
    saved_runs, problems = sources.saved_runs()
    for problem in problems:
        st.warning(md(problem))
    if not saved_runs:
        st.caption("No saved runs yet. Every finished strategy is saved here and can be compared on the "
                   "*Compare embeddings side by side* page.")
        return
    st.caption(f"{len(saved_runs)} run(s) on this server, newest first: every finished strategy is kept "
               "with its settings, learning curve, test results and embedding before and after training.")
    st.dataframe(
        pd.DataFrame({
            "name": [r.name for r in saved_runs],
            "test accuracy": [r.metrics.get("test_accuracy") for r in saved_runs],
            "dataset": [r.config.get("dataset_name", r.config.get("dataset_key", "")) for r in saved_runs],
            "saved": [r.created[:16].replace("T", " ") for r in saved_runs],
            "id": [r.run_id for r in saved_runs],
        }),
        hide_index=True, width="stretch",
        column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
    )
    names = {r.run_id: r.name for r in saved_runs}
    chosen_run = st.selectbox("Run", list(names), format_func=names.get, key="train_manage_run",
                              help="Pick a run to rename or delete.")
    left, right = st.columns([3, 1])
    new_name = left.text_input("New name", value=names.get(chosen_run, ""), key=f"train_rename_{chosen_run}",
                               help="The name shown in every menu; the run's id and files stay the same.")
    if left.button("Rename", key="train_rename_button"):
        with friendly_errors("Renaming the run"):
            run_store.rename_run(chosen_run, new_name)
            st.rerun()
    confirm = right.checkbox("Yes, delete it", key=f"train_delete_confirm_{chosen_run}",
                             help="Deleting removes the run's folder for everyone on this server.")
    if right.button("Delete", disabled=not confirm, key="train_delete_button"):
        with friendly_errors("Deleting the run"):
            run_store.delete_run(chosen_run)
            st.rerun()


# --- the page ------------------------------------------------------------------------------------------------


def main() -> None:
    first_values()
    adopt_jobs_from_the_address()
    introduction()
    forgotten_job_notice()
    choice = settings_section()
    config = checked_config(choice)
    if config is None:
        st.stop()
    work = workload(choice.dataset_key, config)
    with st.container(border=True):
        train_section(choice, config, work)
    with st.container(border=True):
        progress_section()
    with st.container(border=True):
        results_section(finished_runs_of(st.session_state.get("train_job_id")))
    with st.container(border=True):
        sweep_section(choice, work)
    with st.container(border=True):
        saved_runs_section()
    write_the_address()


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
