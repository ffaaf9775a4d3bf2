// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./TestToken.sol";

/// Burns 1% of every transfer: the sender loses `value`, the receiver gets 99%, and a second
/// Transfer event (to the zero address) reports the burnt part, as real fee-on-transfer tokens do.
contract FeeOnTransferToken is TestToken {
    constructor() TestToken("Fee Token", "FEE", 18) {}

    function _move(address from, address to, uint256 value) internal override {
        require(balanceOf[from] >= value, "balance");
        uint256 burnt = value / 100;
        balanceOf[from] -= value;
        balanceOf[to] += value - burnt;
        totalSupply -= burnt;
        emit Transfer(from, to, value - burnt);
        emit Transfer(from, address(0), burnt);
    }
}
