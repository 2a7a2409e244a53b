"""Evidence files (issue 15): bytes on disk by sha256 (`blobs`), kinds by content (`kinds`), rows (`rows`)."""
