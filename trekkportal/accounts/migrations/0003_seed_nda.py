"""The first NDA version: the union's text from the user guide."""

from django.db import migrations

from trekkportal.accounts.nda import SEED_TEXT


def seed(apps, schema_editor):
    NdaVersion = apps.get_model("accounts", "NdaVersion")
    NdaVersion.objects.get_or_create(version=1, defaults={"text": SEED_TEXT})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_ndaversion_user_session_epoch_ndaacceptance")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
