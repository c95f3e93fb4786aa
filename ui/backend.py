"""Where training runs: this machine's worker process, or the Ray cluster the operator configured.

The Train page calls :func:`run_on_choice` inside its settings and :func:`running_on` near
its Train button, and passes :func:`run_on` to every job it submits. A visitor can only
choose between this machine and the cluster named by ``EMBEDDING_LAB_RAY_ADDRESS`` (or a
cluster started on this machine, ``auto``): never type an address, because the dashboard
unpickles what the cluster sends back (see lib/jobs/ray_backend.py).
"""
from __future__ import annotations

import logging

import streamlit as st

from lib.jobs import ray_backend

KEY = "train_run_on"
log = logging.getLogger("embedding_lab.ui")


def run_on() -> str:
    """``"ray"`` or ``"local"`` as chosen on the page, or ``""`` (the server's default) before any choice."""
    return st.session_state.get(KEY, "")


def run_on_choice() -> None:
    """The "Run on" setting, folded away under advanced settings."""
    st.session_state.setdefault(KEY, "ray" if ray_backend.runs_on_ray() else "local")
    with st.expander("Advanced: where the models are trained"):
        st.radio("Run on", ["local", "ray"], key=KEY, persist_state="session", horizontal=True,
                 format_func=lambda k: "this machine" if k == "local" else ray_backend.describe_address(),
                 help="A Ray cluster trains several runs at once (one per CPU by default), for big grids of "
                      "strategies × seeds × sizes. The runs come back to this dashboard either way. The cluster is "
                      "the one EMBEDDING_LAB_RAY_ADDRESS names when the dashboard starts (without it, a cluster "
                      "started on this machine with `ray start --head`).")


@st.cache_data(ttl=30, show_spinner=False)
def _summary() -> dict:
    try:
        return {**ray_backend.cluster_summary(), "per_run": ray_backend.resources_per_run()["num_cpus"]}
    except Exception as exc:  # noqa: BLE001 - shown as a sentence; details in the log
        log.warning("Ray cluster summary failed: %s", exc)
        return {"error": str(exc) if isinstance(exc, ray_backend.RayUnavailable)
                else f"The Ray cluster could not be asked for its size ({type(exc).__name__})."}


def running_on() -> None:
    """One line: "Running on: this machine" or "Running on: Ray cluster at …, N nodes, M CPUs"."""
    if run_on() != "ray" and not (run_on() == "" and ray_backend.runs_on_ray()):
        st.caption("Running on: **this machine** (one run at a time, in a background process).")
        return
    summary = _summary()
    if "error" in summary:
        st.warning(f"Running on: {ray_backend.describe_address()}. {summary['error']}", icon=":material/cloud_off:")
        return
    at_once = max(1, int(summary["cpus"] // summary["per_run"]))
    gpus = f", {summary['gpus']} GPU{'s' if summary['gpus'] != 1 else ''}" if summary["gpus"] else ""
    st.caption(f"Running on: **{summary['where']}**, {summary['nodes']} node{'s' if summary['nodes'] != 1 else ''}, "
               f"{summary['cpus']} CPUs{gpus}: up to {at_once} runs at once (the time estimate is for this machine).")
