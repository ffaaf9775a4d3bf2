"""The Excel template's layout (compatible with the Blockpit template v1.1): three preamble rows,
the header in row 4, transactions from row 5 on."""

SHEET = "Transactions"
INSTRUCTIONS_SHEET = "Instructions"
LABELS_SHEET = "Labels"
HEADER_ROW = 4
PREAMBLE = (
    "Manual transactions import template (compatible with the Blockpit template v1.1)",
    "Dates are UTC, as DD.MM.YYYY HH:MM:SS text or Excel dates. Amounts are positive; use a dot as decimal separator.",
    "One transaction per row from row 5 on. See the Instructions sheet for the labels and an example.",
)

DATE = "Date (UTC)"
INTEGRATION = "Integration Name"
LABEL = "Label"
OUT_ASSET = "Outgoing Asset"
OUT_AMOUNT = "Outgoing Amount"
IN_ASSET = "Incoming Asset"
IN_AMOUNT = "Incoming Amount"
FEE_ASSET = "Fee Asset (optional)"
FEE_AMOUNT = "Fee Amount (optional)"
COMMENT = "Comment (optional)"
TRX_ID = "Trx. ID (optional)"
HEADER = (DATE, INTEGRATION, LABEL, OUT_ASSET, OUT_AMOUNT, IN_ASSET, IN_AMOUNT, FEE_ASSET, FEE_AMOUNT, COMMENT, TRX_ID)

DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
