"""Trading transactions with other trackers (Koinly, CoinTracking, Blockpit) through their CSV layouts,
and marking manual transactions that a later sync brings again as superseded (see docs/interchange.md)."""
