from datetime import date

from django.tasks import task

from accord.reports.wins import wins_digest_send


@task()
def wins_digest_email(week_ending: str) -> int:
    """Email the wins digest of the week ending `week_ending` (a Sunday, ISO date) to every
    active user; a week without wins sends nothing. The digest is recomputed here from the
    append-only history, so it is the same whenever the worker gets to it. There is no
    per-recipient record of a digest sent (that would be a field on the user, and `people`
    is left alone), so a retry after a run that failed halfway sends the week again to
    those who already had it: django-tasks does not retry on its own."""
    return wins_digest_send(week_ending=date.fromisoformat(week_ending))


@task()
def dashboard_refresh(date_from: str, date_to: str, compare: str, today: str) -> None:
    """Compute the dashboard of [date_from, date_to] again for the page's snapshot (ISO
    dates). Idempotent: a second run stores the same figures, computed a little later."""
    from accord.reports.dashboard import dashboard_snapshot_store

    dashboard_snapshot_store(
        date_from=date.fromisoformat(date_from),
        date_to=date.fromisoformat(date_to),
        compare=compare,
        today=date.fromisoformat(today),
    )


@task()
def summaries_refresh_task() -> int:
    """Bring the funnel's and velocity's summaries up to the committed lead events, so the
    next report has little left to read. Idempotent: with nothing new it changes nothing."""
    from accord.reports.summaries import summaries_refresh

    return summaries_refresh()
