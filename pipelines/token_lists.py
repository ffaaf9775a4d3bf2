"""Known-good tokens from maintained token lists, read from disk into `app.token_lists`.

Spam classification needs to tell the real USDT from a contract that only calls itself USDT, and
that knowledge lives in token lists maintained by others. They come as npm packages pinned in
package.json (`make setup` installs them into node_modules), so a run never asks the network and
a list changes only with a reviewed version bump. The table is reloaded when the installed versions
differ from the loaded ones; without node_modules the last loaded lists stay.
"""

from __future__ import annotations

import json

from pipelines.chains import chains
from pipelines.settings import PROJECT_ROOT
from pipelines.sqlfiles import run_script

#: npm package -> its list file. Uniswap's default list covers Ethereum, BNB Smart Chain, Polygon,
#: Arbitrum, OP Mainnet, Base, Avalanche and Sepolia; Gnosis, Linea and Scroll have no list here.
TOKEN_LISTS = {"@uniswap/default-token-list": "build/uniswap-default.tokenlist.json"}


def installed() -> dict[str, tuple[str, str]]:
    """package -> (version, list file) of the lists installed in node_modules."""
    found = {}
    for package, file in TOKEN_LISTS.items():
        root = PROJECT_ROOT / "node_modules" / package
        if (root / file).exists():
            found[package] = (json.loads((root / "package.json").read_text())["version"], str(root / file))
    return found


def refresh(con) -> bool:
    """Load the installed lists when their versions are not the loaded ones (the caller owns the
    transaction); True when it loaded."""
    lists = installed()
    loaded = dict(con.execute("SELECT package, version FROM app.token_list_sources").fetchall())
    if not lists or loaded == {package: version for package, (version, _) in lists.items()}:
        return False
    registry = list(chains().values())
    run_script(con, "tokens/load_lists", {
        "files": [file for _, file in lists.values()],
        "packages": list(lists), "versions": [version for version, _ in lists.values()],
        "chain_ids": [c.chain_id for c in registry], "chain_keys": [c.key for c in registry],
    })
    return True
