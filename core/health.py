"""GET /healthz: is the database reachable, and the broker? 200 when both are, 503 otherwise."""

from celery import current_app as celery_app
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.models import Heartbeat


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and the reason is reported
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": str(transport)}


def _last_beat(database_ok: bool) -> str | None:
    if not database_ok:
        return None
    try:
        beat = Heartbeat.objects.filter(name="beat").only("seen_at").first()
    except Exception:  # noqa: BLE001 - e.g. tables not migrated yet; health must still answer
        return None
    return beat.seen_at.isoformat() if beat else None


@never_cache
@require_GET
def healthz(request):
    database = _check_database()
    broker = _check_broker()
    ok = database["ok"] and broker["ok"]
    body = {
        "status": "ok" if ok else "unavailable",
        "time": timezone.now().isoformat(),
        "database": database,
        "broker": broker,
        "last_beat_heartbeat": _last_beat(database["ok"]),
    }
    return JsonResponse(body, status=200 if ok else 503)
