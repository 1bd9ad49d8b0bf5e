from django.contrib.auth import views as auth_views
from django.urls import path

from accord.web import imports, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:lead_id>/reject/", views.lead_reject, name="lead_reject"),
    path("leads/<int:lead_id>/assign/", views.lead_assign, name="lead_assign"),
    path("leads/<int:lead_id>/activity/", views.lead_activity, name="lead_activity"),
    path("leads/<int:lead_id>/touchpoint/", views.lead_touchpoint, name="lead_touchpoint"),
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="lead_convert"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/<int:opportunity_id>/stage/", views.opportunity_stage, name="opportunity_stage"),
    path(
        "opportunities/<int:opportunity_id>/close/",
        views.opportunity_close,
        name="opportunity_close",
    ),
    path("reports/funnel/", views.funnel, name="funnel"),
    path("notifications/", views.notifications, name="notifications"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:job_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:job_id>/start/", imports.import_start, name="import_start"),
    path("imports/<int:job_id>/errors.csv", imports.import_errors, name="import_errors"),
]
