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
