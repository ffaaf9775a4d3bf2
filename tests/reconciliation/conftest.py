import pytest

from tests.reconciliation.world import World


@pytest.fixture
def world(con):
    """An account 'alice' in a fresh warehouse, ready for integrations and seeded faults."""
    return World(con)
