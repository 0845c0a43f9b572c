# DemoPart moved to the demo app (taizhang.demo). Only Django's model state changes here; the table is kept
# and renamed by demo.0001_initial, so a database with the demo loaded keeps its bookkeeping.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_append_only'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='DemoPart')],
            database_operations=[],
        ),
    ]
