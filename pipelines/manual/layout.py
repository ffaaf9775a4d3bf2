"""The Excel template's layout, as Blockpit's template v1.1 has it in its first rows: the column
header in row 1, one transaction per row from row 2 on, the label dropdown on column C. Our own
instructions live on their own sheet. Files of earlier versions of this template (three preamble
rows, the header in row 4) still import: the importer looks for the header in the first rows."""

SHEET = "Transactions"
INSTRUCTIONS_SHEET = "Instructions"
LABELS_SHEET = "Labels"
HEADER_ROW = 1

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
