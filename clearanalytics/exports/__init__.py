"""Raw exports: the one column definition per exported table and everything derived from it.

`columns` defines each table once; `formats` turns rows into JSONL lines and CSV cells, and
`sqltext` has DuckDB write the same text inside the export query;
`bigquery` and `powerbi` describe the same columns to those tools. The export SQL lives in
`clearanalytics.stats.exports` and the routes in `clearanalytics.api.exports`.
"""
