"""factory_boy factories: predictable data (Sequence, never random)."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model

from tasks.models import Measure, Milestone, ProgressReport, ReformArea, ResponsibleBody, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"干部{n}")
    password = factory.django.Password("pass-word-2026")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*extracted)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"关于深化工会改革的实施方案（第{n}稿）")
    author = "省总工会改革办"
    text = "一、总体要求"
    file_name = factory.Sequence(lambda n: f"plan-{n}.txt")
    content_hash = factory.Sequence(lambda n: f"{n:064d}")


class ReformAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReformArea

    source = factory.SubFactory(SourceFactory)
    ordinal = factory.Sequence(lambda n: f"第{n}")
    title = factory.Sequence(lambda n: f"改革领域{n}")
    order = factory.Sequence(lambda n: n + 1)


class ResponsibleBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibleBody
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"第{n}责任单位")
    kind = ResponsibleBody.Kind.UNION


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    area = factory.SubFactory(ReformAreaFactory)
    title = factory.Sequence(lambda n: f"具体举措{n}")
    rank = factory.Sequence(lambda n: n + 1)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    measure = factory.SubFactory(MeasureFactory)
    title = factory.Sequence(lambda n: f"节点{n}")
    due_date = factory.Sequence(lambda n: date(2026, 12, 1) + timedelta(days=n))


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    measure = factory.SubFactory(MeasureFactory)
    period = "2026-11"
    progress = 30
