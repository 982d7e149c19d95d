"""gunicorn settings for the union reform task tracker: `make serve`, the systemd unit of
docs/DEPLOY.md and the load test (bench/load/) all use this file.

gunicorn reads ./gunicorn.conf.py by itself when started from the project folder; elsewhere pass
`-c /srv/unionreform/gunicorn.conf.py`. Every value can be changed through the environment:

- `GUNICORN_BIND` (`127.0.0.1:8000`): the address, or `unix:/run/unionreform/gunicorn.sock`;
- `GUNICORN_WORKERS` (`WEB_CONCURRENCY`, else 2 × cores + 1): worker processes;
- `GUNICORN_TIMEOUT` (`30`): seconds before a silent (stuck) worker is killed and replaced (its
  request then gets gunicorn's bare English 500: nginx's proxy_read_timeout, 25 s in
  docs/DEPLOY.md, stays below this and answers with its Chinese 504 page first);
- `GUNICORN_GRACEFUL_TIMEOUT` (`30`): seconds workers get to finish their requests on HUP/TERM;
- `GUNICORN_MAX_REQUESTS` (`1000`) and `GUNICORN_MAX_REQUESTS_JITTER` (`100`): a worker is
  replaced after that many requests plus up to the jitter, so they are not all replaced at once;
- `GUNICORN_ACCESSLOG` (`-`, stdout): the access log file; empty for none;
- `FORWARDED_ALLOW_IPS` (gunicorn's own; else `DJANGO_TRUSTED_PROXIES`, else `127.0.0.1,::1`):
  the proxies whose X-Forwarded-Proto it trusts — one list with the app's, which reads the
  client's address from X-Forwarded-For only on a connection from these proxies;
- `DJANGO_CONN_MAX_AGE` (`60` here, `0` in settings.py): seconds a database connection is kept.

`GUNICORN_CMD_ARGS="--workers 3"` overrides anything on top (gunicorn's own variable).

Workers are plain synchronous processes: each serves one request at a time with its own
database connection, kept for `DJANGO_CONN_MAX_AGE` seconds and health-checked before reuse
(`CONN_HEALTH_CHECKS`), so a restarted PostgreSQL is reconnected to on the next request. Mind
PostgreSQL's `max_connections`: app servers × workers must stay below it.
"""

import os

from unionreform.env import env_addresses, env_int

# Persistent, health-checked database connections when serving (settings.py keeps 0, one
# connection a request, for development and tests). Set before the workers load Django.
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "60")


_cores = (getattr(os, "process_cpu_count", None) or os.cpu_count)() or 1

wsgi_app = "unionreform.wsgi:application"
proc_name = "unionreform"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = env_int("GUNICORN_WORKERS", env_int("WEB_CONCURRENCY", 2 * _cores + 1))
worker_class = "sync"
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)
if not os.environ.get("FORWARDED_ALLOW_IPS", "").strip():
    # gunicorn reads FORWARDED_ALLOW_IPS itself; without it, the proxies the app trusts
    forwarded_allow_ips = ",".join(env_addresses("DJANGO_TRUSTED_PROXIES", default="127.0.0.1,::1"))
# No preload: `kill -HUP <master>` then starts new workers on the new code (upgrades), and the
# old ones finish their requests first.
preload_app = False

# Logs: access lines and errors on stdout/stderr (journald or the terminal keeps them). Request
# time in milliseconds and the client address given by the proxy are in each access line.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The workers' heartbeat files in memory, not on a disk that may stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn 27 opens a control socket in $HOME/.gunicorn by default; several instances on one
# host would share it. Not used here (older gunicorn ignores the setting).
control_socket_disable = True
