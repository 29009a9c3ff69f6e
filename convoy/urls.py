from django.urls import path

from convoy.views import approval as approval_views
from convoy.views import changes as change_views
from convoy.views import commitment, dashboard, features, pcr
from convoy.views import convenings as convening_views
from convoy.views import deployment as deployment_views
from convoy.views import emergency as emergency_views
from convoy.views import exports as export_views
from convoy.views import fleet as fleet_views
from convoy.views import manifest as manifest_views
from convoy.views import metrics as metrics_views
from convoy.views import names as names_views
from convoy.views import oversight as oversight_views
from convoy.views import referrals as referral_views
from convoy.views import reports as report_views
from convoy.views import tribunal as tribunal_views

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
        "convoys/<int:number>/features/<int:feature>/certify-testing/",
        features.feature_certify_testing,
        name="feature_certify_testing",
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
    # The CRAP: Emergency Authorization Provision (R34) and false-oath referrals (R35)
    path(
        "changes/<int:pk>/emergency/",
        emergency_views.emergency_declare,
        name="emergency_declare",
    ),
    path("emergencies/", emergency_views.emergency_list, name="emergency_list"),
    path("emergencies/<int:pk>/", emergency_views.emergency_detail, name="emergency_detail"),
    path("emergencies/<int:pk>/agree/", emergency_views.emergency_agree, name="emergency_agree"),
    path(
        "emergencies/<int:pk>/approve/",
        emergency_views.emergency_approve,
        name="emergency_approve",
    ),
    path(
        "emergencies/<int:pk>/authorize/",
        emergency_views.emergency_authorize,
        name="emergency_authorize",
    ),
    path("oaths/", referral_views.oath_list, name="oath_list"),
    path("oaths/<int:pk>/refer/", referral_views.oath_refer, name="oath_refer"),
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
    # Metrics: the CSO dashboard and Signal Report, the Flow X-ray, the Tribunal's figures
    # (R33, R48-R51, §12)
    path("metrics/", metrics_views.metrics_home, name="metrics_home"),
    path(
        "metrics/convoys/<int:number>/", metrics_views.metrics_dashboard, name="metrics_dashboard"
    ),
    path(
        "metrics/convoys/<int:number>/publish/",
        metrics_views.metrics_publish,
        name="metrics_publish",
    ),
    path(
        "metrics/convoys/<int:number>/flow-xray/",
        metrics_views.metrics_flow_xray,
        name="metrics_flow_xray",
    ),
    path(
        "metrics/convoys/<int:number>/engineers/<str:username>/",
        metrics_views.metrics_engineer,
        name="metrics_engineer",
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
        "convoys/<int:number>/exports/jobs/<uuid:job>/retry/",
        export_views.export_retry,
        name="export_retry",
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
    # Deploy the Fleet, Fleet Inspection, Dry Dock and the Tribunal (R43-R47, R52, R53)
    path("convoys/<int:number>/deployment/", deployment_views.deployment, name="deployment"),
    path(
        "convoys/<int:number>/deployment/request/",
        deployment_views.deployment_request,
        name="deployment_request",
    ),
    path(
        "convoys/<int:number>/deployment/request/<int:pk>/approve/",
        deployment_views.deployment_approve,
        name="deployment_approve",
    ),
    path(
        "convoys/<int:number>/deployment/checklist/",
        deployment_views.deployment_checklist,
        name="deployment_checklist",
    ),
    path(
        "convoys/<int:number>/deployment/deploy/",
        deployment_views.deployment_deploy,
        name="deployment_deploy",
    ),
    path(
        "convoys/<int:number>/deployment/yield/",
        deployment_views.deployment_yield,
        name="deployment_yield",
    ),
    path(
        "convoys/<int:number>/fleet-inspection/",
        fleet_views.fleet_inspection,
        name="fleet_inspection",
    ),
    path("convoys/<int:number>/fleet-inspection/open/", fleet_views.fleet_open, name="fleet_open"),
    path(
        "convoys/<int:number>/fleet-inspection/videos/",
        fleet_views.fleet_video,
        name="fleet_video",
    ),
    path(
        "convoys/<int:number>/fleet-inspection/present/",
        fleet_views.fleet_present,
        name="fleet_present",
    ),
    path(
        "convoys/<int:number>/fleet-inspection/presentations/<int:presentation>/score/",
        fleet_views.fleet_score,
        name="fleet_score",
    ),
    path(
        "convoys/<int:number>/fleet-inspection/conclude/",
        fleet_views.fleet_conclude,
        name="fleet_conclude",
    ),
    path(
        "convoys/<int:number>/fleet-inspection/compile/",
        fleet_views.fleet_compile,
        name="fleet_compile",
    ),
    path("convoys/<int:number>/dry-dock/", tribunal_views.dry_dock, name="dry_dock"),
    path(
        "convoys/<int:number>/dry-dock/defects/",
        tribunal_views.defect_report,
        name="defect_report",
    ),
    path(
        "convoys/<int:number>/dry-dock/defects/<int:pk>/attribute/",
        tribunal_views.defect_attribute,
        name="defect_attribute",
    ),
    path(
        "convoys/<int:number>/dry-dock/defects/<int:pk>/fix/",
        tribunal_views.defect_fix,
        name="defect_fix",
    ),
    path(
        "convoys/<int:number>/dry-dock/reclassify/",
        tribunal_views.defect_reclassify,
        name="defect_reclassify",
    ),
    path("tribunal/", tribunal_views.tribunal, name="tribunal"),
    path("tribunal/convene/", tribunal_views.tribunal_convene, name="tribunal_convene"),
    path("tribunal/cases/<int:pk>/hear/", tribunal_views.tribunal_hear, name="tribunal_hear"),
    path(
        "tribunal/attributions/<int:pk>/appeal/",
        tribunal_views.tribunal_appeal,
        name="tribunal_appeal",
    ),
    path(
        "tribunal/appeals/<int:pk>/decide/", tribunal_views.tribunal_decide, name="tribunal_decide"
    ),
    # Manifest Approval, the Change Freeze and Emergency Sail (R9, R38-R42)
    path("convoys/<int:number>/approval/", approval_views.approval, name="approval"),
    path(
        "convoys/<int:number>/approval/convene/",
        approval_views.approval_convene,
        name="approval_convene",
    ),
    path(
        "convoys/<int:number>/approval/absence/",
        approval_views.approval_absence,
        name="approval_absence",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/",
        approval_views.approval_sitting,
        name="approval_sitting",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/roll-call/",
        approval_views.approval_roll_call,
        name="approval_roll_call",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/presentation/start/",
        approval_views.approval_presentation_start,
        name="approval_presentation_start",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/presentation/end/",
        approval_views.approval_presentation_end,
        name="approval_presentation_end",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/deliberation/",
        approval_views.approval_deliberation,
        name="approval_deliberation",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/call-vote/",
        approval_views.approval_call_vote,
        name="approval_call_vote",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/vote/",
        approval_views.approval_vote,
        name="approval_vote",
    ),
    path(
        "convoys/<int:number>/approval/<int:pk>/verdict/",
        approval_views.approval_verdict,
        name="approval_verdict",
    ),
    path("convoys/<int:number>/freeze/", approval_views.freeze, name="freeze"),
    path(
        "convoys/<int:number>/freeze/announce/",
        approval_views.freeze_announce,
        name="freeze_announce",
    ),
    path(
        "convoys/<int:number>/emergency-sail/",
        approval_views.emergency_sail_list,
        name="emergency_sail_list",
    ),
    path(
        "convoys/<int:number>/emergency-sail/new/",
        approval_views.emergency_sail_new,
        name="emergency_sail_new",
    ),
    path(
        "convoys/<int:number>/emergency-sail/<int:pk>/",
        approval_views.emergency_sail_detail,
        name="emergency_sail_detail",
    ),
    path(
        "convoys/<int:number>/emergency-sail/<int:pk>/sign/",
        approval_views.emergency_sail_sign,
        name="emergency_sail_sign",
    ),
    path(
        "convoys/<int:number>/emergency-sail/<int:pk>/approve/",
        approval_views.emergency_sail_approve,
        name="emergency_sail_approve",
    ),
    # The documents of §13: Manifest, Fleet Inspection Report, Commendation (R46, R47, R56)
    path("convoys/<int:number>/documents/", report_views.report_list, name="report_list"),
    path(
        "convoys/<int:number>/documents/render/",
        report_views.report_start,
        name="report_start",
    ),
    path(
        "convoys/<int:number>/documents/jobs/<uuid:job>/",
        report_views.report_job,
        name="report_job",
    ),
    path(
        "convoys/<int:number>/documents/jobs/<uuid:job>/status/",
        report_views.report_job_status,
        name="report_job_status",
    ),
    path(
        "convoys/<int:number>/documents/<slug:kind>/v<int:version>/download/",
        report_views.report_download,
        name="report_download",
    ),
]
