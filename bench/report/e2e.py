"""The end-to-end section: Cognate over HTTP keep-alive, every operation at 1, 16 and 64 connections."""
from common import ok_rate, read_jsonl


def section(results_dir):
    runs = read_jsonl(results_dir, "e2e.jsonl")
    out = ["## End to end over HTTP (keep-alive)", ""]
    if not runs:
        return "\n".join(out + ["Not measured in this run."])
    out += [
        "Each run: a fresh server and data directory, closed loop (each connection sends its next "
        "request when the answer arrives). `srp-sign-in` is a whole SRP sign-in (two requests and "
        "the client's SRP math). Server CPU and peak RSS cover the server's whole life, set-up "
        "included. Errors are TooManyRequestsException: password hashing runs on a bounded pool, "
        "and a caller that would wait too long is refused at once; latencies count refused "
        "requests too.",
        "",
        "| operation | connections | answered 200 per s | p50 ms | p99 ms | p99.9 ms | errors | server CPU s | server peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rate = ok_rate(r)
        if rate is None:
            out.append(f"| {r['op']} | {r['connections']} | failed | | | | | | |")
            continue
        out.append(f"| {r['op']} | {r['connections']} | {rate:,.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                   f"{r['p999_ms']:.2f} | {r['errors']} | {r['server_cpu_s']:.1f} | {r['server_peak_rss_mb']:.0f} |")
    return "\n".join(out)
