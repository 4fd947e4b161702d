import sys

from qi_dash.cli import main

sys.exit(main())
