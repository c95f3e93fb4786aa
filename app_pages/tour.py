"""Guided tour: six screens that tell the whole story, each sentence written from this session's numbers."""
import numpy as np
import streamlit as st

from lib import explain, jobs, neighbors, runs, tour, training
from lib.models import STRATEGIES
from lib.plots import map_figure
from ui import presentation, sources
from ui.errors import friendly_errors
from ui.text import md

STEP = "tour_step"
JOB = "tour_job_id"
DEMO_SIZES = {"Quick demo": "Quick demo", "Tiny (tests)": "Tiny (rough numbers)"}


def demo_label(preset: str) -> str:
    """The preset's size, from the preset itself (a fixed label: a widget whose labels change would reset)."""
    return f"{DEMO_SIZES[preset]}: {training.PRESETS[preset]['train_size']:,} reviews"


def demo_seconds(preset: str) -> float:
    """How long the demo should take on this machine now: the calibrated estimate, minus what is ready."""
    config = training.make_config(**training.PRESETS[preset])
    return training.estimate_seconds(config, list(STRATEGIES), ready_sources=sources.ready_vector_sources("imdb", config),
                                     worker_ready=jobs.worker_pid() is not None)

st.title("Guided tour")
# The presenter reads three screens before the race: use that time to get training ready.
sources.warm_up("imdb")
st.session_state.setdefault(STEP, 0)
step = st.session_state[STEP]

# --- the demo training: started once, reused by every screen -----------------------------------
with presentation.settings("Tour settings"):
    preset = st.radio("Demo size", list(DEMO_SIZES), format_func=demo_label, horizontal=True, key="tour_preset", persist_state="session",
                      help="How many movie reviews the five demo models learn from. More reviews: better "
                           "models, longer wait.")
    st.caption(f"About {demo_seconds(preset):.0f} s on this machine.")


def start_demo() -> None:
    spec = jobs.JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), settings=dict(training.PRESETS[preset]),
                        title=f"Guided tour · {preset}")
    # reuse=True: an identical demo that is running or finished is shared, not trained twice -
    # unless someone has since deleted its runs, in which case it trains again.
    job = jobs.submit(spec, reuse=True)
    if job.done and not all(runs.run_exists(run_id) for run_id in job.snapshot()["run_ids"]):
        job = jobs.submit(spec, reuse=False)
    st.session_state[JOB] = job.id


job = jobs.get_job(st.session_state.get(JOB))
if job is None or job.status in ("failed", "cancelled"):
    if job is not None:
        st.warning(f"The last demo {job.status}: {md(job.error or 'finished models were kept')}. You can start it again.")
    if st.button("Start the demo training" if job is None else "Start the demo again", type="primary",
                 icon=":material/play_arrow:",
                 help="Trains five small models on real movie reviews in the background while you go through the "
                      "screens. If the same demo already ran on this server, its results are reused."):
        with friendly_errors("Starting the demo"):
            start_demo()
            st.rerun()
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


def show_progress(snap: dict) -> None:
    presentation.story(tour.race_sentence(snap))
    for task in snap["tasks"]:
        accuracy = f" · test accuracy {task['metrics']['test_accuracy']:.1%}" if task.get("metrics") else ""
        st.progress(jobs.task_fraction(task), text=f"{task['label']}: {task['status']}{accuracy}")


@st.fragment(run_every=1.0)
def live_progress() -> None:
    """Progress of a running demo job, redrawn every second; reruns the whole screen when it ends."""
    current = jobs.get_job(st.session_state.get(JOB))
    if current is None:
        return
    show_progress(current.snapshot())
    if current.done:
        st.rerun()  # draw the finished screen in full, without this once-a-second fragment


def progress() -> None:
    """The demo's progress: live while it trains, drawn once when it has finished."""
    current = jobs.get_job(st.session_state.get(JOB))
    if current is None:
        st.info("Press **Start the demo training** at the top to begin.")
    elif current.done:
        show_progress(current.snapshot())
    else:
        live_progress()


def finished_runs(job_id: str | None) -> list:
    current = jobs.get_job(job_id)
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
        left, right = st.columns(2)
        left.markdown("**The table (one row per id)**")
        left.dataframe(lookup.weights, width="stretch")
        right.markdown("**What “This is a text” becomes**")
        right.dataframe(lookup.output[0], width="stretch")
        st.caption("Rows 0, 0, 1, 2, 3, 4 of the table, in that order: that is all the layer does. Training then "
                   "changes the numbers in the table.")

    elif step == 2:
        glove = sources.glove()
        nearest = neighbors.most_similar(glove, "good", k=10, name="GloVe")
        rank = neighbors.rank_of(glove, "good", "bad", name="GloVe")
        presentation.story(tour.glove_sentence(rank, neighbors.cosine(glove, "good", "bad"), [w for w, _ in nearest]))
        st.dataframe({"closest to “good”": [w for w, _ in nearest], "cosine similarity": [round(s, 3) for _, s in nearest]},
                     width="stretch")
        st.caption("Cosine similarity: 1 means pointing the same way. Opposites that share contexts come out close.")

    elif step == 3:
        progress()
        done_runs = finished_runs(st.session_state.get(JOB))
        if done_runs:
            table = training.results_table(done_runs)
            st.dataframe(
                table[["Strategy", "accuracy_mean", "train_seconds"]].rename(
                    columns={"accuracy_mean": "test accuracy", "train_seconds": "seconds"}),
                hide_index=True, width="stretch",
                column_config={"test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)},
            )
            st.caption("Test accuracy: the share of held-out reviews, never seen in training, whose sentiment each "
                       "model guessed right.")

    elif step == 4:
        done_runs = finished_runs(st.session_state.get(JOB))
        finetuned = [r for r in done_runs if r.config["strategy"] == "glove_finetuned"]
        if not finetuned:
            progress()
            st.info("This screen needs the fine-tuned GloVe model from the demo; it appears when the demo finishes.")
        else:
            record = finetuned[0]
            vocabulary, initial, final = runs.load_embeddings(record.run_id)
            positive, negative = sources.imdb_sentiment().top(60, min_docs=20)
            shown = tour.before_after(vocabulary, initial, final, positive, negative)
            presentation.story(tour.maps_sentence(
                "GloVe before training", "GloVe after fine-tuning", shown.separation_before, shown.separation_after,
                shown.cosine_before, shown.cosine_after, int(record.config["train_size"])))
            scores = sources.imdb_sentiment().scores(shown.words)
            st.plotly_chart(map_figure(["GloVe before training", "GloVe after fine-tuning"], shown.maps, shown.words,
                                       color_values=scores, highlight=["good", "bad"], height=560),
                            width="stretch")
            st.caption("Blue words lean positive in the reviews, red ones negative. The right map is rotated to face "
                       "the same way as the left; look for blue and red pulling apart.")

    else:
        done_runs = finished_runs(st.session_state.get(JOB))
        if not done_runs:
            progress()
            st.info("The takeaway is written from the demo's results; it appears when the demo finishes.")
        else:
            presentation.story(tour.takeaway_sentence(training.results_table(done_runs),
                                                      training.comparisons_with_learned(done_runs)))
            st.markdown("Where to go next: **Train and compare strategies** to try more reviews or other models, "
                        "**Compare embeddings side by side** to look at any word, **Glossary** for the words used here.")

navigation("bottom")
