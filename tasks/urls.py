from django.urls import path

from tasks.views import dashboard, measures, priorities, sources, timetable

app_name = "tasks"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("measures/", measures.measure_list, name="measure_list"),
    path("measures/bulk", measures.measure_bulk, name="measure_bulk"),
    path("measures/<int:pk>/", measures.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/assign", measures.measure_assign, name="measure_assign"),
    path("measures/<int:pk>/progress", measures.measure_progress, name="measure_progress"),
    path("measures/<int:pk>/milestones", measures.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/", measures.milestone_update, name="milestone_update"),
    path("milestones/<int:pk>/delete", measures.milestone_delete, name="milestone_delete"),
    path("timetable/", timetable.timetable, name="timetable"),
    path("priorities/", priorities.priority_list, name="priority_list"),
    path("priorities/move", priorities.priority_move, name="priority_move"),
    path("sources/<int:pk>/", sources.source_detail, name="source_detail"),
]
