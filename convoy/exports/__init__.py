"""Exports of the Convoy's records: the Release Tracking workbook (§10) and, later, the PDFs."""
