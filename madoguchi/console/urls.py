from django.urls import include, path

from madoguchi.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("center/switch/", views.center_switch, name="center_switch"),
    path("center/", views.center, name="center"),
    path("center/numbers/", views.number_add, name="number_add"),
    path("center/exceptions/", views.exception_add, name="exception_add"),
    path("center/exceptions/<int:pk>/delete/", views.exception_remove, name="exception_remove"),
    path("center/departments/", views.department_add, name="department_add"),
    path("audit/", views.audit, name="audit"),
    path("staff/", views.staff, name="staff"),
    path("staff/add/", views.staff_add_view, name="staff_add"),
    path("staff/<int:user_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:user_id>/roles/", views.role_grant, name="role_grant"),
    path(
        "staff/<int:user_id>/roles/<int:membership_id>/revoke/",
        views.role_revoke,
        name="role_revoke",
    ),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("calls/recordings/", include("madoguchi.console.urls_recordings")),
    path("calls/", include("madoguchi.console.urls_telephony")),
    path("live/", include("madoguchi.console.urls_live")),
    path("desk/", include("madoguchi.interactions.urls_console")),
    path("faq/", include("madoguchi.knowledge.urls_console")),
    path("bookings/", include("madoguchi.reservations.urls_console")),
    path("inbox/", include("madoguchi.inbox.urls_console")),
    path("staffing/", include("madoguchi.workforce.urls_console")),
    path("reports/", include("madoguchi.reports.urls_console")),
]
