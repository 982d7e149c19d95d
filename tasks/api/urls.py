from django.contrib.auth.decorators import login_required
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tasks.api import views

app_name = "api"

router = SimpleRouter()
router.register("federations", views.FederationViewSet, basename="federation")
router.register("bodies", views.BodyViewSet, basename="body")
router.register("sources", views.SourceViewSet, basename="source")
router.register("areas", views.AreaViewSet, basename="area")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("reports", views.ReportViewSet, basename="report")
router.register("extension-requests", views.ExtensionRequestViewSet, basename="extension-request")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("deletions", views.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # a page for people: the site's login first, then the API with their session
    path("docs/", login_required(views.DocsView.as_view(url_name="api:schema")), name="docs"),
    path("", include(router.urls)),
]
