// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// A token with an unremarkable name that its creator pushes to many addresses in one transaction:
/// only the fan-out of the transaction gives it away as an unsolicited airdrop.
contract AirdropToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function airdrop(address[] calldata recipients, uint256 value) external {
        for (uint256 i = 0; i < recipients.length; i++) {
            balanceOf[recipients[i]] += value;
            emit Transfer(msg.sender, recipients[i], value);
        }
    }
}
