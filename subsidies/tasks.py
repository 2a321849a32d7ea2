"""Background statement batches (django-tasks, run by ``manage.py db_worker``)."""

from pathlib import Path

from django.conf import settings
from django_tasks import task

from subsidies import pdf
from subsidies.models import SettlementLine, StatementBatch


def batch_path(batch: StatementBatch) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "statements"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"batch-{batch.pk}.zip"


@task()
def build_statements(batch_id: int) -> None:
    batch = StatementBatch.objects.get(pk=batch_id)
    chosen = SettlementLine.objects.filter(run_id=batch.run_id).select_related(
        "run__county", "run__township", "clinic__township"
    )
    if batch.township_id:
        chosen = chosen.filter(clinic__township_id=batch.township_id)
    lines = list(chosen)
    StatementBatch.objects.filter(pk=batch_id).update(total=len(lines))
    try:
        content = pdf.statements_zip(
            lines, progress=lambda n: StatementBatch.objects.filter(pk=batch_id).update(done=n)
        )
        path = batch_path(batch)
        path.write_bytes(content)
        StatementBatch.objects.filter(pk=batch_id).update(
            state=StatementBatch.State.DONE, file=path.name, done=len(lines)
        )
    except Exception:
        StatementBatch.objects.filter(pk=batch_id).update(state=StatementBatch.State.FAILED)
        raise
