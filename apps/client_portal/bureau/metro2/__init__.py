"""Metro 2 (credit reporting format) reading, checking, and writing of test files."""

from .reader import Metro2Error, Record, as_json, read, read_file_json

__all__ = ["Metro2Error", "Record", "as_json", "read", "read_file_json"]
