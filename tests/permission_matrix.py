"""The permission matrix (R4, §1): for every URL × every role plus anonymous, GET and POST,
the expected outcome. Checked cell by cell by tests/test_permission_matrix.py against the
demo organisation (one named person per role, CONVOY-26 closed, CONVOY-27 in Code Inspection).

Outcomes:
- "signin": redirect to sign-in (anonymous; the admin's own sign-in for non-staff).
- "403": refused for want of a role (R4), the refusal page naming the required role.
- "405": the method is not served by that URL.
- "read": 200, read-only: the page shows that role no mutating form.
- "allowed": GET: 200 with a form that role may submit; POST: past the permission check
  (a 200 with form errors, a redirect, or a 4xx business refusal citing its rule).
- "redirect": GET answered with a redirect elsewhere than sign-in (a page that moved).

A row is `row(kwargs, get=..., post=...)`: `kwargs` names the world's record the URL takes
(see `_kwargs_table` in the test); each method is "roles=outcome ... *=outcome" where roles
are comma-separated and `*` is every other role. A POST is sent with an empty body, or with
the row's minimal `body` where an empty one would stop before the permission check.
"""

ROLES = (
    "anonymous",
    "admiral",
    "commodore",
    "cso",
    "feature_captain",
    "code_engineer",
    "cset",
    "earb",
    "qa",
    "diat",
    "crap",
    "cgr",
    "rbrb",
    "csc",
    "douche",
    "leadership",
    "auditor",
)
# The demo person who acts in each role (convoy/demo.py ROSTER).
PEOPLE = {
    "admiral": "admiral",
    "commodore": "commodore",
    "cso": "cso",
    "feature_captain": "fc.okafor",
    "code_engineer": "ce.lindqvist",
    "cset": "cset",
    "earb": "earb",
    "qa": "qa",
    "diat": "diat",
    "crap": "crap.chair",
    "cgr": "cgr.osei",
    "rbrb": "rbrb",
    "csc": "csc.chair",
    "douche": "douche",
    "leadership": "lead.harrington",
    "auditor": "auditor",
}
# §1: read-only access; no POST by them may add an AuditEvent.
NO_CHANGE_ROLES = ("auditor", "rbrb")
OUTCOMES = frozenset({"signin", "403", "405", "read", "allowed", "redirect"})


def row(kwargs: str | None, *, get: str, post: str, body: dict | None = None) -> dict:
    return {"kwargs": kwargs, "GET": _cells(get), "POST": _cells(post), "body": body or {}}


def _cells(spec: str) -> dict[str, str]:
    cells: dict[str, str] = {}
    for part in spec.split():
        roles, outcome = part.split("=")
        for role in roles.split(","):
            cells[role] = outcome
    return cells


def post_body(name: str, role: str) -> dict[str, str]:
    """The row's minimal POST body; "{ROLE}" is the acting role's value (e.g. "EARB")."""
    return {
        key: value.replace("{ROLE}", role.upper()) for key, value in MATRIX[name]["body"].items()
    }


def expected(name: str, method: str, role: str) -> str:
    cells = MATRIX[name][method]
    return cells.get(role, cells.get("*", "?"))


MATRIX: dict[str, dict] = {
    "convoy:dashboard": row(None, get="anonymous=signin *=read", post="*=405"),
    "convoy:convoy_detail": row(
        "number", get="anonymous=signin commodore=allowed *=read", post="*=405"
    ),
    "convoy:convoy_advance": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:feature_list": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:feature_register": row(
        "number",
        get="anonymous=signin commodore,feature_captain=allowed *=403",
        post="anonymous=signin commodore,feature_captain=allowed *=403",
    ),
    "convoy:feature_detail": row(
        "feature", get="anonymous=signin commodore=allowed *=read", post="*=405"
    ),
    "convoy:feature_edit": row(
        "feature",
        get="anonymous=signin commodore=allowed *=403",
        post="anonymous=signin commodore=allowed *=403",
    ),
    "convoy:feature_status": row("feature", get="*=405", post="anonymous=signin *=403"),
    "convoy:feature_certify_testing": row(
        "feature", get="*=405", post="anonymous=signin qa=allowed *=403"
    ),
    "convoy:task_add": row("feature", get="*=405", post="anonymous=signin commodore=allowed *=403"),
    "convoy:task_split": row(
        "feature", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:priority": row(
        "number",
        get="anonymous=signin commodore=allowed *=read",
        post="anonymous=signin commodore=allowed *=403",
    ),
    "convoy:capacity": row(
        "number",
        get="anonymous=signin commodore=allowed *=read",
        post="anonymous=signin commodore=allowed *=403",
    ),
    "convoy:audit_trail": row(
        None, get="anonymous=signin admiral,commodore,cso,rbrb,auditor=read *=403", post="*=405"
    ),
    "convoy:commitment": row(
        None,
        get="anonymous=signin admiral=allowed *=read",
        post="anonymous=signin admiral=allowed *=403",
    ),
    "convoy:commitment_cycle": row("cycle", get="anonymous=signin *=read", post="*=405"),
    "convoy:commitment_add": row(
        "cycle", get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:commitment_lock": row(
        "cycle", get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:commitment_edit": row(
        "commitment",
        get="anonymous=signin admiral=read *=403",
        post="anonymous=signin admiral=allowed *=403",
    ),
    "convoy:commitment_withdraw": row(
        "commitment", get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:change_list": row(
        None, get="anonymous=signin code_engineer=allowed *=read", post="*=405"
    ),
    "convoy:change_record": row(
        None, get="*=405", post="anonymous=signin code_engineer=allowed *=403"
    ),
    "convoy:change_detail": row("change", get="anonymous=signin diat=allowed *=read", post="*=405"),
    "convoy:change_assessment": row(
        "change", get="*=405", post="anonymous=signin code_engineer=allowed *=403"
    ),
    "convoy:change_approve_assessment": row(
        "change",
        get="*=405",
        post="anonymous=signin feature_captain,cset,earb,douche=allowed *=403",
    ),
    "convoy:change_submit_for_inspection": row(
        "change", get="*=405", post="anonymous=signin code_engineer=allowed *=403"
    ),
    "convoy:change_inspection": row(
        "change", get="anonymous=signin cset=read *=403", post="anonymous=signin cset=allowed *=403"
    ),
    "convoy:change_inspection_release": row(
        "change", get="*=405", post="anonymous=signin cset=allowed *=403"
    ),
    "convoy:change_certify_testing": row(
        "change", get="*=405", post="anonymous=signin qa=allowed *=403"
    ),
    "convoy:change_validate_integrity": row(
        "change", get="*=405", post="anonymous=signin diat=allowed *=403"
    ),
    "convoy:change_signatures": row(
        "change",
        get="anonymous=signin *=read",
        post="anonymous=signin cgr,feature_captain,cset,earb,qa,diat,douche,commodore=allowed"
        " *=403",
    ),
    "convoy:change_archive_form": row("change", get="*=405", post="anonymous=signin *=403"),
    "convoy:change_submit_to_agenda": row(
        "change", get="anonymous=signin *=403", post="anonymous=signin *=403"
    ),
    "convoy:change_resubmit": row("change", get="*=405", post="anonymous=signin *=403"),
    "convoy:agenda": row(None, get="anonymous=signin crap=allowed *=read", post="*=405"),
    "convoy:convening_schedule": row(None, get="*=405", post="anonymous=signin crap=allowed *=403"),
    "convoy:convening_detail": row(
        "convening", get="anonymous=signin crap=allowed *=403", post="*=405"
    ),
    "convoy:convening_distribute": row(
        "convening", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:convening_open": row(
        "convening", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:convening_oath": row(
        "oath_supplicant", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:convening_timer_start": row(
        "convening_change", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:convening_timer_stop": row(
        "convening_change", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:convening_close": row(
        "convening", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:ballot": row("convening", get="anonymous=signin crap=read *=403", post="*=405"),
    "convoy:ballot_cast": row(
        "convening_change", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:oversight": row(
        None, get="anonymous=signin admiral,rbrb,auditor=read *=403", post="*=405"
    ),
    "convoy:emergency_declare": row(
        "change", get="anonymous=signin *=403", post="anonymous=signin *=403"
    ),
    "convoy:emergency_list": row(
        None, get="anonymous=signin admiral,crap,rbrb,auditor=read *=403", post="*=405"
    ),
    "convoy:emergency_detail": row(
        "emergency",
        get="anonymous=signin admiral,crap=allowed rbrb,auditor=read *=403",
        post="*=405",
    ),
    "convoy:emergency_agree": row(
        "emergency", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:emergency_approve": row(
        "emergency", get="*=405", post="anonymous=signin crap=allowed *=403"
    ),
    "convoy:emergency_authorize": row(
        "emergency", get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:oath_list": row(
        None, get="anonymous=signin admiral,crap,rbrb,auditor=read *=403", post="*=405"
    ),
    "convoy:oath_refer": row(
        "oath",
        get="anonymous=signin crap=allowed *=403",
        post="anonymous=signin crap=allowed *=403",
    ),
    "convoy:pcr_list": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:pcr_detail": row(
        "pcr", get="anonymous=signin feature_captain,cset,earb=allowed *=read", post="*=405"
    ),
    "convoy:pcr_approve": row(
        "pcr", get="*=405", post="anonymous=signin earb=allowed *=403", body={"role": "EARB"}
    ),
    "convoy:pcr_rule": row("pcr", get="*=405", post="anonymous=signin commodore=allowed *=403"),
    "convoy:pcr_new": row("feature", get="anonymous=signin *=403", post="anonymous=signin *=403"),
    "convoy:book_of_names": row(
        None, get="anonymous=signin earb=allowed *=read", post="anonymous=signin earb=allowed *=403"
    ),
    "convoy:name_submissions": row(None, get="anonymous=signin *=read", post="*=405"),
    "convoy:name_submit": row("feature", get="*=405", post="anonymous=signin *=403"),
    "convoy:name_rule": row(
        "name_submission", get="*=405", post="anonymous=signin earb=allowed *=403"
    ),
    "convoy:manifest": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:manifest_convoy_item": row(
        "manifest_convoy_kind",
        get="anonymous=signin commodore,earb=allowed *=read",
        post="anonymous=signin commodore,earb=allowed *=403",
    ),
    "convoy:manifest_feature_item": row(
        "manifest_feature_kind",
        get="anonymous=signin commodore=allowed *=read",
        post="anonymous=signin commodore=allowed *=403",
    ),
    "convoy:manifest_document_sign": row(
        "document", get="*=405", post="anonymous=signin earb=allowed *=403"
    ),
    "convoy:manifest_document_download": row(
        "document", get="anonymous=signin *=read", post="*=405"
    ),
    "convoy:metrics_home": row(None, get="anonymous=signin *=redirect", post="*=405"),
    "convoy:metrics_dashboard": row(
        "number",
        get="anonymous=signin admiral,commodore,leadership,auditor=read cso=allowed *=403",
        post="*=405",
    ),
    "convoy:metrics_publish": row("number", get="*=405", post="anonymous=signin cso=allowed *=403"),
    "convoy:metrics_flow_xray": row(
        "number",
        get="anonymous=signin admiral,commodore,cso,leadership,auditor=read *=403",
        post="*=405",
    ),
    "convoy:metrics_engineer": row(
        "engineer",
        get="anonymous=signin admiral,commodore,cso,diat,leadership,auditor=read *=403",
        post="*=405",
    ),
    "convoy:export_list": row(
        "number",
        get="anonymous=signin commodore=allowed admiral,auditor=read *=403",
        post="*=405",
    ),
    "convoy:export_start": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:export_job": row(
        "export_job", get="anonymous=signin commodore=read *=403", post="*=405"
    ),
    "convoy:export_retry": row(
        "export_job", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:export_job_status": row(
        "export_job", get="anonymous=signin commodore=read *=403", post="*=405"
    ),
    "convoy:export_download": row(
        "export_version",
        get="anonymous=signin admiral,commodore,auditor=read *=403",
        post="*=405",
    ),
    "convoy:deployment": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:deployment_request": row(
        "number", get="*=405", post="anonymous=signin feature_captain=allowed *=403"
    ),
    "convoy:deployment_approve": row(
        "deployment_request",
        get="*=405",
        post="anonymous=signin commodore=allowed *=403",
        body={"stage": "COMMODORE"},
    ),
    "convoy:deployment_checklist": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:deployment_deploy": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:deployment_yield": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:fleet_inspection": row("number26", get="anonymous=signin *=read", post="*=405"),
    "convoy:fleet_open": row(
        "number26", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:fleet_video": row(
        "number26", get="*=405", post="anonymous=signin douche=allowed *=403"
    ),
    "convoy:fleet_present": row(
        "number26", get="*=405", post="anonymous=signin feature_captain=allowed *=403"
    ),
    "convoy:fleet_score": row(
        "presentation", get="*=405", post="anonymous=signin leadership=allowed *=403"
    ),
    "convoy:fleet_conclude": row(
        "number26", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:fleet_compile": row("number26", get="*=405", post="anonymous=signin cso=allowed *=403"),
    "convoy:dry_dock": row("number26", get="anonymous=signin *=read", post="*=405"),
    "convoy:defect_report": row(
        "number26", get="*=405", post="anonymous=signin commodore,qa=allowed *=403"
    ),
    "convoy:defect_attribute": row(
        "defect", get="*=405", post="anonymous=signin diat=allowed *=403"
    ),
    "convoy:defect_fix": row(
        "defect", get="*=405", post="anonymous=signin commodore,qa=allowed *=403"
    ),
    "convoy:defect_reclassify": row(
        "number26", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:tribunal": row(
        None, get="anonymous=signin admiral,code_engineer=allowed *=read", post="*=405"
    ),
    "convoy:tribunal_convene": row(
        None, get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:tribunal_hear": row("case", get="*=405", post="anonymous=signin admiral=allowed *=403"),
    "convoy:tribunal_appeal": row("attribution", get="*=405", post="anonymous=signin *=403"),
    "convoy:tribunal_decide": row(
        "appeal", get="*=405", post="anonymous=signin diat=allowed *=403"
    ),
    "convoy:approval": row(
        "number", get="anonymous=signin feature_captain=allowed *=read", post="*=405"
    ),
    "convoy:approval_convene": row(
        "number", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_absence": row(
        "number", get="*=405", post="anonymous=signin feature_captain=allowed *=403"
    ),
    "convoy:approval_sitting": row("sitting", get="anonymous=signin *=read", post="*=405"),
    "convoy:approval_roll_call": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_presentation_start": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_presentation_end": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_deliberation": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_call_vote": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:approval_vote": row(
        "sitting", get="anonymous=signin csc=read *=403", post="anonymous=signin csc=allowed *=403"
    ),
    "convoy:approval_verdict": row(
        "sitting", get="*=405", post="anonymous=signin commodore=allowed *=403"
    ),
    "convoy:freeze": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:freeze_announce": row("number", get="*=405", post="anonymous=signin cso=allowed *=403"),
    "convoy:emergency_sail_list": row("number", get="anonymous=signin *=read", post="*=405"),
    "convoy:emergency_sail_new": row(
        "number",
        get="anonymous=signin commodore=allowed *=403",
        post="anonymous=signin commodore=allowed *=403",
    ),
    "convoy:emergency_sail_detail": row(
        "sail", get="anonymous=signin admiral,csc=allowed *=read", post="*=405"
    ),
    "convoy:emergency_sail_sign": row(
        "sail", get="*=405", post="anonymous=signin csc=allowed *=403"
    ),
    "convoy:emergency_sail_approve": row(
        "sail", get="*=405", post="anonymous=signin admiral=allowed *=403"
    ),
    "convoy:report_list": row(
        "number",
        get="anonymous=signin admiral,auditor=read commodore,cso=allowed *=403",
        post="*=405",
    ),
    "convoy:report_start": row(
        "number",
        get="*=405",
        post="anonymous=signin commodore=allowed *=403",
        body={"kind": "manifest"},
    ),
    "convoy:report_job": row(
        "report_job", get="anonymous=signin commodore=read *=403", post="*=405"
    ),
    "convoy:report_job_status": row(
        "report_job", get="anonymous=signin commodore=read *=403", post="*=405"
    ),
    "convoy:report_download": row(
        "rendering", get="anonymous=signin admiral,commodore,cso,auditor=read *=403", post="*=405"
    ),
    "login": row(None, get="*=allowed", post="*=allowed"),
    "logout": row(None, get="*=405", post="*=signin"),
    "healthz": row(None, get="*=read", post="*=405"),
    "admin:index": row(None, get="admiral=read *=signin", post="admiral=allowed *=signin"),
}
