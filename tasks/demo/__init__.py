"""Demo data: `generate` fills an invented province at any size (manage.py generate_demo)."""
