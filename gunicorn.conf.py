"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py "app:create_app()"`.

Every value can be overridden with an environment variable of the same name in upper case (GUNICORN_WORKERS, ...).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core plus one, each with a few threads: pages mostly wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))  # a 100,000-row .xlsx export takes ~30-50 s here
graceful_timeout = 30
keepalive = 5
# Load the app once in the master: faster start and shared memory. Each worker opens its own connections
# because SQLAlchemy engines connect lazily.
preload_app = True
max_requests = 2000  # recycle workers now and then so slow leaks cannot grow
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
