"""Device drivers: one small interface per device class, a real driver and a simulator behind it."""
