from django.urls import path

from convoy.views import changes as change_views
from convoy.views import commitment, dashboard, features, pcr
from convoy.views import convenings as convening_views
from convoy.views import exports as export_views
from convoy.views import manifest as manifest_views
from convoy.views import names as names_views
from convoy.views import oversight as oversight_views

app_name = "convoy"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("convoys/<int:number>/", dashboard.convoy_detail, name="convoy_detail"),
    path("convoys/<int:number>/advance/", dashboard.convoy_advance, name="convoy_advance"),
    # Features, status, tasks, priority and capacity (R11-R15)
    path("convoys/<int:number>/features/", features.feature_list, name="feature_list"),
    path("convoys/<int:number>/features/new/", features.feature_register, name="feature_register"),
    path(
        "convoys/<int:number>/features/<int:feature>/",
        features.feature_detail,
        name="feature_detail",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/edit/",
        features.feature_edit,
        name="feature_edit",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/status/",
        features.feature_status,
        name="feature_status",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/tasks/",
        features.task_add,
        name="task_add",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/tasks/split/",
        features.task_split,
        name="task_split",
    ),
    path("convoys/<int:number>/priority/", features.priority, name="priority"),
    path("convoys/<int:number>/capacity/", features.capacity, name="capacity"),
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
    # The Change pipeline (R19-R25)
    path("changes/", change_views.change_list, name="change_list"),
    path("changes/new/", change_views.change_record, name="change_record"),
    path("changes/<int:pk>/", change_views.change_detail, name="change_detail"),
    path("changes/<int:pk>/assessment/", change_views.change_assessment, name="change_assessment"),
    path(
        "changes/<int:pk>/assessment/approve/",
        change_views.change_approve_assessment,
        name="change_approve_assessment",
    ),
    path(
        "changes/<int:pk>/inspection/submit/",
        change_views.change_submit_for_inspection,
        name="change_submit_for_inspection",
    ),
    path("changes/<int:pk>/inspection/", change_views.change_inspection, name="change_inspection"),
    path(
        "changes/<int:pk>/inspection/release/",
        change_views.change_inspection_release,
        name="change_inspection_release",
    ),
    path(
        "changes/<int:pk>/testing/",
        change_views.change_certify_testing,
        name="change_certify_testing",
    ),
    path(
        "changes/<int:pk>/integrity/",
        change_views.change_validate_integrity,
        name="change_validate_integrity",
    ),
    path("changes/<int:pk>/signatures/", change_views.change_signatures, name="change_signatures"),
    path(
        "changes/<int:pk>/signatures/archive/",
        change_views.change_archive_form,
        name="change_archive_form",
    ),
    path(
        "changes/<int:pk>/agenda/",
        change_views.change_submit_to_agenda,
        name="change_submit_to_agenda",
    ),
    path("changes/<int:pk>/resubmit/", change_views.change_resubmit, name="change_resubmit"),
    # The CRAP: agenda, Convenings and the secret ballot (R3, R24-R35, R58)
    path("convenings/", convening_views.agenda, name="agenda"),
    path("convenings/schedule/", convening_views.convening_schedule, name="convening_schedule"),
    path("convenings/<int:pk>/", convening_views.convening_detail, name="convening_detail"),
    path(
        "convenings/<int:pk>/distribute/",
        convening_views.convening_distribute,
        name="convening_distribute",
    ),
    path("convenings/<int:pk>/open/", convening_views.convening_open, name="convening_open"),
    path(
        "convenings/<int:pk>/oath/<int:supplicant>/",
        convening_views.convening_oath,
        name="convening_oath",
    ),
    path(
        "convenings/<int:pk>/changes/<int:change>/timer/start/",
        convening_views.convening_timer_start,
        name="convening_timer_start",
    ),
    path(
        "convenings/<int:pk>/changes/<int:change>/timer/stop/",
        convening_views.convening_timer_stop,
        name="convening_timer_stop",
    ),
    path("convenings/<int:pk>/close/", convening_views.convening_close, name="convening_close"),
    path("convenings/<int:pk>/ballot/", convening_views.ballot, name="ballot"),
    path(
        "convenings/<int:pk>/ballot/<int:change>/",
        convening_views.ballot_cast,
        name="ballot_cast",
    ),
    path("oversight/", oversight_views.oversight, name="oversight"),
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
    # EARB naming compliance (R18)
    path("book-of-names/", names_views.book_of_names, name="book_of_names"),
    path("name-submissions/", names_views.name_submissions, name="name_submissions"),
    path(
        "convoys/<int:number>/features/<int:feature>/name/submit/",
        names_views.name_submit,
        name="name_submit",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/name/<int:submission>/rule/",
        names_views.name_rule,
        name="name_rule",
    ),
    # The Convoy Manifest (R36, R37)
    path("convoys/<int:number>/manifest/", manifest_views.manifest, name="manifest"),
    path(
        "convoys/<int:number>/manifest/attestations/<slug:kind>/",
        manifest_views.manifest_convoy_item,
        name="manifest_convoy_item",
    ),
    path(
        "convoys/<int:number>/features/<int:feature>/manifest/<slug:kind>/",
        manifest_views.manifest_feature_item,
        name="manifest_feature_item",
    ),
    path(
        "convoys/<int:number>/manifest/documents/<int:pk>/sign/",
        manifest_views.manifest_document_sign,
        name="manifest_document_sign",
    ),
    path(
        "convoys/<int:number>/manifest/documents/<int:pk>/download/",
        manifest_views.manifest_document_download,
        name="manifest_document_download",
    ),
    # The Release Tracking workbook (§10, R54-R56)
    path("convoys/<int:number>/exports/", export_views.export_list, name="export_list"),
    path("convoys/<int:number>/exports/start/", export_views.export_start, name="export_start"),
    path(
        "convoys/<int:number>/exports/jobs/<uuid:job>/",
        export_views.export_job,
        name="export_job",
    ),
    path(
        "convoys/<int:number>/exports/jobs/<uuid:job>/status/",
        export_views.export_job_status,
        name="export_job_status",
    ),
    path(
        "convoys/<int:number>/exports/v<int:version>/download/",
        export_views.export_download,
        name="export_download",
    ),
]
