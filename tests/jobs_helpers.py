"""Exports run as background jobs (core.jobs): start one as the browser does and fetch its file."""
from __future__ import annotations


def export_file(client, path: str):
    """POST `path` (an export's start URL with its filters), follow to the job page and download the file.

    Tests run huey in immediate mode, so the job has ended by the time the POST answers.
    """
    started = client.post(path)
    assert started.status_code == 303, (path, started.status_code, started.get_data(as_text=True)[:300])
    job_url = started.headers["Location"]
    assert "/jobs/" in job_url, job_url
    page = client.get(job_url)
    assert page.status_code == 200 and 'id="job-download"' in page.get_data(as_text=True), \
        page.get_data(as_text=True)[-1500:]
    return client.get(job_url.rstrip("/") + "/download")
