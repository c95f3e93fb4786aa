"""The entry point: navigation, the home page, the glossary and presentation mode.

(That no page imports TensorFlow into the web server is checked on a real server, after it has drawn every page,
the tour and a training: ``assert_no_tensorflow_in_the_server`` in tests/browser_support.py.)"""
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Go to the page at ``/url_path`` as a click in the sidebar does. The pages are functions (app.py), and
    ``AppTest.switch_page`` only takes a page's file; Streamlit identifies a page by a hash of its url path."""
    at._page_hash = calc_hash(url_path)  # AppTest has no public way to open a function page
    return at


def test_home_page_opens_and_links_to_every_page():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Embedding Lab"
    assert "embedding" in at.markdown[0].value.lower()


def test_presentation_mode_hides_settings_and_comes_back():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    open_page(at, "explain").run()
    assert not at.exception
    assert any(ta.label.startswith("Sentences") for ta in at.text_area)
    at.button(key="presentation_on").click().run()
    assert at.session_state["presentation_mode"] is True
    assert any(e.label == "Change the example" for e in at.expander)
    assert "[0 0 1 2 3 4]" in at.code[0].value  # the story still shows with settings folded away
    at.button(key="presentation_off").click().run()
    assert at.session_state["presentation_mode"] is False
    assert not any(e.label == "Change the example" for e in at.expander)


def test_glossary_search():
    at = AppTest.from_file("../app_pages/glossary.py").run()
    assert not at.exception
    assert any("**epoch**" in m.value for m in at.markdown)
    at.text_input[0].set_value("cosine").run()
    shown = [m.value for m in at.markdown if m.value.startswith("**")]
    assert shown and all("cosine" in m.lower() for m in shown)
    at.text_input[0].set_value("zzzz-not-a-term").run()
    assert at.info and "Nothing in the glossary" in at.info[0].value


def test_explore_keeps_its_answers_when_you_come_back():
    """persist_state='session' is the one mechanism that carries a page's widget values across pages."""
    at = AppTest.from_file("../app.py", default_timeout=180).run()
    open_page(at, "vectors").run()
    at.text_input(key="vectors_word").set_value("film").run()
    at.radio(key="vectors_method").set_value("t-SNE").run()
    open_page(at, "explain").run()
    assert not at.exception
    open_page(at, "vectors").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="vectors_word").value == "film"
    assert at.radio(key="vectors_method").value == "t-SNE"


def test_train_keeps_its_settings_when_you_come_back():
    at = AppTest.from_file("../app.py", default_timeout=180).run()
    open_page(at, "train").run()
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    at.number_input(key="train_epochs").set_value(3).run()
    open_page(at, "explain").run()
    open_page(at, "train").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.radio(key="train_preset").value == "Tiny (tests)"
    assert at.number_input(key="train_epochs").value == 3
    assert at.number_input(key="train_vocab_size").value == 2_000  # from the preset, kept too
