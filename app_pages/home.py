"""Welcome: what the dashboard shows, a real map from it, and where to go in what order.

Storyboard: the one idea -> the pages in order -> a first look at GloVe (drawn last, so the
links appear at once; whatever happens to the map, the links keep working).
"""
import streamlit as st

from ui import presentation
from ui.errors import show_error
from ui.navigation import link_to


def introduction() -> None:
    st.title("Embedding Lab")
    presentation.story(
        "A neural network cannot read words, so a text model first turns every word into a short list of numbers: "
        "its embedding."
    )
    st.markdown(
        "This dashboard shows what that step really does, what pretrained embeddings such as GloVe already know "
        "about words, and whether starting from them beats learning the numbers from scratch on real movie reviews. "
        "Everything you see is computed here, on this machine, from real data."
    )


def where_to_go() -> None:
    link_to("tour", label="Presenting to an audience? Start the guided tour", icon=":material/slideshow:")
    st.subheader("Where to go, in order")
    left, right = st.columns(2)
    with left:
        link_to("explain", label="1. What an Embedding layer does", icon=":material/pin:")
        st.caption("Two sentences go through a real Keras layer, one step at a time.")
        link_to("vectors", label="2. Explore pretrained vectors", icon=":material/explore:")
        st.caption("What GloVe and word2vec know: neighbours, analogies, maps.")
    with right:
        link_to("train", label="3. Train and compare strategies", icon=":material/model_training:")
        st.caption("Learned from scratch vs GloVe vs word2vec, frozen or fine-tuned, on IMDB reviews.")
        link_to("compare", label="4. Compare embeddings side by side", icon=":material/compare:")
        st.caption("The same words seen through two to four embeddings at once.")
    link_to("glossary", label="Glossary: every technical word in plain words", icon=":material/menu_book:")


@st.cache_data(show_spinner="Drawing a map of GloVe's 400,000 words…")
def glove_map():
    """``(figure, words on it, rank of "bad" among the neighbours of "good")`` for GloVe's ready word lists."""
    # Imported here, not at the top: on a fresh server these take seconds (pandas, gensim, plotly, scipy),
    # and the welcome text and the links above must not wait for them.
    from lib.maps import aligned_maps, grouped_words, map_figure
    from lib.neighbours import rank_of
    from lib.words import WORD_LISTS
    from ui.sources import glove

    kv = glove()
    words, groups = grouped_words(kv.key_to_index, WORD_LISTS)
    figure = map_figure([""], aligned_maps([kv[words]]), words, groups=groups, groups_title="word list",
                        label_all_below=len(words) + 1, height=560)
    return figure, len(words), rank_of(kv, "good", "bad", name="GloVe")


def first_look() -> None:
    """A real map, drawn last so the links above appear at once."""
    try:
        from lib.tour import ordinal  # see glove_map: kept off the first paint

        figure, n_words, bad_rank = glove_map()
        st.subheader(f"A first look: {n_words} words as GloVe places them")
        st.plotly_chart(figure, width="stretch")
        st.caption(
            "Each dot is a word, placed by squeezing its 50 GloVe numbers onto a flat page (PCA; the axes have no "
            "meaning). Look for the groups each colour forms. Good and bad words share one region: in GloVe, "
            f"“bad” is the {ordinal(bad_rank)} closest of 400,000 words to “good”, because both are used in the "
            "same kinds of sentences."
        )
    except Exception as exc:  # noqa: BLE001 - the links above must keep working whatever happens to the map
        show_error("The GloVe map could not be drawn; the rest of the dashboard is unaffected.", exc)


def main() -> None:
    introduction()
    where_to_go()
    first_look()


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
