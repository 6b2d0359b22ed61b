from django.urls import path

from madoguchi.publicsite import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
]
