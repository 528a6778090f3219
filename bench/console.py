#!/usr/bin/env python3
"""The console's pages: for SQLite and PostgreSQL, a fresh service with a million tickets, a
technician, a manager (the dashboard) and an agent (the portal) logged in through /login, then
each page with wrk and the session cookie, one request at a time (the server's time for a page)
and four at once (under load, on a machine whose cores wrk and the database share), beside
/health in the same run; and the size of each page's HTML. Prints a table and writes
bench/results/console-latest.{md,json}. Run through bench/run.sh --console."""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (ADMIN, BINARY, ROOT, Service, call, import_rows, lua, make_categories, settle,  # noqa: E402
                   ticket_batch, work_log_batch, wrk)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def console_login(base, email, password):
    """The session cookie of a log-in through the form."""
    opener = urllib.request.build_opener(NoRedirect)
    data = urllib.parse.urlencode({"email": email, "password": password}).encode()
    try:
        opener.open(urllib.request.Request(base + "/login", data=data, method="POST"))
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise
        for value in answer.headers.get_all("Set-Cookie"):
            if value.startswith("helpdesk_session="):
                return value.split(";")[0]
    raise RuntimeError("no session cookie")


def page_size(base, path, cookie):
    request = urllib.request.Request(base + path, headers={"Cookie": cookie, "Accept-Encoding": "identity"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200, (path, answer.status)
        return len(answer.read())


def measure(backend, args, workdir, scripts):
    rng = random.Random(2018)
    years = list(range(args.first_year, args.first_year + 10))
    svc = Service(backend, workdir)
    svc.create_admin()
    svc.start()
    result = {"backend": backend}
    try:
        base = svc.base
        token = call(base, "POST", "/api/v1/auth/login", {"email": ADMIN[0], "password": ADMIN[1]})[1]["access_token"]
        members = [call(base, "POST", "/api/v1/members",
                        {"code": "M%02d" % n, "name": "Membre %d" % n, "kind": "city", "joined_on": "2000-01-01"},
                        token)[1]["id"] for n in range(20)]
        technicians = [call(base, "POST", "/api/v1/users",
                            {"email": "tech%d@bench.local" % n, "name": "Tech %d" % n, "role": "technician",
                             "password": "bench-password"}, token)[1]["id"] for n in range(8)]
        categories = make_categories(base, token)
        started = time.monotonic()
        left = args.tickets
        while left > 0:
            count = min(left, 100000)
            import_rows(base, token, "/api/v1/tickets/import", ticket_batch(rng, members, technicians, categories, count, years))
            left -= count
        logs = work_log_batch(rng, members, technicians, categories, args.work_logs, years)
        # This week's days of the technician who is logged in, as "my day" shows them.
        today = datetime.date.today()
        monday = today - datetime.timedelta(days=today.weekday())
        for d in range(5):
            logs.append({"technician_id": technicians[0], "date": (monday + datetime.timedelta(days=d)).isoformat(),
                         "kind": "posted", "member_id": members[d], "days": 1.0})
        import_rows(base, token, "/api/v1/work-logs/import", logs)
        result["load_s"] = time.monotonic() - started
        result["settle_s"] = settle(svc)
        for email, role, member in (("manager@bench.local", "manager", None),
                                    ("agent@bench.local", "agent", members[3])):
            body = {"email": email, "name": role.title(), "role": role, "password": "bench-password"}
            if member:
                body["member_id"] = member
            call(base, "POST", "/api/v1/users", body, token)
        cookie = console_login(base, "tech0@bench.local", "bench-password")
        cookies = {"technician": cookie,
                   "manager": console_login(base, "manager@bench.local", "bench-password"),
                   "agent": console_login(base, "agent@bench.local", "bench-password")}
        hdr = os.path.join(scripts, "cookie.lua")
        ticket_id = call(base, "GET", "/api/v1/tickets?limit=1&member_id=%d&status=assigned,in_progress,waiting"
                         % members[3], token=token)[1]["items"][0]["id"]
        pages = [("queue: unassigned", "/console?view=unassigned"),
                 ("queue: mine", "/console?view=mine"),
                 ("queue: overdue", "/console?view=overdue"),
                 ("queue: waiting", "/console?view=waiting"),
                 ("queue: open", "/console?view=open"),
                 ("queue: all", "/console?view=all"),
                 ("queue: open by due time", "/console?view=open&sort=due"),
                 ("queue: a member's, text", "/console?view=all&member_id=%d&q=imprimante" % members[2]),
                 ("ticket page", "/console/tickets/%d" % ticket_id),
                 ("my day", "/console/me"),
                 ("work logs", "/console/work-logs"),
                 ("dashboard: a year (manager)", "/console/stats?year=%d" % years[-1]),
                 ("dashboard: a month (manager)", "/console/stats?year=%d&month=3" % years[-1]),
                 ("dashboard: seasonality (manager)", "/console/stats?year=%d&view=seasonality" % years[-1]),
                 ("dashboard: service levels (manager)", "/console/stats?year=%d&view=service-levels" % years[-1]),
                 ("dashboard: by category and technician (manager)", "/console/stats?year=%d&view=groups" % years[-1]),
                 ("portal (agent)", "/portal")]
        result["health"] = {"one": wrk(base + "/health", args.seconds, 1),
                            "four": wrk(base + "/health", args.seconds, 4)}
        result["pages"] = []
        for label, path in pages:
            who = "manager" if "(manager)" in label else "agent" if "(agent)" in label else "technician"
            env = {"COOKIE": cookies[who]}
            try:
                size = page_size(base, path, cookies[who])
            except urllib.error.HTTPError as failed:
                size = -failed.code
            measured = {"label": label, "path": path, "html_bytes": size,
                        "one": wrk(base + path, args.seconds, 1, hdr, env),
                        "four": wrk(base + path, args.seconds, 4, hdr, env)}
            print("  %-28s one at a time p50 %6.2f p99 %6.2f ms | four at once p50 %6.2f p99 %6.2f ms"
                  " | %6.1f KB" % (label, measured["one"]["p50_ms"] or 0, measured["one"]["p99_ms"] or 0,
                                   measured["four"]["p50_ms"] or 0, measured["four"]["p99_ms"] or 0,
                                   size / 1000), flush=True)
            result["pages"].append(measured)
        result["health_after"] = {"one": wrk(base + "/health", args.seconds, 1),
                                  "four": wrk(base + "/health", args.seconds, 4)}
    finally:
        svc.stop()
    return result


def table(results, machine, args):
    lines = ["Console pages, %d tickets, %s" % (args.tickets, machine), "",
             "Each cell: p50 / p99 in ms, one request at a time (the server's time for the page) and four "
             "at once (wrk, the service and the database sharing the cores).", "",
             "| page | " + " | ".join("%s, one at a time | %s, four at once" % (r["backend"], r["backend"])
                                     for r in results) + " | HTML |",
             "| --- | " + " | ".join("--- | ---" for _ in results) + " | --- |"]

    def lat(m):
        return "%.2f / %.2f%s" % (m["p50_ms"] or 0, m["p99_ms"] or 0,
                                  " (%d errors)" % m["errors"] if m["errors"] else "")

    def both(m):
        return "%s | %s" % (lat(m["one"]), lat(m["four"]))
    lines.append("| /health (before) | " + " | ".join(both(r["health"]) for r in results) + " | |")
    for i, page in enumerate(results[0]["pages"]):
        cells = " | ".join(both(r["pages"][i]) for r in results)
        size = "%.1f KB" % (page["html_bytes"] / 1000)
        lines.append("| %s | %s | %s |" % (page["label"], cells, size))
    lines.append("| /health (after) | " + " | ".join(both(r["health_after"]) for r in results) + " | |")
    lines.append("")
    lines.append("Target: p99 under 20 ms and HTML under 100 KB for every page.")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000000)
    parser.add_argument("--work-logs", type=int, default=100000)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--first-year", type=int, default=2016)
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit("build first: bench/run.sh --console")
    scripts = tempfile.mkdtemp(prefix="helpdesk-console-lua-")
    workdir = tempfile.mkdtemp(prefix="helpdesk-console-")
    lua(os.path.join(scripts, "cookie.lua"), 'wrk.headers["Cookie"] = os.getenv("COOKIE")\n')
    machine = "%d cores, %s" % (os.cpu_count(), platform.platform())
    results = []
    try:
        for backend in args.backends.split(","):
            print("== %s" % backend, flush=True)
            results.append(measure(backend, args, workdir, scripts))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(scripts, ignore_errors=True)
    text = table(results, machine, args)
    print(text)
    out = os.path.join(ROOT, "bench", "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "console-latest.json"), "w") as f:
        json.dump({"machine": machine, "date": datetime.date.today().isoformat(), "tickets": args.tickets,
                   "results": results}, f, indent=2)
    with open(os.path.join(out, "console-latest.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
