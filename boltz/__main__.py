from boltz.cli import main

raise SystemExit(main())
