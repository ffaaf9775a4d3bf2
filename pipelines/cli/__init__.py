"""The `pipelines` command: one CLI for the whole product."""
