"""Reading the results files the parts of scripts/bench write."""
import json
import os


def read_jsonl(results_dir, name):
    path = os.path.join(results_dir, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_json(results_dir, name):
    path = os.path.join(results_dir, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def ok_rate(run):
    """Successful answers per second of one cognate-load run (None when it did not run)."""
    if not run or run.get("failed") or run.get("unsupported") or not run.get("duration_s"):
        return None
    return (run["requests"] - run["errors"]) / run["duration_s"]


def find_run(runs, op, connections):
    for run in runs:
        if run.get("op") == op and run.get("connections") == connections:
            return run
    return None
