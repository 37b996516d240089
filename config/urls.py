from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "舆情监测与回应系统 · 管理后台"
admin.site.site_title = "yuqing 管理后台"
admin.site.index_title = "配置与数据"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("response.urls")),
]
