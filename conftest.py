"""Test-wide setup (tests/ and the doctests of lib/): a private data folder and quiet TensorFlow."""
import os
import tempfile

# Always a fresh folder, even when the user has EMBEDDING_LAB_DATA set for the dashboard: tests
# write and delete runs, and must never touch a user's. Set before anything from lib is imported.
os.environ["EMBEDDING_LAB_DATA"] = tempfile.mkdtemp(prefix="embedding-lab-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
