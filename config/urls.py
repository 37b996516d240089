from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

admin.site.site_header = "舆情监测与回应系统 · 管理后台"
admin.site.site_title = "yuqing 管理后台"
admin.site.index_title = "配置与数据"



def healthz(request):
    """Liveness for the container runtime (plain HTTP, exempt from the HTTPS redirect)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("response.urls")),
]
