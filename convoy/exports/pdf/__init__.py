"""The PDF documents of §13, rendered with WeasyPrint from HTML templates (templates/reports/)
and one print stylesheet per document family (static/reports/). Nothing here knows of HTTP."""
