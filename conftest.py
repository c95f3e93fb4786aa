"""Test-wide setup (tests/ and the doctests of lib/ and ui/): a private data folder, quiet TensorFlow, and how the
suite is shared between the two pytest-xdist workers (pyproject.toml runs ``-n 2 --dist loadgroup``)."""
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


def start_rank(item: pytest.Item, slow_groups: set[str]) -> int:
    """Long groups first (the browser tests, then modules with a slow test), so no long group starts last and runs
    alone while the other worker idles. Within a rank the random order of pytest-randomly stays."""
    group = worker_group(item)
    return 0 if group == "browser" else 1 if group in slow_groups else 2


# tryfirst: after pytest-randomly's shuffle (a wrapper, it runs before every plain hook), before pytest-xdist's own
# hook, which reads the xdist_group marks; `--no-loadscope-reorder` keeps this order when work is handed out.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow_groups = {worker_group(item) for item in items if item.get_closest_marker("slow")}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(worker_group(item)))
    items.sort(key=lambda item: start_rank(item, slow_groups))
