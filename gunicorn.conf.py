"""gunicorn's settings, read from this directory by `make serve` and by any `gunicorn` started here.
Each can be changed by the environment named beside it, or on the command line."""

import gc
import multiprocessing
import os

wsgi_app = "kb.wsgi:application"
bind = os.environ.get("KB_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and holds one database connection. gunicorn's own advice,
# two per core plus one, keeps the cores busy while some workers wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("KB_TIMEOUT", "30"))  # a worker stuck this long is restarted
graceful_timeout = 30  # time to finish requests in flight on a restart
keepalive = 5  # seconds, for a load balancer that reuses connections
max_requests = 5000  # workers are replaced now and then, so that no leak can grow for ever
max_requests_jitter = 500
errorlog = "-"
accesslog = os.environ.get("KB_ACCESS_LOG")  # "-" for standard output; off by default
# gunicorn's control socket lives at one path per user: several servers on one machine (the tests,
# the benchmarks, a blue-green restart) would take it from each other, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Once a worker has loaded the project, its objects (some 126,000: modules, classes,
    functions) are left out of Python's garbage collection, which would otherwise go through all of
    them in each full collection: 30-40 ms every hundred or so searches, in one reader's request.
    Garbage is collected first, so that none is kept for good."""
    gc.collect()
    gc.freeze()
