"""Writers of the evaluation report: JSON, CSV, Excel and a self-contained offline HTML page."""
