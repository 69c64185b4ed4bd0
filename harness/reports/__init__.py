"""Reports: text tables, JUnit XML and self-contained HTML."""
