from django.contrib.auth import views as auth_views
from django.urls import path

from response import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("queue/new/", views.queue_new, name="queue_new"),
    path("mentions/<int:pk>/", views.mention_detail, name="mention"),
    path("mentions/<int:pk>/snapshot/", views.snapshot, name="mention_snapshot"),
    path("mentions/<int:pk>/confirm/", views.confirm, name="mention_confirm"),
    path("mentions/<int:pk>/dismiss/", views.dismiss, name="mention_dismiss"),
    path("mentions/<int:pk>/correct/", views.correct, name="mention_correct"),
    path("mentions/<int:pk>/merge/", views.merge, name="mention_merge"),
    path("cases/", views.case_board, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/consultation/", views.add_consultation, name="case_consultation"),
    path("cases/<int:pk>/response/", views.add_response, name="case_response"),
    path("cases/<int:pk>/close/", views.close, name="case_close"),
    path("cases/<int:pk>/reopen/", views.reopen, name="case_reopen"),
    path("cases/policy/", views.register_policy, name="case_register_policy"),
    path("cases/<int:pk>/reassign/", views.reassign, name="case_reassign"),
    path("cases/<int:pk>/level/", views.set_level, name="case_level"),
    path("cases/<int:pk>/extension/", views.request_extension, name="case_extension"),
    path("cases/<int:pk>/extensions/<int:ext_pk>/decide/", views.decide_extension, name="case_extension_decide"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
]
