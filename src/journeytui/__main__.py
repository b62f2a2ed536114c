"""``python -m journeytui`` runs the command line."""

from journeytui.cli import main

raise SystemExit(main())
