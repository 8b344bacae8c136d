"""Background jobs: a queue table in the application's own database and a ``flask --app elearn
worker`` process that runs them (beside gunicorn in production; started by scripts/demo.sh).

No extra service: PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``, SQLite (one writer at a
time) with a single ``UPDATE .. RETURNING``. A feature registers a :class:`~.services.Task` under
a kind (``roster.import``, later e.g. a certificates backfill), enqueues a job with a JSON payload
in the request, and the page follows the job's progress.
"""
