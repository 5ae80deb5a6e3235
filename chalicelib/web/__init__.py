"""The public pages and mails: Jinja2 templates, Babel catalogues, labels of the vocabulary."""
