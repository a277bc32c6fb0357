// LedgerPrimitives (the byte cursor and writer, hex, RFC 3339, parallel fill) is part of
// LedgerCore's vocabulary: its types appear in LedgerCore's API and every target above uses
// them, so importing LedgerCore brings them along.
@_exported import LedgerPrimitives
