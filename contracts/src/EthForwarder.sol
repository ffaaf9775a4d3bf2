// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// Sends ether on as internal transactions, which never appear in logs: only traces show them.
contract EthForwarder {
    event Forwarded(address indexed to, uint256 value);

    receive() external payable {}

    /// Passes the attached ether (or part of the contract's own) to `to` in an internal call.
    function forward(address payable to, uint256 value) external payable {
        (bool ok, ) = to.call{value: value}("");
        require(ok, "send failed");
        emit Forwarded(to, value);
    }

    /// Tries an internal send that reverts inside a transaction that succeeds: the trace shows
    /// the inner call, but no ether moves.
    function forwardThenUndo(address payable to, uint256 value) external payable {
        try this.sendAndRevert(to, value) {} catch {}
    }

    function sendAndRevert(address payable to, uint256 value) external {
        require(msg.sender == address(this), "internal only");
        (bool ok, ) = to.call{value: value}("");
        require(ok, "send failed");
        revert("undo");
    }

    /// Sends the whole balance with SELFDESTRUCT (a "suicide" trace, not a call).
    function destroyTo(address payable to) external payable {
        selfdestruct(to);
    }
}
