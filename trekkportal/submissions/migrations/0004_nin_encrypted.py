"""Deduction lines keep no plain identity number: the rows already stored are encrypted and
hashed (lib.nincrypt), then the plain column is dropped."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from trekkportal.lib.identity import mask_nin
    from trekkportal.lib.nincrypt import NinSealer

    DeductionLine = apps.get_model("submissions", "DeductionLine")
    sealer = NinSealer()
    batch = []
    lines = DeductionLine.objects.exclude(nin="").only("pk", "nin").order_by("pk")
    for line in lines.iterator(chunk_size=2000):
        line.nin_encrypted = sealer.encrypt(line.nin)
        line.nin_hash = sealer.hash(line.nin)
        line.nin_masked = mask_nin(line.nin)
        batch.append(line)
        if len(batch) >= 2000:
            DeductionLine.objects.bulk_update(batch, ["nin_encrypted", "nin_hash", "nin_masked"])
            batch = []
    if batch:
        DeductionLine.objects.bulk_update(batch, ["nin_encrypted", "nin_hash", "nin_masked"])


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0003_period_company_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="deductionline",
            name="nin_encrypted",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="identity number (encrypted)"
            ),
        ),
        migrations.AddField(
            model_name="deductionline",
            name="nin_hash",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="identity number (keyed hash)"
            ),
        ),
        migrations.AddField(
            model_name="deductionline",
            name="nin_masked",
            field=models.CharField(
                blank=True, max_length=11, verbose_name="national identity number"
            ),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(model_name="deductionline", name="deductionline_nin"),
        migrations.RemoveField(model_name="deductionline", name="nin"),
        migrations.AddIndex(
            model_name="deductionline",
            index=models.Index(fields=["nin_hash"], name="deductionline_nin_hash"),
        ),
    ]
