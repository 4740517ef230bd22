"""The citizen-facing touch UI (Qt Quick) and the controller it binds to."""
