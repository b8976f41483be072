"""The side-by-side section of the benchmark report: cognito-local against Cognate.

section(results_dir) reads two files of JSON lines in cognate-load's --json format (plus
server_cpu_s and server_peak_rss_mb): peer.jsonl, written by bench/parts/peer.sh against
cognito-local, and e2e.jsonl, written by bench/parts/e2e.sh against Cognate; returns Markdown.

    python3 bench/report/peer.py RESULTS_DIR     # prints the section
"""

import json
import os
import subprocess
import sys

from common import ok_rate, read_jsonl

OPS = ["signup", "initiate-auth", "srp-sign-in", "refresh", "get-user", "admin-get-user",
       "list-users", "jwks"]

LABELS = {
    "signup": "SignUp",
    "initiate-auth": "InitiateAuth USER_PASSWORD_AUTH",
    "srp-sign-in": "SRP sign-in (two requests)",
    "refresh": "REFRESH_TOKEN_AUTH",
    "get-user": "GetUser",
    "admin-get-user": "AdminGetUser",
    "list-users": "ListUsers",
    "jwks": "JWKS",
}

PEER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer")

# What cognito-local does less than Cognate for the same request, each checked in its source
# (the files named are in node_modules/cognito-local/lib unless said otherwise).
LESS_WORK = """\
Where cognito-local does less work than Cognate for the same request (read in its source, files \
of the npm package's `lib/` unless said otherwise):

- **Passwords in plain text.** `SignUp` and `AdminSetUserPassword` store `Password` as sent \
(`targets/signUp.js`, `targets/adminSetUserPassword.js`) and `USER_PASSWORD_AUTH` compares it \
with `!==` (`targets/initiateAuth.js`). Cognate hashes every password with Argon2id, which is \
what bounds its SignUp and InitiateAuth rates. Neither the pool's password policy nor the \
client's `ExplicitAuthFlows` is checked (`PasswordPolicy` appears only among the pool defaults in \
`services/cognitoService.js`; `ExplicitAuthFlows` is only stored and echoed).
- **No SRP.** `InitiateAuth` knows only `USER_PASSWORD_AUTH` and `REFRESH_TOKEN_AUTH`; \
`USER_SRP_AUTH` is answered HTTP 500 `CognitoLocal#Unsupported` (`targets/initiateAuth.js`).
- **Tokens are not verified.** `GetUser` reads the access token with `jwt.decode` — no \
signature, expiry or revocation check — and looks the user up by its `sub` \
(`targets/getUser.js`); Cognate verifies the RS256 signature and checks the token against the \
user's sign-outs. Every token is signed with one RSA key shipped inside the package \
(`keys/cognitoLocal.private.json`, used by `services/tokenGenerator.js`), the same for every \
pool and every installation, and the JWKS route returns that constant public key without \
looking at the pool (`server/server.js`); Cognate keeps per-pool keys sealed under its master key.
- **No request signatures.** Admin operations are routed on `X-Amz-Target` alone; the \
`Authorization` header is never read (`server/server.js`), so AdminGetUser and ListUsers skip \
the SigV4 check Cognate does.
- **Storage: one JSON file per pool, rewritten whole, never synced.** Each pool lives in memory \
as a StormDB document saved to `.cognito/db/<poolId>.json`; every write serialises the whole \
pool (`JSON.stringify(..., 2)`) and rewrites the file with `fs.writeFile` \
(`services/dataStore/stormDb.js`, and `stormdb/src/engine/local.js`): no fsync, no \
write-and-rename, and concurrent saves are not ordered, so an acknowledged write can be lost or \
the file torn by a crash. Cognate appends each operation's events to its RocksDB log in a \
synced (group-committed) write before answering. Reads (GetUser, AdminGetUser, ListUsers, \
refresh) touch only the in-memory document.
- **Work that grows as it runs.** Every password sign-in appends its refresh token to the \
user's record (tokens are never dropped) and saves the pool (`storeRefreshToken` in \
`services/userPoolService.js`), so the file each sign-in rewrites grows by about 0.6 KB per \
sign-in before it, and a long run's sign-ins get slower; `REFRESH_TOKEN_AUTH` finds the user by \
scanning every user's token list (`getUserByRefreshToken`), and `SignUp` and `GetUser` scan all \
users when the name is not a key (`getUserByUsername`).
- **ListUsers ignores `Limit` and paging**: it returns every user in one answer \
(`targets/listUsers.js`; the package README says so too). At 64 connections cognate-load \
creates 64 users, so cognito-local answers 64 where Cognate answers a page of 60.

Both servers get the same cores; cognito-local runs its JavaScript on one thread in any case.\
"""


def _by_run(runs):
    return {(run.get("op"), run.get("connections")): run for run in runs}


def _peer_version():
    """The installed cognito-local's version, else the one bench/peer/package.json pins."""
    try:
        with open(os.path.join(PEER_DIR, "node_modules", "cognito-local", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(PEER_DIR, "package.json")) as f:
            return json.load(f)["dependencies"]["cognito-local"]
    except (OSError, ValueError, KeyError):
        return "?"


def _node_version():
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _fmt(value, digits=1):
    return "" if value is None else f"{value:.{digits}f}"


def section(results_dir: str) -> str:
    peer = _by_run(read_jsonl(results_dir, "peer.jsonl"))
    cognate = _by_run(read_jsonl(results_dir, "e2e.jsonl"))
    out = ["## Side by side with cognito-local", ""]
    if not peer:
        return "\n".join(out + ["Not measured in this run."])

    seconds = sorted({r["duration_s"] for r in peer.values() if r.get("duration_s")})
    measured = "/".join(f"{s:g}" for s in seconds) or "?"
    out.append(
        f"cognito-local {_peer_version()} (npm, Node.js {_node_version()}), driven by the same "
        f"`cognate-load` runs as Cognate (`bench/parts/peer.sh`): a fresh server with an empty "
        f"data directory per run, the server and the generator on the same cores as Cognate's "
        f"runs, 1 s warm-up, {measured} s measured. One cognito-local setting differs from its "
        f"default: `UserPoolDefaults.UsernameAttributes` is `[]`, because by default it makes "
        f"every new pool take email addresses as usernames, while the bench pool is created "
        f"without `UsernameAttributes`, which in Cognito means plain usernames. "
        f"Rates count only answers with HTTP 200: "
        "(requests − errors) / seconds. The ratio is Cognate's rate over cognito-local's. Server "
        "CPU and peak RSS are the node process's whole life, set-up included.")
    out.append("")
    out.append("| operation | connections | cognito-local 200/s | cognito-local p99 ms | "
               "cognito-local errors | Cognate 200/s | Cognate p99 ms | Cognate errors | "
               "Cognate / cognito-local | "
               "cognito-local CPU s | cognito-local peak RSS MB | Cognate peak RSS MB |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    keys = set(peer) | set(cognate)
    ops = [op for op in OPS if any(k[0] == op for k in keys)]
    ops += sorted({k[0] for k in keys if k[0] not in OPS and k[0] is not None})
    for op in ops:
        conns = sorted({k[1] for k in keys if k[0] == op and isinstance(k[1], int)})
        for c in conns:
            p = peer.get((op, c))
            g = cognate.get((op, c))
            g_rate = ok_rate(g)
            if g_rate is not None:
                g_cells = [_fmt(g_rate), _fmt(g.get("p99_ms"), 2), str(g.get("errors", ""))]
            else:
                g_cells = ["failed" if g and g.get("failed") else "", "", ""]
            g_rss = _fmt(g.get("server_peak_rss_mb"), 0) if g else ""
            label = LABELS.get(op, op)
            if p is None:
                cells = ["not run", "", "", *g_cells, "", "", "", g_rss]
            elif p.get("unsupported"):
                cells = ["not supported", "", "", *g_cells, "", "", "", g_rss]
            elif p.get("failed"):
                cells = ["failed", "", "", *g_cells, "",
                         _fmt(p.get("server_cpu_s")), _fmt(p.get("server_peak_rss_mb"), 0), g_rss]
            else:
                p_rate = ok_rate(p)
                if g_rate is None:
                    ratio = ""
                elif p_rate:
                    ratio = f"{g_rate / p_rate:.2f}×"
                else:
                    ratio = "∞"
                cells = [_fmt(p_rate), _fmt(p.get("p99_ms"), 2), str(p.get("errors", "")),
                         *g_cells, ratio, _fmt(p.get("server_cpu_s")),
                         _fmt(p.get("server_peak_rss_mb"), 0), g_rss]
            out.append(f"| {label} | {c} | " + " | ".join(cells) + " |")
    out.append("")
    samples = []
    for (op, c), run in sorted(peer.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0)):
        if run.get("errors") and not run.get("unsupported"):
            first = (run.get("error_samples") or ["?"])[0]
            samples.append(f"- {op} at {c}: {run['errors']} errors, e.g. `{first[:160]}`")
    if samples:
        out += ["cognito-local's errors:", "", *samples, ""]
    out += [LESS_WORK, ""]
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: peer.py RESULTS_DIR")
    sys.stdout.write(section(sys.argv[1]))
