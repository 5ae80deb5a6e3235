"""duo: the platform on which the branches of DUO for a JOB run their mentoring programme."""
