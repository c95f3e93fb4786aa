"""Test-wide setup: a private data folder, quiet TensorFlow, and the repository on sys.path."""
import os
import tempfile

# Set before anything from lib is imported, so no test ever reads or writes a user's runs.
os.environ.setdefault("EMBEDDING_LAB_DATA", tempfile.mkdtemp(prefix="embedding-lab-tests-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
