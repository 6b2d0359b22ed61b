"""Console URLs of the reservations context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations import views_console as v

app_name = "reservations_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.home, name="home"),
    path("proxy/", v.proxy_entry, name="proxy"),
    path("person/<int:pk>/", v.person, name="person"),
    path("person/<int:pk>/book/", v.book, name="book"),
    path("b/<str:reference>/", v.booking_detail, name="booking"),
    path("b/<str:reference>/cancel/", v.cancel, name="cancel"),
    path("b/<str:reference>/change/", v.change, name="change"),
    path("venues/", v.venues, name="venues"),
    path("slots/", v.slots, name="slots"),
    path("slots/<int:pk>/", v.slot_edit, name="slot_edit"),
    path("roster/", v.roster, name="roster"),
    path("lists/", v.venue_lists, name="venue_lists"),
]
