#!/usr/bin/env python3
"""The GLPI import's rate: a generated GLPI 10 database of N tickets (100,000 by default) with
their actors and timeline, imported by `helpdesk import-glpi` into an empty service database on
SQLite and on PostgreSQL, then imported again unchanged. Prints the figures and writes
bench/results/glpi-latest.{md,json}.

    bench/run.sh --glpi [--tickets 100000] [--backends sqlite,postgres]
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_GLPI = os.environ.get("HELPDESK_GLPI_DIR", os.path.join(ROOT, "..", "shared", "glpi"))
MYSQL = ["mysql", "-h127.0.0.1", "-P3306", "-uroot", "--default-character-set=utf8mb4"]
PG_SERVER = os.environ.get("PG_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres")
MAPPING = '[task_categories]\n"Intervention sur site" = "on_site"\n'


def sql_text(value):
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def rows_sql(table, columns, rows):
    values = ",".join("(" + ",".join(sql_text(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} ({','.join(columns)}) VALUES {values};\n"


def glpi10(text):
    return text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


def generate(out, tickets, seed=2018):
    """Writes the SQL of a GLPI with 20 members, 400 agents, 10 technicians and `tickets`
    tickets over 2015-2018, each with a requester, an assignee, two followups, a task (on site
    with its time for one in three) and a solution when solved."""
    rng = random.Random(seed)
    out.write("SET time_zone = '+00:00';\nSET autocommit = 0;\n")
    entities = [(0, None, "Entité racine", 1), (1, 0, "SIIM94", 2)]
    for n in range(20):
        entities.append((10 + n, 1, f"Commune {n:02d}", 3))
        entities.append((100 + n, 10 + n, f"Écoles {n:02d}", 4))
    out.write(rows_sql("glpi_entities", ["id", "entities_id", "name", "completename", "level"],
                       [(i, p, n, n, lv) for i, p, n, lv in entities]))
    out.write(rows_sql("glpi_profiles", ["id", "name"],
                       [(1, "Self-Service"), (5, "Hotliner"), (6, "Technician")]))
    users, emails, profiles = [], [], []
    for n in range(10):
        uid = 10 + n
        users.append((uid, f"tech{n}", "Tech", f"N{n}", 1))
        emails.append((uid, f"tech{n}@siim94.fr", 1))
        profiles.append((uid, 5 if n < 3 else 6, 1))
    for n in range(400):
        uid = 1000 + n
        users.append((uid, f"agent{n}", "Agent", f"N{n}", 10 + n % 20))
        if n % 5:
            emails.append((uid, f"agent{n}@mairie{n % 20}.fr", 1))
        profiles.append((uid, 1, 10 + n % 20))
    out.write(rows_sql("glpi_users", ["id", "name", "firstname", "realname", "entities_id"], users))
    out.write(rows_sql("glpi_useremails", ["users_id", "email", "is_default"], emails))
    out.write(rows_sql("glpi_profiles_users", ["users_id", "profiles_id", "entities_id"], profiles))
    categories = []
    for n in range(8):
        categories.append((1 + n, 0, f"Domaine {n}", 1))
        for m in range(4):
            categories.append((100 + n * 10 + m, 1 + n, f"Sujet {n}.{m}", 2))
    out.write(rows_sql("glpi_itilcategories", ["id", "itilcategories_id", "name", "level"],
                       categories))
    out.write(rows_sql("glpi_requesttypes", ["id", "name"],
                       [(1, "Helpdesk"), (2, "E-Mail"), (3, "Phone"), (4, "Direct")]))
    out.write(rows_sql("glpi_taskcategories", ["id", "name", "completename", "level"],
                       [(1, "Intervention sur site", "Intervention sur site", 1),
                        (2, "Analyse", "Analyse", 1)]))
    start = datetime(2015, 1, 1)
    span = (datetime(2018, 12, 31) - start).total_seconds()
    batch = {"t": [], "a": [], "f": [], "k": [], "s": []}

    def flush():
        if batch["t"]:
            out.write(rows_sql("glpi_tickets", ["id", "entities_id", "name", "content", "date",
                                                "date_mod", "solvedate", "closedate",
                                                "takeintoaccountdate", "status", "type",
                                                "priority", "itilcategories_id",
                                                "requesttypes_id", "is_deleted"], batch["t"]))
            out.write(rows_sql("glpi_tickets_users",
                               ["tickets_id", "users_id", "type", "alternative_email"], batch["a"]))
            out.write(rows_sql("glpi_itilfollowups", ["itemtype", "items_id", "date", "users_id",
                                                      "content", "is_private"], batch["f"]))
            out.write(rows_sql("glpi_tickettasks", ["tickets_id", "taskcategories_id", "date",
                                                    "begin", "users_id", "users_id_tech",
                                                    "content", "actiontime", "is_private"],
                               batch["k"]))
            if batch["s"]:
                out.write(rows_sql("glpi_itilsolutions", ["itemtype", "items_id", "date_creation",
                                                          "users_id", "content", "status"],
                                   batch["s"]))
            out.write("COMMIT;\n")
        for rows in batch.values():
            rows.clear()

    for n in range(tickets):
        tid = 1 + n
        at = start + timedelta(seconds=rng.random() * span)
        date = at.strftime("%Y-%m-%d %H:%M:%S")
        later = (at + timedelta(hours=rng.randint(1, 72))).strftime("%Y-%m-%d %H:%M:%S")
        status = rng.choice([6, 6, 6, 6, 5, 2, 3, 4, 1])
        entity = rng.choice(entities[2:])[0]
        tech = 10 + rng.randrange(10)
        batch["t"].append((tid, entity, glpi10(f"Incident <{n}> & suite"),
                           glpi10(f"<p>Bonjour,</p><p>Le poste {n} ne démarre plus.</p>"),
                           date, later, later if status >= 5 else None,
                           later if status == 6 else None, date if status > 1 else None,
                           status, 1 + n % 2, 1 + rng.randrange(6), 100 + rng.randrange(8) * 10,
                           1 + rng.randrange(4), 1 if n % 50 == 49 else 0))
        if n % 4:
            batch["a"].append((tid, 1000 + rng.randrange(400), 1, None))
        else:
            batch["a"].append((tid, 0, 1, f"demandeur{n}@exemple.fr"))
        if status > 1:
            batch["a"].append((tid, tech, 2, None))
        batch["f"].append(("Ticket", tid, date, tech, glpi10("<p>Pris en compte</p>"), 0))
        batch["f"].append(("Ticket", tid, later, tech, "Note interne", 1))
        on_site = n % 3 == 0
        batch["k"].append((tid, 1 if on_site else 2, later, later, tech, tech,
                           glpi10("<p>Intervention</p>"), 3600 * (1 + (n // 3) % 3) if on_site else 0, 1))
        if status >= 5:
            batch["s"].append(("Ticket", tid, later, tech, glpi10("<p>Résolu</p>"), 3))
        if len(batch["t"]) >= 1000:
            flush()
    flush()


def run(cmd, env=None, **kwargs):
    return subprocess.run(cmd, env=env, check=True, **kwargs)


def timed_import(binary, env, source, mapping):
    started = time.monotonic()
    done = subprocess.run([binary, "import-glpi", "--from", source, "--mapping", mapping],
                          env=env, check=True, capture_output=True, text=True)
    return time.monotonic() - started, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--binary", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "helpdesk"))
    args = parser.parse_args()

    database = f"helpdesk_bench_glpi_{args.tickets}"
    print(f"generating a GLPI of {args.tickets:,} tickets into {database} ...", flush=True)
    started = time.monotonic()
    run(["bash", os.path.join(SHARED_GLPI, "load.sh"), database], stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as sql:
        generate(sql, args.tickets)
    with open(sql.name) as source:
        run(MYSQL + [database], stdin=source)
    os.unlink(sql.name)
    print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    counts = {}
    for table in ["glpi_tickets", "glpi_itilfollowups", "glpi_tickettasks", "glpi_itilsolutions"]:
        out = subprocess.run(MYSQL + ["-N", "-e", f"SELECT COUNT(*) FROM {table}", database],
                             check=True, capture_output=True, text=True).stdout
        counts[table] = int(out.strip())
    timeline = counts["glpi_itilfollowups"] + counts["glpi_tickettasks"] + counts["glpi_itilsolutions"]
    source = f"mysql://root@127.0.0.1:3306/{database}"

    work = tempfile.mkdtemp(prefix="glpi-bench-")
    mapping = os.path.join(work, "mapping.toml")
    with open(mapping, "w") as f:
        f.write(MAPPING)
    results = {"tickets": counts["glpi_tickets"], "timeline_rows": timeline,
               "date": datetime.now().strftime("%Y-%m-%d"), "backends": {}}
    for backend in args.backends.split(","):
        env = dict(os.environ, RUST_LOG="error",
                   HELPDESK__AUTH__JWT_SECRET="bench-secret-0123456789abcdef")
        if backend == "sqlite":
            env["HELPDESK__DATABASE__URL"] = f"sqlite://{work}/helpdesk.db"
            env["HELPDESK__DATABASE__DATA_DIR"] = work
        else:
            name = "helpdesk_bench_glpi"
            run(["psql", PG_SERVER, "-q", "-c", f"DROP DATABASE IF EXISTS {name}", "-c",
                 f"CREATE DATABASE {name}"], stdout=subprocess.DEVNULL)
            env["HELPDESK__DATABASE__URL"] = PG_SERVER.rsplit("/", 1)[0] + "/" + name
        run([args.binary, "create-admin", "--email", "admin@bench.test", "--password",
             "bench-admin-password"], env=env, stdout=subprocess.DEVNULL)
        first, table = timed_import(args.binary, env, source, mapping)
        second, table_again = timed_import(args.binary, env, source, mapping)
        imported = [l for l in table.splitlines() if l.startswith("tickets:")]
        again = [l for l in table_again.splitlines() if l.startswith("tickets:")]
        figures = {
            "first_run_s": round(first, 1),
            "tickets_per_s": round(counts["glpi_tickets"] / first),
            "timeline_rows_per_s": round(timeline / first),
            "second_run_s": round(second, 1),
            "first_outcome": imported[0] if imported else "",
            "second_outcome": again[0] if again else "",
        }
        results["backends"][backend] = figures
        print(f"{backend}: first run {first:.1f} s ({figures['tickets_per_s']:,} tickets/s with "
              f"{figures['timeline_rows_per_s']:,} timeline rows/s), second unchanged run "
              f"{second:.1f} s; {figures['first_outcome']} / {figures['second_outcome']}",
              flush=True)
        if backend == "sqlite":
            for name in os.listdir(work):
                if name.startswith("helpdesk.db"):
                    os.unlink(os.path.join(work, name))
    shutil.rmtree(work, ignore_errors=True)
    run(MYSQL + ["-e", f"DROP DATABASE IF EXISTS {database}"])

    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "glpi-latest.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = [f"# GLPI import, {results['date']}", "",
             f"{results['tickets']:,} GLPI tickets with {timeline:,} followups, tasks and "
             "solutions (the trash included: one ticket in fifty).", "",
             "| backend | first run | tickets/s | timeline rows/s | second run (unchanged) |",
             "| --- | --- | --- | --- | --- |"]
    for backend, fig in results["backends"].items():
        lines.append(f"| {backend} | {fig['first_run_s']} s | {fig['tickets_per_s']:,} | "
                     f"{fig['timeline_rows_per_s']:,} | {fig['second_run_s']} s |")
    with open(os.path.join(ROOT, "bench", "results", "glpi-latest.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
