"""Report files of the operations area: XLSX workbooks, chart images and the catalogue spreadsheet."""
