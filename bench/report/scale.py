"""The large-pool section of the benchmark report: a pool of 1,000 users against a pool of
SCALE_USERS (1,000,000 by default), both seeded by cognate-seed-log --mode pool.

section(results_dir) reads scale.json, written by bench/parts/scale.sh, and returns Markdown;
target_rows(scale) gives the issue's large-pool targets as (target, figure, met) rows for the
report's target table (met is None when not measured).

    python3 bench/report/scale.py RESULTS_DIR     # prints the section
"""

import sys

from common import ok_rate, read_json

# What the seeding does that a server would do at more cost; said under the table.
CHEAPER = (
    "Cheaper than production in the seeding only, both pools alike: passwords are hashed with "
    "Argon2id m=8 KiB, t=1, p=1 (a server hashes with m=19 MiB, t=2; the hash records its "
    "parameters, so sign-in verifies these cheap ones: the sign-in figures here measure "
    "everything but the password hash's cost); SRP verifiers are computed with a fixed-base table "
    "instead of OpenSSL's constant-time exponentiation (the same values); appends are not synced; "
    "and all but the first 100 users are imported (RocksEventStore::Import, as `replay --into` "
    "does) with the two events SignUp and AdminConfirmSignUp append, built, sealed and projected "
    "by the engine's own functions, one write per 256 users, instead of through the operations "
    "(which check the first imported user against the first one they made).")


def _pools(scale):
    if not scale:
        return None, None
    pools = {p.get("name"): p for p in scale.get("pools", [])}
    return pools.get("small"), pools.get("large")


def _users(n):
    return f"{n:,}" if n is not None else "?"


def _worst_rss(pool):
    values = [v for v in (pool.get("peak_rss_mb"), pool.get("first_start_peak_rss_mb")) if v]
    return max(values) if values else None


def target_rows(scale):
    """(target, figure, met) for each large-pool target; met is None when not measured."""
    small, large = _pools(scale)
    label = f"{_users(large.get('users'))} users" if large else "1,000,000 users"
    rows = []

    small_run = small.get("sign_in") if small else None
    large_run = large.get("sign_in") if large else None
    if ok_rate(small_run) is not None and ok_rate(large_run) is not None:
        ratio = large_run["p99_ms"] / small_run["p99_ms"]
        rows.append((f"{label}: sign-in p99 within 20 % of a 1,000-user pool's (16 connections)",
                     f"{large_run['p99_ms']:.1f} ms vs {small_run['p99_ms']:.1f} ms ({ratio - 1:+.0%})",
                     ratio <= 1.2))
    else:
        rows.append((f"{label}: sign-in p99 within 20 % of a 1,000-user pool's", "", None))

    best = large.get("startup_ms") if large else None
    first = large.get("first_start_ms") if large else None
    rows.append((f"{label}: start-up under 1 s (best of 3 restarts)",
                 f"{best:,.0f} ms" if best is not None else "", best < 1000 if best is not None else None))
    rows.append((f"{label}: start-up under 1 s, first start after the seeding",
                 f"{first:,.0f} ms" if first is not None else "", first < 1000 if first is not None else None))

    rss = _worst_rss(large) if large else None
    rows.append((f"{label}: peak RSS under 1 GiB",
                 f"{rss:,.0f} MB" if rss is not None else "", rss < 1024 if rss is not None else None))
    return rows


def _cell(value, fmt):
    return "" if value is None else fmt.format(value)


def section(results_dir):
    scale = read_json(results_dir, "scale.json")
    small, large = _pools(scale)
    out = ["## A pool of 1,000,000 users", ""]
    if not small or not large:
        out.append("Not measured (bench/parts/scale.sh did not finish).")
        return "\n".join(out) + "\n"

    seconds = scale.get("seconds_per_run", "?")
    out += [
        "`bench/parts/scale.sh` seeds two pools with `cognate-seed-log --mode pool` (users "
        "`user-<i>`, confirmed, one password, an email attribute), each into its own data "
        "directory, and serves each with a fresh `cognate serve` on the server's core. Sign-in is "
        "`initiate-auth` (USER_PASSWORD_AUTH) at 16 connections over up to 10,000 users spread "
        "evenly over the pool; GetUser runs at 64 connections with the tokens of 1,000 users "
        f"spread over the pool; each run 1 s warm-up + {seconds} s. Start-up is from the exec of "
        "`cognate serve` to its first answered request (the pool's JWKS), for the first start "
        "after seeding and the best of 3 restarts after it. The seeding ends by compacting the "
        "whole store (RocksEventStore::CompactAll), as a bulk import should: otherwise the server "
        "measured next shares its core with the import's compactions for minutes (at 1,000,000 "
        "users they took 11 % of it and cut sign-in by a fifth). Peak RSS is VmHWM of the server that "
        "served the runs (of the first start, if higher); disk is `du -sb` of the data "
        "directory after the server stopped (at 1,000 users RocksDB's fixed files, its info logs "
        "above all, outweigh the users).",
        "",
        f"| | {_users(small['users'])} users | {_users(large['users'])} users |",
        "|---|---:|---:|",
    ]

    def row(name, fn):
        out.append(f"| {name} | {fn(small)} | {fn(large)} |")

    row("seeding, wall s (CPU s)",
        lambda p: f"{p['seed_time']['wall_s']:.1f} ({p['seed_time']['cpu_s']:.0f})")
    row("of which the final compaction, s",
        lambda p: _cell(p.get("seed", {}).get("compact_seconds"), "{:,.1f}"))
    row("first start after seeding, ms", lambda p: _cell(p.get("first_start_ms"), "{:,.0f}"))
    row("start-up, best of 3, ms", lambda p: _cell(p.get("startup_ms"), "{:,.0f}"))
    row("sign-in answered/s", lambda p: _cell(ok_rate(p.get("sign_in")), "{:,.1f}"))
    row("sign-in p50 ms", lambda p: _cell(p.get("sign_in", {}).get("p50_ms"), "{:.2f}"))
    row("sign-in p99 ms", lambda p: _cell(p.get("sign_in", {}).get("p99_ms"), "{:.2f}"))
    row("sign-in errors", lambda p: _cell(p.get("sign_in", {}).get("errors"), "{:,}"))
    row("GetUser answered/s at 64", lambda p: _cell(ok_rate(p.get("get_user")), "{:,.0f}"))
    row("GetUser p99 ms at 64", lambda p: _cell(p.get("get_user", {}).get("p99_ms"), "{:.2f}"))
    row("GetUser errors", lambda p: _cell(p.get("get_user", {}).get("errors"), "{:,}"))
    row("server CPU s, sign-in / GetUser run",
        lambda p: f"{p['sign_in'].get('server_cpu_s', 0):.1f} / {p['get_user'].get('server_cpu_s', 0):.1f}")
    row("peak RSS MB (first start)",
        lambda p: f"{_cell(p.get('peak_rss_mb'), '{:,.0f}')} ({_cell(p.get('first_start_peak_rss_mb'), '{:,.0f}')})")
    row("disk bytes per user (right after seeding)",
        lambda p: f"{p['disk_bytes_per_user']:,.0f} ({p['disk_bytes_after_seed'] / p['users']:,.0f})")

    out += ["", "| target | measured | |", "|---|---|---|"]
    for target, figure, met in target_rows(scale):
        verdict = "not measured" if met is None else ("met" if met else "**missed**")
        out.append(f"| {target} | {figure} | {verdict} |")
    out += ["", CHEAPER]
    if scale.get("part_s") is not None:
        out += ["", f"The part took {scale['part_s']:.0f} s."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(section(sys.argv[1]))
