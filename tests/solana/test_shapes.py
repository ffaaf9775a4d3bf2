"""The imitation answers in the real RPC's shapes: every method it serves is asked over HTTP and its
answer parsed by solders' typed response classes (the Rust types of the Solana RPC client), and
the documentation's getTransaction example is read by the normalize query like a synced record."""

from __future__ import annotations

import json
import urllib.request
from decimal import Decimal
from pathlib import Path

from pipelines.connectors.solana.config import MAINNET_GENESIS, STAKE_PROGRAM, TOKEN_PROGRAMS
from pipelines.imitations.solana.scenario import FEE_TOKEN, SPAM, STAKE_ACCOUNT, USDC, WALLET, token_account
from pipelines.imitations.solana.server import SolanaImitation

DOCS_EXAMPLE = Path(__file__).parent / "data" / "gettransaction_docs_example.json"


def ask(rpc, method: str, *params) -> str:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    with urllib.request.urlopen(urllib.request.Request(rpc.url, data=body, method="POST")) as answer:
        return answer.read().decode()


def test_every_method_the_imitation_serves_parses_with_solders(rpc):
    from solders.rpc import responses as r

    ledger, h = rpc.ledger, rpc.history
    reward_epoch = ledger.rewards[0].epoch
    wallet_sigs = json.loads(ask(rpc, "getSignaturesForAddress", WALLET, {"limit": 1000}))["result"]
    asked = {
        "getGenesisHash": [(r.GetGenesisHashResp, ())],
        "getBalance": [(r.GetBalanceResp, (WALLET, {"commitment": "finalized"}))],
        "getAccountInfo": [(r.GetAccountInfoJsonParsedResp, (address, {"encoding": "jsonParsed", "commitment": "finalized"}))
                           for address in (SPAM.address, USDC.address, WALLET)],  # Token-2022 with metadata, SPL, none
        "getTokenAccountsByOwner": [(r.GetTokenAccountsByOwnerJsonParsedResp,
                                     (WALLET, {"programId": program}, {"encoding": "jsonParsed", "commitment": "finalized"}))
                                    for program in TOKEN_PROGRAMS],
        "getProgramAccounts": [
            (r.GetProgramAccountsWithContextJsonParsedResp, (STAKE_PROGRAM, {
                "encoding": "jsonParsed", "withContext": True, "filters": [{"memcmp": {"offset": 44, "bytes": WALLET}}]})),
            (r.GetProgramAccountsJsonParsedResp, (STAKE_PROGRAM, {
                "encoding": "jsonParsed", "filters": [{"memcmp": {"offset": 44, "bytes": WALLET}}]}))],
        "getSignaturesForAddress": [(r.GetSignaturesForAddressResp, (address, {"limit": 1000, "commitment": "finalized"}))
                                    for address in (WALLET, token_account(WALLET, FEE_TOKEN))],
        # Every transaction of the scenario the wallet took part in, but the pool's payouts after the first.
        "getTransaction": [(r.GetTransactionResp, (sig, {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0}))
                           for sig in {*vars(h).values(), wallet_sigs[0]["signature"]} - {h.pending}],
        "getEpochInfo": [(r.GetEpochInfoResp, ())],
        "getInflationReward": [(r.GetInflationRewardResp, ([STAKE_ACCOUNT, WALLET], {"epoch": reward_epoch}))],
        "getBlockTime": [(r.GetBlockTimeResp, (ledger.rewards[0].slot,))],
    }
    served = {name[1:] for name in vars(SolanaImitation) if name.startswith("_get")}
    assert served == set(asked), "a method the imitation serves is not validated here"
    for method, calls in asked.items():
        for cls, params in calls:
            parsed = cls.from_json(ask(rpc, method, *params))
            assert type(parsed) is cls, (method, parsed)  # an error answer parses as another class
    genesis = r.GetGenesisHashResp.from_json(ask(rpc, "getGenesisHash"))
    assert str(genesis.value) == MAINNET_GENESIS
    v0 = r.GetTransactionResp.from_json(ask(rpc, "getTransaction", h.v0_lookup,
                                            {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0}))
    assert v0.value.transaction.version == 0
    keys = v0.value.transaction.transaction.message.account_keys
    assert [str(k.source).split(".")[-1] for k in keys] == ["Transaction", "Transaction", "LookupTable"]
    # As the real node does, a v0 transaction is refused to a client that does not say it reads them.
    refused = json.loads(ask(rpc, "getTransaction", h.v0_lookup, {"encoding": "jsonParsed"}))
    assert refused["error"]["code"] == -32015


def test_the_documentation_example_is_read_by_the_normalize_query(warehouse, sync, query):
    """The docs' getTransaction answer (json encoding: keys as plain strings) stored as a synced
    record of its fee payer's wallet: the 5,000-lamport fee is booked, nothing else moved."""
    from solders.rpc.responses import GetTransactionResp

    from pipelines.registry.accounts import add_account
    from pipelines.registry.integrations import add_integration
    from pipelines.sync.build import build
    from pipelines.warehouse import connect, transaction

    text = DOCS_EXAMPLE.read_text()
    # The docs' sample leaves out `meta.status` and spells the reward type "rent", where nodes send
    # the status and "Rent" (solders requires both): with them it is a GetTransactionResp. The
    # normalize query reads neither, so it reads the sample as it is.
    completed = json.loads(text)
    completed["result"]["meta"]["status"] = {"Ok": None}
    completed["result"]["meta"]["rewards"][0]["rewardType"] = "Rent"
    assert type(GetTransactionResp.from_json(json.dumps(completed))) is GetTransactionResp
    result = json.loads(text)["result"]
    payer = result["transaction"]["message"]["accountKeys"][0]
    signature = result["transaction"]["signatures"][0]
    with connect(warehouse) as con, transaction(con):
        add_account(con, "docs", "UTC", "EUR")
        wallet = add_integration(con, "docs", "Docs", "wallet", "solana", settings={"address": payer},
                                 credentials={"rpc_url": "http://127.0.0.1:9"})
        con.execute("""INSERT INTO raw.records VALUES
                       (?, 'transactions', ?, TIMESTAMP '2024-01-01 00:00:00', ?::JSON, now()),
                       (?, 'addresses', ?, NULL, ?::JSON, now())""",
                    [wallet, signature, json.dumps(result), wallet, payer, json.dumps({"address": payer})])
        build(con, [wallet])
    assert query("""SELECT label, fee_asset_id, fee_amount, outgoing_amount, incoming_amount FROM core.transactions
                    WHERE integration_id = ?""", wallet) == [("Fee", "solana:native", Decimal("0.000005"), None, None)]
