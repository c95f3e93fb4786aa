"""Two servers, one data folder: how a class bigger than one machine is served (README, "Serving a class").

Each server process has its own runner and worker; what they share is the data folder. Here two processes run
the server's own runner code (`lib.jobs.runner`, as `streamlit run app.py` does) on one folder, train and save
at the same moment, and must lose nothing and list each other's public runs.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SERVER = textwrap.dedent("""
    import json, sys, time
    from lib import runs
    from lib.config import PRESETS
    from lib.data.toy import toy_key
    from lib.jobs import runner
    from lib.jobs.spec import JobSpec

    name, start_line = sys.argv[1], sys.argv[2]
    settings = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=1)
    spec = JobSpec(dataset_key=toy_key(n_train=200, n_test=100, seed=3), strategies=["learned"],
                   settings=settings, seeds=[0, 1], title=name, owner=name)
    runner.start_worker()
    open(start_line, "a").write(name + "\\n")
    while len(open(start_line).read().split()) < 2:  # both servers submit at the same moment
        time.sleep(0.05)  # a barrier across two processes: poll, but do not spin a core while the other imports
    job = runner.wait(runner.submit(spec).id, timeout=600)
    snap = job.snapshot()
    listed = sorted(r.run_id for r in runs.list_runs()[0])
    print(json.dumps({"status": str(snap["status"]), "mine": sorted(t["run_id"] for t in snap["tasks"]),
                      "listed": listed}))
""")


def test_two_servers_on_one_data_folder_train_at_once_and_see_each_others_runs(tmp_path):
    data = tmp_path / "shared-data"
    start_line = tmp_path / "ready.txt"
    start_line.touch()
    env = {**os.environ, "EMBEDDING_LAB_DATA": str(data), "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    servers = [subprocess.Popen([sys.executable, "-c", SERVER, name, str(start_line)], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("server-a", "server-b")]
    results = []
    for server in servers:
        out, err = server.communicate(timeout=900)
        assert server.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    a, b = results
    assert a["status"] == b["status"] == "done", results
    assert len(a["mine"]) == len(b["mine"]) == 2 and not set(a["mine"]) & set(b["mine"])
    # whoever finished last lists every run of both servers; the other at least its own
    everything = set(a["mine"]) | set(b["mine"])
    assert max(len(a["listed"]), len(b["listed"])) == 4
    assert set(a["mine"]) <= set(a["listed"]) and set(b["mine"]) <= set(b["listed"])
    # and a third process (a server started later, or a restarted one) lists all four, each loadable
    check = textwrap.dedent("""
        import json
        from lib import runs
        records, problems = runs.list_runs()
        names = [r.name for r in records]
        for r in records:
            runs.load_embeddings(r.run_id)
        print(json.dumps({"ids": sorted(r.run_id for r in records), "names": names, "problems": problems}))
    """)
    out = subprocess.run([sys.executable, "-c", check], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    listed = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(listed["ids"]) == everything and not listed["problems"]
    assert len(set(listed["names"])) == len(listed["names"]) == 4  # no two runs share a name
    assert not list(data.rglob(".tmp-*"))  # no half-written folder left behind
