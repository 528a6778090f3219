#!/usr/bin/env python3
"""Schemathesis against the service's own /openapi.json, once per role.

Usage: tests/contract/run-schemathesis.py PATH/TO/helpdesk [--roles agent,admin]
           [--max-examples N] [--max-time SECONDS_PER_ROLE] [--seed N]
           [--postgres postgres://USER@HOST:PORT/DB]

Needs `python3 -m pip install -r tests/contract/requirements.txt`.

Builds nothing: it runs the given binary. For each role (agent, technician, hotline, manager,
admin) it starts the service on a fresh SQLite database in a temporary folder (or, with
`--postgres SERVER_URL`, a fresh PostgreSQL database on that server, made and dropped with
`psql`), with an admin
made by `create-admin` and a few records made through the API (two members, a user of each
role, a category, tickets, a comment, a work log), logs in as that role and runs
`schemathesis run` with every check, every operation and bounded examples and time. A fresh
database per role keeps what one role's run changes (a user disabled, a password changed) from
spoiling the next. Exits non-zero when any run finds a failure.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADMIN_EMAIL = "admin@contract.local"
ADMIN_PASSWORD = "admin-password-1"
PASSWORD = "a-good-password"
ROLES = ["agent", "technician", "hotline", "manager", "admin"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def expect(answer, status, what):
    if answer[0] != status:
        sys.exit(f"seeding: {what}: expected {status}, got {answer[0]}: {answer[1]}")
    return answer[1]


class Service:
    """`helpdesk serve` on a fresh SQLite database in a temporary folder."""

    def __init__(self, binary, role, postgres=None):
        self.dir = Path(tempfile.mkdtemp(prefix=f"helpdesk-contract-{role}-"))
        self.postgres = postgres
        self.database = None
        database_url = f"sqlite://{self.dir / 'helpdesk.db'}"
        if postgres:
            self.database = f"helpdesk_contract_{role}_{os.getpid()}"
            subprocess.run(["psql", postgres, "-qc", f"create database {self.database}"],
                           check=True)
            database_url = f"{postgres.rsplit('/', 1)[0]}/{self.database}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK")}
        self.env.update(
            {
                "HELPDESK__DATABASE__URL": database_url,
                "HELPDESK__DATABASE__DATA_DIR": str(self.dir),
                "HELPDESK__SERVER__HOST": "127.0.0.1",
                "HELPDESK__SERVER__PORT": str(self.port),
                "HELPDESK__SERVER__WORKERS": "2",
                "HELPDESK__AUTH__JWT_SECRET": "contract-secret-0123456789abcdef",
                "RUST_LOG": "warn",
            }
        )
        subprocess.run(
            [binary, "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
            cwd=self.dir, env=self.env, check=True, stdout=subprocess.DEVNULL,
        )
        self.log = open(self.dir / "service.log", "wb")
        self.process = subprocess.Popen(
            [binary, "serve"], cwd=self.dir, env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                sys.exit(f"the service exited at start:\n{self.log_text()}")
            try:
                if call(self.base, "GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit("the service did not answer /health within 30 s")

    def log_text(self):
        return (self.dir / "service.log").read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.database:
            subprocess.run(["psql", self.postgres, "-qc",
                            f"drop database if exists {self.database} with (force)"],
                           check=False)


def login(base, email, password):
    return expect(
        call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": password}),
        200, f"login {email}",
    )["access_token"]


def seed(base):
    """A few records of each kind, so that ids the run tries can name something."""
    admin = login(base, ADMIN_EMAIL, ADMIN_PASSWORD)
    members = [
        expect(call(base, "POST", "/api/v1/members", admin,
                    {"code": code, "name": f"Member {code}", "kind": "city"}),
               201, f"member {code}")["id"]
        for code in ("CONTRACT-A", "CONTRACT-B")
    ]
    tokens = {"admin": admin}
    users = {}
    for role in ROLES[:-1]:
        email = f"{role}@contract.local"
        member_id = members[0] if role == "agent" else None
        users[role] = expect(
            call(base, "POST", "/api/v1/users", admin,
                 {"email": email, "name": f"The {role}", "role": role,
                  "member_id": member_id, "password": PASSWORD}),
            201, f"user {role}",
        )["id"]
        tokens[role] = login(base, email, PASSWORD)
    category = expect(call(base, "POST", "/api/v1/categories", admin,
                           {"name": "Contract printers"}), 201, "category")["id"]
    for member in members:
        ticket = expect(
            call(base, "POST", "/api/v1/tickets", admin,
                 {"title": "Printer jammed", "description": "second floor", "member_id": member,
                  "category_id": category, "requester_name": "Mme Durand",
                  "requester_email": "durand@example.org", "requester_phone": "01 23 45 67 89"}),
            201, "ticket",
        )["id"]
        expect(call(base, "POST", f"/api/v1/tickets/{ticket}/comments", admin,
                    {"body": "On our way"}), 201, "comment")
    expect(call(base, "POST", "/api/v1/tickets", tokens["agent"],
                {"title": "Session locked", "description": "since this morning"}),
           201, "agent's ticket")
    expect(call(base, "POST", "/api/v1/work-logs", admin,
                {"technician_id": users["technician"], "member_id": members[0],
                 "date": time.strftime("%Y-%m-%d"), "kind": "on_site", "days": 0.5}),
           201, "work log")
    return tokens


def run_role(binary, role, args):
    service = Service(binary, role, args.postgres)
    try:
        token = seed(service.base)[role]
        report_dir = Path(args.report_dir) / role
        command = [
            sys.executable, "-m", "schemathesis.cli",
            "--config-file", str(HERE / "schemathesis.toml"),
            "run", f"{service.base}/openapi.json",
            "--checks", "all",
            "--header", f"Authorization: Bearer {token}",
            "--max-examples", str(args.max_examples),
            "--max-time", str(args.max_time),
            "--workers", str(args.workers),
            "--request-timeout", "20",
            "--seed", str(args.seed),
            "--generation-database", "none",
            "--report", "junit",
            "--report-dir", str(report_dir),
            "--no-color",
            # The tokens are those of a throwaway database: show requests as they were sent.
            "--output-sanitize", "false",
        ]
        print(f"\n=== schemathesis as {role}", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=service.dir, timeout=args.max_time + 120,
        )
        print(f"=== {role}: exit {result.returncode} in {time.monotonic() - started:.0f} s",
              flush=True)
        errors = [line for line in service.log_text().splitlines() if " ERROR " in line]
        if errors:
            print(f"--- service errors during the {role} run:")
            print("\n".join(errors[-20:]))
        return result.returncode
    finally:
        service.stop()
        service.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", help="path of the helpdesk binary")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--max-time", type=int, default=40, help="seconds per role")
    parser.add_argument("--workers", default="1")
    parser.add_argument("--seed", type=int, default=20180305)
    parser.add_argument("--postgres", default=None,
                        help="a PostgreSQL server URL where a database per role is made")
    parser.add_argument("--report-dir", default=tempfile.gettempdir() + "/helpdesk-schemathesis")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    if not os.access(binary, os.X_OK):
        sys.exit(f"not an executable: {binary}")
    failed = []
    for role in args.roles.split(","):
        if run_role(binary, role, args) != 0:
            failed.append(role)
    if failed:
        print(f"\nschemathesis found failures as: {', '.join(failed)}")
        print(f"JUnit reports in {args.report_dir}")
        return 1
    print("\nschemathesis: no failure for any role")
    return 0


if __name__ == "__main__":
    sys.exit(main())
