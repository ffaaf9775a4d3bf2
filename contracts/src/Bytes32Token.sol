// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// An early-days token (like MKR or SAI): `symbol()` and `name()` return bytes32 instead of a
/// string, and there is no `decimals()` at all, so readers must fall back instead of failing.
contract Bytes32Token {
    bytes32 public constant symbol = "OLD";
    bytes32 public constant name = "Old Style Token";
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint256 supply) {
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
