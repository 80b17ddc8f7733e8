"""Pure builders for what the pages show: tables, figures, maps and export bytes."""
