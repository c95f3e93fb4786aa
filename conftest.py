"""Test-wide setup (tests/ and the doctests of lib/ and ui/): a private data folder, quiet TensorFlow, and how the
suite is shared between the pytest-xdist workers (pyproject.toml runs ``-n 3 --dist loadgroup``)."""
import os
import tempfile

import pytest

# Always a fresh folder, even when the user has EMBEDDING_LAB_DATA set for the dashboard: tests
# write and delete runs, and must never touch a user's. Set before anything from lib is imported.
# Each xdist worker is its own process, so each has its own folder.
os.environ["EMBEDDING_LAB_DATA"] = tempfile.mkdtemp(prefix="embedding-lab-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def worker_group(item: pytest.Item) -> str:
    """The unit one worker runs whole: the browser tests together (they share one server and one Chromium, see
    tests/browser_support.py); any other module whole, so its module-scoped fixtures (a finished demo, a local
    Ray) are made once, not once per worker."""
    return "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]


#: The groups that take longest, longest first (wall seconds per module in a clean-clone run with `-v`, both workers
#: busy, 2026-12-03): they start first, so no long group starts last and runs alone while the other workers idle.
#: Groups not listed (each a few seconds) follow in pytest-randomly's order and fill in at the end.
LONGEST_FIRST = ["browser", "tests/test_ray.py", "tests/test_page_train.py", "tests/test_training.py",
                 "tests/test_app.py", "tests/test_security.py", "tests/test_jobs.py", "tests/test_page_vectors.py",
                 "tests/test_page_tour.py", "tests/test_page_explain.py", "tests/test_shared_data_folder.py",
                 "tests/test_page_compare.py", "tests/test_page_changes.py"]


#: Browser tests that go first in their group: the two-sessions test watches a Tiny job train and then offers it to
#: the tests that need a finished one, which otherwise train their own (tests/browser_support.py, ``tiny_job``).
BROWSER_TESTS_FIRST = ["test_two_sessions_one_training_one_exploring"]


def start_rank(item: pytest.Item) -> tuple[int, int]:
    """Where ``item`` comes in the hand-out order (a stable sort keeps the random order within a rank)."""
    group = worker_group(item)
    rank = LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)
    return rank, 0 if getattr(item, "originalname", item.name) in BROWSER_TESTS_FIRST else 1


# tryfirst: after pytest-randomly's shuffle (a wrapper, it runs before every plain hook), before pytest-xdist's own
# hook, which reads the xdist_group marks; `--no-loadscope-reorder` keeps this order when work is handed out.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(worker_group(item)))
    items.sort(key=start_rank)
