"""``python -m ccf_py.demo_data OUT.csv.gz [--month YYYY-MM] [--seed N] [--rows-scale N]``."""

from ccf_py.demo_data import main

raise SystemExit(main())
