// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// A silently rebasing token (like stETH or AMPL): balances are shares times an index, and a rebase
/// changes the index without any Transfer event, so the history of transfers no longer adds up to
/// `balanceOf`: the one mismatch a reader must keep showing, never hide.
contract RebasingToken {
    string public constant name = "Rebasing Staked Token";
    string public constant symbol = "RST";
    uint8 public constant decimals = 18;
    uint256 public index = 1e18;
    mapping(address => uint256) private shares;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 value) external {
        shares[to] += value * 1e18 / index;
        emit Transfer(address(0), to, value);
    }

    /// Grows (or shrinks) every balance by `percent` percent; no event says so.
    function rebase(uint256 percent) external {
        index = index * percent / 100;
    }

    function balanceOf(address who) external view returns (uint256) {
        return shares[who] * index / 1e18;
    }
}
