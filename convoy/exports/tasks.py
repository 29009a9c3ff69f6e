"""Background tasks (the django-tasks backport; `manage.py db_worker` runs them)."""

from django_tasks import task


@task()
def export_workbook_task(job_id: str) -> str:
    """Write the Release Tracking workbook of an ExportJob; returns the file name."""
    from convoy.ceremonies.exports import run_export_job

    export = run_export_job(job_id=job_id)
    return export.file_name if export is not None else ""


@task()
def render_report_task(job_id: str) -> str:
    """Render the document of a ReportJob (§13); returns the file name."""
    from convoy.ceremonies.reports import run_report_job

    rendering = run_report_job(job_id=job_id)
    return rendering.file_name if rendering is not None else ""
