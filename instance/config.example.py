# Copy to instance/config.py (make run does this for you) and adjust. Never commit instance/config.py.
# Every key can also be set as an environment variable PORTAL_<KEY> (SECRET_KEY and DATABASE_URL also without prefix).

# "development" generates a SECRET_KEY into instance/secret_key on first run. In production leave APP_ENV unset
# and set SECRET_KEY (python -c 'import secrets; print(secrets.token_hex(32))').
APP_ENV = "development"
# SECRET_KEY = "..."

# Default: SQLite in instance/portal.sqlite3. For PostgreSQL:
# DATABASE_URL = "postgresql://user:password@127.0.0.1:5432/portal"

# Login throttling shared by every gunicorn worker (memory:// is per process):
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"

# Behind an HTTPS reverse proxy:
# HTTPS = True       # Secure cookies, https URLs
# PROXY_FIX = 1      # trust one proxy's X-Forwarded-For/-Proto/-Host

# TIMEZONE = "Asia/Shanghai"

# The @domain of calendar event UIDs; keep it fixed once people have imported .ics files (e.g. your domain name).
# CALENDAR_UID_DOMAIN = "portal.example.com"

# Background jobs (exports, reminders) queue in SQLite in instance/jobs/ by default; `make run` starts a worker.
# With workers on other hosts, share a Redis (every web and worker process sets the same URL):
# REDIS_URL = "redis://127.0.0.1:6379/1"
# JOBS_FOLDER = "/srv/portal/jobs"   # result files: shared storage when workers run on other hosts
# JOBS_KEEP_DAYS = 7                 # `flask jobs clean` (daily on the worker) removes older result files
