"""Long work off the dashboard's process: training jobs and word2vec, on this machine or a Ray cluster.

One module per idea; import the one you need (this package imports nothing itself, so a
Ray worker that needs the task protocol never loads the runner):

* :mod:`lib.jobs.spec` — what a job is: :class:`~lib.jobs.spec.JobSpec` (keys and numbers only),
  :class:`~lib.jobs.spec.JobKind`, and the :class:`~lib.jobs.spec.Status` and
  :class:`~lib.jobs.spec.Stage` a job and its tasks go through;
* :mod:`lib.jobs.runner` — the queue and the thread that feeds a backend: ``submit``,
  ``get_job``, ``cancel``, ``wait``…; pages and scripts call this;
* :mod:`lib.jobs.protocol` — the task protocol both backends speak (``execute``, ``outcome``);
* :mod:`lib.jobs.worker` — the local backend, a worker process on this machine;
* :mod:`lib.jobs.ray_backend` — the Ray backend (``import ray`` only when it is used);
* :mod:`lib.jobs.progress` — how far a job has got, in numbers and sentences;
* :mod:`lib.jobs.access` — who may follow a job and who may cancel it.

Imports go one way (``a <- b``: b imports a), so there is no cycle::

    spec <- protocol <- worker, ray_backend <- runner
    spec <- progress <- runner            access <- runner
"""
