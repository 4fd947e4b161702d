from qi_dash.cli import main

raise SystemExit(main())
