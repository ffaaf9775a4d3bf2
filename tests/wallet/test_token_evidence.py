"""Spam classification on evidence, against a real anvil node: listed tokens are known, fakes and
poisoning are spam with a reason, tokens with no evidence are unverified but still reconciled, and
the user's trust or ignore overrides every rule (issue 22, item 1)."""

from __future__ import annotations

from decimal import Decimal

ETHER = 10**18
#: Tether USD on Ethereum, as the Uniswap default token list names it.
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
#: Aave on Ethereum: on the list, but not one of the chain registry's few built-in contracts.
AAVE = "0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9"
#: `many_recipients` of migration 090: a transaction paying this many addresses is an airdrop.
MANY_RECIPIENTS = 10


def _verdicts(wallets, integration: str) -> dict[str, tuple[str, str]]:
    rows = wallets.query("SELECT contract, status, reason FROM raw.token_metadata WHERE integration_id = ?", [integration])
    return {contract: (status, reason) for contract, status, reason in rows}


def _reconciled(wallets, integration: str) -> dict[str, tuple]:
    rows = wallets.query(
        "SELECT asset_id, status, ignored, token_status, token_reason, synced, calculated "
        "FROM marts.balance_reconciliation WHERE integration_id = ?", [integration])
    return {r[0]: r[1:] for r in rows}


def _portfolio(wallets) -> dict[str, Decimal]:
    from pipelines.reconciliation.marts import build_balances
    from pipelines.warehouse import connect, transaction

    with connect(wallets.warehouse) as con, transaction(con):
        build_balances(con)
    return dict(wallets.query("SELECT asset, amount FROM marts.portfolio WHERE account_id = 'alice'"))


def test_received_listed_token_is_known_and_a_fake_at_another_contract_is_spam(wallets, chain):
    me, spammer = chain.new_address(), chain.new_address()
    chain.send(chain.faucet, spammer, ETHER)
    start = chain.block + 1
    real = chain.deploy_at(USDT, "TestToken", "Tether USD", "USDT", 6)
    chain.transact(real.functions.mint(me, 250_000_000), chain.faucet)  # only ever received
    aave = chain.deploy_at(AAVE, "TestToken", "Aave", "AAVE", 18)
    chain.transact(aave.functions.mint(me, 2 * ETHER), chain.faucet)  # only ever received
    fake = chain.deploy("SpamToken", sender=spammer)  # also "Tether USD" / "USDT"
    chain.transact(fake.functions.airdrop(chain.faucet, [me], 1_000_000), spammer)

    integration = wallets.add("Listed", [me], start_block=start)
    wallets.sync(integration)

    verdicts = _verdicts(wallets, integration)
    assert verdicts[USDT.lower()] == verdicts[AAVE.lower()] == ("known", "listed in Uniswap Labs Default")
    assert verdicts[fake.address.lower()] == ("spam", f"imitates the listed token USDT {USDT.lower()}")
    rows = _reconciled(wallets, integration)
    assert rows[f"ethereum:{USDT.lower()}"] == ("match", False, "known", "listed in Uniswap Labs Default",
                                               Decimal(250), Decimal(250))
    assert rows[f"ethereum:{AAVE.lower()}"][:3] == ("match", False, "known")
    assert rows[f"ethereum:{fake.address.lower()}"][:3] == ("match", True, "spam")
    portfolio = _portfolio(wallets)
    assert (portfolio["USDT"], portfolio["AAVE"]) == (Decimal(250), Decimal(2))  # never the fake's 1 USDT


def test_unverified_tokens_are_reconciled_and_a_rebase_mismatch_shows(wallets, chain, cli):
    me = chain.new_address()
    start = chain.block + 1
    old = chain.deploy("Bytes32Token", 1_000)
    rebasing = chain.deploy("RebasingToken")
    chain.transact(old.functions.transfer(me, 40), chain.faucet)
    chain.transact(rebasing.functions.mint(me, 100 * ETHER), chain.faucet)
    chain.transact(rebasing.functions.rebase(110), chain.faucet)  # +10%, no Transfer event

    integration = wallets.add("Unverified", [me], start_block=start)
    wallets.sync(integration)

    unverified = ("unverified", "on no token list, and no evidence of spam")
    assert _verdicts(wallets, integration) == {old.address.lower(): unverified, rebasing.address.lower(): unverified}
    rows = _reconciled(wallets, integration)
    assert rows[f"ethereum:{old.address.lower()}"][:4] == ("match", False, *unverified)
    assert rows[f"ethereum:{rebasing.address.lower()}"] == ("mismatch", False, *unverified, Decimal(110), Decimal(100))
    assert "RST" in _portfolio(wallets)  # held, valued only where a price exists (none here)

    shown = cli("balances", "--integration", integration, "--mismatches")
    assert shown.code == 0
    assert rebasing.address.lower() in shown.out and "unverified token" in shown.out
    assert old.address.lower() not in shown.out  # it matches


def test_url_name_and_zero_value_transfer_are_spam(wallets, chain):
    me = chain.new_address()
    start = chain.block + 1
    advert = chain.deploy("TestToken", "Visit https://claim-usd.example to claim", "CLAIM", 18)
    poison = chain.deploy("TestToken", "Plain Token", "PLAIN", 18)
    word = chain.deploy("TestToken", "Reward Token", "RWD", 18)  # the word alone is no call to act
    chain.transact(advert.functions.mint(me, ETHER), chain.faucet)
    chain.transact(word.functions.mint(me, ETHER), chain.faucet)
    chain.transact(poison.functions.mint(me, 0), chain.faucet)  # a zero-value Transfer to the wallet

    integration = wallets.add("Spam", [me], start_block=start)
    wallets.sync(integration)

    assert _verdicts(wallets, integration) == {
        advert.address.lower(): ("spam", "its name or symbol carries a URL or a claim/visit/reward call"),
        poison.address.lower(): ("spam", "a zero-value transfer the wallet did not send (address poisoning)"),
        word.address.lower(): ("unverified", "on no token list, and no evidence of spam"),
    }
    assert {status for _, _, status in wallets.reconciliation(integration).values()} == {"match"}


def test_trust_and_ignore_decide_last(wallets, chain, cli):
    me, spammer = chain.new_address(), chain.new_address()
    chain.send(chain.faucet, spammer, ETHER)
    start = chain.block + 1
    fake = chain.deploy("SpamToken", sender=spammer)
    plain = chain.deploy("TestToken", "Plain Token", "PLAIN", 18)
    chain.transact(fake.functions.airdrop(chain.faucet, [me], 1_000_000), spammer)
    chain.transact(plain.functions.mint(me, ETHER), chain.faucet)
    integration = wallets.add("Decides", [me], start_block=start)
    wallets.sync(integration)
    assert _verdicts(wallets, integration)[fake.address.lower()][0] == "spam"

    assert cli("wallets", "token", integration, fake.address, "--trust").code == 0
    assert cli("wallets", "token", integration, plain.address, "--ignore").code == 0
    wallets.sync(integration)
    rows = _reconciled(wallets, integration)
    assert rows[f"ethereum:{fake.address.lower()}"][1:4] == (False, "known", "trusted by the user")
    assert rows[f"ethereum:{plain.address.lower()}"][1:4] == (True, "spam", "ignored by the user")

    assert cli("wallets", "token", integration, fake.address, "--auto").code == 0
    wallets.sync(integration)
    assert _reconciled(wallets, integration)[f"ethereum:{fake.address.lower()}"][2] == "spam"

    bad = cli("wallets", "token", integration, "0x123", "--trust")
    assert bad.code == 2 and bad.err.startswith("error: token contract")


def test_a_token_pushed_to_many_addresses_in_one_transaction_is_spam(wallets, chain):
    me = chain.new_address()
    start = chain.block + 1
    pushed = chain.deploy("AirdropToken", "Harmless Name", "HARM")
    paid = chain.deploy("AirdropToken", "Team Payout", "TEAM")
    crowd = [chain.new_address() for _ in range(MANY_RECIPIENTS - 1)]
    chain.transact(pushed.functions.airdrop([me, *crowd], ETHER), chain.faucet)       # many at once
    chain.transact(paid.functions.airdrop([me, *crowd[:MANY_RECIPIENTS - 3]], ETHER), chain.faucet)  # fewer

    integration = wallets.add("Airdrops", [me], start_block=start)
    wallets.sync(integration)

    verdicts = _verdicts(wallets, integration)
    assert verdicts[pushed.address.lower()] == ("spam", f"airdropped to {MANY_RECIPIENTS} addresses in one transaction")
    assert verdicts[paid.address.lower()][0] == "unverified"
    assert {status for _, _, status in wallets.reconciliation(integration).values()} == {"match"}
    fanout = wallets.query("SELECT count(*) FROM raw.records WHERE integration_id = ? AND stream = 'token_fanout'",
                           [integration])
    assert fanout == [(2,)]


def test_a_forgotten_account_takes_its_token_decisions_along(wallets, chain):
    """The demo forgets its account and registers the same integration ids again: an old decision
    must not judge the new integration's tokens."""
    from pipelines.registry.token_decisions import decide
    from pipelines.sqlfiles import run_script
    from pipelines.warehouse import connect, transaction

    integration = wallets.add("Forgotten", [chain.new_address()])
    with connect(wallets.warehouse) as con, transaction(con):
        decide(con, integration, USDT, "ignore")
        run_script(con, "queries/forget_account", {"account_id": "alice"})
    assert wallets.query("SELECT * FROM app.token_decisions") == []
