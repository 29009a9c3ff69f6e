from django.urls import path

from convoy.views import commitment, dashboard, features, pcr

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
    # The 8-quarter commitment (R16)
    path("commitment/", commitment.cycle_list, name="commitment"),
    path(
        "commitment/<int:year>/q<int:quarter>/",
        commitment.cycle_detail,
        name="commitment_cycle",
    ),
    path(
        "commitment/<int:year>/q<int:quarter>/commit/",
        commitment.commitment_add,
        name="commitment_add",
    ),
    path(
        "commitment/<int:year>/q<int:quarter>/lock/",
        commitment.cycle_lock,
        name="commitment_lock",
    ),
    path(
        "commitment/<int:year>/q<int:quarter>/<int:pk>/edit/",
        commitment.commitment_edit,
        name="commitment_edit",
    ),
    path(
        "commitment/<int:year>/q<int:quarter>/<int:pk>/withdraw/",
        commitment.commitment_withdraw,
        name="commitment_withdraw",
    ),
    # Priority Change Requests (R17)
    path("convoys/<int:number>/pcrs/", pcr.pcr_list, name="pcr_list"),
    path("convoys/<int:number>/pcrs/<int:pcr>/", pcr.pcr_detail, name="pcr_detail"),
    path("convoys/<int:number>/pcrs/<int:pcr>/approve/", pcr.pcr_approve, name="pcr_approve"),
    path("convoys/<int:number>/pcrs/<int:pcr>/rule/", pcr.pcr_rule, name="pcr_rule"),
    path(
        "convoys/<int:number>/features/<int:feature>/pcr/new/",
        pcr.pcr_new,
        name="pcr_new",
    ),
]
