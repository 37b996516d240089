"""factory_boy factories for the response app's models (realistic Chinese content)."""
from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from response import models as m


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Iterator(["小陈", "李科长", "王科员", "张主任"])
    email = factory.LazyAttribute(lambda u: f"{u.username}@bureau.example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Source
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"source-{n}")
    name = factory.Iterator(["闽南日报", "东南网", "漳州新闻网", "市司法局领导信箱"])
    kind = m.Source.Kind.RSS
    url = factory.LazyAttribute(lambda s: f"http://127.0.0.1:9/{s.slug}/feed.xml")
    reach = m.Reach.MUNICIPAL


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Mention

    source = factory.SubFactory(SourceFactory)
    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/news/{n}.html")
    url_hash = factory.LazyAttribute(lambda o: m.Mention.hash_url(o.url))
    title = "市民投诉某律师事务所收费后不作为 律师工作科介入调查"
    text = "市民林女士反映，她委托某律师事务所代理民间借贷纠纷，支付律师费3万元后，承办律师多次错过举证期限。"
    fetched_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyFunction(timezone.now)


def _allocate(at) -> str:
    from django.db import transaction

    from response.services.cases import allocate_number

    with transaction.atomic():
        return allocate_number(at)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Case

    # Numbers from the real allocator, so factory cases and opened cases share one gapless series.
    number = factory.LazyAttribute(lambda o: _allocate(o.opened_at))
    origin_key = factory.Sequence(lambda n: f"test:{n}")
    title = "网传某司法所工作人员暴力执法殴打当事人"
    section = factory.LazyFunction(lambda: m.Section.objects.get(code="office"))
    opened_at = factory.LazyFunction(timezone.now)
    state = m.Case.State.HANDLING
