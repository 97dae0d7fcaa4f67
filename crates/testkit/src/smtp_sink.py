#!/usr/bin/env python3
"""SMTP sink for mamori's own tests.

Usage: smtp_sink.py PORT DIR

Listens on 127.0.0.1:PORT (plain SMTP, no TLS, no AUTH) and writes every
message it receives to DIR/<counter>.json (counter from 1, written
atomically: temporary file, then rename) with the keys

    to          list of envelope recipients (RCPT TO)
    from        the decoded From header (envelope sender if there is none)
    subject     the decoded Subject header
    message_id  the Message-ID header, as sent
    body        the decoded text/plain content

Prints "ready" on stdout once it accepts connections, then runs until it is
killed or its stdin is closed (so it never outlives the test process that
started it). Exits with status 3 when the aiosmtpd package is missing.
"""

import email
import email.policy
import json
import os
import sys
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.stderr.write(
        "smtp_sink.py: the aiosmtpd package is missing: pip install aiosmtpd\n"
    )
    sys.exit(3)


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = 0
        self.lock = threading.Lock()

    def write(self, record):
        with self.lock:
            self.counter += 1
            n = self.counter
        final = os.path.join(self.directory, f"{n}.json")
        temp = os.path.join(self.directory, f".{n}.json.tmp")
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, final)

    async def handle_DATA(self, server, session, envelope):
        try:
            raw = envelope.original_content or envelope.content
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            part = msg.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            record = {
                "to": list(envelope.rcpt_tos),
                "from": str(msg["from"]) if msg["from"] is not None else (envelope.mail_from or ""),
                "subject": str(msg["subject"]) if msg["subject"] is not None else "",
                "message_id": str(msg["message-id"]) if msg["message-id"] is not None else "",
                "body": body,
            }
            self.write(record)
        except Exception as e:  # report, and make the client see a failure
            sys.stderr.write(f"smtp_sink.py: cannot store a message: {e!r}\n")
            sys.stderr.flush()
            return "451 Requested action aborted: error in processing"
        return "250 Message accepted for delivery"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: smtp_sink.py PORT DIR\n")
        sys.exit(2)
    port = int(sys.argv[1])
    directory = sys.argv[2]
    os.makedirs(directory, exist_ok=True)

    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)

    # Run until killed, or until the parent closes our stdin (it died).
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    controller.stop()


if __name__ == "__main__":
    main()
