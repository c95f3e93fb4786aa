"""Guided tour: six screens that tell the whole story, each sentence written from this session's numbers."""
import time

import numpy as np
import pandas as pd
import streamlit as st

from lib import explain, neighbours, plots, runs, sentiment, tour
from lib.jobs import runner
from lib.jobs.progress import seconds_left, task_fraction
from lib.jobs.spec import JobSpec
from lib.models import STRATEGIES
from lib.results import comparisons_with_learned, results_table
from lib.plots import map_figure
from ui import presentation, sources
from ui.errors import friendly_errors
from ui.text import md
from lib.config import PRESETS, estimate_seconds, make_config

STEP = "tour_step"
JOB = "tour_job_id"
DEMO_SIZES = {"Quick demo": "Quick demo", "Tiny (tests)": "Tiny (rough numbers)"}


def demo_label(preset: str) -> str:
    """The preset's size, from the preset itself (a fixed label: a widget whose labels change would reset)."""
    return f"{DEMO_SIZES[preset]}: {PRESETS[preset]['train_size']:,} reviews"


def demo_seconds(preset: str) -> float:
    """How long the demo should take on this machine now: the calibrated estimate, minus what is ready."""
    config = make_config(**PRESETS[preset])
    return estimate_seconds(config, list(STRATEGIES), ready_sources=sources.ready_vector_sources("imdb", config),
                                     worker_ready=runner.worker_pid() is not None)

STRATEGY_WORDS = ("The five models differ only in how their word table starts: **learned from scratch** (random "
                  "numbers), **GloVe** or **word2vec** (numbers already learned from lots of text), each either "
                  "**frozen** (kept as they are) or **fine-tuned** (allowed to keep learning from the reviews).")
SIZE_SLUGS = {"Quick demo": "quick", "Tiny (tests)": "tiny"}


def read_the_address() -> None:
    """On a session's first run (a reload, or a link a teacher sent), take the screen and demo size from the URL."""
    if st.session_state.get("tour_url_read"):
        return
    st.session_state["tour_url_read"] = True
    screen = st.query_params.get("screen", "")
    if screen.isdigit() and 1 <= int(screen) <= len(tour.SCREENS):
        st.session_state[STEP] = int(screen) - 1
    size = {slug: name for name, slug in SIZE_SLUGS.items()}.get(st.query_params.get("size", ""))
    if size:
        st.session_state["tour_preset"] = size


def write_the_address(step: int, preset: str) -> None:
    """Keep the URL in step with the screen, so a reload returns here and a copied link opens the same screen."""
    st.query_params["screen"] = str(step + 1)
    st.query_params["size"] = SIZE_SLUGS[preset]


def demo_spec(preset: str) -> JobSpec:
    return JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), settings=dict(PRESETS[preset]),
                        title=f"Guided tour · {preset}")


def demo_job(preset: str):
    """This session's demo of the chosen size: the one it started, or (after a reload) the same demo already
    running or finished on this server. Never a demo of another size."""
    spec = demo_spec(preset)
    job = runner.get_job(st.session_state.get(JOB))
    if job is not None and job.spec.fingerprint() == spec.fingerprint() and (
            job.status in ("failed", "cancelled") or runs_kept(job)):
        return job  # this session's own demo, whatever became of it
    found = runner.find_job(spec)
    if found is not None and found.status in ("queued", "running", "done") and runs_kept(found):
        st.session_state[JOB] = found.id
        return found
    st.session_state.pop(JOB, None)
    return None


def runs_kept(job) -> bool:
    """False when a finished demo's runs have since been deleted (then it is trained again)."""
    return not job.done or all(runs.run_exists(run_id) for run_id in job.snapshot()["run_ids"])


def start_demo(preset: str) -> None:
    spec = demo_spec(preset)
    # reuse=True: an identical demo that is running or finished is shared, not trained twice -
    # unless someone has since deleted its runs, in which case it trains again.
    job = runner.submit(spec, reuse=True)
    if not runs_kept(job):
        job = runner.submit(spec, reuse=False)
    st.session_state[JOB] = job.id


presenting = presentation.is_on()
if not presenting:
    st.title("Guided tour")
# The presenter reads three screens before the race: use that time to get training ready.
sources.warm_up("imdb")
read_the_address()
st.session_state.setdefault(STEP, 0)
step = st.session_state[STEP]

# --- the demo training: started once, reused by every screen -----------------------------------
with presentation.settings("Tour settings"):
    preset = st.radio("Demo size", list(DEMO_SIZES), format_func=demo_label, horizontal=True, key="tour_preset", persist_state="session",
                      help="How many movie reviews the five demo models learn from. More reviews: better "
                           "models, longer wait.")
    st.caption(f"About {tour.clock(demo_seconds(preset))} on this machine.")
write_the_address(step, preset)

job = demo_job(preset)
if job is None or job.status in ("failed", "cancelled"):
    if job is not None:
        st.warning(f"The last demo {job.status}: {md(job.error or 'finished models were kept')}. You can start it again.")
    if st.button("Start the demo training" if job is None else "Start the demo again", type="primary",
                 icon=":material/play_arrow:",
                 help="Trains five small models on real movie reviews in the background while you go through the "
                      "screens. If the same demo already ran on this server, its results are reused."):
        with friendly_errors("Starting the demo"):
            start_demo(preset)
            st.rerun()
    if not presenting:
        st.caption("The first three screens need no training; the demo runs in the background while you read them.")

# --- navigation -------------------------------------------------------------------------------------


def go(delta: int) -> None:
    st.session_state[STEP] = min(max(st.session_state[STEP] + delta, 0), len(tour.SCREENS) - 1)


def navigation(position: str) -> None:
    back, where, forward = st.columns([1, 3, 1])
    back.button("Back", on_click=go, args=(-1,), disabled=step == 0, icon=":material/arrow_back:",
                key=f"tour_back_{position}", width="stretch")
    where.progress((step + 1) / len(tour.SCREENS), text=f"Screen {step + 1} of {len(tour.SCREENS)}: {tour.SCREENS[step]}")
    forward.button("Next", on_click=go, args=(1,), disabled=step == len(tour.SCREENS) - 1,
                   icon=":material/arrow_forward:", key=f"tour_next_{position}", width="stretch",
                   type="primary")


navigation("top")
st.header(tour.SCREENS[step])


@st.cache_data(show_spinner=False)
def classic_example():
    example = explain.tokenize_example(list(explain.CLASSIC_TEXTS), num_words=10, maxlen=6)
    lookup = explain.embedding_lookup(example.ids, vocab_size=10, dim=3)
    return example.ids, lookup


def task_words(task: dict) -> str:
    """One model's line in the race, in plain words, with its own progress (word2vec's step included)."""
    if task["status"] == "done":
        return f"{task['label']}: finished, {task['metrics']['test_accuracy']:.1%} of unseen reviews right"
    if task["status"] == "running" and task.get("stage") == "word2vec":
        return f"{task['label']}: first learning word2vec's numbers from 25,000 reviews ({task.get('fraction', 0):.0%})"
    if task["status"] == "running" and task.get("stage") == "training":
        return f"{task['label']}: learning, round {task.get('epoch', 1)} of {task.get('epochs') or 1}"
    if task["status"] == "running":
        return f"{task['label']}: getting ready"
    return f"{task['label']}: {task['status']}"


def show_progress(snap: dict) -> None:
    left = seconds_left(snap, demo_seconds(preset)) if snap["status"] == "running" else None
    presentation.story(tour.race_sentence(snap, left))
    for task in snap["tasks"]:
        fraction = float(task.get("fraction") or 0.0) if task.get("stage") == "word2vec" else task_fraction(task)
        st.progress(min(max(fraction, 0.0), 1.0), text=task_words(task))
    if not presenting:
        st.caption(STRATEGY_WORDS)


def race_result(done_runs: list, snap: dict) -> None:
    """The finished race: who won, by how much, whether that is beyond luck, and bars with the guessing line."""
    table = results_table(done_runs)
    presentation.story(tour.takeaway_sentence(table, comparisons_with_learned(done_runs)))
    seconds = [float(s) for s in table["train_seconds"]]
    st.plotly_chart(presentation.chart_fonts(plots.accuracy_bars(table, height=presentation.chart_height(380, projector=260))),
                    key="tour_race_bars", width="stretch")
    st.caption(f"{tour.race_sentence(snap)} Each model took {tour.clock(min(seconds))} to "
               f"{tour.clock(max(seconds))}. Bars: the share of unseen reviews (never used in learning) each model "
               "got right; the dashed line is what guessing scores.")
    if snap.get("finished") and snap["finished"] < st.session_state.setdefault("tour_opened", time.time()):
        finished_at = time.strftime("%H:%M", time.localtime(snap["finished"]))
        st.caption(f"These results come from the same demo, finished on this server at {finished_at}: same reviews "
                   "and same random seeds, so training again would give the same numbers.")
        if st.button("Run the race again anyway", key="tour_race_again", icon=":material/replay:"):
            with friendly_errors("Starting the demo"):
                st.session_state[JOB] = runner.submit(demo_spec(preset), reuse=False).id
                st.rerun()


@st.fragment(run_every=1.0)
def live_progress() -> None:
    """Progress of a running demo job, redrawn every second; reruns the whole screen when it ends."""
    current = runner.get_job(st.session_state.get(JOB))
    if current is None:
        return
    show_progress(current.snapshot())
    if current.done:
        st.rerun()  # draw the finished screen in full, without this once-a-second fragment


def progress() -> None:
    """The demo's progress: live while it trains, drawn once when it has finished."""
    current = runner.get_job(st.session_state.get(JOB))
    if current is None:
        st.info("Press **Start the demo training** at the top to begin.")
    elif current.done:
        show_progress(current.snapshot())
    else:
        live_progress()


def finished_runs(job_id: str | None) -> list:
    current = runner.get_job(job_id)
    if current is None or not current.done:
        return []
    return [runs.load_run(run_id) for run_id in current.snapshot()["run_ids"] if runs.run_exists(run_id)]


# --- the screens ------------------------------------------------------------------------------------
with friendly_errors("Showing this screen"):
    if step == 0:
        ids, _ = classic_example()
        presentation.story(tour.ids_sentence(explain.CLASSIC_TEXTS, ids))
        st.code("\n".join(f"{t!r:<24} -> {np.array2string(r)}" for t, r in zip(explain.CLASSIC_TEXTS, ids)), language=None)
        st.caption("A model cannot read letters, so the first step is always a word-to-number list.")

    elif step == 1:
        ids, lookup = classic_example()
        presentation.story(tour.lookup_sentence(10, 3, ids.size, lookup.max_lookup_difference))
        word_index = explain.tokenize_example(list(explain.CLASSIC_TEXTS), num_words=10, maxlen=6).tokenizer.word_index
        index_word = {i: w for w, i in word_index.items()}
        row_names = [explain.id_label(index_word, i) for i in range(len(lookup.weights))]  # as on the Explain page
        left, right = st.columns(2)
        left.markdown("**The table: one row per word number**")
        table_height = presentation.chart_height(400)  # ten rows, or what fits under the sentence on a projector
        left.dataframe(pd.DataFrame(lookup.weights, index=pd.Index(row_names, name="row"),
                                    columns=["number 1", "number 2", "number 3"]).round(3), width="stretch",
                       height=table_height)
        right.markdown("**What “This is a text” becomes**")
        right.dataframe(pd.DataFrame(lookup.output[0], index=pd.Index([row_names[i] for i in ids[0]], name="copy of row"),
                                     columns=["number 1", "number 2", "number 3"]).round(3), width="stretch",
                        height=table_height)
        st.caption("Rows 0, 0, 1, 2, 3, 4 of the table, in that order: that is all the layer does. Learning then "
                   "changes the numbers in the table.")

    elif step == 2:
        glove = sources.glove()
        nearest = neighbours.most_similar(glove, "good", k=10, name="GloVe")
        rank = neighbours.rank_of(glove, "good", "bad", name="GloVe")
        presentation.story(tour.glove_sentence(rank, neighbours.cosine(glove, "good", "bad"), [w for w, _ in nearest]))
        st.dataframe({"closest to “good”": [w for w, _ in nearest],
                      "closeness (1 = same direction)": [round(s, 2) for _, s in nearest]},
                     width="stretch", height=presentation.chart_height(390))
        st.caption("Closeness (cosine similarity) is 1 when two words' numbers point the same way. Opposites that "
                   "are used in the same kinds of sentences come out close.")

    elif step == 3:
        current = runner.get_job(st.session_state.get(JOB))
        done_runs = finished_runs(st.session_state.get(JOB))
        if done_runs:
            race_result(done_runs, current.snapshot())
        else:
            progress()

    elif step == 4:
        done_runs = finished_runs(st.session_state.get(JOB))
        finetuned = [r for r in done_runs if r.config["strategy"] == "glove_finetuned"]
        if not finetuned:
            progress()
            st.info("This screen needs the fine-tuned GloVe model from the demo; it appears when the demo finishes.")
        else:
            record = finetuned[0]
            vocabulary, initial, final = runs.load_embeddings(record.run_id)
            # the same words and the same measure as the Compare page's "sentiment separation" for this run
            positive, negative = sentiment.balanced_sentiment_words(sources.imdb_sentiment(), [set(vocabulary)])
            shown = tour.before_after(vocabulary, initial, final, positive, negative)
            presentation.story(tour.maps_sentence(
                "GloVe before training", "GloVe after fine-tuning", shown.separation_before, shown.separation_after,
                shown.cosine_before, shown.cosine_after, int(record.config["train_size"])))
            scores = sources.imdb_sentiment().scores(shown.words)
            st.plotly_chart(presentation.chart_fonts(map_figure(
                ["GloVe before training", "GloVe after fine-tuning"], shown.maps, shown.words, color_values=scores,
                color_label="leans positive (blue) or negative (red)", highlight=["good", "bad"],
                height=presentation.chart_height(560))), width="stretch")
            st.caption("Blue words lean positive in the reviews, red ones negative. The right map is turned to face "
                       "the same way as the left; look for blue and red pulling apart.")

    else:
        done_runs = finished_runs(st.session_state.get(JOB))
        if not done_runs:
            progress()
            st.info("The takeaway is written from the demo's results; it appears when the demo finishes.")
        else:
            presentation.story(tour.takeaway_sentence(results_table(done_runs),
                                                      comparisons_with_learned(done_runs)))
            st.markdown("Where to go next:")
            links = st.columns(3)
            links[0].page_link("app_pages/train.py", label="Train and compare strategies: more reviews, other models",
                               icon=":material/model_training:")
            links[1].page_link("app_pages/compare.py", label="Compare embeddings side by side: look at any word",
                               icon=":material/compare:")
            links[2].page_link("app_pages/glossary.py", label="Glossary: the words used here",
                               icon=":material/menu_book:")

navigation("bottom")
