"""A real SMTP server for the tests (aiosmtpd): it accepts every message on 127.0.0.1 and
writes each one to a folder as <n>.json with its envelope, subject and decoded text parts.

With --delay SECONDS it holds each message that long before answering its DATA (a slow server;
a long delay is one that never answers); while it holds one, a file hanging-<id> is in the
folder."""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import threading
import uuid

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.lock = threading.Lock()
        self.count = len([n for n in os.listdir(folder) if n.endswith(".json")])

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            marker = os.path.join(self.folder, "hanging-" + uuid.uuid4().hex)
            open(marker, "w").close()
            try:
                await asyncio.sleep(self.delay)
            finally:
                os.remove(marker)
        with self.lock:
            self.count += 1
            number = self.count
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "message_id": str(message["message-id"] or ""),
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
        }
        path = os.path.join(self.folder, "%06d.json" % number)
        with open(path + ".tmp", "w") as out:
            json.dump(record, out)
        os.replace(path + ".tmp", path)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Store(args.dir, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
