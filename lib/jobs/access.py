"""Who may see a job and who may cancel it.

A job belongs to the browser session that submitted it (:attr:`lib.jobs.spec.JobSpec.owner`).
Its id is unguessable (:func:`lib.jobs.runner.new_job_id`) and travels in the page's
address, so a reload or a copied link finds the job again. Following a link is not
owning the job:

* anyone holding the link may *follow* a job on public data; a job on an upload only a
  session holding that upload (:func:`may_see`, the rule of :func:`lib.data.keys.visible_to`);
* only the owner may *cancel* it (:func:`may_cancel`; :func:`lib.jobs.runner.cancel`
  refuses anyone else), so sharing a link to a running job never lets a classmate stop it.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable

from lib.data.keys import visible_to


def may_see(job, private_datasets: Collection[str]) -> bool:
    """Whether a session holding the uploads ``private_datasets`` may follow ``job`` (``None``: no).

    Anyone may follow a job on public data by its link; a job on an upload only its uploader's session.
    """
    return job is not None and visible_to(job.spec.dataset_key, private_datasets)


def may_cancel(job, owner: str) -> bool:
    """Whether ``owner`` (a browser session id, ``""`` for a script) may cancel ``job``: only its submitter may.

    >>> from types import SimpleNamespace
    >>> job = SimpleNamespace(spec=SimpleNamespace(owner="session-a"))
    >>> may_cancel(job, "session-a"), may_cancel(job, "session-b"), may_cancel(None, "session-a")
    (True, False, False)
    """
    return job is not None and job.spec.owner == owner


def my_jobs(every_job: Iterable, owner: str, adopted: Collection[str] = ()) -> list:
    """The jobs of ``every_job`` that ``owner`` started, or took over from an address (ids in ``adopted``)."""
    return [job for job in every_job if job.spec.owner == owner or job.id in adopted]
