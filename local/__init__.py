"""The laptop stack: moto on loopback, chalice local, demo data, local tokens. Never deployed."""
