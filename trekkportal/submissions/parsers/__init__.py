"""Pure deduction-list parsers: file -> ParsedList. No Django imports."""
