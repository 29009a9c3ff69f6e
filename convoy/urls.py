from django.urls import path

from convoy.views import dashboard, features

app_name = "convoy"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("convoys/<int:number>/", dashboard.convoy_detail, name="convoy_detail"),
    path("convoys/<int:number>/advance/", dashboard.convoy_advance, name="convoy_advance"),
    path(
        "convoys/<int:number>/features/<int:feature>/",
        features.feature_detail,
        name="feature_detail",
    ),
    path("audit/", dashboard.audit_trail, name="audit_trail"),
]
