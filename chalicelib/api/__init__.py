"""HTTP layer: Chalice blueprints with thin handlers. The only package that imports Chalice."""
