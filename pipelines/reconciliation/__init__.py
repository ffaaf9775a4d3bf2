"""Reconciliation beyond one integration: account-wide marts, transfers between one's own
integrations, divergence points, and the data-quality suite."""
