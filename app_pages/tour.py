"""Guided tour: six screens that tell the whole story, each sentence written from this session's numbers.

Storyboard: the address (screen and demo size, so a reload or a shared link opens the same screen) ->
one navigation row (with the tour settings: demo size, its expected time; folded into the row while
presenting) -> the demo training (started once, reused by every screen) -> one screen: 1. words become
numbers, 2. numbers become rows of a table, 3. what GloVe already knows, 4. the race between strategies,
5. the same words before and after, 6. the takeaway: how the gap changes with the number of labelled reviews.
Every screen fits a 1280x720 projector in presentation mode (checked by the browser test).
Each screen is a function of the settings and the demo's job id; the sentences are written by
lib.tour, and which demo to show, reuse or train again is decided by lib.demo.
"""
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from lib import demo, explain, helper_process, neighbours, plots, runs, sentiment, tour, verdicts
from lib.jobs import runner
from lib.jobs.progress import clock, seconds_left
from lib.jobs.spec import Status
from lib.maps import map_figure
from ui import presentation, sources
from ui.errors import friendly_errors
from ui.navigation import link_to
from ui.text import md
from lib.config import PRESETS
from lib.results import comparisons_with_learned, results_table

STEP = "tour_step"      # session state: the screen shown, counted from 0
JOB = "tour_job_id"     # session state: the id of this session's demo job
OPENED = "tour_opened"  # session state: when this visit began (a demo finished before it is an earlier one)
DEMO_SIZES = {"Quick demo": "Quick demo", "Tiny (tests)": "Tiny (rough numbers)"}
SIZE_SLUGS = {"Quick demo": "quick", "Tiny (tests)": "tiny"}  # the demo size as it appears in the address
STRATEGY_WORDS = ("The five models differ only in how their word table starts: **learned from scratch** (random "
                  "numbers), **GloVe** or **word2vec** (numbers already learned from lots of text), each either "
                  "**frozen** (kept as they are) or **fine-tuned** (allowed to keep learning from the reviews).")


@dataclass
class Settings:
    screen: int        # the screen shown, counted from 0 (an index of lib.tour.SCREENS)
    size: str          # the demo's preset, a key of DEMO_SIZES
    presenting: bool   # presentation mode: bigger text, no settings, fewer captions


# --- the address and the settings -------------------------------------------------------------------


def read_the_address() -> None:
    """On a session's first run (a reload, or a link a teacher sent), take the screen and demo size from the URL."""
    if st.session_state.get("tour_url_read"):
        return
    st.session_state["tour_url_read"] = True
    screen = tour.screen_from_address(st.query_params.get("screen", ""))
    if screen is not None:
        st.session_state[STEP] = screen
    size = {slug: name for name, slug in SIZE_SLUGS.items()}.get(st.query_params.get("size", ""))
    if size:
        st.session_state["tour_preset"] = size


def write_the_address(settings: Settings) -> None:
    """Keep the URL in step with the screen, so a reload returns here and a copied link opens the same screen."""
    st.query_params["screen"] = str(settings.screen + 1)
    st.query_params["size"] = SIZE_SLUGS[settings.size]


def demo_label(preset: str) -> str:
    """The preset's size, from the preset itself (a fixed label: a widget whose labels change would reset)."""
    return f"{DEMO_SIZES[preset]}: {PRESETS[preset]['train_size']:,} reviews"


def demo_seconds(preset: str) -> float:
    """How long the demo should take on this machine now (see :func:`lib.demo.demo_seconds`)."""
    ready = sources.ready_vector_sources(demo.DATASET, demo.demo_config(preset))
    return demo.demo_seconds(preset, ready_sources=ready, worker_ready=runner.worker_pid() is not None)


def tour_settings(screen: int, presenting: bool, place) -> Settings:
    """The demo size, drawn in ``place`` (above the navigation row, or a menu in it while presenting)."""
    with place:
        size = st.radio("Demo size", list(DEMO_SIZES), format_func=demo_label, horizontal=True, key="tour_preset",
                        persist_state="session",
                        help="How many movie reviews the five demo models learn from. More reviews: better "
                             "models, longer wait.")
        st.caption(f"About {clock(demo_seconds(size))} on this machine.")
    return Settings(screen=screen, size=size, presenting=presenting)


# --- the demo training: started once, reused by every screen -----------------------------------------


def demo_training(settings: Settings) -> str | None:
    """Find this session's demo (see :func:`lib.demo.current_demo`) and offer to start it when there is none
    or it failed; returns its job id."""
    job = demo.current_demo(settings.size, st.session_state.get(JOB))
    if job is None:
        st.session_state.pop(JOB, None)
    else:
        st.session_state[JOB] = job.id
    if job is None or job.status in (Status.FAILED, Status.CANCELLED):
        if job is not None:
            st.warning(f"The last demo {job.status}: {md(job.error or 'finished models were kept')}. You can start it again.")
        if st.button("Start the demo training" if job is None else "Start the demo again", type="primary",
                     icon=":material/play_arrow:",
                     help="Trains five small models on real movie reviews in the background while you go through the "
                          "screens. If the same demo already ran on this server, its results are reused."):
            with friendly_errors("Starting the demo"):
                st.session_state[JOB] = demo.start_demo(settings.size).id
                st.rerun()
        if not settings.presenting:
            st.caption("The first three screens need no training; the demo runs in the background while you read them.")
    return job.id if job is not None else None


# --- navigation ---------------------------------------------------------------------------------------


def go(delta: int) -> None:
    st.session_state[STEP] = min(max(st.session_state[STEP] + delta, 0), len(tour.SCREENS) - 1)


def navigation(screen: int, presenting: bool):
    """One row: Back, where we are, Next (and, while presenting, a menu with the tour settings). Returns the place
    for the tour settings: above the row, or that menu."""
    last = len(tour.SCREENS) - 1
    place = st.container() if not presenting else None
    columns = st.columns([1, 3, 1, 1] if presenting else [1, 3, 1], vertical_alignment="center")
    back, where, forward = columns[:3]
    back.button("Back", on_click=go, args=(-1,), disabled=screen == 0, icon=":material/arrow_back:",
                key="tour_back", width="stretch")
    where.progress((screen + 1) / len(tour.SCREENS), text=f"Screen {screen + 1} of {len(tour.SCREENS)}")
    forward.button("Next", on_click=go, args=(1,), disabled=screen == last, icon=":material/arrow_forward:",
                   key="tour_next", width="stretch", type="primary")
    if presenting:
        place = columns[3].popover("Demo", icon=":material/tune:", width="stretch")
    return place


# --- the demo's progress, for the screens that wait for it ----------------------------------------------


def show_progress(snap: dict, settings: Settings) -> None:
    left = seconds_left(snap, demo_seconds(settings.size)) if snap["status"] == Status.RUNNING else None
    presentation.story(tour.race_sentence(snap, left))
    for task in snap["tasks"]:
        fraction, words = tour.task_progress(task)
        st.progress(fraction, text=words)
    strategy_words(settings)


def strategy_words(settings: Settings) -> None:
    """What the five strategies' names mean: a sentence normally, one line while presenting."""
    st.caption(tour.LEGEND if settings.presenting else STRATEGY_WORDS)


@st.fragment(run_every=1.0)
def live_progress(job_id: str, settings: Settings) -> None:
    """Progress of a running demo job, redrawn every second; reruns the whole screen when it ends."""
    current = runner.get_job(job_id)
    if current is None:
        return
    show_progress(current.snapshot(), settings)
    if current.done:
        st.rerun()  # draw the finished screen in full, without this once-a-second fragment


def progress(job_id: str | None, settings: Settings) -> None:
    """The demo's progress: live while it trains, drawn once when it has finished."""
    current = runner.get_job(job_id)
    if current is None:
        st.info("Press **Start the demo training** at the top to begin.")
    elif current.done:
        show_progress(current.snapshot(), settings)
    else:
        live_progress(job_id, settings)


# --- 1. words become numbers, 2. numbers become rows of a table -------------------------------------------


@st.cache_data(show_spinner=False)
def classic_example() -> tuple[np.ndarray, explain.Lookup, list[str]]:
    """The Explain page's two sentences at its first sizes (10 words, 6 positions, 3 numbers), through a real
    Embedding layer: the ids, the lookup, and each table row's name as the Explain page shows it."""
    example = explain.tokenize_example(list(explain.CLASSIC_TEXTS), num_words=10, maxlen=6)
    lookup = helper_process.call(explain.embedding_lookup, example.ids, vocab_size=10, dim=3)
    row_names = [explain.id_label(example.tokenizer.index_word, i) for i in range(len(lookup.weights))]
    return example.ids, lookup, row_names


def words_become_numbers(settings: Settings, job_id: str | None) -> None:
    ids, _, _ = classic_example()
    presentation.story(tour.ids_sentence(explain.CLASSIC_TEXTS, ids))
    st.code("\n".join(f"{t!r:<24} -> {np.array2string(r)}" for t, r in zip(explain.CLASSIC_TEXTS, ids)), language=None)
    st.caption("A model cannot read letters, so the first step is always a word-to-number list.")


def numbers_become_rows(settings: Settings, job_id: str | None) -> None:
    ids, lookup, row_names = classic_example()
    presentation.story(tour.lookup_sentence(10, 3, ids.size, lookup.max_lookup_difference))
    columns = ["number 1", "number 2", "number 3"]
    left, right = st.columns(2)
    left.markdown("**The table: one row per word number**")
    left.dataframe(pd.DataFrame(lookup.weights, index=pd.Index(row_names, name="row"), columns=columns).round(3),
                   width="stretch", **whole_table(settings))
    right.markdown("**What “This is a text” becomes**")
    right.dataframe(pd.DataFrame(lookup.output[0], index=pd.Index([row_names[i] for i in ids[0]], name="copy of row"),
                                 columns=columns).round(3), width="stretch", **whole_table(settings))
    if not settings.presenting:  # the sentence says it to a room
        st.caption("Rows 0, 0, 1, 2, 3, 4 of the table, in that order: that is all the layer does. Learning then "
                   "changes the numbers in the table.")


def whole_table(settings: Settings) -> dict:
    """A table as tall as its rows (none hidden inside its box); rows a little lower on a projector."""
    return {"height": "content", "row_height": 30 if settings.presenting else None}


# --- 3. what GloVe already knows ----------------------------------------------------------------------------


def what_glove_knows(settings: Settings, job_id: str | None) -> None:
    glove = sources.glove()
    nearest = neighbours.most_similar(glove, "good", k=10, name="GloVe")
    rank = neighbours.rank_of(glove, "good", "bad", name="GloVe")
    presentation.story(tour.glove_sentence(rank, neighbours.cosine(glove, "good", "bad"), [w for w, _ in nearest],
                                           len(glove.index_to_key)))
    st.dataframe({"closest to “good”": [w for w, _ in nearest],
                  "closeness (1 = same direction)": [round(s, 2) for _, s in nearest]},
                 width="stretch", **whole_table(settings))
    if not settings.presenting:
        st.caption("Closeness (cosine similarity) is 1 when two words' numbers point the same way. Opposites that "
                   "are used in the same kinds of sentences come out close.")


# --- 4. the race between strategies ---------------------------------------------------------------------------


def race_result(done_runs: list, snap: dict, settings: Settings) -> None:
    """The finished race: who was right most often, whether that is more than luck, bars with the guessing line;
    the tests' numbers behind a toggle."""
    table = results_table(done_runs)
    comparisons = comparisons_with_learned(done_runs)
    presentation.story(tour.result_sentence(table, comparisons))
    seconds = [float(s) for s in table["train_seconds"]]
    st.plotly_chart(presentation.chart_fonts(plots.accuracy_bars(table, height=presentation.chart_height(380, projector=250))),
                    key="tour_race_bars", width="stretch")
    strategy_words(settings)
    timing = (f"{tour.race_sentence(snap)} Each model took {clock(min(seconds))} to {clock(max(seconds))}. Bars: the "
              "share of unseen reviews (never used in learning) each model got right; the dashed line is what "
              "guessing scores.")
    with st.expander("The numbers and tests behind this sentence", icon=":material/info:"):
        for line in tour.result_details(table, comparisons) + ([timing] if settings.presenting else []):
            st.markdown(md(line))
    if not settings.presenting:
        st.caption(timing)
    if snap.get("finished") and snap["finished"] < st.session_state[OPENED]:  # finished before this visit began
        finished_at = time.strftime("%H:%M", time.localtime(snap["finished"]))
        st.caption(f"These results come from the same demo, finished on this server at {finished_at}: same reviews "
                   "and same random seeds, so training again would give the same numbers.")
        if not settings.presenting and st.button("Run the race again anyway", key="tour_race_again",
                                                 icon=":material/replay:"):
            with friendly_errors("Starting the demo"):
                st.session_state[JOB] = demo.train_demo_again(settings.size).id
                st.rerun()


def the_race(settings: Settings, job_id: str | None) -> None:
    done_runs = demo.demo_runs(job_id)
    if done_runs:
        race_result(done_runs, runner.get_job(job_id).snapshot(), settings)
    else:
        progress(job_id, settings)


# --- 5. the same words, before and after -------------------------------------------------------------------------


def before_and_after(settings: Settings, job_id: str | None) -> None:
    finetuned = [r for r in demo.demo_runs(job_id) if r.config["strategy"] == "glove_finetuned"]
    if not finetuned:
        progress(job_id, settings)
        st.info("This screen needs the fine-tuned GloVe model from the demo; it appears when the demo finishes.")
        return
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


# --- 6. the takeaway ----------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def gap_by_size(run_ids: tuple[str, ...]) -> tuple[pd.DataFrame, dict]:
    """The table and verdict marks of stored runs at several sizes (:func:`lib.tour.sweep_runs`); computed once
    per server for a set of runs. Verdicts by size come from the one rule (lib.verdicts.sweep_comparisons)."""
    records = [runs.load_run(run_id) for run_id in run_ids]
    by_size = verdicts.sweep_comparisons(verdicts.sweep_answers(records, runs.load_predictions))
    return results_table(records), {key: {size: c.verdict for size, c in sizes.items()} for key, sizes in by_size.items()}


def the_takeaway(settings: Settings, job_id: str | None) -> None:
    """How the gap between a pretrained start and learning from scratch changes with the number of labelled
    reviews: from runs on this server when there are any, else from the project's own measured table."""
    found = tour.sweep_runs(sources.saved_runs()[0], demo.DATASET)
    if found:
        table, marks = gap_by_size(tuple(sorted(r.run_id for r in found)))
        newest = max(str(r.created) for r in found)[:10]
        source = (f"From {len(found)} runs trained on this server (the latest on {newest}); ▲/▼ marks a start "
                  "ahead/behind learning from scratch beyond both kinds of noise.")
    else:
        table, marks = tour.measured_table(), None
        sweep = tour.README_SWEEP
        source = (f"Measured on {sweep.measured} on {sweep.where}, {sweep.seeds} training runs each, as in the "
                  "README; this server has no runs at several sizes yet.")
    presentation.story(tour.gap_sentence(table))
    st.plotly_chart(presentation.chart_fonts(tour.gap_figure(table, marks, height=presentation.chart_height(400, projector=300))),
                    key="tour_gap_chart", width="stretch")
    st.caption(source)
    links = st.columns(3)
    link_to("train", where=links[0], label="Train: more reviews, other models",
                       icon=":material/model_training:")
    link_to("compare", where=links[1], label="Compare: any word, side by side", icon=":material/compare:")
    link_to("glossary", where=links[2], label="Glossary", icon=":material/menu_book:")


# --- the page -------------------------------------------------------------------------------------------------------

SCREEN_FUNCTIONS = [  # screen number - 1 -> the function that draws it, in the order of lib.tour.SCREENS
    words_become_numbers, numbers_become_rows, what_glove_knows, the_race, before_and_after, the_takeaway,
]


def main() -> None:
    presenting = presentation.is_on()
    if not presenting:
        st.title("Guided tour")
    st.session_state.setdefault(OPENED, time.time())
    read_the_address()
    screen = st.session_state.setdefault(STEP, 0)
    settings = tour_settings(screen, presenting, navigation(screen, presenting))
    # The presenter reads three screens before the race: use that time to get this size's training ready.
    sources.warm_up(demo.DATASET, demo.demo_config(settings.size))
    write_the_address(settings)
    job_id = demo_training(settings)
    st.header(tour.SCREENS[settings.screen])
    with friendly_errors("Showing this screen"):
        SCREEN_FUNCTIONS[settings.screen](settings, job_id)


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
