"""Writes bench/REPORT.md from the results directory scripts/bench fills.

    python3 bench/report/report.py RESULTS_DIR > bench/REPORT.md

Each part of the run has its own module here with `section(results_dir) -> str`: e2e (Cognate over
HTTP), micro (Google Benchmark suite and the crypto limit), peer (cognito-local side by side),
scale (the 1,000,000-user pool). targets gathers the issue's targets from all of them.
"""
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys

SECTIONS = ["targets", "e2e", "micro", "peer", "scale"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine(results_dir):
    placement = {}
    path = os.path.join(results_dir, "placement.json")
    if os.path.exists(path):
        with open(path) as f:
            placement = json.load(f)
    cores = placement.get("cores", os.cpu_count())
    cpu = sh("awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    packages = sh("dpkg-query -W -f='${Package} ${Version}\\n' librocksdb-dev libboost-dev libssl-dev "
                  "liblua5.4-dev libargon2-dev nlohmann-json3-dev libbenchmark-dev nodejs 2>/dev/null")
    if placement.get("server_cpus"):
        pin = (f"server pinned to core(s) {placement['server_cpus']} and the load generator to "
               f"core(s) {placement['load_cpus']} with `taskset`, so the two never share a core")
    else:
        pin = "server and load generator share the one core"
    lines = [
        "## Machine and versions",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cores} cores ({cpu}), {mem}, Linux {platform.release()}, "
        f"Debian {sh('cat /etc/debian_version') or '?'}",
        f"- cognate: {sh('git rev-parse --short HEAD')}, built Release with {sh('g++ --version | head -1')}",
        "- libraries: " + "; ".join(p for p in packages.splitlines() if p),
        f"- placement: {pin}",
        f"- seconds measured per end-to-end run: {placement.get('seconds_per_run', '?')} (after 1 s of warm-up)",
    ]
    return "\n".join(lines)


def main():
    results_dir = sys.argv[1]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print("# Cognate benchmark report")
    print()
    print("Written by `scripts/bench`; rerun it to refresh every figure.")
    print()
    print(machine(results_dir))
    for name in SECTIONS:
        print()
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        try:
            print(module.section(results_dir).rstrip())
        except Exception as error:  # one broken section must not cost the rest of the report
            print(f"## {name}\n\nCould not render this section: {error!r}")


if __name__ == "__main__":
    main()
