"""`pipelines imitation exchange|bitpanda|coinbase|bybit|bitstamp|bitvavo|kucoin`: run the exchange (Binance,
Kraken), Bitpanda, Coinbase, Bybit, Bitstamp, Bitvavo or KuCoin imitation standalone (`okx`: `okx_imitation.py`), e.g. to try an
exchange integration by hand or point the Dagster UI's syncs at it.

Its API keys are written to files (never printed) in the `--credentials-dir`, in the JSON form that
`pipelines integrations add ... --credentials-stdin` reads.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Imitations of exchanges whose keys come with a secret (and KuCoin's with a passphrase too):
#: name -> "module:class".
SIGNED = {"bybit": "pipelines.imitations.bybit:BybitImitation",
          "bitstamp": "pipelines.imitations.bitstamp:BitstampImitation",
          "bitvavo": "pipelines.imitations.bitvavo:BitvavoImitation",
          "kucoin": "pipelines.imitations.kucoin:KucoinImitation"}
#: How the imitations' names are written.
TITLES = {"kucoin": "KuCoin"}


def register(subparsers) -> None:
    imitation = subparsers.add_parser("imitation", help="run imitations of outside services")
    actions = imitation.add_subparsers(dest="action", required=True)
    p = actions.add_parser("exchange", help="serve seeded Binance and Kraken accounts on 127.0.0.1",
                           description="Serve seeded Binance and Kraken accounts over their real REST shapes.")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--seed", type=int, default=7, help="seed of the account histories")
    p.add_argument("--delist", action="append", default=[], metavar="EXCHANGE:MARKET",
                   help="delist a market, e.g. binance:SOL/USDT (its trades disappear); repeatable")
    p.add_argument("--credentials-dir", type=Path, default=Path("data/imitation"),
                   help="where to write binance.json and kraken.json with the imitation's API keys")
    p.set_defaults(handler=_serve)
    p = actions.add_parser("bitpanda", help="serve a seeded Bitpanda account (classic API) on 127.0.0.1",
                           description="Serve a seeded Bitpanda account over the classic API's REST shapes.")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--seed", type=int, default=7, help="seed of the account history")
    p.add_argument("--credentials-dir", type=Path, default=Path("data/imitation"),
                   help="where to write bitpanda.json with the imitation's API key")
    p.set_defaults(handler=_serve_bitpanda)
    p = actions.add_parser("coinbase", help="serve a seeded Coinbase account (v2 API) on 127.0.0.1",
                           description="Serve a seeded Coinbase account over the v2 API's REST shapes.")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--seed", type=int, default=7, help="seed of the account history")
    p.add_argument("--credentials-dir", type=Path, default=Path("data/imitation"),
                   help="where to write coinbase.json (a CDP key) and coinbase-hmac.json (a legacy key)")
    p.set_defaults(handler=_serve_coinbase)
    for name in SIGNED:
        title = TITLES.get(name, name.title())
        p = actions.add_parser(name, help=f"serve a seeded {title} account on 127.0.0.1",
                               description=f"Serve a seeded {title} account over its private REST API's shapes.")
        p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
        p.add_argument("--seed", type=int, default=None, help="seed of the account history (default: the tests' one)")
        p.add_argument("--credentials-dir", type=Path, default=Path("data/imitation"),
                       help=f"where to write {name}.json with the imitation's API key and secret (and passphrase)")
        p.set_defaults(handler=_serve_signed, imitation=name)
    from pipelines.cli.okx_imitation import register as register_okx

    register_okx(actions)


def _write_key_file(directory: Path, name: str, credentials: dict[str, str]) -> None:
    """The credentials as `--credentials-stdin` reads them, readable by the owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(credentials))


def _serve_until_interrupted(server, lines: list[str]) -> int:
    import threading

    with server:
        for line in lines:
            print(line.format(url=server.url))
        print("Ctrl-C stops it.", flush=True)  # piped output (a script, `tee`) sees the address at once
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _serve(args) -> int:
    from pipelines.errors import UserError
    from pipelines.imitations.exchange import ExchangeImitation

    imitation = ExchangeImitation(seed=args.seed, port=args.port)
    for entry in args.delist:
        exchange, _, market = entry.partition(":")
        if exchange not in imitation.apis or "/" not in market:
            raise UserError(f"--delist {entry!r}: use EXCHANGE:BASE/QUOTE with exchange binance or kraken")
        imitation.faults.delist(exchange, market.upper())
    for exchange in imitation.apis:
        account = getattr(imitation, exchange)
        _write_key_file(args.credentials_dir, exchange, {"api_key": account.api_key, "secret": account.secret})
    return _serve_until_interrupted(imitation, [
        f"exchange imitation on {{url}} (Binance and Kraken); API keys in {args.credentials_dir}/",
        "add one with: pipelines integrations add ACCOUNT Binance --kind exchange --provider binance "
        f"--option api_origin={{url}} --credentials-stdin < {args.credentials_dir}/binance.json"])


def _serve_bitpanda(args) -> int:
    from pipelines.imitations.bitpanda import BitpandaImitation

    imitation = BitpandaImitation(seed=args.seed, port=args.port)
    _write_key_file(args.credentials_dir, "bitpanda", {"api_key": imitation.api_key})
    return _serve_until_interrupted(imitation, [
        f"bitpanda imitation on {{url}}; API key in {args.credentials_dir}/bitpanda.json",
        "add it with: pipelines integrations add ACCOUNT Bitpanda --kind exchange --provider bitpanda "
        f"--option api_origin={{url}} --credentials-stdin < {args.credentials_dir}/bitpanda.json"])


def _serve_coinbase(args) -> int:
    from pipelines.imitations.coinbase import CoinbaseImitation

    imitation = CoinbaseImitation(seed=args.seed, port=args.port)
    for name, kind in (("coinbase", "ecdsa"), ("coinbase-hmac", "hmac")):
        key = imitation.credentials[kind]
        _write_key_file(args.credentials_dir, name, {"api_key": key["apiKey"], "secret": key["secret"]})
    return _serve_until_interrupted(imitation, [
        f"coinbase imitation on {{url}}; API keys in {args.credentials_dir}/coinbase.json (CDP) and coinbase-hmac.json",
        "add it with: pipelines integrations add ACCOUNT Coinbase --kind exchange --provider coinbase "
        f"--option api_origin={{url}} --credentials-stdin < {args.credentials_dir}/coinbase.json"])


def _serve_signed(args) -> int:
    from importlib import import_module

    module, _, name = SIGNED[args.imitation].partition(":")
    seed = {} if args.seed is None else {"seed": args.seed}
    imitation = getattr(import_module(module), name)(port=args.port, **seed)
    key_file = f"{args.credentials_dir}/{args.imitation}.json"
    credentials = {"api_key": imitation.api_key, "secret": imitation.secret}
    if getattr(imitation, "passphrase", None):
        credentials["passphrase"] = imitation.passphrase
    _write_key_file(args.credentials_dir, args.imitation, credentials)
    held = "API key, secret and passphrase" if "passphrase" in credentials else "API key and secret"
    return _serve_until_interrupted(imitation, [
        f"{args.imitation} imitation on {{url}}; {held} in {key_file}",
        f"add it with: pipelines integrations add ACCOUNT {TITLES.get(args.imitation, args.imitation.title())} --kind exchange "
        f"--provider {args.imitation} --option api_origin={{url}} --credentials-stdin < {key_file}"])
