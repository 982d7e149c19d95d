"""Demo data: `generate` fills an invented province at any size (manage.py generate_demo);
`lived_in` turns the seed import into a plan in use, a few months into its reporting
(manage.py create_demo_plan, which make run calls)."""
