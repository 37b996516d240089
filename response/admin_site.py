"""The admin (管理后台) is open to the roles that manage the bureau: the office and admins, by their
role, not by a separate ``is_staff`` flag someone must remember to tick (issue 14's leftover: an
office user added to the group saw neither the link nor the admin). ``is_staff`` still opens it for
accounts that have it (superusers, technical staff); what anyone may do there is their permissions."""
from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class BureauAdminSite(AdminSite):
    site_header = "舆情监测与回应系统 · 管理后台"
    site_title = "yuqing 管理后台"
    index_title = "配置与数据"

    def has_permission(self, request: HttpRequest) -> bool:
        from response import roles

        return roles.uses_admin(request.user)


class BureauAdminConfig(AdminConfig):
    default_site = "response.admin_site.BureauAdminSite"
