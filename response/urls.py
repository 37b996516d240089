from django.contrib.auth import views as auth_views
from django.urls import path

from response import views
from response.views import alerts as alert_views
from response.views import bulk as bulk_views
from response.views import casenotes as note_views
from response.views import cases as case_views
from response.views import exports as export_views
from response.views import reports as report_views
from response.views import search as search_views
from response.views import signoff as signoff_views
from response.views import stories as story_views

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
    path("cases/<int:pk>/assignee/", case_views.assign_person, name="case_assignee"),
    path("cases/<int:pk>/notes/", note_views.add_note, name="case_note"),
    path("cases/<int:pk>/signoff/", signoff_views.submit_for_signoff, name="case_signoff"),
    path("cases/<int:pk>/drafts/<int:draft_pk>/decide/", signoff_views.decide_signoff, name="case_draft_decide"),
    path("signoffs/", signoff_views.signoff_list, name="signoffs"),
    path("queue/bulk/", bulk_views.bulk_action, name="queue_bulk"),
    path("queue/dismissed/", bulk_views.dismissed_list, name="dismissed"),
    path("queue/export/", export_views.export_queue, name="queue_export"),
    path("mentions/<int:pk>/restore/", bulk_views.restore, name="mention_restore"),
    path("search/", search_views.search_view, name="search"),
    path("search/saved/", search_views.save_filter, name="saved_filter_save"),
    path("search/saved/<int:pk>/delete/", search_views.delete_filter, name="saved_filter_delete"),
    path("cases/export/", export_views.export_cases, name="cases_export"),
    path("dashboard/export/", export_views.export_stats, name="stats_export"),
    path("digest/", export_views.digest_preview, name="digest_preview"),
    path("digest/body/", export_views.digest_preview_body, name="digest_preview_body"),
    path("digest/test-send/", export_views.digest_test_send, name="digest_test_send"),
    path("alerts/", alert_views.alerts_poll, name="alerts"),
    path("stories/<int:pk>/", story_views.story, name="story"),
    path("cases/<int:pk>/report.<str:fmt>", report_views.case_report, name="case_report"),
    path("cases/<int:pk>/next-steps/", report_views.next_steps, name="case_next_steps"),
    path("reports/", report_views.period_form, name="report_period_form"),
    path("reports/period.<str:fmt>", report_views.period_report, name="report_period"),
]
