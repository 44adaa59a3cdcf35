"""The seed's workload, bounded in time: for sizes where the seed needs minutes.

usage: seed_bounded.py BASELINE_DIR STATE_DIR N P FILL_SAMPLE DRAIN_BUDGET_S

Same code and the same steps as the baseline's bench.py (shared/baseline), with two
bounds, both stated in its output:
- fill: the first N - FILL_SAMPLE tasks are written in one go through the seed's own
  _write (what create_task would have written, one write instead of one per task);
  the last FILL_SAMPLE are created one create_task call each and timed. Each create
  rewrites the whole file, so these are the fill's slowest calls.
- drain: P worker processes claim and complete until DRAIN_BUDGET_S has passed, then
  finish the task in hand and stop. Rate = tasks completed / time until the last stopped.
Exactly-once is checked for the tasks drained: no id twice, each completed by the
worker that claimed it, none left in progress.
"""
import json
import multiprocessing as mp
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from task_manager import TaskManager, TaskStatus  # noqa: E402


def worker(state_file, agent, deadline, out):
    tm = TaskManager(state_file, lock_timeout=120)
    done = []
    while time.monotonic() < deadline:
        t = tm.get_next_task(agent)
        if not t:
            break
        tm.complete_task(t["id"], agent, TaskStatus.COMPLETED, {"by": agent})
        done.append(t["id"])
    out.put((agent, done))


def main():
    d, n, p, fill_sample, budget = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    sf = d / "bench.json"
    if sf.exists():
        sf.unlink()
    tm = TaskManager(sf, lock_timeout=120)
    with tm._locked():
        state = tm._read()
        for i in range(n - fill_sample):
            # exactly the record create_task writes
            state["tasks"]["work_%s" % uuid.uuid4().hex[:8]] = {
                "type": "work", "status": TaskStatus.PENDING.value,
                "parent_id": None, "locked_by": None, "locked_at": None,
                "created_at": datetime.now().isoformat(), "completed_at": None,
                "data": {"i": i}}
        tm._write(state)
    t0 = time.perf_counter()
    for i in range(n - fill_sample, n):
        tm.create_task("work", {"i": i})
    fill = time.perf_counter() - t0

    q = mp.Queue()
    t0 = time.perf_counter()
    deadline = time.monotonic() + budget
    procs = [mp.Process(target=worker, args=(sf, "w%d" % k, deadline, q)) for k in range(p)]
    for pr in procs:
        pr.start()
    by_agent = [q.get() for _ in procs]
    for pr in procs:
        pr.join()
    drain = time.perf_counter() - t0

    with open(sf) as f:
        tasks = json.load(f)["tasks"]
    ids = [i for _, done in by_agent for i in done]
    ok = (len(ids) == len(set(ids))
          and all(tasks[i]["status"] == "completed" and tasks[i].get("result", {}).get("by") == agent
                  for agent, done in by_agent for i in done)
          and sum(1 for t in tasks.values() if t["status"] == "completed") == len(ids)
          and not any(t["status"] == "in_progress" for t in tasks.values()))
    print(json.dumps({"impl": "seed-python", "n": n, "workers": p,
                      "fill_sampled": fill_sample, "fill_s": round(fill, 3), "fill_ops_s": round(fill_sample / fill, 2),
                      "drain_budget_s": budget, "drained": len(ids),
                      "drain_s": round(drain, 3), "drain_tasks_s": round(len(ids) / drain, 2),
                      "exactly_once": ok}))


if __name__ == "__main__":
    main()
