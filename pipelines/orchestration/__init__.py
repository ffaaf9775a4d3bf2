"""Orchestration: when syncs run (schedules, sensors, Sync All from outside) and how many at once."""
