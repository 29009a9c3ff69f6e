"""Pure reads over the records: no writes."""
