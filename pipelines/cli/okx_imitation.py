"""`pipelines imitation okx`: the OKX imitation standalone (trading and funding accounts, the bill
archive), to try an OKX integration by hand. Its key, secret and passphrase are written to
`okx.json` in the `--credentials-dir` (never printed), as `--credentials-stdin` reads them."""

from __future__ import annotations

from pathlib import Path


def register(actions) -> None:
    p = actions.add_parser("okx", help="serve a seeded OKX account (API v5) on 127.0.0.1",
                           description="Serve a seeded OKX account (trading and funding bills, fills, the "
                                       "quarterly bill archive) over API v5's REST shapes.")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--seed", type=int, default=3, help="seed of the account history")
    p.add_argument("--days", type=int, default=150, help="how many days back the history starts (default 150: "
                                                         "older than three months, so the archive serves part)")
    p.add_argument("--archive-polls", type=int, default=0,
                   help="polls an archive file stays 'ongoing' (OKX: about 2 hours; default 0: ready at once)")
    p.add_argument("--credentials-dir", type=Path, default=Path("data/imitation"),
                   help="where to write okx.json with the imitation's key, secret and passphrase")
    p.set_defaults(handler=_serve)


def _serve(args) -> int:
    from pipelines.cli.exchange_commands import _serve_until_interrupted, _write_key_file
    from pipelines.imitations.okx import OkxImitation

    imitation = OkxImitation(seed=args.seed, days=args.days, port=args.port, archive_polls=args.archive_polls)
    _write_key_file(args.credentials_dir, "okx", {"api_key": imitation.api_key, "secret": imitation.secret,
                                                 "passphrase": imitation.passphrase})
    return _serve_until_interrupted(imitation, [
        f"okx imitation on {{url}}; key, secret and passphrase in {args.credentials_dir}/okx.json",
        "add it with: pipelines integrations add ACCOUNT OKX --kind exchange --provider okx "
        f"--option api_origin={{url}} --credentials-stdin < {args.credentials_dir}/okx.json"])
