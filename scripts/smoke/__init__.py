"""The pieces of scripts/production_smoke.py: the stack it starts, the visitors it sends, its progress."""
