"""``python -m ccf_py.demo_data OUT [--provider aws|gcp|azure] [--month YYYY-MM] [--seed N]``."""

from ccf_py.demo_data import main

raise SystemExit(main())
