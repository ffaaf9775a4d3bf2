"""The codes an account's base currency may have: what its holdings are valued in (`marts.portfolio`)
and what live prices are fetched in (`prices.live_prices`), so a code nobody quotes (`XXXXXX`) would
leave every holding unvalued without a word.

A static list, no network: the circulating currencies of ISO 4217 (funds, precious metals, test and
"no currency" codes such as XXX left out) and the crypto assets the project itself knows: bitcoin,
each EVM chain's native coin, and the stablecoins prices are bridged through.
"""

from __future__ import annotations

from pipelines.errors import UserError

ISO_4217 = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST
    XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())

STABLECOINS = frozenset({"USDT", "USDC", "DAI"})


def known_crypto() -> frozenset[str]:
    """Bitcoin, the native coin of every chain in chains.json, and the stablecoins."""
    from pipelines.chains import chains

    return frozenset({"BTC", *(chain.native_symbol for chain in chains().values())}) | STABLECOINS


def check_base_currency(code: str) -> str:
    """The code upper-cased, or `UserError` naming what is accepted."""
    currency = code.strip().upper()
    if currency not in ISO_4217 and currency not in known_crypto():
        raise UserError(
            f"unknown base currency {code!r}: use an ISO 4217 currency code such as EUR or USD, "
            f"or one of {', '.join(sorted(known_crypto()))}"
        )
    return currency
