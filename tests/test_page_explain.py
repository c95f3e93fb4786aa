"""AppTest of "What an Embedding layer does": defaults reproduce the classic answer; silly input is handled."""
import pytest
from streamlit.testing.v1 import AppTest

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
    assert "padding row moved" in shown_text(at)


def test_small_vocabulary_says_which_words_are_dropped():
    at = run_page(**{"Vocabulary size": 4})
    text = shown_text(at)
    assert "dropped" in text and "text" in text and "not" in text
    assert "[0 0 0 1 2 3]" in at.code[0].value


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
