"""AppTest of "What an Embedding layer does": defaults reproduce the classic answer; silly input is handled."""
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import explain, helper_process

PAGE = "../app_pages/explain.py"


def run_page(**changes) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    if changes:
        for label, value in changes.items():
            widget = next(w for w in [*at.text_area, *at.number_input] if w.label.startswith(label))
            widget.set_value(value)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.code]
    return "\n".join(str(p) for p in parts)


def test_defaults_show_the_classic_answer():
    at = run_page()
    padded = at.code[0].value
    assert "[0 0 1 2 3 4]" in padded and "[0 1 2 5 3 4]" in padded
    assert at.success and "for all 12 positions" in at.success[0].value and "difference 0)" in at.success[0].value
    text = shown_text(at)
    assert "2 sentences × 6 positions × 3 numbers" in text
    assert "the padding row stayed put" in text
    layers = at.dataframe[-1].value
    assert layers["parameters"].tolist() == [160_000, 53_200, 101]
    assert at.metric[0].value == "0"  # one-hot x matrix equals the lookup


def test_post_padding_and_mask_off():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.radio[0].set_value("post")
    at.toggle[0].set_value(False)
    at.run()
    assert not at.exception
    assert "[1 2 3 4 0 0]" in at.code[0].value
    text = shown_text(at)
    assert "padding row moved" in text
    # every text follows the toggle: nothing claims the mask is on
    assert "mask_zero=True" not in at.toggle[0].label
    assert "Embedding(10, 3)`" in text and "Embedding(10, 3, mask_zero=True)" not in text
    averages = next(df.value for df in at.dataframe if "average over" in df.value.columns)
    assert not any("(mask)" in label or "mask_zero=True: what" in label for label in averages["average over"])
    assert any("mask_zero off: what the next layer uses" in label for label in averages["average over"])


def test_sentences_that_become_all_padding_stay_four_in_four_out():
    # "qqq" gets id 5, beyond a vocabulary of 5; "!!!" has no word: 4 sentences typed, 4 go through the layer
    at = run_page(**{"Sentences": "This is a text\nqqq\n!!!\nThis is not a text", "Vocabulary size": 5})
    text = shown_text(at)
    assert "4 sentences × 6 positions × 3 numbers" in text and "(4, 6, 3)" in text
    assert "for all 24 positions" in at.success[0].value
    assert "4 sentences in, 4 out" in text
    assert "Sentences 2, 3 are left out of this training demo" in text  # 0/0 under the mask would be NaN
    assert "the padding row stayed put" in text


def test_shapes_say_what_none_means_and_big_numbers_have_separators():
    at = run_page()
    text = shown_text(at)
    assert "(None, 6, 3)" in text and "**None** is the batch size" in text
    layers = at.dataframe[-1]
    assert layers.value["in words"][0].startswith("any number of reviews × 500 × 32")
    import pyarrow as pa  # what the browser shows: the styler's display values, sent beside the numbers

    shown = pa.ipc.open_stream(layers.proto.arrow_data.styler.display_values).read_pandas()
    assert shown["parameters"].tolist() == ["160,000", "53,200", "101"]
    assert "160,000 parameters" in text and "160000" not in text


def test_small_vocabulary_says_which_words_are_dropped():
    at = run_page(**{"Vocabulary size": 4})
    text = shown_text(at)
    assert "dropped" in text and "text" in text and "not" in text
    assert "[0 0 0 1 2 3]" in at.code[0].value
    # "not" was the only difference, so the two sentences are now one to the model: it says so
    assert "Sentences 1 and 2 are different texts but became the same ids" in text


@pytest.mark.parametrize(
    "texts,kind,expected",
    [
        ("", "warning", "Type at least one sentence"),
        ("   \n  ", "warning", "Type at least one sentence"),
        ("!!! ??? ...", "warning", "no words once punctuation is removed"),
        ("😀 東京 Ελλάδα مرحبا", "success", "for all 6 positions"),
        (" ".join(["word"] * 10_000), "info", "were cut to 300."),
        ("\n".join(["a b"] * 50), "info", "Only the first 8 of 50 lines"),
        ("This is a text\n!!!", "info", "became nothing but padding"),
    ],
    ids=["empty", "blank lines", "punctuation only", "emoji and other scripts", "10,000-word paste", "50 lines",
         "a line of punctuation beside a sentence"],
)
def test_silly_input_gives_a_sentence_not_a_traceback(texts, kind, expected):
    at = run_page(**{"Sentences": texts})
    assert any(expected in e.value for e in getattr(at, kind)), [e.value for e in getattr(at, kind)]
    assert not at.error
    assert "nan" not in shown_text(at).replace("nanos", "")


def test_vocabulary_of_one_leaves_only_padding_and_says_so():
    at = run_page(**{"Vocabulary size": 1})
    assert any("No sentence has a word with its own row" in w.value for w in at.warning)


def test_a_second_visitor_gets_the_same_tables_without_keras_or_rebuilding_them(monkeypatch):
    """What is the same for every visitor is computed once per server: the second session replays the drawn
    sections (st.cache_data) instead of calling the Keras helper process or building the tables again."""
    st.cache_data.clear()  # a fresh server, whatever ran before in this process
    keras_calls, one_hot_calls = [], []
    call, one_hot_product = helper_process.call, explain.one_hot_product
    monkeypatch.setattr(helper_process, "call", lambda f, *a, **k: (keras_calls.append(f.__name__), call(f, *a, **k))[1])
    monkeypatch.setattr(explain, "one_hot_product", lambda *a: (one_hot_calls.append(1), one_hot_product(*a))[1])
    first = run_page()
    assert {"embedding_lookup", "averages_table", "train_steps", "imdb_model_layers"} <= set(keras_calls)
    assert one_hot_calls
    keras_calls.clear(), one_hot_calls.clear()
    second = run_page()
    assert keras_calls == [] and one_hot_calls == []
    assert len(second.dataframe) == len(first.dataframe) == 11
    for shown, drawn in zip(second.dataframe, first.dataframe):
        assert shown.value.equals(drawn.value)
        assert shown.proto.arrow_data.styler == drawn.proto.arrow_data.styler  # the same colours and formats
