"""Schema migrations: append a new list of statements, never edit a released one.

``PRAGMA user_version`` holds how many have run; each runs in its own transaction.
"""

MIGRATIONS: list[list[str]] = [
    [  # 1: cases, steps, subjects, ratings, outbox, device events, counters
        """CREATE TABLE cases (
            case_no TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, service_id TEXT NOT NULL,
            item_code TEXT NOT NULL, flow_version TEXT NOT NULL, started_at REAL NOT NULL,
            finished_at REAL, outcome TEXT, data TEXT)""",
        """CREATE TABLE case_steps (
            id INTEGER PRIMARY KEY, case_no TEXT NOT NULL REFERENCES cases(case_no),
            step_id TEXT NOT NULL, step_type TEXT NOT NULL, outcome TEXT NOT NULL, at REAL NOT NULL)""",
        "CREATE INDEX case_steps_case ON case_steps(case_no)",
        """CREATE TABLE case_subjects (
            case_no TEXT PRIMARY KEY REFERENCES cases(case_no), id_number TEXT, name TEXT, card_type TEXT)""",
        """CREATE TABLE ratings (
            case_no TEXT PRIMARY KEY, item_code TEXT NOT NULL, level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            indicators TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL, at REAL NOT NULL)""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL,
            created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, delivered_at REAL)""",
        "CREATE INDEX outbox_pending ON outbox(delivered_at, id)",
        """CREATE TABLE device_events (
            id INTEGER PRIMARY KEY, device TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
            detail TEXT NOT NULL, at REAL NOT NULL)""",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    ],
]

MIGRATIONS.append(
    [  # 2: print jobs journal (no double print), flow bundles, cached reference data
        """CREATE TABLE print_jobs (
        job_key TEXT PRIMARY KEY, case_no TEXT, printer TEXT NOT NULL, kind TEXT NOT NULL,
        state TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, detail TEXT NOT NULL DEFAULT '')""",
        "CREATE INDEX print_jobs_state ON print_jobs(state)",
        """CREATE TABLE flow_bundles (
        version INTEGER PRIMARY KEY, path TEXT NOT NULL, state TEXT NOT NULL, received_at REAL NOT NULL,
        activated_at REAL, detail TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE reference_data (
        name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL)""",
    ]
)

MIGRATIONS.append(
    [  # 3: delivery bookkeeping, purge marks, sync state
        "ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE outbox ADD COLUMN purged_at REAL",
        "CREATE INDEX outbox_delivered ON outbox(delivered_at) WHERE delivered_at IS NOT NULL",
        "CREATE INDEX cases_open ON cases(outcome) WHERE outcome IS NULL",
        """CREATE TABLE sync_state (
        name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL)""",
    ]
)

MIGRATIONS.append(
    [  # 4: ratings of rating set 2 (flows/ratings.yaml): indicators hold {id: score}, 差评 reasons, the set's version
        "ALTER TABLE ratings ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE ratings ADD COLUMN set_version INTEGER NOT NULL DEFAULT 1",
    ]
)
