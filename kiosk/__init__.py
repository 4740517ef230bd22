"""The kiosk application: CLI, configuration, the Qt Quick touch UI, the session and the sync client."""
