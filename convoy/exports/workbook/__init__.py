"""The Release Tracking workbook (DOMAIN.md §10): tabs.py lists the 47 tabs, builder.py
writes them, cells.py is where user text is kept from becoming a formula (R55)."""
