"""How many addresses a TRC-20 token paid in one transaction: spam evidence for Tron, as the EVM
connector's token_fanout (`connectors/wallet/history.py`) is for EVM chains.

A spammer pushes a token to hundreds of addresses in one call; a payment pays one. TronGrid's TRC-20
history shows only the wallet's own transfers, so for each new transaction that paid the wallet a
token it did not send itself, the transaction's events (`/v1/transactions/:id/events`) are read
and the distinct recipients of each token contract's Transfer events counted. Only the counts are
kept (stream `token_fanout`, read by raw.token_transfer_facts). Well-known tokens (USDT, USDC)
are never spam, so their payments cost no request; a sync with nothing new reads no events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from pipelines.connectors.tron.trongrid import TronGrid


def sender(tx: dict[str, Any]) -> str:
    """The hex address (41...) that sent a transaction of `/v1/accounts/:a/transactions`."""
    return str(tx["raw_data"]["contract"][0]["parameter"]["value"].get("owner_address", "")).lower()


def token_fanout(client: TronGrid, wallet_hex: str, txs: list[dict], transfers: list[dict],
                 known: Collection[str]) -> list[dict]:
    """One record per new transaction that moved a token of the wallet which the wallet did not
    send: {transaction_id, block_timestamp, recipients: {contract: distinct addresses paid}}."""
    sent = {tx["txID"] for tx in txs if sender(tx) == wallet_hex.lower()}
    times: dict[str, int] = {}
    for transfer in transfers:
        if transfer["transaction_id"] not in sent and transfer["token_info"]["address"] not in known:
            times[transfer["transaction_id"]] = transfer["block_timestamp"]
    out = []
    for txid, at in sorted(times.items()):
        paid: dict[str, set[str]] = defaultdict(set)
        for event in client.events(txid):
            if event.get("event_name") == "Transfer" and (event.get("result") or {}).get("to"):
                paid[event["contract_address"]].add(str(event["result"]["to"]).lower())
        out.append({"transaction_id": txid, "block_timestamp": at,
                    "recipients": {contract: len(to) for contract, to in sorted(paid.items())}})
    return out
