"""gunicorn's settings for the portal: `gunicorn -c deploy/gunicorn.conf.py 'portal:create_app()'`
(what `make serve` runs). Each can be set from the environment.

- workers: one per CPU plus one (GUNICORN_WORKERS), each with GUNICORN_THREADS threads (4): a
  page waits on the database part of the time, and the threads fill it;
- a worker that stops answering for GUNICORN_TIMEOUT seconds (60) is replaced; on a restart or
  a deploy each worker finishes the requests it has within GUNICORN_GRACEFUL_TIMEOUT (30);
- a worker is replaced after about 10,000 requests, so a slow leak never builds up;
- the access log is one JSON object a line on standard output, with the request id, and never
  the query string (mailed links' tokens are in paths the portal's own log blanks; queries may
  hold anything).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = 10_000
max_requests_jitter = 1_000
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# %(U)s is the path without its query string; {x-request-id}o the id the portal answered with.
access_log_format = (
    '{"time": "%(t)s", "request_id": "%({x-request-id}o)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s, '
    '"remote": "%(h)s", "user_agent": "%(a)s"}'
)
