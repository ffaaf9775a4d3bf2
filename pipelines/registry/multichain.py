"""One wallet on many chains: what a Ledger, Trezor or Exodus user has at hand (an EVM address, a
Bitcoin zpub, a Litecoin Ltub, a Tron address, ...) becomes ONE group holding one integration per
chain, each registered by the code path of its kind (`REGISTRATIONS`).

All or nothing: the caller runs `add_multichain_wallet` in one warehouse transaction, every chain's
registration checks its input before it writes, and an error names the option it came from; so one
mistyped key leaves the registry as it was, however many chains were fine. A wallet already
registered (an integration id the command would create exists) is refused the same way: re-running
the command adds nothing, and a chain added later is registered with only its own option.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module

from pipelines.chains import Network, get_network, networks
from pipelines.errors import UserError

#: Which function registers a wallet on a chain of each kind: "module:function", imported only when
#: the command names such a chain. Each takes (con, ChainWallet), checks the wallet's values before
#: its first write (raising UserError) and returns the integration id it added.
REGISTRATIONS: dict[str, str] = {
    "evm": "pipelines.registry.multichain:register_evm",
    "utxo": "pipelines.registry.multichain:register_utxo",
    "tron": "pipelines.registry.multichain:register_tron",
    "solana": "pipelines.registry.multichain:register_solana",
}


@dataclass(frozen=True)
class ChainWallet:
    """The part of a multi-chain wallet on one chain: what the user gave with `option`."""

    option: str
    network: Network
    values: tuple[str, ...]
    account_id: str
    name: str  # the wallet's name; the integration is `NAME (Chain)`
    group: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.network.name})"

    @property
    def integration_id(self) -> str:
        from pipelines.registry.integrations import slug

        return f"{self.account_id}-{slug(self.name)}-{self.network.key}"


def option(network: Network) -> str:
    """The command-line option of a non-EVM chain: its key (`--bitcoin-cash`)."""
    return f"--{network.key}"


def registration(kind: str) -> Callable:
    """The registration function of a kind (imported only when the command names such a chain)."""
    module, _, name = REGISTRATIONS[kind].partition(":")
    return getattr(import_module(module), name)


def plan(
    account_id: str, name: str, *, evm: Sequence[str] = (), evm_chains: Sequence[str] | None = None,
    others: Mapping[str, Sequence[str]] | None = None, group: str | None = None,
) -> list[ChainWallet]:
    """The integrations the command creates: one per EVM chain (`evm_chains`, default Ethereum) for
    the `evm` addresses, one per other chain named in `others` (chain key -> values). Checks only
    what needs no warehouse."""
    wallets = []
    if evm_chains is not None and not evm:
        raise UserError("--evm-chains: give the address to read on them with --evm")
    if evm:
        try:
            keys = [get_network(c).key for c in (("ethereum",) if evm_chains is None else evm_chains)]
        except UserError as exc:
            raise UserError(f"--evm-chains: {exc}") from None
        if not keys:
            raise UserError("--evm-chains: name at least one EVM chain (see `pipelines chains`)")
        for key in keys:
            if networks()[key].kind != "evm":
                raise UserError(f"--evm-chains: {key} is not an EVM chain (give it its own option {option(networks()[key])})")
        if len(set(keys)) != len(keys):
            raise UserError("--evm-chains: a chain is named twice")
        wallets += [ChainWallet("--evm", networks()[k], tuple(evm), account_id, name, group or name) for k in keys]
    for key, values in (others or {}).items():
        if values:
            network = get_network(key)
            wallets.append(ChainWallet(option(network), network, tuple(values), account_id, name, group or name))
    if not wallets:
        raise UserError("name at least one chain's address or key (--evm, --bitcoin, --tron, ...; see `pipelines chains`)")
    return wallets


def add_multichain_wallet(con, wallets: Sequence[ChainWallet]) -> list[str]:
    """Register every planned integration in the caller's transaction; returns their ids. Nothing is
    written when the wallet is already registered; a chain's
    invalid value raises `UserError` prefixed with its option, and the caller's rollback undoes the
    chains registered before it."""
    functions = {wallet.network.kind: registration(wallet.network.kind) for wallet in wallets}
    ids = [w.integration_id for w in wallets]
    placeholders = ", ".join("?" for _ in ids)
    taken = [r[0] for r in con.execute(
        f"SELECT integration_id FROM app.integrations WHERE integration_id IN ({placeholders}) ORDER BY 1", ids,
    ).fetchall()]
    if taken:
        raise UserError(f"already registered: {', '.join(taken)}; nothing added (a new chain needs only its own option)")
    added = []
    for wallet in wallets:
        try:
            added.append(functions[wallet.network.kind](con, wallet))
        except UserError as exc:
            raise UserError(f"{wallet.option}: {exc}") from None
    return added


def register_evm(con, wallet: ChainWallet) -> str:
    """An EVM address list on one chain, by the `wallets add` code path (EIP-55 checked)."""
    from pipelines.connectors.wallet.registration import add_wallet

    return add_wallet(con, wallet.account_id, wallet.label, wallet.values, [wallet.network.key],
                      group=wallet.group, integration_id=wallet.integration_id)[0]


def _is_key(text: str) -> bool:
    """Whether a value of a UTXO option is an extended key (or descriptor), not an address: keys are
    111 characters with a known 4-letter prefix, addresses at most 90 (a descriptor has brackets)."""
    from pipelines.connectors.bitcoin.coins import COINS
    from pipelines.connectors.bitcoin.keys import PRIVATE_PREFIXES, TESTNET_PREFIXES

    text = text.strip()
    prefixes = {p for coin in COINS.values() for p in coin.keys} | set(PRIVATE_PREFIXES) | set(TESTNET_PREFIXES)
    return text[:4] in prefixes or "(" in text or text.startswith("[") or len(text) > 90


def register_utxo(con, wallet: ChainWallet) -> str:
    """Extended keys and/or addresses of one UTXO coin, by the `bitcoin add --coin` code path."""
    from pipelines.registry.integrations import add_integration

    settings = {"xpubs": [v.strip() for v in wallet.values if _is_key(v)],
                "addresses": [v.strip() for v in wallet.values if not _is_key(v)]}
    return add_integration(con, wallet.account_id, wallet.label, "wallet", wallet.network.key,
                           integration_id=wallet.integration_id, group_name=wallet.group,
                           settings={k: v for k, v in settings.items() if v})


def register_tron(con, wallet: ChainWallet) -> str:
    """One Tron address, by the `tron add` code path (checksum checked)."""
    from pipelines.registry.integrations import add_integration

    if len(wallet.values) != 1:
        raise UserError("a Tron wallet integration reads one address: give --tron once")
    return add_integration(con, wallet.account_id, wallet.label, "wallet", wallet.network.key,
                           integration_id=wallet.integration_id, group_name=wallet.group,
                           settings={"address": wallet.values[0].strip()})


def register_solana(con, wallet: ChainWallet) -> str:
    """One Solana address, by the `solana add` code path (base58 key checked); the RPC URL comes
    from PIPELINES_SOLANA_RPC_URL or `integrations credentials` later, as for every chain here."""
    from pipelines.connectors.solana.registration import register_solana_wallet

    if len(wallet.values) != 1:
        raise UserError("a Solana wallet integration reads one address: give --solana once")
    return register_solana_wallet(con, wallet.account_id, wallet.values[0].strip(), name=wallet.label,
                                  group=wallet.group, integration_id=wallet.integration_id)
