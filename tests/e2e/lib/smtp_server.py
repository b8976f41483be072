#!/usr/bin/python3
"""A real SMTP server for the end-to-end tests (Debian's python3-aiosmtpd).

    smtp_server.py [--port N] [--tls-cert FILE --tls-key FILE] [--auth USER:PASSWORD]
                   [--fail-first N]

--port          where to listen on 127.0.0.1; 0 (the default) picks a free port
--tls-cert/key  offer STARTTLS with this certificate, and require it before MAIL
--auth          require AUTH (PLAIN or LOGIN) with these credentials; over TLS when TLS is on
--fail-first N  answer the first N messages' DATA with 451 (to exercise the client's retries)

Stdout is JSON lines, each flushed at once: first {"ready": true, "port": N}, then one line per
accepted message: {"mail_from", "rcpt_tos", "data", "auth_user", "tls"}, `data` being the
message as received (dot-stuffing undone) decoded as UTF-8. Refusals are logged on stderr. Runs
until SIGTERM or SIGINT.
"""
import argparse
import json
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def log(text):
    sys.stderr.write(f"smtp_server: {text}\n")
    sys.stderr.flush()


class Handler:
    def __init__(self, fail_first):
        self.fail_first = fail_first
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            fail = self.fail_first > 0
            if fail:
                self.fail_first -= 1
        if fail:
            log(f"refused a message to {envelope.rcpt_tos} with 451, as told")
            return "451 4.3.0 Try again later (scripted failure)"
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        auth = getattr(session, "auth_data", None)
        emit({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": content.decode("utf-8", errors="replace"),
            "auth_user": auth.login.decode("utf-8") if isinstance(auth, LoginPassword) else None,
            "tls": session.ssl is not None,
        })
        return "250 2.0.0 OK: queued"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode("utf-8")
              and auth_data.password == password.encode("utf-8"))
        if not ok:
            log(f"refused AUTH {mechanism}")
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth", help="USER:PASSWORD")
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.auth is not None and ":" not in args.auth:
        parser.error("--auth is USER:PASSWORD")

    params = {}
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        params.update(tls_context=tls, require_starttls=True)
    if args.auth is not None:
        user, password = args.auth.split(":", 1)
        params.update(auth_required=True, auth_require_tls=tls is not None,
                      authenticator=authenticator_for(user, password))

    port = args.port or free_port()
    controller = Controller(Handler(args.fail_first), hostname="127.0.0.1", port=port, **params)
    controller.start()
    emit({"ready": True, "port": port})

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
