"""``python -m drivers.idcard.simulator`` runs :func:`drivers.idcard.simulator.cli.main`."""

from drivers.idcard.simulator.cli import main

raise SystemExit(main())
