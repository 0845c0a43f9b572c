# DemoPart came from core (core.0003_demopart_to_demo_app): the model enters this app's state over the
# existing table core_demopart, which is then renamed to demo_demopart. Rows loaded before the move stay.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0003_demopart_to_demo_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DemoPart',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=64, unique=True)),
                        ('size', models.CharField(default='bureau', max_length=16)),
                        ('loaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'verbose_name': '演示数据',
                        'verbose_name_plural': '演示数据',
                        'db_table': 'core_demopart',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='demopart', table=None),
    ]
