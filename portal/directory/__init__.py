"""The public member directory: search, filters, sorting and paging of approved members."""
