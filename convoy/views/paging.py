"""Page numbers from the query string."""


def page_number(value: str | None) -> int:
    """A page asked for in the query string; anything that is not a page number is page 1
    (a Paginator then clamps a number past the end to the last page)."""
    return int(value) if value and value.isdigit() and len(value) < 7 else 1
