"""Background tasks (the django-tasks backport; `manage.py db_worker` runs them)."""

from django_tasks import task


@task()
def export_workbook_task(job_id: str) -> str:
    """Write the Release Tracking workbook of an ExportJob; returns the file name."""
    from convoy.ceremonies.exports import run_export_job

    export = run_export_job(job_id=job_id)
    return export.file_name if export is not None else ""
