from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accord import __version__


@require_GET
def healthz(request):
    """Liveness and database status, for load balancers and `accord demo`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as error:  # any failure means "not healthy", whatever its type
        database = {"status": "error", "vendor": connection.vendor, "error": str(error)[:200]}
    healthy = database["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "version": __version__, "database": database},
        status=200 if healthy else 503,
    )
