"""Crypto tax integrations: exchanges, EVM wallets and manual entries normalized into DuckDB."""
