#!/usr/bin/env python3
"""The benchmark: for SQLite and PostgreSQL, start a fresh service, load a million tickets over
ten years for twenty members and 100,000 work logs through the import endpoints, then measure
with wrk: filing, reading, listing, searching, every statistics endpoint at 100,000 and at
1,000,000 tickets, the import rate, resident memory and the time to /ready. In the same run,
the machine's limits for the same work: GET /health of the same server, and the database's own
rate of one-row insert transactions (pgbench; for SQLite the bundled library in WAL mode).
Prints one table and writes it as JSON and Markdown under bench/results/."""
import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BINARY = os.path.join(TARGET, "release", "helpdesk")
INSERT_RATE = os.path.join(TARGET, "release", "examples", "sqlite_insert_rate")
READ_RATE = os.path.join(TARGET, "release", "examples", "sqlite_read_rate")
BULK_RATE = os.path.join(TARGET, "release", "examples", "sqlite_bulk_rate")
PG_SERVER = os.environ.get("PG_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-0123456789abcdefghij"
ADMIN = ("admin@bench.local", "bench-admin-password")
WORDS = ["imprimante", "écran", "session", "messagerie", "réseau", "wifi", "mot de passe",
         "scanner", "téléphone", "Polyfac", "Sedit", "Coriolis", "clavier", "VPN", "copieur"]
STATS = ["tickets-by-member", "seasonality", "work-days", "hotline-allocation", "service-levels",
         "by-category", "by-technician"]
STATS_RUNS = 3


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None, token=None, timeout=600):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def pool_size(backend):
    """Connections of the service's pool. PostgreSQL runs here on the same two cores as the
    service and wrk: with more of its backends at work than cores, searches at concurrency 8
    waited 25 to 105 ms at p99 with 8 connections and 26 to 36 ms with 16, against 9 to 16 ms
    with 3 (p50 6 ms in each case). So PostgreSQL gets one connection more than the machine has
    cores. SQLite's readers run in the service's own threads and wait for no other process."""
    if backend == "postgres":
        return (os.cpu_count() or 1) + 1
    return 16


class Service:
    """The release binary on a fresh database."""

    def __init__(self, backend, workdir):
        self.backend = backend
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.dbname = None
        self.path = None
        if backend == "sqlite":
            self.path = os.path.join(workdir, "bench-%d.db" % self.port)
            url = "sqlite://" + self.path
        else:
            self.dbname = "helpdesk_bench_%d_%d" % (os.getpid(), self.port)
            subprocess.run(["psql", PG_SERVER, "-qc", "create database " + self.dbname], check=True)
            url = PG_SERVER.rsplit("/", 1)[0] + "/" + self.dbname
        self.env = dict(os.environ, HELPDESK__DATABASE__URL=url, HELPDESK__SERVER__PORT=str(self.port),
                        HELPDESK__AUTH__JWT_SECRET=SECRET, HELPDESK__DATABASE__DATA_DIR=workdir,
                        HELPDESK__DATABASE__POOL_SIZE=str(pool_size(backend)), RUST_LOG="warn",
                        # One token stands for the whole hotline and the members' programs
                        # together: the limit that holds one user to a few requests at once is
                        # lifted, so that the figures are the service's, not one user's share.
                        HELPDESK__SERVER__MAX_CONCURRENT_REQUESTS_PER_USER="0")
        self.process = None

    def create_admin(self):
        subprocess.run([BINARY, "create-admin", "--email", ADMIN[0], "--password", ADMIN[1]],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start(self):
        started = time.monotonic()
        self.process = subprocess.Popen([BINARY, "serve"], env=self.env, stdout=subprocess.DEVNULL)
        while True:
            try:
                if call(self.base, "GET", "/ready", timeout=2)[0] == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > 60:
                raise RuntimeError("the service did not become ready")
            time.sleep(0.005)

    def rss_mb(self, peak=False):
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("VmHWM:" if peak else "VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return None

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait()
        if self.dbname:
            subprocess.run(["psql", PG_SERVER, "-qc", "drop database if exists %s with (force)" % self.dbname])


def wrk(url, seconds, connections, script=None, env=None):
    """Runs wrk; returns requests/s, p50 and p99 in ms, and the count of non-2xx answers."""
    threads = max(1, min(connections, 2))
    cmd = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env=dict(os.environ, **(env or {}))).stdout

    def latency(label):
        m = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000.0 if unit == "us" else value * 1000.0 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": latency("50%"),
            "p99_ms": latency("99%"), "errors": int(errors.group(1)) if errors else 0}


def lua(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def make_categories(base, token):
    """Thirty categories on two levels, as the cooperative's domains and their kinds of fault."""
    categories = []
    for n in range(6):
        status, parent = call(base, "POST", "/api/v1/categories", {"name": "Domaine %d" % n}, token)
        categories.append(parent["id"])
        for k in range(4):
            status, child = call(base, "POST", "/api/v1/categories",
                                 {"name": "Panne %d.%d" % (n, k), "parent_id": parent["id"]}, token)
            categories.append(child["id"])
    return categories


def ticket_batch(rng, members, technicians, categories, count, years):
    rows = []
    for _ in range(count):
        year = rng.choice(years)
        created = datetime.datetime(year, 1, 1) + datetime.timedelta(seconds=rng.randrange(365 * 86400))
        title = "%s %s %d" % (rng.choice(WORDS), rng.choice(WORDS), rng.randrange(10000))
        roll = rng.random()
        row = {"title": title, "description": "Bench: " + " ".join(rng.sample(WORDS, 4)),
               "member_id": rng.choice(members), "priority": rng.choice([1, 2, 3, 3, 3, 4]),
               "origin": "posted" if roll < 0.1 else "hotline", "channel": "phone",
               "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if rng.random() < 0.9:
            row["category_id"] = rng.choice(categories)
        if roll < 0.98:
            ack = created + datetime.timedelta(minutes=rng.randrange(5, 300))
            resolved = ack + datetime.timedelta(minutes=rng.randrange(10, 3000))
            row.update(status="closed", assignee_id=rng.choice(technicians),
                       acknowledged_at=ack.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       resolved_at=resolved.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       closed_at=resolved.strftime("%Y-%m-%dT%H:%M:%SZ"))
        else:
            row.update(status=rng.choice(["assigned", "in_progress", "waiting"]), assignee_id=rng.choice(technicians))
        rows.append(row)
    return rows


def work_log_batch(rng, members, technicians, categories, count, years):
    kinds = ["posted"] * 7 + ["on_site", "project", "hotline_duty"]
    rows = []
    for _ in range(count):
        day = datetime.date(rng.choice(years), 1, 1) + datetime.timedelta(days=rng.randrange(365))
        kind = rng.choice(kinds)
        row = {"technician_id": rng.choice(technicians), "date": day.isoformat(), "kind": kind,
               "days": rng.choice([0.5, 1.0])}
        if kind != "hotline_duty":
            row["member_id"] = rng.choice(members)
            if rng.random() < 0.7:
                row["category_id"] = rng.choice(categories)
        rows.append(row)
    return rows


def settle(svc):
    """Waits for the maintenance that follows an import (on PostgreSQL, the service's VACUUM
    (ANALYZE) of the tickets once imports pause, autovacuum's of the other tables, and a
    checkpoint of what the import wrote; on SQLite, the copy of the log back into the file and
    its writing to disk) and returns how long it took, so that the measures
    that follow read the loaded database as it then stays, not while it is being written back."""
    started = time.monotonic()
    if svc.backend != "postgres":
        # The service copies its write-ahead log back into the file four times a second, and the
        # machine writes the file's pages to disk in the background: both follow an import, and
        # fell on the measures after it. Wait for the copy, then have the machine write back.
        time.sleep(1.0)
        os.sync()
        return time.monotonic() - started
    time.sleep(1.5)  # the service starts it once no import has come for a second
    # The service's VACUUM, and PostgreSQL's own autovacuum of the freshly loaded tables.
    query = ("select count(*) from pg_stat_activity where datname = '%s' and state = 'active' "
             "and (query ilike 'vacuum%%' or backend_type = 'autovacuum worker')" % svc.dbname)
    while time.monotonic() - started < 600:
        out = subprocess.run(["psql", PG_SERVER, "-tAc", query], capture_output=True, text=True).stdout.strip()
        if out == "0":
            break
        time.sleep(0.5)
    # The import wrote a gigabyte of WAL: PostgreSQL writes it back in a checkpoint of its own,
    # whose writes would otherwise fall on the measures that follow.
    subprocess.run(["psql", PG_SERVER.rsplit("/", 1)[0] + "/" + svc.dbname, "-qc", "CHECKPOINT"], check=True)
    return time.monotonic() - started


def import_rows(base, token, path, rows, batch=10000):
    started = time.monotonic()
    for i in range(0, len(rows), batch):
        status, body = call(base, "POST", path, rows[i:i + batch], token)
        if status != 201:
            raise RuntimeError("import failed: %s %s" % (status, str(body)[:300]))
    return len(rows) / (time.monotonic() - started)


def measure_backend(backend, args, workdir, scripts):
    result = {"backend": backend}
    rng = random.Random(2018)
    years = list(range(args.first_year, args.first_year + 10))
    stats_year = years[-2]

    empty = Service(backend, workdir)
    try:
        result["start_to_ready_s"] = empty.start()
    finally:
        empty.stop()

    svc = Service(backend, workdir)
    svc.create_admin()
    svc.start()
    try:
        base = svc.base
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN[0], "password": ADMIN[1]})[1]["access_token"]
        members = []
        for n in range(20):
            status, m = call(base, "POST", "/api/v1/members",
                             {"code": "M%02d" % n, "name": "Membre %d" % n, "kind": "city", "joined_on": "2000-01-01"}, token)
            members.append(m["id"])
        categories = make_categories(base, token)
        technicians = []
        for n in range(8):
            status, u = call(base, "POST", "/api/v1/users",
                             {"email": "tech%d@bench.local" % n, "name": "Tech %d" % n, "role": "technician",
                              "password": "bench-password"}, token)
            technicians.append(u["id"])
        hotline = call(base, "POST", "/api/v1/users", {"email": "hotline@bench.local", "name": "Hotline",
                                                        "role": "hotline", "password": "bench-password"}, token)[1]
        staff_token = call(base, "POST", "/api/v1/auth/login",
                           {"email": "hotline@bench.local", "password": "bench-password"})[1]["access_token"]
        auth = {"TOKEN": staff_token}
        hdr = os.path.join(scripts, "auth.lua")

        def stats_round(label):
            """Each endpoint three times, the endpoints in turn, and the median of each figure:
            one p99 of a few milliseconds moves by half with a pause of the machine, and the
            target compares two of them."""
            runs = {name: [] for name in STATS}
            for _ in range(STATS_RUNS):
                for name in STATS:
                    url = "%s/api/v1/stats/%s?year=%d" % (base, name, stats_year)
                    runs[name].append(wrk(url, args.seconds, 4, hdr, auth))
            out = {}
            for name in STATS:
                median = lambda key: sorted(r[key] for r in runs[name])[len(runs[name]) // 2]
                out[name] = {"rps": median("rps"), "p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"),
                             "errors": sum(r["errors"] for r in runs[name]), "runs": runs[name]}
            result["stats_" + label] = out

        first = args.tickets // 10
        rows = ticket_batch(rng, members, technicians, categories, first, years)
        rate_first = import_rows(base, token, "/api/v1/tickets/import", rows)
        del rows
        result["settle_first_s"] = settle(svc)
        # The work logs go in before the first round, so that both rounds read the same work
        # and only the number of tickets differs.
        logs = work_log_batch(rng, members, technicians, categories, args.work_logs, years)
        result["import_work_logs_per_s"] = import_rows(base, token, "/api/v1/work-logs/import", logs)
        del logs
        stats_round("100k" if args.tickets == 1000000 else "tenth")
        rows = ticket_batch(rng, members, technicians, categories, args.tickets - first, years)
        rate_rest = import_rows(base, token, "/api/v1/tickets/import", rows)
        del rows
        result["settle_rest_s"] = settle(svc)
        result["import_tickets_per_s"] = min(rate_first, rate_rest)
        stats_round("1m" if args.tickets == 1000000 else "full")

        ticket_id = call(base, "GET", "/api/v1/tickets?limit=1&member_id=%d" % members[3], token=staff_token)[1]["items"][0]["id"]
        result["health"] = wrk(base + "/health", args.seconds, 32)
        result["read_ticket"] = wrk("%s/api/v1/tickets/%d" % (base, ticket_id), args.seconds, 32, hdr, auth)
        result["db_read_per_s"] = db_read_rate(svc, args)
        result["open_tickets_page"] = wrk("%s/api/v1/tickets?member_id=%d&status=assigned,in_progress,waiting"
                                          % (base, members[5]), args.seconds, 8, hdr, auth)
        result["search_q"] = wrk("%s/api/v1/tickets?q=imprimante%%20wifi" % base, args.seconds, 8, hdr, auth)
        file_env = dict(auth, MEMBER=str(members[0]))
        for c in (1, 8, 32):
            result["file_c%d" % c] = wrk(base + "/api/v1/tickets", args.seconds, c,
                                         os.path.join(scripts, "file.lua"), file_env)
        result["rss_mb"] = svc.rss_mb()
        result["peak_rss_mb"] = svc.rss_mb(peak=True)
        # Last: on PostgreSQL the rolled-back rows stay as dead entries until a vacuum.
        result["db_bulk_per_s"] = db_bulk_rate(svc)
    finally:
        svc.stop()
    result["db_insert"] = db_insert_rate(backend, args, workdir, scripts)
    result["db_insert_per_s"] = result["db_insert"]["rps"]
    return result


def db_insert_rate(backend, args, workdir, scripts):
    """The database's own one-row insert transactions: their rate, and the median and 99th
    percentile of their times (for PostgreSQL from pgbench's log of every transaction)."""
    if backend == "sqlite":
        out = subprocess.run([INSERT_RATE, workdir, str(args.seconds)], capture_output=True, text=True, check=True).stdout
        got = json.loads(out)
        return {"rps": got["per_second"], "p50_ms": got["p50_ms"], "p99_ms": got["p99_ms"]}
    db = "helpdesk_pgbench_%d" % os.getpid()
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + db
    subprocess.run(["psql", PG_SERVER, "-qc", "create database " + db], check=True)
    logs = tempfile.mkdtemp(prefix="pgbench-log-", dir=workdir)
    try:
        subprocess.run(["psql", url, "-qc", "create table rows (id bigserial primary key, title text not null, created_at timestamp not null)"], check=True)
        script = lua(os.path.join(scripts, "insert.sql"),
                     "INSERT INTO rows (title, created_at) VALUES ('one row', '2018-03-05 09:12:00');\n")
        out = subprocess.run(["pgbench", "-n", "-c", "32", "-j", "2", "-T", str(args.seconds), "-f", script,
                              "-l", "--log-prefix", os.path.join(logs, "tx"), url],
                             capture_output=True, text=True, check=True).stdout
        # Each line of the log: client, transaction, time in microseconds, ...
        times = sorted(int(line.split()[2]) for name in os.listdir(logs)
                       for line in open(os.path.join(logs, name)) if line.strip())
        at = lambda q: times[min(int(len(times) * q), len(times) - 1)] / 1000.0 if times else None
        return {"rps": float(re.search(r"tps = ([\d.]+)", out).group(1)), "p50_ms": at(0.50), "p99_ms": at(0.99)}
    finally:
        shutil.rmtree(logs, ignore_errors=True)
        subprocess.run(["psql", PG_SERVER, "-qc", "drop database if exists %s with (force)" % db])


def db_read_rate(svc, args):
    """The database's own rate of reading one ticket by id, on the service's loaded tickets."""
    largest = args.tickets + 1
    if svc.backend == "sqlite":
        out = subprocess.run([READ_RATE, svc.path, str(args.seconds), str(largest)],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)["per_second"]
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + svc.dbname
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("\\set id random(1, %d)\nSELECT * FROM tickets WHERE id = :id;\n" % largest)
    try:
        out = subprocess.run(["pgbench", "-n", "-c", "32", "-j", "2", "-M", "prepared", "-T", str(args.seconds),
                              "-f", script.name, url], capture_output=True, text=True, check=True).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        os.unlink(script.name)


BULK_ROWS = 100000
TICKET_COLUMNS = ("member_id, requester_id, requester_name, requester_email, requester_phone, title, "
                  "description, search_text, ticket_type, category_id, priority, status, origin, channel, "
                  "assignee_id, created_at, created_on, acknowledged_at, resolved_at, closed_at, updated_at, "
                  "version, paused_minutes, waiting_since, acknowledge_minutes, resolve_minutes, "
                  "overdue_notified_at")


def db_bulk_rate(svc):
    """An upper bound of the import rate: tickets a second the database itself inserts into the
    loaded table with all its indexes, copied by INSERT ... SELECT in one transaction that is
    rolled back (no request, no parsing, no history nor counts, no commit)."""
    if svc.backend == "sqlite":
        out = subprocess.run([BULK_RATE, svc.path, str(BULK_ROWS)], capture_output=True, text=True,
                             check=True).stdout
        return json.loads(out)["per_second"]
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + svc.dbname
    sql = ("\\timing on\nBEGIN;\nINSERT INTO tickets (%s) SELECT %s FROM tickets WHERE id <= %d;\nROLLBACK;\n"
           % (TICKET_COLUMNS, TICKET_COLUMNS, BULK_ROWS))
    out = subprocess.run(["psql", url, "-q"], input=sql, capture_output=True, text=True, check=True).stdout
    times = [float(t) for t in re.findall(r"Time: ([\d.]+) ms", out)]
    return BULK_ROWS / (times[1] / 1000.0)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def table(results, machine):
    lines = ["| measure | " + " | ".join(r["backend"] for r in results) + " | target |",
             "| --- | " + " | ".join("---" for _ in results) + " | --- |"]

    def row(label, cell, target):
        lines.append("| %s | %s | %s |" % (label, " | ".join(cell(r) for r in results), target))

    def lat(m):
        return "%.0f/s, p50 %.2f ms, p99 %.2f ms%s" % (m["rps"], m["p50_ms"] or 0, m["p99_ms"] or 0,
                                                        ", %d errors" % m["errors"] if m.get("errors") else "")

    row("database one-row inserts (limit)", lambda r: lat(r["db_insert"]), "")
    for c in (1, 8, 32):
        row("filing, concurrency %d" % c, lambda r, c=c: lat(r["file_c%d" % c]), "")
    row("filing c32 / database inserts", lambda r: "%.0f %%" % pct(r["file_c32"]["rps"], r["db_insert_per_s"]),
        "≥ 30 %, p99 < 50 ms")
    row("GET /health (limit)", lambda r: lat(r["health"]), "")
    row("read one ticket", lambda r: lat(r["read_ticket"]), "")
    row("read one ticket / health", lambda r: "%.0f %%" % pct(r["read_ticket"]["rps"], r["health"]["rps"]), "≥ 50 %")
    row("database one-row reads by id (limit)", lambda r: "%.0f/s" % r["db_read_per_s"], "")
    row("read one ticket / database reads", lambda r: "%.0f %%" % pct(r["read_ticket"]["rps"], r["db_read_per_s"]), "")
    row("member's open tickets, first page", lambda r: lat(r["open_tickets_page"]), "p99 < 20 ms")
    row("search q", lambda r: lat(r["search_q"]), "p99 < 20 ms")
    for name in STATS:
        small = [k for k in results[0] if k.startswith("stats_")][0]
        big = [k for k in results[0] if k.startswith("stats_")][1]
        row("stats %s (%s → %s)" % (name, small[6:], big[6:]),
            lambda r, n=name, s=small, b=big: "p99 %.2f → %.2f ms (×%.2f), p50 %.2f → %.2f ms (×%.2f)" % (
                r[s][n]["p99_ms"] or 0, r[b][n]["p99_ms"] or 0,
                (r[b][n]["p99_ms"] or 0) / (r[s][n]["p99_ms"] or 1),
                r[s][n]["p50_ms"] or 0, r[b][n]["p50_ms"] or 0,
                (r[b][n]["p50_ms"] or 0) / (r[s][n]["p50_ms"] or 1)),
            "p99 < 20 ms, ≤ 1.5×")
    row("database bulk insert into the loaded tickets (limit)", lambda r: "%.0f/s" % r["db_bulk_per_s"], "")
    row("import tickets", lambda r: "%.0f/s" % r["import_tickets_per_s"], "≥ 20,000/s")
    row("import tickets / database bulk insert",
        lambda r: "%.0f %%" % pct(r["import_tickets_per_s"], r["db_bulk_per_s"]), "")
    row("import work logs", lambda r: "%.0f/s" % r["import_work_logs_per_s"], "")
    row("maintenance after the last import", lambda r: "%.0f s" % r.get("settle_rest_s", 0), "")
    row("resident memory after load (peak)", lambda r: "%.0f MB (%.0f MB)" % (r["rss_mb"], r["peak_rss_mb"]), "< 100 MB")
    row("start to /ready, empty database", lambda r: "%.0f ms" % (1000 * r["start_to_ready_s"]), "< 1 s")
    return "\n".join(["Measured %s on %s." % (datetime.date.today().isoformat(), machine), ""] + lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000000)
    parser.add_argument("--work-logs", type=int, default=100000)
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk measure")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--first-year", type=int, default=2016)
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit("build first: bench/run.sh")
    scripts = tempfile.mkdtemp(prefix="helpdesk-bench-lua-")
    workdir = tempfile.mkdtemp(prefix="helpdesk-bench-")
    lua(os.path.join(scripts, "auth.lua"),
        'wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")\n')
    lua(os.path.join(scripts, "file.lua"),
        'wrk.method = "POST"\n'
        'wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        'local member = os.getenv("MEMBER")\n'
        'local n = 0\n'
        'request = function()\n'
        '  n = n + 1\n'
        '  return wrk.format(nil, nil, nil, \'{"title":"Bench \' .. n .. \'","description":"filed by wrk","member_id":\' .. member .. \'}\')\n'
        'end\n')
    machine = "%s, %d cores, %.0f GiB, %s" % (platform.node(), os.cpu_count(),
                                               os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30,
                                               platform.platform())
    started = time.monotonic()
    results = []
    try:
        for backend in args.backends.split(","):
            print("== %s" % backend, flush=True)
            results.append(measure_backend(backend, args, workdir, scripts))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(scripts, ignore_errors=True)
    text = table(results, machine)
    print(text)
    print("\n(whole run: %.0f s)" % (time.monotonic() - started))
    out = os.path.join(ROOT, "bench", "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "latest.json"), "w") as f:
        json.dump({"machine": machine, "date": datetime.date.today().isoformat(), "tickets": args.tickets,
                   "work_logs": args.work_logs, "results": results}, f, indent=2)
    with open(os.path.join(out, "latest.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
