"""The periods of the files read before reconciliation existed."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    DeductionLine = apps.get_model("submissions", "DeductionLine")
    FilePeriod = apps.get_model("reconciliation", "FilePeriod")
    rows = (
        DeductionLine.objects.filter(valid=True, submitted_file__state="done")
        .annotate(effective=Coalesce(F("period"), F("submitted_file__submission__period")))
        .values_list("submitted_file_id", "submitted_file__submission__company_id", "effective")
        .distinct()
        .order_by()
    )
    FilePeriod.objects.bulk_create(
        (FilePeriod(submitted_file_id=f, company_id=c, period=p) for f, c, p in rows),
        batch_size=500,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0001_initial"),
        ("submissions", "0004_nin_encrypted"),
    ]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
