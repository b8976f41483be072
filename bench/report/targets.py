"""The headline: each of the issue's targets on the 2-core machine, the figure this run measured,
and whether it is met. Every figure comes from the other parts' results files."""
from common import find_run, ok_rate, read_json, read_jsonl

NON_HASHING_OPS = ["srp-sign-in", "refresh", "get-user", "admin-get-user", "list-users", "jwks"]
CRYPTO_BOUND_OPS = ["signup", "initiate-auth", "srp-sign-in", "refresh"]


def _row(target, figure, met):
    verdict = "not measured" if met is None else ("met" if met else "**missed**")
    return f"| {target} | {figure} | {verdict} |"


def _micro_rate(micro, prefix):
    """items_per_second of the first micro benchmark whose name starts with prefix."""
    if not micro:
        return None
    for bench in micro.get("benchmarks", []):
        if bench.get("name", "").startswith(prefix) and "items_per_second" in bench:
            return bench["items_per_second"]
    return None


def rows(results_dir):
    e2e = read_jsonl(results_dir, "e2e.jsonl")
    peer = read_jsonl(results_dir, "peer.jsonl")
    micro = read_json(results_dir, "micro.json")
    scale = read_json(results_dir, "scale.json")
    out = []

    try:
        from micro import crypto_limits
        limits = crypto_limits(results_dir)
    except ImportError:
        limits = {}
    for op in CRYPTO_BOUND_OPS:
        rate = ok_rate(find_run(e2e, op, 16))
        limit = limits.get(op)
        if rate is None or not limit:
            out.append(_row(f"{op} at 16 connections ≥ 90 % of its crypto limit", "", None))
            continue
        ratio = rate / limit
        out.append(_row(f"{op} at 16 connections ≥ 90 % of its crypto limit",
                        f"{rate:,.0f}/s of {limit:,.0f}/s = {ratio:.0%}", ratio >= 0.9))

    ours = ok_rate(find_run(e2e, "get-user", 64))
    theirs = ok_rate(find_run(peer, "get-user", 64))
    if ours is not None and theirs:
        out.append(_row("GetUser at 64 connections ≥ 10× cognito-local",
                        f"{ours:,.0f}/s vs {theirs:,.0f}/s = {ours / theirs:.1f}×", ours >= 10 * theirs))
    else:
        out.append(_row("GetUser at 64 connections ≥ 10× cognito-local",
                        "" if ours is None else f"{ours:,.0f}/s (cognito-local not measured)", None))
    if ours is not None:
        out.append(_row("GetUser at 64 connections ≥ 50,000/s", f"{ours:,.0f}/s", ours >= 50000))

    jwks = max((ok_rate(find_run(e2e, "jwks", c)) or 0 for c in (1, 16, 64)), default=0)
    out.append(_row("JWKS ≥ 50,000/s (best of 1/16/64 connections)", f"{jwks:,.0f}/s" if jwks else "",
                    jwks >= 50000 if jwks else None))

    for op in NON_HASHING_OPS:
        run = find_run(e2e, op, 16)
        if ok_rate(run) is None:
            out.append(_row(f"{op} p99 < 5 ms at 16 connections", "", None))
            continue
        out.append(_row(f"{op} p99 < 5 ms at 16 connections", f"{run['p99_ms']:.1f} ms", run["p99_ms"] < 5))

    appends = _micro_rate(micro, "BM_DurableAppend") if micro else None
    if micro:
        for bench in micro.get("benchmarks", []):
            name = bench.get("name", "")
            if "Append" in name and ("threads:64" in name or "/64" in name) and "items_per_second" in bench:
                appends = bench["items_per_second"]
    out.append(_row("durable appends ≥ 50,000 events/s at 64 writers",
                    f"{appends:,.0f} events/s" if appends else "", appends >= 50000 if appends else None))

    replay = None
    if micro:
        for bench in micro.get("benchmarks", []):
            if "Replay" in bench.get("name", "") and "items_per_second" in bench:
                replay = bench["items_per_second"]
                break
    out.append(_row("replay ≥ 500,000 events/s on one core",
                    f"{replay:,.0f} events/s" if replay else "", replay >= 500000 if replay else None))

    try:
        from scale import target_rows
        out += [_row(*row) for row in target_rows(scale)]
    except ImportError:
        out.append(_row("1,000,000 users: sign-in p99, start-up, RSS", "", None))

    hashing = find_run(e2e, "signup", 64)
    if ok_rate(hashing) is not None:
        refused = hashing["errors"]
        survived = hashing.get("transport_errors", 0) == 0
        out.append(_row("a flood of SignUp (64 connections: over twice what the hashing pool runs and "
                        "queues) keeps the server up and answers the excess TooManyRequestsException",
                        f"{ok_rate(hashing):,.1f}/s answered, {refused:,} refused, "
                        f"{hashing.get('transport_errors', 0)} transport errors, p99 {hashing['p99_ms']:.0f} ms",
                        survived and refused > 0))
    return out


def section(results_dir):
    out = ["## Targets", "",
           "The issue's targets for the 2-core machine against this run's figures (details in the "
           "sections below).", "",
           "| target | measured | |", "|---|---|---|"]
    return "\n".join(out + rows(results_dir))
