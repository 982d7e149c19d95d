from django.urls import path
from django.views.generic import RedirectView

from tasks import views

app_name = "tasks"

urlpatterns = [
    # The dashboard takes "/" once it exists; until then the task book is the home page.
    path("", RedirectView.as_view(pattern_name="tasks:measure_list"), name="home"),
    path("measures/", views.measure_list, name="measure_list"),
]
