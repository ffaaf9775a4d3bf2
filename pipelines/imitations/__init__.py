"""Imitations of outside services (exchanges) that the demo and the tests talk to over real HTTP.

No machine of this project reaches a real exchange, so the product ships small servers that speak
the real REST shapes, verify the real signatures and fail the way the real services fail.
"""
