from django.urls import path

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
    path("account/two-factor/", views.two_factor, name="two_factor"),
]
