"""One spider per source kind; the file stem is the spider name."""
