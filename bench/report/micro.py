"""The micro section: the Google Benchmark suite (micro.json, from bench/parts/micro.sh) and the
crypto limit of each crypto-bound operation, set against its end-to-end rate (e2e.jsonl).

    section(results_dir) -> str          Markdown
    crypto_limits(results_dir) -> dict   op -> its crypto limit per second (None: not measured)
    crypto_limit_details(results_dir)    op -> the limit with its composition and the end-to-end ratio
    figures(results_dir) -> dict         the headline micro figures (None when not measured)

    python3 micro.py RESULTS             the section
    python3 micro.py --limit-filter OP   the --benchmark_filter that runs OP's cryptography alone

The VM this runs on drifts by up to 20 % over minutes, so bench/parts/e2e.sh measures each
operation's cryptography again right before and right after its 16-connection run
(limit/OP.before.json and limit/OP.after.json); the limit is then the mean of those two, and the
suite's figure (measured minutes away) is used only where they are missing.
"""
import json
import os

# What each crypto-bound operation computes on the server, read off its code path:
#   signup         SignUp: PasswordFields (engine/service/tokens.cc) hashes the password once with
#                  Argon2id and computes the SRP verifier v = g^x mod N (3072 bits); the rest
#                  (AES-GCM seals of the verifier and the personal fields, HMAC of the code) is
#                  microseconds.
#   initiate-auth  USER_PASSWORD_AUTH: PasswordMatches verifies one Argon2id hash; IssueTokens ->
#                  SignTokens signs the access token and the ID token (RS256, 2048 bits). The
#                  refresh token is random bytes and a SHA-256; no session is sealed.
#   srp-sign-in    InitiateAuth USER_SRP_AUTH: SrpServerStart (b, B = k*v + g^b); then
#                  RespondToAuthChallenge PASSWORD_VERIFIER: VerifySrpPasswordClaim (b and B from
#                  the sealed block, S = (A*v^u)^b, K, the claim's HMAC), then the two RS256
#                  signatures.
#                  No Argon2id: the verifier stands in for the password.
#   refresh        REFRESH_TOKEN_AUTH: the two RS256 signatures only.
# Each entry: (benchmark name in micro.json, how many times per operation, what it is).
COMPOSITION = {
    "signup": [
        ("BM_Argon2idHash", 1, "Argon2id hash"),
        ("BM_SrpComputeVerifier", 1, "SRP verifier g^x"),
    ],
    "initiate-auth": [
        ("BM_Argon2idVerify", 1, "Argon2id verify"),
        ("BM_JwtSignRs256/access_token", 1, "RS256 sign (access token)"),
        ("BM_JwtSignRs256/id_token", 1, "RS256 sign (ID token)"),
    ],
    "srp-sign-in": [
        ("BM_SrpServerStart", 1, "SRP B = kv + g^b"),
        ("BM_SrpVerifyPasswordClaim", 1, "SRP S, K, claim check"),
        ("BM_JwtSignRs256/access_token", 1, "RS256 sign (access token)"),
        ("BM_JwtSignRs256/id_token", 1, "RS256 sign (ID token)"),
    ],
    "refresh": [
        ("BM_JwtSignRs256/access_token", 1, "RS256 sign (access token)"),
        ("BM_JwtSignRs256/id_token", 1, "RS256 sign (ID token)"),
    ],
}

APPEND = "BM_DurableAppend"  # the family; the 64-writer run is the headline
REPLAY = "BM_Replay"
APPEND_TARGET = 50000
REPLAY_TARGET = 500000

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _read_jsonl(path):
    runs = []
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    try:
                        runs.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return runs


def _benchmarks(results_dir, file_name="micro.json"):
    """name -> the benchmark's JSON object, for the runs that did not fail."""
    data = _read_json(os.path.join(results_dir, file_name))
    if not data:
        return {}
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        out[b["name"]] = b
    return out


def _seconds(b, key):
    return b[key] * UNIT_SECONDS.get(b.get("time_unit", "ns"), 1e-9)


def _cpu_count(cpus):
    """Cores in a taskset list such as "0", "0-1" or "0,2-3"."""
    count = 0
    for part in cpus.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            count += int(hi) - int(lo) + 1
        else:
            count += 1
    return count


def server_cores(results_dir):
    """(cores, description): the cores the server ran on, from placement.json."""
    placement = _read_json(os.path.join(results_dir, "placement.json")) or {}
    cpus = str(placement.get("server_cpus") or "")
    if cpus:
        try:
            n = _cpu_count(cpus)
            if n > 0:
                return n, f"{n} core{'s' if n != 1 else ''} (server pinned to {cpus})"
        except ValueError:
            pass
    n = placement.get("cores") or os.cpu_count() or 1
    shared = "shared with the load generator" if placement else "no placement.json: taken as all of this machine's"
    return n, f"{n} core{'s' if n != 1 else ''} ({shared})"


def _fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e9:.0f} ns"


def _fmt_rate(rate):
    if rate is None:
        return ""
    if rate >= 100:
        return f"{rate:,.0f}"
    return f"{rate:,.1f}"


def _e2e_rate(runs, op, connections=16):
    for r in runs:
        if r.get("op") == op and r.get("connections") == connections:
            if r.get("failed") or not r.get("duration_s"):
                return None
            return (r.get("requests", 0) - r.get("errors", 0)) / r["duration_s"]
    return None


def limit_filter(op):
    """The --benchmark_filter that runs exactly the benchmarks of `op`'s cryptography."""
    names = sorted({name for name, _, _ in COMPOSITION[op]})
    return "^(" + "|".join(names) + ")$"


def _composition_cost(benches, parts):
    """([(label, times, seconds)], CPU seconds per operation or None if a part is missing)."""
    rows, cost = [], 0.0
    for name, times, label in parts:
        b = benches.get(name)
        seconds = _seconds(b, "cpu_time") if b else None
        rows.append((label, times, seconds))
        cost = None if cost is None or seconds is None else cost + times * seconds
    return rows, cost


def _adjacent(results_dir, op):
    """(before, after): ([(label, times, seconds)], cost) of `op`'s cryptography measured right before
    and right after its 16-connection run; None where not measured."""
    measured = []
    for when in ("before", "after"):
        benches = _benchmarks(results_dir, os.path.join("limit", f"{op}.{when}.json"))
        rows, cost = _composition_cost(benches, COMPOSITION[op]) if benches else (None, None)
        measured.append((rows, cost) if cost else None)
    return tuple(measured)


def crypto_limit_details(results_dir):
    """op -> {"cost_s", "parts": [(label, times, seconds)], "adjacent": (before, after) costs or None,
    "limit", "e2e", "ratio"}; cost_s None if a part was not measured. With both adjacent
    measurements, each part and cost_s are the mean of the two."""
    benches = _benchmarks(results_dir)
    cores, _ = server_cores(results_dir)
    runs = _read_jsonl(os.path.join(results_dir, "e2e.jsonl"))
    out = {}
    for op, parts in COMPOSITION.items():
        rows, cost = _composition_cost(benches, parts)
        before, after = _adjacent(results_dir, op)
        adjacent = None
        if before and after:
            adjacent = (before[1], after[1])
            rows = [(label, times, (b + a) / 2)
                    for (label, times, b), (_, _, a) in zip(before[0], after[0])]
            cost = (before[1] + after[1]) / 2
        limit = cores / cost if cost else None
        e2e = _e2e_rate(runs, op)
        ratio = e2e / limit if e2e is not None and limit else None
        out[op] = {"cost_s": cost, "parts": rows, "adjacent": adjacent, "limit": limit, "e2e": e2e,
                   "ratio": ratio}
    return out


def crypto_limits(results_dir):
    """op -> operations per second its cryptography allows on the server's cores, or None."""
    return {op: r["limit"] for op, r in crypto_limit_details(results_dir).items()}


def figures(results_dir):
    benches = _benchmarks(results_dir)

    def rate(family, threads=1):
        for name, b in benches.items():
            if name.split("/")[0] == family and b.get("threads", 1) == threads:
                return b.get("items_per_second")
        return None

    def time(name, key="cpu_time"):
        b = benches.get(name)
        return _seconds(b, key) if b else None

    return {
        "append_events_per_s_1": rate(APPEND, 1),
        "append_events_per_s_16": rate(APPEND, 16),
        "append_events_per_s_64": rate(APPEND, 64),
        "append_target": APPEND_TARGET,
        "replay_events_per_s": rate(REPLAY),
        "replay_target": REPLAY_TARGET,
        "jwt_sign_s": time("BM_JwtSignRs256/access_token"),
        "jwt_verify_s": time("BM_JwtVerifyRs256"),
        "argon2id_hash_s": time("BM_Argon2idHash"),
        "argon2id_verify_s": time("BM_Argon2idVerify"),
        "srp_server_start_s": time("BM_SrpServerStart"),
        "srp_verify_claim_s": time("BM_SrpVerifyPasswordClaim"),
    }


NOTES = {
    "BM_DurableAppend": "sync on, {threads} writer(s) on streams of their own, an append = a sign-in's 1 event "
                        "+ 3 rows; each append waits about {latency}; CPU: the writers' own, not the store's threads",
    "BM_ProjectUserEvent": "EvolveUser + ProjectUserEvent (the user row serialised)",
    "BM_CommitEvent": "all of Commit's per-event work before Append (+ context, seal, payload JSON)",
    "BM_LoadUserRow": "user row parsed into a UserState",
    "BM_Replay": "`cognate replay`'s loop over {events} engine-written events, one thread",
    "BM_JwtSignRs256": "RS256, 2048-bit key",
    "BM_JwtVerifyRs256": "RS256, 2048-bit key",
    "BM_ParseRequestBody": "nlohmann::json::parse against the fast path (engine/json/fast_parse), which "
                           "falls back to nlohmann for what it declines",
    "BM_Argon2idHash": "",
    "BM_Argon2idVerify": "",
    "BM_SrpComputeVerifier": "3072-bit group",
    "BM_SrpServerStart": "3072-bit group",
    "BM_SrpVerifyPasswordClaim": "3072-bit group",
    "BM_TrivialTrigger": "Lua, one response field",
    "BM_DomainAllowList": "Lua, pattern match + table lookup + log line",
    "BM_RaisingTrigger": "Lua, raises: state discarded",
    "BM_PrepareState": "a fresh sandboxed Lua state",
}


def _note(b):
    family = b["name"].split("/")[0]
    note = NOTES.get(family, "")
    threads = b.get("threads", 1)
    latency = _fmt_time(_seconds(b, "real_time") * threads)
    note = note.format(threads=threads, latency=latency, events=f"{int(b.get('events', 0)):,}")
    label = b.get("label")
    return "; ".join(x for x in (note, label) if x)


def section(results_dir):
    out = ["## Micro benchmarks", ""]
    data = _read_json(os.path.join(results_dir, "micro.json"))
    if not data or not data.get("benchmarks"):
        out += ["Not measured in this run (no micro.json)."]
        return "\n".join(out + [""] + _crypto_section(results_dir, measured=False))
    context = data.get("context", {})
    _, core_text = server_cores(results_dir)
    out += [
        "`cognate-micro` (bench/micro/, Google Benchmark "
        f"{'built as debug by the distribution' if context.get('library_build_type') == 'debug' else 'release'}; "
        "the code measured is Release), run on the server's core(s) "
        f"[{core_text}]. Time per op is wall time divided by operations; for the multi-threaded rows "
        "that is the inverse of the combined rate, not one operation's latency. items/s counts "
        "events for appends, projection and replay, operations otherwise.",
        "",
        "| benchmark | time per op | CPU per op | items/s | what |",
        "|---|---:|---:|---:|---|",
    ]
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            out.append(f"| {b['name']} | failed | | | {b.get('error_message', '')} |")
            continue
        out.append(f"| {b['name']} | {_fmt_time(_seconds(b, 'real_time'))} | {_fmt_time(_seconds(b, 'cpu_time'))} | "
                   f"{_fmt_rate(b.get('items_per_second'))} | {_note(b)} |")
    f = figures(results_dir)
    out.append("")
    for label, value, target in (("Durable appends at 64 writers", f["append_events_per_s_64"], APPEND_TARGET),
                                 ("Replay", f["replay_events_per_s"], REPLAY_TARGET)):
        if value is None:
            out.append(f"- {label}: not measured (target {target:,} events/s).")
        else:
            verdict = "meets" if value >= target else "misses"
            out.append(f"- {label}: {value:,.0f} events/s, {verdict} the target of {target:,} events/s.")
    return "\n".join(out + [""] + _crypto_section(results_dir, measured=True))


def _crypto_section(results_dir, measured):
    cores, core_text = server_cores(results_dir)
    out = ["### Crypto limit", ""]
    if not measured:
        return out + ["Not measured in this run (needs micro.json)."]
    limits = crypto_limit_details(results_dir)
    out += [
        "The rate each crypto-bound operation's cryptography alone allows on the server's "
        f"{core_text}: cores / (CPU seconds of its cryptography per operation). The cost is the mean "
        "of two measurements of exactly those benchmarks on the same core(s), one right before and "
        "one right after the operation's 16-connection run (the machine's speed drifts over "
        "minutes), part by part; where they are missing, the suite's single-thread CPU times "
        "above. Password hashing runs in a pool with a slot per core, and "
        "the rest on the request threads, so all of it runs in parallel on every core. What each "
        "operation computes was read off its code path (engine/service/: signup_ops.cc and "
        "PasswordFields, auth_ops.cc, srp_auth.cc, tokens.cc IssueTokens/SignTokens/RefreshTokens); "
        "everything else it does (AES-GCM seals, HMACs, SHA-256, JSON, the append) is left out. "
        "End to end is the answered-200 rate at 16 connections; the ratio is how close the whole "
        "server comes to its cryptography's ceiling.",
        "",
        "| operation | cryptography per operation | CPU per op | crypto limit /s | end to end /s (16 conn.) | end to end / limit |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for op, r in limits.items():
        parts = " + ".join(
            (f"{times}× " if times != 1 else "") + label + (f" {_fmt_time(seconds)}" if seconds is not None else " (not measured)")
            for label, times, seconds in r["parts"])
        cost = _fmt_time(r["cost_s"]) if r["cost_s"] else "not measured"
        if r["adjacent"]:
            before, after = r["adjacent"]
            cost += f" (before {_fmt_time(before)}, after {_fmt_time(after)})"
        elif r["cost_s"]:
            cost += " (suite)"
        limit = _fmt_rate(r["limit"]) if r["limit"] else "not measured"
        e2e = _fmt_rate(r["e2e"]) if r["e2e"] is not None else "not measured"
        ratio = f"{r['ratio'] * 100:.0f} %" if r["ratio"] is not None else "—"
        out.append(f"| {op} | {parts} | {cost} | {limit} | {e2e} | {ratio} |")
    return out


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--limit-filter":
        print(limit_filter(sys.argv[2]))
    else:
        print(section(sys.argv[1] if len(sys.argv) > 1 else "."))
