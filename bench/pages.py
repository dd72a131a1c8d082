"""Reader pages under load: gunicorn with production settings, driven by wrk, beside hello-world.

    python bench/pages.py [--db sqlite|postgresql|both] [--sizes 1000,100000] [--quick] [--pages search,…]

For each database and size, bench/data.py builds (or reuses) the glossary: SQLite in
.bench-pages.sqlite3 without REDIS_URL (each worker caches in its own memory), PostgreSQL in
kb_bench_pages with REDIS_URL (a Redis database of its own, flushed before each run). Then
gunicorn serves it with 2 sync workers on a free loopback port, and wrk (one thread, on the same
2 cores) measures hello-world through the whole middleware stack, a bare WSGI app in its own
gunicorn (the server's ceiling), and every reader page twice:

  warm  one URL again and again, 8 connections (once cached, what a popular page costs);
  cold  every request a different URL of the kind, 4 connections: other articles, page numbers,
        filter combinations, search words. Where a kind has fewer real URLs than the run needs,
        they recur with a utm_campaign parameter, as links from newsletters do, and a run that
        goes through its list more than once tags each repeat with its pass the same way, so
        that each request still misses any page cache.

Before each page the database's files are read into the OS page cache (cache_database), and each
run is warmed up for a second first (a cold run on URLs it then does not measure). Latencies
include the wait for a free worker: with 8 connections and 2 workers a request queues behind
about three others, so compare pages by their ratio to hello-world, measured in the same run:
again between one page and the next (3 s), since these machines' speed moves by half within
minutes, and each page's share is of the mean of the hello-world runs just before and after it
(marked unsteady where those two differ by more than a fifth). Results go to
bench/results-<db>.json.
"""

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASES = {
    "sqlite": f"sqlite:///{ROOT / '.bench-pages.sqlite3'}",
    "postgresql": "postgres://postgres@127.0.0.1:5432/kb_bench_pages",
}
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
WORKERS = 2
WARM_CONNECTIONS = 8
COLD_CONNECTIONS = 4
FULL = {"warmup": 1, "warm": 5, "cold": 8, "beside": 3}
QUICK = {"warmup": 1, "warm": 2, "cold": 3, "beside": 1}
# A page's share of hello-world is taken against the hello-world measured just before and just after
# it: these machines' speed moves by half within minutes. Where those two differ by more than this,
# the page's share is marked unsteady.
UNSTEADY = 0.2
COLD_URLS = 4000  # more than a cold run gets through, so that none repeats
MISSPELLING_ROUNDS = 8  # at most, through the names, for COLD_URLS misspellings (misspellings)
ETAGS = 200  # articles whose ETag the cold 304 run revalidates in turn
PAGES = [
    "home",
    "index",
    "index 2 categories",
    "article",
    "category",
    "tag",
    "benefit",
    "risk",
    "search",
    "search misspelled",
    "suggest",
    "article 304",
]

LUA = """
paths = {%(paths)s}
etags = {%(etags)s}
statuses = {}
local i = %(start)d
local n = 0
local tag_repeats = %(tag_repeats)s
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  i = i %% #paths + 1
  n = n + 1
  if #etags > 0 then
    return wrk.format("GET", paths[i], {["If-None-Match"] = etags[i]})
  end
  local path = paths[i]
  if tag_repeats and n > #paths then
    -- A repeat: tagged, so that the cache, which stored the first, neither answers nor stores it.
    local pass = math.floor((n - 1) / #paths)
    path = path .. (string.find(path, "?", 1, true) and "&" or "?") .. "utm_campaign=pass" .. pass
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %%d %%d\\n", status, n))
    end
  end
end
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


# Servers ---------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, headers=None, timeout=30):
    """(status, headers, body) of one GET over a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Server:
    """A gunicorn we started, stopped (by its process group) however the benchmark ends."""

    running = []

    def __init__(self, app, env, workdir, name):
        self.port = free_port()
        self.log_path = Path(workdir) / f"gunicorn-{name}.log"
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            # The project's settings for gunicorn, as production reads them, but our own bind and
            # workers, and no worker recycling: warm runs would otherwise measure restarts.
            *(["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []),
            "--max-requests",
            "0",
            "--no-control-socket",
            "--chdir",
            str(ROOT),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            app,
        ]
        with self.log_path.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        Server.running.append(self)

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, path, timeout=5)[0] == 200:
                    return
            time.sleep(0.2)
        self.stop()
        sys.exit(f"gunicorn did not answer {path} with 200; its log ends:\n{self.log_tail()}")

    def cpu_ticks(self):
        """CPU time the master and its workers have used, in clock ticks."""
        pid = self.process.pid
        pids = [pid]
        with contextlib.suppress(OSError, ValueError):
            pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        total = 0
        for each in pids:
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime and stime
        return total

    def settle(self, timeout=180):
        """Waits until the workers are idle: when wrk stops, the requests queued on its connections
        are still served, and would otherwise slow the next run down."""
        deadline = time.monotonic() + timeout
        last, quiet = self.cpu_ticks(), 0
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.cpu_ticks()
            quiet = quiet + 1 if now - last <= 1 else 0
            last = now

    def prime(self, path, headers=None, timeout=120):
        """Asks for `path` from as many clients at once as there are workers, twice over, so that
        each worker has it (in a per-process cache) before a warm run."""
        with ThreadPoolExecutor(2 * WORKERS) as pool:
            list(pool.map(lambda _: get(self.port, path, headers, timeout), range(2 * WORKERS)))
        self.settle()

    def log_tail(self, lines=30):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def errors_logged(self):
        text = self.log_path.read_text(errors="replace")
        return len(re.findall(r"^Traceback|\[(?:ERROR|CRITICAL)\]", text, re.MULTILINE))

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self in Server.running:
            Server.running.remove(self)

    @classmethod
    def stop_all(cls):
        for server in list(cls.running):
            server.stop()


def stop_on_signal(signum, frame):
    Server.stop_all()
    sys.exit(128 + signum)


# wrk -----------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port, paths, connections, duration, workdir, etags=(), start=0, tag_repeats=False):
    """One wrk run cycling through `paths`; its figures and the statuses it saw. With
    `tag_repeats`, each address asked again carries a campaign parameter, so that no request of
    a cold run is answered from the cache."""
    script = Path(workdir) / "cycle.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(map(lua_string, paths)),
            "etags": ", ".join(map(lua_string, etags)),
            "start": start % len(paths),
            "tag_repeats": "true" if tag_repeats else "false",
        }
    )
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "30s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)  # noqa: S603
    output = result.stdout
    if result.returncode != 0 or "Requests/sec" not in output:
        sys.exit(f"wrk failed ({result.returncode}):\n{output}\n{result.stderr}")
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    statuses = {int(code): int(n) for code, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.MULTILINE)}
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    if not requests:  # wrk prints zeros for the latencies of no requests
        percentile = {}
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": milliseconds(percentile["50"]) if "50" in percentile else None,
        "p99_ms": milliseconds(percentile["99"]) if "99" in percentile else None,
        "non_2xx_3xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "statuses": statuses,
    }


# What to ask for -----------------------------------------------------------------------------


def misspell(text, rng):
    """Two neighbouring letters swapped in the longest word, as fast typists do."""
    words = text.split()
    longest = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[longest]
    if len(word) < 4:
        return None
    i = rng.randrange(1, len(word) - 2)
    words[longest] = f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}"
    return " ".join(words)


def misspellings(terms, rng, seed):
    """Distinct misspellings of the terms' names (expansion, else headword), each name misspelt in
    turn, and again in other ways (from a generator of their own, so that the other pages' URLs do
    not change) while there are fewer than COLD_URLS: a small glossary's cold run would otherwise
    ask for each misspelling several times, and each process's matches of a query it has seen
    answer the repeats, which a large glossary's run never meets."""
    found = {}
    for again in [rng] + [random.Random(seed + n) for n in range(1, MISSPELLING_ROUNDS)]:
        for _, headword, expansion in terms:
            if len(found) >= COLD_URLS:
                return list(found)
            if misspelt := misspell(expansion or headword, again):
                found.setdefault(misspelt, None)
    return list(found)


def page_numbers(count, per_page, rng, n):
    """Readers mostly stay near the first pages; crawlers go everywhere."""
    last = max(1, math.ceil(count / per_page))
    return [rng.randint(1, min(last, 5)) if rng.random() < 0.5 else rng.randint(1, last) for _ in range(n)]


def query(path, **params):
    pairs = [(key, value) for key, values in params.items() for value in values if value not in ("", None)]
    return f"{path}?{urlencode(pairs, quote_via=quote, safe='/')}" if pairs else path


def with_page(path, page):
    return path if page == 1 else f"{path}{'&' if '?' in path else '?'}page={page}"


def padded(urls, rng, warm, pad=True):
    """Distinct URLs other than the warm one, shuffled, recurring with a utm_campaign parameter if
    there are fewer than a cold run needs; also how many distinct ones there were."""
    distinct = [url for url in dict.fromkeys(urls) if url != warm]
    rng.shuffle(distinct)
    result = list(distinct)
    n = 0
    while pad and len(result) < COLD_URLS and distinct:
        n += 1
        result.extend(f"{url}{'&' if '?' in url else '?'}utm_campaign=bench{n}" for url in distinct)
    return result[:COLD_URLS], len(distinct)


def plan(facts, seed):
    """{page: (warm URL, cold URLs, distinct cold URLs)} from what bench/data.py reported."""
    rng = random.Random(seed)
    per_page = facts["per_page"]
    terms = facts["term_sample"]
    categories = sorted(facts["categories"], key=lambda c: -c["n"])
    by_facet = {}
    for category in categories:
        by_facet.setdefault(category["facet"], []).append(category)
    key = "{0[facet]}/{0[slug]}".format
    facets = list(by_facet)

    def pair(first, second):
        return query("/terms/", category=[key(first), key(second)])

    two_categories = [
        with_page(pair(a, b), page)
        for f1 in range(len(facets))
        for f2 in range(f1 + 1, len(facets))
        for a in by_facet[facets[f1]]
        for b in by_facet[facets[f2]]
        for page in (1, 2)
    ]
    letters = [letter for letter, n in facts["letters"].items() for _ in range(max(1, n // per_page))]
    index = [with_page("/terms/", page) for page in page_numbers(facts["terms"], per_page, rng, 3000)]
    index += [
        with_page(query("/terms/", letter=[letter]), page)
        for letter in letters
        for page in page_numbers(facts["letters"][letter], per_page, rng, 2)
    ]

    def listing(rows, path):
        return [
            with_page(path(row), page)
            for row in rows
            for page in page_numbers(row["n"], per_page, rng, max(3, COLD_URLS // max(len(rows), 1)))
        ]

    words = facts["words"]
    searches = words + [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(2000)]
    searches += [rng.choice(headword.split()) for _, headword, _ in terms]
    misspelt = misspellings(terms, rng, seed)
    prefixes = [headword.lower()[: rng.randint(3, 5)].rstrip() for _, headword, _ in terms]
    tags, benefits, risks = facts["tags"], facts["benefits"], facts["risks"]
    warm_article = f"/terms/{terms[0][0]}/"
    kinds = {
        "home": ("/", ["/?utm_source=bench"]),
        "index": ("/terms/", index),
        "index 2 categories": (
            pair(by_facet[facets[0]][0], by_facet[facets[1]][0]),
            two_categories,
        ),
        "article": (warm_article, [f"/terms/{slug}/" for slug, _, _ in terms[:-ETAGS]]),
        "category": (
            "/categories/{0[facet]}/{0[slug]}/".format(categories[0]),
            listing(categories, "/categories/{0[facet]}/{0[slug]}/".format),
        ),
        "tag": (f"/tags/{tags[0]['slug']}/", listing(tags, "/tags/{0[slug]}/".format)),
        "benefit": (f"/benefits/{benefits[0]['slug']}/", listing(benefits, "/benefits/{0[slug]}/".format)),
        "risk": (f"/risks/{risks[0]['slug']}/", listing(risks, "/risks/{0[slug]}/".format)),
        "search": (query("/search/", q=[words[100]]), [query("/search/", q=[q]) for q in searches]),
        "search misspelled": (
            query("/search/", q=[misspelt[0]]),
            [query("/search/", q=[q]) for q in misspelt[1:]],
        ),
        "suggest": (
            query("/search/suggest/", q=[prefixes[0]]),
            [query("/search/suggest/", q=[q]) for q in prefixes[1:]],
        ),
        # Articles the cold article run does not ask for: each fetched once, for its ETag, and then
        # revalidated (on SQLite only the worker that served it has it in its cache).
        "article 304": (warm_article, [f"/terms/{slug}/" for slug, _, _ in terms[-ETAGS:]]),
    }
    return {
        page: (warm, *padded(cold, rng, warm, pad=page != "article 304"))
        for page, (warm, cold) in kinds.items()
    }


# One run: a database at one size ---------------------------------------------------------------


def expected(page):
    return 304 if page == "article 304" else 200


def measure(server, page, mode, paths, connections, durations, workdir, etags=(), distinct=None):
    if mode == "warm" or page == "article 304":  # a cold 304 revalidates the same few hundred in turn
        measured = warmup = paths
    else:  # warmed up on URLs it does not then measure
        split = max(1, len(paths) // 10)
        measured, warmup = paths[:-split], paths[-split:]
    if mode == "warm":
        server.prime(paths[0], {"If-None-Match": etags[0]} if etags else None)
    cold = mode == "cold" and page != "article 304"
    wrk(server.port, warmup, connections, durations["warmup"], workdir, etags, tag_repeats=cold)
    server.settle()
    result = wrk(server.port, measured, connections, durations[mode], workdir, etags, tag_repeats=cold)
    server.settle()
    unexpected = {code: n for code, n in result["statuses"].items() if code != expected(page)}
    result.update(
        page=page,
        mode=mode,
        connections=connections,
        urls=len(set(measured)) if distinct is None else distinct,
        unexpected_statuses=unexpected,
        sample_url=measured[0],
    )
    if not result["requests"]:
        result["note"] = f"no request completed in {durations[mode]} s"
    elif result["requests"] < 20:
        result["note"] = f"only {result['requests']} requests"
    elif cold and result["requests"] > len(measured):
        result["note"] = f"{result['requests']} requests cycled through {len(measured)} URLs, repeats tagged"
    log(
        f"    {page:<20} {mode:<4} {result['rps']:>8.1f} req/s  p50 {fmt_ms(result['p50_ms'])}"
        f"  p99 {fmt_ms(result['p99_ms'])}  {result['statuses']}"
    )
    return result


def cache_database(url):
    """Reads the database's files into the OS page cache, as a server with its working set in
    memory holds them: these machines take cached file pages back within minutes, even with most of
    their memory free, and a cold run then read PostgreSQL's pages from disk (the last tier of a
    search for `alre` at 100,000 terms: 350 ms with 7,668 pages read, 33 from the cache).
    PostgreSQL's own buffers are left as they are."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for each in (path, path.with_name(f"{path.name}-wal")):
            if each.exists():
                with each.open("rb") as file:
                    while file.read(1 << 24):
                        pass
        return
    import psycopg  # noqa: PLC0415

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        connection.execute(
            """SELECT sum(pg_prewarm(oid, 'read')) FROM pg_class
                WHERE relkind IN ('r', 'i', 't', 'm') AND relpersistence = 'p'
                AND relnamespace IN ('public'::regnamespace, 'pg_toast'::regnamespace)"""
        )


def beside(server, durations, workdir):
    """Hello-world's req/s now, for the pages measured just before and just after."""
    result = wrk(server.port, ["/_bench/hello/"], WARM_CONNECTIONS, durations["beside"], workdir)
    server.settle()
    log(f"    {'(hello-world)':<20} warm {result['rps']:>8.1f} req/s")
    return result["rps"]


def shares(results, ceilings):
    """Each result's req/s as a share of hello-world's: for a page, of the mean of the hello-world
    runs just before and just after it (`ceilings`, one before each page and one after the last);
    for the runs before the first page, of the first."""
    page_names = list(dict.fromkeys(r["page"] for r in results[2:]))
    for result in results:
        if result["page"] in page_names:
            at = page_names.index(result["page"])
            before, after = ceilings[at], ceilings[at + 1]
        else:
            before = after = ceilings[0]
        ceiling = (before + after) / 2
        result["hello_rps"] = ceiling
        result["vs_hello"] = result["rps"] / ceiling if ceiling else None
        if ceiling and abs(before - after) / ceiling > UNSTEADY:
            result["unsteady"] = f"hello-world {before:.0f} before, {after:.0f} after"


def fmt_ms(value):
    return "      -" if value is None else f"{value:>7.1f}"


def build(db, size, args, env):
    command = [
        PYTHON,
        str(ROOT / "bench" / "data.py"),
        "--size",
        str(size),
        "--seed",
        str(args.seed),
        "--json",
    ]
    if args.rebuild:
        command.append("--force")
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"bench/data.py failed for {db} at {size} terms")
    return json.loads(result.stdout.strip().splitlines()[-1])


def flush_redis(url):
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        sys.exit("Give the benchmark a Redis database other than 0 (it is flushed).")
    client.flushdb()
    client.close()


def run(db, size, args, durations, base_env):
    workdir = tempfile.mkdtemp(prefix=f"bench-pages-{db}-")
    try:
        env = {
            **base_env,
            "DATABASE_URL": DATABASES[db],
            # Without Redis the content version lives in files: ours, not the checkout's .cache/.
            "KB_VERSION_DIR": str(Path(workdir) / "versions"),
        }
        facts = build(db, size, args, env)
        os.sync()  # a build's writes go to disk now, not while pages are measured
        if db == "postgresql":
            env["REDIS_URL"] = args.redis_url
            flush_redis(args.redis_url)
        load = os.getloadavg()[0]
        log(f"## {db}, {size} terms ({facts['terms']} published), load average {load:.1f}")
        results = []
        bare = Server("bench.bare:application", env, workdir, "bare")
        bare.wait_ready("/")
        results.append(measure(bare, "bare WSGI", "warm", ["/"], WARM_CONNECTIONS, durations, workdir))
        bare.stop()

        server = Server("kb.wsgi:application", env, workdir, "django")
        server.wait_ready("/_bench/hello/")
        hello = measure(
            server, "hello-world", "warm", ["/_bench/hello/"], WARM_CONNECTIONS, durations, workdir
        )
        results.append(hello)
        ceilings = [hello["rps"]]  # hello-world before each page, and after the last
        notes = []
        pages = plan(facts, args.seed)
        if unknown := (args.pages or set()) - pages.keys():
            sys.exit(f"No such page: {', '.join(sorted(unknown))} (pages: {', '.join(pages)})")
        for page, (warm, cold, distinct) in pages.items():
            if args.pages and page not in args.pages:
                continue
            etags = {"warm": (), "cold": ()}
            if page == "article 304":
                status, headers, _ = get(server.port, warm)
                if "ETag" not in headers:
                    notes.append(f"article 304 skipped: {warm} answered {status} without an ETag header")
                    log(f"    {notes[-1]}")
                    continue
                etags["warm"] = (headers["ETag"],)
                cold_etags = [get(server.port, url)[1].get("ETag", '"none"') for url in cold]
                etags["cold"] = cold_etags
                server.settle()
            if results[2:]:  # a page measured already: hello-world again, between it and this one
                ceilings.append(beside(server, durations, workdir))
            cache_database(env["DATABASE_URL"])
            results.append(
                measure(server, page, "warm", [warm], WARM_CONNECTIONS, durations, workdir, etags["warm"])
            )
            results.append(
                measure(
                    server,
                    page,
                    "cold",
                    cold,
                    COLD_CONNECTIONS,
                    durations,
                    workdir,
                    etags["cold"],
                    distinct,
                )
            )
        ceilings.append(beside(server, durations, workdir))
        logged = server.errors_logged()
        if logged:
            notes.append(f"the server logged {logged} errors; its log ends:\n{server.log_tail()}")
        server.stop()
        if db == "postgresql":
            flush_redis(args.redis_url)
        shares(results, ceilings)
        return {
            "size": size,
            "published": facts["terms"],
            "load_average": [load, os.getloadavg()[0]],
            "results": results,
            "notes": notes,
        }
    finally:
        Server.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


# Report --------------------------------------------------------------------------------------


def errors(result):
    return result["non_2xx_3xx"] + result["socket_errors"]


ROW = "{:<20} {:<4} {:>8} {:>8} {:>8} {:>7} {:>7} {:>6}  {}"


def table(db, run_result):
    lines = [
        f"\n# {db}, {run_result['size']} terms ({run_result['published']} published); load average"
        " {:.1f} before, {:.1f} after".format(*run_result["load_average"]),
        ROW.format("page", "mode", "req/s", "p50 ms", "p99 ms", "hello", "×hello", "errors", "notes"),
    ]
    for r in run_result["results"]:
        unexpected = f"statuses {r['unexpected_statuses']}" if r["unexpected_statuses"] else ""
        lines.append(
            ROW.format(
                r["page"],
                r["mode"],
                f"{r['rps']:.1f}",
                fmt_ms(r["p50_ms"]).strip(),
                fmt_ms(r["p99_ms"]).strip(),
                f"{r['hello_rps']:.0f}",
                "" if r["vs_hello"] is None else f"{r['vs_hello']:.3f}",
                errors(r),
                "; ".join(filter(None, [r.get("note"), r.get("unsteady"), unexpected])),
            )
        )
    lines.extend(f"note: {note}" for note in run_result["notes"])
    return "\n".join(lines)


def growth(runs):
    """Cold p50 at the largest size ÷ at the smallest, page by page; and the same for its share of
    hello-world's req/s (the smallest size's ÷ the largest's), which a machine that slows or
    speeds up between the two runs moves less."""
    if len(runs) < 2:
        return {}
    small, large = min(runs, key=lambda r: r["size"]), max(runs, key=lambda r: r["size"])

    def cold(run_result, figure):
        return {r["page"]: r[figure] for r in run_result["results"] if r["mode"] == "cold"}

    def ratios(before, after):
        return {page: after[page] / before[page] for page in before if before[page] and after.get(page)}

    return {
        "sizes": [small["size"], large["size"]],
        "cold_p50_ratio": ratios(cold(small, "p50_ms"), cold(large, "p50_ms")),
        "cold_share_ratio": ratios(cold(large, "vs_hello"), cold(small, "vs_hello")),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated numbers of terms")
    parser.add_argument("--quick", action="store_true", help=f"short runs for a smoke test: {QUICK} s")
    parser.add_argument("--seed", type=int, default=1989)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if a build matches")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS, help="a Redis database of its own; it is flushed"
    )
    parser.add_argument("--conn-max-age", help="CONN_MAX_AGE for the app (default: the project's)")
    parser.add_argument(
        "--pages",
        type=lambda names: {name.strip() for name in names.split(",")},
        help="only these pages, e.g. 'search,search misspelled'",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    durations = QUICK if args.quick else FULL
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed.")
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)

    base_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "CONN_MAX_AGE", "KB_ACCESS_LOG"}
    }
    base_env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        PYTHONPATH=str(ROOT),
    )
    if args.conn_max_age is not None:
        base_env["CONN_MAX_AGE"] = args.conn_max_age
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        env={**base_env, "DATABASE_URL": DATABASES["sqlite"]},
        check=True,
    )
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        runs = [run(db, size, args, durations, base_env) for size in sizes]
        for run_result in runs:
            print(table(db, run_result), flush=True)
        grown = growth(runs)
        if grown:
            small, large = grown["sizes"]
            figures = ", ".join(f"{page} {ratio:.2f}×" for page, ratio in grown["cold_p50_ratio"].items())
            print(f"growth (cold p50 at {large} ÷ at {small} terms): {figures}", flush=True)
            figures = ", ".join(f"{page} {ratio:.2f}×" for page, ratio in grown["cold_share_ratio"].items())
            print(f"growth of the share of hello-world ({small} terms ÷ {large}): {figures}", flush=True)
        out = ROOT / "bench" / f"results-{db}.json"
        out.write_text(
            json.dumps(
                {
                    "database": db,
                    "commit": commit,
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "quick": args.quick,
                    "pages": sorted(args.pages) if args.pages else "all",
                    "durations_s": durations,
                    "workers": WORKERS,
                    "gunicorn_config": str(GUNICORN_CONF) if GUNICORN_CONF.exists() else None,
                    "connections": {"warm": WARM_CONNECTIONS, "cold": COLD_CONNECTIONS},
                    "cpus": os.cpu_count(),
                    "runs": runs,
                    "growth": grown,
                },
                indent=2,
            )
            + "\n"
        )
        log(f"wrote {out.relative_to(ROOT)}")
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
