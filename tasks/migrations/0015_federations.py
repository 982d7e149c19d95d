"""Federations (DESIGN §7): every source, area and measure is put in the root federation's plan,
which is chosen here when there is a plan and none is marked: the root of the organisation
tree (the parentless 工会 with the most bodies below it), else a new body named by
DJANGO_ROOT_FEDERATION. Ranks become unique per federation."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def into_root_federation(apps, schema_editor):
    Body = apps.get_model("tasks", "ResponsibleBody")
    planned = [apps.get_model("tasks", name) for name in ("Source", "ReformArea", "Measure")]
    if not any(model.objects.exists() for model in planned):
        return  # nothing planned yet: the root is chosen when the first row needs it
    root = Body.objects.filter(is_root_federation=True).first()
    if root is None:
        unions = Body.objects.filter(parent=None, kind="union")
        root = unions.annotate(below=models.Count("children")).order_by("-below", "pk").first()
        if root is None:
            root, _ = Body.objects.get_or_create(
                name=settings.TASKS_ROOT_FEDERATION, defaults={"kind": "union"}
            )
        Body.objects.filter(pk=root.pk).update(is_root_federation=True)
    for model in planned:
        model.objects.filter(federation=None).update(federation=root)
    apps.get_model("tasks", "HistoricalMeasure").objects.filter(federation=None).update(
        federation=root
    )


def planned_field():
    return models.ForeignKey(
        blank=True,
        help_text="Whose plan it is in.",
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="tasks.responsiblebody",
        verbose_name="federation",
    )


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0014_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='source',
            name='source_unique_file_title',
        ),
        migrations.RemoveConstraint(
            model_name='source',
            name='source_unique_content',
        ),
        migrations.AddField(
            model_name='historicalmeasure',
            name='below_red_from',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeasure',
            name='below_yellow_from',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeasure',
            name='federation',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Whose plan it is in.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tasks.responsiblebody', verbose_name='federation'),
        ),
        migrations.AddField(
            model_name='historicalmeasure',
            name='weight',
            field=models.PositiveSmallIntegerField(default=1, help_text="Its share in its parent measure's progress, against its siblings'.", validators=[django.core.validators.MaxValueValidator(100)], verbose_name='weight'),
        ),
        migrations.AddField(
            model_name='measure',
            name='below_red_from',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='measure',
            name='below_yellow_from',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='measure',
            name='federation',
            field=models.ForeignKey(blank=True, help_text='Whose plan it is in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tasks.responsiblebody', verbose_name='federation'),
        ),
        migrations.AddField(
            model_name='measure',
            name='weight',
            field=models.PositiveSmallIntegerField(default=1, help_text="Its share in its parent measure's progress, against its siblings'.", validators=[django.core.validators.MaxValueValidator(100)], verbose_name='weight'),
        ),
        migrations.AddField(
            model_name='reformarea',
            name='federation',
            field=models.ForeignKey(blank=True, help_text='Whose plan it is in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tasks.responsiblebody', verbose_name='federation'),
        ),
        migrations.AddField(
            model_name='responsiblebody',
            name='is_root_federation',
            field=models.BooleanField(default=False, help_text="The federation at the top of this install's tree (省总工会, say): the 工会 below it are the federations whose plans this install holds.", verbose_name='root federation'),
        ),
        migrations.AddField(
            model_name='source',
            name='federation',
            field=models.ForeignKey(blank=True, help_text='Whose plan it is in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tasks.responsiblebody', verbose_name='federation'),
        ),
        migrations.AlterField(
            model_name='historicalmeasure',
            name='rank',
            field=models.PositiveIntegerField(blank=True, help_text="Position in its federation's priority order (1 comes first).", verbose_name='rank'),
        ),
        migrations.AlterField(
            model_name='measure',
            name='rank',
            field=models.PositiveIntegerField(blank=True, help_text="Position in its federation's priority order (1 comes first).", verbose_name='rank'),
        ),
        migrations.RunPython(into_root_federation, migrations.RunPython.noop),
        migrations.AlterField(model_name="measure", name="federation", field=planned_field()),
        migrations.AlterField(model_name="reformarea", name="federation", field=planned_field()),
        migrations.AlterField(model_name="source", name="federation", field=planned_field()),
        migrations.AddConstraint(
            model_name='measure',
            constraint=models.UniqueConstraint(fields=('federation', 'rank'), name='measure_rank_per_plan'),
        ),
        migrations.AddConstraint(
            model_name='responsiblebody',
            constraint=models.UniqueConstraint(condition=models.Q(('is_root_federation', True)), fields=('is_root_federation',), name='body_one_root_federation'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.UniqueConstraint(fields=('federation', 'file_name', 'title'), name='source_unique_file_title'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.UniqueConstraint(condition=models.Q(('content_hash', ''), _negated=True), fields=('federation', 'content_hash'), name='source_unique_content'),
        ),
        migrations.AlterField(
            model_name='notice',
            name='kind',
            field=models.CharField(choices=[('report_filed', 'A report was filed'), ('report_returned', 'A report was returned'), ('report_accepted', 'A report was accepted'), ('extension_decided', 'An extension was decided'), ('measure_assigned', 'A measure was assigned'), ('chased', 'A report is chased (催报)'), ('handed_down', 'A measure was handed down (下达)')], max_length=30, verbose_name='kind'),
        ),
        migrations.AddIndex(
            model_name='reformarea',
            index=models.Index(fields=['federation', 'order', 'id'], name='area_plan_order'),
        ),
    ]
