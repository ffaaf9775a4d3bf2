"""The registry (`app.*`): accounts, licenses, integrations and groups, validated on the way in."""
